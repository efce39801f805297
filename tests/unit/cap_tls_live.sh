#!/bin/sh
# Real TLS traffic for test_cap_tls_live: a self-signed cert, openssl s_server/s_client with
# TLS 1.2 (port P) and TLS 1.3 (port P+1) on 127.0.0.1, captured by tcpdump on lo, all inside a
# private network namespace that is deleted on exit (also on failure).
# Usage: cap_tls_live.sh OUTDIR   -> OUTDIR/{tls.pcap,cert.der,port}
# Exit 77 when a network namespace cannot be created (no root): the test is skipped.
set -u
out=$1
ns=captcp-$$
pids=""

cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

for tool in ip openssl tcpdump; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool not installed" >&2; exit 77; }
done
ip netns add "$ns" 2>/dev/null || { echo "skip: cannot create a network namespace" >&2; exit 77; }
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up || exit 1

# Wait (bounded) until a command succeeds.
wait_for() {
    i=0
    while ! "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt 100 ] && return 1
        sleep 0.1
    done
}

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/key.pem" -out "$out/cert.pem" -days 30 \
    -subj "/C=US/O=TestOrg/CN=cucm-pub.example" -set_serial 0x0123456789ABCDEF 2>/dev/null || exit 1
openssl x509 -in "$out/cert.pem" -outform DER -out "$out/cert.der" || exit 1

port=$((20000 + $$ % 20000))
echo "$port" >"$out/port"

# Started directly (not through a shell function) so $! is tcpdump itself; `timeout` bounds it
# even if this script is killed before cleanup runs.
ip netns exec "$ns" timeout 120 tcpdump --immediate-mode -Z root -U -i lo -s 0 -w "$out/tls.pcap" tcp \
    2>"$out/tcpdump.log" &
dump=$!
pids="$pids $dump"
wait_for grep -q "listening on" "$out/tcpdump.log" || { echo "tcpdump did not start" >&2; exit 1; }

session() { # $1 port, $2 protocol option
    ip netns exec "$ns" timeout 60 openssl s_server -accept "127.0.0.1:$1" -cert "$out/cert.pem" \
        -key "$out/key.pem" "$2" -naccept 1 -quiet >/dev/null 2>&1 &
    spid=$!
    pids="$pids $spid"
    wait_for in_ns sh -c "ss -ltn | grep -q ':$1 '" || { echo "s_server did not listen" >&2; return 1; }
    printf 'TVSREQ hello\n' | in_ns timeout 20 openssl s_client -connect "127.0.0.1:$1" "$2" \
        -servername cucm-pub.example >/dev/null 2>&1 || { echo "s_client failed" >&2; return 1; }
    wait "$spid" 2>/dev/null
}
session "$port" -tls1_2 || exit 1
session $((port + 1)) -tls1_3 || exit 1

# Stop tcpdump only once both FINs of the last session are in the file.
fins() {
    n=$(tcpdump -r "$out/tls.pcap" "tcp[13] & 1 != 0 and port $1" 2>/dev/null | wc -l)
    [ "$n" -ge 2 ]
}
wait_for fins $((port + 1)) || { echo "capture incomplete" >&2; exit 1; }
# SIGTERM, not SIGINT: background jobs of a non-interactive shell ignore SIGINT.
kill -TERM "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
pids=""
[ -s "$out/tls.pcap" ] || { echo "empty capture" >&2; exit 1; }
exit 0
