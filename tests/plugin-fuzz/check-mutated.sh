#!/usr/bin/env bash
# tshark with the plugin over bit-damaged copies of every scenario capture, the way Wireshark's
# own fuzz-test.sh works (editcap -E), under the sanitizers when the plugin is built with them.
# Usage: check-mutated.sh PLUGIN.so CAPTURES_DIR GEN_MALFORMED [ITERATIONS] [ERROR_RATES]
# ERROR_RATES (default "0.02 0.005 0.001"): 0.02 is fuzz-test.sh's rate, but at that rate few
# multi-block files survive to reach the plugin, so lower rates follow to damage files lightly.
# Each iteration, per rate, damages every capture with a new seed, concatenates them (mergecap -a) and runs
# tshark -V once (with every key log, so the TLS payloads reach cucmtvs). Fails on: tshark dying
# (signal, abort, assertion), a sanitizer report, "Dissector bug" or "[Malformed Packet: CUCM..]"
# (an exception escaping cucmtl/cucmsgn/cucmtvs: a plugin bug; a "Dissector bug" of a stock
# dissector that stock tshark shows for the same packet is reported, not counted). Malformed reports of stock
# dissectors and the plugin's own malformed expert items (damaged files) are expected.
# MUT_FIRST_SEED (default 1) picks the seeds; a failing iteration's capture is kept in MUT_KEEP.
set -euo pipefail
so=$1 captures=$2 gen=$3
iterations=${4:-3}
rates=${5:-0.02 0.005 0.001}
first=${MUT_FIRST_SEED:-1}
here=$(cd "$(dirname "$0")" && pwd)
runner=$here/../dissector/tshark-plugin.sh
command -v editcap >/dev/null && command -v mergecap >/dev/null || { echo "editcap/mergecap missing"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cat "$captures"/*.keylog >"$tmp/all.keylog"

# Readable copies editcap can rewrite (editcap 4.0 refuses some pcapng files with secrets).
srcs=()
for cap in "$captures"/*.pcap "$captures"/*.pcapng; do
  base=$(basename "$cap")
  if ! editcap "$cap" "$tmp/$base.src" >/dev/null 2>&1; then
    "$gen" copy "$cap" "$tmp/$base.src" >/dev/null
  fi
  srcs+=("$tmp/$base.src")
done

# Stock tshark (no plugin) with TLS on the ports the plugin gives TLS (the service table's, some of
# which Wireshark gives another protocol, like HiQnet on 3804): its "Dissector bug" lines for the
# same capture. Wireshark 4.0's TLS asserts on some damaged TCP streams ("failed assertion fh" in
# its reassembly) with or without the plugin; such a line that stock tshark prints for the same
# packet is Wireshark's bug, reported as KNOWN TSHARK BUG, not the plugin's.
stock_bugs() {
  local rc=0
  sh "$runner" - -r "$1" -o "tls.keylog_file:$tmp/all.keylog" -V \
    $(for p in 443 2443 2445 3804 5061 6971 6972 8443; do printf -- '-d tcp.port==%s,tls ' "$p"; done) \
    >/dev/null 2>"$1.stock" || rc=$?
  grep -a -o 'Dissector bug, protocol [A-Za-z0-9]*, in packet [0-9]*' "$1.stock" | sort -u
}

# The plugin run's errors that stock tshark shares (stdin: the plugin run's error lines); prints
# what is left.
not_stock() {
  local known=$1 line key
  while IFS= read -r line; do
    key=$(grep -a -o 'Dissector bug, protocol [A-Za-z0-9]*, in packet [0-9]*' <<<"$line" || true)
    if [ -n "$key" ] && grep -qxF "$key" <<<"$known" && ! grep -qi cucm <<<"$line"; then
      echo "KNOWN TSHARK BUG ($(tshark --version 2>/dev/null | head -1)): $key (stock tshark too)" >&2
      continue
    fi
    echo "$line"
  done
}

failures=0
runs=0
for ((i = first; i < first + iterations; i++)); do
  for rate in $rates; do
    runs=$((runs + 1))
    parts=()
    for src in "${srcs[@]}"; do
      editcap -E "$rate" --seed "$i" "$src" "$src.e" >/dev/null
      parts+=("$src.e")
    done
    mut=$tmp/mut-$i-$rate
    mergecap -a -F pcapng -w "$mut.pcapng" "${parts[@]}"
    rm -f "${parts[@]}"
    chmod a+r "$tmp"/*
    rc=0
    sh "$runner" "$so" -r "$mut.pcapng" -o "tls.keylog_file:$tmp/all.keylog" -V \
      >"$mut.out" 2>"$mut.err" || rc=$?
    bad=$(grep -a -n -i -E '\[Malformed Packet: *cucm(tl|sgn|tvs)|Dissector bug.*cucm|cucm.*Dissector bug' "$mut.out" | head -n 5 || true)
    errs=$(grep -a -E 'Sanitizer|runtime error:|Assertion|assertion|Dissector bug|\*\* \(tshark' "$mut.err" || true)
    if [ -n "$errs" ] && [ "$rc" -eq 0 ] && ! grep -q -E 'Sanitizer|runtime error:' <<<"$errs"; then
      errs=$(not_stock "$(stock_bugs "$mut.pcapng")" <<<"$errs")
    fi
    errs=$(head -n 5 <<<"$errs")
    frames=$(grep -a -c '^Frame [0-9]*:' "$mut.out" || true)
    plugin=$(grep -a -c -E '^Cisco UCM ' "$mut.out" || true)
    stock=$(grep -a -c '\[Malformed Packet' "$mut.out" || true)
    echo "seed $i rate $rate: $frames frames, $plugin plugin trees, $stock stock malformed reports, tshark exit $rc"
    if [ "$rc" -ne 0 ] || [ -n "$bad" ] || [ -n "$errs" ] || [ "$frames" -lt 100 ]; then
      echo "FAIL seed $i rate $rate: exit $rc" >&2
      [ -z "$bad" ] || echo "$bad" >&2
      [ -z "$errs" ] || echo "$errs" >&2
      tail -n 5 "$mut.err" >&2
      if [ -n "${MUT_KEEP:-}" ]; then
        mkdir -p "$MUT_KEEP" && cp "$mut.pcapng" "$mut.out" "$mut.err" "$MUT_KEEP/"
      fi
      failures=$((failures + 1))
    fi
    rm -f "$mut.pcapng" "$mut.out" "$mut.err" "$mut.pcapng.stock"
  done
done
[ "$failures" -eq 0 ] || { echo "$failures of $runs runs failed" >&2; exit 1; }
echo "ok: $runs runs (seeds $first-$((first + iterations - 1)), rates $rates)"
