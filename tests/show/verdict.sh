#!/usr/bin/env bash
# `pcapscan show`: the verdict block after the listing (signature, signing time, signer version,
# ITLRecovery, rollback, expired and expiring certificates), a file name before each listing when
# there are several, no "last modified" of the local file, and a --trust list that does not verify
# itself: exit 1 and said so, never "verified successfully". Lists made by sbdgen from the
# captures' test PKI (ccm-expired expired 2020-01-01, tvs-soon expires 2026-12-21).
# Usage: verdict.sh PCAPSCAN SBDGEN PKI
set -euo pipefail
PCAPSCAN=$1 SBDGEN=$2 PKI=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
NOW=2026-12-01T00:00:00Z
c() { echo "$PKI/$1.crt"; }
common=(--timestamp 1796083200 --signer-version 1.0)
"$SBDGEN" tl -o "$work/good.tlv" --signer "$PKI/ccm-a.key:$(c ccm-a)" "${common[@]}" \
    --record "SAST:$(c ccm-a)" --record "CCM+TFTP:$(c ccm-a)" --record "TVS:$(c tvs-soon):full" \
    --record "CAPF:$(c capf-a):certhash" --record "TFTP:$(c ccm-expired):full"
"$SBDGEN" tl -o "$work/rollback.tlv" --signer "$PKI/ccm-a.key:$(c ccm-a)" "${common[@]}" \
    --record "SAST:$(c ccm-a)"
"$SBDGEN" tl -o "$work/bad.tlv" --signer "$PKI/ccm-a.key:$(c ccm-a)" "${common[@]}" \
    --record "SAST:$(c ccm-a)" --record "CCM+TFTP:$(c ccm-a)" --sign-with "$PKI/ccm-b.key"
printf '<device/>\n' >"$work/cfg.xml"
"$SBDGEN" sgn -o "$work/cfg.sgn" --signer "$PKI/ccm-a.key:$(c ccm-a)" --in "$work/cfg.xml" \
    --timestamp 1796083200

has() { # OUTPUT-FILE PATTERN
    grep -qE "$2" "$1" || fail "no line matching [$2] in $1: $(grep -A12 '^-- verdict' "$1")"
}

# 1. The verdict block of a good ITL at the reference date.
rc=0
"$PCAPSCAN" show --now $NOW "$work/good.tlv" >"$work/good.out" || rc=$?
[ $rc = 0 ] || fail "good.tlv: exit $rc"
has "$work/good.out" $'^-- verdict$'
has "$work/good.out" $'^Signature:\tverified with record 1 of the file itself$'
has "$work/good.out" $'^Signed at:\t2026-12-01T00:00:00Z'
has "$work/good.out" $'^Signer version:\t1.0$'
has "$work/good.out" $'^Signer:\trecord 1, the CallManager certificate'
has "$work/good.out" $'^ITLRecovery records:\tnone \\(utils itl reset cannot recover'
has "$work/good.out" $'^Rollback ITL:\tno$'
has "$work/good.out" $'^Expired:\trecord 5 .*\\(not after 2020-01-01'
has "$work/good.out" $'^Expires soon:\trecord 3 .*\\(not after 2026-12-21T[0-9:]*Z, in 20 days\\)'
has "$work/good.out" $'^Certificates:\t2 valid beyond 30 days, 1 record\\(s\\) with a hash only'
grep -q 'last modified' "$work/good.out" && fail "the local file's time is still shown as 'last modified'"
# The verdict block follows the listing, not the other way round.
[ "$(grep -n '^-- verdict' "$work/good.out" | cut -d: -f1)" -gt "$(grep -n 'verified successfully' "$work/good.out" | cut -d: -f1)" ] ||
    fail "the verdict block is not after the listing"
# Ten years later nothing is merely expiring: everything with dates has expired.
"$PCAPSCAN" show --now 2040-01-01 "$work/good.tlv" >"$work/late.out"
has "$work/late.out" $'^Expired:\trecord 3 '
grep -q '^Expires soon:' "$work/late.out" && fail "expiring in 2040"
# JSON says the same.
j=$("$PCAPSCAN" show --json --now $NOW "$work/good.tlv" | jq -c '.trust_list | [.rollback, .expired_records, .expiring_records]')
[ "$j" = '[false,[5],[3]]' ] || fail "good.tlv JSON verdict: $j"
"$PCAPSCAN" show --now yesterday "$work/good.tlv" 2>"$work/err" && fail "--now yesterday accepted"
[ "$(wc -l <"$work/err")" = 1 ] && grep -q -- '--now' "$work/err" || fail "--now error: $(cat "$work/err")"

# 2. A rollback ITL is named as such.
"$PCAPSCAN" show --now $NOW "$work/rollback.tlv" >"$work/rollback.out"
has "$work/rollback.out" $'^Rollback ITL:\tyes: no CCM\\+TFTP, TFTP or TVS record'
[ "$("$PCAPSCAN" show --json "$work/rollback.tlv" | jq .trust_list.rollback)" = true ] || fail "rollback JSON"

# 3. Several files: each listing starts with its file name; one file: no name line (CUCM's layout).
"$PCAPSCAN" show --now $NOW "$work/good.tlv" "$work/rollback.tlv" >"$work/two.out"
[ "$(grep -c '^File: ' "$work/two.out")" = 2 ] || fail "two files: $(grep -c '^File: ' "$work/two.out") name lines"
[ "$(sed -n 1p "$work/two.out")" = "File: $work/good.tlv" ] || fail "first line: $(sed -n 1p "$work/two.out")"
grep -q "^File: $work/rollback.tlv\$" "$work/two.out" || fail "no name line for rollback.tlv"
grep -q '^File: ' "$work/good.out" && fail "a single file got a name line"

# 4. --trust with a good list: the .sgn verifies (exit 0); with a list that fails its own check:
#    exit 1, one stderr line, and the listing never says "verified successfully".
"$PCAPSCAN" show --trust "$work/good.tlv" "$work/cfg.sgn" >"$work/sgn.out" || fail "good --trust: exit $?"
has "$work/sgn.out" 'The signed file was verified successfully'
has "$work/sgn.out" $'^Signature:\tverified with record 2 of the --trust list$'
rc=0
"$PCAPSCAN" show --trust "$work/bad.tlv" "$work/cfg.sgn" >"$work/bad.out" 2>"$work/bad.err" || rc=$?
[ $rc = 1 ] || fail "--trust with a tampered list: exit $rc, expected 1"
grep -q 'verified successfully' "$work/bad.out" && fail "tampered --trust: 'verified successfully' printed"
has "$work/bad.out" $'^Signature:\tnot verified: the --trust list does not verify itself'
[ "$(wc -l <"$work/bad.err")" = 1 ] && grep -q "bad.tlv: the trust list itself does not verify" "$work/bad.err" ||
    fail "stderr for the tampered --trust: $(cat "$work/bad.err")"
j=$("$PCAPSCAN" show --json --trust "$work/bad.tlv" "$work/cfg.sgn" 2>/dev/null | jq -r '[.signature.status, .verified_against_signature] | @tsv' || true)
[ "$j" = $'not_checked\tinvalid' ] || fail "tampered --trust JSON: $j"
# 2 (unreadable) still wins over 1.
rc=0
"$PCAPSCAN" show --trust "$work/bad.tlv" "$work/cfg.sgn" "$work/missing.sgn" >/dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "tampered --trust and a missing file: exit $rc, expected 2"
echo "show verdict: ok"
