#!/usr/bin/env bash
# pcapscan --live on a bridge in a private network namespace, while two phones (one namespace each)
# boot on a cluster, the CallManager certificate is regenerated, and they boot again:
#   phone B1 takes the new ITL (TVS vouches for the new signer): TRUST_VIA_TVS;
#   phone B2 meets a TVS serving another certificate (openssl s_server): TRUST_CHAIN_BROKEN and
#   TVS_CERT_NOT_IN_ITL.
# Checks: privileges dropped (uid and capabilities of the running process); each expected finding
# written while the run goes on, before the next phone's traffic starts; every final finding
# already written live; the final findings and summary equal an offline run over a tcpdump -w
# capture of the same traffic (same filter, so the same packet numbers).
# usage: live-netns.sh PCAPSCAN SBDGEN TVS_SERVER TVS_CLIENT PKI_DIR WORK_DIR
set -euo pipefail

PCAPSCAN=$1 SBDGEN=$2 TVS_SERVER=$3 TVS_CLIENT=$4 pki=$5 work=$6
skip() { echo "SKIP: $*"; exit 77; }
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (ip netns)"
for t in ip in.tftpd atftp tcpdump openssl jq ss; do command -v $t >/dev/null || skip "no $t"; done
getent passwd nobody >/dev/null || skip "no user nobody"

