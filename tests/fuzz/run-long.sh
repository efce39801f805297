#!/usr/bin/env bash
# Long libFuzzer run of one target, one process (no -jobs/-workers), niced.
# Usage: tests/fuzz/run-long.sh TARGET SECONDS      (TARGET = tlv, sgn, ..., or fuzz_tlv)
# Env: SBD_FUZZ_BUILD_DIR (default build-fuzz), SBD_FUZZ_WORK (default $BUILD/long/TARGET; the
# grown corpus is kept there between runs), SBD_FUZZ_NICE (default 10), SBD_FUZZ_EXTRA (more flags),
# ASAN_OPTIONS (default $SBD_FUZZ_ASAN below, as in the CI smoke test).
# Prints execs, exec/s, cov, ft and corpus size, appends them to $WORK/runs.tsv and prints the
# total execs over all runs listed there (the 10 M goal); a crash found is minimized and copied to
# tests/fuzz/regressions/TARGET/ (commit it, then fix the bug). Exit 1 when something was found.
set -euo pipefail
# ASan's default 256 MiB quarantine of freed memory makes every exec fault in fresh pages (about
# half the CPU time of fuzz_pipeline went to the kernel); 16 MiB still spans many execs of these
# small inputs, so a use after free within one exec is still caught.
SBD_FUZZ_ASAN=detect_leaks=1:quarantine_size_mb=16
if [ $# -ne 2 ]; then
  echo "usage: $0 TARGET SECONDS" >&2
  exit 2
fi
target=${1#fuzz_}
seconds=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
fuzzdir=$root/tests/fuzz
[ -f "$fuzzdir/fuzz_$target.c" ] || { echo "no target tests/fuzz/fuzz_$target.c" >&2; exit 2; }
build=${SBD_FUZZ_BUILD_DIR:-build-fuzz}
case $build in /*) ;; *) build=$root/$build ;; esac
work=${SBD_FUZZ_WORK:-$build/long/$target}
bin=$build/tests/fuzz/fuzz_$target

if [ ! -f "$build/build.ninja" ]; then
  CC=clang cmake -S "$root" -B "$build" -G Ninja -DSBD_FUZZ=ON -DSBD_PLUGIN=OFF >/dev/null
fi
ninja -C "$build" -j2 "tests/fuzz/fuzz_$target" >/dev/null

mkdir -p "$work/corpus" "$work/artifacts" "$work/min"
start=$(date +%s)
log=$work/run-$(date -u -d "@$start" +%Y%m%d-%H%M%S).log
before=$(find "$work/artifacts" -type f | wc -l)
echo "fuzz_$target: ${seconds}s, corpus $work/corpus, log $log"
set +e
# shellcheck disable=SC2086 # SBD_FUZZ_EXTRA is a list of flags
ASAN_OPTIONS=${ASAN_OPTIONS:-$SBD_FUZZ_ASAN} nice -n "${SBD_FUZZ_NICE:-10}" "$bin" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -dict="$fuzzdir/sbd.dict" -artifact_prefix="$work/artifacts/" ${SBD_FUZZ_EXTRA:-} \
  "$work/corpus" "$fuzzdir/corpus/$target" "$fuzzdir/regressions/$target" >"$log" 2>&1
rc=$?
set -e

# Figures: the last status line carries cov/ft/corp; final stats carry execs and exec/s.
status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
corp=$(ls "$work/corpus" | wc -l)
tally=$work/runs.tsv
[ -f "$tally" ] || printf 'date\tseconds_taken\texecs\texec_per_s\tcov\tft\tcorpus\texit\n' >"$tally"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u -d "@$start" +%FT%TZ)" "$(($(date +%s) - start))" "${execs:-0}" \
  "${rate:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$rc" >>"$tally"
total=$(awk -F'\t' 'NR > 1 { s += $3 } END { print s + 0 }' "$tally")
echo "target=$target seconds=$seconds execs=${execs:-?} exec_per_s=${rate:-?} cov=${cov:-?} ft=${ft:-?} corpus=$corp exit=$rc total_execs=$total"

new=$(($(find "$work/artifacts" -type f | wc -l) - before))
if [ "$rc" -eq 0 ] && [ "$new" -eq 0 ]; then
  exit 0
fi
grep -E 'ERROR: |SUMMARY: |runtime error' "$log" | head -n 5 || true
mkdir -p "$fuzzdir/regressions/$target"
for crash in $(ls -t "$work/artifacts" | head -n "$new"); do
  src=$work/artifacts/$crash
  min=$work/min/$crash
  # Minimization reruns the crash; if it cannot (leak, timeout, flaky), keep the original.
  if ASAN_OPTIONS=detect_leaks=1 nice -n "${SBD_FUZZ_NICE:-10}" "$bin" -minimize_crash=1 \
       -runs=20000 -timeout=10 -exact_artifact_path="$min" "$src" >"$work/min/$crash.log" 2>&1 &&
     [ -s "$min" ]; then
    cp "$min" "$fuzzdir/regressions/$target/$crash"
  else
    cp "$src" "$fuzzdir/regressions/$target/$crash"
  fi
  echo "finding: tests/fuzz/regressions/$target/$crash (log $log)"
done
exit 1
