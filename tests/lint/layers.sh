#!/usr/bin/env bash
# layers.sh [APP_DIR]: the include rule of pcapscan/app (docs/architecture.md).
#   1. Every file lives in a layer folder: lib < model < scan < rules < report < cli.
#   2. A file includes headers of its own layer and earlier ones only ("layer/file.h").
#   3. No include cycle among the files. A module is a .c and its .h (certs.c + certs.h): when
#      observe.c includes certs.h and certs.h includes observe.h, neither can be built, tested or
#      understood without the other, so the check joins the pair before looking for a loop.
# APP_DIR defaults to $ROOT/pcapscan/app. With --self-test, the script copies the tree, plants a
# later-layer include and then a same-layer cycle, and fails unless it rejects both.
# layers.sh --objects OBJ...: the same order at link level, over the built objects (named
# .../app/LAYER/FILE.c.o): no object uses a function or variable an object of a later layer
# defines. Includes alone miss a function declared in an early header and defined later (the run
# accessors were declared in model/run.h and defined in rules/rules.c).
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

# check_objects OBJ...: one FAIL line per use of a later layer's symbol.
check_objects() {
  local o n=0 defs uses
  defs=$(mktemp)
  uses=$(mktemp)
  for o in "$@"; do
    [[ $o =~ (^|/)app/([a-z]+)/([^/]+)\.o$ ]] || { echo "FAIL: $o is not in a layer folder"; rm -f "$defs" "$uses"; return 1; }
    n=$((n + 1))
    nm --defined-only -g "$o" | awk -v f="${BASH_REMATCH[2]}/${BASH_REMATCH[3]%.o}" 'NF == 3 { print $3, f }' >>"$defs"
    nm -u "$o" | awk -v f="${BASH_REMATCH[2]}/${BASH_REMATCH[3]%.o}" '{ print $NF, f }' >>"$uses"
  done
  local out
  out=$(awk -v order="${LAYERS[*]}" '
    BEGIN { n = split(order, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
    function layer(f) { sub(/\/.*/, "", f); return f }
    NR == FNR { def[$1] = $2; next }
    ($1 in def) && rank[layer(def[$1])] > rank[layer($2)] {
      print "FAIL: " $2 " uses " $1 ", defined in " def[$1] ": " layer(def[$1]) " is a later layer than " layer($2)
    }' "$defs" "$uses")
  rm -f "$defs" "$uses"
  if [ "$n" -lt 10 ]; then
    echo "FAIL: only $n objects given"
    return 1
  fi
  if [ -n "$out" ]; then
    echo "$out"
    return 1
  fi
  echo "ok: $n objects, none uses a symbol of a later layer"
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

  # Link level: a model object calling a function only a rules object defines.
  mkdir -p "$tmp/obj/app/model" "$tmp/obj/app/rules"
  local objs=() i
  printf 'int rules_fn(void);\nint model_fn(void) { return rules_fn(); }\n' >"$tmp/obj/app/model/a.c"
  printf 'int model_fn(void);\nint rules_fn(void) { return 1; }\nint rules_ok(void) { return model_fn(); }\n' >"$tmp/obj/app/rules/b.c"
  "${CC:-cc}" -c -o "$tmp/obj/app/model/a.c.o" "$tmp/obj/app/model/a.c" &&
    "${CC:-cc}" -c -o "$tmp/obj/app/rules/b.c.o" "$tmp/obj/app/rules/b.c" ||
    { echo "FAIL: cannot compile the planted objects"; return 1; }
  for i in $(seq 1 9); do objs+=("$tmp/obj/app/rules/b.c.o"); done
  if out=$(check_objects "$tmp/obj/app/model/a.c.o" "${objs[@]}"); then
    echo "FAIL: a model object using a rules function was not caught"
    return 1
  fi
  grep -q 'model/a.c uses rules_fn, defined in rules/b.c' <<<"$out" ||
    { echo "FAIL: wrong message for the planted call: $out"; return 1; }
  grep -q 'rules_ok\|model_fn' <<<"$out" && { echo "FAIL: a call down the layers was refused: $out"; return 1; }
  echo "ok: a later-layer include, a cycle, a file outside the layers and a call up the layers are each rejected"
}

if [ "${1:-}" = --self-test ]; then
  self_test "${2:-$ROOT/pcapscan/app}"
elif [ "${1:-}" = --objects ]; then
  shift
  check_objects "$@"
else
  check "${1:-$ROOT/pcapscan/app}"
fi
