# shellcheck shell=sh disable=SC2034 # fail and work are for the scripts that source this file
# Shared start of the tests/dissector scripts (sh and bash): `. "$(dirname "$0")/lib.sh"` with the
# plugin as the script's first argument.
#   ts ARGS...  the real tshark with the plugin, as nobody when run as root (tshark-plugin.sh)
#   ts_run OUT ERR ARGS...  ts with stdout in OUT, stderr in ERR; returns tshark's exit status
#               (a known crash of the release's own tshark is reported and counts as 0)
#   bad MSG     report a failure (prefixed with [$cur] when the script sets cur); fail becomes 1
#   work        scratch directory readable by nobody, removed at exit (kept when SBD_KEEP is set)
#   plugin_rules < PDML, pcapscan_rules CAPTURE  the rules each front end found, "RULE/severity"
#               lines (pcapscan_rules needs $pcapscan, the pcapscan binary)
#   plugin_findings < PDML, pcapscan_findings  every finding, "RULE<tab>PACKET<tab>MESSAGE"
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

# ts_run OUT ERR ARGS...: see above. tshark must exit 0: a crash at exit is a crash, even when the
# output looks complete.
ts_run() {
    _rc=0
    _out=$1 _err=$2
    shift 2
    ts "$@" >"$_out" 2>"$_err" || _rc=$?
    if [ "$_rc" -ne 0 ] && known_tshark_crash "$_rc" "$_err" "$@"; then
        _rc=0
    fi
    return "$_rc"
}

# known_tshark_crash RC ERR ARGS...: Wireshark 4.6.9's own tshark aborts at exit after any
# --export-objects tftp ("free(): invalid size", in eo_free_entry), with or without a plugin. True
# only when this run died that way and stock tshark, with no plugin at all, dies the same way
# (checked on the first such capture); each crash is reported on stderr as KNOWN TSHARK BUG.
known_tshark_crash() {
    _krc=$1 _kerr=$2 _cap='' _prev='' _eo=no _src=0
    shift 2
    [ "$_krc" -eq 134 ] && grep -q 'free(): invalid size' "$_kerr" || return 1
    for _a in "$@"; do
        [ "$_prev" = -r ] && _cap=$_a
        [ "$_a" = --export-objects ] && _eo=yes
        _prev=$_a
    done
    [ "$_eo" = yes ] && [ -n "$_cap" ] || return 1
    # Stock tshark is asked once per script (the first capture that shows the crash).
    if [ -z "${_stock_crash:-}" ]; then
        rm -rf "$work/stock-eo"
        mkdir -m 777 "$work/stock-eo"
        "$here/tshark-plugin.sh" - -r "$_cap" -q --export-objects "tftp,$work/stock-eo" \
            >/dev/null 2>"$work/stock.err" || _src=$?
        _stock_crash=no
        if [ "$_src" -eq 134 ] && grep -q 'free(): invalid size' "$work/stock.err"; then
            _stock_crash=yes
        fi
    fi
    if [ "$_stock_crash" = yes ]; then
        echo "KNOWN TSHARK BUG ($(tshark --version 2>/dev/null | head -1)): aborts with" \
            "'free(): invalid size' at exit after --export-objects tftp on $(basename "$_cap");" \
            "stock tshark without any plugin does the same (outputs are still checked)" >&2
        return 0
    fi
    echo "tshark with the plugin died (exit $_krc, 'free(): invalid size'); stock tshark did not" >&2
    return 1
}

# TFTP transfers built with Wireshark's text2pcap (RRQ to port 69, DATA blocks of 512 bytes back
# from another port), the way Wireshark's own dissection tests build captures from hex.
hexdump_packet() { # FILE: text2pcap input for one packet (offset + 16 bytes a line)
    od -An -v -tx1 -w16 "$1" | awk '{ printf "%06x %s\n", (NR - 1) * 16, $0 }'
    echo
}

# tftp_pcap OUT NAME FILE: one RRQ for NAME and the DATA blocks carrying FILE.
tftp_pcap() {
    _out=$1 _name=$2 _file=$3
    printf '\000\001%s\000octet\000' "$_name" >"$work/rrq.bin"
    hexdump_packet "$work/rrq.bin" >"$work/rrq.txt"
    _size=$(stat -c %s "$_file")
    _blocks=$((_size / 512 + 1)) # a zero-length last block when size is a multiple of 512
    : >"$work/data.txt"
    _b=1
    while [ "$_b" -le "$_blocks" ]; do
        printf '\000\003%b' "\\$(printf '%03o' $((_b >> 8)))\\$(printf '%03o' $((_b & 255)))" \
            >"$work/blk.bin"
        dd if="$_file" bs=512 skip=$((_b - 1)) count=1 status=none >>"$work/blk.bin"
        hexdump_packet "$work/blk.bin" >>"$work/data.txt"
        _b=$((_b + 1))
    done
    text2pcap -q -4 10.9.0.20,10.9.0.10 -u 1069,69 "$work/rrq.txt" "$work/rrq.pcap" >/dev/null 2>&1
    text2pcap -q -4 10.9.0.10,10.9.0.20 -u 3000,1069 "$work/data.txt" "$work/data.pcap" >/dev/null 2>&1
    mergecap -a -w "$_out" "$work/rrq.pcap" "$work/data.pcap"
    chmod 644 "$_out"
}

