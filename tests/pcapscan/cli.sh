#!/usr/bin/env bash
# cli.sh CASE: what an engineer sees of pcapscan's command line and text report, on captures mkcap
# writes at test time from the synthetic.sh material (the pcapscan_material fixture).
#   cut        a transfer the capture's end cut is a warning (TRANSFER_CUT_BY_CAPTURE_END), one
#              whose server went silent long before the end is TFTP_TRANSFER_INCOMPLETE
#   truncated  a capture cut mid-record: "packet" in the text, no packet number past the last read
#   stdout     two outputs on stdout (--json, a watch, --csv -, --html -) are refused in one line,
#              scan and merge; --csv - or --html - alone is that output only on stdout, no file "-"
#   phones     the verdict line counts phones seen only through TLS
#   detail     signature lines name the signer serial; --min-severity warning shows only the
#              phones and TLS sessions of listed findings
#   progress   on a terminal (script(1) makes one): name, bytes, percent, inputs done/total,
#              rate, time left; nothing when stderr is no terminal or with -q
# Env: PCAPSCAN MKCAP WORK (set by CMakeLists.txt).
set -euo pipefail

case_name=$1
mat=$WORK/material
MAC=SEP001122334455
NOW=2026-12-01T00:00:00Z
out=$WORK/cli-$case_name
rm -rf "$out"
mkdir -p "$out"
cd "$out"

fail() {
  echo "FAIL [cli.$case_name]: $*" >&2
  exit 1
}
mk() { "$MKCAP" "$out/$1" || fail "mkcap $1"; }
run() { # ARGS...: pcapscan, stdout in o, stderr in e, exit code in $rc
  set +e
  "$PCAPSCAN" "$@" >"$out/o" 2>"$out/e"
  rc=$?
  set -e
}
rules() { jq -r 'select(.type=="finding") | .rule' "$out/o" | sort -u | tr '\n' ' '; }

case $case_name in
cut)
  # The ITL transfer stops after DATA 2 and the capture ends 1 ms later: cut by the capture.
  { echo "time 1796083200"; echo "tftp CTL$MAC.tlv - notfound"; echo "tftp ITL$MAC.tlv $mat/itl.tlv stop=2"; } | mk cut.pcap
  # The same, then 60 s of silence from that server before the capture's last packet (a TLS
  # session): the server stopped, the phone did not get its ITL.
  { echo "time 1796083200"; echo "tftp CTL$MAC.tlv - notfound"; echo "tftp ITL$MAC.tlv $mat/itl.tlv stop=2"
    echo "time 1796083260"; echo "tls 2445 $mat/tvs.der"; } | mk dead.pcap
  run --json --now $NOW "$out/cut.pcap"
  [ "$rc" = 0 ] || fail "cut.pcap: exit $rc (a warning only)"
  [ "$(rules)" = "TRANSFER_CUT_BY_CAPTURE_END " ] || fail "cut.pcap rules: $(rules)"
  [ "$(jq -r 'select(.rule=="TRANSFER_CUT_BY_CAPTURE_END") | .severity' "$out/o")" = warning ] || fail "severity"
  [ "$(jq -r 'select(.rule=="TRANSFER_CUT_BY_CAPTURE_END") | .evidence.file' "$out/o")" = "ITL$MAC.tlv" ] ||
    fail "the finding does not name the ITL"
  last=$(jq -r 'select(.type=="summary") | .per_input[0].packets' "$out/o")
  jq -s -e --argjson n "$last" '[.[] | select(.type=="finding") | .evidence.packets[]] | all(. <= $n)' "$out/o" >/dev/null ||
    fail "a packet past the last one ($last)"
  run --now $NOW "$out/cut.pcap"
  grep -q '^warning TRANSFER_CUT_BY_CAPTURE_END .*the capture ends at packet' "$out/o" || fail "text verdict: $(head -3 "$out/o")"
  grep -q '^        cut by the end of the capture' "$out/o" || fail "the timeline does not say the capture cut it"
  grep -q 'missing: last block never seen$' "$out/o" || fail "missing line: $(grep missing "$out/o")"
  run --json --now $NOW "$out/dead.pcap"
  [ "$rc" = 1 ] || fail "dead.pcap: exit $rc"
  case " $(rules)" in *" TFTP_TRANSFER_INCOMPLETE "*) ;; *) fail "dead.pcap: no TFTP_TRANSFER_INCOMPLETE: $(rules)" ;; esac
  case " $(rules)" in *" TRANSFER_CUT_BY_CAPTURE_END "*) fail "dead.pcap called cut by the capture" ;; esac
  # A merge of the results says the same (the file line carries cut_by_capture_end).
  run --json --json-content --now $NOW "$out/cut.pcap"
  cp "$out/o" "$out/cut.jsonl"
  [ "$(jq -r 'select(.type=="file" and .name=="ITL'$MAC'.tlv") | .cut_by_capture_end' "$out/cut.jsonl")" = true ] ||
    fail "the file line does not say cut_by_capture_end"
  run merge --json "$out/cut.jsonl"
  [ "$rc" = 0 ] && [ "$(rules)" = "TRANSFER_CUT_BY_CAPTURE_END " ] || fail "merge: exit $rc, rules $(rules)"
  # Both captures in one run: one cut transfer (cut.pcap), the dead one stays incomplete.
  run --json --now $NOW --csv "$out/f.csv" "$out/cut.pcap" "$out/dead.pcap"
  [ "$(grep -c TRANSFER_CUT_BY_CAPTURE_END "$out/f.csv")" = 1 ] || fail "CSV rows"
  ;;