TS=1796083200 TS_B=$((TS + 86400)) NOW=2026-12-01T00:00:00Z
CUCM=10.78.0.10
MAC1=0011223344B1 MAC2=0011223344B2
tag=$$
ns_c=livec-$tag ns1=livep1-$tag ns2=livep2-$tag
rm -rf "$work" && mkdir -p "$work/srv" "$work/dl" && chmod 755 "$work" "$work/srv"
pids=()
cleanup() {
  local p ns
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for ns in $ns_c $ns1 $ns2; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT

c() { ip netns exec "$ns_c" "$@"; }
listening() { c ss -Hln "sport = :$1" | grep -q .; }

# ---- trust files ----
crt() { echo "$pki/$1.crt"; }
itl() { # OUT SIGNER TIMESTAMP
  "$SBDGEN" tl -o "$1" --signer "$pki/$2.key:$(crt "$2")" --filename ITLFile.tlv --timestamp "$3" \
    --record "SAST:$(crt "$2")" --record "CCM+TFTP:$(crt "$2")" --record "TVS:$(crt tvs-a):certhash" \
    --record "CAPF:$(crt capf-a):certhash" >/dev/null
}
cnf() { # MAC SIGNER TIMESTAMP
  printf '<device><deviceName>SEP%s</deviceName><loadInformation>sip88xx</loadInformation></device>\n' \
    "$1" >"$work/SEP$1.cnf.xml"
  "$SBDGEN" sgn -o "$work/srv/SEP$1.cnf.xml.sgn" --signer "$pki/$2.key:$(crt "$2")" \
    --in "$work/SEP$1.cnf.xml" --filename "SEP$1.cnf.xml.sgn" --timestamp "$3" >/dev/null
}
cluster() { # SIGNER TIMESTAMP: what the TFTP server serves to both phones
  local m
  for m in $MAC1 $MAC2; do
    itl "$work/srv/ITLSEP$m.tlv" "$1" "$2"
    cnf "$m" "$1" "$2"
  done
  chmod 644 "$work/srv"/*
}

# ---- network: a bridge on the CUCM side, one namespace per phone ----
ip netns add "$ns_c"
c ip link set lo up
c sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
c ip link add br0 type bridge
c ip addr add "$CUCM/24" dev br0
c ip link set br0 up
i=0
for ns in $ns1 $ns2; do
  i=$((i + 1))
  mac=$([ $i = 1 ] && echo $MAC1 || echo $MAC2)
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  c ip link add "vp$i" type veth peer name eth0 address "$(echo $mac | sed 's/../&:/g; s/:$//' |
    tr 'A-F' 'a-f')" netns "$ns"
  c ip link set "vp$i" master br0 up
  ip netns exec "$ns" ip addr add "10.78.0.2$i/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
done
sleep 0.3

# ---- servers ----
cluster ccm-a $TS
ip netns exec "$ns_c" in.tftpd -L -4 -T 300000 -s "$work/srv" >"$work/tftpd.log" 2>&1 &
pids+=($!)
wait_for in.tftpd 5 listening 69

# ---- the reference capture and pcapscan --live, same filter ----
filter=$("$PCAPSCAN" --print-filter)
ip netns exec "$ns_c" tcpdump -q -U --immediate-mode -s 0 -Z root -i br0 -w "$work/ref.pcap" "$filter" 2>"$work/tcpdump.err" &
tcpdump_pid=$!
pids+=($tcpdump_pid)
wait_for tcpdump 5 grep -q 'listening on' "$work/tcpdump.err"
ip netns exec "$ns_c" "$PCAPSCAN" -i br0 --json --now $NOW --user nobody --html "$work/live.html" \
  >"$work/live.jsonl" 2>"$work/live.err" &
live_pid=$!
pids+=($live_pid)
# As the package installs it: a non-root user, the binary holding the file capability cap_net_raw.
cap_pid=""
if command -v setcap >/dev/null && command -v setpriv >/dev/null; then
  cp "$PCAPSCAN" "$work/pcapscan-cap" && chmod 755 "$work/pcapscan-cap"
  setcap cap_net_raw+ep "$work/pcapscan-cap"
  ip netns exec "$ns_c" setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
    "$work/pcapscan-cap" -i br0 --json --now $NOW >"$work/cap.jsonl" 2>"$work/cap.err" &
  cap_pid=$!
  pids+=($cap_pid)
fi
uid_of() { awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$live_pid/status"; }
nobody=$(id -u nobody)
dropped() { [ "$(uid_of)" = "$nobody $nobody $nobody $nobody" ]; }
wait_for "pcapscan to drop privileges" 10 dropped
capeff=$(awk '/^CapEff:/ {print $2}' "/proc/$live_pid/status")
[ "$capeff" = 0000000000000000 ] || die "capabilities left after the drop: CapEff $capeff"
echo "ok: pcapscan runs as uid $(uid_of), CapEff $capeff"
if [ -n "$cap_pid" ]; then
  # After the exec the file capability is effective until pcapscan drops it: 0 means dropped.
  cap_dropped() {
    [ "$(cat "/proc/$cap_pid/comm")" = pcapscan-cap ] &&
      grep -q '^CapEff:.0000000000000000' "/proc/$cap_pid/status"
  }
  wait_for "the non-root capture to drop cap_net_raw" 10 cap_dropped
  echo "ok: non-root pcapscan with file capability cap_net_raw runs with CapEff 0 after opening br0"
fi

# ---- phones ----
fetch() { # NS NAME
  ip netns exec "$1" atftp --option "blksize 1428" -g -r "$2" -l "$work/dl/$2" $CUCM >/dev/null 2>&1 || true
}
boot() { # NS MAC
  fetch "$1" "CTLSEP$2.tlv"
  fetch "$1" "ITLSEP$2.tlv"
  fetch "$1" "SEP$2.cnf.xml.sgn"
}
# Each TVS server answers one session and is waited for: while one still listens on 2445 the next
# cannot bind, and `listening` would take the old socket for the new server; and the capture is
# stopped only after the last server's end of the session went out.
tvs() { # NS MAC CERT [QUERY]: a phone's TVS session (the repo's TVS server and client)
  ip netns exec "$ns_c" "$TVS_SERVER" --accept "$CUCM:2445" --cert "$(crt "$3")" --key "$pki/$3.key" --tls1_2 \
    --roles CCM+TFTP --trust "$(crt ccm-a)" --trust "$(crt ccm-b)" --roles APP-SERVER \
    --trust "$(crt tomcat-a)" --count 1 --timeout 20 >>"$work/tvs.log" 2>&1 &
  local spid=$!
  pids+=("$spid")
  wait_for tvs_server 5 listening 2445
  ip netns exec "$1" "$TVS_CLIENT" --connect "$CUCM:2445" --device "CP-8861-SEP$2" --tls1_2 \
    --timeout 20 --"${4:-verify}" "$(crt "${5:-tomcat-a}")" >>"$work/tvs.log" 2>&1 ||
    die "tvs_client failed: $(tail -3 "$work/tvs.log")"
  wait "$spid" || die "tvs_server exited $?: $(tail -3 "$work/tvs.log")"
}
tvs_openssl() { # NS CERT: TVS answered by openssl s_server with CERT
  ip netns exec "$ns_c" timeout 30 openssl s_server -accept 2445 -4 -cert "$(crt "$2")" -key "$pki/$2.key" \
    -tls1_2 -naccept 1 -quiet -rev >>"$work/s_server.log" 2>&1 &
  local spid=$!
  pids+=("$spid")
  wait_for "s_server" 5 listening 2445
  { printf 'hello\n'; sleep 0.5; } | ip netns exec "$1" openssl s_client -connect "$CUCM:2445" \
    -tls1_2 >>"$work/s_client.log" 2>&1 || true
  wait "$spid" || true # its verdict is not the test's; only that it is gone
}
# expect RULE PHONE: the finding is written within a few seconds, while the run goes on
expect() {
  wait_for "$1 for $2 in the live output" 10 has \
    'select(.type == "live_finding" and .rule == $r and .phone == $p)' "$work/live.jsonl" \
    --arg r "$1" --arg p "$2"
  echo "ok: $1 for $2 written live (line $(grep -n "\"rule\":\"$1\"" "$work/live.jsonl" |
    grep -m1 "\"phone\":\"$2\"" | cut -d: -f1) of $(wc -l <"$work/live.jsonl"))"
}

boot "$ns1" $MAC1
tvs "$ns1" $MAC1 tvs-a
expect TVS_CERT_MATCH SEP$MAC1
boot "$ns2" $MAC2
tvs "$ns2" $MAC2 tvs-a
expect TVS_CERT_MATCH SEP$MAC2

cluster ccm-b $TS_B # the CallManager certificate regenerated, TFTP serves the new ITL
boot "$ns1" $MAC1
tvs "$ns1" $MAC1 tvs-a query ccm-b
expect TRUST_VIA_TVS SEP$MAC1
before_b2=$(wc -l <"$work/live.jsonl")
boot "$ns2" $MAC2
tvs_openssl "$ns2" tvs-b
expect TVS_CERT_NOT_IN_ITL SEP$MAC2
expect TRUST_CHAIN_BROKEN SEP$MAC2
# Order: B1's verdict was out before B2's reboot began.
head -n "$before_b2" "$work/live.jsonl" | has 'select(.rule == "TRUST_VIA_TVS")' - ||
  die "TRUST_VIA_TVS was not written before the next phone's traffic"
cp "$work/live.jsonl" "$work/live-before-stop.jsonl"

sleep 0.5
kill -INT $tcpdump_pid
wait $tcpdump_pid 2>/dev/null || true
kill -INT $live_pid
[ -z "$cap_pid" ] || kill -INT "$cap_pid"
rc=0
wait $live_pid || rc=$?
[ -z "$cap_pid" ] || wait "$cap_pid" || true
grep -q TRUST_CHAIN_BROKEN "$work/live.html" || die "--html not written at the stop"
[ $rc -le 1 ] || die "pcapscan --live exited $rc: $(cat "$work/live.err")"
[ ! -s "$work/live.err" ] || die "pcapscan --live wrote on stderr: $(head -5 "$work/live.err")"
has 'select(.type == "summary")' "$work/live.jsonl" || die "no summary after SIGINT"
has 'select(.type == "live_summary" and .phones == 2 and .new_itl == 1 and .refused == 1
  and .tvs_mismatch == 1)' "$work/live.jsonl" ||
  die "live summary counts: $(jq -c 'select(.type == "live_summary")' "$work/live.jsonl")"
echo "ok: live summary $(jq -c 'select(.type == "live_summary") | {phones, new_itl, refused, tvs_mismatch, packets, dropped}' "$work/live.jsonl")"

# ---- the offline audit of the same traffic ----
off_rc=0
"$PCAPSCAN" "$work/ref.pcap" --json --now $NOW >"$work/offline.jsonl" || off_rc=$?
[ $rc = $off_rc ] || die "exit status $rc, the offline run's $off_rc"
norm() { # findings and summary without the input's name
  jq -c 'select(.type == "finding" or .type == "summary") | del(.pcap, .evidence.capture,
    .evidence.related.capture, .per_input[]?.pcap)' "$1" | sort
}
norm "$work/live.jsonl" >"$work/live.final"
norm "$work/offline.jsonl" >"$work/offline.final"
n=$(grep -c '"type":"finding"' "$work/offline.final" || true)
[ "$n" -ge 4 ] || die "offline run found only $n findings"
diff -u "$work/offline.final" "$work/live.final" >&2 || die "final findings differ from the offline run"
echo "ok: the $n final findings and the summary equal the offline run's"
if [ -n "$cap_pid" ]; then
  diff -u "$work/offline.final" <(norm "$work/cap.jsonl") >&2 ||
    die "the non-root capture's report differs: $(cat "$work/cap.err")"
  echo "ok: the non-root capture's report equals the offline run's too"
fi
# Every final finding was already written while the capture ran.
jq -r 'select(.type == "finding") | "\(.rule) \(.phone)"' "$work/offline.jsonl" | sort -u >"$work/want"
jq -r 'select(.type == "live_finding") | "\(.rule) \(.phone)"' "$work/live-before-stop.jsonl" |
  sort -u >"$work/got"
missing=$(comm -23 "$work/want" "$work/got")
[ -z "$missing" ] || die "final findings not written live before the stop: $missing"
echo "ok: all $(wc -l <"$work/want") final findings were written live before the stop"

# ---- bounded phone table: with room for one phone, each boot expires the other phone ----
# Expired phones leave the engine too: when a phone boots again it is judged from nothing, as in
# a new run (its second ITL is a first contact, so neither TRUST_VIA_TVS nor TRUST_CHAIN_BROKEN
# is written live), while the report at the stop, made from the kept observations, is unchanged.
"$PCAPSCAN" --follow "$work/ref.pcap" --json --now $NOW --max-phones 1 >"$work/bounded.jsonl" &
follow_pid=$!
pids+=($follow_pid)
live_lines() { [ "$(jq -c 'select(.type == "live_finding")' "$1" | wc -l)" -ge "$2" ]; }
wait_for "the bounded run's findings" 10 live_lines "$work/bounded.jsonl" 4
sleep 1
kill -TERM $follow_pid
wait $follow_pid || true
has 'select(.type == "live_summary" and .expired.phones >= 2)' "$work/bounded.jsonl" ||
  die "phones did not expire with --max-phones 1: $(jq -c 'select(.type == "live_summary")' "$work/bounded.jsonl")"
if has 'select(.type == "live_finding" and (.rule == "TRUST_VIA_TVS" or .rule == "TRUST_CHAIN_BROKEN"))' \
  "$work/bounded.jsonl"; then
  die "an expired phone was judged with the list it held before expiring"
fi
[ "$(jq -c 'select(.type == "live_finding" and .phone == "SEP0011223344B1" and .rule == "TVS_CERT_MATCH")' \
  "$work/bounded.jsonl" | wc -l)" -eq 2 ] || die "the returning phone's TVS match was not written again"
diff -u "$work/offline.final" <(norm "$work/bounded.jsonl") >&2 ||
  die "expiring phones changed the final report"
echo "ok: --max-phones 1: $(jq -c 'select(.type == "live_summary") | .expired' "$work/bounded.jsonl") expired and left the engine, final report unchanged"

# ---- --min-severity filters the live lines as it filters the report ----
"$PCAPSCAN" --follow "$work/ref.pcap" --json --now $NOW --min-severity warning >"$work/sev.jsonl" &
follow_pid=$!
pids+=($follow_pid)
wait_for "the filtered run's chain finding" 10 has 'select(.rule == "TRUST_CHAIN_BROKEN")' "$work/sev.jsonl"
kill -TERM $follow_pid
wait $follow_pid || true
if has 'select(.type == "live_finding" and .severity == "info")' "$work/sev.jsonl"; then
  die "--min-severity warning wrote info lines"
fi
has 'select(.type == "live_summary" and .findings_hidden >= 2)' "$work/sev.jsonl" ||
  die "info findings not counted as hidden: $(jq -c 'select(.type == "live_summary")' "$work/sev.jsonl")"
echo "ok: --min-severity warning: $(jq -c 'select(.type == "live_summary") | .findings_hidden' "$work/sev.jsonl") info lines hidden and counted"

# ---- kernel drops: a stopped reader, a burst of TFTP-like datagrams on lo, then a finding ----
ip netns exec "$ns_c" "$PCAPSCAN" -i lo --json --filter "udp port 40000" >"$work/drops.jsonl" 2>"$work/drops.err" &
drops_pid=$!
pids+=($drops_pid)
wait_for "the lo capture" 10 grep -q '^CapEff:.0000000000000000' "/proc/$drops_pid/status"
sleep 0.3
kill -STOP $drops_pid
c bash -c 'for i in $(seq 3000); do printf "\x00\x03\x00\x01data" >/dev/udp/127.0.0.1/40000; done' 2>/dev/null || true
kill -CONT $drops_pid
wait_for "a CAPTURE_DROPS finding" 10 has 'select(.rule == "CAPTURE_DROPS" and .dropped > 0)' \
  "$work/drops.jsonl"
kill -INT $drops_pid
wait $drops_pid || true
has 'select(.type == "live_summary" and .dropped > 0)' "$work/drops.jsonl" ||
  die "kernel drops missing from the summary"
# One key set, in one order, on every live_finding line, the engine's and CAPTURE_DROPS alike.
sets=$(jq -c 'select(.type == "live_finding") | keys_unsorted' "$work/live.jsonl" "$work/drops.jsonl" "$work/bounded.jsonl" | sort -u)
[ "$(printf '%s\n' "$sets" | wc -l)" -eq 1 ] || die "live_finding lines differ in their keys: $sets"
want='["type","pcap","rule","severity","phone","outcome","message","time","packet","file","held","settled_by_packet","cert","dropped","if_dropped","received"]'
[ "$sets" = "$want" ] || die "live_finding keys $sets, docs/live.md says $want"
echo "ok: kernel drops reported: $(jq -c 'select(.rule == "CAPTURE_DROPS") | {dropped, received}' "$work/drops.jsonl" | sed -n 1p)"
