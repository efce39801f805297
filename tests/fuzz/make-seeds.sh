#!/bin/sh
# Regenerates the committed seed corpora of the file-format fuzz targets from tests/tools:
#   tests/fuzz/make-seeds.sh BUILD_DIR
# Seeds are small valid files of each producer style; fuzzing mutates them from there.
set -eu
build=$1
here=$(cd "$(dirname "$0")" && pwd)
gen="$build/tests/tools/sbdgen"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$here/../tools/mkpki.sh" "$tmp/pki"
p=$tmp/pki
mkdir -p "$here/corpus/tlv" "$here/corpus/sgn" "$here/corpus/file"
"$gen" tl -o "$here/corpus/tlv/itl-cisco-sha1.tlv" --signer "$p/rsa1024.key:$p/rsa1024.pem" \
  --record "SAST:$p/rsa1024.pem" --record "TVS:$p/rsa1024.pem:certhash"
"$gen" tl -o "$here/corpus/tlv/itl-ucm-sha512.tlv" --order usecallmanager --hash sha512 \
  --signer "$p/rsa1024.key:$p/rsa1024.pem" --record "SAST:$p/rsa1024.pem:etoken" \
  --record "CAPF:$p/rsa1024.pem:certhash"
"$gen" tl -o "$here/corpus/tlv/ctl-sparse.tlv" --ctl --signer "$p/rsa1024.key:$p/rsa1024.pem" \
  --record "SAST:$p/rsa1024.pem" --sparse-record "CCM+TFTP:cucm-pub:10.0.0.1"
printf '<device><fullConfig>true</fullConfig></device>\n' > "$tmp/cnf.xml"
"$gen" sgn -o "$here/corpus/sgn/cnf.xml.sgn" --signer "$p/rsa1024.key:$p/rsa1024.pem" \
  --in "$tmp/cnf.xml" --filename SEP001122334455.cnf.xml.sgn
"$gen" encsgn -o "$here/corpus/sgn/cnf.xml.enc.sgn" --signer "$p/rsa1024.key:$p/rsa1024.pem" \
  --in "$tmp/cnf.xml" --phone-cert "$p/rsa1024.pem" --filename SEP001122334455.cnf.xml.enc.sgn
cp "$here"/corpus/tlv/* "$here"/corpus/sgn/* "$here/corpus/file/"
