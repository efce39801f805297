#!/bin/bash
# check-hostile.sh PLUGIN.so ITL [SBDGEN PKI_DIR]: damaged trust lists inside TFTP transfers must
# give expert infos, never an exception that hides the rest; with SBDGEN, an ITL with many
# certificates (built from PKI_DIR) shows every record with its X.509 tree. The transfers are written with Wireshark's text2pcap (RRQ
# to port 69, DATA blocks of 512 bytes back from another port), the way Wireshark's own dissection
# tests build captures from hex; the damaged files are cut or patched copies of the real ITL.
set -euo pipefail
itl=$2
cur=setup
. "$(dirname "$0")/lib.sh"

# expect_handled CAPTURE [header] [ERROR-OFFSET] [TSHARK-ARGS...]: the list is shown (records before the damage), the damage is an expert
# info of cucmtl, and nothing is flagged malformed by Wireshark itself. The PDML stays in $pdml for
# more checks (tshark start-up dominates: one run per capture where possible).
expect_handled() {
    local rc=0
    ts_run "$work/out.pdml" "$work/stderr" -r "$1" "${@:4}" -T pdml || rc=$?
    [ "$rc" -eq 0 ] || bad "tshark exited $rc: $(tail -3 "$work/stderr")"
    pdml=$(cat "$work/out.pdml")
    if grep -m 5 -E "AddressSanitizer|runtime error:|Dissector bug" "$work/stderr" >&2; then
        bad "sanitizer report or dissector bug"
    fi
    # The plugin's own PI_MALFORMED expert marks the packet malformed (that is the point); an
    # exception would show as "[Malformed Packet: ...]" / "Exception occurred" instead.
    grep -qE 'Exception occurred|showname="\[Malformed Packet' <<<"$pdml" &&
        bad "an exception cut the dissection short"
    grep -q '<field name="cucmtl.malformed"' <<<"$pdml" || bad "no cucmtl.malformed expert info"
    grep -q '<field name="cucmtl.parse_error"' <<<"$pdml" || bad "no cucmtl.parse_error item"
    if [ "${2:-}" = header ]; then
        grep -q '<field name="cucmtl.version"' <<<"$pdml" || bad "header not shown"
    fi
    if [ -n "${3:-}" ]; then
        grep -q "<field name=\"cucmtl.parse_error\" [^>]*pos=\"$3\"" <<<"$pdml" ||
            bad "parse error not placed at byte $3"
    fi
    return 0
}

# Values of field $1 in the PDML in $pdml, one a line.
pdml_values() {
    { grep -o "<field name=\"$1\" [^>]* show=\"[^\"]*\"" <<<"$pdml" || true; } |
        sed 's/.* show="//; s/"$//'
}

cur=intact
cp "$itl" "$work/good.tlv"
tftp_pcap "$work/good.pcap" ITLFile.tlv "$work/good.tlv"
rows=$(ts -r "$work/good.pcap" -Y 'cucmtl.record.function == "System Administrator Security Token"' \
    -T fields -e cucmtl.record_count -e cucmtl.signature_valid 2>/dev/null)
n=$(cut -f1 <<<"$rows")
[ -n "$n" ] && [ "$n" -gt 1 ] || bad "intact real ITL not dissected (records: '$n')"
# -T fields prints a true boolean as 1 up to 4.0, as True from 4.2 on.
cut -f2 <<<"$rows" | grep -qxE '1|True' || bad "intact real ITL: signature not valid"

cur=summaries
# Record summaries show names CN first (the real list writes "C=US,O=...,CN=ISRG Root X1"; a long
# summary is cut at the end, which used to drop the CN).
sums=$(ts -r "$work/good.pcap" -T pdml 2>/dev/null |
    grep -o '<field name="cucmtl.record" showname="[^"]*"' || true)
grep -qF ', CN=ISRG Root X1,O=Internet Security Research Group,C=US"' <<<"$sums" ||
    bad "record summary not CN first: $(grep -m1 ISRG <<<"$sums")"

