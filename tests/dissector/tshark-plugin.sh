#!/bin/sh
# Run the real tshark with the freshly built plugin: tshark-plugin.sh PLUGIN.so [tshark args...]
# (PLUGIN "-": stock tshark with no plugin at all, under the same conditions.)
# Wireshark ignores WIRESHARK_PLUGIN_DIR for root, so as root we copy the plugin into a private
# directory readable by "nobody" and drop privileges with setpriv (recipe section 2). Captures and
# key logs named in the arguments must be readable by nobody too (callers use world-readable
# copies). A plugin built with -DSBD_SANITIZE=ON needs the sanitizer runtimes preloaded into tshark.
# SBD_PRELOAD: more libraries to preload (after the sanitizer runtimes, which must come first).
set -eu
so=$1
shift
# The plugin's ABI directory (major.minor) is the one it was built into: BUILD/plugins/4.4/epan/x.so.
abi=
[ "$so" = - ] || abi=$(basename "$(dirname "$(dirname "$(realpath "$so")")")")
case $abi in
[0-9]*.[0-9]*) ;;
*) abi=$(pkg-config --variable=plugindir wireshark 2>/dev/null | sed 's|.*/||') ;;
esac
[ -n "$abi" ] || abi=4.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plugins/$abi/epan" "$tmp/home" "$tmp/extcap"
preload=
if [ "$so" != - ]; then
    cp "$so" "$tmp/plugins/$abi/epan/"
    for lib in libasan libubsan; do
        if readelf -d "$so" | grep -q "NEEDED.*$lib"; then
            preload="$preload${preload:+:}$(gcc -print-file-name=$lib.so)"
        fi
    done
fi
preload="$preload${SBD_PRELOAD:+${preload:+:}$SBD_PRELOAD}"
chmod -R a+rX "$tmp"
set -- env HOME="$tmp/home" WIRESHARK_PLUGIN_DIR="$tmp/plugins" WIRESHARK_EXTCAP_DIR="$tmp/extcap" \
    ${preload:+LD_PRELOAD=$preload} ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 tshark "$@"
if [ "$(id -u)" = 0 ]; then
    chown 65534:65534 "$tmp/home"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
else
    "$@"
fi
