# shellcheck shell=bash
# Shared by the tests/live scripts (sourced after `set -euo pipefail`):
#   die MSG                   fail the test with MSG
#   wait_for WHAT SECONDS CMD...  poll CMD every 0.1 s until it succeeds; die after SECONDS
#   has FILTER FILE [JQ ARGS] some line of FILE matches the jq FILTER (jq 1.6's -e looks at the
#                             last line only; no grep -q, whose early exit would kill jq with
#                             SIGPIPE under pipefail)
die() {
  echo "FAIL: $*" >&2
  exit 1
}
wait_for() {
  local what=$1 n=$(($2 * 10))
  shift 2
  until "$@" >/dev/null 2>&1; do
    n=$((n - 1))
    [ $n -gt 0 ] || die "timed out waiting for $what"
    sleep 0.1
  done
}
has() { [ -n "$(jq -c "${@:3}" "$1" "$2")" ]; }
