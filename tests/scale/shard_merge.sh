#!/usr/bin/env bash
# shard_merge.sh CASE: `pcapscan --shard K/N --json --json-content` runs merged with
# `pcapscan merge` must give what one run over every input gives (same findings, same reports,
# same exit code), including the rules that need observations from several captures.
# Env: PCAPSCAN MKCAP SBDGEN MKPKI SYNTHETIC CAPTURES WORK (set by CMakeLists.txt).
set -euo pipefail

case_name=$1
NOW=2026-12-01T00:00:00Z
MAC=SEP001122334455
out=$WORK/$case_name
mat=$WORK/material/material
rm -rf "$out"
mkdir -p "$out"

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# pcapscan ARGS... > FILE, exit code in $rc (1 = error findings is an expected outcome).
run() {
  local dest=$1
  shift
  set +e
  "$PCAPSCAN" "$@" >"$dest" 2>"$dest.err"
  rc=$?
  set -e
  [ "$rc" -le 2 ] || fail "pcapscan $* exited $rc: $(cat "$dest.err")"
}

# The comparison the issue asks for: sorted rule/phone/evidence of every finding.
findings() {
  jq -c 'select(.type=="finding") | {rule, phone, pcap, severity, evidence}' "$1" | sort
}

# shard_and_merge N INPUT...: single run vs N shards merged; JSON, text, CSV and exit codes.
# The options in extra (output options scan and merge share) go to the single run and the merges.
extra=()
shard_and_merge() {
  local n=$1 k
  shift
  run "$out/single.json" --json -q --now "$NOW" "${extra[@]}" "$@"
  local single_rc=$rc
  run "$out/single.txt" -q --now "$NOW" "${extra[@]}" "$@"
  parts=() # left set for the caller
  for k in $(seq 1 "$n"); do
    run "$out/s$k-of-$n.json" --json --json-content -q --now "$NOW" --shard "$k/$n" "$@"
    parts+=("$out/s$k-of-$n.json")
  done
  run "$out/merged.json" merge --json "${extra[@]}" "${parts[@]}"
  [ "$rc" = "$single_rc" ] || fail "merge exit $rc, single run $single_rc ($(cat "$out/merged.json.err"))"
  diff <(findings "$out/single.json") <(findings "$out/merged.json") >"$out/findings.diff" ||
    fail "findings differ with $n shards: $(head -c 1500 "$out/findings.diff")"
  cmp -s "$out/single.json" "$out/merged.json" ||
    fail "JSON output differs with $n shards: $(diff "$out/single.json" "$out/merged.json" | head -c 1500)"
  run "$out/merged.txt" merge "${extra[@]}" "${parts[@]}"
  cmp -s "$out/single.txt" "$out/merged.txt" || fail "text report differs with $n shards"
  run "$out/single.csv.out" -q --now "$NOW" --csv "$out/single.csv" --html "$out/single.html" \
    "${extra[@]}" "$@"
  run "$out/merged.csv.out" merge --csv "$out/merged.csv" --html "$out/merged.html" "${extra[@]}" \
    "${parts[@]}"
  cmp -s "$out/single.csv" "$out/merged.csv" || fail "CSV differs with $n shards"
  # The HTML page states when it was written; everything else must match.
  diff <(sed 's/report written [0-9TZ:-]*//' "$out/single.html") \
    <(sed 's/report written [0-9TZ:-]*//' "$out/merged.html") >/dev/null || fail "HTML differs with $n shards"
  run "$out/merged-c.json" merge --json --json-content "${parts[@]}"
  run "$out/remerged.json" merge --json "${extra[@]}" "$out/merged-c.json"
  cmp -s "$out/single.json" "$out/remerged.json" || fail "a merged --json-content output does not merge again"
  # Results files of format 1 (--json-inline, as pcapscan wrote before content lines) merge alike.
  local v1=()
  for k in $(seq 1 "$n"); do
    run "$out/s$k-of-$n.v1.json" --json --json-inline --json-content -q --now "$NOW" --shard "$k/$n" "$@"
    v1+=("$out/s$k-of-$n.v1.json")
  done
  run "$out/merged-v1.json" merge --json "${extra[@]}" "${v1[@]}"
  cmp -s "$out/single.json" "$out/merged-v1.json" ||
    fail "format 1 shards merge differently: $(diff "$out/single.json" "$out/merged-v1.json" | head -c 1500)"
}

refused() { # TEXT: the last merge exited 2 with TEXT on stderr
  [ "$rc" = 2 ] && grep -q -- "$1" "$out/m.json.err"
}

