#!/usr/bin/env bash
# make-captures.sh: rebuilds the committed captures (captures/*.pcap, *.pcapng, *.keylog) and their
# descriptions (captures/expected/*.txt) with real servers and clients talking inside private network
# namespaces. Nothing leaves those namespaces. Needs root (ip netns), see README.md for packages.
#   usage: make-captures.sh [--list] [SCENARIO...]     (no SCENARIO: all of them)
# CI never runs this: the captures are committed and checked by check-captures.sh.
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pki=$here/pki
expdir=$here/expected
build=${SBD_CAPTURES_BUILD:-$top/build-captures}

TS=1796083200            # 2026-12-01T00:00:00Z: TIMESTAMP (tag 15) of every trust file and .sgn
TS_B=$((TS + 86400))     # files "made after a certificate regeneration"
REF_NOW=2026-12-01T00:00:00Z
# Addresses exist only inside this script's own namespaces (a veth pair, MTU 1500).
CUCM4=10.77.0.10 PHONE4=10.77.0.20 CUCM6=fd00:77::10 PHONE6=fd00:77::20
SUB4=10.77.0.11 # the subscriber of the two-node cluster (a second address of the CUCM side)

ALL_SCENARIOS="healthy no-ctl encrypted-config centralized-fallback regen-callmanager regen-both
tvs-mismatch rollback-itl tampered-itl cert-expired cert-expires-soon mixed-mode-ctl https-not-in-itl
tftp-loss tftp-incomplete tftp-fragments ipv6 http-6970 tls13-tvs sgn-tampered itl-signer-unknown
sgn-signer-not-in-itl itl-too-large itl-recovery-present itl-recovery-regen bulk-reset bulk-reset-no-recovery
ctl-updated ctl-not-updated ctl-resigned-known ctl-resigned-unknown capf-regen capf-regen-stale two-node
ecdsa-sip ecdsa-sip-not-in-ctl https-tftp-in-itl https-tftp-not-in-itl tftp-odd-server tftp-wrap tftp-retry"

