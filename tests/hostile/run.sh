#!/usr/bin/env bash
# Hostile inputs against pcapscan's outputs (docs/robustness.md, "Threat model"): attack captures,
# certificates, extract folders and results files, all made at test time. One CASE per run:
#   extract_symlink extract_planted extract_long merge_html merge_text term_scan show_term
#   csv_formula json_utf8
# Env: PCAPSCAN MKCAP SBDGEN PKI (mkpki.sh output) WORK.
# Every pcapscan run must exit 0/1/2 and print no sanitizer report; then the case checks its
# promise: nothing written through a symlink, no false hash in the manifest, no markup or control
# sequence from the input in a page or on a terminal, no formula cell, no JSON key lost.
set -euo pipefail
: "${PCAPSCAN:?}" "${MKCAP:?}" "${SBDGEN:?}" "${PKI:?}" "${WORK:?}"
case_name=${1:?usage: run.sh CASE}
out=$WORK/$case_name
rm -rf "$out"
mkdir -p "$out"
cd "$out"
MAC=SEP001122334455
NOW=2026-12-01T00:00:00Z
failures=0
fail() {
  echo "FAIL [$case_name]: $*" >&2
  failures=$((failures + 1))
}

# run NAME CMD...: stdout in NAME.out, stderr in NAME.err, exit code in $rc; crash/sanitizer fail.
run() {
  local name=$1
  shift
  rc=0
  "$@" >"$name.out" 2>"$name.err" || rc=$?
  [ "$rc" -le 2 ] || fail "$* exited $rc"
  if grep -qE 'Sanitizer|runtime error:' "$name.err"; then
    fail "$*: sanitizer report"
    grep -m 5 -E 'ERROR|SUMMARY|runtime error' "$name.err" >&2
  fi
}
sha() { sha256sum "$1" | cut -c1-64; }

# Control bytes a terminal acts on: C0 but tab/newline, DEL, C1 (raw or as UTF-8), bidi controls.
has_controls() {
  python3 - "$1" <<'EOF'
import re, sys
data = open(sys.argv[1], 'rb').read()
text = data.decode('utf-8', 'surrogateescape')
bad = re.search(r'[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|[\udc80-\udcff]', text)
sys.exit(0 if bad else 1)
EOF
}

itl() { # OUT: a valid ITL signed by the test CallManager
  "$SBDGEN" tl -o "$1" --signer "$PKI/callmanager.key:$PKI/callmanager.pem" --filename ITLFile.tlv \
    --timestamp 1796083200 --record "SAST:$PKI/callmanager.pem" --record "CCM+TFTP:$PKI/callmanager.pem" \
    --record "TVS:$PKI/tvs.pem:certhash"
}
cert() { # NAME SUBJECT: self-signed EC certificate NAME.pem / NAME.der (subject in UTF-8)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -utf8 \
    -keyout "$1.key" -out "$1.pem" -subj "$2" 2>/dev/null
  openssl x509 -in "$1.pem" -outform DER -out "$1.der"
}
results() { # OUT CAPTURE...: a results file of pcapscan --json --json-content
  local o=$1
  shift
  "$PCAPSCAN" --json --json-content --now "$NOW" "$@" >"$o" 2>/dev/null || true
  jq -e -s 'last.type == "summary"' "$o" >/dev/null || fail "results file $o not written"
}

