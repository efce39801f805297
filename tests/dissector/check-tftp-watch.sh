#!/bin/bash
# check-tftp-watch.sh PLUGIN.so ITL PCAPSCAN SBDGEN PKI: the plugin's watch on TFTP read requests and error
# answers (dissector/cucm-tftp.c) on transfers written with text2pcap, each compared with pcapscan:
#  - retry: a phone asks twice for its CTL (no answer in between), gets "not found" for it and for
#    its ITL, then reads the cluster's ITLFile.tlv: TRUST_FILE_FALLBACK, and no unfinished transfer
#    (the second request is the same transfer, as pcapscan counts it);
#  - stranger: the "not found" for a read comes from another host: no answer (neither TFTP nor
#    the watch takes it), so the read never finished (TFTP_TRANSFER_INCOMPLETE), and no fallback;
#  - probe: the client ends a read with an error after the server offered the size (a transfer-
#    size probe): the transfer ended, nothing unfinished;
#  - retry both with tshark -2 and in one pass with a display filter (the first pass builds no
#    tree with -2, one with -Y), and Export Objects still writes the ITL whole in both; stranger
#    with -2 only (a one-pass tshark shows no decision taken at the end of the capture);
#  - rollover: a signed config of more than 65535 blocks (blksize 8) from a server whose block
#    numbers roll over 65535 -> 1 (tftpd-hpa's "rollover 1"), after an ITL that does not list its
#    signer: Wireshark's TFTP reassembly does not follow that numbering, the plugin's own block
#    accounting sees every block come and feeds the file whole from them, so the signed file is
#    judged (SGN_SIGNER_NOT_IN_ITL, message for message as pcapscan) and nothing is incomplete;
#  - the watch adds no layer: every frame's frame.protocols is what stock tshark shows, also with
#    the plugin's protocols disabled (the hook stands in for UDP and must not take it along).
set -euo pipefail
itl=$2
pcapscan=$3
sbdgen=$4
pki=$5
cur=setup
. "$(dirname "$0")/lib.sh"

client=10.9.0.20 server=10.9.0.10 stranger=10.9.0.99

# packet SRC DST SPORT DPORT BYTES: one UDP datagram (BYTES: printf escapes) as the next part.
n=0
packet() {
    printf '%b' "$5" >"$work/p.bin"
    od -An -v -tx1 -w16 "$work/p.bin" | awk '{ printf "%06x %s\n", (NR - 1) * 16, $0 }' >"$work/p.txt"
    n=$((n + 1))
    text2pcap -q -4 "$1,$2" -u "$3,$4" "$work/p.txt" "$work/part-$n.pcap" >/dev/null 2>&1
    parts+=("$work/part-$n.pcap")
}

# file_blocks SPORT DPORT FILE: DATA blocks of 512 bytes carrying FILE from the server.
file_blocks() {
    local size blocks b
    size=$(stat -c %s "$3")
    blocks=$((size / 512 + 1))
    for ((b = 1; b <= blocks; b++)); do
        printf '\000\003%b' "\\$(printf '%03o' $((b >> 8)))\\$(printf '%03o' $((b & 255)))" \
            >"$work/blk.bin"
        dd if="$3" bs=512 skip=$((b - 1)) count=1 status=none >>"$work/blk.bin"
        od -An -v -tx1 -w16 "$work/blk.bin" | awk '{ printf "%06x %s\n", (NR - 1) * 16, $0 }'
        echo
    done >"$work/blocks.txt"
    n=$((n + 1))
    text2pcap -q -4 "$server,$client" -u "$1,$2" "$work/blocks.txt" "$work/part-$n.pcap" \
        >/dev/null 2>&1
    parts+=("$work/part-$n.pcap")
}

rrq() { packet "$client" "$server" "$1" 69 "\0000\0001$2\0000octet\0000"; }
not_found() { packet "$1" "$client" "$2" "$3" '\0000\0005\0000\0001File not found\0000'; }

# capture NAME: the parts so far, in order, as $work/NAME.pcap.
capture() {
    mergecap -a -w "$work/$1.pcap" "${parts[@]}"
    chmod 644 "$work/$1.pcap"
    parts=()
}

mac=0011223344C7
parts=()
rrq 1069 "CTLSEP$mac.tlv"
rrq 1069 "CTLSEP$mac.tlv"
not_found "$server" 3000 1069
rrq 1070 "ITLSEP$mac.tlv"
not_found "$server" 3001 1070
rrq 1071 ITLFile.tlv
file_blocks 3002 1071 "$itl"
capture retry
rrq 1072 "ITLSEP$mac.tlv"
not_found "$stranger" 3003 1072
capture stranger
# A transfer-size probe: the server offers the size, the client ends the read with an error.
packet "$client" "$server" 1073 69 "\0000\0001SEP$mac.cnf.xml.sgn\0000octet\0000tsize\00000\0000"
packet "$server" "$client" 3004 1073 '\0000\0006tsize\00002102\0000'
packet "$client" "$server" 1073 3004 '\0000\0005\0000\0010Abort\0000'
capture probe


