#!/bin/bash
# check-conventions.sh PLUGIN.so CAPTURES_DIR ITL AUDIT_H: the plugin follows Wireshark users'
# habits (issue "Reports an engineer reads at a glance", plugin conventions):
#  - expert: every expert info summary of the plugin is a constant string per expert field (the
#    rule's title from AUDIT_H, or the field's registered text), so `tshark -z expert` groups
#    them: one row per (severity, group, protocol, summary), the same rule in two frames with
#    different servers, or the same damage at two offsets, counted as one row of frequency 2;
#  - info: the Info column of a TLS server hello on a watched port says the verdict, also where
#    no rule fires ("CAPF certificate in the held list");
#  - serials: one serial format in the whole tree and Info, the core's (sbd_hex_serial: uppercase
#    hex bytes joined by colons, as CUCM's show itl prints them), the engine's reasons included and
#    shown as the engine wrote them (dissector.captures compares them with pcapscan's messages);
#  - labels: no field we decode is labelled "unknown" (only the items for tags we do not know);
#  - info-consistency: cucmtl and cucmsgn word Info alike: " [what, signature STATUS, title]";
#  - ports: TLS on 3804 and files over HTTP 6970 reach the engine; Decode As gives a port back;
#    the preference cucmtl.http_ports moves the HTTP hook; disabling cucmtvs or cucmtl stops the
#    checks and keeps TLS and HTTP.
set -euo pipefail
capdir=$(realpath "$2")
itl=$3
audit_h=$4
cur=setup
. "$(dirname "$0")/lib.sh"

for c in healthy tvs-mismatch capf-regen capf-regen-stale https-tftp-not-in-itl sgn-signer-not-in-itl \
    ecdsa-sip tampered-itl; do
    cp "$capdir/$c.pcap" "$work/"
    chmod 644 "$work/$c.pcap"
done
cp "$capdir/healthy.keylog" "$work/"
chmod 644 "$work/healthy.keylog"

# ---- expert --------------------------------------------------------------------------------------
cur=expert
# The constant summaries: each rule's title (the second string of its SBD_RULE_MAP row) and the
# plugin's other expert infos as registered.
titles=$(grep -o 'X([A-Z_]*, [A-Z]*, "[^"]*"' "$audit_h" | sed 's/.*, "//; s/"$//')
[ "$(wc -l <<<"$titles")" -ge 20 ] || bad "rule titles not read from $audit_h"
others='Malformed element
Unknown element tag
Unknown record tag
Malformed record element
Malformed TVS message
Unknown TVS element
TVS answered: certificate not trusted
Response without a request in this capture'
# Damage at two different places of two transfers (the parse error names another offset each).
size=$(stat -c %s "$itl")
head -c $((size * 6 / 10)) "$itl" >"$work/cut1.tlv"
head -c $((size * 7 / 10)) "$itl" >"$work/cut2.tlv"
tftp_pcap "$work/cut1.pcap" ITLFile.tlv "$work/cut1.tlv"
tftp_pcap "$work/cut2.pcap" ITLSEP0011223344FF.tlv "$work/cut2.tlv"
mergecap -a -w "$work/merged.pcap" "$work/tvs-mismatch.pcap" "$work/https-tftp-not-in-itl.pcap" \
    "$work/capf-regen-stale.pcap" "$work/sgn-signer-not-in-itl.pcap" "$work/cut1.pcap" \
    "$work/cut2.pcap"
