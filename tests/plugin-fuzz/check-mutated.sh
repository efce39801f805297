#!/usr/bin/env bash
# tshark with the plugin over bit-damaged copies of every scenario capture, the way Wireshark's
# own fuzz-test.sh works (editcap -E), under the sanitizers when the plugin is built with them.
# Usage: check-mutated.sh PLUGIN.so CAPTURES_DIR GEN_MALFORMED [ITERATIONS] [ERROR_RATES]
# ERROR_RATES (default "0.02 0.005 0.001"): 0.02 is fuzz-test.sh's rate, but at that rate few
# multi-block files survive to reach the plugin, so lower rates follow to damage files lightly.
# Each iteration, per rate, damages every capture with a new seed, concatenates them (mergecap -a) and runs
# tshark -V once (with every key log, so the TLS payloads reach cucmtvs). Fails on: tshark dying
# (signal, abort, assertion), a sanitizer report, "Dissector bug" or "[Malformed Packet: CUCM..]"
# (an exception escaping cucmtl/cucmsgn/cucmtvs: a plugin bug). Malformed reports of stock
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
    errs=$(grep -a -E 'Sanitizer|runtime error:|Assertion|assertion|Dissector bug|\*\* \(tshark' "$mut.err" | head -n 5 || true)
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
    rm -f "$mut.pcapng" "$mut.out" "$mut.err"
  done
done
[ "$failures" -eq 0 ] || { echo "$failures of $runs runs failed" >&2; exit 1; }
echo "ok: $runs runs (seeds $first-$((first + iterations - 1)), rates $rates)"
