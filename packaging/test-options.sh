#!/usr/bin/env bash
# test-options.sh MAN COMPLETION PCAPSCAN: the man page and the bash completion list exactly the
# options of the table the scan and merge parse with (pcapscan/app/cli/opts.c), as their --help
# prints it. Both directions: an option missing from the page or the completion fails, and so does
# one they name that the command does not take.
set -uo pipefail
man=$1
comp=$2
pcapscan=$3
bad=0
fail() {
  echo "FAIL [package.options]: $*" >&2
  bad=1
}

# The options of one --help: the rows ("  -j, --jobs N ...", "  --json ..."), and every --word
# anywhere in it (the usage lines name --version, handled before the table).
rows() { "$pcapscan" "$@" --help | grep -oE '^  (-[a-z], )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+$' | sort -u; }
named() { "$pcapscan" "$@" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u; }

# The options a man section documents: the tag line after each .TP ("\-\-" is "--" in roff).
man_section() { # "TITLE|TITLE..."
  awk -v t="^\\.SH ($1)$" '$0 ~ t { on = 1; next } /^\.SH / { on = 0 } on && tag { print } { tag = on && $0 == ".TP" }' "$man" |
    sed 's/\\-/-/g' | grep -oE -- '--[a-z][a-z-]*' | sort -u
}

# The completion's word lists, read by sourcing it with bash-completion's helpers stood in for.
comp_words() { # VAR
  bash -c 'complete() { :; }; source "$1"; printf "%s\n" ${!2}' _ "$comp" "$1" | sort -u
}

check() { # WHAT COMMAND_ARGS MAN_SECTIONS COMPLETION_VAR
  local what=$1 args=$2 sections=$3 var=$4 o before=$bad
  bad=0
  local -a table all doc words
  # shellcheck disable=SC2086 # args is a word list
  mapfile -t table < <(rows $args)
  # shellcheck disable=SC2086
  mapfile -t all < <(named $args)
  mapfile -t doc < <(man_section "$sections")
  mapfile -t words < <(comp_words "$var")
  [ "${#table[@]}" -ge 5 ] || fail "$what: only ${#table[@]} options in --help"
  [ "${#doc[@]}" -ge 5 ] || fail "$what: only ${#doc[@]} options in the man page ($sections)"
  # Membership by lookup, not grep -q in a pipe: under pipefail an early grep exit fails printf.
  local -A in_doc=() in_words=() in_all=()
  for o in "${doc[@]}"; do in_doc[$o]=1; done
  for o in "${words[@]}"; do in_words[$o]=1; done
  for o in "${all[@]}"; do in_all[$o]=1; done
  for o in "${table[@]}"; do
    [ -n "${in_doc[$o]:-}" ] || fail "$what: $o is not in the man page ($sections)"
    [ -n "${in_words[$o]:-}" ] || fail "$what: $o is not completed ($var)"
  done
  for o in "${doc[@]}"; do
    [ -n "${in_all[$o]:-}" ] || fail "$what: the man page ($sections) documents $o, which $what --help does not name"
  done
  for o in "${words[@]}"; do
    [ -n "${in_all[$o]:-}" ] || fail "$what: the completion offers $o, which $what --help does not name"
  done
  [ "$bad" = 0 ] && echo "$what: ${#table[@]} options, all in the man page and the completion, nothing more"
  [ "$before" = 0 ] || bad=1
}

check scan "" "SCAN OPTIONS|LIVE OPTIONS" _pcapscan_scan_opts
check merge "merge" "MERGE OPTIONS" _pcapscan_merge_opts
exit "$bad"