chmod 644 "$work/merged.pcap"
ex=$(ts -2 -q -z expert -r "$work/merged.pcap" 2>"$work/stderr") || bad "tshark -z expert failed"
# Rows "FREQUENCY GROUP PROTOCOL SUMMARY" of our protocols, with the severity section in front.
rows=$(awk '/^(Errors|Warns|Notes|Chats|Comments) \(/ { sev = $1 }
            $3 ~ /^CUCM/ && $1 ~ /^[0-9]+$/ { s = $0; sub(/^ *[0-9]+ +[^ ]+ +[^ ]+ +/, "", s)
                                              print sev "\t" $1 "\t" $3 "\t" s }' <<<"$ex")
[ -n "$rows" ] || bad "no expert infos of the plugin in: $ex"
dups=$(cut -f1,3,4 <<<"$rows" | sort | uniq -d)
[ -z "$dups" ] || bad "the same summary in several rows (not grouped): $dups"
while IFS=$'\t' read -r sev freq proto summary; do
    grep -qxF -- "$summary" <<<"$titles" || grep -qxF -- "$summary" <<<"$others" ||
        bad "$sev/$proto: summary '$summary' is no constant summary of the plugin"
done <<<"$rows"
want_row() { # SEVERITY PROTOCOL FREQUENCY SUMMARY
    grep -qxF -- "$1	$3	$2	$4" <<<"$rows" ||
        bad "want '$4' ($2, $1) $3 times in one row; the plugin's rows: $(echo "$rows" | tr '\t\n' ' ;')"
}
want_row Warns CUCMTVS 2 "HTTPS TFTP certificate not in the held ITL"
want_row Errors CUCMTL 2 "Malformed element"
want_row Errors CUCMTVS 1 "TVS certificate not in the held ITL"

# ---- info ----------------------------------------------------------------------------------------
cur=info
# tls.handshake.type 2: ServerHello; every one from a watched port says its verdict.
hello() { # CAPTURE: "frame<TAB>Info" of the server hellos of watched ports
    ts -2 -r "$work/$1.pcap" -Y 'tls.handshake.type == 2 && tcp.srcport in {2443, 2445, 3804, 5061, 6971, 6972}' \
        -T fields -e frame.number -e _ws.col.Info 2>/dev/null || true
}
want_info() { # CAPTURE VERDICT
    local got
    got=$(hello "$1")
    [ -n "$got" ] || bad "$1: no server hello on a watched port"
    grep -qF -- "[$2]" <<<"$got" || bad "$1: Info lacks '[$2]': $got"
    awk -F'\t' '$2 !~ /\[[^]]+\]$/' <<<"$got" | grep . && bad "$1: a server hello without a verdict"
    true
}
want_info healthy "TVS certificate matches the held ITL"
want_info tvs-mismatch "TVS certificate not in the held ITL"
want_info capf-regen "CAPF certificate in the held list"
want_info capf-regen-stale "CAPF certificate not in the held lists"
want_info ecdsa-sip "SIP TLS certificate in the held list"
want_info https-tftp-not-in-itl "HTTPS TFTP certificate not in the held ITL"

# ---- serials -------------------------------------------------------------------------------------
cur=serials
# Every serial the plugin writes: item texts "serial X", the engine's reasons, the serial fields
# ("Serial number: X", "Signer serial number: X"). Wireshark's own x509 tree (serialNumber: 0x..)
# is not the plugin's.
for c in healthy tvs-mismatch capf-regen-stale https-tftp-not-in-itl; do
    key=()
    [ "$c" = healthy ] && key=(-o "tls.keylog_file:$work/healthy.keylog")
    tree=$(ts -2 -r "$work/$c.pcap" "${key[@]}" -V 2>/dev/null)
    serials=$(grep -o -E '(serial|[Ss]erial number:) [^ ,;)]+' <<<"$tree" | sed 's/.* //' | sort -u)
    [ "$(wc -l <<<"$serials")" -ge 2 ] || bad "$c: too few serials found ($serials)"
    odd=$(grep -v -x -E '([0-9A-F]{2}:)*[0-9A-F]{2}' <<<"$serials" || true)
    [ -z "$odd" ] || bad "$c: serials not colon-separated uppercase hex: $(echo $odd)"
done
# The engine's reasons name the served serial in that form (8A:3E:1A:7B:DA:A6:4D:84).
reasons=$(ts -2 -r "$work/tvs-mismatch.pcap" -T fields -e cucmtvs.trust.reason 2>/dev/null)
grep -qE 'serial ([0-9A-F]{2}:){3,}[0-9A-F]{2}\)' <<<"$reasons" ||
    bad "tvs-mismatch: no reason names the served serial in the core's form: $reasons"

# ---- labels --------------------------------------------------------------------------------------
cur=labels
# -G fields: "F<TAB>label<TAB>abbrev..." (expert infos too). Only what reports tags and elements we
# do not know may say unknown.
unknown=$(ts -G fields 2>/dev/null | awk -F'\t' '$1 == "F" && $3 ~ /^cucm/ && tolower($2) ~ /unknown/ &&
    $3 !~ /\.(unknown_tag|unknown_value|record\.unknown|unknown_tag\.expert|unknown_element)$/ {
        print $3 " (" $2 ")" }')
[ -z "$unknown" ] || bad "fields we decode labelled unknown: $(echo $unknown)"

# ---- info-consistency ----------------------------------------------------------------------------
cur=info-consistency
for c in healthy sgn-signer-not-in-itl tampered-itl ecdsa-sip; do
    info=$(ts -2 -r "$work/$c.pcap" -Y 'cucmtl || cucmsgn' -T fields -e _ws.col.Protocol \
        -e _ws.col.Info 2>/dev/null)
    grep -q . <<<"$info" || bad "$c: no trust list or signed file"
    while IFS=$'\t' read -r proto text; do
        case $proto in
        CUCMTL) re=' \[(ITL|CTL), [0-9]+ records(, signature [a-z_]+)?(, [^],]+)?\]$' ;;
        CUCMSGN) re=' \[(sgn|enc\.sgn)(, signature [a-z_]+)?(, [^],]+)?\]$' ;;
        *) continue ;;
        esac
        grep -qE "$re" <<<"$text" || bad "$c: $proto Info not worded as the other: '$text'"
    done <<<"$info"
