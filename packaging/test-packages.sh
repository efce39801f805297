#!/usr/bin/env bash
# test-packages.sh SOURCE_DIR BUILD_DIR: the packaging CI step (ctest package.deb).
# Configures a Release build without sanitizers in BUILD_DIR, builds the two Debian packages with
# `cpack -G DEB`, installs them with dpkg (then `apt-get -f install` if dependencies are missing),
# checks the installed files work (pcapscan from /usr/bin, man page, bash completion, tshark as
# root loading the plugin from the system plugin dir), and purges both packages on the way out,
# whatever happened. Needs root; exit 77 (skipped) otherwise or when the packages are already
# installed (we would remove someone's installation).
set -euo pipefail

src=$(cd "${1:?usage: test-packages.sh SOURCE_DIR BUILD_DIR}" && pwd)
build=${2:?usage: test-packages.sh SOURCE_DIR BUILD_DIR}
pkgs=(cucm-sbd cucm-sbd-wireshark-plugin)

fail() {
  echo "FAIL [package.deb]: $*" >&2
  exit 1
}
skip() {
  echo "SKIP [package.deb]: $*" >&2
  exit 77
}
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]; }

[ "$(id -u)" = 0 ] || skip "dpkg -i needs root"
for p in "${pkgs[@]}"; do
  installed "$p" && skip "$p is already installed on this machine; not touching it"
done

# ---- build the packages ---------------------------------------------------------------------------
# Release with Debian's own build flags (dpkg-buildflags: -O2, stack protector, fortify, relro)
# rather than CMake's -O3. CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack must not build every test
# program, only what ships.
cflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSBD_SANITIZE=OFF \
  -DCMAKE_C_FLAGS="$cflags" -DCMAKE_C_FLAGS_RELEASE=-DNDEBUG \
  -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DCMAKE_MODULE_LINKER_FLAGS="$ldflags" \
  -DSBD_REQUIRE_PLUGIN=ON -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >"$build.configure.log" 2>&1 ||
  fail "configure: $(tail -5 "$build.configure.log")"
ninja -C "$build" -j2 pcapscan cucmsbd pcapscan-man >"$build.build.log" 2>&1 ||
  fail "build: $(tail -20 "$build.build.log")"
rm -f "$build"/*.deb
(cd "$build" && cpack -G DEB) >"$build.cpack.log" 2>&1 || fail "cpack: $(tail -20 "$build.cpack.log")"

version=$(sed -n 's/^project(cucm-sbd VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
arch=$(dpkg --print-architecture)
# The Debian revision names the release built on (1~deb12, 1~deb13; plain 1 elsewhere).
. /etc/os-release
release=1
if [ "${ID:-}" = debian ] && [ -n "${VERSION_ID:-}" ]; then release="1~deb${VERSION_ID%%.*}"; fi
cli=$build/cucm-sbd_${version}-${release}_${arch}.deb
plugin=$build/cucm-sbd-wireshark-plugin_${version}-${release}_${arch}.deb
for deb in "$cli" "$plugin"; do
  [ -f "$deb" ] || fail "expected $deb; got: $(ls "$build"/*.deb 2>&1)"
done

# ---- what the packages declare ----------------------------------------------------------------------
# The library package this release ships libwireshark in (libwireshark16 in Debian 12,
# libwireshark18 in Debian 13), found here independently of how CMake derived it.
ws_so=$(readlink -f "$(pkg-config --variable=libdir wireshark)/libwireshark.so")
ws_pkg=$(dpkg-query -S "$ws_so" 2>/dev/null | sed -n '1s/^\([^:]*\):.*/\1/p')
[ -n "$ws_pkg" ] || fail "no installed package owns $ws_so"
ws_ver=$(dpkg-query -W -f='${Version}' "$ws_pkg")
ws_abi=$(echo "$ws_ver" | sed -n 's/^\([0-9]*\)\.\([0-9]*\)\..*/\1.\2/p')
dep=$(dpkg-deb -f "$plugin" Depends)
echo "plugin Depends: $dep"
[ -n "$ws_abi" ] || fail "$ws_pkg version '$ws_ver' has no major.minor"
next="${ws_abi%.*}.$((${ws_abi#*.} + 1))"
grep -qF "$ws_pkg (>= $ws_abi)" <<<"$dep" || fail "plugin lacks $ws_pkg (>= $ws_abi)"
grep -qF "$ws_pkg (<< $next)" <<<"$dep" || fail "plugin lacks $ws_pkg (<< $next)"
grep -q "libglib2.0-0" <<<"$dep" || fail "plugin Depends has no shlibdeps result (libglib2.0-0)"
cdep=$(dpkg-deb -f "$cli" Depends)
echo "cucm-sbd Depends: $cdep"
for lib in libpcap0.8 libjansson4 libssl3 libc6; do
  grep -q "$lib" <<<"$cdep" || fail "cucm-sbd Depends lacks $lib (shlibdeps)"
