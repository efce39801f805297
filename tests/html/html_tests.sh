#!/usr/bin/env bash
# html_tests.sh CASE [ARGS]: tests of `pcapscan --html`.
#   scenario NAME              render every capture of captures/expected/NAME.txt; well-formed
#                              (xmllint), expected findings in the verdict with working links,
#                              a per-phone timeline SVG when the phone requested files, no
#                              overlapping label in a validity chart or timeline (svg_overlap.py),
#                              every serial (messages, signers, records, certificates) in the
#                              core's shown form, 8A:3E:... as CUCM prints it, not 8A3E...
#   escape                     a certificate subject and a file name holding <script> are escaped
#   skipped                    a packet with a broken IP header is named (number, byte offset)
#   validity / overlap_selftest  chart labels never overlap; the check fails on the old chart
#   info_collapsed             info findings: one card per rule, count, capped collapsed list
#   clusters                   captures of two sites are two clusters, of one site one
#   grouped                    many warnings (errors) of a rule: one card, count, phones, links
#   few_warnings               a few warnings of a rule: one card each
#   compact_phones             phones without warnings are table rows; the page stays small
#   screenshot NAME RGB ROWS   headless Chromium draws the report of NAME: not blank, and the
#                              colour RGB (a severity) appears in the top ROWS pixel rows
# Env: PCAPSCAN MKCAP SBDGEN WORK CAPTURES HERE (set by CMakeLists.txt).
set -euo pipefail

NOW=2026-12-01T00:00:00Z
# The system interpreter when there is one (a version-manager shim adds a second per call).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
case_name=$1
shift
out=$WORK/$case_name${1:+-$1}
rm -rf "$out"
mkdir -p "$out"

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

render() { # CAPTURE HTML: exit 0/1 are audit verdicts; 2 would mean unreadable input or output
  local rc=0
  "$PCAPSCAN" -q --now "$NOW" --html "$2" "$1" </dev/null >"$out/text.txt" 2>"$out/stderr" || rc=$?
  [ "$rc" -le 1 ] || fail "pcapscan exit $rc on $1: $(cat "$out/stderr")"
  [ -s "$2" ] || fail "no report written for $1"
}

wellformed() { # HTML
  xmllint --noout "$1" 2>"$out/xmllint.txt" || fail "not well formed: $(head -5 "$out/xmllint.txt")"
  [ ! -s "$out/xmllint.txt" ] || fail "xmllint: $(head -5 "$out/xmllint.txt")"
}

scenario() { # NAME
  local exp=$CAPTURES/expected/$1.txt fires silent timeline='' cap n=0
  fires=$(awk '$1 == "fires" { $1 = ""; print }' "$exp")
  silent=$(awk '$1 == "silent" { $1 = ""; print }' "$exp")
  grep -qE '^(tftp|http)-request ' "$exp" && timeline=--timeline
  while read -r cap; do
    local html=$out/${cap%%.*}.html
    render "$CAPTURES/$cap" "$html"
    wellformed "$html"
    # shellcheck disable=SC2086 # rule lists are words
    "$PY" "$HERE/check_html.py" "$html" --fires $fires --silent $silent $timeline ||
      fail "$cap: structure"
    # Each scenario is one site: never more than one cluster.
    [ "$(grep -c 'class="card cluster"' "$html")" -le 1 ] || fail "$cap: one site shown as clusters"
    if grep -oE '(serial |<td class="mono">)[0-9A-F]{4}[^<]{0,40}' "$html" >"$out/plain-serials"; then
      fail "$cap: serials not in the shown form: $(head -3 "$out/plain-serials")"
    fi
    if grep -q 'class="validity"' "$html"; then
      "$PY" "$HERE/svg_overlap.py" --timeline "$html" || fail "$cap: chart labels overlap"
    fi
    n=$((n + 1))
  done < <(awk '$1 == "capture" { print $2 }' "$exp")
  [ "$n" -gt 0 ] || fail "no capture listed in $exp"
}