case_extract_symlink() {
  itl itl.tlv
  cert srv "/O=SBD Test/CN=tvs.sbd.test"
  { echo "tftp ITL$MAC.tlv itl.tlv"; echo "tls 2445 srv.der"; } | "$MKCAP" c.pcap
  mkdir x
  echo victim >victim
  echo manifest-victim >victim2
  echo cert-victim >victim3
  # The names pcapscan gives the two files, from a run into a folder of its own.
  run first "$PCAPSCAN" --json --now "$NOW" --extract first c.pcap
  local f c
  f=$(jq -r '.files[0].file' first/manifest.json)
  c=$(jq -r '.certs[0].file' first/manifest.json)
  [ "$f" = "$(sha itl.tlv)-ITL$MAC.tlv" ] && [ "${c%%-*}" = "$(sha srv.der)" ] ||
    fail "unexpected names $f $c"
  ln -s "$out/victim" "x/$f"
  ln -s "$out/victim2" x/manifest.json
  ln -s "$out/victim3" "x/$c"
  ln -s "$out/created-by-pcapscan" "x/$(sha srv.der).der" # dangling: must not be created
  run scan "$PCAPSCAN" --json --now "$NOW" --extract x c.pcap
  [ "$(cat victim)" = victim ] || fail "rebuilt file written through a symlink into its target"
  [ "$(cat victim2)" = manifest-victim ] || fail "manifest.json written through a symlink"
  [ "$(cat victim3)" = cert-victim ] || fail "certificate written through a symlink"
  [ ! -e created-by-pcapscan ] || fail "a dangling symlink's target was created"
  [ -f "x/$f" ] && [ ! -L "x/$f" ] && [ "$(sha "x/$f")" = "$(sha itl.tlv)" ] ||
    fail "x/$f is not the rebuilt file"
  [ -f x/manifest.json ] && [ ! -L x/manifest.json ] && jq -e . x/manifest.json >/dev/null ||
    fail "manifest.json not written in place"
  local listed
  listed=$(jq -r '.certs[0].file // empty' x/manifest.json)
  [ -n "$listed" ] && [ -f "x/$listed" ] && [ ! -L "x/$listed" ] &&
    [ "$(sha "x/$listed")" = "$(sha srv.der)" ] || fail "certificate not extracted in place ($listed)"
}

case_extract_planted() {
  itl itl.tlv
  echo "tftp ITL$MAC.tlv itl.tlv" | "$MKCAP" c.pcap
  mkdir x
  local f=$(sha itl.tlv)-ITL$MAC.tlv
  echo "not the ITL" >"x/$f"
  run scan "$PCAPSCAN" --json --now "$NOW" --extract x c.pcap
  # Every file the manifest lists holds the bytes of the hash it is listed with.
  local name hash
  while IFS=$'\t' read -r name hash; do
    [ -f "x/$name" ] || { fail "manifest lists missing $name"; continue; }
    [ "$(sha "x/$name")" = "$hash" ] || fail "manifest lists $name with sha256 $hash, content is $(sha "x/$name")"
  done < <(jq -r '(.files + .certs)[] | [.file, .sha256] | @tsv' x/manifest.json)
  [ "$(jq '.files | length' x/manifest.json)" = 1 ] || fail "the ITL is not listed"
}

case_extract_long() {
  itl itl.tlv
  local long=ITL$MAC-$(head -c 230 /dev/zero | tr '\0' L).tlv
  cert longsub "/O=$(head -c 60 /dev/zero | tr '\0' o)/OU=$(head -c 60 /dev/zero | tr '\0' u)/CN=$(head -c 60 /dev/zero | tr '\0' c)"
  { echo "tftp $long itl.tlv"; echo "tls 8443 longsub.der"; } | "$MKCAP" c.pcap
  run scan "$PCAPSCAN" --json --now "$NOW" --extract x c.pcap
  [ "$rc" -le 1 ] || fail "exit $rc: $(head -3 scan.err)"
  [ -f "x/$(sha itl.tlv)" ] && [ "$(sha "x/$(sha itl.tlv)")" = "$(sha itl.tlv)" ] ||
    fail "long name: not extracted under its hash"
  [ "$(jq -r --arg n "$long" '.files[] | select(.name == $n) | .file' x/manifest.json)" = "$(sha itl.tlv)" ] ||
    fail "manifest does not keep the long name"
  [ "$(jq -r 'select(.type == "file") | .extracted' scan.out)" = "$(sha itl.tlv)" ] || fail "JSON extracted"
  [ "$(jq -r 'select(.type == "summary") | .per_input[0].skipped.extract_errors' scan.out)" = 0 ] ||
    fail "extract_errors counted"
  [ -f "x/$(sha longsub.der).der" ] || fail "certificate with a 200-byte subject not extracted"
  [ "$(jq -r '.certs[0].subject | length' x/manifest.json)" -gt 186 ] || fail "manifest lacks the subject"
  # Text mode says when a file could not be extracted: a directory holds the name.
  mkdir -p "ro/$(sha itl.tlv)/sub"
  run text "$PCAPSCAN" --now "$NOW" --extract ro c.pcap
  grep -q "1 rebuilt file(s) not written to the --extract folder" text.out ||
    fail "text report silent on extract errors"
  grep -q "cannot write" text.err || fail "no reason on stderr"
  [ "$rc" = 2 ] || fail "exit $rc with extract errors"
}

