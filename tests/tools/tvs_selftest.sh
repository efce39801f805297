#!/bin/sh
# tvs_selftest.sh MODE TVS_SERVER TVS_CLIENT: end-to-end check of the TVS test tools on loopback.
# MODE: tls13 | tls12 | pipeline | keylog | badpdu. Makes a throwaway PKI with openssl in a temp dir, starts
# tvs_server on 127.0.0.1 port 0 (kernel-chosen free port, reported through --ready-file), runs
# tvs_client and compares every answer line. The server is killed and the temp dir removed on any
# exit; the server also gives up by itself when no client comes (--timeout).
set -eu

mode=$1
server=$(realpath "$2")
client=$(realpath "$3")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tvs-selftest.XXXXXX")
spid=

cleanup() {
    if [ -n "$spid" ]; then
        kill "$spid" 2>/dev/null || true
        wait "$spid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP INT TERM

fail() {
    echo "FAIL ($mode): $*" >&2
    for f in openssl.log server.log client.out client.err expected; do
        if [ -f "$tmp/$f" ]; then
            echo "--- $f" >&2
            cat "$tmp/$f" >&2
        fi
    done
    exit 1
}

q() {
    "$@" >>"$tmp/openssl.log" 2>&1 || fail "openssl: $*"
}

# --- PKI: TVS server cert, a CA, two certs it issued with the SAME serial (the second plays a
# regenerated/impostor cert: same issuer+serial, other key), a self-signed SAST-like cert, and one
# nobody trusts.
cd "$tmp"
cat >x509.cnf <<'EOF'
[leaf]
basicConstraints = CA:false
[ca]
basicConstraints = critical, CA:true
keyUsage = keyCertSign, digitalSignature
EOF
selfsigned() { # NAME SUBJECT SERIAL
    q openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout "$1.key" -out "$1.pem" \
        -subj "$2" -set_serial "$3" -addext "basicConstraints=critical,CA:true"
}
issued() { # NAME SUBJECT SERIAL
    q openssl req -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
    q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -set_serial "$3" -sha256 -days 30 \
        -extfile x509.cnf -extensions leaf -out "$1.pem"
}
selfsigned tvs "/O=SBD Test/OU=TVS/CN=cucm-pub.sbd.test" 0x2E3E1A7BDAA64D84
selfsigned ca "/O=SBD Test/CN=SBD Test Root CA" 0x01
issued tomcat "/O=SBD Test/OU=WEB/CN=cucm-pub.sbd.test" 0x3C0FFEE1
issued impostor "/O=SBD Test/OU=WEB/CN=cucm-pub.sbd.test" 0x3C0FFEE1
selfsigned sast "/C=AU/ST=QLD/L=Brisbane/O=Stormin/OU=IST/CN=ucm11pub.stormin.local" 0x24000017
issued phone "/O=SBD Test/CN=SEP001122334455" 0x5EB0000001
selfsigned unknown "/O=Elsewhere/CN=unknown.example" 0x77

sha() {
    openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1
}

# --- server
tls=--tls1_3
case $mode in
tls12 | keylog) tls=--tls1_2 ;;
esac
set -- --accept 127.0.0.1:0 --ready-file "$tmp/ready" --cert tvs.pem --key tvs.key $tls \
    --count 1 --timeout 60 --roles APP-SERVER --trust tomcat.pem --roles SAST,TFTP --trust sast.pem
if [ "$mode" = keylog ]; then
    set -- "$@" --keylog "$tmp/server.keys"
fi
if [ "$mode" = pipeline ]; then
    set -- "$@" --ask-client-cert
fi
"$server" "$@" >"$tmp/server.log" 2>&1 &
spid=$!

i=0
while [ ! -s "$tmp/ready" ]; do
    kill -0 "$spid" 2>/dev/null || fail "tvs_server exited before listening"
    i=$((i + 1))
    [ $i -le 300 ] || fail "tvs_server did not start listening"
    sleep 0.1
