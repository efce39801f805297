#!/bin/bash
# check-captures.sh PLUGIN.so CAPTURES_DIR PCAPSCAN: the plugin on every scenario capture, against
# what CAPTURES_DIR/expected/<scenario>.txt says (written by captures/make-captures.sh, independent
# of this plugin), and against pcapscan. Per capture:
#  - tshark -2 (and with the scenario key log) shows no Malformed / dissector bug / sanitizer report;
#  - --export-objects tftp still exports every file whole (sha256 of each `tftp-file` line);
#  - the rule expert infos (P.rule.<rule>, one per rule of the rule table) fire where `fires` says
#    and stay silent where `silent` says;
#  - pcapscan and the plugin agree rule for rule: the set of (rule, severity) of pcapscan --json's
#    findings equals the set the plugin's expert infos name; every serial named by a finding's
#    message is written alike in the plugin's reason of that rule (the engine's one form); every
#    finding has the same full message at the same packet in both, and each rule the same number
#    of findings (plugin_findings, pcapscan_findings in lib.sh). One deliberate mismatch (the plugin's
#    expiry window set to 0 days on cert-expires-soon) must be reported as exactly that difference,
#    so the comparison can fail;
#  - the TLS server certificate on 2445 is read (`tls-cert` serial) and, when the ITL has a TVS
#    record for it, -Y 'cucmtl.record.function == "TVS"' selects the ITL transfer whose
#    cucmtl.record.serial list holds that serial; every record serial is a cert of CAPTURES_DIR/pki;
#  - `tvs-msg` lines: with the key log, cucmtvs decodes those message types, responses linked.
set -euo pipefail
capdir=$(realpath "$2")
cur=setup
. "$(dirname "$0")/lib.sh"

pcapscan=$3
# Expert abbreviation (extended regex) of a rule: every protocol registers one expert info per rule
# of the rule table, named <protocol>.rule.<rule in lower case> (dissector/README.md). CAPTURE_TRUNCATED
# is no decision of the trust engine: Wireshark reports a capture cut short itself.
rule_ei() {
    [ "$1" = CAPTURE_TRUNCATED ] && return
    echo "cucm(tl|sgn|tvs)\\.rule\\.$(tr 'A-Z' 'a-z' <<<"$1")"
}

# rule_diff PCAPSCAN_SET PLUGIN_SET: one line per difference ("pcapscan only: R/s", "plugin only: R/s").
rule_diff() {
    comm -3 <(echo "$1" | grep .) <(echo "$2" | grep .) |
        sed 's/^\t/plugin only: /; /^plugin only: /!s/^/pcapscan only: /'
}

# "RULE xN" per rule of findings lines on stdin, sorted as comm wants them.
rule_counts() {
    { cut -f1 | grep . || true; } | sort | uniq -c | awk '{ print $2 " x" $1 }' | sort
}

