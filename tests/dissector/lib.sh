# shellcheck shell=sh disable=SC2034 # fail and work are for the scripts that source this file
# Shared start of the tests/dissector scripts (sh and bash): `. "$(dirname "$0")/lib.sh"` with the
# plugin as the script's first argument.
#   ts ARGS...  the real tshark with the plugin, as nobody when run as root (tshark-plugin.sh)
#   bad MSG     report a failure (prefixed with [$cur] when the script sets cur); fail becomes 1
#   work        scratch directory readable by nobody, removed at exit (kept when SBD_KEEP is set)
so=$1
here=$(cd "$(dirname "$0")" && pwd)
ts() { "$here/tshark-plugin.sh" "$so" "$@"; }
fail=0
bad() {
    echo "FAIL${cur:+ [$cur]}: $*" >&2
    fail=1
}
work=$(mktemp -d)
if [ -n "${SBD_KEEP:-}" ]; then
    echo "work dir: $work" >&2
else
    trap 'rm -rf "$work"' EXIT
fi
chmod 755 "$work"
