#!/usr/bin/env bash
# Bounded memory: pcapscan's peak RSS must not grow with the capture size. Makes captures of many
# transfers with bench/gen-capture (SIZES, default "50M 200M"), scans each with /usr/bin/time and
# checks: every run under MAL_RSS_KB, and the growth from the first to each later run within
# MAL_RSS_GROWTH_KB plus MAL_RSS_PER_OBJECT_KB per added reported object (file and certificate
# objects: the report keeps them until the end, so they are the only thing allowed to grow).
# Also that the scan saw what was generated (transfers complete, nothing evicted).
# Usage: memory.sh GEN_CAPTURE SBDGEN PCAPSCAN WORK [SIZES...]
# The 1 GB figure in docs/robustness.md comes from: memory.sh ... 50M 1G (with a Release build).
set -euo pipefail
gen=$1 sbdgen=$2 pcapscan=$3 work=$4
shift 4
sizes=("${@:-50M}")
[ $# -gt 0 ] || sizes=(50M 200M)
limit=${MAL_RSS_KB:-65536}
growth=${MAL_RSS_GROWTH_KB:-4096}
per_object=${MAL_RSS_PER_OBJECT_KB:-2}
here=$(cd "$(dirname "$0")" && pwd)
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (Debian package time)"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
"$here/../../bench/mktrust.sh" "$sbdgen" "$work/trust" 8 >/dev/null
# Few calls: TFTP and TLS take a larger share of the bytes than in the default mix.
knobs=(--trust-dir "$work/trust" --phones 2000 --boots 64 --calls 40 --tvs 800 --https 400)
# ASan keeps freed memory in quarantine (up to 256 MB): keep it small so RSS shows live memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}:quarantine_size_mb=4:malloc_context_size=4
fail=0
first_rss=
first_objects=
for size in "${sizes[@]}"; do
  cap=$work/cap-$size.pcap
  "$gen" -o "$cap" --size "$size" "${knobs[@]}" 2>/dev/null
  /usr/bin/time -f '%M %e' -o "$work/time-$size" "$pcapscan" -q --json "$cap" >"$work/out-$size.json"
  read -r rss secs <"$work/time-$size"
  summary=$(tail -n 1 "$work/out-$size.json")
  files=$(jq .files <<<"$summary")
  complete=$(jq .files_complete <<<"$summary")
  notfound=$(jq .files_not_found <<<"$summary")
  sessions=$(jq .tls_sessions <<<"$summary")
  objects=$(jq '.files + .certs' <<<"$summary")
  evicted=$(jq '.per_input[0].skipped | .tftp_transfers_evicted + .tcp_streams_evicted + .tcp_forced_gaps' <<<"$summary")
  echo "size $size: $(stat -c %s "$cap") bytes, $(jq .packets <<<"$summary") packets, $files transfers ($complete complete), $sessions TLS sessions: peak RSS $rss KiB, $secs s"
  [ "$rss" -le "$limit" ] || { echo "FAIL: $size: peak RSS $rss KiB over $limit" >&2; fail=1; }
  [ "$files" -ge 100 ] && [ $((complete + notfound)) -eq "$files" ] && [ "$evicted" -eq 0 ] ||
    { echo "FAIL: $size: $files transfers, $complete complete, $notfound not found, $evicted evicted" >&2; fail=1; }
  if [ -z "$first_rss" ]; then
    first_rss=$rss first_objects=$objects
  else
    allowed=$((growth + per_object * (objects - first_objects)))
    echo "  growth $((rss - first_rss)) KiB for $((objects - first_objects)) more reported objects (allowed $allowed)"
    [ $((rss - first_rss)) -le "$allowed" ] ||
      { echo "FAIL: RSS grew from $first_rss to $rss KiB, more than $allowed" >&2; fail=1; }
  fi
  rm -f "$cap"
done
exit $fail