escape() {
  local pki=$out/pki
  mkdir -p "$pki"
  # The subject holds markup in CN and O; "/" inside a value is escaped for -subj.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/evil.key" -out "$pki/evil.pem" \
    -days 3650 -subj "/CN=<script>alert(1)<\/script>/O=<b onmouseover='x'>\"Evil\" & Co<\/b>" \
    >"$out/openssl.log" 2>&1 || fail "openssl: $(cat "$out/openssl.log")"
  openssl x509 -in "$pki/evil.pem" -outform DER -out "$pki/evil.der"
  "$SBDGEN" tl -o "$out/itl.tlv" --signer "$pki/evil.key:$pki/evil.pem" --filename ITLFile.tlv \
    --timestamp 1796083200 --record "SAST:$pki/evil.pem" --record "CCM+TFTP:$pki/evil.pem" \
    --record "TVS:$pki/evil.pem" || fail sbdgen
  {
    echo "time 1796083200"
    echo "tftp CTLSEP001122334455.tlv - notfound"
    echo "tftp ITLSEP001122334455.tlv $out/itl.tlv"
    echo "tftp <script>alert(2)</script>.tlv $out/itl.tlv"
    echo "tls 2445 $pki/evil.der"
  } | "$MKCAP" "$out/evil.pcap" || fail mkcap
  render "$out/evil.pcap" "$out/evil.html"
  wellformed "$out/evil.html"
  "$PY" "$HERE/check_html.py" "$out/evil.html" --fires TVS_CERT_MATCH --timeline ||
    fail structure
  # Nothing from the capture may open an element; the text must still be there, escaped.
  if grep -qi '<script' "$out/evil.html"; then
    fail "raw <script> in the page: $(grep -i -m3 '<script' "$out/evil.html")"
  fi
  grep -qi '<b onmouseover' "$out/evil.html" && fail "raw <b onmouseover> in the page"
  grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$out/evil.html" ||
    fail "the escaped subject is not shown"
  grep -qF '&lt;script&gt;alert(2)&lt;/script&gt;.tlv' "$out/evil.html" ||
    fail "the escaped file name is not shown"
  # Certificate names are RFC 4514 escaped (\" \< \>) before HTML escaping; list records hold
  # them as sbdgen wrote them ("" inside quotes).
  grep -qF '\&quot;Evil\&quot; &amp; Co' "$out/evil.html" || fail "quotes/ampersand not escaped"
  # The subject appears in the verdict, the trust file and the TLS server sections.
  [ "$(grep -oE '&lt;script\\?&gt;alert\(1\)' "$out/evil.html" | wc -l)" -ge 4 ] ||
    fail "the subject is missing from some section"
  echo "ok: $(grep -oF '&lt;script&gt;' "$out/evil.html" | wc -l) escaped occurrences"
}

find_chromium() {
  local c
  for c in chromium chromium-browser google-chrome; do
    command -v "$c" && return 0
  done
  return 1
}

screenshot() { # NAME RGB ROWS
  local browser cap
  browser=$(find_chromium) || {
    echo "SKIP: chromium is not installed (scripts/deps.sh installs it)"
    exit 77
  }
  cap=$(awk '$1 == "capture" { print $2; exit }' "$CAPTURES/expected/$1.txt")
  render "$CAPTURES/$cap" "$out/report.html"
  local profile=$out/profile
  mkdir -p "$profile"
  # Root (CI) needs --no-sandbox; the other flags keep Chromium off the network.
  HOME=${HOME:-$out} timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
    --disable-quic --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-dev-shm-usage --user-data-dir="$profile" \
    --screenshot="$out/shot.png" --window-size=1280,2000 "file://$out/report.html" \
    >"$out/chromium.log" 2>&1 || fail "chromium failed: $(tail -5 "$out/chromium.log")"
  [ -s "$out/shot.png" ] || fail "no screenshot: $(tail -5 "$out/chromium.log")"
  "$PY" "$HERE/png_check.py" "$out/shot.png" --color "$2" --within "$3" || fail "screenshot"
}

