#!/usr/bin/env bash
# bench/run.sh [SIZE...]: pcapscan against cat, tcpdump and tshark on the same synthetic captures
# of both profiles, rtp (mostly calls) and reset (a cluster-wide reset at two TFTP nodes), each
# SIZE (default 100M and 1G); page cache warm, median of several runs, peak RSS from /usr/bin/time
# -v, JSON size against capture size. Also shards + merge (GNU parallel) against one process,
# pcapscan -j 1 vs -j 2 on a batch of captures and the Wireshark plugin's cost in tshark.
# Prints Markdown tables (also saved to bench/out/results-<UTC time>.md). See bench/README.md.
#
# Environment: BENCH_RUNS (runs per measurement, default 5; 3 for captures over 200 MB),
# BENCH_TSHARK_MAX (largest capture tshark --export-objects runs on, default 200M: it needs about
# 4 s and 2 MB of RSS per 1 MB of capture here), BENCH_BATCH (batch for -j, default 4x50M),
# BENCH_OUT (where captures go, default bench/out; never committed), BENCH_PHONES (phones with
# their own trust files, default 64), BENCH_CALLGRIND (0 skips the instruction counts),
# BENCH_PROFILES (default "rtp reset"), BENCH_SHARDS (shards of the parallel run, default 8; 0
# skips it).
set -euo pipefail

# Internal mode for the plugin measurement (/usr/bin/time cannot run a shell function): tshark as
# nobody, since as root it ignores WIRESHARK_PLUGIN_DIR. --tshark-as-nobody TMP with|without FILE
if [ "${1:-}" = "--tshark-as-nobody" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        exec setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$2/home" \
            WIRESHARK_PLUGIN_DIR="$2/$3" tshark -r "$4"
    fi
    exec env HOME="$2/home" WIRESHARK_PLUGIN_DIR="$2/$3" tshark -r "$4"
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$here/build
out=${BENCH_OUT:-$here/out}
runs_default=${BENCH_RUNS:-5}
tshark_max=${BENCH_TSHARK_MAX:-200M}
batch=${BENCH_BATCH:-4x50M}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100M 1G)

tmp=$(mktemp -d)
chmod 755 "$tmp" # tshark runs as nobody for the plugin measurement
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
report=$out/results-$(date -u +%Y%m%dT%H%M%SZ).md

say() { printf '%s\n' "$*" | tee -a "$report"; }
note() { printf '%s\n' "$*" >&2; }

# SIZE with K/M/G suffix (powers of 1024) -> bytes
bytes_of() {
    local n=${1%[KkMmGg]} u=${1: -1}
    case $u in
    K | k) echo $((n << 10)) ;;
    M | m) echo $((n << 20)) ;;
    G | g) echo $((n << 30)) ;;
    *) echo "$1" ;;
    esac
}