# A results file with markup in every string merge reads.
case_merge_html() {
  itl itl.tlv
  echo "tftp ITL$MAC.tlv itl.tlv" | "$MKCAP" c.pcap
  head -c $(($(stat -c %s c.pcap) - 10)) c.pcap >t.pcap
  results r.jsonl c.pcap t.pcap
  local s='<script>alert(1)</script>'
  jq -c --arg s "$s" 'if .type == "summary" then .per_input |= map(.problems = [{packet: 3, what: $s, detail: $s}] | .problems_not_listed = 0) else . end' r.jsonl >what.jsonl
  jq -c --arg s "$s" 'if .type == "summary" then .per_input |= map(.problems = [{packet: 3, what: "malformed", detail: $s}] | .problems_not_listed = 0) else . end
    | if .pcap then .pcap = ($s + .pcap) else . end
    | if .type == "summary" then .per_input |= map(.pcap = ($s + .pcap) | .error = $s) else . end' r.jsonl >detail.jsonl
  for f in what detail; do
    run "m-$f" "$PCAPSCAN" merge --html "$f.html" "$f.jsonl"
    [ -f "$f.html" ] || { fail "$f: no page written: $(head -2 "m-$f.err")"; continue; }
    grep -qi '<script' "$f.html" && fail "$f: <script> from the results file in the page"
    xmllint --noout "$f.html" 2>/dev/null || fail "$f: page is not well formed"
  done
  grep -q '&lt;script&gt;' detail.html || fail "the escaped text is not shown"
  # A results file names any path as its capture: the page must not read /dev/zero forever (the
  # HTML writer reads no capture again: the digest is the one the results file carries, if any).
  jq -c 'if .pcap then .pcap = "/dev/zero" else . end
    | if .type == "summary" then .per_input |= map(.pcap = "/dev/zero") else . end' r.jsonl >zero.jsonl
  run m-zero timeout 60 "$PCAPSCAN" merge --html zero.html zero.jsonl
  [ "$rc" -le 1 ] && grep -q '/dev/zero' zero.html || fail "/dev/zero read as a capture (exit $rc)"
  [ "$(grep -c . m-what.err)" -ge 1 ] && grep -q 'what.jsonl:[0-9]' m-what.err ||
    fail "an unknown problems[].what is not refused with file and line"
}