# The first packet's IP header is made to lie (IHL 1) in place: pcap header 24, record header 16,
# Ethernet 14, so the version/IHL byte is at 54.
skipped() {
  printf 'tftp SEP001122334455.cnf.xml %s\n' "$HERE/html_tests.sh" | "$MKCAP" "$out/c.pcap"
  printf '\x41' | dd of="$out/c.pcap" bs=1 seek=54 conv=notrunc status=none
  render "$out/c.pcap" "$out/c.html"
  wellformed "$out/c.html"
  grep -qF 'skipped #1 malformed: bad IP header at byte 14' "$out/c.html" ||
    fail "the broken packet is not named in the report"
}

# info_collapsed: 150 captures (healthy, https-not-in-itl and centralized-fallback, 50 copies
# each, as different inputs) make over 100 info findings of 3 rules. The verdict holds one card
# per rule with its count (as many as the JSON findings of the same run), lists at most 50
# instances collapsed and says how many it did not list; it stays small (a card per finding
# took about 1.3 KB each).
info_collapsed() {
  local i s args=()
  for i in $(seq 1 50); do
    for s in healthy https-not-in-itl centralized-fallback; do
      cp "$CAPTURES/$s.pcap" "$out/$s-$i.pcap"
      args+=("$out/$s-$i.pcap")
    done
  done
  local rc=0
  "$PCAPSCAN" -q --now "$NOW" --html "$out/many.html" "${args[@]}" >/dev/null 2>"$out/stderr" || rc=$?
  [ "$rc" -le 1 ] || fail "pcapscan exit $rc: $(cat "$out/stderr")"
  wellformed "$out/many.html"
  "$PY" "$HERE/check_html.py" "$out/many.html" --fires TVS_CERT_MATCH \
    HTTPS_CERT_NOT_IN_TRUST_LIST TRUST_FILE_FALLBACK || fail structure
  # The counts the page must show: the JSON findings of the same run.
  "$PCAPSCAN" -q --now "$NOW" --json "${args[@]}" >"$out/many.jsonl" 2>>"$out/stderr" || true
  "$PY" - "$out/many.html" "$out/many.jsonl" <<'PYEOF' || fail "info findings not collapsed by rule"
import collections, json, sys, xml.etree.ElementTree as ET
X = "{http://www.w3.org/1999/xhtml}"
want = collections.Counter()
for line in open(sys.argv[2]):
    o = json.loads(line)
    if o["type"] == "finding" and o["severity"] == "info":
        want[o["rule"]] += 1
assert want["TVS_CERT_MATCH"] > 50, "the run has %s" % dict(want)
root = ET.parse(sys.argv[1]).getroot()
verdict = next(s for s in root.iter(X + "section") if s.get("id") == "verdict")
cards = [d for d in verdict.iter(X + "div") if "finding" in (d.get("class") or "").split()]
seen = {}
for c in cards:
    rule = "".join(next(s for s in c.iter(X + "span") if "rule" in s.get("class", "")).itertext())
    count = "".join(next(s for s in c.iter(X + "span") if "count" in s.get("class", "")).itertext())
    items = list(c.iter(X + "li"))
    more = "".join(t for p in c.iter(X + "p") if "more" in p.get("class", "") for t in p.itertext())
    details = list(c.iter(X + "details"))
    assert rule not in seen, "two cards for %s" % rule
    seen[rule] = True
    n = want.get(rule)
    assert n is not None, "unexpected card %s" % rule
    assert count.startswith("%d finding" % n), "%s: count %r, want %d" % (rule, count, n)
    assert details and details[0].get("open") is None, "%s: instances not collapsed" % rule
    assert len(items) == min(n, 50), "%s: %d instances listed" % (rule, len(items))
    if n > 50:
        assert more.startswith("%d more not listed" % (n - 50)), "%s: %r" % (rule, more)
    else:
        assert not more, "%s: says %r with all listed" % (rule, more)
assert set(seen) == set(want), "cards: %s" % sorted(seen)
size = len(ET.tostring(verdict))
assert size < 120000, "verdict is %d bytes" % size
print("info_collapsed: %d cards, verdict %d bytes" % (len(cards), size))
PYEOF
  echo "ok: page $(stat -c %s "$out/many.html") bytes for ${#args[@]} captures"
}