# Serials (lowercase, colon separated, as FT_BYTES SEP_COLON prints them) of every PKI cert.
pki_serials=$work/pki-serials
for c in "$capdir"/pki/*.der; do
    [ -e "$c" ] || continue
    s=$(openssl x509 -inform DER -in "$c" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f')
    [ $((${#s} % 2)) -eq 0 ] || s=0$s
    echo "$s" | sed 's/../&:/g; s/:$//'
done | sort -u >"$pki_serials"

colon_lower() { tr 'A-F' 'a-f' <<<"$1" | sed 's/../&:/g; s/:$//'; }

# Values of field $1 in PDML on stdin.
field_values() {
    { grep -o "<field name=\"$1\" [^>]* show=\"[^\"]*\"" || true; } | sed 's/.* show="//; s/"$//'
}

# Record serials of every packet whose trust list has a TVS record (function 21).
tvs_itl_serials() {
    awk '/<packet>/ { tvs = 0; n = 0 }
         /<field name="cucmtl.record.function" .* show="21"/ { tvs = 1 }
         /<field name="cucmtl.record.serial" / { match($0, / show="[^"]*"/)
             ser[n++] = substr($0, RSTART + 7, RLENGTH - 8) }
         /<\/packet>/ { if (tvs) for (i = 0; i < n; i++) print ser[i] }'
}

# Packets where TVS responses (types 2, 4) outnumber cucmtvs.response_to links.
unlinked_responses() {
    awk '/<packet>/ { r = 0; l = 0 }
         /<field name="cucmtvs.type" .* show="[24]"/ { r++ }
         /<field name="cucmtvs.response_to" / { l++ }
         /<\/packet>/ { if (r > l) print }' | wc -l
}

# dissect OUT.pdml TSHARK-ARGS...: the whole dissection once (PDML names every field and expert
# info, with values); no malformed packets, no dissector bugs, no sanitizer reports.
dissect() {
    local out=$1
    shift
    local rc=0
    ts_run "$out" "$work/stderr" "$@" -T pdml || rc=$?
    # A capture cut short is reported with a non-zero status (the `truncated` scenario); anything
    # else, and any death by a signal, is a failure.
    if [ "$rc" -ge 128 ] ||
        { [ "$rc" -ne 0 ] && ! grep -q 'cut short in the middle of a packet' "$work/stderr"; }; then
        bad "tshark exited $rc: $(tail -3 "$work/stderr")"
    fi
    grep -q "<packet>" "$out" || bad "no packets dissected: $(head -3 "$work/stderr")"
    if grep -m 5 -E "AddressSanitizer|runtime error:|Dissector bug" "$work/stderr" >&2; then
        bad "sanitizer report or dissector bug on stderr"
    fi
    if grep -m 5 -E 'name="_ws.malformed|Dissector bug' "$out" >&2; then
        bad "malformed packet or dissector bug in the tree"
    fi
}

check_capture() { # CAPTURE KEYLOG(optional) EXPECTED
    local pcap=$work/$(basename "$1") key= exp=$3 pdml=$work/out.pdml names
    cp "$1" "$pcap"
    chmod 644 "$pcap"
    if [ -n "$2" ]; then
        key=$work/$(basename "$2")
        cp "$2" "$key"
        chmod 644 "$key"
    fi
    # Rules describe what a passive observer sees, so they are checked without the key log; TVS
    # messages need it. tshark start-up costs more than these small captures: the pass without
    # the key log also writes the TFTP objects (section 3).
    local opts=(-r "$pcap") keyed=$work/keyed.pdml eo=$work/eo
    rm -rf "$eo"
    mkdir -m 777 "$eo"
    # Two passes: decisions the engine takes at the end of the capture (a list no TVS session
    # settled, a transfer that never finished) are shown from the second pass on.
    dissect "$pdml" -2 "${opts[@]}" --export-objects "tftp,$eo"
    cp "$work/stderr" "$work/plain.stderr"
    if [ -n "$key" ]; then
        dissect "$keyed" "${opts[@]}" -o "tls.keylog_file:$key"
    fi
    names=$(grep -o '<field name="[^"]*"' "$pdml" | sort -u | sed 's/<field name="//; s/"$//')

    # 2. Expert infos of the audit rules we map fire where `fires` says, nowhere `silent` says.
    local line rule
    while read -r line; do
        case $line in
        fires\ *)
            for rule in ${line#fires }; do
                ei=$(rule_ei "$rule")
                [ -z "$ei" ] && continue
                grep -qxE "$ei" <<<"$names" || bad "rule $rule should fire: expert $ei absent"
            done
            ;;
        silent\ *)
            for rule in ${line#silent }; do
                ei=$(rule_ei "$rule")
                [ -z "$ei" ] && continue
                if grep -qxE "$ei" <<<"$names"; then
                    bad "rule $rule should be silent: expert $ei present"
                fi
            done
            ;;
        esac
    done <"$exp"

    # 2b. pcapscan and the plugin agree rule for rule (a capture cut short is Wireshark's report).
    local want got diff
    want=$(pcapscan_rules "$pcap")
    got=$(plugin_rules <"$pdml")
    if grep -q 'cut short in the middle of a packet' "$work/plain.stderr"; then
        got=$(printf '%s\nCAPTURE_TRUNCATED/warning\n' "$got" | grep . | sort -u)
    fi
    diff=$(rule_diff "$want" "$got")
    [ -z "$diff" ] || bad "pcapscan and the plugin disagree: $(echo $diff)"
    agreed=$((agreed + 1))

    # 2c. Serials: the plugin shows the engine's reasons as pcapscan prints them, so every serial a
    #     finding names is written alike (sbd_hex_serial) by both front ends.
    want=$(pcapscan_serials)
    got=$(plugin_serials <"$pdml")
    diff=$(rule_diff "$want" "$got")
    [ -z "$diff" ] || bad "serials written differently: $(echo $diff)"
    [ -z "$want" ] || serials=$((serials + $(wc -l <<<"$want")))

    # 2d. Findings: the same number of each rule, each with the same full message at the same
    #     packet (the engine writes every word, names held lists by their request, and decides
    #     what repeats a finding, for both front ends).
    want=$(pcapscan_findings)
    got=$(plugin_findings <"$pdml")
    if [ "$want" != "$got" ]; then
        diff=$(rule_diff "$(rule_counts <<<"$want")" "$(rule_counts <<<"$got")")
        [ -z "$diff" ] || bad "findings per rule differ: $(echo $diff)"
        bad "messages differ:$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' |
            sed 's/^</ pcapscan:/; s/^>/ plugin:/' | head -6 | tr '\n' ' ')"
    fi
    [ -z "$want" ] || messages=$((messages + $(wc -l <<<"$want")))

    # 3. Export Objects unharmed: every transferred file comes out whole (a name fetched twice is
    #    exported twice, the second as NAME(1).ext, so compare the multisets of digests).
    want=$({ grep '^tftp-file ' "$exp" || true; } | cut -d' ' -f3 | sort)
    got=$(find "$eo" -type f -exec sha256sum {} + | cut -d' ' -f1 | sort)
    [ "$want" = "$got" ] || bad "--export-objects tftp: digests differ: want [$want] got [$got]"

    # 4. TLS server certificate on the TVS port; ITL transfers with a TVS record hold its serial;
    #    every record serial is a certificate of captures/pki.
    local serial srv itl s
    srv=$(field_values cucmtvs.server_cert.serial <"$pdml")
    itl=$(tvs_itl_serials <"$pdml")
    while read -r _ port serial _; do
        [ "$port" = 2445 ] || continue
        s=$(colon_lower "$serial")
        grep -qx "$s" <<<"$srv" || bad "server cert serial $s not read (got: $srv)"
        if grep -q '^fires .*TVS_CERT_MATCH' "$exp"; then
            grep -qx "$s" <<<"$itl" ||
                bad "no ITL transfer with a TVS record (function == \"TVS\") lists serial $s"
        fi
    done < <(grep '^tls-cert ' "$exp")
    for s in $(field_values cucmtl.record.serial <"$pdml" | sort -u); do
        grep -qx "$s" "$pki_serials" || bad "record serial $s is no certificate of captures/pki"
    done

    # TLS 1.3 hides the server certificate: nothing to compare without keys, and no guessing.
    if grep -q '^tls-hidden 2445' "$exp"; then
        [ -z "$srv" ] || bad "server certificate reported although TLS 1.3 hides it: $srv"
        if [ -n "$key" ]; then
            [ -n "$(field_values cucmtvs.server_cert.serial <"$keyed")" ] ||
                bad "with the key log the TLS 1.3 server certificate is still not checked"
        fi
    fi

    # 5. TVS messages (visible with the key log): the types the phone sent, responses linked.
    if [ -n "$key" ] && grep -q '^tvs-msg ' "$exp"; then
        local types t n
        types=$(field_values cucmtvs.type <"$keyed" | sort -u)
        for t in $({ grep '^tvs-msg ' "$exp" || true; } | cut -d' ' -f2 | sort -u); do
            grep -qx "$((10#$t))" <<<"$types" ||
                bad "TVS message type $t not decoded (got: $(echo $types))"
        done
        n=$(unlinked_responses <"$keyed")
        [ "$n" -eq 0 ] || bad "$n packets with TVS responses lacking cucmtvs.response_to"
    fi
}

shopt -s nullglob
scenarios=("$capdir"/expected/*.txt)
[ ${#scenarios[@]} -gt 0 ] || {
    echo "no scenario descriptions in $capdir/expected" >&2
    exit 77
}
checked=0 agreed=0 serials=0 messages=0
for exp in "${scenarios[@]}"; do
    keylog=$(awk '$1 == "keylog" { print $2; exit }' "$exp")
    [ -z "$keylog" ] || keylog=$capdir/$keylog
    [ -z "$keylog" ] || [ -f "$keylog" ] || keylog=
    while read -r _ file _; do
        cur="$(basename "$exp" .txt)/$file"
        if [ ! -f "$capdir/$file" ]; then
            bad "capture missing"
            continue
        fi
        check_capture "$capdir/$file" "$keylog" "$exp"
        checked=$((checked + 1))
    done < <(grep '^capture ' "$exp")
done
# The text tree (tshark -V) of the healthy boot: trust list with records and X.509 trees, signed
# config handed to the XML dissector, TVS messages and the server-certificate check.
cur=healthy/-V
if [ -f "$capdir/healthy.pcap" ] && [ -f "$capdir/healthy.keylog" ]; then
    cp "$capdir/healthy.pcap" "$capdir/healthy.keylog" "$work/"
    chmod 644 "$work/healthy.pcap" "$work/healthy.keylog"
    tree=$(ts -r "$work/healthy.pcap" -o "tls.keylog_file:$work/healthy.keylog" -V 2>&1 || true)
    for want in "Cisco UCM Trust List (ITL/CTL), ITL, " "Function: TVS (21)" \
        "Function: System Administrator Security Token (0)" "[Signature valid: True]" \
        "signedCertificate" "Cisco UCM Signed File, sgn" "eXtensible Markup Language" \
        "Cisco UCM Trust Verification Service, Verify request" "Device name: CP-8861-SEP" \
        "Status: Trusted (valid) (0)" "[Outcome: in_list]" "[Rule: TVS_CERT_MATCH]" \
        "[Judged against the list of frame: "; do
        grep -qF -- "$want" <<<"$tree" || bad "tshark -V lacks '$want'"
    done
    # Two passes link the request forward to its response too.
    links=$(ts -2 -r "$work/healthy.pcap" -o "tls.keylog_file:$work/healthy.keylog" \
        -Y 'cucmtvs.response_in' -T fields -e cucmtvs.response_in 2>/dev/null)
    [ -n "$links" ] || bad "no cucmtvs.response_in with -2"
    # Preferences: another TVS port leaves 2445 alone; verification can be switched off. The two
    # preferences touch different protocols, so one run with both checks both.
    rows=$(ts -r "$work/healthy.pcap" -o "tls.keylog_file:$work/healthy.keylog" \
        -o cucmtvs.tcp_ports:2446 -o cucmtl.verify_signatures:FALSE \
        -Y 'cucmtvs || cucmtl.signature_valid || cucmsgn.signature_valid' -T fields \
        -e frame.number -e frame.protocols -e cucmtl.signature_valid -e cucmsgn.signature_valid \
        2>/dev/null)
    n=$(awk -F'\t' '$2 ~ /(^|:)cucmtvs(:|$)/' <<<"$rows" | wc -l)
    [ "$n" -eq 0 ] || bad "cucmtvs still on 2445 with tcp_ports 2446 ($n packets)"
    n=$(awk -F'\t' '$3 != "" || $4 != ""' <<<"$rows" | wc -l)
    [ "$n" -eq 0 ] || bad "signatures still checked with verify_signatures FALSE"
    [ -z "$rows" ] || echo "packets still matching with both preferences off: $rows" >&2
    checked=$((checked + 1))
fi
# The comparison can fail: with the plugin's expiry window at 0 days, cert-expires-soon must differ
# from pcapscan by exactly its CERT_EXPIRES_SOON finding.
cur=cert-expires-soon/mismatch
if [ -f "$capdir/cert-expires-soon.pcap" ]; then
    cp "$capdir/cert-expires-soon.pcap" "$work/"
    chmod 644 "$work/cert-expires-soon.pcap"
    dissect "$work/mismatch.pdml" -2 -r "$work/cert-expires-soon.pcap" -o cucmtl.expiry_warning_days:0
    diff=$(rule_diff "$(pcapscan_rules "$work/cert-expires-soon.pcap")" "$(plugin_rules <"$work/mismatch.pdml")")
    [ "$diff" = "pcapscan only: CERT_EXPIRES_SOON/warning" ] ||
        bad "a deliberate mismatch was not reported as such: '$diff'"
fi
cur=summary
[ $checked -gt 0 ] || bad "no capture checked"
[ $serials -gt 0 ] || bad "no serial of a finding compared"
[ $messages -gt 0 ] || bad "no finding's message compared"
[ $fail -eq 0 ] && echo "ok: $checked captures, $agreed agree with pcapscan rule for rule," \
    "$serials serials of findings written alike, $messages findings with the same message"
exit $fail
