#!/usr/bin/env bash
# check-captures.sh: checks every committed capture against captures/expected/*.txt with tshark only,
# so that a changed capture, a changed expectation or a tshark that reads them differently is caught.
# It never regenerates anything (that is make-captures.sh, run by hand).
#   usage: check-captures.sh [--self-test] [CAPTURES_DIR]   exit 0 = all match, 1 = mismatch, 2 = setup
#   --self-test: on a scratch copy with one file hash, one serial and one capture altered, the check
#   must report exactly those three mismatches (proves the check can fail). The copy holds only the
#   two scenarios altered, with one capture each: the unaltered rest is what the plain run checks.
set -uo pipefail

if [ "${1:-}" = "--self-test" ]; then
  src=${2:-$(cd "$(dirname "$0")" && pwd)}
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  mkdir "$scratch/expected"
  cp "$src/healthy.pcap" "$src/healthy.keylog" "$scratch"/
  cp "$src/expected/healthy.txt" "$src/expected/no-ctl.txt" "$scratch/expected"/
  sed -i -E '/^capture /{/^capture healthy\.pcap /!d}' "$scratch/expected/healthy.txt"
  sed -i -E '0,/^tftp-file /s/^(tftp-file [^ ]+ )./\1z/' "$scratch/expected/healthy.txt"
  sed -i -E 's/^(tls-cert 2445 )8A/\18B/' "$scratch/expected/healthy.txt"
  head -c 3000 "$src/no-ctl.pcap" >"$scratch/no-ctl.pcap"
  out=$(bash "$0" "$scratch")
  rc=$?
  echo "$out"
  n=$(grep -c '^FAIL' <<<"$out")
  want="healthy.pcap: TFTP export differs|healthy.pcap: TLS certificates differ|no-ctl.pcap: .* frames, expected"
  if [ $rc -eq 1 ] && [ "$(grep -cE "^FAIL ($want)" <<<"$out")" -ge 3 ]; then
    echo "self-test: the check caught all altered inputs ($n failures)"
    exit 0
  fi
  echo "self-test: the check missed an altered input (rc $rc)"
  exit 1
fi

