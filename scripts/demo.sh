#!/usr/bin/env bash
# The main job on a bundled capture: installs dependencies, builds pcapscan, audits a capture.
# Usage: scripts/demo.sh [CAPTURE...]   (default: the bundled healthy-cluster scenario)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
BUILD=${SBD_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$BUILD" -j"$(nproc)" pcapscan
if [ "$#" -eq 0 ]; then
  set -- captures/healthy.pcap
fi
exec "$BUILD/pcapscan/pcapscan" "$@"
