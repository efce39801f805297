#!/usr/bin/env bash
# The test command: installs dependencies, builds everything (plugin required) with
# AddressSanitizer + UndefinedBehaviorSanitizer, and runs every test with ctest.
# Usage: scripts/test.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD=${SBD_BUILD_DIR:-build-test}
cmake -S . -B "$BUILD" -G Ninja -DSBD_SANITIZE=ON -DSBD_REQUIRE_PLUGIN=ON >/dev/null
ninja -C "$BUILD" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" "$@"
