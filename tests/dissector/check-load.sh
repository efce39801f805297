#!/bin/sh
# check-load.sh PLUGIN.so [WIRESHARK_VERSION [AUDIT_H]]: tshark loads the built plugin, registers the three protocols
# and every contract field (filter names are public API: a rename must fail here), among them one expert info per
# rule of the rule table (AUDIT_H: common/include/sbd/audit.h) in each protocol.
set -eu
. "$(dirname "$0")/lib.sh"

# Exactly the symbols Wireshark's loader wants (ASan adds __odr_asan.* markers; ignore them): the
# four mandatory ones, plus plugin_describe from 4.2 on (without it -G plugins says "unknown").
want="plugin_register plugin_version plugin_want_major plugin_want_minor "
case ${2:-4.0} in
4.[01] | 4.[01].*) ;;
*) want="plugin_describe $want" ;;
esac
exports=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^__odr_asan' | sort | tr '\n' ' ')
[ "$exports" = "$want" ] || bad "exported symbols: $exports (want: $want)"

plugins=$(ts -G plugins 2>&1) || bad "tshark -G plugins failed"
echo "$plugins" | grep -q "^$(basename "$so")[[:space:]].*dissector" ||
    bad "plugin not listed by -G plugins: $plugins"

# -G fields lists the protocols too ("P<TAB>name<TAB>filter name"): one tshark start-up for both.
# Only our names are kept: grepping all of Wireshark's ~230000 fields once per name took longer than
# tshark itself.
registry=$(ts -G fields 2>/dev/null | awk -F'\t' '$3 ~ /^cucm/')
protocols=$(echo "$registry" | awk -F'\t' '$1 == "P" {print $3}')
for p in cucmtl cucmsgn cucmtvs; do
    echo "$protocols" | grep -qx "$p" || bad "protocol $p not registered"
done

fields=$(echo "$registry" | cut -f3)
for f in cucmtl.version cucmtl.header_length cucmtl.signer.name cucmtl.signer.serial \
    cucmtl.signer.issuer cucmtl.hash_algorithm cucmtl.signature cucmtl.filename cucmtl.timestamp \
    cucmtl.record.function cucmtl.record.subject cucmtl.record.issuer cucmtl.record.serial \
    cucmtl.record.cert_hash cucmtl.record.certificate cucmtl.signature_valid cucmtl.unknown_tag \
    cucmtl.record.dns_name cucmtl.record.ip cucmtl.record.public_key \
    cucmtl.record.hash_algorithm cucmtl.record.length \
    cucmsgn.version cucmsgn.header_length cucmsgn.signer.name cucmsgn.signer.serial \
    cucmsgn.signer.issuer cucmsgn.hash_algorithm cucmsgn.signature cucmsgn.filename \
    cucmsgn.timestamp cucmsgn.payload cucmsgn.signature_valid cucmsgn.enc.iv \
    cucmsgn.enc.pad_count cucmsgn.enc.wrapped_key cucmsgn.enc.plain_hash \
    cucmtvs.protocol cucmtvs.version cucmtvs.type cucmtvs.session_id cucmtvs.length \
    cucmtvs.device_name cucmtvs.certificate cucmtvs.status cucmtvs.role cucmtvs.ttl \
    cucmtvs.response_in cucmtvs.response_to cucmtvs.server_cert.serial \
    cucmtvs.server_cert.service cucmtl.rollback cucmtl.malformed cucmtvs.malformed \
    cucmtl.trust.outcome cucmtl.trust.reason cucmtl.trust.held_frame cucmtl.trust.rule \
    cucmsgn.trust.outcome cucmsgn.trust.reason cucmsgn.trust.held_frame cucmsgn.trust_list_frame \
    cucmtvs.trust.outcome cucmtvs.trust.reason cucmtvs.trust.held_frame cucmtvs.trust.record \
    cucmtvs.trust.cause_frame; do
    echo "$fields" | grep -qx "$f" || bad "field $f not registered"
done

# One expert info per rule of the rule table, in each protocol (<protocol>.rule.<rule>).
if [ -n "${3:-}" ]; then
    rules=$(sed -n 's/^ *X(\([A-Z_]*\), \(INFO\|WARNING\|ERROR\),.*/\1/p' "$3" | tr 'A-Z' 'a-z')
    [ "$(echo "$rules" | wc -w)" -ge 20 ] || bad "rule table not read from $3: $rules"
    for r in $rules; do
        for p in cucmtl cucmsgn cucmtvs; do
            echo "$fields" | grep -qx "$p.rule.$r" || bad "expert info $p.rule.$r not registered"
        done
    done
fi

# The value string users type in filters.
out=$(ts -G values 2>/dev/null | awk -F'\t' '$2 == "cucmtl.record.function" {print $3 "=" $4}')
for v in "0=System Administrator Security Token" "1=CCM" "2=CCM+TFTP" "3=TFTP" "4=CAPF" \
    "5=SRST" "7=APP-SERVER" "21=TVS"; do
    echo "$out" | grep -qx "$v" || bad "cucmtl.record.function lacks value $v"
done

# Preferences: TVS ports (default 2445), verification switch, expiry warning days, HTTP file ports.
prefs=$(ts -G defaultprefs 2>/dev/null | grep '^#cucm' || true)
for p in "cucmtvs.tcp_ports: 2445" "cucmtl.verify_signatures: TRUE" \
    "cucmtl.expiry_warning_days: 30" "cucmtl.http_ports: 6970"; do
    echo "$prefs" | grep -q "^#$p\$" || bad "default preference '$p' missing"
done

[ $fail -eq 0 ] && echo "ok: plugin loads, 3 protocols, contract fields and prefs registered"
exit $fail