case_merge_text() {
  itl itl.tlv
  echo "tftp ITL$MAC.tlv itl.tlv" | "$MKCAP" c.pcap
  head -c $(($(stat -c %s c.pcap) - 10)) c.pcap >t.pcap
  results r.jsonl c.pcap t.pcap
  local esc=$'\e]0;owned\a\e[2J\u009b31m\u202e'
  jq -c --arg s "$esc" 'if .type == "summary" then .per_input |= map(.problems = [{packet: 3, what: "malformed", detail: ("d" + $s)}] | .problems_not_listed = 0 | .pcap = ($s + .pcap) | .error = $s) else . end
    | if .pcap then .pcap = ($s + .pcap) else . end' r.jsonl >e.jsonl
  run m "$PCAPSCAN" merge e.jsonl
  grep -q 'owned' m.out || fail "the hostile input is not in the report at all: $(head -3 m.err)"
  has_controls m.out && fail "merge text report carries control sequences from the results file"
  has_controls m.err && fail "merge stderr carries control sequences"
  # A field outside the schema is refused by file and line; the message is escaped too.
  local key line
  line=$(grep -n -m1 '"type":"file"' r.jsonl | cut -d: -f1) # after the ITL's content line
  for key in client direction signature extracted status; do
    jq -c --arg s "$esc" --arg k "$key" 'if .type == "file" then .[$k] = $s else . end' r.jsonl >"bad-$key.jsonl"
    run "b-$key" "$PCAPSCAN" merge "bad-$key.jsonl"
    [ "$rc" = 2 ] && grep -q "bad-$key.jsonl:$line:" "b-$key.err" ||
      fail "$key outside the schema not refused (exit $rc): $(head -2 "b-$key.err")"
    has_controls "b-$key.err" && fail "merge error message about $key carries control sequences"
  done
  true
}

# Paths from a directory walk, certificate subjects with C1 and bidi controls, to a terminal.
case_term_scan() {
  itl itl.tlv
  cert evil "/O=$(printf 'A\u202eB\u009b31m')/CN=$(printf 'x\u009b[31mred\u2066')"
  mkdir d
  { echo "tftp ITL$MAC.tlv itl.tlv"; echo "tls 8443 evil.der"; } | "$MKCAP" "d/c"$'\e[31m\e]0;t\a'".pcap"
  head -c 100 "d/c"$'\e[31m\e]0;t\a'".pcap" >"d/cut"$'\e[2J'".pcap"
  run scan "$PCAPSCAN" --now "$NOW" d
  grep -q 'TLS sessions' scan.out || fail "the TLS session is not reported"
  has_controls scan.out && fail "text report carries control sequences"
  has_controls scan.err && fail "stderr carries control sequences"
  grep -q 'x\\u009B\[31mred' scan.out || fail "C1 control not shown visibly: $(grep 'cert 0' scan.out)"
  grep -q '\\u202E' scan.out || fail "bidi override not shown visibly"
  grep -q '\\x1B\[31m' scan.out || fail "ESC in a path not shown visibly"
}

case_show_term() {
  cert evil "/O=$(printf 'A\u202eB')/CN=$(printf 'x\u009b[31mred')"
  "$SBDGEN" tl -o itl.tlv --signer "$PKI/callmanager.key:$PKI/callmanager.pem" --filename ITLFile.tlv \
    --timestamp 1796083200 --record "SAST:$PKI/callmanager.pem" --record "CAPF:evil.pem"
  run show "$PCAPSCAN" show itl.tlv
  grep -q 'red' show.out || fail "record subject not listed"
  has_controls show.out && fail "pcapscan show prints control sequences from the list"
  # A file name from a glob over a shared folder, in show's error line.
  printf 'not a trust list' >$'bad\e]0;t\a\e[2J.tlv'
  run bad "$PCAPSCAN" show ./bad*.tlv
  [ "$rc" = 2 ] && grep -q 'bad' bad.err || fail "no error for a file that is not a trust list"
  has_controls bad.err && fail "pcapscan show's error line carries control sequences"
  true
}