# clusters: captures of two sites (healthy: lists signed by ccm-a; cert-expired: by
# ccm-expired, no SAST certificate in common, different phones), merged from their results
# files, are two clusters each with its own "ITL v1"; captures of one site (healthy, two-node,
# regen-both: ccm-a's lists, and regen-both's ITL B signed by the regenerated ccm-b that the
# engine had a phone refuse) scanned at once are one cluster with ITL v1-v3. Then the engine's
# move alone (ITL A and B in two captures).
clusters() {
  local c
  for c in healthy cert-expired; do
    "$PCAPSCAN" -q --now "$NOW" --json --json-content "$CAPTURES/$c.pcap" >"$out/$c.jsonl" || true
  done
  local rc=0
  "$PCAPSCAN" merge --html "$out/two.html" "$out/healthy.jsonl" "$out/cert-expired.jsonl" \
    >/dev/null 2>"$out/stderr" || rc=$?
  [ "$rc" -le 1 ] || fail "merge exit $rc: $(cat "$out/stderr")"
  rc=0
  "$PCAPSCAN" -q --now "$NOW" --html "$out/one.html" "$CAPTURES/healthy.pcap" \
    "$CAPTURES/two-node.pcap" "$CAPTURES/regen-both.pcap" >/dev/null 2>"$out/stderr" || rc=$?
  [ "$rc" -le 1 ] || fail "pcapscan exit $rc: $(cat "$out/stderr")"
  wellformed "$out/two.html"
  wellformed "$out/one.html"
  "$PY" "$HERE/check_html.py" "$out/two.html" || fail "two.html: structure"
  "$PY" "$HERE/check_html.py" "$out/one.html" || fail "one.html: structure"
  "$PY" - "$out/two.html" "$out/one.html" <<'PYEOF' || fail "clusters"
import sys, xml.etree.ElementTree as ET
X = "{http://www.w3.org/1999/xhtml}"
def text(el):
    return " ".join("".join(el.itertext()).split())
def clusters(path):
    root = ET.parse(path).getroot()
    sec = next(s for s in root.iter(X + "section") if s.get("id") == "cluster")
    out = []
    for card in sec.iter(X + "div"):
        if "cluster" not in (card.get("class") or "").split():
            continue
        tables = list(card.iter(X + "table"))
        served = next(text(tr) for tr in tables[0].iter(X + "tr") if "served by" in text(tr))
        versions = [text(tr.find(X + "td")) for tr in tables[1].iter(X + "tr") if tr.find(X + "td") is not None]
        out.append((served, [v.split(" ")[:-1] for v in versions], card))
    return out
two = clusters(sys.argv[1])
assert len(two) == 2, "two sites: %d clusters" % len(two)
for (served, versions, _), site, n in zip(two, ("healthy.pcap", "cert-expired.pcap"), (1, 2)):
    assert site in served and served.count(".pcap") == 1, "cluster %d served by: %s" % (n, served)
    assert versions == [["cluster", str(n), "ITL", "v1"]], "cluster %d versions %s" % (n, versions)
one = clusters(sys.argv[2])
assert len(one) == 1, "one site: %d clusters" % len(one)
served, versions, card = one[0]
assert [v[-2:] for v in versions] == [["ITL", "v1"], ["ITL", "v2"], ["ITL", "v3"]], versions
assert all(len(v) == 2 for v in versions), "one cluster, but labels name it: %s" % versions
for site in ("healthy.pcap", "two-node.pcap", "regen-both.pcap"):
    assert site in served, "%s not among the servers: %s" % (site, served)
assert "refused" in text(card), "the engine's refused move is not in the cluster's continuity"
print("clusters: two sites -> 2 clusters, one site -> 1 cluster with ITL v1-v3")
PYEOF
  # regen-both's ITL A (ccm-a) and ITL B (regenerated ccm-b: no SAST certificate in common),
  # each in a capture of its own: one cluster when the same phone got both (the engine's move
  # links them), two when two phones did.
  "$PCAPSCAN" -q --now "$NOW" --extract "$out/ex" "$CAPTURES/regen-both.pcap" >/dev/null || true
  local a b
  a=$(ls "$out"/ex/774ba7b5*-ITLSEP*.tlv) b=$(ls "$out"/ex/7e4f0063*-ITLSEP*.tlv)
  printf 'time 1796083200\ntftp ITLSEP0011223344A6.tlv %s\n' "$a" | "$MKCAP" "$out/a.pcap"
  printf 'time 1796086800\ntftp ITLSEP0011223344A6.tlv %s\n' "$b" | "$MKCAP" "$out/b-same.pcap"
  printf 'time 1796086800\ntftp ITLSEP0011223344FF.tlv %s\n' "$b" | "$MKCAP" "$out/b-other.pcap"
  local n
  for c in same:1 other:2; do
    "$PCAPSCAN" -q --now "$NOW" --html "$out/m.html" "$out/a.pcap" "$out/b-${c%:*}.pcap" >/dev/null ||
      true
    wellformed "$out/m.html"
    n=$(grep -c 'class="card cluster"' "$out/m.html")
    [ "$n" = "${c#*:}" ] || fail "ITL A then B to the ${c%:*} phone: $n cluster(s), want ${c#*:}"
  done
  echo "clusters: the engine's move joins ITL A and B, two phones keep them apart"
}

