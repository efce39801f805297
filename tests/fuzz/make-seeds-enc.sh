#!/bin/sh
# Regenerates the committed seeds of fuzz_enc and fuzz_cert from tests/tools:
#   tests/fuzz/make-seeds-enc.sh BUILD_DIR
# fuzz_enc rewraps inputs whose tag 25 is 128 bytes with its fixed AES key ("sbd-fuzz-aes-key"),
# so the phone key here is RSA-1024 and the seeds are encrypted with that AES key.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
gen="$build/tests/tools/sbdgen"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$here/../tools/mkpki.sh" "$tmp/pki"
p=$tmp/pki
enc=$here/corpus/enc
cert=$here/corpus/cert
mkdir -p "$enc" "$cert"
printf '<device><encrConfig>true</encrConfig></device>\n' > "$tmp/p47"
printf '0123456789abcdef0123456789abcdef0123456789abcdef' > "$tmp/p48"
: > "$tmp/p0"
for spec in p47:sha1 p48:sha512 p0:sha256; do
  in=${spec%%:*}
  hash=${spec#*:}
  "$gen" encsgn -o "$enc/$in-$hash.enc.sgn" --signer "$p/rsa1024.key:$p/rsa1024.pem" \
    --in "$tmp/$in" --phone-cert "$p/rsa1024.pem" --hash "$hash" \
    --filename SEP001122334455.cnf.xml.enc.sgn --aes-key 7362642d66757a7a2d6165732d6b6579
done
openssl x509 -in "$p/rsa1024.pem" -outform DER -out "$cert/rsa1024.der"
openssl x509 -in "$p/highserial.pem" -outform DER -out "$cert/highserial.der"
openssl rsa -in "$p/rsa1024.key" -RSAPublicKey_out -outform DER -out "$cert/rsa1024.pk1" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ec.key" \
  -subj "/O=SBD Test/CN=ec" -days 1 -outform DER -out "$cert/ec-p256.der" 2>/dev/null
