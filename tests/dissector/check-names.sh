#!/bin/bash
# check-names.sh PLUGIN.so SBDGEN MKCAP PKI_DIR: the trust engine's TVS verdict, as the plugin
# shows it, when the server certificate's issuer holds quotes, commas, a semicolon and a backslash,
# and the ITL's TVS record carries that issuer as CUCM writes it (values quoted, '"' doubled:
# sbdgen's CUCM style). Issuer, serial and hash agree, so the verdict must be TVS_CERT_MATCH (it was
# "not in the ITL" while names were split on every , ; /). Also: the record summary and the
# certificate subject show the CN first.
set -euo pipefail
sbdgen=$2
mkcap=$3
pki=$4
. "$(dirname "$0")/lib.sh"

cur=material
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tvsq.key" -out "$work/tvsq.pem" \
    -days 3650 -set_serial 0x2E3E1A7BDAA64D99 \
    -subj '/C=US/O=Cisco Systems, Inc./OU=TVS; "Lab"/CN=tvs "q", back\\slash' >/dev/null 2>&1 ||
    bad "openssl req"
openssl x509 -in "$work/tvsq.pem" -outform DER -out "$work/tvsq.der"
"$sbdgen" tl -o "$work/itl.tlv" --signer "$pki/ccm-a.key:$pki/ccm-a.crt" --filename ITLFile.tlv \
    --record "0:$pki/ccm-a.crt" --record "2:$pki/ccm-a.crt" --record "21:$work/tvsq.pem:certhash" ||
    bad "sbdgen"
grep -qF 'CN="tvs ""q"", back\slash";OU="TVS; ""Lab""";O="Cisco Systems, Inc.";C=US' \
    "$work/itl.tlv" || bad "the ITL does not hold the issuer as CUCM writes it"
{
    echo "tftp ITLSEP001122334455.tlv $work/itl.tlv"
    echo "tls 2445 $work/tvsq.der"
} | "$mkcap" "$work/c.pcap" || bad "mkcap"
chmod 644 "$work/c.pcap"

cur=verdict
ts_run "$work/c.pdml" "$work/stderr" -r "$work/c.pcap" -T pdml || bad "tshark exited $?"
grep -m 3 -E "AddressSanitizer|runtime error:|Dissector bug" "$work/stderr" >&2 &&
    bad "sanitizer report or dissector bug"
# The trust engine's decision, as the plugin shows it: TVS_CERT_MATCH, not TVS_CERT_NOT_IN_ITL.
grep -q '<field name="cucmtvs.rule.tvs_cert_match"' "$work/c.pdml" ||
    bad "no cucmtvs.rule.tvs_cert_match"
grep -q '<field name="cucmtvs.rule.tvs_cert_not_in_itl"' "$work/c.pdml" &&
    bad "cucmtvs.rule.tvs_cert_not_in_itl: the quoted issuer was not found in the ITL"

cur=rendering
# RFC 4514 in the PDML's XML escaping: \" is \&quot; and the backslash itself is \\.
want='CN=tvs \&quot;q\&quot;\, back\\slash,OU=TVS\; \&quot;Lab\&quot;,O=Cisco Systems\, Inc.,C=US'
grep -qF "name=\"cucmtvs.server_cert.subject\" showname=\"Subject: $want\"" "$work/c.pdml" ||
    bad "server certificate subject not CN first: $(grep -o 'name="cucmtvs.server_cert.subject" showname="[^"]*"' "$work/c.pdml")"
grep -qF "TVS, $want\"" "$work/c.pdml" ||
    bad "TVS record summary not CN first: $(grep -o 'name="cucmtl.record" showname="[^"]*TVS[^"]*"' "$work/c.pdml")"

[ $fail -eq 0 ] && echo "ok: quoted issuer matched, names shown CN first"
exit $fail
