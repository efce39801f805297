#!/usr/bin/env bash
# check_gen.sh GEN_CAPTURE SBDGEN PCAPSCAN WORKDIR [rtp|reset]: ctest bench.gen_capture (rtp, the
# default profile) and bench.gen_reset. A small capture is deterministic, well-formed (tshark: no
# bad checksum, no malformed packet), carries the served files byte for byte, and pcapscan audits
# it as the cluster it is: healthy for rtp; for reset, every CTL not found, every other file valid,
# and TRUST_VIA_TVS exactly for the phones whose ITL went from A to B. No timing.
set -euo pipefail
gen=$1 sbdgen=$2 pcapscan=$3 w=$4 profile=${5:-rtp}
here=$(cd "$(dirname "$0")" && pwd)
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
rm -rf "$w"
mkdir -p "$w"
"$here/mktrust.sh" "$sbdgen" "$w/trust" 6 >/dev/null
if [ "$profile" = reset ]; then
    # shellcheck source=check_reset.sh
    . "$here/check_reset.sh"
    exit 0
fi
opts=(--size 3M --phones 9 --trust-dir "$w/trust")
"$gen" -o "$w/a.pcap" "${opts[@]}" 2>/dev/null
"$gen" -o "$w/b.pcap" "${opts[@]}" 2>/dev/null
"$gen" -o "$w/c.pcap" "${opts[@]}" --seed 2 2>/dev/null
cmp -s "$w/a.pcap" "$w/b.pcap" || fail "same options gave different captures"
! cmp -s "$w/a.pcap" "$w/c.pcap" || fail "--seed ignored"
size=$(stat -c %s "$w/a.pcap")
if [ "$size" -lt $((3 << 20)) ] || [ "$size" -ge $(((3 << 20) + 300000)) ]; then
    fail "size $size is not just over 3 MiB"
fi

# pcapscan: every transfer complete and valid except the CTLs of phones without one
"$pcapscan" -q --json "$w/a.pcap" >"$w/a.json" || fail "pcapscan exit $?"
summary=$(grep '"type": *"summary"' "$w/a.json")
get() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" <<<"$summary" | sed -n 1p; }
files=$(get files) complete=$(get files_complete) notfound=$(get files_not_found)
[ "$files" -ge 9 ] || fail "only $files transfers"
[ "$notfound" -ge 1 ] || fail "no File not found"
[ $((complete + notfound)) -eq "$files" ] || fail "$files files, $complete complete, $notfound not found"
valid=$(grep -c '"signature": *"valid"' "$w/a.json" || true)
[ "$valid" -eq "$complete" ] || fail "$valid valid signatures for $complete complete files"
grep -q '"rule": *"TVS_CERT_MATCH"' "$w/a.json" || fail "no TVS_CERT_MATCH"
! grep -q '"severity": *"error"' "$w/a.json" || fail "error finding"
# Not `grep | grep -vq`: under pipefail the first grep's SIGPIPE would make the pipeline false and
# hide the very line it found.
notfound_lines=$(grep '"status": *"not_found"' "$w/a.json" || true)
if [ -n "$notfound_lines" ] && grep -vq '"name": *"CTLSEP' <<<"$notfound_lines"; then
    fail "a file other than a CTL was not found"
fi

if ! command -v tshark >/dev/null; then
    echo "tshark not installed: packet-level checks skipped"
    exit 77
fi
bad=$(tshark -r "$w/a.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
    -o tcp.check_checksum:TRUE -d tcp.port==2445,tls \
    -Y 'ip.checksum.status==0 || udp.checksum.status==0 || tcp.checksum.status==0 || _ws.malformed' \
    2>/dev/null | wc -l)
[ "$bad" -eq 0 ] || fail "$bad packets with a bad checksum or malformed"
serials=$(tshark -r "$w/a.pcap" -d tcp.port==2445,tls -Y 'tls.handshake.type==11' -T fields \
    -E occurrence=f -e x509af.serialNumber 2>/dev/null | sort -u | tr '\n' ' ')
[ "$serials" = "2e3e1a7bdaa64d84 3c0ffee1 " ] || fail "server certificate serials: $serials"
mkdir -p "$w/eo"
tshark -r "$w/a.pcap" -q --export-objects "tftp,$w/eo" 2>/dev/null
n=0
for f in "$w"/eo/*; do
    name=$(basename "$f")
    case $name in
    ITLSEP*) cmp -s "$f" "$w/trust/cluster-itl.tlv" || fail "$name differs from the ITL" ;;
    CTLSEP*) cmp -s "$f" "$w/trust/cluster-ctl.tlv" || fail "$name differs from the CTL" ;;
    SEP001BD4*) cmp -s "$f" "$w/trust/${name%%(*}" || fail "$name differs from the served config" ;;
    SEP*) ;; # phones beyond the trust directory reuse a config under their own name
    *) fail "unexpected exported file $name" ;;
    esac
    n=$((n + 1))
done
[ "$n" -eq "$complete" ] || fail "tshark exported $n files, pcapscan saw $complete"
echo "ok: $files transfers ($notfound not found), $(capinfos -c -M "$w/a.pcap" | sed -n 's/.*packets: *//p') packets"