# many_phones N MOVED CUT OUT: a capture of N phones booting on regen-callmanager's ITL A, each
# with a TVS session; then the first MOVED boot again and get ITL B (signed by the regenerated
# CallManager, while the TVS still matches A: one TRUST_VIA_TVS each, as in a cluster-wide
# reset), and CUT more phones lose their ITL transfer after one block (TFTP_TRANSFER_INCOMPLETE,
# an error, each). mkcap writes it in well under a second (gen-capture needs a new PKI).
many_phones() {
  local ex=$out/ex a b
  "$PCAPSCAN" -q --extract "$ex" "$CAPTURES/regen-callmanager.pcap" >/dev/null || true
  a=$(ls "$ex"/774ba7b5*-ITLSEP*.tlv) b=$(ls "$ex"/82f97c18*-ITLSEP*.tlv)
  awk -v n="$1" -v m="$2" -v cut="$3" -v a="$a" -v b="$b" -v tvs="$CAPTURES/pki/tvs-a.der" '
    function boot(i, itl, opts) {
      printf "client 10.20.%d.%d\n", int(i / 200), 10 + i % 200
      printf "tftp CTLSEP0011223%05X.tlv - notfound\n", i
      printf "tftp ITLSEP0011223%05X.tlv %s%s\n", i, itl, opts
      if (opts == "") printf "tls 2445 %s\n", tvs
    }
    BEGIN {
      print "time 1796083200"
      for (i = 0; i < n; i++) boot(i, a, "")
      print "time 1796086800"
      for (i = 0; i < m; i++) boot(i, b, "")
      for (i = n; i < n + cut; i++) boot(i, a, " stop=1")
      # An hour later the last of them asks again: the stopped transfers are not the capture end
      # cutting them (TRANSFER_CUT_BY_CAPTURE_END) but servers that stopped.
      if (cut) { print "time 1796090400"; printf "tftp CTLSEP0011223%05X.tlv - notfound\n", n + cut - 1 }
    }' | "$MKCAP" "$4" || fail mkcap
}

# json_counts JSONL: "RULE COUNT" per finding rule of a --json run.
json_counts() {
  "$PY" -c '
import collections, json, sys
c = collections.Counter(o["rule"] for o in map(json.loads, open(sys.argv[1])) if o["type"] == "finding")
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))' "$1"
}