dir=${1:-$(cd "$(dirname "$0")" && pwd)}
expdir=$dir/expected
command -v tshark >/dev/null || { echo "check-captures: tshark not found" >&2; exit 2; }
ls "$expdir"/*.txt >/dev/null 2>&1 || { echo "check-captures: no $expdir/*.txt" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir -m 755 "$tmp/in"

fails=0 checks=0
fail() { echo "FAIL $cur: $*"; fails=$((fails + 1)); }
ok() { checks=$((checks + 1)); }
TLS_PORTS=(-d 'tcp.port==2445,tls' -d 'tcp.port==8443,tls' -d 'tcp.port==2443,tls' -d 'tcp.port==3804,tls'
  -d 'tcp.port==5061,tls' -d 'tcp.port==6971,tls' -d 'tcp.port==6972,tls')

# This check is about stock tshark: a cucm-sbd plugin in the system plugin folder (a package test,
# of this suite or of another one running beside it, or installed by hand) must not change what it
# reads; with it, the TVS port's decrypted bytes went to cucmtvs and the check saw no TVS message
# ("got []"). Disabling its protocols when the check starts is not enough: the package can be
# installed between two tshark runs. tshark-plugin.sh - runs tshark with a private, empty plugin
# folder (as nobody when root, whose tshark reads only the system folder), so it reads
# world-readable copies of the captures and key logs and writes its exports to open folders.
runner=$(cd "$(dirname "$0")/.." && pwd)/tests/dissector/tshark-plugin.sh
[ -r "$runner" ] || { echo "check-captures: $runner missing" >&2; exit 2; }
stock_tshark() { sh "$runner" - "$@"; }

# x509af.serialNumber keeps the DER sign byte (00 before a first byte >= 80); expected/ has none.
strip_sign() { sed -E 's/^00([89a-f])/\1/' | tr 'a-f' 'A-F'; }
# tshark's export names a repeated file "NAME(1).ext"; map it back to NAME.ext.
base_name() { sed -E 's/\([0-9]+\)(\.[^.]*)?$/\1/'; }

# One tshark pass per capture: the field table below plus the TFTP and HTTP objects.
FIELDS=(frame.number frame.protocols tftp.opcode tftp.source_file tftp.destination_file tftp.error.code
  tcp.srcport tls.handshake.type x509af.serialNumber tls.handshake.extensions.supported_version)
read_capture() {
  local f args=()
  rm -rf "$tmp/eo" "$tmp/err"
  mkdir -m 777 "$tmp/eo" "$tmp/eo/tftp" "$tmp/eo/http"
  for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
  stock_tshark -n -r "$capfile" "${TLS_PORTS[@]}" --export-objects "tftp,$tmp/eo/tftp" \
    --export-objects "http,$tmp/eo/http" -T fields "${args[@]}" >"$tmp/rows" 2>"$tmp/err"
  grep -v 'Running as user "root"' "$tmp/err" >"$tmp/err2" || true
}
col() { # N [AWK-CONDITION]: column N of the rows matching the condition
  awk -F'\t' -v n="$1" "${2:-1} {print \$n}" "$tmp/rows"
}
exported() { # PROTO: exported objects as sorted "name sha256" lines
  local f
  for f in "$tmp/eo/$1"/*; do
    [ -f "$f" ] || continue
    echo "$(basename "$f" | base_name) $(sha256sum <"$f" | cut -c1-64)"
  done | sort
}

check_frames() { # EXPECTED_FRAMES EXPECTED_ENCAP TRUNCATED(0|1)
  local n enc
  n=$(wc -l <"$tmp/rows")
  [ "$n" = "$1" ] && ok || fail "$n frames, expected $1"
  enc=$(col 2 'NR == 1' | cut -d: -f1)
  case "$2:$enc" in ether:eth | linux-sll2:sll) ok ;; *) fail "link type $enc, expected $2" ;; esac
  if [ "$3" = 1 ]; then
    grep -q 'cut short in the middle of a packet' "$tmp/err2" && ok || fail "tshark did not see a cut record"
  else
    [ ! -s "$tmp/err2" ] && ok || fail "tshark: $(head -3 "$tmp/err2")"
  fi
}

check_tftp() { # EXPECTATION_FILE
  local want got
  want=$(awk '$1 == "tftp-file" {print $2, $3}' "$1" | sort)
  got=$(exported tftp)
  [ "$want" = "$got" ] && ok || fail "TFTP export differs: expected [$want] got [$got]"
  want=$(awk '$1 == "tftp-request" {print $2}' "$1")
  got=$(col 4 '$3 == 1' | uniq)
  [ "$want" = "$got" ] && ok || fail "TFTP read requests differ: expected [$want] got [$got]"
  want=$(awk '$1 == "tftp-not-found" {print $2}' "$1" | sort -u)
  got=$(col 5 '$3 == 5 && $6 == 1' | sort -u)
  [ "$want" = "$got" ] && ok || fail "TFTP File not found differs: expected [$want] got [$got]"
}

check_http() { # EXPECTATION_FILE: every expected file among the HTTP objects (404 bodies ignored)
  local name sha got
  got=$(exported http)
  while read -r name sha; do
    grep -qx "$name $sha" <<<"$got" && ok || fail "HTTP file $name $sha not exported"
  done < <(awk '$1 == "http-file" {print $2, $3}' "$1")
}

check_tls() { # EXPECTATION_FILE: leaf certificate serials per server port; TLS 1.3 server hellos
  local want got
  want=$(awk '$1 == "tls-cert" {print $2, $3}' "$1" | sort -u)
  got=$(awk -F'\t' '$8 ~ /(^|,)11(,|$)/ {split($9, s, ","); print $7, s[1]}' "$tmp/rows" |
    while read -r port serial; do echo "$port $(strip_sign <<<"$serial")"; done | sort -u)
  [ "$want" = "$got" ] && ok || fail "TLS certificates differ: expected [$want] got [$got]"
  want=$(awk '$1 == "tls-hidden" {print $2}' "$1" | sort -u)
  got=$(col 7 '$8 ~ /(^|,)2(,|$)/ && $10 ~ /0x0304/' | sort -u)
  [ "$want" = "$got" ] && ok || fail "TLS 1.3 sessions differ: expected [$want] got [$got]"
}

# KEYLOG: the shipped key log (or, in *-secrets.pcapng, the embedded one) decrypts the sessions;
# with tvs-msg lines, the decrypted TVS message types (57 01 TT ...) come in that order.
check_keylog() { # EXPECTATION_FILE KEYLOG
  local opt=() want got
  if [[ $capfile != *-secrets.pcapng ]]; then
    cp "$dir/$2" "$tmp/in/" && chmod 644 "$tmp/in/$(basename "$2")" && opt=(-o "tls.keylog_file:$tmp/in/$(basename "$2")")
  fi
  # The Finished messages are readable only with the keys, whatever the application protocol.
  got=$(stock_tshark -n -r "$capfile" "${TLS_PORTS[@]}" "${opt[@]}" -Y 'tls.handshake.type == 20' 2>/dev/null)
  [ -n "$got" ] && ok || fail "no TLS session decrypted with $2"
  local rc=0
  got=$(stock_tshark -n -r "$capfile" "${TLS_PORTS[@]}" "${opt[@]}" -Y 'tls && data' -T fields \
    -e tcp.srcport -e data.data 2>"$tmp/kerr") || rc=$?
  want=$(awk '$1 == "tvs-msg" {printf "%s ", $2}' "$1")
  [ -n "$want" ] || return 0
  got=$(cut -f2 <<<"$got" | tr ',' '\n' | sed -nE 's/^5701(..).*/\1/p' | tr '\n' ' ')
  # tshark's own words when it found nothing.
  [ "$want" = "$got" ] && ok || fail "TVS message types differ: expected [$want] got [$got]" \
    "(tshark exit $rc: $(grep -v 'Running as user' "$tmp/kerr" | head -2 | tr '\n' ' '))"
}

for e in "$expdir"/*.txt; do
  while read -r tag capname frames encap; do
    [ "$tag" = capture ] || continue
    cur=$capname
    [ -f "$dir/$capname" ] || { fail "missing"; continue; }
    capfile=$tmp/in/$(basename "$capname")
    cp "$dir/$capname" "$capfile" && chmod 644 "$capfile"
    truncated=0
    grep -qE '^fires .*CAPTURE_TRUNCATED' "$e" && truncated=1
    read_capture
    check_frames "$frames" "$encap" "$truncated"
    check_tftp "$e"
    check_http "$e"
    check_tls "$e"
    keylog=$(awk '$1 == "keylog" {print $2}' "$e")
    [ -z "$keylog" ] || check_keylog "$e" "$keylog"
  done <"$e"
done
echo "check-captures: $checks checks passed, $fails failed"
[ "$fails" -eq 0 ]
