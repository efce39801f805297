#!/bin/bash
# check-http-watch.sh PLUGIN.so CAPTURES_DIR PCAPSCAN: the HTTP watch (dissector/cucm-http.c) learns
# how far a server's answer reached from TCP's sequence analysis, not from a field of the tree:
#  - cost: tshark with the plugin builds no protocol tree where stock tshark builds none (one pass
#    and tshark -2, on a capture with an HTTP download): libwireshark's answer to "does a
#    postdissector want fields?" (which makes tshark build a tree for every packet) is read by a
#    preloaded probe (want-tree-probe.c), since no output shows it. With TCP's sequence analysis
#    off the watch has to want tcp.nxtseq, and the probe must see that yes (so it can fail);
#  - bytes: on http-cut-by-capture-end.pcap, the download cut by the capture's end is told with
#    the body bytes that came, the same full message as pcapscan's, with TCP's relative sequence
#    numbers on and off and its sequence analysis on and off (the watch converts TCP's raw
#    numbers; without analysis it reads the field). The first pass of tshark -2 builds no tree.
set -euo pipefail
capdir=$(realpath "$2")
pcapscan=$3
cur=setup
. "$(dirname "$0")/lib.sh"

cap=$work/cut.pcap
cp "$capdir/http-cut-by-capture-end.pcap" "$cap"
chmod 644 "$cap"
probe=$work/want-tree-probe.so
${CC:-cc} -shared -fPIC -O1 -Wall -Wextra -Werror -o "$probe" "$here/want-tree-probe.c" -ldl
chmod 755 "$probe"

# wants PLUGIN|- ARGS...: the answers tshark got, one word per pass ("0 0" for tshark -2 without).
wants() {
    local so=$1 log=$work/wants.log
    shift
    : >"$log"
    chmod 666 "$log"
    SBD_PRELOAD=$probe SBD_WANT_TREE_LOG=$log "$here/tshark-plugin.sh" "$so" "$@" >/dev/null \
        2>"$work/wants.err" || bad "tshark $* failed: $(head -3 "$work/wants.err")"
    tr '\n' ' ' <"$log" | sed 's/ $//'
}

cur=cost
for args in "-r $cap" "-2 -r $cap"; do
    # shellcheck disable=SC2086 # words on purpose
    stock=$(wants - $args)
    # shellcheck disable=SC2086
    mine=$(wants "$so" $args)
    [ -n "$stock" ] || bad "the probe saw no question of stock tshark $args"
    [ "$mine" = "$stock" ] ||
        bad "tshark $args: a postdissector wants fields with the plugin (answers '$mine', stock '$stock')"
    grep -q 1 <<<"$stock" && bad "stock tshark $args builds trees ('$stock'): nothing to compare"
done
# shellcheck disable=SC2086
mine=$(wants "$so" -2 -o tcp.analyze_sequence_numbers:FALSE -r "$cap")
[ "${mine%% *}" = 1 ] ||
    bad "without TCP's sequence analysis the watch must want tcp.nxtseq on the first pass (answers '$mine')"

cur=bytes
want=$(pcapscan_rules "$cap" >/dev/null && pcapscan_findings)
grep -q 'TRANSFER_CUT_BY_CAPTURE_END.*([1-9][0-9]* bytes so far)' <<<"$want" ||
    bad "pcapscan names no cut download with its bytes: $want"
for prefs in "" "-o tcp.relative_sequence_numbers:FALSE" "-o tcp.analyze_sequence_numbers:FALSE" \
    "-o tcp.analyze_sequence_numbers:FALSE -o tcp.relative_sequence_numbers:FALSE"; do
    cur="bytes ${prefs:-default}"
    # shellcheck disable=SC2086
    ts_run "$work/pdml" "$work/stderr" -2 $prefs -T pdml -r "$cap" || bad "tshark failed"
    got=$(plugin_findings <"$work/pdml")
    [ "$got" = "$want" ] || bad "messages differ:$(diff <(echo "$want") <(echo "$got") |
        grep '^[<>]' | sed 's/^</ pcapscan:/; s/^>/ plugin:/' | head -4 | tr '\n' ' ')"
done

cur=summary
[ $fail -eq 0 ] && echo "ok: no protocol tree for the HTTP watch; cut downloads told as pcapscan does"
exit $fail
