#!/usr/bin/env bash
# mktrust.sh SBDGEN OUTDIR [NPHONES]: the trust material gen-capture serves, made of real files:
# a throwaway PKI (tests/tools/mkpki.sh), one cluster ITL and CTL signed by CallManager
# (tests/tools/sbdgen), and for each phone ITLSEP<MAC>.tlv (the cluster ITL), CTLSEP<MAC>.tlv
# (missing for every third phone: TFTP answers "File not found") and its own signed config
# SEP<MAC>.cnf.xml.sgn (every fourth phone also SEP<MAC>.cnf.xml.enc.sgn, encrypted for the test
# PKI's phone LSC). tls-2445.pem is the TVS certificate, tls-8443.pem Tomcat's chain.
# regen/ is the same after CallManager.pem was regenerated (gen-capture --profile reset): ITL B
# signed by the new CallManager (same TVS record, so phones holding ITL A recover through TVS) and
# the configs that key signs.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: mktrust.sh SBDGEN OUTDIR [NPHONES]" >&2
    exit 2
fi
sbdgen=$1
out=$2
nphones=${3:-64}
here=$(cd "$(dirname "$0")" && pwd)
pki=$out/pki
mkdir -p "$out"
sh "$here/../tests/tools/mkpki.sh" "$pki"

signer=(--signer "$pki/callmanager.key:$pki/callmanager.pem")
signer_b=(--signer "$pki/callmanager2.key:$pki/callmanager2.pem")
mkdir -p "$out/regen"
"$sbdgen" tl -o "$out/cluster-itl.tlv" "${signer[@]}" --timestamp 1790000000 \
    --record "SAST:$pki/callmanager.pem" --record "CCM+TFTP:$pki/callmanager.pem" \
    --record "TVS:$pki/tvs.pem" --record "CAPF:$pki/capf.pem"
"$sbdgen" tl -o "$out/regen/cluster-itl.tlv" "${signer_b[@]}" --timestamp 1790086400 \
    --record "SAST:$pki/callmanager2.pem" --record "CCM+TFTP:$pki/callmanager2.pem" \
    --record "TVS:$pki/tvs.pem" --record "CAPF:$pki/capf.pem"
"$sbdgen" tl --ctl -o "$out/cluster-ctl.tlv" "${signer[@]}" --timestamp 1790000000 \
    --record "SAST:$pki/callmanager.pem:full:cucm-pub.sbd.test:10.10.0.10" \
    --record "CCM+TFTP:$pki/callmanager.pem:full:cucm-pub.sbd.test:10.10.0.10" \
    --record "CAPF:$pki/capf.pem:full:cucm-pub.sbd.test:10.10.0.10"

# A config of varying length (1-6 KB), like CUCM's per-device XML.
config_xml() {
    local mac=$1 lines=$2
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<device xsi:type="axl:XIPPhone">\n'
    printf '  <fullConfig>true</fullConfig>\n  <deviceProtocol>SIP</deviceProtocol>\n'
    printf '  <devicePool><name>Default</name></devicePool>\n  <name>SEP%s</name>\n' "$mac"
    for ((l = 0; l < lines; l++)); do
        printf '  <line button="%d"><featureID>9</featureID><name>%d</name>' $((l + 1)) $((2000 + l))
        printf '<displayName>Phone %s line %d</displayName><proxy>USECALLMANAGER</proxy></line>\n' \
            "$mac" $((l + 1))
    done
    printf '  <loadInformation>sip88xx.14-2-1-0101-28</loadInformation>\n</device>\n'
}

for ((i = 0; i < nphones; i++)); do
    mac=$(printf '001BD4%06X' "$i")
    config_xml "$mac" $((8 + i * 7 % 40)) >"$out/SEP$mac.cnf.xml"
    "$sbdgen" sgn -o "$out/SEP$mac.cnf.xml.sgn" "${signer[@]}" --in "$out/SEP$mac.cnf.xml" \
        --timestamp 1790000000
    "$sbdgen" sgn -o "$out/regen/SEP$mac.cnf.xml.sgn" "${signer_b[@]}" --in "$out/SEP$mac.cnf.xml" \
        --timestamp 1790086400
    if [ $((i % 4)) -eq 1 ]; then
        "$sbdgen" encsgn -o "$out/SEP$mac.cnf.xml.enc.sgn" "${signer[@]}" --in "$out/SEP$mac.cnf.xml" \
            --phone-cert "$pki/phone.pem" --timestamp 1790000000
        "$sbdgen" encsgn -o "$out/regen/SEP$mac.cnf.xml.enc.sgn" "${signer_b[@]}" \
            --in "$out/SEP$mac.cnf.xml" --phone-cert "$pki/phone.pem" --timestamp 1790086400
    fi
    rm -f "$out/SEP$mac.cnf.xml"
    cp "$out/cluster-itl.tlv" "$out/ITLSEP$mac.tlv"
    cp "$out/regen/cluster-itl.tlv" "$out/regen/ITLSEP$mac.tlv"
    if [ $((i % 3)) -ne 2 ]; then
        cp "$out/cluster-ctl.tlv" "$out/CTLSEP$mac.tlv"
    fi
done
cp "$pki/tvs.pem" "$out/tls-2445.pem"
cat "$pki/tomcat.pem" "$pki/ca.pem" >"$out/tls-8443.pem"
cp "$out/tls-2445.pem" "$out/tls-8443.pem" "$out/regen/"
