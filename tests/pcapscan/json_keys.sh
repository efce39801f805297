#!/usr/bin/env bash
# json_keys.sh SRC WORK: every JSON line pcapscan and `pcapscan merge` write has the key set of its
# kind that docs/output.md lists under "Key sets" (json_keys.py), for the bundled captures and the
# pipeline and merge fuzz seeds, with and without --json-content, format 2 and format 1
# (--json-inline), -j 2; and every kind the list names for a format is met somewhere.
set -euo pipefail
src=$1
work=$2
: "${PCAPSCAN:?}"
doc=$src/docs/output.md
check=$src/tests/pcapscan/json_keys.py
rm -rf "$work"
mkdir -p "$work"
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# One more input with a packet whose IPv4 header lies (total length below the header): it gives
# per_input[].problems.
python3 - "$work/lies.pcap" <<'PY'
import struct, sys
ip = bytes([0x45, 0, 0, 10]) + bytes(16)
frame = bytes(12) + b"\x08\x00" + ip
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1798794000, 0, len(frame), len(frame)) + frame)
PY
inputs=("$src"/captures/*.pcap "$src"/tests/fuzz/corpus/pipeline/* "$work/lies.pcap")
met=$work/met
: >"$met"

# scan FORMAT MODE OUT [options]: the scan of every input; exit 0 or 1 (findings) expected.
scan() {
    local fmt=$1 mode=$2 out=$3
    shift 3
    local rc=0
    "$PCAPSCAN" --json -q -j 2 --now 2026-12-01T00:00:00Z "$@" "${inputs[@]}" \
        "$work/no-such.pcap" >"$out" 2>"$out.err" || rc=$?
    [ "$rc" -le 2 ] && [ -s "$out" ] || fail "scan $* exited $rc: $(head -3 "$out.err")"
    python3 "$check" "$doc" "$fmt" "$mode" "$out" >>"$met" || fail "scan $*: keys (above)"
}

# merge FORMAT MODE OUT FILE... [-- options]
merge() {
    local fmt=$1 mode=$2 out=$3
    shift 3
    local files=() opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do files+=("$1"); shift; done
    [ $# -gt 0 ] && shift && opts=("$@")
    local rc=0
    "$PCAPSCAN" merge --json "${opts[@]}" "${files[@]}" >"$out" 2>"$out.err" || rc=$?
    [ "$rc" -le 2 ] && [ -s "$out" ] || fail "merge ${opts[*]} ${files[*]} exited $rc: $(head -3 "$out.err")"
    python3 "$check" "$doc" "$fmt" "$mode" "$out" >>"$met" || fail "merge ${files[*]}: keys (above)"
}

scan 2 plain "$work/v2.json"
scan 2 content "$work/v2c.json" --json-content
scan 1 plain "$work/v1.json" --json-inline
scan 1 content "$work/v1c.json" --json-inline --json-content
# A failed input, TFTP and HTTP transfers, a TLS certificate that does not parse...: the kinds and
# the keys that apply to some objects only are met (else the check above proves little).
for k in file content tls_cert finding; do
    jq -e -s --arg k "$k" 'any(.[]; .type == $k)' "$work/v2.json" >/dev/null || fail "no $k line"
done
jq -e -s '[.[] | select(.type == "file") | .protocol] | (index("http") != null) and (index("tftp") != null)' \
    "$work/v2.json" >/dev/null || fail "not both protocols"
jq -e -s 'any(.[]; .type == "finding" and .evidence.related == null) and
          any(.[]; .type == "finding" and .evidence.related != null)' "$work/v2.json" >/dev/null ||
    fail "related not both set and null"

merge 2 plain "$work/m2.json" "$work/v2c.json"
merge 2 content "$work/m2c.json" "$work/v2c.json" -- --json-content
merge 2 plain "$work/m21.json" "$work/v1c.json"
merge 1 plain "$work/m1.json" "$work/v1c.json" -- --json-inline
merge 1 content "$work/m1c.json" "$work/v2c.json" -- --json-inline --json-content
# A merge of a merge (format 2 with content) reads what merge wrote.
merge 2 content "$work/mm2c.json" "$work/m2c.json" -- --json-content
for seed in "$src"/tests/fuzz/corpus/merge/*.jsonl; do
    b=$(basename "$seed" .jsonl)
    merge 2 content "$work/seed-$b.json" "$seed" -- --json-content
    merge 1 plain "$work/seed-$b.v1.json" "$seed" -- --json-inline
done

# Both ways: every kind the doc lists for a format (and mode) was met.
python3 - "$doc" "$met" <<'PY' || fail "kinds never met (above)"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
block = re.search(r"<!-- json-keys -->\s*```text\n(.*?)```", text, re.S).group(1)
met = {tuple(l.split()) for l in open(sys.argv[2])}
bad = 0
for line in block.splitlines():
    if not line.strip():
        continue
    fmt, kind = line.split(":")[0].split()
    if not any(m[0] == fmt and m[2] == kind for m in met):
        print(f"format {fmt}: no '{kind}' object in any output", file=sys.stderr)
        bad = 1
sys.exit(bad)
PY
echo "ok: $(wc -l <"$met") kind checks"