# grouped: 60 phones, 40 of them move A -> B (40 TRUST_VIA_TVS warnings), 12 lose their ITL
# (12 TFTP_TRANSFER_INCOMPLETE errors). Each rule is one card whose count is the JSON's, naming
# its distinct phones; the instances are listed (capped), collapsed for warnings, open for
# errors, and every link of the page lands (check_html.py); the verdict line keeps the counts.
grouped() {
  many_phones 60 40 12 "$out/g.pcap"
  render "$out/g.pcap" "$out/g.html"
  wellformed "$out/g.html"
  "$PY" "$HERE/check_html.py" "$out/g.html" --fires TRUST_VIA_TVS TFTP_TRANSFER_INCOMPLETE ||
    fail structure
  "$PCAPSCAN" -q --now "$NOW" --json "$out/g.pcap" >"$out/g.jsonl" 2>>"$out/stderr" || true
  "$PY" "$HERE/grouped_check.py" "$out/g.html" "$out/g.jsonl" --grouped TRUST_VIA_TVS \
    TFTP_TRANSFER_INCOMPLETE || fail "grouped cards ($(json_counts "$out/g.jsonl"))"
}

# few_warnings: 3 phones move A -> B: three TRUST_VIA_TVS cards, one per finding, not a group.
few_warnings() {
  many_phones 5 3 0 "$out/f.pcap"
  render "$out/f.pcap" "$out/f.html"
  wellformed "$out/f.html"
  "$PY" "$HERE/check_html.py" "$out/f.html" --fires TRUST_VIA_TVS || fail structure
  "$PCAPSCAN" -q --now "$NOW" --json "$out/f.pcap" >"$out/f.jsonl" 2>>"$out/stderr" || true
  "$PY" "$HERE/grouped_check.py" "$out/f.html" "$out/f.jsonl" --single TRUST_VIA_TVS ||
    fail "few warnings ($(json_counts "$out/f.jsonl"))"
}

# compact_phones: 400 phones, 20 of them warned (A -> B). The 380 others are one table row each
# (held ITL, TVS verdict, last boot, their events collapsed) and the 20 keep their card with the
# timeline; every link resolves. Size bound: a full card took about 3 KB per phone here (6.5 KB
# in the bench captures); the phones section must stay under 1.5 KB per phone.
compact_phones() {
  many_phones 400 20 0 "$out/c.pcap"
  render "$out/c.pcap" "$out/c.html"
  wellformed "$out/c.html"
  "$PY" "$HERE/check_html.py" "$out/c.html" --fires TRUST_VIA_TVS --timeline || fail structure
  "$PCAPSCAN" -q --now "$NOW" --json "$out/c.pcap" >"$out/c.jsonl" 2>>"$out/stderr" || true
  "$PY" "$HERE/grouped_check.py" "$out/c.html" "$out/c.jsonl" --grouped TRUST_VIA_TVS \
    --phones 400 --cards 20 --max-per-phone 1500 || fail "compact phones"
  echo "ok: page $(stat -c %s "$out/c.html") bytes for 400 phones"
  # 130 phones, 120 warned: the first 100 warned have cards, the 20 others are rows naming
  # their rule (a reset warns thousands of phones: a card each made a 130 MB page).
  many_phones 130 120 0 "$out/w.pcap"
  render "$out/w.pcap" "$out/w.html"
  wellformed "$out/w.html"
  "$PY" "$HERE/check_html.py" "$out/w.html" --fires TRUST_VIA_TVS || fail "w: structure"
  "$PCAPSCAN" -q --now "$NOW" --json "$out/w.pcap" >"$out/w.jsonl" 2>>"$out/stderr" || true
  "$PY" "$HERE/grouped_check.py" "$out/w.html" "$out/w.jsonl" --grouped TRUST_VIA_TVS \
    --phones 130 --cards 100 --warned-rows 20 --max-per-phone 5000 || fail "warned rows"
}