cur=truncated
size=$(stat -c %s "$itl")
head -c $((size * 6 / 10)) "$itl" >"$work/cut.tlv"
tftp_pcap "$work/cut.pcap" ITLFile.tlv "$work/cut.tlv"
mkdir -m 777 "$work/eo" # Export Objects of the same run, checked under "export" below
expect_handled "$work/cut.pcap" header "" --export-objects "tftp,$work/eo"
# Verdicts on half a list would lie: no signature verdict, no rollback finding.
grep -qE '<field name="cucmtl\.(signature_valid|rollback\.expert)"' <<<"$pdml" &&
    bad "verdicts drawn from a partial list"
shown=$(pdml_values cucmtl.record_count)
[ -n "$shown" ] && [ "$shown" -ge 1 ] && [ "$shown" -lt "$n" ] ||
    bad "records before the cut not shown (got '$shown' of $n)"

cur=record-length-past-end
# The first record's RECORDLENGTH (value 3 bytes after the header end) claims 0xFFFF bytes.
hl=$(od -An -tu2 --endian=big -j8 -N2 "$itl" | tr -d ' ')
cp "$itl" "$work/len.tlv"
printf '\377\377' | dd of="$work/len.tlv" bs=1 seek=$((hl + 3)) conv=notrunc status=none
tftp_pcap "$work/len.pcap" ITLFile.tlv "$work/len.tlv"
# The core parses no header-only list, so only the finding shows, at the record's first byte.
expect_handled "$work/len.pcap" "" "$hl"

cur=header-length-past-end
cp "$itl" "$work/hdr.tlv"
printf '\377\377' | dd of="$work/hdr.tlv" bs=1 seek=8 conv=notrunc status=none
tftp_pcap "$work/hdr.pcap" ITLFile.tlv "$work/hdr.tlv"
out=$(ts -r "$work/hdr.pcap" -T pdml 2>&1 || true)
grep -qE 'Exception occurred|showname="\[Malformed Packet' <<<"$out" &&
    bad "an exception cut the dissection short"
grep -q '<field name="cucmtl.malformed"' <<<"$out" || bad "no cucmtl.malformed expert info"
grep -qE "AddressSanitizer|runtime error:|Dissector bug" <<<"$out" && bad "sanitizer report"

cur=many-certificates
# Each certificate's X.509 tree adds a layer per BER OID callback (x509af, x509ce, x509sat: 10-20
# for these certificates); Wireshark asserts fewer than gui.max_tree_depth (500) layers per packet,
# so this list of 62 records used to end in "[Dissector bug, protocol X509AF ...]" at record 48.
if [ -n "${3:-}" ]; then
    pki=$4
    recs=(--record "0:$pki/ccm-a.crt" --record "2:$pki/ccm-a.crt" --record "21:$pki/tvs-a.crt")
    for c in "$pki"/app-*.crt "$pki"/app-[01]*.crt; do recs+=(--record "7:$c"); done
    "$3" tl -o "$work/big.tlv" --signer "$pki/ccm-a.key:$pki/ccm-a.crt" "${recs[@]}" ||
        bad "sbdgen failed"
    tftp_pcap "$work/big.pcap" ITLFile.tlv "$work/big.tlv"
    ts_run "$work/big.pdml" "$work/stderr" -r "$work/big.pcap" -T pdml ||
        bad "tshark exited $?: $(tail -3 "$work/stderr")"
    pdml=$(cat "$work/big.pdml")
    grep -m 3 -E "AddressSanitizer|runtime error:|Dissector bug" "$work/stderr" >&2 &&
        bad "dissector bug or sanitizer report on stderr"
    grep -qE 'Dissector bug|Exception occurred|showname="\[Malformed Packet' <<<"$pdml" &&
        bad "an exception cut the dissection short"
    want=${#recs[@]}
    want=$((want / 2))
    got=$(pdml_values cucmtl.record_count)
    [ "$got" = "$want" ] || bad "record count '$got', want $want"
    for f in cucmtl.record x509af.serialNumber cucmtl.record.serial; do
        n=$(grep -c "<field name=\"$f\"" <<<"$pdml" || true)
        [ "$n" -eq "$want" ] || bad "$n $f items, want one per record ($want)"
    done
fi

cur=export
cmp -s "$work/eo/ITLFile.tlv" "$work/cut.tlv" || bad "export objects lost the damaged file"

[ $fail -eq 0 ] && echo "ok: damaged trust lists shown with expert infos, no exceptions"
exit $fail