case_csv_formula() {
  itl itl.tlv
  echo "tftp ITL$MAC.tlv itl.tlv" | "$MKCAP" c.pcap
  head -c $(($(stat -c %s c.pcap) - 10)) c.pcap >"=1+2.pcap"
  cp "=1+2.pcap" "@SUM(A1).pcap"
  cp "=1+2.pcap" "+cmd.pcap"
  run scan "$PCAPSCAN" --now "$NOW" --csv f.csv "=1+2.pcap" "@SUM(A1).pcap" "+cmd.pcap"
  [ "$(grep -c CAPTURE_TRUNCATED f.csv)" = 3 ] || fail "CAPTURE_TRUNCATED rows missing"
  # Parse as a spreadsheet would: no cell may start with = + - @ tab or CR.
  python3 - f.csv <<'EOF' || fail "a CSV cell starts a formula"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
bad = [c for r in rows[1:] for c in r if c[:1] in ('=', '+', '-', '@', '\t', '\r')]
print('\n'.join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
  grep -q "\"'=1+2.pcap\"" f.csv || fail "the neutralised cell is not '=1+2.pcap"
}

# Invalid UTF-8 in a capture's file name and in trust-list subjects: JSON keeps every key.
case_json_utf8() {
  cert surr "/O=SBD Test/CN=ZZZsurrogate"
  "$SBDGEN" tl -o good.tlv --signer "$PKI/callmanager.key:$PKI/callmanager.pem" --filename ITLFile.tlv \
    --timestamp 1796083200 --record "SAST:$PKI/callmanager.pem" --record "CAPF:surr.pem" \
    --signer-name "$(printf 'CN=\xed\xa0\x80;O=\xc0\xaf\xf4\x90\x80\x80')"
  # The record subject and issuer: a surrogate (ED A0 80) where ZZZ was.
  python3 -c 'import sys; d=open("good.tlv","rb").read(); open("itl.tlv","wb").write(d.replace(b"ZZZ", b"\xed\xa0\x80"))'
  local p=$'bad\xff\xfe.pcap'
  echo "tftp ITL$MAC.tlv itl.tlv" | "$MKCAP" "$p"
  head -c $(($(stat -c %s "$p") - 10)) "$p" >$'cut\xc0\xaf.pcap'
  run scan "$PCAPSCAN" --json --json-content --now "$NOW" "$p" $'cut\xc0\xaf.pcap'
  python3 -c 'import sys; open(sys.argv[1],"rb").read().decode("utf-8")' scan.out ||
    fail "JSON output is not valid UTF-8"
  jq -e . scan.out >/dev/null || fail "JSON output does not parse"
  jq -e -s '[.[] | select(.type | IN("summary", "content", "cert", "rule") | not) | has("pcap")] | all and length >= 3' scan.out >/dev/null ||
    fail "an object lost its pcap key"
  jq -e -s '[.[] | select(.type == "summary") | .per_input[] | has("pcap")] | all and length == 2' scan.out >/dev/null ||
    fail "per_input lost pcap"
  jq -e -s '[.[] | select(.type == "content") | .records[] | has("subject") and has("issuer")] | all and length >= 2' scan.out >/dev/null ||
    fail "a record lost subject/issuer: $(jq -c 'select(.type == "content") | .records' scan.out)"
  jq -e -s '[.[] | select(.type == "content") | .signer | has("subject")] | all and length >= 1' scan.out >/dev/null ||
    fail "the signer lost its subject"
  jq -e -s '[.[] | select(.type == "finding") | has("message") and has("pcap")] | all and length >= 1' scan.out >/dev/null ||
    fail "a finding lost message or pcap"
  jq -e -s '[.[] | select(.type == "content") | .records[] | .subject | test("\u0000") | not] | all' scan.out >/dev/null
  # What merge reads back is the same and valid again.
  run merge "$PCAPSCAN" merge --json scan.out
  python3 -c 'import sys; open(sys.argv[1],"rb").read().decode("utf-8")' merge.out ||
    fail "merge JSON is not valid UTF-8"
  jq -e -s '[.[] | select(.type | IN("summary", "content", "cert", "rule") | not) | has("pcap")] | all and length >= 3' merge.out >/dev/null ||
    fail "merge lost pcap keys: $(head -2 merge.err)"
  # pcapscan show --json of a file whose name is not UTF-8 keeps "file".
  cp itl.tlv $'show\xff.tlv'
  run show "$PCAPSCAN" show --json $'show\xff.tlv'
  jq -e 'has("file") and has("records")' show.out >/dev/null || fail "show --json lost file"
}

"case_$case_name"
if [ "$failures" -gt 0 ]; then
  echo "$case_name: $failures failure(s); outputs in $out" >&2
  exit 1
fi
echo "$case_name: ok"
