#!/usr/bin/env bash
# Malformed-capture corpus for pcapscan, generated at test time (nothing binary is committed).
# Usage: run.sh CASE   (truncate bitflip lies reclen tftp_wrap interleave streams seq_gap)
# Env: PCAPSCAN, GEN (gen-malformed), CAPTURES (captures/ dir), WORK (scratch dir),
#      MAL_RSS_KB (peak-RSS bound per pcapscan run, in KiB).
# Every pcapscan run must: exit 0/1/2 (no signal), print no sanitizer report, finish within
# MAL_TIMEOUT seconds, stay under MAL_RSS_KB, write valid JSON whose counts account for every
# file object; then each case checks that the output names what was wrong.
set -euo pipefail
: "${PCAPSCAN:?}" "${GEN:?}" "${CAPTURES:?}" "${WORK:?}"
RSS_KB=${MAL_RSS_KB:-409600}
TIMEOUT=${MAL_TIMEOUT:-120}
case_name=${1:?usage: run.sh CASE}
work=$WORK/$case_name
rm -rf "$work"
mkdir -p "$work"
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# scan OUT ARGS...: pcapscan --json ARGS > OUT.json; stderr in OUT.err; checks crash/leak/time/RSS.
scan() {
  local out=$1
  shift
  local rc=0
  /usr/bin/time -f %M -o "$out.rss" timeout "$TIMEOUT" "$PCAPSCAN" --json -q "$@" \
    >"$out.json" 2>"$out.err" || rc=$?
  if [ "$rc" -gt 2 ]; then
    fail "pcapscan $* exited $rc (crash or timeout)"
    tail -n 20 "$out.err" >&2
  fi
  if grep -qE 'Sanitizer|runtime error:' "$out.err"; then
    fail "pcapscan $*: sanitizer report"
    grep -m 5 -E 'ERROR|SUMMARY|runtime error' "$out.err" >&2
  fi
  local rss
  rss=$(grep -E '^[0-9]+$' "$out.rss" | tail -n 1)
  if [ -z "$rss" ] || [ "$rss" -gt "$RSS_KB" ]; then
    fail "pcapscan $*: peak RSS ${rss:-?} KiB over $RSS_KB"
  fi
  if ! jq -e -s 'length > 0 and (last.type == "summary")' "$out.json" >/dev/null 2>&1; then
    fail "pcapscan $*: output is not JSON lines ending in a summary"
    return
  fi
  accounts "$out.json"
}

