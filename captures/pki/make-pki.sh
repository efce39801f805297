#!/usr/bin/env bash
# Builds the TEST-ONLY scenario PKI of captures/ (keys + certificates) with openssl.
# The output is committed so that every regeneration of the captures serves byte-identical trust
# files and certificates: a certificate that already exists is kept, only missing ones are made
# (so adding a certificate here does not change the others). Validity dates are fixed (openssl ca
# -startdate/-enddate), so the expired / soon-expiring certs do not depend on the day this runs.
#   usage: make-pki.sh [--force] [OUTDIR]     (default OUTDIR: the folder of this script)
set -euo pipefail

force=0
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
out=${1:-$(cd "$(dirname "$0")" && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Reference date for the soon-expiring certificate: 2026-12-01T00:00:00Z (see README.md).
NB=20250101000000Z     # notBefore of every valid certificate
NA=20301231235959Z     # notAfter of every valid certificate

cat >"$work/ca.cnf" <<CNF
[ ca ]
default_ca = testca
[ testca ]
database = $work/index.txt
new_certs_dir = $work/new
serial = $work/serial
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
email_in_dn = no
[ anything ]
commonName = supplied
organizationalUnitName = optional
organizationName = optional
localityName = optional
stateOrProvinceName = optional
countryName = optional
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
[ cacert ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
CNF
mkdir -p "$work/new"

# cert NAME "SUBJECT" SERIALHEX NOTBEFORE NOTAFTER BITS|p256 [ISSUERNAME] [EXT]
# Self-signed when ISSUERNAME is empty (CUCM service certs are self-signed by default).
cert() {
  local name=$1 subj=$2 serial=$3 nb=$4 na=$5 bits=$6 issuer=${7:-} ext=${8:-leaf}
  # --force replaces everything (captures/expected/ then goes stale).
  [ $force -eq 1 ] || [ ! -e "$out/$name.crt" ] || return 0
  : >"$work/index.txt"
  echo "$serial" >"$work/serial"
  if [ "$bits" = p256 ]; then # CallManager-ECDSA / Tomcat-ECDSA (CUCM 11.0+)
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$name.key" 2>/dev/null
  else
    openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "$out/$name.key" 2>/dev/null
  fi
  openssl req -new -key "$out/$name.key" -subj "$subj" -config "$work/ca.cnf" -out "$work/$name.csr"
  if [ -z "$issuer" ]; then
    openssl ca -batch -notext -config "$work/ca.cnf" -selfsign -keyfile "$out/$name.key" \
      -startdate "$nb" -enddate "$na" -extensions "$ext" -preserveDN \
      -in "$work/$name.csr" -out "$out/$name.crt" 2>/dev/null
  else
    openssl ca -batch -notext -config "$work/ca.cnf" -cert "$out/$issuer.crt" -keyfile "$out/$issuer.key" \
      -startdate "$nb" -enddate "$na" -extensions "$ext" -preserveDN \
      -in "$work/$name.csr" -out "$out/$name.crt" 2>/dev/null
  fi
  openssl x509 -in "$out/$name.crt" -outform DER -out "$out/$name.der"
}

O="/OU=VOICE/O=Example Test Only/L=Nowhere/ST=Test/C=US"
# Cluster A, as installed.
cert ccm-a    "/CN=cucm-a-pub.example$O"  1A2B3C4D5E6F0001 $NB $NA 2048
cert tvs-a    "/CN=cucm-a-pub.example$O"  8A3E1A7BDAA64D84 $NB $NA 2048   # top bit set: DER adds 00
cert capf-a   "/CN=CAPF-1a2b3c4d$O"       0ADC6E7742914A53 $NB $NA 1024
cert tomcat-a "/CN=cucm-a-pub.example$O"  7E57000000000001 $NB $NA 2048   # HTTPS 8443, not in the ITL
# Cluster A after certificate regeneration (same names, new keys and serials).
cert ccm-b    "/CN=cucm-a-pub.example$O"  1A2B3C4D5E6F0002 $NB $NA 2048
cert tvs-b    "/CN=cucm-a-pub.example$O"  B0B0C0C0D0D0E0E1 $NB $NA 2048   # top bit set
# Expired and soon-expiring (reference date 2026-12-01, notAfter 20 days later).
cert ccm-expired "/CN=cucm-old-pub.example$O" 0E0E0E0E00002020 20150101000000Z 20200101000000Z 2048
cert tvs-soon    "/CN=cucm-old-pub.example$O" 50050E0000000021 $NB 20261221000000Z 2048
# Mixed mode: two hardware-eToken-like SAST certs issued by a test manufacturing CA.
cert mfg-ca   "/CN=Test Manufacturing CA/O=Example Test Only/C=US" 01 $NB $NA 2048 "" cacert
cert etoken1  "/CN=SAST-ADN00000001/OU=IPCBU/O=Example Test Only/C=US" 3C6E1D1F00000000001A $NB $NA 2048 mfg-ca
cert etoken2  "/CN=SAST-ADN00000002/OU=IPCBU/O=Example Test Only/C=US" 3C6E1D1F00000000001B $NB $NA 2048 mfg-ca
# Phone certificate (MIC-like) whose public key wraps the .enc.sgn AES key.
cert phone    "/CN=SEP0011223344A3/O=Example Test Only/C=US" 0123456789ABCDEF01 $NB $NA 2048 mfg-ca
# 40 APP-SERVER certificates (like the public root CAs of real ITLs) for an ITL with too many.
for i in $(seq -w 1 40); do
  cert "app-$i" "/CN=Test Root CA $i/O=Example Test Only/C=US" "A0000000000000$i" $NB $NA 1024 "" cacert
done
# CUCM 10-15 scenarios. ITLRecovery (10.0+; signs every ITL from 12.0), named ITLRECOVERY_<host>.
cert itlrec-a "/CN=ITLRECOVERY_cucm-a-pub.example$O" 17EC000000000001 $NB $NA 2048
# CAPF regenerated (same name, new key; CA:TRUE as 14SU2 requires).
cert capf-b   "/CN=CAPF-1a2b3c4d$O"       0ADC6E7742914A54 $NB $NA 2048 "" cacert
# Subscriber of a two-node cluster: its own CallManager and TVS certificates.
cert ccm-sub  "/CN=cucm-a-sub.example$O"  5B5B000000000001 $NB $NA 2048
cert tvs-sub  "/CN=cucm-a-sub.example$O"  5B5B000000000002 $NB $NA 2048
# CallManager-ECDSA and Tomcat-ECDSA of the publisher (CN <host>-EC, as CUCM names them).
cert ccm-ec-a    "/CN=cucm-a-pub.example-EC$O" 7EC0000000000001 $NB $NA p256
cert tomcat-ec-a "/CN=cucm-a-pub.example-EC$O" 7EC0000000000002 $NB $NA p256
# A third eToken that no CTL of the scenarios lists before it signs one.
cert etoken3  "/CN=SAST-ADN00000003/OU=IPCBU/O=Example Test Only/C=US" 3C6E1D1F00000000001C $NB $NA 2048 mfg-ca
rm -f "$out"/*.csr
echo "PKI written to $out"