truncated)
  { echo "tftp CTL$MAC.tlv - notfound"; echo "tftp ITL$MAC.tlv $mat/itl.tlv"; echo "tls 2445 $mat/tvs.der"; } | mk c.pcap
  head -c $(($(stat -c %s "$out/c.pcap") - 20)) "$out/c.pcap" >"$out/t.pcap"
  run --json --now $NOW "$out/t.pcap"
  read_n=$(jq -r 'select(.type=="summary") | .per_input[0].packets' "$out/o")
  good=$(jq -r 'select(.type=="summary") | .per_input[0].last_good_packet' "$out/o")
  [ "$good" = "$read_n" ] && [ "$read_n" -gt 0 ] || fail "packets $read_n, last good $good"
  [ "$(jq -c 'select(.rule=="CAPTURE_TRUNCATED") | .evidence.packets' "$out/o")" = "[$read_n]" ] ||
    fail "CAPTURE_TRUNCATED packets: $(jq -c 'select(.rule=="CAPTURE_TRUNCATED") | .evidence.packets' "$out/o")"
  jq -s -e --argjson n "$read_n" '[.[] | select(.type=="finding") | .evidence.packets[]]
    + [.[] | select(.type=="file") | .first_packet, .last_packet]
    + [.[] | select(.type=="tls_cert") | .packet] | all(. <= $n)' "$out/o" >/dev/null ||
    fail "a JSON packet number past the last packet read ($read_n)"
  run --now $NOW "$out/t.pcap"
  grep -qi 'frame' "$out/o" && fail "the text report says frame: $(grep -i frame "$out/o")"
  grep -q "truncated after packet $read_n:" "$out/o" || fail "text: $(grep -i trunc "$out/o")"
  for n in $(grep -oE '#[0-9]+' "$out/o" | tr -d '#'); do
    [ "$n" -le "$read_n" ] || fail "the text report names packet #$n, past the last read ($read_n)"
  done
  # Cut inside the first record: nothing read, so no packet named at all.
  head -c 30 "$out/c.pcap" >"$out/t0.pcap"
  run --json --now $NOW "$out/t0.pcap"
  [ "$(jq -c 'select(.rule=="CAPTURE_TRUNCATED") | .evidence.packets' "$out/o")" = "[]" ] || fail "t0: a packet named"
  ;;