done
grep -qF '[sgn, signature signer_unknown, Signed file'"'"'s signer not in the held list]' \
    <<<"$(ts -2 -r "$work/sgn-signer-not-in-itl.pcap" 2>/dev/null)" ||
    bad "sgn-signer-not-in-itl: Info lacks '[sgn, signature signer_unknown, <title>]'"

# ---- ports ---------------------------------------------------------------------------------------
cur=ports
# TLS is on every TLS port of the service table (3804 was HiQnet's) and files over HTTP 6970 reach
# the engine; Decode As gives a port back, as users expect, and takes the plugin's view with it.
# rules CAPTURE TSHARK-ARGS...: the rules (lower case) the plugin's expert infos name, in $got.
rules() {
    local c=$1 rc=0
    shift
    ts -2 -r "$work/$c.pcap" "$@" -T pdml >"$work/ports.pdml" 2>"$work/stderr" || rc=$?
    [ "$rc" -eq 0 ] && grep -q '<packet>' "$work/ports.pdml" ||
        bad "$c $*: tshark exited $rc: $(tail -2 "$work/stderr")"
    got=$({ grep -o '<field name="cucm[a-z]*\.rule\.[a-z_]*"' "$work/ports.pdml" || true; } |
        sed 's/.*\.rule\.//; s/"$//' | sort -u)
}
rules capf-regen-stale
grep -qx capf_cert_not_in_trust_list <<<"$got" || bad "capf-regen-stale: no CAPF rule on 3804"
rules capf-regen-stale -d tcp.port==3804,hiqnet
grep -q capf <<<"$got" && bad "capf-regen-stale: the CAPF rule still fires with 3804 as HiQnet"
rules https-tftp-not-in-itl
grep -qx tftp_https_cert_not_in_itl <<<"$got" ||
    bad "https-tftp-not-in-itl: the ITL over HTTP 6970 did not reach the engine"
# With the hook replaced by plain HTTP the ITL is not read, so 6971 has no list to be judged by.
rules https-tftp-not-in-itl -d tcp.port==6970,http
grep -q tftp_https <<<"$got" &&
    bad "https-tftp-not-in-itl: the ITL still reaches the engine with 6970 as plain HTTP"
# The preference moves the hook: elsewhere, then back with a second port.
rules https-tftp-not-in-itl -o cucmtl.http_ports:8080
grep -q tftp_https <<<"$got" && bad "https-tftp-not-in-itl: 6970 still watched with http_ports 8080"
rules https-tftp-not-in-itl -o cucmtl.http_ports:8080,6970
grep -qx tftp_https_cert_not_in_itl <<<"$got" ||
    bad "https-tftp-not-in-itl: 6970 not watched with http_ports 8080,6970"
# The hooks stand in for TLS and HTTP: disabling the plugin's protocols stops the checks, never
# the protocols under them.
rules capf-regen-stale --disable-protocol cucmtvs
grep -q capf <<<"$got" && bad "capf-regen-stale: the CAPF rule fires with cucmtvs disabled"
grep -q '<field name="tls.handshake.certificate"' "$work/ports.pdml" ||
    bad "capf-regen-stale: no TLS on 3804 with cucmtvs disabled"
rules https-tftp-not-in-itl --disable-protocol cucmtl
grep -q tftp_https <<<"$got" && bad "https-tftp-not-in-itl: the ITL reaches the engine with cucmtl disabled"
grep -q '<field name="http.response.code"' "$work/ports.pdml" ||
    bad "https-tftp-not-in-itl: no HTTP on 6970 with cucmtl disabled"

cur=summary
[ "$fail" -eq 0 ] && echo "ok: expert grouping, Info verdicts, one serial format, labels, Info wording, ports"
exit "$fail"
