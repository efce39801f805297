#!/usr/bin/env bash
# check_captures.sh CAPTURES_DIR WORK: runs pcapscan --json on every scenario capture named by
# CAPTURES_DIR/expected/*.txt (see captures/make-captures.sh) and checks, with jq, that every rule
# of its "fires" line fires, none of its "silent" line does, every served file was rebuilt with the
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

has_finding() { jq -s -e --arg r "$2" 'any(.[]; .type=="finding" and .rule==$r)' "$1" >/dev/null; }

check_capture() { # EXPECTED CAPTURE
  local exp=$1 cap=$2 name out json x line words
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
  while read -r -a words; do
    [ ${#words[@]} -gt 0 ] || continue
    case ${words[0]} in
    fires)
      for r in "${words[@]:1}"; do
        has_finding "$json" "$r" || bad "$name" "$r did not fire"
      done
      ;;
    silent)
      for r in "${words[@]:1}"; do
        if has_finding "$json" "$r"; then
          bad "$name" "$r fired: $(jq -r --arg r "$r" 'select(.type=="finding" and .rule==$r) | .message' "$json" | head -1)"
        fi
      done
      ;;
    tftp-file | http-file)
      local fname=${words[1]} sha=${words[2]} size=${words[3]}
      jq -s -e --arg n "$fname" --arg s "$sha" --argjson z "$size" \
        'any(.[]; .type=="file" and .name==$n and .complete and .sha256==$s and .size==$z)' \
        "$json" >/dev/null || bad "$name" "$fname not rebuilt with sha256 $sha size $size"
      local xf="$x/$sha-$fname"
      if [ ! -f "$xf" ]; then
        bad "$name" "$fname not extracted as $sha-$fname"
      elif [ "$(sha256sum <"$xf" | cut -c1-64)" != "$sha" ]; then
        bad "$name" "extracted $fname differs from the served file"
      fi
      ;;
    tftp-not-found | http-not-found)
      jq -s -e --arg n "${words[1]}" 'any(.[]; .type=="file" and .name==$n and .status=="not_found")' \
        "$json" >/dev/null || bad "$name" "${words[1]} not reported as not found"
      ;;
    tftp-incomplete | http-incomplete)
      jq -s -e --arg n "${words[1]}" 'any(.[]; .type=="file" and .name==$n and (.complete|not))' \
        "$json" >/dev/null || bad "$name" "${words[1]} not reported as incomplete"
      ;;
    tls-cert)
      local port=${words[1]} serial=${words[2]}
      jq -s -e --argjson p "$port" --arg s "$serial" \
        'any(.[]; .type=="tls_cert" and .server_port==$p and .serial==$s)' "$json" >/dev/null ||
        bad "$name" "no certificate with serial $serial on port $port"
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