stdout)
  { echo "tftp ITL$MAC.tlv $mat/itl.tlv"; } | mk c.pcap
  run --json --csv - "$out/c.pcap"
  [ "$rc" = 2 ] || fail "--json --csv -: exit $rc"
  [ ! -s "$out/o" ] || fail "--json --csv -: wrote to stdout: $(head -2 "$out/o")"
  [ "$(wc -l <"$out/e")" = 1 ] && grep -q -- '--json and --csv - both write to stdout' "$out/e" ||
    fail "--json --csv -: stderr: $(cat "$out/e")"
  run --json --json-content "$out/c.pcap"
  cp "$out/o" "$out/r.jsonl"
  run merge --json --csv - "$out/r.jsonl"
  [ "$rc" = 2 ] && [ ! -s "$out/o" ] && grep -q -- '--json and --csv - both write to stdout' "$out/e" ||
    fail "merge --json --csv -: exit $rc, stderr $(cat "$out/e")"
  # --csv - alone: CSV only on stdout, for the scan and the merge.
  run merge --csv - "$out/r.jsonl"
  head -1 "$out/o" | grep -q '^pcap,time,rule' || fail "merge --csv -: $(head -1 "$out/o")"
  grep -q -e '^verdict' -e '^== ' "$out/o" && fail "merge --csv -: the text report is mixed in"
  # --html - alone: the page only on stdout (it had made a file named "-"), scan and merge.
  for cmd in "--now $NOW $out/c.pcap" "merge $out/r.jsonl"; do
    # shellcheck disable=SC2086 # two words on purpose
    run $cmd --html -
    [ "$rc" -lt 2 ] || fail "$cmd --html -: exit $rc, $(cat "$out/e")"
    head -1 "$out/o" | grep -qi '^<!doctype html>' || fail "$cmd --html -: $(head -1 "$out/o")"
    tail -1 "$out/o" | grep -q '</html>' || fail "$cmd --html -: the page is not whole"
    grep -q -e '^verdict' -e '^== ' "$out/o" && fail "$cmd --html -: the text report is mixed in"
    [ ! -e "$out/-" ] || fail "$cmd --html -: wrote a file named -"
  done
  # Each pair that would share stdout is refused in one line naming both, nothing written.
  for pair in "--json --html -:--json and --html - both write" \
    "--csv - --html -:--csv - and --html - both write" \
    "--follow $out/c.pcap --html -:--follow and --html - both write" \
    "--follow $out/c.pcap --csv -:--follow and --csv - both write"; do
    # shellcheck disable=SC2086
    run ${pair%%:*} "$out/c.pcap"
    [ "$rc" = 2 ] && [ ! -s "$out/o" ] && [ "$(wc -l <"$out/e")" = 1 ] &&
      grep -q -- "${pair#*:}" "$out/e" || fail "${pair%%:*}: exit $rc, stderr $(cat "$out/e")"
    [ ! -e "$out/-" ] || fail "${pair%%:*}: wrote a file named -"
  done
  run merge --json --html - "$out/r.jsonl"
  [ "$rc" = 2 ] && grep -q -- '--json and --html - both write to stdout' "$out/e" ||
    fail "merge --json --html -: exit $rc, stderr $(cat "$out/e")"
  true
  ;;
phones)
  # Only a TVS session from the phone's address: one phone, not zero.
  { echo "tls 2445 $mat/tvs.der"; } | mk tls.pcap
  run --now $NOW "$out/tls.pcap"
  head -1 "$out/o" | grep -qx 'verdict: 0 errors, 0 warnings (1 phones, 1 captures)' || fail "TLS only: $(head -1 "$out/o")"
  # A boot and a TVS session from the same address: still one phone.
  { echo "tftp ITL$MAC.tlv $mat/itl.tlv"; echo "tls 2445 $mat/tvs.der"; } | mk same.pcap
  run --now $NOW "$out/same.pcap" "$out/tls.pcap"
  head -1 "$out/o" | grep -q '(1 phones, 2 captures)' || fail "same phone: $(head -1 "$out/o")"
  # A second address that only spoke TLS: two phones.
  { echo "tftp ITL$MAC.tlv $mat/itl.tlv"; echo "client 10.0.0.21"; echo "tls 2445 $mat/tvs.der"; } | mk two.pcap
  run --now $NOW "$out/two.pcap"
  head -1 "$out/o" | grep -q '(2 phones, 1 captures)' || fail "two phones: $(head -1 "$out/o")"
  ;;
