#!/bin/sh
# mkpki.sh OUTDIR: throwaway test PKI for sbdgen and the unit/capture tests, made with the openssl
# CLI at test time (keys are never committed). Prints nothing on success; on failure prints the
# openssl output and exits non-zero. Every key is PEM (PKCS#8), every cert PEM, SHA-256 signed.
#
# Output files in OUTDIR (NAME.key + NAME.pem each; "self" = self-signed like CUCM's defaults):
#   ca            CN=SBD Test Root CA;O=SBD Test          RSA-2048 self  serial 0x01
#   callmanager   CallManager.pem (SAST + CCM+TFTP)        RSA-2048 self  serial 0x1A2B3C4D5E6F7081
#                 CN=cucm-pub.sbd.test;OU=VOICE;O=SBD Test
#   tvs           CN=cucm-pub.sbd.test;OU=TVS;O=SBD Test   RSA-2048 self  serial 0x2E3E1A7BDAA64D84
#   capf          CN=CAPF-5bd0e1f2;OU=VOICE;O=SBD Test     RSA-2048 self  serial 0x0ADC6E7742914A53
#   tomcat        CN=cucm-pub.sbd.test;OU=WEB;O=SBD Test   RSA-2048 by ca serial 0x3C0FFEE1
#   callmanager2  regenerated CallManager: same subject, new key   self  serial 0x1A2B3C4D5E6F7082
#   tvs2          regenerated TVS: same subject, new key           self  serial 0x2E3E1A7BDAA64D85
#   phone         LSC CN=SEP001122334455;O=SBD Test        RSA-2048 by capf serial 0x5EB0000001
#   rsa1024       CN=sbd-rsa1024;O=SBD Test                RSA-1024 self  serial 0x1024
#   rsa2048       CN=sbd-rsa2048;O=SBD Test                RSA-2048 self  serial 0x2048
#   rsa4096       CN=sbd-rsa4096;O=SBD Test                RSA-4096 self  serial 0x4096
#   ec256         CN=sbd-ec256;O=SBD Test                  EC P-256 self  serial 0xEC256
#                 (records only: sbdgen signs with RSA keys; its record tag 7 is the 65-byte point)
#   expired       CN=expired.sbd.test;O=SBD Test           RSA-2048 by ca serial 0x0E0E0E01
#                 valid 2020-01-01 .. 2021-01-01 (UTC)
#   expiring      CN=expiring.sbd.test;O=SBD Test          RSA-2048 by ca serial 0x0E0E0E02
#                 valid now .. now + 10 days
#   highserial    CN=highserial.sbd.test;O=SBD Test        RSA-2048 self  serial 0x8A1B2C3D4E5F6071
#                 (the only serial with the top bit set: DER adds a 0x00 sign byte, 9 bytes)
#   seed336       RSA-1024 self, serial 0x70CAF64E090751B9DF22F49F754FC5BB (16 B); CUCM-style
#                 subject = issuer = "CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL"
#                 (61 chars): reproduces docs/formats.md section 2 "HeaderLength: 336"
#   seed296ca     CN=JASBURNS-AD                           RSA-2048 self  serial 0x01
#   seed296       RSA-1024 by seed296ca, serial 0x21002D17000000000005 (10 B), subject
#                 "CN=CUCM8-Publisher.bbbburns.lab;OU=TAC;O=Cisco;L=RTP;ST=North Carolina;C=US"
#                 (75 chars): the signer of the seed-000 `show itl` (HeaderLength 296)
# Names above are in CUCM style (most specific first, ';'), as sbdgen writes them.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: mkpki.sh OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out"
cd "$out"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