need_time() {
    [ -x /usr/bin/time ] && return
    note "installing GNU time (Debian package 'time') for peak RSS"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq time >/dev/null || $sudo apt-get update -qq
    [ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time
}

# Release, no sanitizers. -Wno-error=maybe-uninitialized: -O3 gives false positives in code
# the sanitizer builds (-O1) never see; the warning is still printed.
build_tree() {
    note "building Release tree in $build"
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSBD_SANITIZE=OFF \
        -DSBD_PLUGIN=ON -DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized" >"$tmp/cmake.log" 2>&1 ||
        {
            cat "$tmp/cmake.log" >&2
            exit 1
        }
    ninja -j2 -C "$build" pcapscan gen-capture sbdgen >"$tmp/ninja.log" 2>&1 || {
        tail -30 "$tmp/ninja.log" >&2
        exit 1
    }
    plugin=""
    if ninja -j2 -C "$build" cucmsbd >>"$tmp/ninja.log" 2>&1; then
        plugin=$(find "$build/plugins" -name 'cucmsbd.so' -print -quit 2>/dev/null)
    fi
    [ -n "$plugin" ] || note "Wireshark plugin not built (no target or build failed): its row is skipped"
}

# measure LABEL RUNS CMD...: median wall time (ns timer) and peak RSS (time -v) over RUNS runs.
# "@RUN@" in CMD becomes the run number. Sets M_SEC and M_RSS_MB; stdout of CMD is discarded.
measure() {
    local label=$1 runs=$2 r t0 t1 rss max=0
    shift 2
    local -a times=()
    for ((r = 1; r <= runs; r++)); do
        local -a cmd=("${@//@RUN@/$r}")
        t0=$(date +%s%N)
        if ! /usr/bin/time -v -o "$tmp/tv" "${cmd[@]}" >/dev/null 2>"$tmp/err"; then
            # pcapscan exits 1 when a finding has severity error: still a complete run
            if [ "$label" = "${label#pcapscan}" ] || ! grep -q 'Exit status: 1$' "$tmp/tv"; then
                note "$label failed: $(tail -3 "$tmp/err")"
                exit 1
            fi
        fi
        t1=$(date +%s%N)
        times+=($((t1 - t0)))
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/tv")
        [ "$rss" -gt "$max" ] && max=$rss
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    M_SEC=$(awk -v ns="$median" 'BEGIN { printf "%.3f", ns / 1e9 }')
    M_RSS_MB=$(awk -v kb="$max" 'BEGIN { printf "%.1f", kb / 1024 }')
}

# interleave RUNS FN_A FN_B: runs A, B, A, B... (each FN does one "measure LABEL 1 ...") so a
# change of load during the runs hits both sides alike. Sets A_SEC/B_SEC (medians) and
# A_RSS/B_RSS (peaks).
interleave() {
    local runs=$1 r
    local -a ta=() tb=()
    A_RSS=0 B_RSS=0
    for ((r = 1; r <= runs; r++)); do
        "$2"
        ta+=("$M_SEC")
        A_RSS=$(awk -v a="$A_RSS" -v b="$M_RSS_MB" 'BEGIN { print (b > a ? b : a) }')
        "$3"
        tb+=("$M_SEC")
        B_RSS=$(awk -v a="$B_RSS" -v b="$M_RSS_MB" 'BEGIN { print (b > a ? b : a) }')
    done
    A_SEC=$(printf '%s\n' "${ta[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
    B_SEC=$(printf '%s\n' "${tb[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
}

# row CAPTURE BYTES PACKETS TOOL RUNS: one table line from the last measure
row() {
    local mbs pps
    mbs=$(awk -v b="$2" -v s="$M_SEC" 'BEGIN { printf "%.0f", b / 1e6 / s }')
    pps=$(awk -v p="$3" -v s="$M_SEC" 'BEGIN { printf "%.0f", p / s / 1000 }')
    say "| $1 | $4 | $M_SEC | $mbs | $pps | $M_RSS_MB | $5 |"
}

machine() {
    say "## Machine"
    say ""
    say "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), nproc $(nproc)"
    say "- memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    say "- kernel: $(uname -r); $(tcpdump --version 2>&1 | head -2 | tr '\n' ' ')"
    say "- $(tshark --version 2>/dev/null | head -1)"
    say "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    say ""
}

# gen NAME SIZE SEED [gen-capture options]: sets GEN_FILE (the capture) and GEN_PACKETS
# (a NAME starting with "reset" gets --profile reset)
gen() {
    local profile=rtp
    [ "${1#reset}" = "$1" ] || profile=reset
    GEN_FILE=$out/$1.pcap
    "$build/bench/gen-capture" -o "$GEN_FILE" --size "$2" --seed "$3" --trust-dir "$tmp/trust" \
        --profile "$profile" "${@:4}" 2>"$tmp/gen.log"
    GEN_PACKETS=$(sed -n 's/.*: \([0-9]*\) packets.*/\1/p' "$tmp/gen.log")
}

# bench_capture PROFILE SIZE: one capture of the profile, every tool on it
bench_capture() {
    local profile=$1 size=$2 file bytes packets runs
    gen "$profile-$size" "$size" 1
    file=$GEN_FILE
    packets=$GEN_PACKETS
    bytes=$(stat -c %s "$file")
    runs=$runs_default
    [ "$bytes" -le $((200 << 20)) ] || runs=${BENCH_RUNS:-3}
    cat "$file" >/dev/null # warm the page cache
    local cap
    cap="$(basename "$file") ($(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), $packets pkts)"
    note "benchmarking $cap, $runs runs each"

    measure cat "$runs" cat "$file"
    row "$cap" "$bytes" "$packets" "cat" "$runs"
    local t_cat=$M_SEC

    measure tcpdump "$runs" tcpdump -r "$file" -w /dev/null
    row "$cap" "$bytes" "$packets" "tcpdump -r -w /dev/null" "$runs"
    local t_tcpdump=$M_SEC

    measure pcapscan "$runs" "$build/pcapscan/pcapscan" -q --json "$file"
    row "$cap" "$bytes" "$packets" "pcapscan --json" "$runs"
    local t_scan=$M_SEC rss_scan=$M_RSS_MB

    measure pcapscan-text "$runs" "$build/pcapscan/pcapscan" -q "$file"
    row "$cap" "$bytes" "$packets" "pcapscan (text)" "$runs"
    local t_text=$M_SEC rss_text=$M_RSS_MB

    local json_bytes=0
    "$build/pcapscan/pcapscan" -q --json "$file" >"$tmp/out.json" || true
    json_bytes=$(stat -c %s "$tmp/out.json")
    rm -f "$tmp/out.json"

    local t_tshark="" rss_tshark=""
    if [ "$bytes" -le "$(bytes_of "$tshark_max")" ]; then
        local r
        for ((r = 1; r <= runs; r++)); do mkdir -p "$tmp/eo.$r"; done
        measure tshark "$runs" tshark -r "$file" -q --export-objects "tftp,$tmp/eo.@RUN@"
        row "$cap" "$bytes" "$packets" "tshark --export-objects tftp" "$runs"
        t_tshark=$M_SEC
        rss_tshark=$M_RSS_MB
        rm -rf "$tmp"/eo.*
    fi
    RATIOS+=("$(awk -v c="$t_cat" -v d="$t_tcpdump" -v s="$t_scan" -v x="$t_text" -v t="$t_tshark" \
        -v rs="$rss_scan" -v rx="$rss_text" -v rt="$rss_tshark" -v jb="$json_bytes" -v b="$bytes" \
        -v cap="$cap" -v pr="$profile" 'BEGIN {
            printf "| %s | %s | %.2fx | %.2fx | %.2fx | %s | %s / %s MB | %s | %.1f%% |", pr, cap,
                d / s, d / x, c / s,
                t == "" ? "skipped (> '"$tshark_max"')" : sprintf("%.1fx", t / s), rs, rx,
                rt == "" ? "-" : rt " MB", 100 * jb / b }')")
    if [ "$profile" = rtp ] && [ "$bytes" -le $((200 << 20)) ] && [ -z "$PLUGIN_CAPTURE" ]; then
        PLUGIN_CAPTURE=$file
        SMALL_SIZE=$size
    fi
    [ "$profile" != reset ] || [ -n "$SHARD_CAPTURE" ] || SHARD_CAPTURE=$file
    return 0
}

# Shards + merge against one process, on the first reset capture cut into files as a rotating
# capture would write them: docs/scale.md's GNU parallel recipe with local job slots.
bench_shards() {
    local n=${BENCH_SHARDS:-8}
    [ "$n" -gt 0 ] && [ -n "$SHARD_CAPTURE" ] || return 0
    say ""
    say "### Shards + merge (GNU parallel, 2 local job slots) vs one process, reset profile"
    say ""
    if ! command -v parallel >/dev/null || ! command -v editcap >/dev/null; then
        say "skipped: GNU parallel (Debian package parallel) or editcap not installed"
        return
    fi
    local dir=$tmp/shards packets
    mkdir -p "$dir/in" "$dir/res"
    packets=$(capinfos -c -M "$SHARD_CAPTURE" | sed -n 's/.*packets: *//p')
    editcap -c $(((packets + 15) / 16)) "$SHARD_CAPTURE" "$dir/in/span.pcap"
    cat "$dir"/in/* >/dev/null
    local nfiles
    nfiles=$(find "$dir/in" -name '*.pcap' | wc -l)
    say "| run | median s | runs |"
    say "|---|---|---|"
    measure pcapscan-one "$runs_default" "$build/pcapscan/pcapscan" -q --json -j 2 "$dir/in"
    say "| one process, -j 2, $nfiles files | $M_SEC | $runs_default |"
    local t_one=$M_SEC
    SHARD_CMD="$build/pcapscan/pcapscan --json --json-content -q --shard {}/$n $dir/in > $dir/res/shard-{}.jsonl; test \$? -le 2"
    measure shards "$runs_default" bash -c 'seq 1 "$1" | parallel -j 2 "$2"' _ "$n" "$SHARD_CMD"
    local t_shards=$M_SEC
    say "| $n shards, parallel -j 2 | $M_SEC | $runs_default |"
    measure pcapscan-merge "$runs_default" "$build/pcapscan/pcapscan" merge --json "$dir"/res/shard-*.jsonl
    say "| merge of the $n results | $M_SEC | $runs_default |"
    say ""
    say "shards + merge vs one process: $(awk -v a="$t_one" -v b="$t_shards" -v m="$M_SEC" \
        'BEGIN { printf "%.3f s vs %.3f s (%.2fx)", b + m, a, (b + m) / a }') on this machine's 2 cores"
    rm -rf "$dir"
}

# The packet path alone: the same traffic mix without phone boots (no TFTP, no TLS), where
# pcapscan does what tcpdump does plus decoding and flow lookups.
bench_packet_path() {
    local size=$1 bytes packets t_dump
    gen "noboot-$size" "$size" 1 --boots 0
    bytes=$(stat -c %s "$GEN_FILE")
    packets=$GEN_PACKETS
    cat "$GEN_FILE" >/dev/null
    say ""
    say "### Packet path alone: $size of the same mix without phone boots (RTP and HTTP only)"
    say ""
    say "| tool | median s | MB/s | kpkt/s | peak RSS MB | runs |"
    say "|---|---|---|---|---|---|"
    measure tcpdump "$runs_default" tcpdump -r "$GEN_FILE" -w /dev/null
    say "| tcpdump -r -w /dev/null | $M_SEC | $(rate "$bytes" "$packets") | $M_RSS_MB | $runs_default |"
    t_dump=$M_SEC
    measure pcapscan "$runs_default" "$build/pcapscan/pcapscan" -q --json "$GEN_FILE"
    say "| pcapscan --json | $M_SEC | $(rate "$bytes" "$packets") | $M_RSS_MB | $runs_default |"
    say ""
    say "pcapscan/tcpdump throughput without trust traffic: $(awk -v a="$t_dump" -v b="$M_SEC" 'BEGIN { printf "%.2fx", a / b }')"
    rm -f "$GEN_FILE"
}

# rate BYTES PACKETS -> "MB/s | kpkt/s" for the last measure
rate() {
    awk -v b="$1" -v p="$2" -v s="$M_SEC" 'BEGIN { printf "%.0f | %.0f", b / 1e6 / s, p / s / 1000 }'
}

# Instruction counts do not depend on what else the machine runs: callgrind on a 20M capture
# with and without phone boots, tcpdump vs pcapscan.
bench_instructions() {
    if [ "${BENCH_CALLGRIND:-1}" = 0 ] || ! command -v valgrind >/dev/null; then
        return
    fi
    say ""
    say "### Instructions (callgrind; independent of the machine's load), 20M rtp, 30M reset"
    say ""
    say "| capture | tcpdump | pcapscan --json | pcapscan/tcpdump |"
    say "|---|---|---|---|"
    local kind d s
    PHASES=()
    for kind in mixed noboot reset; do
        case $kind in
        mixed) gen "cg-$kind" 20M 1 ;;
        noboot) gen "cg-$kind" 20M 1 --boots 0 ;;
        reset) gen "reset-cg" 30M 1 ;;
        esac
        d=$(instructions tcpdump -Z root -r "$GEN_FILE" -w /dev/null)
        s=$(instructions "$build/pcapscan/pcapscan" -q --json "$GEN_FILE")
        say "| $kind ($GEN_PACKETS pkts) | $d | $s | $(awk -v a="$d" -v b="$s" 'BEGIN { printf "%.2fx", b / a }') |"
        PHASES+=("| $kind | $(phase scan_input) | $(phase rules_run) | $(phase report_json) |")
        rm -f "$GEN_FILE"
    done
    say ""
    say "pcapscan --json by phase (inclusive instructions: reading and tracking packets, the rules"
    say "pass with the trust engine, the JSON report):"
    say ""
    say "| capture | scan | rules | JSON report |"
    say "|---|---|---|---|"
    for r in "${PHASES[@]}"; do say "$r"; done
}

# phase FUNCTION: inclusive instructions of FUNCTION in the last pcapscan callgrind profile
phase() {
    callgrind_annotate --inclusive=yes "$tmp/cg.out" 2>/dev/null |
        awk -v f=":$1 " 'index($0, f) && !done { gsub(",", "", $1); print $1; done = 1 }'
}

# instructions CMD...: total instructions executed (callgrind "Collected")
instructions() {
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" >/dev/null 2>"$tmp/cg.err"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/cg.err"
}

jobs_1() { measure pcapscan-j1 1 "$build/pcapscan/pcapscan" -q --json -j 1 "${BATCH_FILES[@]}"; }
jobs_2() { measure pcapscan-j2 1 "$build/pcapscan/pcapscan" -q --json -j 2 "${BATCH_FILES[@]}"; }

bench_jobs() {
    local n=${batch%x*} each=${batch#*x} i files=()
    for ((i = 1; i <= n; i++)); do
        gen "batch-$i" "$each" $((10 + i))
        files+=("$GEN_FILE")
    done
    cat "${files[@]}" >/dev/null
    local bytes
    bytes=$(cat "${files[@]}" | wc -c)
    say ""
    say "### pcapscan -j on a batch of $n captures of $each"
    say ""
    say "| jobs | median s | MB/s | peak RSS MB | runs |"
    say "|---|---|---|---|---|"
    BATCH_FILES=("${files[@]}")
    interleave "$runs_default" jobs_1 jobs_2
    local mbs1 mbs2
    mbs1=$(awk -v b="$bytes" -v s="$A_SEC" 'BEGIN { printf "%.0f", b / 1e6 / s }')
    mbs2=$(awk -v b="$bytes" -v s="$B_SEC" 'BEGIN { printf "%.0f", b / 1e6 / s }')
    say "| -j 1 | $A_SEC | $mbs1 | $A_RSS | $runs_default |"
    say "| -j 2 | $B_SEC | $mbs2 | $B_RSS | $runs_default |"
    say ""
    say "-j 2 speed-up: $(awk -v a="$A_SEC" -v b="$B_SEC" 'BEGIN { printf "%.2fx", a / b }') (runs interleaved)"
    rm -f "${files[@]}"
}

# tshark as nobody (as root it ignores WIRESHARK_PLUGIN_DIR)
as_nobody() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/home" "$@"
    else
        env HOME="$tmp/home" "$@"
    fi
}

tshark_without() { measure tshark-without 1 "$here/run.sh" --tshark-as-nobody "$tmp" without "$tmp/capture.pcap"; }
tshark_with() { measure tshark-with 1 "$here/run.sh" --tshark-as-nobody "$tmp" with "$tmp/capture.pcap"; }

bench_plugin() {
    say ""
    say "### Wireshark plugin cost: tshark -r (summary lines to /dev/null)"
    say ""
    if [ -z "$plugin" ] || [ -z "${PLUGIN_CAPTURE:-}" ]; then
        say "skipped: $([ -z "$plugin" ] && echo "plugin not built" || echo "no capture of 200 MB or less")"
        return
    fi
    local abi
    abi=$(basename "$(dirname "$(dirname "$plugin")")")
    mkdir -p "$tmp/home" "$tmp/with/$abi/epan" "$tmp/without/$abi/epan"
    cp "$plugin" "$tmp/with/$abi/epan/"
    cp "$PLUGIN_CAPTURE" "$tmp/capture.pcap"
    chmod -R a+rX "$tmp"
    if ! as_nobody WIRESHARK_PLUGIN_DIR="$tmp/with" tshark -G plugins 2>/dev/null | grep -q cucmsbd; then
        say "skipped: tshark did not load $plugin"
        return
    fi
    local bytes packets
    bytes=$(stat -c %s "$tmp/capture.pcap")
    packets=$(capinfos -c -M "$tmp/capture.pcap" | sed -n 's/.*packets: *//p')
    say "| tshark | median s | MB/s | peak RSS MB | runs |"
    say "|---|---|---|---|---|"
    interleave "$runs_default" tshark_without tshark_with
    say "| without plugin | $A_SEC | $(awk -v b="$bytes" -v s="$A_SEC" 'BEGIN { printf "%.1f", b / 1e6 / s }') | $A_RSS | $runs_default |"
    say "| with plugin | $B_SEC | $(awk -v b="$bytes" -v s="$B_SEC" 'BEGIN { printf "%.1f", b / 1e6 / s }') | $B_RSS | $runs_default |"
    say ""
    say "plugin overhead: $(awk -v a="$A_SEC" -v b="$B_SEC" 'BEGIN { printf "%+.1f%%", (b / a - 1) * 100 }') ($packets packets, runs interleaved)"
}

need_time
build_tree
note "making trust material (mkpki + sbdgen, ${BENCH_PHONES:-64} phones)"
"$here/mktrust.sh" "$build/tests/tools/sbdgen" "$tmp/trust" "${BENCH_PHONES:-64}" >/dev/null

say "# bench/run.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) at $(git -C "$root" rev-parse --short HEAD)"
say ""
machine
say "## Read throughput (page cache warm, median)"
say ""
say "| capture | tool | median s | MB/s | kpkt/s | peak RSS MB | runs |"
say "|---|---|---|---|---|---|---|"
RATIOS=()
PLUGIN_CAPTURE=""
SMALL_SIZE=""
SHARD_CAPTURE=""
for s in "${sizes[@]}"; do
    for p in ${BENCH_PROFILES:-rtp reset}; do
        bench_capture "$p" "$s"
    done
done
say ""
say "## Ratios (all from this one run)"
say ""
say "| profile | capture | pcapscan --json / tcpdump throughput | text / tcpdump | --json / cat | tshark / pcapscan --json time | pcapscan RSS --json / text | tshark RSS | JSON / capture |"
say "|---|---|---|---|---|---|---|---|---|"
for r in "${RATIOS[@]}"; do say "$r"; done
[ -z "$SMALL_SIZE" ] || bench_packet_path "$SMALL_SIZE"
bench_shards
bench_instructions
bench_jobs
bench_plugin
say ""
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
note "report: $report"
