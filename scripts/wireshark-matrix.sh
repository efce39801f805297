#!/usr/bin/env bash
# wireshark-matrix.sh: the Wireshark plugin against the Wireshark of other Debian releases, each
# built and tested with that release's own headers, libwireshark and tshark, in a throwaway root
# filesystem made with mmdebstrap from Debian's archive:
#   trixie  Debian 13, Wireshark 4.4: the whole suite except lint (lint pins the host's
#           clang-format and cppcheck), the .deb packages included (built, installed, tshark
#           -G protocols lists the plugin's protocols)
#   sid     Debian unstable, Wireshark 4.6 (moves daily): the plugin's tests (ctest -L dissector);
#           a known crash of its own tshark (4.6.9: abort at exit after --export-objects tftp) is
#           confirmed with stock tshark by the tests and listed here, not counted as a failure
# The host's own suite (scripts/test.sh) covers Debian 12's Wireshark 4.0.
#
# Usage: scripts/wireshark-matrix.sh [--mode=auto|unshare|root] [--suite=NAME]... [--out=DIR]
#   --mode   mmdebstrap mode. auto (default): unshare where user namespaces and subordinate ids
#            work (no root needed), else root.
#   --suite  trixie or sid; repeatable (default: trixie, then sid).
#   --out    copy each suite's .deb packages to DIR/SUITE/.
#   --advisory=SUITE  run SUITE and show its failures, but do not count them in the exit status
#            (for a moving suite whose known failures are being worked on; the output says so;
#            CI uses none today).
# Environment: SBD_DEBIAN_MIRROR (default: the first URIs of the host's debian.sources, else
# http://deb.debian.org/debian). Every root filesystem lives under one temp directory (TMPDIR),
# removed at exit; nothing is cached. Exit status 0 when every suite passed. Known bugs of a
# release's own tshark are detected by the tests, confirmed with stock tshark, and listed here.
#
# Inside a root filesystem the same script runs as: wireshark-matrix.sh --inside=SUITE
set -euo pipefail

PKGS="build-essential,cmake,ninja-build,pkg-config,libssl-dev,openssl,libpcap-dev,libjansson-dev"
PKGS+=",zlib1g-dev,libglib2.0-dev,wireshark-dev,libwireshark-dev,tshark,jq,xxd,libxml2-utils"
PKGS+=",util-linux,procps,file,time,python3,dpkg-dev,parallel"

# ---- inside the root filesystem ------------------------------------------------------------------
inside() {
  local suite=$1 build=/build jobs
  jobs=$(nproc)
  export DEBIAN_FRONTEND=noninteractive HOME=/root
  cd /src
  echo "== $suite: $(tshark --version 2>/dev/null | head -1), $(gcc --version | head -1)"
  cmake -S . -B "$build" -G Ninja -DSBD_REQUIRE_PLUGIN=ON >"$build.configure.log" 2>&1 ||
    { tail -20 "$build.configure.log"; return 1; }
  local ctest_args=(--test-dir "$build" --output-on-failure -j"$jobs")
  case $suite in
  trixie)
    ninja -C "$build" -j"$jobs" >"$build.log" 2>&1 || { grep -A15 FAILED "$build.log" | head -60; return 1; }
    ctest_args+=(-LE '^lint$')
    ;;
  *)
    # The plugin must build; a moving suite's newest compiler may also reject code that has
    # nothing to do with Wireshark: that is listed, and fails the run only when a plugin test
    # needs it.
    if ! ninja -C "$build" -j"$jobs" -k 0 >"$build.log" 2>&1; then
      echo "== $suite: does not build here (plugin tests that need it will fail):"
      # head quits after 20 lines: the greps' SIGPIPE must not end the run under pipefail.
      grep -A3 '^FAILED:' "$build.log" | grep -E '^FAILED:|error:' | head -20 || true
    fi
    ninja -C "$build" cucmsbd >>"$build.log" 2>&1 || { grep -A15 FAILED "$build.log" | head -60; return 1; }
    ctest_args+=(-L '^dissector$')
    ;;
  esac
  local rc=0
  ctest "${ctest_args[@]}" | grep --line-buffered -vE '^ *Start |^$' || rc=$?
  local known
  known=$(grep -ho 'KNOWN TSHARK BUG.*' "$build"/Testing/Temporary/LastTest*.log 2>/dev/null |
    sed 's/ on [^ ]*;/;/' | sort | uniq -c || true)
  [ -z "$known" ] || printf '== %s: known bug of this release'"'"'s tshark (times seen):\n%s\n' "$suite" "$known"
  mkdir -p /out
  if [ -d "$build/package-test" ]; then
    find "$build/package-test" -maxdepth 1 -name '*.deb' -exec cp {} /out/ \;
  fi
  return "$rc"
}

# ---- outside --------------------------------------------------------------------------------------
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