has() { # FILE RULE: the rule fired
  jq -s -e --arg r "$2" 'any(.[]; .type=="finding" and .rule==$r)' "$1" >/dev/null
}

mk() { "$MKCAP" "$out/$1" || fail "mkcap $1"; }
boot() {
  echo "tftp CTL$MAC.tlv - notfound"
  echo "tftp ITL$MAC.tlv $mat/${1:-itl.tlv}"
  echo "tftp $MAC.cnf.xml.sgn $mat/${2:-cnf.sgn}"
}

case $case_name in
setup) # the synthetic suite's material (PKI, trust lists, signed configs)
  rm -rf "$WORK/material"
  WORK=$WORK/material bash "$SYNTHETIC" setup
  ;;

scenarios) # every committed scenario capture, split 2 and 3 ways
  shopt -s nullglob
  caps=("$CAPTURES"/*.pcap "$CAPTURES"/*.pcapng)
  [ "${#caps[@]}" -ge 10 ] || { echo "scenario captures not found in $CAPTURES" >&2; exit 77; }
  for n in 2 3; do shard_and_merge "$n" "${caps[@]}"; done
  [ "$(jq -s '[.[] | select(.type=="finding")] | length' "$out/single.json")" -gt 10 ] ||
    fail "too few findings to compare"
  ;;

shard_split) # --shard is round robin over the expanded list; every input in exactly one shard
  for i in 1 2 3 4 5; do boot | mk "c$i.pcap"; done
  for k in 1 2; do
    run "$out/p$k.json" --json -q --shard "$k/2" "$out"/c*.pcap
    jq -r 'select(.type=="summary") | .per_input[].pcap' "$out/p$k.json" >"$out/p$k.list"
  done
  [ "$(xargs -n1 basename <"$out/p1.list" | tr '\n' ' ')" = "c1.pcap c3.pcap c5.pcap " ] ||
    fail "shard 1/2 has $(cat "$out/p1.list")"
  [ "$(xargs -n1 basename <"$out/p2.list" | tr '\n' ' ')" = "c2.pcap c4.pcap " ] ||
    fail "shard 2/2 has $(cat "$out/p2.list")"
  for bad in 0/2 3/2 2 x/y 1/0; do
    run "$out/bad.json" --json --shard "$bad" "$out/c1.pcap"
    [ "$rc" = 2 ] || fail "--shard $bad accepted"
  done
  ;;

chain_broken) # ITL A in a.pcap (shard 1), ITL B with a new signer and TVS in b.pcap (shard 2)
  { boot; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  { echo "time 1796169600"; boot itl-b-broken.tlv cnf-b.sgn; echo "tls 2445 $mat/tvs2.der"; } | mk b.pcap
  run "$out/alone.json" --json --json-content -q --now "$NOW" --shard 2/2 "$out/a.pcap" "$out/b.pcap"
  ! has "$out/alone.json" TRUST_CHAIN_BROKEN || fail "shard 2 alone cannot know ITL A"
  shard_and_merge 2 "$out/a.pcap" "$out/b.pcap"
  has "$out/merged.json" TRUST_CHAIN_BROKEN || fail "TRUST_CHAIN_BROKEN lost in the merge"
  [ "$(jq -r 'select(.rule=="TRUST_CHAIN_BROKEN") | .evidence.related.capture' "$out/merged.json")" = "$out/a.pcap" ] ||
    fail "evidence does not name the capture of the other shard"
  ;;

via_tvs)
  { boot; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  { echo "time 1796169600"; boot itl-b-viatvs.tlv cnf-b.sgn; echo "tls 2445 $mat/tvs.der"; } | mk b.pcap
  shard_and_merge 2 "$out/b.pcap" "$out/a.pcap"
  has "$out/merged.json" TRUST_VIA_TVS || fail "TRUST_VIA_TVS lost in the merge"
  ;;

cross_sgn_tvs) # configs and TVS sessions judged with an ITL captured in another shard
  boot | mk a.pcap
  { echo "time 1796169600"; echo "tftp $MAC.cnf.xml.sgn $mat/cnf-b.sgn"; } | mk b.pcap
  { echo "time 1796170000"; echo "tftp $MAC.cnf.xml.sgn $mat/cnf.sgn"; } | mk c.pcap
  { echo "time 1796170600"; echo "tls 2445 $mat/tvs2.der"; echo "tls 8443 $mat/tomcat.der"; } | mk d.pcap
  { echo "time 1796171200"; echo "tls 2445 $mat/tvs.der"; } | mk e.pcap
  shard_and_merge 3 "$out"/[a-e].pcap
  for r in SGN_SIGNER_NOT_IN_ITL TVS_CERT_NOT_IN_ITL TVS_CERT_MATCH HTTPS_CERT_NOT_IN_TRUST_LIST; do
    has "$out/merged.json" "$r" || fail "$r lost in the merge"
  done
  [ "$(jq -r --arg p "$out/c.pcap" 'select(.type=="file" and .pcap==$p) | .signature' "$out/merged.json")" = valid ] ||
    fail "c.pcap's config not verified with a.pcap's ITL"
  [ "$(jq -r --arg p "$out/c.pcap" 'select(.type=="file" and .pcap==$p) | .verified_with.pcap' "$out/merged.json")" = "$out/a.pcap" ] ||
    fail "verified_with does not name a.pcap"
  ;;

dedupe) # an ITL and a TVS chain served many times: their bytes are written once per results file
  { boot; echo "tls 2445 $mat/tvs.der"; echo "tftp ITLSEP00112233AABB.tlv $mat/itl.tlv";
    echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  { echo "time 1796169600"; boot; echo "tls 2445 $mat/tvs.der"; } | mk b.pcap
  shard_and_merge 1 "$out/a.pcap" "$out/b.pcap"
  res=$out/s1-of-1.json
  itl=$(sha256sum "$mat/itl.tlv" | cut -c1-64)
  [ "$(jq -s --arg h "$itl" '[.[] | select(.type=="content" and .sha256==$h and .data)] | length' "$res")" = 1 ] ||
    fail "the ITL's bytes are not written exactly once"
  [ "$(jq -s --arg h "$itl" '[.[] | select(.type=="file" and .sha256==$h and (has("content") or has("records") | not))] | length' "$res")" = 3 ] ||
    fail "the ITL transfers do not refer to the content line by sha256 alone"
  [ "$(jq -s '[.[] | select(.type=="tls_session") | .certs[] | objects] | length' "$res")" = 2 ] ||
    fail "repeated certificates are not written as {sha256}"
  # Format 1 (--json-inline): the first file line has the bytes, the others content_kept.
  run "$out/v1.json" --json --json-inline --json-content -q --now "$NOW" "$out/a.pcap" "$out/b.pcap"
  [ "$(jq -s --arg h "$itl" '[.[] | select(.sha256==$h and .content_kept)] | length' "$out/v1.json")" = 2 ] ||
    fail "format 1: the other ITL transfers do not say content_kept"
  first=$(grep -n -m1 '"content":"' "$out/v1.json" | cut -d: -f1) # -m1: no SIGPIPE under pipefail
  sed "${first}d" "$out/v1.json" >"$out/nofirst.json"
  run "$out/m.json" merge --json "$out/nofirst.json"
  refused "no earlier file object has its content" || fail "content_kept without content accepted"
  ;;

failures) # unreadable input, truncated capture: carried through the merge
  { boot; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  head -c $(($(stat -c %s "$out/a.pcap") - 20)) "$out/a.pcap" >"$out/t.pcap"
  shard_and_merge 2 "$out/a.pcap" "$out/missing.pcap" "$out/t.pcap"
  [ "$rc" = 2 ] || fail "an unreadable input must give exit 2 after the merge"
  has "$out/merged.json" CAPTURE_TRUNCATED || fail "CAPTURE_TRUNCATED lost"
  ;;

bad_results) # what merge refuses, each with exit 2 and a message naming the file
  boot | mk a.pcap
  run "$out/plain.json" --json -q "$out/a.pcap"
  run "$out/m.json" merge --json "$out/plain.json"
  refused "--json-content" || fail "output without --json-content accepted"
  run "$out/full.json" --json --json-content -q "$out/a.pcap"
  head -n 2 "$out/full.json" >"$out/cut.json"
  run "$out/m.json" merge --json "$out/cut.json"
  refused "no summary" || fail "a cut results file accepted"
  run "$out/m.json" merge --json "$out/full.json" "$out/full.json"
  refused "merge each shard once" || fail "the same shard merged twice"
  sed 's/"data":"[A-Za-z0-9+\/]\{8\}/"data":"AAAAAAAA/' "$out/full.json" >"$out/tampered.json"
  run "$out/m.json" merge --json "$out/tampered.json"
  refused "does not match its sha256" || fail "altered content accepted"
  run "$out/full1.json" --json --json-inline --json-content -q "$out/a.pcap"
  sed 's/"content":"[A-Za-z0-9+\/]\{8\}/"content":"AAAAAAAA/' "$out/full1.json" >"$out/tampered.json"
  run "$out/m.json" merge --json "$out/tampered.json"
  refused "does not match its sha256" || fail "altered content accepted (format 1)"
  sed 's/"format_version":2/"format_version":3/' "$out/full.json" >"$out/future.json"
  run "$out/m.json" merge --json "$out/future.json"
  refused "format_version" || fail "a results file of a later format accepted"
  printf '{"type":"file","pcap":"x","input":0,"name":"a","seq":0,"time_usec":0,"client":"1.2.3.4:99999"}\n' >"$out/hostile.json"
  run "$out/m.json" merge --json "$out/hostile.json"
  refused "hostile.json:1:" || fail "a bad endpoint accepted"
  run "$out/m1.json" --json --json-content -q --now "$NOW" "$out/a.pcap"
  cp "$out/a.pcap" "$out/b.pcap"
  run "$out/m2.json" --json --json-content -q --now 2027-01-01 "$out/b.pcap"
  run "$out/m.json" merge --json "$out/m1.json" "$out/m2.json"
  refused "different --now" || fail "different --now merged silently"
  ;;

parallel_reset) # docs/scale.md's GNU parallel recipe, as written there, over a rotated reset span
  command -v parallel >/dev/null || { echo "GNU parallel not installed (Debian package parallel)" >&2; exit 77; }
  command -v editcap >/dev/null || { echo "editcap not installed" >&2; exit 77; }
  bash "$MKTRUST" "$SBDGEN" "$out/trust" 6 >/dev/null
  "$GEN_CAPTURE" --profile reset --size 6M --boots 16 --trust-dir "$out/trust" \
    -o "$out/span.pcap" 2>/dev/null
  # A TFTP server's span written by a rotating capture: files of 4000 packets. Transfers and TVS
  # sessions are cut at the boundaries, and phones move from ITL A to B across files.
  mkdir -p "$out/captures" "$out/bin" "$out/run"
  editcap -c 4000 "$out/span.pcap" "$out/captures/span.pcap"
  ncap=$(find "$out/captures" -name '*.pcap' | wc -l)
  [ "$ncap" -ge 4 ] || fail "editcap made $ncap files"
  # The recipe: the first sh block after the GNU parallel heading, with our captures for the share,
  # the pcapscan under test on PATH, and two local job slots for the hosts.
  awk '/^## GNU parallel/ {p = 1} p && /^```sh$/ {b = 1; next} b && /^```$/ {exit} b' "$SCALE_DOC" |
    sed "s#/srv/captures#$out/captures#g" >"$out/run/recipe.sh"
  grep -q 'parallel --sshloginfile hosts.txt' "$out/run/recipe.sh" || fail "no recipe in $SCALE_DOC"
  ln -sf "$PCAPSCAN" "$out/bin/pcapscan"
  printf '2/:\n' >"$out/run/hosts.txt"
  (cd "$out/run" && PATH="$out/bin:$PATH" bash recipe.sh >recipe.out 2>&1) ||
    fail "recipe failed: $(tail -5 "$out/run/recipe.out")"
  grep -qx 'merge exit: [01]' "$out/run/recipe.out" || fail "recipe: $(tail -5 "$out/run/recipe.out")"
  n=$(sed -n 's/^N=//p' "$out/run/recipe.sh")
  [ "$(find "$out/run/results" -name 'shard-*.jsonl' | wc -l)" = "$n" ] || fail "not $n results files"
  # One process over every input; the merge of the shards must say the same, byte for byte.
  run "$out/single.json" --json -q -j 2 --now "$NOW" "$out/captures"
  run "$out/single.txt" -q -j 2 --now "$NOW" --csv "$out/single.csv" "$out/captures"
  run "$out/merged.json" merge --json "$out/run"/results/shard-*.jsonl
  diff <(findings "$out/single.json") <(findings "$out/merged.json") >"$out/findings.diff" ||
    fail "findings differ: $(head -c 1500 "$out/findings.diff")"
  verdicts() { jq -c 'select(.type=="file") | {pcap, name, phone, status, signature}' "$1" | sort; }
  diff <(verdicts "$out/single.json") <(verdicts "$out/merged.json") >/dev/null || fail "file verdicts differ"
  cmp -s "$out/single.json" "$out/merged.json" ||
    fail "JSON differs: $(diff "$out/single.json" "$out/merged.json" | head -c 1500)"
  cmp -s "$out/single.txt" "$out/run/report.txt" || fail "text report differs"
  cmp -s "$out/single.csv" "$out/run/findings.csv" || fail "CSV differs"
  # The point of the merge: a phone that got ITL A in one file and B in another (another shard)
  jq -e -s 'any(.[]; .type=="finding" and .rule=="TRUST_VIA_TVS"
      and .evidence.related.capture != .pcap)' "$out/merged.json" >/dev/null ||
    fail "no TRUST_VIA_TVS across two captures"
  ;;

merge_options) # scan and merge parse one option table: --min-severity, errors, refusals alike
  { echo "time 1796169600"; boot itl-tampered.tlv; } | mk a.pcap
  { boot; echo "tls 2445 $mat/tvs.der"; } | mk h.pcap
  extra=(--min-severity warning)
  shard_and_merge 2 "$out/h.pcap" "$out/a.pcap"
  count() { jq -s --arg s "$2" '[.[] | select(.type=="finding" and (.severity==$s or $s==""))] | length' "$1"; }
  run "$out/all.json" merge --json "${parts[@]}"
  [ "$(count "$out/all.json" info)" -ge 1 ] && [ "$(count "$out/all.json" error)" -ge 1 ] ||
    fail "material: $(count "$out/all.json" info) info, $(count "$out/all.json" error) error findings"
  [ "$(count "$out/merged.json" info)" = 0 ] || fail "merge --min-severity warning listed info findings"
  [ "$(count "$out/merged.json" "")" = $(($(count "$out/all.json" "") - $(count "$out/all.json" info))) ] ||
    fail "merge --min-severity warning lost a warning or an error"
  [ "$(jq -r 'select(.type=="summary") | .findings.info' "$out/merged.json")" = "$(count "$out/all.json" info)" ] ||
    fail "merge --min-severity filtered the summary counts"
  grep -q ',"info",' "$out/merged.csv" && fail "info row in the merged CSV"
  # A bad value: the same one line from both commands, naming the option and the accepted forms.
  for bad in "--now yesterday" "--min-severity bogus" "--expiry-days -1" "--now"; do
    # shellcheck disable=SC2086 # bad is an option and its value
    run "$out/e-scan" --json "$out/a.pcap" $bad # last: a bare --now takes no file for its value
    [ "$rc" = 2 ] || fail "scan $bad: exit $rc"
    # shellcheck disable=SC2086
    run "$out/e-merge" merge --json "${parts[@]}" $bad
    [ "$rc" = 2 ] || fail "merge $bad: exit $rc"
    [ "$(wc -l <"$out/e-merge.err")" = 1 ] || fail "merge $bad: $(cat "$out/e-merge.err")"
    grep -q "^pcapscan merge: .*${bad%% *}.*(expected " "$out/e-merge.err" ||
      fail "merge $bad does not name the option and its forms: $(cat "$out/e-merge.err")"
    [ "$(sed 's/^pcapscan: //' "$out/e-scan.err")" = "$(sed 's/^pcapscan merge: //' "$out/e-merge.err")" ] ||
      fail "$bad: scan says '$(cat "$out/e-scan.err")', merge '$(cat "$out/e-merge.err")'"
  done
  run "$out/e-merge" merge --extract "$out/x" "${parts[@]}"
  [ "$rc" = 2 ] && grep -qx "pcapscan merge: --extract is an option of the scan only (see pcapscan merge --help)" \
    "$out/e-merge.err" || fail "merge --extract: exit $rc, $(cat "$out/e-merge.err")"
  help=$("$PCAPSCAN" merge --help) || fail "merge --help exited $?" # no pipe: see synthetic.sh errors
  grep -q -- '--min-severity SEV' <<<"$help" || fail "merge --help has no --min-severity"
  # --tls-port: the results do not record it, merge takes it as the scan does and judges alike.
  { boot; echo "tls 8444 $mat/tvs2.der"; } | mk p.pcap
  tp=(--tls-port 8444:tvs)
  run "$out/tp-single.json" --json -q --now "$NOW" "${tp[@]}" "$out/p.pcap"
  has "$out/tp-single.json" TVS_CERT_NOT_IN_ITL || fail "material: no TVS finding on port 8444"
  run "$out/tp-shard.json" --json --json-content -q --now "$NOW" "${tp[@]}" --shard 1/1 "$out/p.pcap"
  run "$out/tp-merged.json" merge --json "${tp[@]}" "$out/tp-shard.json"
  cmp -s "$out/tp-single.json" "$out/tp-merged.json" ||
    fail "merge --tls-port differs: $(diff "$out/tp-single.json" "$out/tp-merged.json" | head -c 1500)"
  run "$out/tp-plain.json" merge --json "$out/tp-shard.json"
  ! has "$out/tp-plain.json" TVS_CERT_NOT_IN_ITL || fail "merge judged port 8444 as TVS without --tls-port"
  ;;

*) fail "unknown case" ;;
esac
exit 0