# validity: a trust list of many certificates with near-identical dates (one year, a day apart,
# as a cluster whose certificates were all regenerated together), captured 2 days before --now:
# month ticks, capture and today a few pixels apart. No two labels of its chart may overlap
# (svg_overlap.py computes each label's box from the SVG). The certificates are made now, so
# the dates follow the clock; the capture and --now follow them.
validity() {
  local pki=$out/pki i recs=() t now
  mkdir -p "$pki"
  for i in $(seq -w 1 14); do
    # sbdgen signs with RSA only: the signer (01) is RSA, the others EC (quick to make).
    local key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
    [ "$i" != 01 ] || key=(-newkey rsa:2048)
    openssl req -x509 "${key[@]}" -nodes \
      -keyout "$pki/n$i.key" -out "$pki/n$i.pem" -days $((365 + 10#$i)) \
      -subj "/CN=cucm-node-$i.cluster-with-a-long-name.example/O=Example" >>"$out/openssl.log" 2>&1 ||
      fail "openssl: $(tail -3 "$out/openssl.log")"
    recs+=(--record "CCM+TFTP:$pki/n$i.pem")
  done
  t=$(date +%s)
  "$SBDGEN" tl -o "$out/itl.tlv" --signer "$pki/n01.key:$pki/n01.pem" --filename ITLFile.tlv \
    --timestamp "$t" --record "SAST:$pki/n01.pem" "${recs[@]}" --record "TVS:$pki/n02.pem" ||
    fail sbdgen
  printf 'time %s\ntftp ITLSEP001122334455.tlv %s\n' "$t" "$out/itl.tlv" | "$MKCAP" "$out/v.pcap" ||
    fail mkcap
  now=$((t + 2 * 86400))
  local rc=0
  "$PCAPSCAN" -q --now "$now" --html "$out/v.html" "$out/v.pcap" >/dev/null 2>"$out/stderr" || rc=$?
  [ "$rc" -le 1 ] || fail "pcapscan exit $rc: $(cat "$out/stderr")"
  wellformed "$out/v.html"
  "$PY" "$HERE/svg_overlap.py" --min-rows 16 "$out/v.html" || fail "labels overlap"
}

# overlap_selftest: the check fails on the chart the layout before the fix drew for the same
# list (month ticks 30 days apart, 74 px labels; "capture" and "today" 12 px apart), and on the
# timeline it drew for healthy.pcap ("config request" ran into the file name).
overlap_selftest() {
  "$PY" "$HERE/svg_overlap.py" --expect-overlap --min-rows 16 "$HERE/fixtures/validity-before.svg" ||
    fail "the overlap check passes a chart whose labels overlap"
  "$PY" "$HERE/svg_overlap.py" --timeline --expect-overlap "$HERE/fixtures/timeline-before.svg" ||
    fail "the overlap check passes a timeline whose labels overlap"
}

# merge --html names each capture by the SHA-256 taken where it was scanned, even when the
# capture is not on the merging host (it is removed here before the merge).
merged_digest() {
  cp "$CAPTURES/healthy.pcap" "$out/site.pcap"
  local want
  want=$(sha256sum "$out/site.pcap" | cut -d' ' -f1)
  "$PCAPSCAN" -q --now "$NOW" --json --json-content "$out/site.pcap" >"$out/site.jsonl" || true
  rm "$out/site.pcap"
  local rc=0
  "$PCAPSCAN" merge --html "$out/m.html" "$out/site.jsonl" >/dev/null 2>"$out/stderr" || rc=$?
  [ "$rc" -le 1 ] || fail "merge exit $rc: $(cat "$out/stderr")"
  wellformed "$out/m.html"
  grep -qF "$want" "$out/m.html" || fail "the capture's SHA-256 is not in the merged report"
}

case $case_name in
merged_digest) merged_digest ;;
validity) validity ;;
info_collapsed) info_collapsed ;;
clusters) clusters ;;
grouped) grouped ;;
few_warnings) few_warnings ;;
compact_phones) compact_phones ;;
overlap_selftest) overlap_selftest ;;
scenario) scenario "$1" ;;
skipped) skipped ;;
escape) escape ;;
screenshot) screenshot "$@" ;;
*) fail "unknown case" ;;
esac