# check NAME FIRES SILENT TSHARK-ARGS...: rules as pcapscan finds them, FIRES among them, SILENT not;
# Export Objects writes each DATA-carried file whole.
check() {
    local name=$1 fires=$2 silent=$3 rc=0 want got eo=$work/eo
    shift 3
    rm -rf "$eo"
    mkdir -m 777 "$eo"
    ts_run "$work/out.pdml" "$work/stderr" -r "$work/$name.pcap" "$@" \
        --export-objects "tftp,$eo" -T pdml || rc=$?
    [ "$rc" -eq 0 ] || bad "tshark exited $rc: $(tail -3 "$work/stderr")"
    if grep -m 5 -E "AddressSanitizer|runtime error:|Dissector bug" "$work/stderr" >&2; then
        bad "sanitizer report or dissector bug"
    fi
    got=$(plugin_rules <"$work/out.pdml")
    want=$(pcapscan_rules "$work/$name.pcap")
    [ "$got" = "$want" ] || bad "plugin [$(echo $got)] and pcapscan [$(echo $want)] disagree"
    if [ -n "$fires" ]; then
        grep -qx "$fires/[a-z]*" <<<"$got" || bad "$fires should fire (got: $(echo $got))"
    fi
    if grep -qx "$silent/[a-z]*" <<<"$got"; then
        bad "$silent should be silent"
    fi
    if [ "$name" = retry ]; then
        got=$(find "$eo" -type f -exec sha256sum {} + | cut -d' ' -f1)
        [ "$got" = "$(sha256sum <"$itl" | cut -d' ' -f1)" ] ||
            bad "--export-objects tftp did not write the ITL whole (got: $got)"
    fi
}

for args in "-2" "-Y frame"; do
    cur="retry $args"
    # shellcheck disable=SC2086 # two words on purpose
    check retry TRUST_FILE_FALLBACK TFTP_TRANSFER_INCOMPLETE $args
done
# A read that never finished is known at the end of the capture only: shown from pass two on.
cur="stranger -2"
check stranger TFTP_TRANSFER_INCOMPLETE TRUST_FILE_FALLBACK -2
cur="probe -2"
check probe '' TFTP_TRANSFER_INCOMPLETE -2

# Block numbers that roll over to 1: the file comes whole all the same (131,000 packets, so
# fields of the decisions, not PDML).
cur="rollover -2"
"$sbdgen" tl -o "$work/roll-itl.tlv" --signer "$pki/ccm-a.key:$pki/ccm-a.crt" --filename ITLFile.tlv \
    --timestamp 1796083200 --record "SAST:$pki/ccm-a.crt" --record "CCM+TFTP:$pki/ccm-a.crt"
head -c 560000 /dev/zero | tr '\0' x >"$work/roll.xml"
"$sbdgen" sgn -o "$work/roll.sgn" --signer "$pki/ccm-b.key:$pki/ccm-b.crt" --in "$work/roll.xml" \
    --filename "SEP$mac.cnf.xml.sgn"
python3 "$here/tftp-rollover.py" "$work/rollover.pcap" "$work/roll-itl.tlv" "$work/roll.sgn" "$mac"
chmod 644 "$work/rollover.pcap"
pcapscan_rules "$work/rollover.pcap" >/dev/null
want=$(pcapscan_findings)
grep -q '^SGN_SIGNER_NOT_IN_ITL' <<<"$want" || bad "pcapscan did not judge the signed file: $want"
# One line per rule-bearing decision at its event's frame: RULE, frame, reason.
got=$(ts -2 -r "$work/rollover.pcap" -Y 'cucmtl.trust.rule || cucmsgn.trust.rule' -T fields \
    -e frame.number -e cucmtl.trust.rule -e cucmsgn.trust.rule -e cucmtl.trust.event_frame \
    -e cucmsgn.trust.event_frame -e cucmtl.trust.reason -e cucmsgn.trust.reason 2>"$work/stderr" |
    awk -F'\t' '$4 == "" && $5 == "" { print $2 $3 "\t" $1 "\t" $6 $7 }' | LC_ALL=C sort)
if grep -E "AddressSanitizer|runtime error:|Dissector bug" "$work/stderr" | head -5 | grep . >&2; then
    bad "sanitizer report or dissector bug"
fi
[ "$got" = "$want" ] || bad "plugin and pcapscan differ: plugin [$got] pcapscan [$want]"

cur=layers
for name in retry stranger probe; do
    stock=$("$here/tshark-plugin.sh" - -r "$work/$name.pcap" -T fields -e frame.protocols 2>/dev/null)
    mine=$(ts -r "$work/$name.pcap" -T fields -e frame.protocols 2>/dev/null)
    [ -n "$stock" ] || bad "$name: stock tshark read nothing"
    # The plugin's file protocols add no layer either (their heuristics return FALSE).
    [ "$mine" = "$stock" ] || bad "$name: frame.protocols differ from stock tshark's:
$(diff <(echo "$stock") <(echo "$mine") | head -5)"
    # The hook stands in for UDP: the plugin's protocols disabled must not take UDP with them.
    mine=$(ts -r "$work/$name.pcap" --disable-protocol cucmtl -T fields -e frame.protocols 2>/dev/null)
    [ "$mine" = "$stock" ] || bad "$name: with cucmtl disabled frame.protocols differ from stock's:
$(diff <(echo "$stock") <(echo "$mine") | head -5)"
done

cur=summary
[ $fail -eq 0 ] && echo "ok: read requests, retries and error answers as pcapscan sees them"
exit $fail