# "RULE/severity" of every rule expert info in PDML on stdin (severity as the rule table words it:
# PI_ERROR error, PI_WARN warning, PI_NOTE info), one line each, sorted, unique.
plugin_rules() {
    awk '/<field name="cucm(tl|sgn|tvs)\.rule\./ {
             match($0, /name="[^"]*"/); r = substr($0, RSTART + 6, RLENGTH - 7)
             sub(/.*\.rule\./, "", r); want = 1; next }
         want && /<field name="_ws.expert.severity"/ {
             match($0, / show="[0-9]+"/); v = substr($0, RSTART + 7, RLENGTH - 8)
             s = v == 8388608 ? "error" : v == 6291456 ? "warning" : v == 4194304 ? "info" : "severity-" v
             print toupper(r) "/" s; want = 0 }' | sort -u
}

# The same from pcapscan --json on capture $1 (packet time for expiry, as the plugin judges it). Its
# exit status says what it found (1: findings); 2 is a failure.
pcapscan_rules() {
    _prc=0
    "$pcapscan" --json "$1" >"$work/pcapscan.json" 2>"$work/pcapscan.err" || _prc=$?
    [ "$_prc" -lt 2 ] || bad "pcapscan exited $_prc: $(head -3 "$work/pcapscan.err")"
    jq -r 'select(.type == "finding") | "\(.rule)/\(.severity)"' "$work/pcapscan.json" | sort -u
}

# "RULE SERIAL" for every serial a rule-bearing reason names ("serial 8A:3E:..."): plugin_serials
# reads the reason items of PDML on stdin (each carries its rule's expert info), pcapscan_serials
# the messages of the last pcapscan_rules run. The engine writes both texts: a front end that
# renders a serial its own way makes the two differ.
serial_tokens() { # RULE TEXT
    printf '%s\n' "$2" | grep -o -E 'serial [^ ,;)&"]+' | cut -c8- |
        grep -x -E '[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2})*' | sed "s/^/$1 /" || true
}
plugin_serials() {
    awk '/<field name="cucm(tl|sgn|tvs)\.trust\.reason"/ {
             match($0, / show="[^"]*"/); reason = substr($0, RSTART + 7, RLENGTH - 8); next }
         /<field name="cucm(tl|sgn|tvs)\.rule\./ {
             match($0, /name="[^"]*"/); r = substr($0, RSTART + 6, RLENGTH - 7)
             sub(/.*\.rule\./, "", r); print toupper(r) "\t" reason; reason = "" }' |
        while IFS=$(printf '\t') read -r _rule _text; do serial_tokens "$_rule" "$_text"; done |
        sort -u
}
pcapscan_serials() {
    jq -r 'select(.type == "finding") | "\(.rule)\t\(.message)"' "$work/pcapscan.json" |
        while IFS=$(printf '\t') read -r _rule _text; do serial_tokens "$_rule" "$_text"; done |
        sort -u
}

# "RULE<tab>PACKET<tab>MESSAGE", one line per finding (sorted, repeats kept, so the number of
# findings of each rule counts too): plugin_findings from PDML on stdin, each decision that carries
# its rule's expert info taken at the frame of its event (the frame showing no P.trust.event_frame;
# the same decision shown at another frame, and a repeat of a finding, carry none), with PDML's
# escapes undone; pcapscan_findings from the last pcapscan_rules run, at the first packet of its
# evidence (the event's). CAPTURE_TRUNCATED is no decision of the trust engine.
plugin_findings() {
    awk 'function flush() { if (rule != "" && !elsewhere) print toupper(rule) "\t" pkt "\t" reason
             rule = ""; reason = ""; elsewhere = 0 }
         /<packet>/ { flush(); pkt = "" }
         /<field name="frame.number"/ && pkt == "" {
             match($0, / show="[^"]*"/); pkt = substr($0, RSTART + 7, RLENGTH - 8) }
         /<field name="cucm(tl|sgn|tvs)\.trust" / { flush() }
         /<field name="cucm(tl|sgn|tvs)\.trust\.reason"/ {
             match($0, / show="[^"]*"/); reason = substr($0, RSTART + 7, RLENGTH - 8) }
         /<field name="cucm(tl|sgn|tvs)\.rule\./ {
             match($0, /name="[^"]*"/); rule = substr($0, RSTART + 6, RLENGTH - 7)
             sub(/.*\.rule\./, "", rule) }
         /<field name="cucm(tl|sgn|tvs)\.trust\.event_frame"/ { elsewhere = 1 }
         END { flush() }' |
        sed "s/&quot;/\"/g; s/&#x27;/'/g; s/&apos;/'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g" |
        LC_ALL=C sort
}
pcapscan_findings() {
    jq -r 'select(.type == "finding" and .rule != "CAPTURE_TRUNCATED")
           | "\(.rule)\t\(.evidence.packets[0] // 0)\t\(.message)"' "$work/pcapscan.json" |
        LC_ALL=C sort
}
