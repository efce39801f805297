#!/usr/bin/env bash
# layers.sh [APP_DIR]: the include rule of pcapscan/app (docs/architecture.md).
#   1. Every file lives in a layer folder: lib < model < scan < rules < report < cli.
#   2. A file includes headers of its own layer and earlier ones only ("layer/file.h").
#   3. No include cycle among the files. A module is a .c and its .h (certs.c + certs.h): when
#      observe.c includes certs.h and certs.h includes observe.h, neither can be built, tested or
#      understood without the other, so the check joins the pair before looking for a loop.
# APP_DIR defaults to $ROOT/pcapscan/app. With --self-test, the script copies the tree, plants a
# later-layer include and then a same-layer cycle, and fails unless it rejects both.
set -euo pipefail
LAYERS=(lib model scan rules report cli)

rank_of() {
  local i
  for i in "${!LAYERS[@]}"; do
    [ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }
  done
  echo -1
}

# check DIR: prints one FAIL line per problem, returns 1 if any.
check() {
  local dir=$1 bad=0 edges f layer rank inc to trank n=0
  edges=$(mktemp)
  while IFS= read -r f; do
    n=$((n + 1))
    layer=${f%%/*}
    rank=$(rank_of "$layer")
    if [ "$layer" = "$f" ] || [ "$rank" -lt 0 ]; then
      echo "FAIL: $f is not in a layer folder (${LAYERS[*]})"
      bad=1
      continue
    fi
    while IFS= read -r inc; do
      # Only the app's own headers: cap/ and sbd/ are libraries below every layer.
      [ -f "$dir/$inc" ] || continue
      to=${inc%%/*}
      trank=$(rank_of "$to")
      if [ "$trank" -gt "$rank" ]; then
        echo "FAIL: $f includes $inc: $to is a later layer than $layer"
        bad=1
      fi
      echo "${f%.*} ${inc%.*}" >>"$edges"
    done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$dir/$f")
  done < <(cd "$dir" && find . -name '*.[ch]' | sed 's|^\./||' | sort)
  if [ "$n" -lt 10 ]; then
    echo "FAIL: only $n files found under $dir"
    bad=1
  fi
  # tsort names the members of each loop it meets on stderr and exits non-zero.
  local loops
  if ! loops=$(tsort "$edges" 2>&1 >/dev/null); then
    echo "FAIL: include cycle among these modules (a .c and its .h count as one):"
    awk '/input contains a loop/ { if (l != "") print "  " l; l = ""; next }
         { sub(/^tsort: /, ""); l = l == "" ? $0 : l " -> " $0 }
         END { if (l != "") print "  " l }' <<<"$loops"
    bad=1
  fi
  rm -f "$edges"
  local order
  order=$(printf '%s < ' "${LAYERS[@]}")
  [ "$bad" = 0 ] && echo "ok: $n files, includes follow ${order% < }, no cycle"
  return "$bad"
}

self_test() {
  local src=$1 tmp out
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  cp -r "$src" "$tmp/clean"
  check "$tmp/clean" >/dev/null || { echo "FAIL: the unchanged tree does not pass"; return 1; }

  cp -r "$src" "$tmp/up"
  echo '#include "report/report.h"' >>"$tmp/up/model/store.c"
  if out=$(check "$tmp/up"); then
    echo "FAIL: a planted model -> report include was not caught"
    return 1
  fi
  grep -q 'model/store.c includes report/report.h' <<<"$out" ||
    { echo "FAIL: wrong message for the planted include: $out"; return 1; }

  cp -r "$src" "$tmp/loop"
  printf '#include "lib/util.h"\n' >"$tmp/loop/lib/loop_a.h"
  printf '#include "lib/loop_a.h"\n' >"$tmp/loop/lib/loop_b.c"
  printf '#include "lib/loop_b.h"\n' >>"$tmp/loop/lib/util.c"
  : >"$tmp/loop/lib/loop_b.h"
  if out=$(check "$tmp/loop"); then
    echo "FAIL: a planted cycle lib/util -> lib/loop_b -> lib/loop_a -> lib/util was not caught"
    return 1
  fi
  grep -q 'cycle' <<<"$out" && grep -q 'lib/loop_a' <<<"$out" ||
    { echo "FAIL: wrong message for the planted cycle: $out"; return 1; }

  cp -r "$src" "$tmp/stray"
  : >"$tmp/stray/stray.c"
  if check "$tmp/stray" >/dev/null; then
    echo "FAIL: a file outside the layer folders was not caught"
    return 1
  fi
  echo "ok: a later-layer include, a cycle and a file outside the layers are each rejected"
}

if [ "${1:-}" = --self-test ]; then
  self_test "${2:-$ROOT/pcapscan/app}"
else
  check "${1:-$ROOT/pcapscan/app}"
fi
