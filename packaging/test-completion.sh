#!/usr/bin/env bash
# test-completion.sh COMPLETION PCAPSCAN: the bash completion offers each command's own options.
# bash-completion itself may be absent, so its two helpers the script calls are stood in for:
# _init_completion splits the words as bash-completion does for plain words, _filedir marks that
# file names would be offered.
set -uo pipefail
comp=$1
pcapscan=$2
fail() {
  echo "FAIL [package.completion]: $*" >&2
  exit 1
}
# shellcheck disable=SC2034 # the caller's locals, set as bash-completion sets them
_init_completion() {
  words=("${COMP_WORDS[@]}")
  cword=$COMP_CWORD
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
}
_filedir() { COMPREPLY=("<files>"); }
complete() { :; }
# shellcheck source=/dev/null
source "$comp"
offer() { # WORD...: what the completion offers for the last word
  COMP_WORDS=(pcapscan "$@")
  COMP_CWORD=$#
  COMPREPLY=()
  _pcapscan
  printf '%s\n' "${COMPREPLY[@]}"
}
has() { # PATTERN WORD...: the offer for WORD... holds PATTERN (no pipe: grep -q would cut it)
  local pat=$1 got
  shift
  got=$(offer "$@")
  grep -qx -- "$pat" <<<"$got"
}
has 2 -j "" || fail "scan -j offers no job count"
has 2 show -j "" && fail "show -j offers job counts: show has no --jobs"
has 2 merge --jobs "" && fail "merge --jobs offers job counts: merge has no --jobs"
has --jobs show --jo && fail "show offers --jobs"
has warning --min-severity w || fail "--min-severity offers no severity"
for o in --csv --html; do # a file name, or - for stdout
  has '<files>' "$o" "" || fail "$o offers no file names"
  has - "$o" "" && has - merge "$o" - || fail "$o offers no - (standard output)"
  has - --follow "" && fail "--follow offers -"
done
# Every long option of the scan's --help is offered.
for o in $("$pcapscan" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
  has "$o" "$o" || fail "scan does not offer $o"
done
# Every long option of show's --help is offered after show, and nothing show lacks.
show_help=$("$pcapscan" show --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u)
for o in $show_help; do
  has "$o" show "$o" || fail "show does not offer $o"
done
for o in $(offer show --); do
  grep -qx -- "$o" <<<"$show_help" || fail "show offers $o, which show --help does not name"
done
echo "package.completion: ok"