q() {
    if ! "$@" >>"$log" 2>&1; then
        echo "mkpki.sh: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

# A config of our own so the system openssl.cnf cannot change the certificates.
cat >sbd-openssl.cnf <<'CNF'
[req]
distinguished_name = dn
x509_extensions = v3_self
prompt = no
[dn]
CN = unused
[v3_self]
basicConstraints = critical, CA:true
subjectKeyIdentifier = hash
keyUsage = digitalSignature, keyEncipherment, keyCertSign
[v3_leaf]
basicConstraints = CA:false
keyUsage = digitalSignature, keyEncipherment
[ca]
default_ca = sbd_ca
[sbd_ca]
database = sbd-ca-index.txt
new_certs_dir = .
serial = sbd-ca-serial
default_md = sha256
policy = sbd_policy
unique_subject = no
email_in_dn = no
x509_extensions = v3_leaf
[sbd_policy]
commonName = supplied
organizationName = optional
organizationalUnitName = optional
CNF

# selfsigned NAME BITS SUBJECT SERIAL
selfsigned() {
    q openssl req -config sbd-openssl.cnf -x509 -newkey "rsa:$2" -nodes -sha256 -days 1825 \
        -keyout "$1.key" -out "$1.pem" -subj "$3" -set_serial "$4"
}

# issued NAME BITS SUBJECT SERIAL ISSUER [DAYS]
issued() {
    q openssl req -config sbd-openssl.cnf -new -newkey "rsa:$2" -nodes -keyout "$1.key" \
        -out "$1.csr" -subj "$3"
    q openssl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -set_serial "$4" -sha256 \
        -days "${6:-1825}" -extfile sbd-openssl.cnf -extensions v3_leaf -out "$1.pem"
    rm -f "$1.csr"
}

# dated NAME SUBJECT SERIAL_HEX STARTDATE ENDDATE: CA-issued with explicit validity (openssl 3.0
# x509 has no -not_before, `openssl ca` has -startdate/-enddate).
dated() {
    q openssl req -config sbd-openssl.cnf -new -newkey rsa:2048 -nodes -keyout "$1.key" \
        -out "$1.csr" -subj "$2"
    : >sbd-ca-index.txt
    echo "$3" >sbd-ca-serial
    q openssl ca -config sbd-openssl.cnf -batch -notext -cert ca.pem -keyfile ca.key \
        -preserveDN -startdate "$4" -enddate "$5" -in "$1.csr" -out "$1.pem"
    rm -f "$1.csr" "$3.pem" sbd-ca-index.txt* sbd-ca-serial*
}

selfsigned ca 2048 "/O=SBD Test/CN=SBD Test Root CA" 0x01
selfsigned callmanager 2048 "/O=SBD Test/OU=VOICE/CN=cucm-pub.sbd.test" 0x1A2B3C4D5E6F7081
selfsigned tvs 2048 "/O=SBD Test/OU=TVS/CN=cucm-pub.sbd.test" 0x2E3E1A7BDAA64D84
selfsigned capf 2048 "/O=SBD Test/OU=VOICE/CN=CAPF-5bd0e1f2" 0x0ADC6E7742914A53
issued tomcat 2048 "/O=SBD Test/OU=WEB/CN=cucm-pub.sbd.test" 0x3C0FFEE1 ca
selfsigned callmanager2 2048 "/O=SBD Test/OU=VOICE/CN=cucm-pub.sbd.test" 0x1A2B3C4D5E6F7082
selfsigned tvs2 2048 "/O=SBD Test/OU=TVS/CN=cucm-pub.sbd.test" 0x2E3E1A7BDAA64D85
issued phone 2048 "/O=SBD Test/CN=SEP001122334455" 0x5EB0000001 capf
selfsigned rsa1024 1024 "/O=SBD Test/CN=sbd-rsa1024" 0x1024
selfsigned rsa2048 2048 "/O=SBD Test/CN=sbd-rsa2048" 0x2048
selfsigned rsa4096 4096 "/O=SBD Test/CN=sbd-rsa4096" 0x4096
q openssl req -config sbd-openssl.cnf -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -sha256 -days 1825 -keyout ec256.key -out ec256.pem -subj "/O=SBD Test/CN=sbd-ec256" \
    -set_serial 0xEC256
dated expired "/O=SBD Test/CN=expired.sbd.test" 0E0E0E01 20200101000000Z 20210101000000Z
issued expiring 2048 "/O=SBD Test/CN=expiring.sbd.test" 0x0E0E0E02 ca 10
selfsigned highserial 2048 "/O=SBD Test/CN=highserial.sbd.test" 0x8A1B2C3D4E5F6071
selfsigned seed336 1024 "/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=cucm-1051-a-pub" \
    0x70CAF64E090751B9DF22F49F754FC5BB
selfsigned seed296ca 2048 "/CN=JASBURNS-AD" 0x01
issued seed296 1024 "/C=US/ST=North Carolina/L=RTP/O=Cisco/OU=TAC/CN=CUCM8-Publisher.bbbburns.lab" \
    0x21002D17000000000005 seed296ca
rm -f sbd-openssl.cnf