done
grep -q 'libasan' <<<"$cdep$dep" && fail "a sanitizer runtime leaked into the dependencies"
plugin_dir=$(pkg-config --variable=plugindir wireshark)/epan
# Listings are read whole before grep: under pipefail, `writer | grep -q` fails when grep quits at
# the match while the writer still has output to write (it dies of SIGPIPE).
contents=$(dpkg-deb -c "$plugin")
grep -q "\.${plugin_dir}/cucmsbd\.so$" <<<"$contents" || fail "plugin not in $plugin_dir"

# ---- install, check, purge ----------------------------------------------------------------------------
purge() {
  local rc=$?
  dpkg --purge "${pkgs[@]}" >/dev/null 2>&1 || true
  for p in "${pkgs[@]}"; do
    if installed "$p"; then
      echo "FAIL [package.deb]: $p still installed after purge" >&2
      rc=1
    fi
  done
  [ -e "$plugin_dir/cucmsbd.so" ] && { echo "FAIL [package.deb]: plugin left behind" >&2; rc=1; }
  exit "$rc"
}
trap purge EXIT

# dpkg takes a lock another apt/dpkg on the machine may hold: retry a while.
dpkg_install() {
  local _
  for _ in $(seq 1 30); do
    if dpkg -i "$@" >"$build.dpkg.log" 2>&1; then return 0; fi
    grep -q 'lock' "$build.dpkg.log" || return 1
    sleep 5
  done
  return 1
}
if ! dpkg_install "$cli" "$plugin"; then
  echo "dpkg -i needs dependencies: $(grep -i 'depends' "$build.dpkg.log" | head -3)"
  DEBIAN_FRONTEND=noninteractive apt-get -f install -y -o DPkg::Lock::Timeout=300 \
    >"$build.apt.log" 2>&1 || fail "apt-get -f install: $(tail -5 "$build.apt.log")"
fi
for p in "${pkgs[@]}"; do installed "$p" || fail "$p not installed: $(tail -5 "$build.dpkg.log")"; done

[ "$(command -v pcapscan)" = /usr/bin/pcapscan ] || fail "pcapscan is not /usr/bin/pcapscan"
got=$(/usr/bin/pcapscan --version)
[ "$got" = "pcapscan $version" ] || fail "pcapscan --version printed '$got', expected 'pcapscan $version'"
set +e
/usr/bin/pcapscan --json -q --now 2026-12-01T00:00:00Z "$src/captures/healthy.pcap" >"$build.scan.json"
rc=$?
set -e
[ "$rc" = 0 ] || fail "installed pcapscan on healthy.pcap exited $rc"
grep -q '"rule":"TVS_CERT_MATCH"' "$build.scan.json" || fail "installed pcapscan found no TVS_CERT_MATCH"

# pcapscan --live without root: the postinst's file capability, and the service template.
if command -v getcap >/dev/null; then
  grep -q 'cap_net_raw[=+]ep' <<<"$(getcap /usr/bin/pcapscan)" ||
    fail "no cap_net_raw on /usr/bin/pcapscan: $(getcap /usr/bin/pcapscan)"
fi
unit=/usr/lib/systemd/system/pcapscan-live@.service
[ -f "$unit" ] || [ -f "/lib/systemd/system/pcapscan-live@.service" ] || fail "$unit missing"
[ -f /usr/share/doc/cucm-sbd/live.md ] || fail "docs/live.md not installed"
if command -v systemd-analyze >/dev/null; then
  cp "$unit" "$build/pcapscan-live@eth1.service"
  systemd-analyze verify "$build/pcapscan-live@eth1.service" >"$build.unit.log" 2>&1 ||
    fail "systemd-analyze verify: $(cat "$build.unit.log")"
fi

man_page=/usr/share/man/man1/pcapscan.1.gz
[ -f "$man_page" ] || fail "$man_page missing"
if command -v man >/dev/null; then
  [ "$(man -w pcapscan)" = "$man_page" ] || fail "man -w pcapscan: $(man -w pcapscan 2>&1)"
fi
grep -q '^\.SH EXIT STATUS' <<<"$(zcat "$man_page")" || fail "man page has no EXIT STATUS"
completion=/usr/share/bash-completion/completions/pcapscan
[ -f "$completion" ] || fail "$completion missing"
grep -q _pcapscan <<<"$(bash -c "source '$completion' && complete -p pcapscan")" || fail "completion does not register"
[ -f /usr/share/doc/cucm-sbd/output.md ] || fail "docs not installed"

# As root tshark ignores WIRESHARK_PLUGIN_DIR and personal dirs: only the system dir counts, which
# is what the package installs into. HOME points at a scratch dir so root's config is not read.
tshark_home=$(mktemp -d)
protos=$(HOME=$tshark_home tshark -G protocols 2>/dev/null | cut -f3)
plugins=$(HOME=$tshark_home tshark -G plugins 2>/dev/null)
rm -rf "$tshark_home"
for p in cucmtl cucmsgn cucmtvs; do
  grep -qx "$p" <<<"$protos" || fail "tshark -G protocols does not list $p"
done
grep -q "cucmsbd.so.*$plugin_dir" <<<"$plugins" || fail "tshark -G plugins: cucmsbd.so not loaded from $plugin_dir"
echo "package.deb: both packages built ($(basename "$cli"), $(basename "$plugin") for $ws_pkg $ws_ver), installed, checked; purging"