detail)
  # Phone A healthy (info only), phone B (another address) served a tampered ITL (an error).
  B=SEP0011223344BB
  { echo "tftp ITL$MAC.tlv $mat/itl.tlv"; echo "tftp $MAC.cnf.xml.sgn $mat/cnf.sgn"; echo "tls 2445 $mat/tvs.der"
    echo "client 10.0.0.21"; echo "tftp ITL$B.tlv $mat/itl-tampered.tlv"; } | mk two.pcap
  run --now $NOW "$out/two.pcap"
  grep -q "^  phone $MAC\$" "$out/o" && grep -q "^  phone $B\$" "$out/o" || fail "without --min-severity both phones are shown"
  # The signature lines name the signer's serial (the header's, as x509 prints it).
  serial=$("$PCAPSCAN" --json --now $NOW "$out/two.pcap" | jq -r -s --arg n "$MAC.cnf.xml.sgn" \
    '(map(select(.type=="file" and .name==$n))[0].sha256) as $h
     | map(select(.sha256==$h and .signer != null))[0].signer.serial' || true)
  [ -n "$serial" ] && [ "$serial" != null ] || fail "material: no signer serial in the JSON"
  # The JSON field has no separators; the text shows it as CUCM does (sbd_hex_serial's shown form).
  shown=$(sed 's/../&:/g; s/:$//' <<<"$serial")
  grep -q "^        signature: valid, signer serial $shown\$" "$out/o" || fail "signature line: $(grep signature: "$out/o")"
  run --now $NOW --min-severity warning "$out/two.pcap"
  [ "$rc" = 1 ] || fail "exit $rc"
  grep -q "^  phone $B\$" "$out/o" || fail "--min-severity warning: the phone with the error is not shown"
  grep -q "^  phone $MAC\$" "$out/o" && fail "--min-severity warning: the healthy phone's timeline is shown"
  grep -q '^  TLS sessions' "$out/o" && fail "--min-severity warning: the TVS session of the healthy phone is shown"
  grep -q '^  1 phone(s) and 1 TLS session(s) without a finding at or above --min-severity not shown$' "$out/o" ||
    fail "no count of what was not shown: $(grep 'not shown' "$out/o")"
  head -1 "$out/o" | grep -q '(2 phones, 1 captures)' || fail "verdict: $(head -1 "$out/o")"
  ;;
links)
  # Reports are written where the user asked, never through a link planted at that name.
  { echo "tftp ITL$MAC.tlv $mat/itl.tlv"; } | mk c.pcap
  echo keep >"$out/target"
  for opt in --html --csv; do
    ln -sfn "$out/target" "$out/report"
    run --now $NOW "$opt" "$out/report" "$out/c.pcap"
    [ "$rc" = 2 ] || fail "$opt through a link: exit $rc"
    grep -q -- "$opt .*report.*symbolic link (not followed)" "$out/e" || fail "$opt through a link: $(cat "$out/e")"
    [ "$(cat "$out/target")" = keep ] || fail "$opt wrote through the link"
    [ -L "$out/report" ] || fail "$opt replaced the link"
    rm "$out/report"
    run --now $NOW "$opt" "$out/report" "$out/c.pcap"
    [ "$rc" -lt 2 ] && [ -s "$out/report" ] || fail "$opt to a plain path: exit $rc, $(cat "$out/e")"
  done
  ;;
