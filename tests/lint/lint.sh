#!/usr/bin/env bash
# lint.sh format|cppcheck: the style gates of the guide, as tests.
#   format    every tracked .c/.h is what clang-format (the repo's .clang-format) makes of it
#   cppcheck  cppcheck finds no warning, portability or performance issue in our C
# Env: ROOT (the source tree).
set -euo pipefail
cd "$ROOT"
sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -- '*.c' '*.h'
  else
    find common pcapscan dissector tests bench -name '*.[ch]' | sort
  fi
}
case ${1:-} in
format)
  mapfile -t files < <(sources)
  [ "${#files[@]}" -gt 50 ] || { echo "FAIL: only ${#files[@]} C files found" >&2; exit 1; }
  clang-format --dry-run --Werror "${files[@]}"
  echo "ok: ${#files[@]} files formatted"
  ;;
cppcheck)
  cppcheck --quiet --enable=warning,portability,performance --error-exitcode=1 --std=c11 \
    --inline-suppr --suppress=missingIncludeSystem --suppress=toomanyconfigs \
    -I common/include -I pcapscan/include \
    common/src pcapscan/src pcapscan/app dissector bench tests/unit tests/fuzz tests/tools \
    tests/pcapscan tests/malformed
  echo "ok: cppcheck clean"
  ;;
*)
  echo "usage: lint.sh format|cppcheck" >&2
  exit 2
  ;;
esac