mode=auto out='' suites=() advisory=()
for arg in "$@"; do
  case $arg in
  --inside=*)
    inside "${arg#--inside=}"
    exit
    ;;
  --mode=*) mode=${arg#--mode=} ;;
  --suite=*) suites+=("${arg#--suite=}") ;;
  --advisory=*) advisory+=("${arg#--advisory=}") ;;
  --out=*) out=$(realpath -m "${arg#--out=}") ;;
  *) usage ;;
  esac
done
[ ${#suites[@]} -gt 0 ] || suites=(trixie sid)
for s in "${suites[@]}"; do
  case $s in trixie | sid) ;; *) echo "wireshark-matrix: unknown suite $s" >&2 && exit 2 ;; esac
done

if ! command -v mmdebstrap >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap uidmap \
      -o DPkg::Lock::Timeout=300 >/dev/null
  else
    echo "wireshark-matrix: mmdebstrap missing (apt-get install mmdebstrap uidmap)" >&2
    exit 1
  fi
fi
if [ "$mode" = auto ]; then
  mode=root
  # What mmdebstrap's unshare mode needs: a user namespace with the caller's subordinate ids.
  if unshare --user --map-auto --map-root-user true 2>/dev/null; then mode=unshare; fi
fi
if [ "$mode" = root ] && [ "$(id -u)" != 0 ]; then
  echo "wireshark-matrix: --mode=root needs root, and user namespaces are not usable here" >&2
  exit 1
fi

mirror=${SBD_DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
mirror=${mirror:-http://deb.debian.org/debian}

src=$(cd "$(dirname "$0")/.." && pwd)
self=scripts/$(basename "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbd-wireshark-matrix.XXXXXX")
# A root filesystem may still have /proc, /sys or /dev mounted when a run is killed: unmount
# whatever is left below tmp before deleting, and never cross into another file system.
pids=()
cleanup() {
  local m p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for m in $(awk -v t="$tmp/" 'index($2, t) == 1 {print $2}' /proc/self/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"

# The tree as it is (tracked and new files, not ignored build directories).
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$src" ls-files -z -c -o --exclude-standard | (cd "$src" && tar --null -T - -cf "$tmp/src.tar")
else
  tar -C "$src" --exclude='./build*' -cf "$tmp/src.tar" .
fi

# One suite: its root filesystem, then (holding the lock, so two builds never share the cores)
# the build and tests inside it, then its packages out. Output goes to $tmp/SUITE.log.
run_suite() {
  local suite=$1 rc=0 start
  start=$(date +%s)
  local opts=(--mode="$mode" --variant=minbase --quiet --include="$PKGS")
  # sid's Release file on the archive may be past its Valid-Until date.
  [ "$suite" = sid ] && opts+=(--aptopt='Acquire::Check-Valid-Until "false"')
  mkdir -p "$tmp/out-$suite"
  TMPDIR=$tmp mmdebstrap "${opts[@]}" \
    --customize-hook='mkdir -p "$1/src" "$1/out"' \
    --customize-hook="tar-in $tmp/src.tar /src" \
    --customize-hook="echo \"== $suite: root filesystem made after \$((\$(date +%s) - $start)) s\"" \
    --customize-hook="flock $tmp/build.lock chroot \"\$1\" bash /src/$self --inside=$suite" \
    --customize-hook="sync-out /out $tmp/out-$suite" \
    "$suite" /dev/null "$mirror" </dev/null || rc=$?
  local debs
  debs=$(find "$tmp/out-$suite" -name '*.deb' -printf '%f ')
  if [ -n "$out" ] && [ -n "$debs" ]; then
    mkdir -p "$out/$suite"
    cp "$tmp/out-$suite"/*.deb "$out/$suite/"
  fi
  if [ "$rc" -eq 0 ]; then
    echo "== $suite: passed in $(($(date +%s) - start)) s${debs:+; packages: $debs}"
  else
    echo "== $suite: FAILED (exit $rc) after $(($(date +%s) - start)) s"
  fi
  return "$rc"
}

echo "wireshark-matrix: mmdebstrap --mode=$mode from $mirror; suites: ${suites[*]}"
# The root filesystems are made at the same time (mostly download and unpacking), the builds and
# tests one after the other; each suite's output is shown when it is done.
for suite in "${suites[@]}"; do
  run_suite "$suite" >"$tmp/$suite.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!suites[@]}"; do
  rc=0
  wait "${pids[$i]}" || rc=$?
  cat "$tmp/${suites[$i]}.log"
  [ "$rc" -eq 0 ] && continue
  if [[ " ${advisory[*]} " == *" ${suites[$i]} "* ]]; then
    echo "== ${suites[$i]}: FAILED, advisory: shown above, not counted in the exit status"
  else
    status=1
  fi
done
pids=()
exit $status