log() { printf '[make-captures] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- state and cleanup ------------------------------------------------------------------------
tmp=$(mktemp -d /tmp/make-captures.XXXXXX)
chmod 755 "$tmp"
ns_c="" ns_p="" pids=()
kill_ns_procs() {
  local ns=$1 p
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
}
net_down() {
  local p ns
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  for ns in $ns_c $ns_p; do
    kill_ns_procs "$ns"
    ip netns del "$ns" 2>/dev/null || true
  done
  ns_c="" ns_p=""
}
cleanup() {
  net_down
  if [ -n "${SBD_CAPTURES_KEEP_LOGS:-}" ]; then cp "$tmp"/*.log "$SBD_CAPTURES_KEEP_LOGS"/ 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

c() { ip netns exec "$ns_c" "$@"; }   # run on the "CUCM" side
p() { ip netns exec "$ns_p" "$@"; }   # run on the "phone" side

# ---- tools ------------------------------------------------------------------------------------
build_tools() {
  local t
  for t in cmake ninja ip ss tcpdump in.tftpd tftp atftp openssl tshark editcap capinfos tcprewrite \
    iptables curl python3 sha256sum od; do
    command -v "$t" >/dev/null || die "missing tool: $t (see captures/README.md)"
  done
  [ "$(id -u)" = 0 ] || die "needs root (ip netns)"
  if [ ! -f "$build/build.ninja" ]; then
    cmake -S "$top" -B "$build" -G Ninja -DSBD_PLUGIN=OFF >"$tmp/cmake.log" 2>&1 ||
      { cat "$tmp/cmake.log" >&2; die "cmake configure failed"; }
  fi
  ninja -C "$build" -j2 sbdgen tvs_server tvs_client >"$tmp/ninja.log" 2>&1 ||
    { tail -20 "$tmp/ninja.log" >&2; die "building sbdgen/tvs_server/tvs_client failed"; }
  SBDGEN=$build/tests/tools/sbdgen
  TVS_SERVER=$build/tests/tools/tvs_server
  TVS_CLIENT=$build/tests/tools/tvs_client
}

# ---- trust files (sbdgen, fixed timestamps, scenario PKI) ------------------------------------
crt() { echo "$pki/$1.crt"; }
signer() { echo "$pki/$1.key:$pki/$1.crt"; }

# tl_file itl|ctl OUT SIGNER TIMESTAMP RECORD...: RECORD = FUNCTION:CERTNAME[:full|certhash|etoken];
# the FILENAME tag is ITLFile.tlv / CTLFile.tlv, as CUCM writes it even for the per-MAC copies.
tl_file() {
  local kind=$1 out=$2 sgn=$3 ts=$4 r spec args=()
  shift 4
  for r in "$@"; do
    spec=${r#*:}
    args+=(--record "${r%%:*}:$(crt "${spec%%:*}")${spec#"${spec%%:*}"}")
  done
  if [ "$kind" = ctl ]; then
    "$SBDGEN" tl --ctl -o "$out" --signer "$(signer "$sgn")" --filename CTLFile.tlv --timestamp "$ts" "${args[@]}"
  else
    "$SBDGEN" tl -o "$out" --signer "$(signer "$sgn")" --filename ITLFile.tlv --timestamp "$ts" "${args[@]}"
  fi
}
# The ITL CUCM builds for a cluster: SAST + CCM+TFTP = CallManager.pem, TVS and CAPF as CERTHASH.
std_itl() { # OUT CCM TVS [TIMESTAMP]
  tl_file itl "$1" "$2" "${4:-$TS}" "SAST:$2" "CCM+TFTP:$2" "TVS:$3:certhash" "CAPF:capf-a:certhash"
}
cnf_xml() { # MAC: a small phone config, a few TFTP blocks long
  local mac=$1
  cat <<XML
<?xml version="1.0" encoding="UTF-8"?>
<device xsi:type="axl:XIPPhone" ctiid="1">
<fullConfig>true</fullConfig>
<deviceProtocol>SIP</deviceProtocol>
<sshUserId></sshUserId>
<ipAddressMode>0</ipAddressMode>
<devicePool>
<revertPriority>0</revertPriority>
<name>Default</name>
<dateTimeSetting><dateTemplate>M/D/Y</dateTemplate><timeZone>UTC</timeZone></dateTimeSetting>
<callManagerGroup><name>Default</name><tftpDefault>true</tftpDefault><members>
<member priority="0"><callManager><name>cucm-a-pub.example</name>
<ports><ethernetPhonePort>2000</ethernetPhonePort><sipPort>5060</sipPort><securedSipPort>5061</securedSipPort></ports>
<processNodeName>cucm-a-pub.example</processNodeName></callManager></member>
</members></callManagerGroup>
</devicePool>
<commonProfile><phonePassword></phonePassword><backgroundImageAccess>true</backgroundImageAccess></commonProfile>
<loadInformation>sip88xx.14-2-1-0101-20</loadInformation>
<vendorConfig><webAccess>1</webAccess><sshAccess>1</sshAccess></vendorConfig>
<userLocale><name>English_United_States</name><langCode>en_US</langCode></userLocale>
<directoryURL>https://cucm-a-pub.example:8443/ccmcip/xmldirectory.jsp</directoryURL>
<servicesURL>https://cucm-a-pub.example:8443/ccmcip/getservicesmenu.jsp</servicesURL>
<authenticationURL>https://cucm-a-pub.example:8443/ccmcip/authenticate.jsp</authenticationURL>
<capfAuthMode>0</capfAuthMode>
<capfList><capf><phonePort>3804</phonePort><processNodeName>cucm-a-pub.example</processNodeName></capf></capfList>
<certHash></certHash>
<encrConfig>false</encrConfig>
<deviceName>SEP$mac</deviceName>
</device>
XML
}
sgn_cnf() { # OUT MAC SIGNER [TIMESTAMP]
  cnf_xml "$2" >"$tmp/SEP$2.cnf.xml"
  "$SBDGEN" sgn -o "$1" --signer "$(signer "$3")" --in "$tmp/SEP$2.cnf.xml" \
    --filename "SEP$2.cnf.xml.sgn" --timestamp "${4:-$TS}"
}

# ---- namespaces, capture ------------------------------------------------------------------------
# Two namespaces joined by a veth pair (MTU 1500, so large TFTP blocks really fragment). The phone
# side's MAC address is the phone's, as SEP<MAC> file names say.
net_up() { # MAC [v6]
  local mac=$1 v6=${2:-}
  ns_c=capc-$$ ns_p=capp-$$
  ip netns add "$ns_c"
  ip netns add "$ns_p"
  c ip link set lo up
  p ip link set lo up
  if [ -z "$v6" ]; then # no IPv6 chatter (MLD, router solicitations) in IPv4 captures
    c sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    p sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  else
    c sysctl -qw net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.dad_transmits=0
    p sysctl -qw net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.dad_transmits=0
  fi
  # gso_max_segs 1: no TCP super-segments above the MTU in the capture (what a real wire shows).
  c ip link add veth-cucm address 02:00:0a:4d:00:0a mtu 1500 gso_max_segs 1 type veth \
    peer name veth-phone address "$(echo "$mac" | sed 's/../&:/g; s/:$//' | tr 'A-F' 'a-f')" \
    mtu 1500 gso_max_segs 1 netns "$ns_p"
  c ip addr add "$CUCM4/24" dev veth-cucm
  p ip addr add "$PHONE4/24" dev veth-phone
  if [ -n "$v6" ]; then
    c ip addr add "$CUCM6/64" dev veth-cucm nodad
    p ip addr add "$PHONE6/64" dev veth-phone nodad
  fi
  c ip link set veth-cucm up
  p ip link set veth-phone up
  if [ -n "$v6" ]; then CUCM=$CUCM6 CUCM_URL="[$CUCM6]"; else CUCM=$CUCM4 CUCM_URL=$CUCM4; fi
  sleep 0.5
}

# Background jobs run "ip netns exec" directly (it execs the program), so $! is the server's pid.
bg_c() { ip netns exec "$ns_c" "$@" >>"$tmp/servers.log" 2>&1 & pids+=($!); }

wait_for() { # what SECONDS CMD...: poll until CMD succeeds
  local what=$1 n=$(($2 * 10))
  shift 2
  while ! "$@" >/dev/null 2>&1; do
    n=$((n - 1))
    [ $n -gt 0 ] || die "timed out waiting for $what"
    sleep 0.1
  done
}
listening() { c ss -Hln "sport = :$1" | grep -q .; }
port_free() { ! listening "$1"; } # an s_server -naccept 1 lingers a moment after its session

cap_pids=()
cap_start() { # OUT [IFACE] (default veth-cucm; "any" gives Linux SLL2)
  local out=$1 ifc=${2:-veth-cucm} err=$tmp/tcpdump.$RANDOM
  ip netns exec "$ns_c" tcpdump -q -U --immediate-mode -s 0 -Z root -i "$ifc" -w "$out" 'ip or ip6' 2>"$err" &
  cap_pids+=($!)
  wait_for "tcpdump on $ifc" 5 grep -q 'listening on' "$err"
}
cap_stop() {
  local pid
  sleep 0.5
  for pid in "${cap_pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${cap_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  cap_pids=()
}

# ---- servers -----------------------------------------------------------------------------------
srv=""
serve_dir() { srv=$tmp/srv; rm -rf "$srv"; mkdir -p "$srv" "$tmp/dl"; chmod 755 "$srv"; }
tftpd_start() { # [-6]
  chmod 644 "$srv"/* 2>/dev/null || true
  bg_c in.tftpd -L "${1:--4}" -T 300000 -s "$srv"
  wait_for "in.tftpd" 5 listening 69
}
tls_server() { # PORT CERT TLSFLAG MODE(-rev|-www)
  wait_for "port $1 free" 5 port_free "$1"
  bg_c openssl s_server -accept "$1" "$([ "$CUCM" = "$CUCM6" ] && echo -6 || echo -4)" \
    -cert "$(crt "$2")" -key "$pki/$2.key" "$3" -naccept 1 -quiet "$4"
  wait_for "s_server on $1" 5 listening "$1"
}
tls_client() { # PORT TLSFLAG KEYLOG REQUEST
  { printf '%b' "$4"; sleep 0.7; } |
    p openssl s_client -connect "$CUCM_URL:$1" "$2" -keylogfile "$3" -servername cucm-a-pub.example \
      >"$tmp/s_client.out" 2>&1 || true
}

# ---- phones: TFTP clients -----------------------------------------------------------------------
# hpa NAME / atftp NAME BLKSIZE: fetch NAME from the server, record the outcome in expected/.
hpa() {
  rm -f "$tmp/dl/$1"
  printf 'binary\nrexmt %s\nget %s %s\nquit\n' "${HPA_REXMT:-5}" "$1" "$tmp/dl/$1" |
    p tftp "$([ "$CUCM" = "$CUCM6" ] && echo -6 || echo -4)" "$CUCM" >/dev/null 2>&1 || true
  exp_fetch tftp "$1"
}
at() {
  rm -f "$tmp/dl/$1"
  p atftp --option "blksize $2" -g -r "$1" -l "$tmp/dl/$1" "$CUCM" >/dev/null 2>&1 || true
  exp_fetch tftp "$1"
}
http6970() {
  rm -f "$tmp/dl/$1"
  p curl -s -f -o "$tmp/dl/$1" "http://$CUCM_URL:6970/$1" || true
  exp_fetch http "$1"
}

# ---- expected/ ---------------------------------------------------------------------------------
# One line per fact, see expected/README.md.
exp=""
exp_begin() { # SCENARIO PHONE_MAC
  scenario=$1 phone=$2 exp=$tmp/expected.txt
  : >"$exp"
  rm -f "$here/$scenario.keylog"
  echo "scenario $1" >>"$exp"
}
exp_fetch() { # PROTO NAME: served file received intact -> file line; absent -> not-found line
  local proto=$1 name=$2 f=$srv/$2 d=$tmp/dl/$2
  echo "$proto-request $name" >>"$exp"
  if [ ! -f "$f" ]; then
    echo "$proto-not-found $name" >>"$exp"
  elif [ -f "$d" ] && cmp -s "$f" "$d"; then
    echo "$proto-file $name $(sha256sum <"$f" | cut -c1-64) $(stat -c %s "$f")" >>"$exp"
  else
    echo "$proto-incomplete $name" >>"$exp"
  fi
}
exp_tls() { # PORT CERTNAME: server certificate visible in the handshake
  local serial
  serial=$(openssl x509 -in "$(crt "$2")" -noout -serial | sed 's/^serial=//')
  echo "tls-cert $1 $serial $2" >>"$exp"
}
exp_line() { echo "$*" >>"$exp"; }
exp_end() { # CAPTUREFILE...: frame counts and link types, then install under expected/
  local f name=$1
  for f in "$@"; do
    echo "capture $f $(capinfos -M -c -T -r "$here/$f" 2>/dev/null | awk -F'\t' 'NR==1{print $2}') $(capinfos -T -r -E "$here/$f" 2>/dev/null | awk -F'\t' 'NR==1{gsub(/ /,"_",$2); print $2}')" >>"$exp"
  done
  [ ! -f "$here/$scenario.keylog" ] || echo "keylog $scenario.keylog" >>"$exp"
  mkdir -p "$expdir"
  mv "$exp" "$expdir/${name%%.*}.txt"
}

# cut_last_record IN OUT: copy a classic pcap, cutting it in the middle of its last record's data.
cut_last_record() {
  local lens total=24 last n
  lens=$(tshark -r "$1" -T fields -e frame.cap_len 2>/dev/null)
  n=$(echo "$lens" | wc -l)
  last=$(echo "$lens" | tail -n 1)
  total=$((total + $(echo "$lens" | head -n $((n - 1)) | awk '{s += 16 + $1} END {print s}')))
  head -c $((total + 16 + last / 2)) "$1" >"$2"
}

# tvs_session CERT [REQUEST...]: a phone's TLS 1.2 session to TVS on 2445 of TVS_ADDR (default: the
# CUCM node), the server presenting CERT. REQUEST = verify:CERTNAME or query:CERTNAME, sent by tests/tools/tvs_client as real TVS
# messages; the TVS trust store holds every cert of the node page (CallManager, tomcat). The TLS
# key log goes to captures/SCENARIO.keylog.
tvs_session() {
  local cert=$1 r args=() trust=()
  shift
  [ $# -gt 0 ] || set -- verify:tomcat-a # the phone checks its HTTPS directory certificate
  for r in "$@"; do
    args+=("--${r%%:*}" "$(crt "${r#*:}")")
    case ${r%%:*} in
      verify) exp_line "tvs-msg 01" && exp_line "tvs-msg 02" ;; # VERIFY_REQUEST / _RESPONSE
      query) exp_line "tvs-msg 03" && exp_line "tvs-msg 04" ;;  # QUERY_CERT_REQ / _RES
    esac
  done
  trust=(--roles CCM+TFTP --trust "$(crt ccm-a)" --trust "$(crt ccm-b)" --trust "$(crt ccm-expired)"
    --roles APP-SERVER --trust "$(crt tomcat-a)")
  bg_c "$TVS_SERVER" --accept "${TVS_ADDR:-$CUCM_URL}:2445" --cert "$(crt "$cert")" --key "$pki/$cert.key" --tls1_2 \
    "${trust[@]}" --count 1 --timeout 20
  wait_for "tvs_server" 5 listening 2445
  p "$TVS_CLIENT" --connect "${TVS_ADDR:-$CUCM_URL}:2445" --device "CP-8861-SEP$phone" --tls1_2 \
    --keylog "$here/$scenario.keylog" --timeout 20 "${args[@]}" >>"$tmp/tvs_client.log" 2>&1 ||
    die "tvs_client failed: $(tail -3 "$tmp/tvs_client.log")"
  exp_tls 2445 "$cert"
}
# A TLS session with openssl s_server/s_client (HTTPS 8443 with -www, TVS 2445 over TLS 1.3 with -rev).
openssl_session() { # PORT CERT TLSFLAG MODE REQUEST
  tls_server "$1" "$2" "$3" "$4"
  tls_client "$1" "$3" "$here/$scenario.keylog" "$5"
}

# tls_service PORT CERT [TLSFLAG]: a phone's TLS session to a watched service (SIP/SCCP TLS, CAPF,
# HTTPS TFTP) served by openssl s_server; the handshake is what the audit judges. TLS 1.2 shows the
# certificate, TLS 1.3 hides it.
tls_service() {
  local flag=${3:--tls1_2}
  openssl_session "$1" "$2" "$flag" -rev '' # no payload: s_client reads a leading R as "renegotiate"
  if [ "$flag" = -tls1_3 ]; then exp_line "tls-hidden $1"; else exp_tls "$1" "$2"; fi
}
# https_tftp PORT CERT NAME [TLSFLAG]: the phone fetches NAME over HTTPS TFTP; s_server -WWW serves the
# TFTP directory (the content is encrypted, so it is not an expected file).
https_tftp() {
  local flag=${4:--tls1_2}
  wait_for "port $1 free" 5 port_free "$1"
  bg_c sh -c "cd '$srv' && exec openssl s_server -accept $1 -4 -cert '$(crt "$2")' -key '$pki/$2.key' \
    $flag -naccept 1 -quiet -WWW"
  wait_for "s_server -WWW on $1" 5 listening "$1"
  tls_client "$1" "$flag" "$here/$scenario.keylog" "GET /$3 HTTP/1.0\r\n\r\n"
  if [ "$flag" = -tls1_3 ]; then exp_line "tls-hidden $1"; else exp_tls "$1" "$2"; fi
}

# ---- scenarios ---------------------------------------------------------------------------------
# Each scn_X serves files, runs the phone, and lists the audit rules (issue 4) that must fire and
# those that must stay silent. Rules in neither list are not asserted.
boot() { # MAC CLIENT [BLKSIZE]: the standard boot sequence CTLSEP -> ITLSEP -> signed config
  "$2" "CTLSEP$1.tlv" ${3:+"$3"}
  "$2" "ITLSEP$1.tlv" ${3:+"$3"}
  "$2" "SEP$1.cnf.xml.sgn" ${3:+"$3"}
}
# start MAC SCENARIO [v6]: network up, TFTP server, capture running, expected/ begun
start() {
  net_up "$1" "${3:-}"
  tftpd_start "$([ -n "${3:-}" ] && echo -6 || echo -4)"
  cap_start "$here/$2.pcap"
  exp_begin "$2" "$1"
}
finish() { # RULES...: stop the capture, write expected/
  cap_stop
  rules "$@"
  exp_end "$scenario.pcap"
}
cluster_a() { # MAC: ITL and signed config of cluster A as installed
  std_itl "$srv/ITLSEP$1.tlv" ccm-a tvs-a
  sgn_cnf "$srv/SEP$1.cnf.xml.sgn" "$1" ccm-a
}

scn_healthy() {
  local mac=0011223344A1
  serve_dir
  cluster_a $mac
  net_up "$mac"
  tftpd_start
  cap_start "$here/healthy.pcap"
  cap_start "$here/healthy-any.pcap" any
  exp_begin healthy $mac
  boot "$mac" at 1428
  tvs_session tvs-a
  cap_stop
  rules TVS_CERT_MATCH
  # The same traffic as pcapng with 802.1Q tag 100 (healthy-any.pcap is it again, as Linux SLL2),
  # and as pcapng with the TLS key log embedded.
  tcprewrite --enet-vlan=add --enet-vlan-tag=100 --enet-vlan-pri=0 --enet-vlan-cfi=0 \
    -i "$here/healthy.pcap" -o "$tmp/vlan.pcap"
  editcap -F pcapng "$tmp/vlan.pcap" "$here/healthy-vlan.pcapng"
  editcap --inject-secrets "tls,$here/healthy.keylog" "$here/healthy.pcap" "$here/healthy-secrets.pcapng"
  exp_end healthy.pcap healthy-any.pcap healthy-vlan.pcapng healthy-secrets.pcapng
  # truncated: healthy.pcap cut in the middle of its last record (everything before it is whole).
  cut_last_record "$here/healthy.pcap" "$here/truncated.pcap"
  sed -e 's/^scenario healthy/scenario truncated/' -e '/^capture /d' -e '/^fires /d' -e '/^silent /d' \
    "$expdir/healthy.txt" >"$tmp/expected.txt" # keeps "keylog healthy.keylog"
  exp=$tmp/expected.txt scenario=truncated
  rules TVS_CERT_MATCH CAPTURE_TRUNCATED
  exp_end truncated.pcap
  # cut-by-capture-end: healthy.pcap up to the phone's ACK of ITL block 2 (request, OACK, ACK 0,
  # DATA 1, ACK 1, DATA 2, ACK 2: the 9th frame), as if the recording had stopped mid-transfer.
  local itl_rrq
  itl_rrq=$(tshark -r "$here/healthy.pcap" -Y 'tftp.opcode == 1 && tftp.source_file matches "^ITLSEP"' \
    -T fields -e frame.number 2>/dev/null | head -n 1)
  editcap -F pcap -r "$here/healthy.pcap" "$here/cut-by-capture-end.pcap" "1-$((itl_rrq + 6))"
  sed -n -e 's/^scenario healthy/scenario cut-by-capture-end/' -e '1,/^tftp-request ITLSEP/p' \
    "$expdir/healthy.txt" >"$tmp/expected.txt"
  echo "tftp-incomplete ITLSEP$mac.tlv" >>"$tmp/expected.txt"
  exp=$tmp/expected.txt scenario=cut-by-capture-end
  rules TRANSFER_CUT_BY_CAPTURE_END
  exp_end cut-by-capture-end.pcap
}

scn_no-ctl() { # non-secure cluster: no CTL at all; ITL and signed config over tftp-hpa (512 B blocks)
  local mac=0011223344A2
  serve_dir
  cluster_a $mac
  start $mac no-ctl
  boot $mac hpa
  finish
}

scn_encrypted-config() { # stub SEP.cnf.xml.sgn (encrConfig true) then SEP.cnf.xml.enc.sgn
  local mac=0011223344A3
  serve_dir
  std_itl "$srv/ITLSEP$mac.tlv" ccm-a tvs-a
  cnf_xml $mac | sed 's#<encrConfig>false#<encrConfig>true#' >"$tmp/plain.xml"
  "$SBDGEN" encsgn -o "$srv/SEP$mac.cnf.xml.enc.sgn" --signer "$(signer ccm-a)" --in "$tmp/plain.xml" \
    --phone-cert "$(crt phone)" --stub-sgn "$srv/SEP$mac.cnf.xml.sgn" --timestamp $TS \
    --filename "SEP$mac.cnf.xml.enc.sgn" \
    --aes-key 000102030405060708090a0b0c0d0e0f --iv 101112131415161718191a1b1c1d1e1f
  start $mac encrypted-config
  boot $mac at 1428
  at "SEP$mac.cnf.xml.enc.sgn" 1428
  finish
}

scn_centralized-fallback() { # per-MAC files missing: the central TFTP answers with ITLFile.tlv
  local mac=0011223344A4
  serve_dir
  std_itl "$srv/ITLFile.tlv" ccm-a tvs-a
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  start $mac centralized-fallback
  at "CTLSEP$mac.tlv" 1428
  at "ITLSEP$mac.tlv" 1428
  at ITLFile.tlv 1428
  at "SEP$mac.cnf.xml.sgn" 1428
  finish TRUST_FILE_FALLBACK
}

# regen MAC SCENARIO TVS_AFTER: the phone boots on cluster A, then CallManager.pem is regenerated
# (ITL B signed by ccm-b) and, when TVS_AFTER is tvs-b, TVS.pem too; the phone reboots and asks
# TVS about the new ITL signer.
regen() {
  local mac=$1
  serve_dir
  cluster_a "$mac"
  start "$mac" "$2"
  boot "$mac" at 1428
  tvs_session tvs-a
  std_itl "$srv/ITLSEP$mac.tlv" ccm-b "$3" $TS_B
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" "$mac" ccm-b $TS_B
  chmod 644 "$srv"/*
  boot "$mac" at 1428
  tvs_session "$3" query:ccm-b
}
scn_regen-callmanager() {
  regen 0011223344A5 regen-callmanager tvs-a
  finish TRUST_VIA_TVS TVS_CERT_MATCH -- SGN_SIGNER_NOT_IN_ITL
}
scn_regen-both() {
  regen 0011223344A6 regen-both tvs-b
  finish TRUST_CHAIN_BROKEN TVS_CERT_MATCH -- SGN_SIGNER_NOT_IN_ITL
}

scn_tvs-mismatch() { # TVS presents tvs-b, the ITL's TVS record is tvs-a
  local mac=0011223344A7
  serve_dir
  cluster_a $mac
  start $mac tvs-mismatch
  boot $mac at 1428
  tvs_session tvs-b
  finish TVS_CERT_NOT_IN_ITL
}

scn_rollback-itl() { # "Prepare Cluster for Rollback to pre 8.0": a signed ITL with only a SAST record
  local mac=0011223344A8
  serve_dir
  tl_file itl "$srv/ITLSEP$mac.tlv" ccm-a $TS SAST:ccm-a
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  start $mac rollback-itl
  boot $mac at 1428
  finish ITL_ROLLBACK -- SGN_SIGNER_NOT_IN_ITL
}

scn_tampered-itl() { # one byte of the first record's SUBJECTNAME changed after signing
  local mac=0011223344A9 hl
  serve_dir
  cluster_a $mac
  hl=$(od -An -tu2 --endian=big -j8 -N2 "$srv/ITLSEP$mac.tlv" | tr -d ' ')
  "$SBDGEN" tl -o "$srv/ITLSEP$mac.tlv" --signer "$(signer ccm-a)" --filename ITLFile.tlv --timestamp $TS \
    --record "SAST:$(crt ccm-a)" --record "CCM+TFTP:$(crt ccm-a)" --record "TVS:$(crt tvs-a):certhash" \
    --record "CAPF:$(crt capf-a):certhash" --tamper $((hl + 5 + 4 + 3 + 2))
  start $mac tampered-itl
  boot $mac at 1428
  finish TRUST_LIST_SIGNATURE_INVALID -- SGN_SIGNER_NOT_IN_ITL SGN_SIGNATURE_INVALID
}

scn_cert-expired() { # CallManager.pem expired in 2020: in the ITL and signing the config
  local mac=0011223344AA
  serve_dir
  std_itl "$srv/ITLSEP$mac.tlv" ccm-expired tvs-a
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-expired
  start $mac cert-expired
  boot $mac at 1428
  tvs_session tvs-a
  finish CERT_EXPIRED TVS_CERT_MATCH
}

scn_cert-expires-soon() { # TVS.pem expires 2026-12-21: 20 days after --now 2026-12-01
  local mac=0011223344AB
  serve_dir
  std_itl "$srv/ITLSEP$mac.tlv" ccm-a tvs-soon
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  start $mac cert-expires-soon
  boot $mac at 1428
  tvs_session tvs-soon
  exp_line "now $REF_NOW"
  finish CERT_EXPIRES_SOON TVS_CERT_MATCH
}

scn_mixed-mode-ctl() { # CTL signed by eToken 1, with both eToken SAST records
  local mac=0011223344AC
  serve_dir
  cluster_a $mac
  tl_file ctl "$srv/CTLSEP$mac.tlv" etoken1 $TS SAST:etoken1:etoken SAST:etoken2:etoken \
    CCM+TFTP:ccm-a CAPF:capf-a
  start $mac mixed-mode-ctl
  boot $mac at 1428
  tvs_session tvs-a
  finish TVS_CERT_MATCH
}

scn_https-not-in-itl() { # the directory on 8443 (tomcat-a, in no trust list): normal, goes via TVS
  local mac=0011223344AD
  serve_dir
  cluster_a $mac
  start $mac https-not-in-itl
  boot $mac at 1428
  openssl_session 8443 tomcat-a -tls1_2 -www 'GET /ccmcip/xmldirectory.jsp HTTP/1.0\r\n\r\n'
  exp_tls 8443 tomcat-a
  tvs_session tvs-a verify:tomcat-a
  finish HTTPS_CERT_NOT_IN_TRUST_LIST TVS_CERT_MATCH
}

# Random loss after the capture point (iptables INPUT on both ends; an OUTPUT drop would fail the
# sender's sendto() with EPERM and end the transfer): the capture shows each lost DATA or ACK, then
# the retransmissions (duplicate DATA blocks) that repair it.
scn_tftp-loss() {
  local mac=0011223344AE
  serve_dir
  cluster_a $mac
  start $mac tftp-loss
  p iptables -A INPUT -p udp -m statistic --mode random --probability 0.2 -j DROP
  c iptables -A INPUT -p udp ! --dport 69 -m statistic --mode random --probability 0.2 -j DROP
  HPA_REXMT=1 boot $mac hpa
  if grep -q '^tftp-incomplete' "$exp"; then finish TFTP_TRANSFER_INCOMPLETE; else finish; fi
}

scn_tftp-incomplete() { # DATA block 3 dropped before the wire: the server gives up, the ITL never completes
  local mac=0011223344AF
  serve_dir
  cluster_a $mac
  start $mac tftp-incomplete
  c iptables -A OUTPUT -p udp -m u32 --u32 '0>>22&0x3C@8>>16=3 && 0>>22&0x3C@8&0xFFFF=3:0xFFFF' -j DROP
  hpa "CTLSEP$mac.tlv"
  hpa "ITLSEP$mac.tlv"
  finish TFTP_TRANSFER_INCOMPLETE
}

scn_tftp-fragments() { # blksize 8192 on a 1500-byte link: every DATA block is IP-fragmented
  local mac=0011223344B0
  serve_dir
  cluster_a $mac
  start $mac tftp-fragments
  boot $mac at 8192
  finish
}

scn_ipv6() { # the same boot over IPv6 (tftp-hpa, then atftp with fragmenting blocks) and TVS
  local mac=0011223344B1
  serve_dir
  cluster_a $mac
  start $mac ipv6 v6
  boot $mac hpa
  at "ITLSEP$mac.tlv" 8192
  tvs_session tvs-a
  finish TVS_CERT_MATCH
}

scn_http-6970() { # the TFTP service's HTTP side: python3 http.server on 6970, curl as the phone
  local mac=0011223344B2
  serve_dir
  cluster_a $mac
  start $mac http-6970
  bg_c python3 -m http.server 6970 --bind "$CUCM4" --directory "$srv"
  wait_for "http.server" 10 listening 6970
  boot $mac http6970
  finish
  # http-cut-by-capture-end: http-6970.pcap up to the phone's ACK of the ITL answer's third
  # packet (its head, then two full body segments of four), as if the recording had stopped
  # mid-download.
  local itl_get cut
  itl_get=$(tshark -r "$here/http-6970.pcap" -Y 'http.request.uri contains "ITLSEP"' \
    -T fields -e frame.number 2>/dev/null | head -n 1)
  cut=$(tshark -r "$here/http-6970.pcap" -Y "frame.number > $itl_get && tcp.srcport == 6970 && tcp.len > 0" \
    -T fields -e frame.number 2>/dev/null | sed -n 3p)
  editcap -F pcap -r "$here/http-6970.pcap" "$here/http-cut-by-capture-end.pcap" "1-$((cut + 1))"
  sed -n -e 's/^scenario http-6970/scenario http-cut-by-capture-end/' -e '1,/^http-request ITLSEP/p' \
    "$expdir/http-6970.txt" >"$tmp/expected.txt"
  echo "http-incomplete ITLSEP$mac.tlv" >>"$tmp/expected.txt"
  exp=$tmp/expected.txt scenario=http-cut-by-capture-end
  rules TRANSFER_CUT_BY_CAPTURE_END
  exp_end http-cut-by-capture-end.pcap
}

scn_tls13-tvs() { # TVS over TLS 1.3: the certificate is encrypted, the audit must not guess
  local mac=0011223344B3
  serve_dir
  cluster_a $mac
  start $mac tls13-tvs
  boot $mac at 1428
  openssl_session 2445 tvs-a -tls1_3 -rev 'TVS\n'
  exp_line "tls-hidden 2445"
  finish TLS_CERT_HIDDEN
}

scn_sgn-tampered() { # one byte of the config payload changed after signing
  local mac=0011223344B4
  serve_dir
  cluster_a $mac
  cnf_xml $mac >"$tmp/plain.xml"
  "$SBDGEN" sgn -o "$srv/SEP$mac.cnf.xml.sgn" --signer "$(signer ccm-a)" --in "$tmp/plain.xml" \
    --filename "SEP$mac.cnf.xml.sgn" --timestamp $TS --tamper -20
  start $mac sgn-tampered
  boot $mac at 1428
  finish SGN_SIGNATURE_INVALID
}

scn_itl-signer-unknown() { # ITL signed by ccm-b, whose records hold only cluster A certificates
  local mac=0011223344B5
  serve_dir
  tl_file itl "$srv/ITLSEP$mac.tlv" ccm-b $TS SAST:ccm-a CCM+TFTP:ccm-a TVS:tvs-a:certhash CAPF:capf-a:certhash
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  start $mac itl-signer-unknown
  boot $mac at 1428
  finish TRUST_LIST_SIGNER_UNKNOWN -- TRUST_LIST_SIGNATURE_INVALID SGN_SIGNER_NOT_IN_ITL SGN_SIGNATURE_INVALID
}

scn_sgn-signer-not-in-itl() { # ITL of cluster A, config signed by ccm-b: the phone must ask TVS
  local mac=0011223344B6
  serve_dir
  std_itl "$srv/ITLSEP$mac.tlv" ccm-a tvs-a
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-b
  start $mac sgn-signer-not-in-itl
  boot $mac at 1428
  finish SGN_SIGNER_NOT_IN_ITL -- SGN_SIGNATURE_INVALID
}

scn_itl-too-large() { # 42 certificates (40 APP-SERVER roots): over the 39 phones accept
  local mac=0011223344B7 i apps=()
  serve_dir
  for i in $(seq -w 1 40); do apps+=("APP-SERVER:app-$i"); done
  tl_file itl "$srv/ITLSEP$mac.tlv" ccm-a $TS SAST:ccm-a CCM+TFTP:ccm-a TVS:tvs-a:certhash \
    CAPF:capf-a:certhash "${apps[@]}"
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  start $mac itl-too-large
  boot $mac at 1428
  finish ITL_TOO_LARGE
}

# ---- CUCM 10-15 (issue 13) ----------------------------------------------------------------------
# A 10.0+ ITL: the cluster's ITL with the ITLRecovery certificate as a second SAST record. Before
# 12.0 CallManager.pem signs it; from 12.0 the ITLRecovery key does (itl12).
itl_rec() { # OUT CCM TVS [TIMESTAMP]
  tl_file itl "$1" "$2" "${4:-$TS}" "SAST:$2" "CCM+TFTP:$2" SAST:itlrec-a "TVS:$3:certhash" \
    "CAPF:capf-a:certhash"
}
itl12() { # OUT CCM TVS [TIMESTAMP]
  tl_file itl "$1" itlrec-a "${4:-$TS}" SAST:itlrec-a "CCM+TFTP:$2" "TVS:$3:certhash" "CAPF:capf-a:certhash"
}
# The mixed-mode CTL of the eToken CTL client: both tokens as SAST, then the cluster's certificates.
ctl_tokens() { # OUT SIGNER CCM [TIMESTAMP] [EXTRA_RECORD...]
  local out=$1 sgn=$2 ccm=$3 ts=${4:-$TS}
  shift 4 || shift $#
  tl_file ctl "$out" "$sgn" "$ts" SAST:etoken1:etoken SAST:etoken2:etoken "CCM+TFTP:$ccm" CAPF:capf-a "$@"
}
refresh() { chmod 644 "$srv"/*; }

scn_itl-recovery-present() { # 11.x: ITLRecovery listed, CallManager.pem signs every ITL (also the next)
  local mac=0011223344B8
  serve_dir
  itl_rec "$srv/ITLSEP$mac.tlv" ccm-a tvs-a
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  start $mac itl-recovery-present
  boot $mac at 1428
  tvs_session tvs-a
  itl_rec "$srv/ITLSEP$mac.tlv" ccm-a tvs-a $TS_B # TFTP restarted: a new ITL, same signer
  refresh
  at "ITLSEP$mac.tlv" 1428
  finish TVS_CERT_MATCH
}

scn_itl-recovery-regen() { # 12.x: CallManager.pem and TVS.pem regenerated; ITLRecovery signs both ITLs
  local mac=0011223344B9
  serve_dir
  itl12 "$srv/ITLSEP$mac.tlv" ccm-a tvs-a
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  start $mac itl-recovery-regen
  boot $mac at 1428
  tvs_session tvs-a
  itl12 "$srv/ITLSEP$mac.tlv" ccm-b tvs-b $TS_B
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-b $TS_B
  refresh
  boot $mac at 1428
  tvs_session tvs-b
  finish ITL_RECOVERY_SIGNED TVS_CERT_MATCH
}

# lockout MAC SCENARIO ITL_A_FUNCTION: a phone on ITL A (itl_rec or std_itl), CallManager.pem and TVS.pem
# regenerated together (11.x: CallManager signs): the phone refuses the new ITL; then utils itl reset
# localkey: the TFTP serves an ITL signed by the ITLRecovery key and the phone is reset.
lockout() {
  local mac=$1
  serve_dir
  "$3" "$srv/ITLSEP$mac.tlv" ccm-a tvs-a
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" "$mac" ccm-a
  start "$mac" "$2"
  boot "$mac" at 1428
  tvs_session tvs-a
  itl_rec "$srv/ITLSEP$mac.tlv" ccm-b tvs-b $TS_B
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" "$mac" ccm-b $TS_B
  refresh
  boot "$mac" at 1428
  tvs_session tvs-b query:ccm-b
  itl12 "$srv/ITLSEP$mac.tlv" ccm-b tvs-b $((TS_B + 3600)) # utils itl reset localkey
  refresh
  boot "$mac" at 1428
  tvs_session tvs-b
}
scn_bulk-reset() { # the held ITL lists ITLRecovery: the reset recovers the phone
  lockout 0011223344BA bulk-reset itl_rec
  exp_line "finding-says TRUST_CHAIN_BROKEN utils itl reset"
  finish TRUST_CHAIN_BROKEN ITL_RECOVERY_SIGNED TVS_CERT_NOT_IN_ITL SGN_SIGNER_NOT_IN_ITL TVS_CERT_MATCH
}
scn_bulk-reset-no-recovery() { # the held ITL predates ITLRecovery: the reset ITL is refused too
  lockout 0011223344BB bulk-reset-no-recovery std_itl
  exp_line "finding-says TRUST_CHAIN_BROKEN delete the ITL on each phone"
  finish TRUST_CHAIN_BROKEN TVS_CERT_NOT_IN_ITL SGN_SIGNER_NOT_IN_ITL TVS_CERT_MATCH
}

# mixed MAC SCENARIO UPDATED(0|1): mixed mode (eToken CTL), CallManager.pem regenerated (TVS kept);
# with UPDATED=1 the administrator ran the CTL client / utils ctl update CTLFile. Then the phone's
# secure SIP (5061) and SCCP (2443) sessions meet the new CallManager certificate.
mixed() {
  local mac=$1
  serve_dir
  ctl_tokens "$srv/CTLSEP$mac.tlv" etoken1 ccm-a
  cluster_a "$mac"
  start "$mac" "$2"
  boot "$mac" at 1428
  tvs_session tvs-a
  std_itl "$srv/ITLSEP$mac.tlv" ccm-b tvs-a $TS_B
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" "$mac" ccm-b $TS_B
  [ "$3" = 0 ] || ctl_tokens "$srv/CTLSEP$mac.tlv" etoken1 ccm-b $TS_B
  refresh
  boot "$mac" at 1428
  if [ "$3" = 0 ]; then tvs_session tvs-a query:ccm-b; else tvs_session tvs-a; fi
  tls_service 5061 ccm-b
  tls_service 2443 ccm-b
}
scn_ctl-updated() {
  mixed 0011223344BC ctl-updated 1
  finish TVS_CERT_MATCH
}
scn_ctl-not-updated() {
  mixed 0011223344BD ctl-not-updated 0
  finish CTL_NOT_UPDATED SIGNALING_CERT_NOT_IN_CTL TRUST_VIA_TVS TVS_CERT_MATCH
}

# resign MAC SCENARIO TOKEN: the phone holds the CTL signed by eToken 1 (eTokens 1 and 2 listed); the
# CTL is signed again by TOKEN; then a secure SIP session.
resign() {
  local mac=$1
  serve_dir
  ctl_tokens "$srv/CTLSEP$mac.tlv" etoken1 ccm-a
  cluster_a "$mac"
  start "$mac" "$2"
  boot "$mac" at 1428
  if [ "$3" = etoken2 ]; then
    ctl_tokens "$srv/CTLSEP$mac.tlv" etoken2 ccm-a $TS_B
  else # both tokens replaced: the new CTL lists only the new one
    tl_file ctl "$srv/CTLSEP$mac.tlv" "$3" $TS_B "SAST:$3:etoken" CCM+TFTP:ccm-a CAPF:capf-a
  fi
  refresh
  boot "$mac" at 1428
  tls_service 5061 ccm-a
}
scn_ctl-resigned-known() {
  resign 0011223344BE ctl-resigned-known etoken2
  finish
}
scn_ctl-resigned-unknown() {
  resign 0011223344BF ctl-resigned-unknown etoken3
  finish CTL_CHAIN_BROKEN
}

# capf MAC SCENARIO ITL_CAPF: CAPF.pem regenerated (capf-b served on 3804); the ITL lists ITL_CAPF.
capf() {
  local mac=$1
  serve_dir
  tl_file itl "$srv/ITLSEP$mac.tlv" ccm-a $TS_B SAST:ccm-a CCM+TFTP:ccm-a TVS:tvs-a:certhash "CAPF:$3:certhash"
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" "$mac" ccm-a
  start "$mac" "$2"
  boot "$mac" at 1428
  tls_service 3804 capf-b
}
scn_capf-regen() { # TFTP restarted after the regeneration: the ITL lists the new CAPF certificate
  capf 0011223344C0 capf-regen capf-b
  finish
}
scn_capf-regen-stale() { # the ITL still lists the old CAPF certificate
  capf 0011223344C1 capf-regen-stale capf-a
  finish CAPF_CERT_NOT_IN_TRUST_LIST
}

scn_two-node() { # publisher (TFTP) and subscriber: the phone's TVS is the subscriber's, listed in the ITL
  local mac=0011223344C2
  serve_dir
  tl_file itl "$srv/ITLSEP$mac.tlv" ccm-a $TS SAST:ccm-a CCM+TFTP:ccm-a CCM+TFTP:ccm-sub TVS:tvs-a:certhash \
    TVS:tvs-sub:certhash CAPF:capf-a:certhash
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" $mac ccm-a
  net_up $mac
  c ip addr add "$SUB4/24" dev veth-cucm
  tftpd_start
  cap_start "$here/two-node.pcap"
  exp_begin two-node $mac
  boot $mac at 1428
  TVS_ADDR=$SUB4 tvs_session tvs-sub
  finish TVS_CERT_MATCH
}

# ecdsa MAC SCENARIO CTL_EC(0|1): mixed mode with CallManager-ECDSA (11.0+) on secure SIP; the CTL lists
# it (CTL_EC=1) or was made before it existed. A second SIP session over TLS 1.3 hides the certificate.
ecdsa() {
  local mac=$1 extra=()
  serve_dir
  [ "$3" = 0 ] || extra=(CCM+TFTP:ccm-ec-a)
  ctl_tokens "$srv/CTLSEP$mac.tlv" etoken1 ccm-a $TS "${extra[@]}"
  tl_file itl "$srv/ITLSEP$mac.tlv" ccm-a $TS SAST:ccm-a CCM+TFTP:ccm-a CCM+TFTP:ccm-ec-a TVS:tvs-a:certhash \
    CAPF:capf-a:certhash
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" "$mac" ccm-a
  start "$mac" "$2"
  boot "$mac" at 1428
  tls_service 5061 ccm-ec-a
  tls_service 5061 ccm-ec-a -tls1_3
}
scn_ecdsa-sip() {
  ecdsa 0011223344C3 ecdsa-sip 1
  finish TLS_CERT_HIDDEN
}
scn_ecdsa-sip-not-in-ctl() {
  ecdsa 0011223344C4 ecdsa-sip-not-in-ctl 0
  finish SIGNALING_CERT_NOT_IN_CTL TLS_CERT_HIDDEN
}

# https MAC SCENARIO RSA_CERT EC_CERT: trust files over HTTP 6970 (python3 http.server), then the
# config over HTTPS 6971 twice (an RSA and an EC certificate, TLS 1.2) and over 6972 with TLS 1.3.
# The ITL lists CallManager and CallManager-ECDSA with the TFTP role.
https() {
  local mac=$1
  serve_dir
  tl_file itl "$srv/ITLSEP$mac.tlv" ccm-a $TS SAST:ccm-a CCM+TFTP:ccm-a CCM+TFTP:ccm-ec-a TVS:tvs-a:certhash \
    CAPF:capf-a:certhash
  sgn_cnf "$srv/SEP$mac.cnf.xml.sgn" "$mac" ccm-a
  start "$mac" "$2"
  bg_c python3 -m http.server 6970 --bind "$CUCM4" --directory "$srv"
  wait_for "http.server" 10 listening 6970
  http6970 "CTLSEP$mac.tlv"
  http6970 "ITLSEP$mac.tlv"
  https_tftp 6971 "$3" "SEP$mac.cnf.xml.sgn"
  https_tftp 6971 "$4" "SEP$mac.cnf.xml.sgn"
  https_tftp 6972 "$3" "SEP$mac.cnf.xml.sgn" -tls1_3
}
scn_https-tftp-in-itl() {
  https 0011223344C5 https-tftp-in-itl ccm-a ccm-ec-a
  finish TLS_CERT_HIDDEN
}
scn_https-tftp-not-in-itl() { # tomcat (RSA and ECDSA) on 6971: in no list
  https 0011223344C6 https-tftp-not-in-itl tomcat-a tomcat-ec-a
  finish TFTP_HTTPS_CERT_NOT_IN_ITL TLS_CERT_HIDDEN
}

# tftp-retry: the server's first answer lost after the capture point (every DATA block 1 dropped
# on the phone's INPUT for 1.5 s): the phone asks again from the same port, tftpd-hpa answers that
# request too from a second port, and the phone takes the file from whichever answer reaches it
# first. One read, one file; the other server process retransmits and gives up.
scn_tftp-retry() {
  local mac=0011223344C9 cl
  serve_dir
  cluster_a $mac
  start $mac tftp-retry
  hpa "CTLSEP$mac.tlv"
  p iptables -A INPUT -p udp -m u32 --u32 '0>>22&0x3C@8>>16=3 && 0>>22&0x3C@8&0xFFFF=1' -j DROP
  HPA_REXMT=1 hpa "ITLSEP$mac.tlv" &
  cl=$!
  sleep 1.5
  p iptables -F INPUT
  wait "$cl"
  HPA_REXMT=1 hpa "SEP$mac.cnf.xml.sgn"
  sleep 8 # the first server process retransmits, then gives up: all of it in the capture
  finish
}

# tftp-odd-server: what real servers do not do on demand, from captures/odd-tftpd.py. The ITL's OACK
# announces tsize " 10000" (not a number: no size known) and timeout 1000 (over 255: none), then
# two blocks and silence: the phone gives up, the capture goes on for 6 s more (unfinished, not cut).
# Then a firmware file's odd blocks 1..65 only (the even ones stand for blocks lost before the
# capture point: exactly 32 runs missing) and the capture ends 1 s later (cut by its end).
scn_tftp-odd-server() {
  local mac=0011223344C7 fw=sip88xx.14-2-1-0101-14.loads.sgn odd i cl
  serve_dir
  cluster_a $mac
  head -c 40000 /dev/zero | tr '\0' 'F' >"$tmp/fw.bin"
  "$SBDGEN" sgn -o "$srv/$fw" --signer "$(signer ccm-a)" --in "$tmp/fw.bin" --filename "$fw" --timestamp "$TS"
  odd=$(for ((i = 1; i <= 65; i += 2)); do printf '%s,' $i; done)
  net_up $mac
  chmod 644 "$srv"/*
  bg_c python3 "$here/odd-tftpd.py" "$srv" "ITLSEP$mac.tlv=oack:blksize/512/tsize/ 10000/timeout/1000;blocks:1,2" \
    "$fw=blocks:${odd%,}"
  wait_for "odd-tftpd" 5 listening 69
  cap_start "$here/tftp-odd-server.pcap"
  exp_begin tftp-odd-server $mac
  at "CTLSEP$mac.tlv" 512
  rm -f "$tmp/dl/ITLSEP$mac.tlv"
  p timeout 20 atftp --option "blksize 512" --option "tsize enable" --option "timeout 3" -g \
    -r "ITLSEP$mac.tlv" -l "$tmp/dl/ITLSEP$mac.tlv" "$CUCM" >/dev/null 2>&1 || true
  exp_fetch tftp "ITLSEP$mac.tlv"
  sleep 6
  rm -f "$tmp/dl/$fw"
  { printf 'binary\nrexmt 1\nget %s %s\nquit\n' "$fw" "$tmp/dl/$fw" |
    p timeout 5 tftp -4 "$CUCM" >/dev/null 2>&1 || true; } &
  cl=$!
  sleep 0.5
  cap_stop
  wait "$cl"
  exp_fetch tftp "$fw"
  # No size from " 10000", no 2000 s window from timeout 1000; 32 runs are all the runs.
  exp_line "finding-says TFTP_TRANSFER_INCOMPLETE incomplete after 1024 bytes; last block never seen"
  exp_line "finding-says TRANSFER_CUT_BY_CAPTURE_END missing blocks 2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,50,52,54,56,58,60,62,64; last block never seen"
  rules TFTP_TRANSFER_INCOMPLETE TRANSFER_CUT_BY_CAPTURE_END
  exp_end tftp-odd-server.pcap
}

# tftp-wrap: two 33.6 MB signed firmware files over tftpd-hpa at 512-byte blocks, past block 65535:
# block numbers rolled over to 0 (tftpd-hpa's default), then to 1 (the phone asks for
# "rollover 1", captures/tftp-get.py). Both transfers completed; the capture keeps only the first
# packets of each and 40 around its wrap (as a capture that dropped packets at that rate would),
# so each reads as unfinished: the first one ended long before the capture (incomplete), the
# second one is cut by the capture's end right after its wrap.
scn_tftp-wrap() {
  local mac=0011223344C8 full=$tmp/wrap-full.pcap keep=() f fw ro
  local kern=kern88xx.14-2-1-0101-14.sbn.sgn root=rootfs88xx.14-2-1-0101-14.sbn.sgn
  serve_dir
  python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 512) & 255 for i in range(65600 * 512 + 100)))' >"$srv/$kern"
  cp "$srv/$kern" "$srv/$root"
  net_up $mac
  tftpd_start -4
  cap_start "$full"
  exp_begin tftp-wrap $mac
  for ro in 0 1; do
    fw=$([ $ro = 0 ] && echo "$kern" || echo "$root")
    exp_line "tftp-request $fw"
    rm -f "$tmp/dl/$fw"
    p python3 "$here/tftp-get.py" "$CUCM" "$fw" "$tmp/dl/$fw" tsize=0 $([ $ro = 1 ] && echo rollover=1) ||
      die "tftp-get $fw (rollover $ro) failed"
    cmp -s "$srv/$fw" "$tmp/dl/$fw" || die "$fw (rollover $ro) differs from what was served"
    exp_line "tftp-incomplete $fw"
    [ $ro = 1 ] || sleep 6
  done
  cap_stop
  # Frames of each read request and of each DATA block 65535.
  for f in $(tshark -r "$full" -Y 'tftp.opcode == 1 || (tftp.opcode == 3 && tftp.block == 65535)' \
    -T fields -e frame.number 2>/dev/null); do
    keep+=("$f")
  done
  [ ${#keep[@]} -eq 4 ] || die "tftp-wrap: expected 2 requests and 2 blocks 65535, got ${keep[*]}"
  editcap -F pcap -r "$full" "$here/tftp-wrap.pcap" "${keep[0]}-$((keep[0] + 7))" \
    "$((keep[1] - 20))-$((keep[1] + 20))" "${keep[2]}-$((keep[2] + 7))" "$((keep[3] - 20))-$((keep[3] + 20))"
  # tcpdump drops packets at this rate now and then: every kept block must be there.
  [ "$(tshark -r "$here/tftp-wrap.pcap" -Y 'tftp.opcode == 3' 2>/dev/null | wc -l)" -eq 48 ] ||
    die "tftp-wrap: the capture dropped packets around the wrap; run the scenario again"
  # Blocks 65525..65545 placed whichever way the numbers rolled over (the 65536th block is there).
  exp_line "finding-says TFTP_TRANSFER_INCOMPLETE incomplete after 33559040 bytes; missing blocks 4-65524,65546-65601; last block never seen"
  exp_line "finding-says TRANSFER_CUT_BY_CAPTURE_END (33559040 bytes so far; missing blocks 4-65524,65546-65601; last block never seen)"
  rules TFTP_TRANSFER_INCOMPLETE TRANSFER_CUT_BY_CAPTURE_END
  exp_end tftp-wrap.pcap
}

ALL_RULES="TVS_CERT_MATCH TVS_CERT_NOT_IN_ITL TRUST_LIST_SIGNATURE_INVALID TRUST_LIST_SIGNER_UNKNOWN SGN_SIGNATURE_INVALID SGN_SIGNER_NOT_IN_ITL ITL_ROLLBACK TRUST_CHAIN_BROKEN TRUST_VIA_TVS CERT_EXPIRED CERT_EXPIRES_SOON ITL_TOO_LARGE TFTP_TRANSFER_INCOMPLETE TRUST_FILE_FALLBACK HTTPS_CERT_NOT_IN_TRUST_LIST TLS_CERT_HIDDEN CAPTURE_TRUNCATED CTL_CHAIN_BROKEN ITL_RECOVERY_SIGNED SIGNALING_CERT_NOT_IN_CTL CAPF_CERT_NOT_IN_TRUST_LIST TFTP_HTTPS_CERT_NOT_IN_ITL CTL_NOT_UPDATED TRANSFER_CUT_BY_CAPTURE_END"
# rules FIRING... [-- NOT_ASSERTED...]: every other rule must stay silent.
rules() {
  local fires=() skip=() r in_skip=0 silent=()
  for r in "$@"; do
    if [ "$r" = "--" ]; then in_skip=1; elif [ $in_skip = 1 ]; then skip+=("$r"); else fires+=("$r"); fi
  done
  for r in $ALL_RULES; do
    case " ${fires[*]} ${skip[*]} " in *" $r "*) ;; *) silent+=("$r") ;; esac
  done
  [ ${#fires[@]} -eq 0 ] || exp_line "fires ${fires[*]}"
  exp_line "silent ${silent[*]}"
}

# ---- main --------------------------------------------------------------------------------------
main() {
  local s list=()
  read -r -d '' -a list <<<"$ALL_SCENARIOS" || true
  if [ "${1:-}" = "--list" ]; then echo "${list[*]}"; exit 0; fi
  [ $# -eq 0 ] || list=("$@")
  for s in "${list[@]}"; do
    declare -F "scn_$s" >/dev/null || die "unknown scenario $s (try --list)"
  done
  build_tools
  for s in "${list[@]}"; do
    log "scenario $s"
    "scn_$s"
    net_down
  done
  log "done; run captures/check-captures.sh to verify"
}
main "$@"
