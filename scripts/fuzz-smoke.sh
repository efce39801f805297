#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and fuzzes each for SECONDS (default 60).
# Usage: scripts/fuzz-smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
SECONDS_EACH=${1:-60}
BUILD=${SBD_FUZZ_BUILD_DIR:-build-fuzz}
CC=clang cmake -S . -B "$BUILD" -G Ninja -DSBD_FUZZ=ON -DSBD_PLUGIN=OFF \
  -DSBD_FUZZ_SECONDS="$SECONDS_EACH" >/dev/null
ninja -C "$BUILD" -j"$(nproc)"
# Every tests/fuzz/fuzz_*.c must have its smoke test (with tests/fuzz/sbd.dict).
targets=$(find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' | wc -l)
smokes=$(ctest --test-dir "$BUILD" -N -L '^fuzz$' | grep -c 'fuzz\..*\.smoke' || true)
if [ "$targets" -ne "$smokes" ]; then
  echo "fuzz-smoke: $targets targets but $smokes smoke tests" >&2
  exit 1
fi
# Each target fuzzes for SECONDS of wall time; four at a time keeps the smoke short on 2 cores.
ctest --test-dir "$BUILD" -L '^fuzz$' --output-on-failure -j"$(( $(nproc) * 2 ))"