done
addr=$(cat "$tmp/ready")

if [ "$mode" = badpdu ]; then
    # A PDU with version 2: the server must name the byte, drop the connection and report failure.
    printf '\127\002\001\000\000\000\003\351\000\000' |
        openssl s_client -quiet -connect "$addr" >client.out 2>client.err || true
    src=0
    wait "$spid" || src=$?
    spid=
    [ $src -eq 1 ] || fail "tvs_server exited with $src after a bad PDU, expected 1"
    grep -q '^tvs_server: bad request: TVS: version 2 at offset 1' server.log ||
        fail "server did not report the bad version byte"
    echo "ok ($mode)"
    exit 0
fi

# --- client
set -- --connect "$addr" --device CP-8861-SEP001122334455 $tls \
    --verify tomcat.pem --verify impostor.pem --verify unknown.pem \
    --query tomcat.pem --query impostor.pem --query sast.pem --query unknown.pem --verify sast.pem
session=1001
case $mode in
tls13) set -- "$@" --ca tvs.pem ;;
pipeline)
    session=4242
    set -- "$@" --pipeline --session-id 4242 --cert phone.pem --key phone.key
    ;;
keylog) set -- "$@" --keylog "$tmp/client.keys" ;;
esac
rc=0
"$client" "$@" >"$tmp/client.out" 2>"$tmp/client.err" || rc=$?
[ $rc -eq 0 ] || fail "tvs_client exited with $rc"

t=$(sha tomcat.pem)
s=$(sha sast.pem)
cat >expected <<EOF
VERIFY_RESPONSE session=$session status=0 roles=APP-SERVER ttl=86400 cert_sha256=- request=verify:tomcat.pem
VERIFY_RESPONSE session=$session status=1 roles=- ttl=- cert_sha256=- request=verify:impostor.pem
VERIFY_RESPONSE session=$session status=1 roles=- ttl=- cert_sha256=- request=verify:unknown.pem
QUERY_CERT_RESPONSE session=$session status=0 roles=APP-SERVER ttl=86400 cert_sha256=$t request=query:tomcat.pem
QUERY_CERT_RESPONSE session=$session status=0 roles=APP-SERVER ttl=86400 cert_sha256=$t request=query:impostor.pem
QUERY_CERT_RESPONSE session=$session status=0 roles=SAST,TFTP ttl=86400 cert_sha256=$s request=query:sast.pem
QUERY_CERT_RESPONSE session=$session status=1 roles=- ttl=- cert_sha256=- request=query:unknown.pem
VERIFY_RESPONSE session=$session status=0 roles=SAST,TFTP ttl=86400 cert_sha256=- request=verify:sast.pem
EOF
diff expected client.out >diff.out || fail "answers differ: $(cat diff.out)"

# --- server must finish its one connection cleanly
src=0
wait "$spid" || src=$?
spid=
[ $src -eq 0 ] || fail "tvs_server exited with $src"
case $mode in
tls12 | keylog) want=TLSv1.2 ;;
*) want=TLSv1.3 ;;
esac
grep -q "^tvs_client: $want " client.err || fail "client did not negotiate $want"

if [ "$mode" = keylog ]; then
    # Both ends must log the same TLS 1.2 master secret for the one session.
    [ "$(grep -c '^CLIENT_RANDOM [0-9a-f]\{64\} [0-9a-f]\{96\}$' server.keys)" -eq 1 ] ||
        fail "server key log: $(cat server.keys)"
    cmp -s server.keys client.keys || fail "client and server key logs differ"
fi
if [ "$mode" = pipeline ]; then
    [ "$(grep -c 'session 4242 device CP-8861-SEP001122334455' server.log)" -eq 8 ] ||
        fail "server did not log 8 requests from the device"
    grep -q '^tvs_server: client certificate CN=SEP001122334455;O=SBD Test$' server.log ||
        fail "server did not see the phone's client certificate"
fi
echo "ok ($mode)"
