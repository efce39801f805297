#!/usr/bin/env bash
# pcapscan --follow on a capture file that grows while it reads: a committed capture (a phone on
# cluster A, then the CallManager and TVS certificates regenerated) is written in three pieces,
# each cut inside a packet record, as a writer that flushes at any byte would leave it.
# Checks: the first boot's finding is written before the regeneration's packets exist; the later
# findings follow the appended packets; SIGTERM ends with a report equal to the offline run's
# (status "ok": the follower never took the writer's pauses for a truncated file).
# usage: follow.sh PCAPSCAN CAPTURE WORK_DIR
set -euo pipefail
PCAPSCAN=$1 cap=$2 work=$3
. "$(dirname "$0")/lib.sh"
for t in jq editcap; do command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }; done
rm -rf "$work" && mkdir -p "$work"
NOW=2026-12-01T00:00:00Z
# Byte offset of the end of packet N (the size of a copy holding packets 1..N).
end_of() { editcap -r "$cap" "$work/cut.pcap" "1-$1" && stat -c %s "$work/cut.pcap"; }
total=$(stat -c %s "$cap")
cut1=$(($(end_of 30) + 7)) # inside packet 31 (the first boot's TVS session is packet 26)
cut2=$(($(end_of 50) + 20)) # inside packet 51
finding() { has "select(.type == \"live_finding\" and .rule == \"$1\")" "$work/out.jsonl"; }

head -c $cut1 "$cap" >"$work/grow.pcap"
"$PCAPSCAN" --follow "$work/grow.pcap" --json --now $NOW >"$work/out.jsonl" 2>"$work/err" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_for "TVS_CERT_MATCH from the first piece" 10 finding TVS_CERT_MATCH
! finding TVS_CERT_NOT_IN_ITL || die "a finding of packets not yet written"
echo "ok: TVS_CERT_MATCH written from the first $cut1 bytes"

head -c $cut2 "$cap" | tail -c +$((cut1 + 1)) >>"$work/grow.pcap" # tail reads all: no SIGPIPE
sleep 0.5
! finding TVS_CERT_NOT_IN_ITL || die "TVS_CERT_NOT_IN_ITL before its packets were written"
tail -c +$((cut2 + 1)) "$cap" >>"$work/grow.pcap"
[ "$(stat -c %s "$work/grow.pcap")" = "$total" ] || die "the pieces do not add up"
wait_for "TVS_CERT_NOT_IN_ITL after the last piece" 10 finding TVS_CERT_NOT_IN_ITL
wait_for "TRUST_CHAIN_BROKEN after the last piece" 10 finding TRUST_CHAIN_BROKEN
echo "ok: TVS_CERT_NOT_IN_ITL and TRUST_CHAIN_BROKEN written as the pieces arrived"

kill -TERM $pid
rc=0
wait $pid || rc=$?
trap - EXIT
[ $rc -le 1 ] || die "pcapscan --follow exited $rc: $(cat "$work/err")"
off_rc=0
"$PCAPSCAN" "$cap" --json --now $NOW >"$work/offline.jsonl" || off_rc=$?
[ $rc = $off_rc ] || die "exit status $rc, the offline run's $off_rc"
norm() {
  jq -c 'select(.type == "finding" or .type == "summary") | del(.pcap, .evidence.capture,
    .evidence.related.capture, .per_input[]?.pcap)' "$1" | sort
}
diff -u <(norm "$work/offline.jsonl") <(norm "$work/out.jsonl") >&2 ||
  die "the report at the stop differs from the offline run's"
has 'select(.type == "summary" and .per_input[0].status == "ok" and .packets > 0)' \
  "$work/out.jsonl" || die "the followed input did not end cleanly"
echo "ok: the report at SIGTERM equals the offline run over the whole file"

# The default --live filter names every watched port, however many (55 more TLS ports fill the
# service table, 32 HTTP ports the maximum), and compiles.
args=()
for p in $(seq 10000 10054); do args+=(--tls-port $p); done
for p in $(seq 20000 20031); do args+=(--http-port $p); done
"$PCAPSCAN" "${args[@]}" --print-filter >"$work/filter"
for p in 6970 2445 10000 10054 20000 20031; do
  grep -q "tcp port $p)\|tcp port $p " "$work/filter" || die "port $p missing from the filter"
done
n=$(grep -o 'tcp port' "$work/filter" | wc -l)
[ "$n" = 192 ] || die "$n ports in the filter, expected 2 x 96 (plain and VLAN)"
if command -v tcpdump >/dev/null; then
  tcpdump -d "$(cat "$work/filter")" >/dev/null 2>&1 || die "the default filter does not compile"
fi
echo "ok: the default filter names all 96 ports (and compiles)"
