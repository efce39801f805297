#!/bin/bash
# check-tvs-framing.sh PLUGIN.so CERT.der: TVS PDUs over plain TCP (Decode As tcp.port 2445 ->
# cucmtvs, as for a TLS-terminating proxy's capture), written with text2pcap: a request split over
# two segments, two responses in one segment (one with an unknown element, one without a request),
# and a PDU whose element runs past its end. Checks framing, request/response links, the X.509 tree
# of the certificate element, and that damage is an expert info, not an exception. Then the TLS
# server certificate on 2445 split over TCP segments (see the end).
set -euo pipefail
der=$2
. "$(dirname "$0")/lib.sh"

hex() { od -An -v -tx1 "$@" | tr -s ' \n' ' '; }
be16() { printf '%02x %02x' $(($1 >> 8)) $(($1 & 255)); }
elem() { # TAG HEXBYTES...
    local tag=$1 body n
    shift
    body=$*
    n=$(wc -w <<<"$body")
    echo "$(printf '%02x' "$tag") $(be16 "$n") $body"
}
pdu() { # TYPE FLAGS SESSION ELEMENT-HEX...
    local body n
    body=$(echo "${@:4}")
    n=$(wc -w <<<"$body")
    echo "57 01 $(printf '%02x %02x' "$1" "$2") $(printf '%08x' "$3" | sed 's/../& /g') $(be16 "$n") $body"
}
packet() { # DIRECTION(I client->server, O server->client) HEX...
    echo "$*" | tr -s ' ' '\n' | grep . | awk -v d="$1" 'NR > 1 { b[n++] = $0 }
        END { for (i = 0; i < n; i += 16) { line = sprintf("%s %06x", d, i)
                  for (j = i; j < i + 16 && j < n; j++) line = line " " b[j]; print line }
              print "" }'
}

device=$(elem 1 "01 $(printf 'CP-8861-SEP001122334455' | hex)")
cert=$(elem 2 "$(hex "$der")")
request=$(pdu 1 0 1001 "$device" "$cert")
response=$(pdu 2 247 1001 "$(elem 7 00)" "$(elem 8 07)" "$(elem 9 00 01 51 80)")
orphan=$(pdu 4 245 1002 "$(elem 7 01)" "$(elem 51 aa bb)")
broken="57 01 03 00 00 00 03 ea 00 06 01 00 ff 41 42 43"

req_words=($request)
{
    packet I "${req_words[@]:0:20}"
    packet I "${req_words[@]:20}"
    packet O $response $orphan
    packet I $broken
} >"$work/tvs.txt"
text2pcap -q -D -4 10.9.0.10,10.9.0.20 -T 2445,40000 "$work/tvs.txt" "$work/tvs.pcap" >/dev/null 2>&1
chmod 644 "$work/tvs.pcap"

opts=(-r "$work/tvs.pcap" -d tcp.port==2445,cucmtvs)
pdml=$(ts "${opts[@]}" -T pdml 2>"$work/stderr" || true)
grep -E "AddressSanitizer|runtime error:|Dissector bug" "$work/stderr" && bad "sanitizer report"
grep -qE 'Exception occurred|showname="\[Malformed Packet' <<<"$pdml" &&
    bad "an exception cut the dissection short"

# One -T fields run for framing and links (first four columns), device name and TTL.
all=$(ts "${opts[@]}" -Y cucmtvs -T fields -e frame.number -e cucmtvs.type \
    -e cucmtvs.session_id -e cucmtvs.response_to -e cucmtvs.device_name -e cucmtvs.ttl 2>/dev/null)
rows=$(cut -f1-4 <<<"$all")
want=$'2\t1\t1001\t\n3\t2,4\t1001,1002\t2\n4\t3\t1002\t'
[ "$rows" = "$want" ] || bad "framing/links: got
$rows
want
$want"

for f in cucmtvs.device_name cucmtvs.certificate x509af.serialNumber cucmtvs.status \
    cucmtvs.role cucmtvs.ttl cucmtvs.malformed cucmtvs.unknown_element cucmtvs.no_request \
    cucmtvs.not_trusted; do
    grep -q "<field name=\"$f\"" <<<"$pdml" || bad "field or expert $f missing"
done
# Columns 5 and 6 of the packets holding a PDU of type $1 (as -Y 'cucmtvs.type == $1' selects).
of_type() { awk -F'\t' -v t="$1" -v c="$2" '("," $2 ",") ~ ("," t ",") {print $c}' <<<"$all"; }
name=$(of_type 1 5)
[ "$name" = CP-8861-SEP001122334455 ] || bad "device name '$name'"
ttl=$(of_type 2 6)
[ "$ttl" = 86400 ] || bad "ttl '$ttl'"
role=$(ts "${opts[@]}" -Y 'cucmtvs.role == "APP-SERVER"' -T fields -e frame.number 2>/dev/null)
[ "$role" = 3 ] || bad "role APP-SERVER not found in frame 3 ('$role')"

# The TLS server certificate on the TVS port, no Decode As: a TLS 1.2 server flight (ServerHello,
# Certificate with CERT.der, ServerHelloDone) in one record split over three TCP segments, dated
# after the certificate's notAfter. It must be read after TCP reassembly both in an invisible tree
# (-T fields) and with no tree at all (-z expert: the trust engine's CERT_EXPIRED on the server
# certificate).
be24() { printf '%02x %02x %02x' $(($1 >> 16)) $((($1 >> 8) & 255)) $(($1 & 255)); }
words() { wc -w <<<"$*"; }
hello="03 03 $(printf '%.0s11 ' {1..32}) 00 00 3c 00"
c=$(hex "$der")
list="$(be24 "$(words $c)") $c"
certs="$(be24 "$(words $list)") $list"
hs="02 $(be24 "$(words $hello)") $hello 0b $(be24 "$(words $certs)") $certs 0e 00 00 00"
record=($(echo "16 03 03 $(be16 "$(words $hs)") $hs"))
third=$((${#record[@]} / 3))
{
    packet I "${record[@]:0:third}"
    packet I "${record[@]:third:third}"
    packet I "${record[@]:$((2 * third))}"
} >"$work/tls.txt"
text2pcap -q -D -4 10.9.0.10,10.9.0.20 -T 2445,40000 "$work/tls.txt" "$work/tls0.pcap" >/dev/null 2>&1
editcap -t 2000000000 "$work/tls0.pcap" "$work/tls.pcap"
chmod 644 "$work/tls.pcap"
serial=$(openssl x509 -inform DER -in "$der" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
[ $((${#serial} % 2)) -eq 0 ] || serial=0$serial
serial=$(sed 's/../&:/g; s/:$//' <<<"$serial")
got=$(ts -r "$work/tls.pcap" -T fields -e frame.number -e cucmtvs.server_cert.serial 2>/dev/null |
    awk -F'\t' '$2 != ""')
[ "$got" = "3	$serial" ] || bad "server certificate over 3 segments, -T fields: got '$got'"
experts=$(ts -r "$work/tls.pcap" -q -z expert 2>/dev/null)
grep -q 'Security  *CUCMTVS  *Certificate expired' <<<"$experts" ||
    bad "server certificate over 3 segments, no tree: no expiry expert in -z expert: $experts"

[ $fail -eq 0 ] && echo "ok: TVS framing, links, elements, X.509 tree, damage handling, server certificate over segments"
exit $fail