progress)
  command -v script >/dev/null || { echo "no script(1) (util-linux): skipped"; exit 77; }
  # A root filesystem without /dev/pts mounted has no terminal to give (script: "failed to create
  # pseudo-terminal"): that is this machine, not pcapscan.
  script -qec true /dev/null >/dev/null 2>&1 || { echo "script(1) cannot make a terminal here: skipped"; exit 77; }
  # 150,000 packets (a 600 KB file in 8-byte blocks): several progress updates.
  echo "tftp big.bin $mat/big.bin blksize=8 oack" | mk big.pcap
  gzip -c "$out/big.pcap" >"$out/big.pcap.gz"
  # script(1) gives pcapscan a terminal on stderr; stdout goes to a file.
  tty_run() { script -qec "$1" /dev/null >"$out/tty" 2>&1 || true; }
  tty_run "'$PCAPSCAN' --now $NOW '$out/big.pcap' '$out/big.pcap.gz' >'$out/o'"
  grep -q '^verdict: ' "$out/o" || fail "no report on stdout"
  tr '\r' '\n' <"$out/tty" >"$out/lines"
  # Every line: the name (its tail when the terminal is narrow), bytes of the input and percent,
  # inputs done of total.
  grep -qE "^pcapscan: [^ ]*big\.pcap [0-9.]+/[0-9.]+ MiB \([0-9]+%\), [0-2]/2 done" "$out/lines" ||
    fail "no progress line for big.pcap: $(head -c 600 "$out/lines" | cat -v)"
  grep -qE "^pcapscan: .*big\.pcap\.gz [0-9.]+/[0-9.]+ (KiB|MiB) \([0-9]+%\), [12]/2 done" "$out/lines" ||
    fail "no progress line for the gzip'd input: $(cat -v "$out/lines")"
  # Once the rate is known: the rate and the time left. The line is redrawn at most every 0.2 s,
  # so the rate needs a run of some length: 24 inputs of big.pcap (about 1 s with ASan). An
  # optimised build can read them faster than three redraws; then the check is said skipped.
  set --
  for _ in $(seq 24); do set -- "$@" "'$out/big.pcap'"; done
  t0=$(date +%s%N)
  tty_run "'$PCAPSCAN' -j1 --now $NOW $* >/dev/null"
  ms=$((($(date +%s%N) - t0) / 1000000))
  # The redraws go to a file first: `tr | grep -q` under pipefail fails when grep quits at the
  # match while tr still has a second buffer to write (a slow run draws more than 8 KiB).
  tr '\r' '\n' <"$out/tty" >"$out/rate-lines"
  if [ "$ms" -ge 600 ]; then
    grep -qE ', [0-9.]+ (B|KiB|MiB|GiB)/s, [0-9:]+( s)? left' "$out/rate-lines" ||
      fail "no rate and time left in a run of $ms ms: $(tail -5 "$out/rate-lines" | cat -v)"
  else
    echo "rate and time left not checked: 24 inputs took only $ms ms"
  fi
  grep -q ' 2/2 done' "$out/lines" || fail "never 2/2 done"
  # Drawn in place and erased at the end: the last thing written is the erase.
  [ "$(tail -c 4 "$out/tty" | od -An -c | tr -d ' ')" = '\r033[K' ] ||
    fail "the line is not erased at the end: $(tail -c 40 "$out/tty" | cat -v)"
  # No line wider than the terminal (80 columns when script's has none).
  awk 'length($0) > 80 + 3 { exit 1 }' "$out/lines" || fail "a progress line wider than the terminal"
  # A failing input's message is a line of its own, not glued to the progress line.
  tty_run "'$PCAPSCAN' --now $NOW '$out/big.pcap' '$out/missing.pcap' >/dev/null"
  tr '\r' '\n' <"$out/tty" | sed 's/\x1b\[K//g' >"$out/err-lines"
  grep -q "^pcapscan: $out/missing.pcap: " "$out/err-lines" || fail "error glued: $(cat -v "$out/tty")"
  # -q, and stderr not a terminal: nothing at all.
  tty_run "'$PCAPSCAN' -q --now $NOW '$out/big.pcap' >/dev/null"
  [ ! -s "$out/tty" ] || fail "-q: $(cat -v "$out/tty")"
  run --now $NOW "$out/big.pcap" "$out/big.pcap.gz"
  [ ! -s "$out/e" ] || fail "stderr no terminal: $(cat -v "$out/e")"
  ;;
*) fail "unknown case" ;;
esac
exit 0
