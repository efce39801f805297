#!/usr/bin/env bash
# `pcapscan show` names the ITLRecovery records of a trust list and who signed it (CallManager:
# CUCM 8.x-11.5; ITLRecovery: 12.0+ or a bulk reset; a token), in text and in --json. Lists made by
# sbdgen from the captures' test PKI.
# Usage: itl-recovery.sh PCAPSCAN SBDGEN PKI
set -euo pipefail
PCAPSCAN=$1 SBDGEN=$2 PKI=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
c() { echo "$PKI/$1.crt"; }
tl() { # OUT SIGNER [--ctl] RECORD...
    local out=$1 sgn=$2 args=()
    shift 2
    for r in "$@"; do
        if [ "$r" = --ctl ]; then args+=(--ctl); else args+=(--record "${r%%:*}:$(c "${r#*:}")"); fi
    done
    "$SBDGEN" tl -o "$work/$out" --signer "$PKI/$sgn.key:$(c "$sgn")" --timestamp 1796083200 "${args[@]}"
}
tl itl11.tlv ccm-a SAST:ccm-a CCM+TFTP:ccm-a SAST:itlrec-a TVS:tvs-a
tl itl12.tlv itlrec-a SAST:itlrec-a CCM+TFTP:ccm-a TVS:tvs-a
tl itl8.tlv ccm-a SAST:ccm-a CCM+TFTP:ccm-a TVS:tvs-a
tl ctl.tlv etoken1 --ctl SAST:etoken1 SAST:etoken2 CCM+TFTP:ccm-a

expect() { # FILE PATTERN...: each pattern is a line of the text output
    local f=$1 out
    shift
    out=$("$PCAPSCAN" show "$work/$f") || fail "$f: exit $?"
    for p in "$@"; do
        grep -qE "$p" <<<"$out" || fail "$f: no line matching [$p] in: $(tail -3 <<<"$out")"
    done
}
expect itl11.tlv $'^ITLRecovery records:\trecord 3 .*CN=ITLRECOVERY_cucm-a-pub.example' \
    $'^Signer:\trecord 1, the CallManager certificate \\(how CUCM 8.x-11.5'
expect itl12.tlv $'^ITLRecovery records:\trecord 1 ' $'^Signer:\trecord 1, the ITLRecovery certificate \\(how CUCM 12.0\\+'
expect itl8.tlv $'^ITLRecovery records:\tnone \\(utils itl reset cannot' $'^Signer:\trecord 1, the CallManager'
expect ctl.tlv $'^ITLRecovery records:\tnone$' $'^Signer:\trecord 1, a security token'

json() { "$PCAPSCAN" show --json "$work/$1" | jq -c '.trust_list | {itl_recovery_records, signer_kind}'; }
[ "$(json itl11.tlv)" = '{"itl_recovery_records":[3],"signer_kind":"callmanager"}' ] || fail "itl11 json: $(json itl11.tlv)"
[ "$(json itl12.tlv)" = '{"itl_recovery_records":[1],"signer_kind":"itl_recovery"}' ] || fail "itl12 json: $(json itl12.tlv)"
[ "$(json ctl.tlv)" = '{"itl_recovery_records":[],"signer_kind":"sast"}' ] || fail "ctl json: $(json ctl.tlv)"
echo "show itl-recovery: ok"
