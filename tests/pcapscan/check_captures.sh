#!/usr/bin/env bash
# check_captures.sh CAPTURES_DIR WORK: runs pcapscan --json on every scenario capture named by
# CAPTURES_DIR/expected/*.txt (see captures/make-captures.sh) and checks, with jq, that every rule
# of its "fires" line fires, none of its "silent" line does, a "finding-says" rule has a finding whose
# message holds the text, every served file was rebuilt with the
# expected SHA-256 and size (and extracted byte-identical), "not found" requests are reported as
# such, and every expected TLS certificate is reported with its serial. Exit 77 (skip) when no
# scenario is committed yet. Env: PCAPSCAN.
set -uo pipefail

caps=$1
work=$2
NOW=2026-12-01T00:00:00Z
failures=0
checked=0

shopt -s nullglob
expected=("$caps"/expected/*.txt)
if [ ${#expected[@]} -eq 0 ]; then
  echo "no captures/expected/*.txt yet: skipping"
  exit 77
fi

bad() {
  echo "FAIL $1: $2" >&2
  failures=$((failures + 1))
}

# Every expectation line of EXPECTED against pcapscan's records, in one jq run per capture (jq
# start-up, not the checks, was the cost): one message per unmet expectation.
# shellcheck disable=SC2016 # a jq program, not shell
CHECK_JQ='
def rec(f): any($out[]; f);
def file(n): .type == "file" and .name == n;
($exp | split("\n")[] | [splits("[ \t]+")] | map(select(length > 0))) as $w
| select($w | length > 0)
| $w[0] as $kw
| if $kw == "fires" then
    $w[1:][] as $r | select(rec(.type == "finding" and .rule == $r) | not) | "\($r) did not fire"
  elif $kw == "silent" then
    $w[1:][] as $r | [$out[] | select(.type == "finding" and .rule == $r) | .message] as $m
    | select($m | length > 0) | "\($r) fired: \($m[0])"
  elif $kw == "finding-says" then
    ($w[2:] | join(" ")) as $t
    | select(rec(.type == "finding" and .rule == $w[1] and (.message | contains($t))) | not)
    | "no \($w[1]) finding says \"\($t)\""
  elif $kw == "tftp-file" or $kw == "http-file" then
    ($w[3] | tonumber) as $z
    | select(rec(file($w[1]) and .complete and .sha256 == $w[2] and .size == $z) | not)
    | "\($w[1]) not rebuilt with sha256 \($w[2]) size \($w[3])"
  elif $kw == "tftp-not-found" or $kw == "http-not-found" then
    select(rec(file($w[1]) and .status == "not_found") | not)
    | "\($w[1]) not reported as not found"
  elif $kw == "tftp-incomplete" or $kw == "http-incomplete" then
    select(rec(file($w[1]) and (.complete | not)) | not) | "\($w[1]) not reported as incomplete"
  elif $kw == "tls-cert" then
    ($w[1] | tonumber) as $p
    | ([$out[] | select(.type == "cert" and .serial == $w[2]) | .sha256]) as $c
    | select(rec(.type == "tls_cert" and .server_port == $p and (.sha256 as $h | $c | index([$h]))) | not)
    | "no certificate with serial \($w[2]) on port \($w[1])"
  else empty end'

check_capture() { # EXPECTED CAPTURE
  local exp=$1 cap=$2 name out json x msgs msg kw fname sha
  name=$(basename "$cap")
  out=$work/$name
  json=$out.json
  x=$out.extract
  rm -rf "$x"
  "$PCAPSCAN" --json --now "$NOW" --extract "$x" "$cap" >"$json" 2>"$out.stderr"
  local rc=$?
  if [ $rc -eq 2 ] || ! jq -e . "$json" >/dev/null 2>&1; then
    bad "$name" "pcapscan failed (exit $rc): $(head -3 "$out.stderr")"
    return
  fi
  checked=$((checked + 1))
  if ! msgs=$(jq -n -r --slurpfile out "$json" --rawfile exp "$exp" "$CHECK_JQ" 2>&1); then
    bad "$name" "expectations not checked: $msgs"
    return
  fi
  while IFS= read -r msg; do
    [ -z "$msg" ] || bad "$name" "$msg"
  done <<<"$msgs"
  # Served files are extracted byte-identical, named SHA-NAME.
  while read -r kw fname sha _; do
    case $kw in
    tftp-file | http-file)
      local xf="$x/$sha-$fname"
      if [ ! -f "$xf" ]; then
        bad "$name" "$fname not extracted as $sha-$fname"
      elif [ "$(sha256sum <"$xf" | cut -c1-64)" != "$sha" ]; then
        bad "$name" "extracted $fname differs from the served file"
      fi
      ;;
    esac
  done <"$exp"
}

mkdir -p "$work"
for exp in "${expected[@]}"; do
  while read -r kw cap _; do
    [ "$kw" = capture ] || continue
    if [ -f "$caps/$cap" ]; then
      check_capture "$exp" "$caps/$cap"
    else
      bad "$cap" "named by $(basename "$exp") but not committed"
    fi
  done <"$exp"
done
echo "checked $checked capture(s), $failures failure(s)"
[ $failures -eq 0 ]