# Nothing disappears: per input, the file objects and the summary counts agree.
accounts() {
  local bad
  bad=$(jq -r -s '
    (map(select(.type == "file")) | group_by(.pcap) | map({key: .[0].pcap, value: .}) | from_entries) as $files
    | last.per_input[] | select(.status != "failed")
    | . as $in | ($files[$in.pcap] // []) as $f
    | select(
        ($f | length) != $in.files
        or ($f | map(select(.complete)) | length) != $in.files_complete
        or ($f | map(select(.status == "not_found")) | length) != $in.files_not_found
        or ($f | map(select((.complete | not) and .status != "not_found" and .status != "error")) | length) != $in.files_incomplete
        or ($f | map(select(.parse_error != null)) | length) != $in.files_unparsable
        or $in.files_unparsable != $in.skipped.unparsable_files)
    | $in.pcap' "$1")
  [ -z "$bad" ] || fail "$1: file objects and summary counts disagree for: $bad"
}

# One line per input: pcap status packets last_good_packet packet-of-CAPTURE_TRUNCATED (-1: none).
inputs_tsv() {
  jq -r -s '(map(select(.type == "finding" and .rule == "CAPTURE_TRUNCATED"))
             | map({key: .pcap, value: .evidence.packets[0]}) | from_entries) as $t
    | last.per_input[]
    | [.pcap, .status, (.packets // -1), (.last_good_packet // -1), ($t[.pcap] // -1)] | @tsv' "$1"
}

scenario_captures() {
  ls "$CAPTURES"/*.pcap "$CAPTURES"/*.pcapng
}

# ---- every scenario capture cut at many offsets ----
# Fixed small offsets (inside the file header), 16 spread points, and both sides of every 7th
# record end (a cut exactly on a record end is a clean, shorter capture). One pcapscan run per
# capture reads all its cuts.
case_truncate() {
  local cap base size bounds offsets off
  for cap in $(scenario_captures); do
    base=$(basename "$cap")
    size=$(stat -c %s "$cap")
    bounds=$work/$base.bounds
    "$GEN" boundaries "$cap" >"$bounds"
    offsets="1 4 12 23 25 40"
    for i in $(seq 1 16); do offsets="$offsets $((size * i / 17))"; done
    for b in $(awk 'NR % 7 == 3 {print $1}' "$bounds"); do offsets="$offsets $((b - 1)) $b $((b + 1))"; done
    local inputs=()
    for off in $(tr ' ' '\n' <<<"$offsets" | sort -n -u); do
      [ "$off" -gt 0 ] && [ "$off" -lt "$size" ] || continue
      head -c "$off" "$cap" >"$work/$base.$off"
      inputs+=("$work/$base.$off")
    done
    scan "$work/$base" "${inputs[@]}"
    # Until the first interface description (pcap: the file header) the input cannot be opened.
    local first_end pcap status packets good trunc want b p
    first_end=$(awk '$3 == 1 {print $1; exit}' "$bounds")
    declare -A end_pkts=()
    while read -r b p _; do end_pkts[$b]=$p; done <"$bounds"
    while IFS=$'\t' read -r pcap status packets good trunc; do
      off=${pcap##*.}
      want=0
      while read -r b p _; do [ "$b" -le "$off" ] && want=$p; done <"$bounds"
      if [ "$off" -lt "$first_end" ]; then
        [ "$status" = failed ] || fail "$base cut at $off (inside the file header): status $status"
      elif [ -n "${end_pkts[$off]:-}" ]; then
        [ "$status" = ok ] && [ "$packets" = "${end_pkts[$off]}" ] ||
          fail "$base cut on a record end ($off): status $status, $packets packets (want ${end_pkts[$off]})"
      else
        [ "$status" = truncated ] || [ "$status" = corrupt ] ||
          fail "$base cut at $off: status $status, expected truncated"
        [ "$good" = "$want" ] || fail "$base cut at $off: last_good_packet $good, expected $want"
        # The finding names the capture and the last packet read (none when none was): never
        # the cut one, which no tool lists.
        [ "$trunc" = "$want" ] || { [ "$want" = 0 ] && [ "$trunc" = -1 ]; } ||
          fail "$base cut at $off: CAPTURE_TRUNCATED names packet $trunc, expected $want"
      fi
    done < <(inputs_tsv "$work/$base.json")
    unset end_pkts
    rm -f "${inputs[@]}"
  done
}

# ---- random bit errors, as Wireshark's fuzz-test does ----
case_bitflip() {
  local cap base fmt seeds=${MAL_BITFLIP_SEEDS:-4}
  for cap in $(scenario_captures); do
    base=$(basename "$cap")
    fmt=pcap
    [ "${cap##*.}" = pcapng ] && fmt=pcapng
    local inputs=()
    local src=$cap
    if ! editcap -F "$fmt" "$cap" "$work/$base.copy" >/dev/null 2>&1; then
      # editcap 4.0 cannot rewrite some pcapng files (decryption secrets): give it libpcap's copy.
      "$GEN" copy "$cap" "$work/$base.copy" >/dev/null
      fmt=pcap
    fi
    src=$work/$base.copy
    for s in $(seq 1 "$seeds"); do
      editcap -E 0.02 --seed "$s" -F "$fmt" "$src" "$work/$base.e$s" >/dev/null
      inputs+=("$work/$base.e$s")
    done
    scan "$work/$base" "${inputs[@]}"
    local n
    n=$(jq -s 'last.inputs - last.inputs_failed' "$work/$base.json")
    [ "$n" = "$seeds" ] || fail "$base: $seeds mutated inputs but $n read"
    rm -f "${inputs[@]}" "$src"
  done
}

# ---- lying lengths, zero and maximum lengths ----
MUTATIONS="ip-len-long ip-len-short udp-len-long udp-len-short udp-empty tls-rec-max tls-rec-zero
           tls-hs-max tlv-hdrlen tlv-zero tlv-max rec-len"

# What each mutation must leave in the per_input counts (>= 1, or >= packets changed).
expect_counter() {
  case $1 in
    ip-len-long | udp-len-long) echo '.skipped.truncated_packets + .skipped.malformed' ;;
    ip-len-short | udp-len-short) echo '.skipped.malformed + .skipped.short_frames' ;;
    udp-empty) echo '.skipped.tftp_stray_packets + .files' ;;
    tls-rec-max | tls-rec-zero | tls-hs-max) echo '.skipped.tls_errors + .skipped.http_errors' ;;
    tlv-hdrlen | tlv-max | rec-len) echo '.files_unparsable + .files_incomplete' ;;
    *) echo '0' ;;
  esac
}

# The dropped packets and stream errors are named in per_input.problems (packet, byte offset).
problems_named() {
  local json=$1 pcap=$2 m=$3 packets=$4 base=$5 first listed
  case $m in
    ip-len-short | udp-len-short)
      first=${packets%% *}
      listed=$(jq -r -s --arg p "$pcap" --argjson k "$first" 'last.per_input[] | select(.pcap == $p)
        | [.problems[]? | select(.packet == $k and (.what == "malformed" or .what == "short_frame")
                                 and (.detail | test("byte [0-9]+")))] | length' "$json")
      [ "$listed" -ge 1 ] || fail "$base $m: packet $first not named in per_input.problems" ;;
    tls-rec-max | tls-rec-zero | tls-hs-max)
      listed=$(jq -r -s --arg p "$pcap" 'last.per_input[] | select(.pcap == $p)
        | [.problems[]? | select((.what == "tls" or .what == "not_tls" or .what == "http")
                                 and .packet >= 1 and (.offset | type) == "number")] | length' "$json")
      [ "$listed" -ge 1 ] || fail "$base $m: no TLS/HTTP error named by packet and offset" ;;
  esac
}

case_lies() {
  local cap base m out packets
  for cap in $(scenario_captures); do
    base=$(basename "$cap")
    local inputs=()
    declare -A changed=()
    for m in $MUTATIONS; do
      out=$work/$base.$m
      local rc=0
      packets=$("$GEN" "$m" "$cap" "$out") || rc=$?
      if [ "$rc" -eq 3 ]; then
        rm -f "$out"
        continue
      fi
      [ "$rc" -eq 0 ] || { fail "gen-malformed $m $base: exit $rc"; continue; }
      changed[$m]=${packets#packets }
      inputs+=("$out")
    done
    [ "${#inputs[@]}" -gt 0 ] || continue
    scan "$work/$base" "${inputs[@]}"
    local json=$work/$base.json
    for out in "${inputs[@]}"; do
      m=${out##*.}
      packets=${changed[$m]}
      local n got
      n=$(wc -w <<<"$packets")
      got=$(jq -r -s --arg p "$out" "last.per_input[] | select(.pcap == \$p) | $(expect_counter "$m")" "$json")
      case $m in
        ip-len-short | udp-len-short)
          [ "$got" -ge "$n" ] || fail "$base $m: $n packets changed, $got counted" ;;
        tlv-zero) ;;
        *)
          [ "$got" -ge 1 ] || fail "$base $m (packets $packets): nothing counted ($(expect_counter "$m") = $got)" ;;
      esac
      problems_named "$json" "$out" "$m" "$packets" "$base"
      case $m in
        tlv-* | rec-len)
          # Each damaged transfer is named: not verified, and either incomplete or a parse
          # error with its byte offset (tlv-zero may parse, then the signature fails). A block 1
          # after a complete transfer that no transfer holds is a late retransmission of a server
          # process the phone no longer listens to (tftp-retry): nothing the phone read.
          local bad
          bad=$(jq -r -s --arg f "$out" --arg m "$m" --arg ps "$packets" '
            ($ps | split(" ") | map(tonumber)) as $pk
            | map(select(.type == "file" and .pcap == $f)) as $files
            | $pk[] | . as $p
            | ($files | map(select(.first_packet < $p and .last_packet >= $p))) as $t
            | select(($t | length) == 0 and any($files[]; .complete and .last_packet < $p) | not)
            | select(($t | length) != 1 or $t[0].signature == "valid"
                     or ($m != "tlv-zero" and $t[0].complete
                         and ($t[0].parse_error // "" | test("byte [0-9]+") | not)))
            | $p' "$json")
          [ -z "$bad" ] || fail "$base $m: transfers holding packets $bad not reported damaged" ;;
      esac
    done
    unset changed
    rm -f "${inputs[@]}"
  done
}

# ---- pcap record header claiming a huge captured length (record k = middle of each capture) ----
case_reclen() {
  local cap base k inputs=()
  declare -A rec=()
  for cap in "$CAPTURES"/*.pcap; do
    base=$(basename "$cap")
    k=$(($("$GEN" boundaries "$cap" | wc -l) / 2 + 1))
    "$GEN" pcap-caplen "$cap" "$work/$base" "$k" >/dev/null
    rec[$work/$base]=$k
    inputs+=("$work/$base")
  done
  scan "$work/all" "${inputs[@]}"
  local pcap status packets good trunc
  while IFS=$'\t' read -r pcap status packets good trunc; do
    k=${rec[$pcap]}
    [ "$status" = corrupt ] || [ "$status" = truncated ] || fail "$pcap record $k caplen lie: status $status"
    [ "$good" = $((k - 1)) ] || fail "$pcap record $k caplen lie: last_good_packet $good"
    [ "$trunc" = $((k - 1)) ] || fail "$pcap: CAPTURE_TRUNCATED names packet $trunc, not the last good record $((k - 1))"
  done < <(inputs_tsv "$work/all.json")
  rm -f "${inputs[@]}"
}

# ---- one transfer of 65540 blocks: the 16-bit block number wraps ----
case_tftp_wrap() {
  "$GEN" tftp-wrap "$work/wrap.pcap" 65540 >/dev/null
  scan "$work/wrap" "$work/wrap.pcap"
  local want
  want=$(sha256sum <"$work/wrap.pcap.payload" | cut -d' ' -f1)
  jq -e -s --arg h "$want" --argjson n "$(stat -c %s "$work/wrap.pcap.payload")" '
    map(select(.type == "file")) | length == 1 and .[0].complete and .[0].size == $n
    and .[0].sha256 == $h and (.[0].missing_blocks // 0) == 0' "$work/wrap.json" >/dev/null ||
    fail "65540-block transfer not rebuilt exactly"
}

# ---- thousands of transfers at once, then the same under --max-transfers ----
case_interleave() {
  local n=3000
  "$GEN" interleave "$work/il.pcap" "$n" >/dev/null
  scan "$work/il" "$work/il.pcap"
  jq -e -s --argjson n $n 'last | .files == $n and .files_complete == $n' "$work/il.json" >/dev/null ||
    fail "$n interleaved transfers: not all complete"
  scan "$work/il500" --max-transfers 500 "$work/il.pcap"
  jq -e -s --argjson n $n '
    (map(select(.type == "file" and .status == "evicted")) | length) as $ev
    | last as $s
    | $ev == $n - 500 and $s.per_input[0].skipped.tftp_transfers_evicted == $ev
      and $s.files_incomplete == $ev and $s.rules.TFTP_TRANSFER_INCOMPLETE == $ev' \
    "$work/il500.json" >/dev/null || fail "--max-transfers 500: evictions not reported one by one"
}

case_streams() {
  local n=3000
  "$GEN" streams "$work/st.pcap" "$n" >/dev/null
  scan "$work/st" "$work/st.pcap"
  jq -e -s --argjson n $n 'last | .tls_sessions == $n and .per_input[0].skipped.tcp_streams_evicted == 0' \
    "$work/st.json" >/dev/null || fail "$n concurrent TCP streams: not all followed"
  scan "$work/st500" --max-streams 500 "$work/st.pcap"
  jq -e -s --argjson n $n 'last.per_input[0].skipped.tcp_streams_evicted == $n - 500' \
    "$work/st500.json" >/dev/null || fail "--max-streams 500: evictions not counted"
}

# ---- a 2 GB jump in the server's sequence numbers ----
case_seq_gap() {
  "$GEN" seq-gap "$work/gap.pcap" >/dev/null
  scan "$work/gap" "$work/gap.pcap"
  jq -e -s 'last.per_input[0].skipped as $s
    | last.certs == 0 and ($s.tls_errors + $s.tcp_forced_gaps + $s.tcp_pending_overflows) >= 1' \
    "$work/gap.json" >/dev/null || fail "2 GB sequence gap: not reported"
}

"case_$case_name"
if [ "$failures" -gt 0 ]; then
  echo "$case_name: $failures failure(s); outputs in $work" >&2
  exit 1
fi
echo "$case_name: ok"
