#!/usr/bin/env bash
# lint.sh format|cppcheck|paths|docs: the style gates of the guide, as tests.
#   format    every tracked .c/.h is what clang-format (the repo's .clang-format) makes of it
#   cppcheck  cppcheck finds no warning, portability or performance issue in our C
#   paths     no tracked text file names a folder outside the repository (the development
#             machine's work tree or a sibling "shared" folder): the repository stands alone
#   docs      every docs/NAME.md a tracked file names exists; every "docs/formats.md section N" is a
#             heading "## N." there; every quoted heading cited after docs/trust-rules.md is one
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
# Every tracked file (or, outside git, the source folders' files).
all_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files
  else
    find common pcapscan dissector tests bench docs scripts cmake packaging captures \
      CMakeLists.txt README.md -type f 2>/dev/null | sort
  fi
}
case ${1:-} in
paths)
  mapfile -t files < <(all_files)
  [ "${#files[@]}" -gt 100 ] || { echo "FAIL: only ${#files[@]} files found" >&2; exit 1; }
  # The patterns are built from pieces so this script does not match itself.
  outside='/'work'/'
  sibling='\.\./'shared
  mapfile -t bad < <(printf '%s\0' "${files[@]}" | xargs -0 grep -IlE -e "$outside" -e "$sibling" || true)
  if [ "${#bad[@]}" -gt 0 ]; then
    for f in "${bad[@]}"; do
      grep -InE -e "$outside" -e "$sibling" "$f" | sed "s|^|FAIL: $f:|" >&2
    done
    echo "FAIL: ${#bad[@]} file(s) name a path outside the repository (cite docs/ instead)" >&2
    exit 1
  fi
  echo "ok: ${#files[@]} files, none names a path outside the repository"
  ;;
docs)
  [ -f docs/formats.md ] || { echo "FAIL: docs/formats.md is missing" >&2; exit 1; }
  mapfile -t files < <(all_files)
  # Numbers after "section"/"sections" on the lines that cite docs/formats.md ("2, 3 and 5",
  # "2-5": each number is checked).
  mapfile -t cited < <(printf '%s\0' "${files[@]}" | xargs -0 grep -IHnoE \
    'docs/formats\.md.*' 2>/dev/null | grep -v '^docs/formats\.md:' |
    perl -ne 'my ($where, $text) = /^([^:]+:\d+):(.*)$/ or next;
      while ($text =~ /\bsections? ((?:\d+(?:\s*(?:,|and|-)\s*)?)+)/g) {
        print "$where $_\n" for $1 =~ /(\d+)/g }')
  [ "${#cited[@]}" -gt 10 ] || { echo "FAIL: only ${#cited[@]} section citations found" >&2; exit 1; }
  bad=0
  for c in "${cited[@]}"; do
    n=${c##* }
    grep -q "^## $n\. " docs/formats.md || { echo "FAIL: ${c% *} cites docs/formats.md section $n, which has no heading" >&2; bad=1; }
  done
  mapfile -t docs < <(printf '%s\0' "${files[@]}" | xargs -0 grep -IhoE 'docs/[a-z0-9_-]+\.md' |
    sort -u)
  for d in "${docs[@]}"; do
    [ -f "$d" ] || { echo "FAIL: $d is cited but missing" >&2; bad=1; }
  done
  mapfile -t titled < <(printf '%s\0' "${files[@]}" | xargs -0 grep -IHnoE \
    'docs/trust-rules\.md`?, "[^"]+"' | grep -v '^docs/trust-rules\.md:')
  headings=$(grep -E '^#+ ' docs/trust-rules.md 2>/dev/null || true) # no pipe into grep -q (pipefail)
  for c in "${titled[@]}"; do
    words=${c#*\"}
    words=${words%\"}
    [ -f docs/trust-rules.md ] && grep -qF "$words" <<<"$headings" ||
      { echo "FAIL: ${c%%:docs/*} cites docs/trust-rules.md heading \"$words\", which is not one" >&2; bad=1; }
  done
  [ "$bad" = 0 ] || exit 1
  echo "ok: ${#cited[@]} section citations of docs/formats.md, ${#titled[@]} headings of" \
    "docs/trust-rules.md, ${#docs[@]} docs named, all present"
  ;;
format)
  mapfile -t files < <(sources)
  [ "${#files[@]}" -gt 50 ] || { echo "FAIL: only ${#files[@]} C files found" >&2; exit 1; }
  clang-format --dry-run --Werror "${files[@]}"
  echo "ok: ${#files[@]} files formatted"
  ;;
cppcheck)
  cppcheck --quiet --enable=warning,portability,performance --error-exitcode=1 --std=c11 \
    --inline-suppr --suppress=missingIncludeSystem --suppress=toomanyconfigs \
    -I common/include -I pcapscan/include -I pcapscan/app \
    common/src pcapscan/src pcapscan/app dissector bench tests/unit tests/fuzz tests/tools \
    tests/pcapscan tests/malformed
  echo "ok: cppcheck clean"
  ;;
wsapi)
  # The plugin is built against Wireshark 4.0 here, where the g-prefixed names are not deprecated
  # yet; 4.4 and 4.6 build with -Werror and stop on them. dissector/cucm-compat.h maps each new
  # name to its old one for 4.0: the old names must not be called anywhere else.
  mapfile -t old < <(sed -nE 's/^#define ([a-z_0-9]+) ([a-z_0-9]+)$/\2/p' dissector/cucm-compat.h)
  [ "${#old[@]}" -gt 0 ] || { echo "FAIL: no renamed function found in cucm-compat.h" >&2; exit 1; }
  pattern="\\b($(IFS='|'; echo "${old[*]}"))\\("
  if grep -nE "$pattern" dissector/*.c dissector/*.h | grep -v '^dissector/cucm-compat.h:'; then
    echo "FAIL: call the new names above (cucm-compat.h maps them on 4.0)" >&2
    exit 1
  fi
  echo "ok: none of ${#old[@]} deprecated Wireshark names (${old[*]}) called"
  ;;
*)
  echo "usage: lint.sh format|cppcheck|paths|docs|wsapi" >&2
  exit 2
  ;;
esac
