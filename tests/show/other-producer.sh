#!/usr/bin/env bash
# `pcapscan show` on files made by another producer than tests/tools/sbdgen: the bytes are laid
# out by a few lines of python3 straight from docs/formats.md, every key, certificate, signature and
# cipher comes from the openssl CLI (docs/formats.md section 10). Field sizes are those of the real
# `show itl` in seed 000, so the TVS and CAPF records must come out at RECORDLENGTH 743 and 455,
# the CERTHASH style the seed shows. Checks verdicts and exit codes: 0 verified, 1 verification
# failed, 2 unparsable (with the byte offset).
# Usage: other-producer.sh PCAPSCAN
set -euo pipefail
PCAPSCAN=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# ---- certificates with the seed's field sizes -------------------------------------------------
seed_subject="/C=US/ST=North Carolina/L=RTP/O=Cisco/OU=TAC/CN=CUCM8-Publisher.bbbburns.lab"
capf_subject="/C=US/ST=North Carolina/L=RTP/O=Cisco/OU=TAC/CN=CAPF-9c4cba7d"
mk() { # NAME BITS SERIAL SUBJECT
    openssl req -x509 -newkey "rsa:$2" -nodes -keyout "$1.key" -out "$1.pem" -days 3650 -sha256 \
        -set_serial "$3" -subj "$4" 2>/dev/null
    openssl x509 -in "$1.pem" -outform DER -out "$1.der"
    openssl rsa -in "$1.key" -RSAPublicKey_out -outform DER -out "$1.pk1" 2>/dev/null
}
mk cm 2048 0x1A2B3C4D5E6F7081 "$seed_subject"
mk tvs 2048 0x2E3E1A7BDAA64D84 "$seed_subject"
mk capf 1024 0x0ADC6E7742914A53 "$capf_subject"
mk other 2048 0x1A2B3C4D5E6F7081 "$seed_subject" # same name and serial, another key
mk phone 2048 0x5EB0000001 "/O=Test/CN=SEP001122334455"

# ---- the producer: TLV layout from docs/formats.md, crypto by openssl ------------------------------
cat >producer.py <<'PY'
import hashlib, os, struct, subprocess, sys

def tlv(tag, value):
    return bytes([tag]) + struct.pack(">H", len(value)) + value

def cstr(s):
    return s.encode() + b"\0"

def der(name):
    return open(name + ".der", "rb").read()

def key_bits(name):
    text = subprocess.run(["openssl", "x509", "-in", name + ".pem", "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    return int(text.split("Public-Key: (")[1].split(" bit")[0])

def cert_fields(name):
    """subject/issuer in CUCM style, raw serial, certificate signatureValue bytes (the certs
    here are self-signed RSA, so that is the last key-size bytes of the DER)."""
    out = subprocess.run(["openssl", "x509", "-in", name + ".pem", "-noout", "-serial",
                          "-nameopt", "RFC2253", "-subject", "-issuer"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    hexserial = out[0].split("=", 1)[1].strip()
    serial = bytes.fromhex(hexserial.rjust(len(hexserial) + len(hexserial) % 2, "0"))
    subject = out[1].split("=", 1)[1].strip().replace(",", ";")
    issuer = out[2].split("=", 1)[1].strip().replace(",", ";")
    return subject, issuer, serial, der(name)[-key_bits(name) // 8:]

def record(fn, name, style):
    subject, issuer, serial, certsig = cert_fields(name)
    # seed 000 prints "2 DNSNAME 2": an empty name stored in two bytes
    body = tlv(2, b"\0\0") + tlv(3, cstr(subject)) + tlv(4, struct.pack(">H", fn))
    body += tlv(5, cstr(issuer)) + tlv(6, serial) + tlv(7, open(name + ".pk1", "rb").read())
    body += tlv(8, certsig)
    if style == "full":
        body += tlv(9, der(name))
    else:
        body += tlv(11, hashlib.sha1(der(name)).digest()) + tlv(12, b"\x01")
    return tlv(1, struct.pack(">H", 5 + len(body))) + body

def signed_file(signer, key, filename, body, version=b"\x01\x02", extra=b""):
    _, issuer, serial, _ = cert_fields(signer)
    sid = tlv(4, cstr(cert_fields(signer)[0])) + tlv(5, serial) + tlv(6, cstr(issuer))
    sig_len = key_bits(signer) // 8
    modulus = {128: 1, 256: 2, 512: 3}[sig_len]
    def header(sig, hl):
        h = tlv(1, version) + tlv(2, struct.pack(">H", hl)) + bytes([3]) + struct.pack(">H", len(sid)) + sid
        h += bytes([7, 0, 15]) + tlv(8, b"\x01") + bytes([9, 0, 8]) + tlv(10, b"\0") + tlv(11, bytes([modulus]))
        h += sig + tlv(14, cstr(filename)) + tlv(15, struct.pack(">I", 1600000000)) + extra
        return h
    size = len(header(tlv(12, bytes(sig_len)), 0))
    hl = (size + 3) // 4 * 4
    unsigned = header(b"", hl) + b"\x0d" * (hl - size) + body
    open("unsigned.bin", "wb").write(unsigned)
    subprocess.run(["openssl", "dgst", "-sha1", "-sign", key, "-out", "sig.bin", "unsigned.bin"], check=True)
    sig = open("sig.bin", "rb").read()
    assert len(sig) == sig_len
    return header(tlv(12, sig), hl) + b"\x0d" * (hl - size) + body

mode = sys.argv[1]
if mode == "itl":  # itl SIGNER_CERT SIGNING_KEY OUT: SAST and CCM+TFTP records hold SIGNER_CERT
    cm, signer_key = sys.argv[2], sys.argv[3]
    body = record(0, cm, "full") + record(2, cm, "full") + record(21, "tvs", "certhash")
    body += record(4, "capf", "certhash")
    open(sys.argv[4], "wb").write(signed_file(cm, signer_key, "ITLFile.tlv", body))
elif mode == "sgn":
    payload = open(sys.argv[2], "rb").read()
    open(sys.argv[3], "wb").write(signed_file("cm", "cm.key", "SEP001122334455.cnf.xml.sgn", payload, b"\x01\x00"))
elif mode == "encsgn":
    plain = open(sys.argv[2], "rb").read()
    pad = 16 - len(plain) % 16
    open("padded.bin", "wb").write(plain + b"\x0d" * pad)
    key, iv = os.urandom(16), os.urandom(16)
    subprocess.run(["openssl", "enc", "-aes-128-cbc", "-nopad", "-K", key.hex(), "-iv", iv.hex(),
                    "-in", "padded.bin", "-out", "body.bin"], check=True)
    open("k.bin", "wb").write(key)
    subprocess.run(["openssl", "pkeyutl", "-encrypt", "-certin", "-inkey", "phone.pem", "-pkeyopt",
                    "rsa_padding_mode:pkcs1", "-in", "k.bin", "-out", "wrapped.bin"], check=True)
    wrapped = open("wrapped.bin", "rb").read()
    ivinfo = tlv(18, b"\0") + tlv(19, iv) + tlv(20, struct.pack(">H", pad))
    keyinfo = tlv(22, b"\0") + tlv(23, struct.pack(">H", len(wrapped) * 8)) + tlv(24, b"\x01") + tlv(25, wrapped)
    inner = bytes([17]) + struct.pack(">H", len(ivinfo)) + ivinfo + bytes([21]) + struct.pack(">H", len(keyinfo)) + keyinfo
    extra = bytes([16]) + struct.pack(">H", len(inner)) + inner
    extra += tlv(26, b"\x01") + tlv(27, hashlib.sha1(plain).digest())
    body = open("body.bin", "rb").read()
    open(sys.argv[3], "wb").write(signed_file("cm", "cm.key", "SEP001122334455.cnf.xml.enc.sgn", body, b"\x02\x00", extra))
PY
python3 producer.py itl cm cm.key ITLFile.tlv
python3 producer.py itl cm other.key ITL-wrongkey.tlv
python3 producer.py itl other other.key ITL-otherkey.tlv
printf '<device><fullConfig>true</fullConfig><certHash>x</certHash></device>\n' >cnf.xml
python3 producer.py sgn cnf.xml SEP.cnf.xml.sgn
python3 producer.py encsgn cnf.xml SEP.cnf.xml.enc.sgn

# ---- a valid ITL from another producer: listing, seed arithmetic, verdict ----------------------
"$PCAPSCAN" show ITLFile.tlv >listing.txt || fail "valid ITL: exit $?"
grep -q "^Parse ITL File" listing.txt || fail "no 'Parse ITL File'"
grep -q "^This etoken was used to sign the ITL file.$" listing.txt || fail "no signer line"
grep -q "^The ITL file was verified successfully.$" listing.txt || fail "not verified"
tvs_hash=$(openssl dgst -sha1 -binary tvs.der | xxd -p -u | sed 's/../& /g; s/ $//')
grep -qF "$(printf '11\tCERTHASH\t20\t%s' "$tvs_hash")" listing.txt || fail "CERTHASH row"
grep -qF "$(printf '12\tHASH ALGORITHM\t1\tSHA-1')" listing.txt || fail "HASH ALGORITHM row"
grep -qF "$(printf '4\tFUNCTION\t2\tTVS')" listing.txt || fail "TVS function row"
"$PCAPSCAN" show --json ITLFile.tlv >itl.json
lengths=$(jq -c '[.records[].length]' itl.json)
functions=$(jq -c '[.records[].function]' itl.json)
[ "$(jq -r '.records[2].length' itl.json)" = 743 ] || fail "TVS RECORDLENGTH $lengths != seed 743"
[ "$(jq -r '.records[3].length' itl.json)" = 455 ] || fail "CAPF RECORDLENGTH $lengths != seed 455"
[ "$functions" = '["System Administrator Security Token","CCM+TFTP","TVS","CAPF"]' ] ||
    fail "functions $functions"
[ "$(jq -r '.signature.status' itl.json)" = valid ] || fail "JSON signature status"
[ "$(jq -r '.records[2].serial' itl.json)" = 2E3E1A7BDAA64D84 ] || fail "TVS serial"

# ---- failures: tampered, signed by a key not in its SAST record --------------------------------
cp ITLFile.tlv tampered.tlv
# Flip every bit of one byte of the last record's certificate: writing a fixed value would leave the
# file as it was whenever that byte already had it (1 run in 256).
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-30] ^= 0xFF; open(p, "wb").write(b)' tampered.tlv
cmp -s ITLFile.tlv tampered.tlv && fail "tampering left the file as it was"
set +e
"$PCAPSCAN" show tampered.tlv >out.txt
rc=$?
set -e
[ $rc = 1 ] || fail "tampered ITL: exit $rc, want 1"
grep -q "^Verification of the ITL file failed.$" out.txt || fail "tampered: no failure line"
set +e
"$PCAPSCAN" show ITL-wrongkey.tlv >out.txt
rc=$?
set -e
[ $rc = 1 ] || fail "wrong-key ITL: exit $rc, want 1"
grep -q "not in its SAST record" out.txt || fail "wrong-key: reason missing: $(tail -2 out.txt)"

# ---- signed and encrypted configs against this ITL ---------------------------------------------
"$PCAPSCAN" show --trust ITLFile.tlv SEP.cnf.xml.sgn >out.txt || fail ".sgn against the ITL: exit $?"
grep -q "verified successfully" out.txt || fail ".sgn not verified"
set +e
"$PCAPSCAN" show ITL-otherkey.tlv >/dev/null || fail "ITL of the other key does not verify"
"$PCAPSCAN" show --trust ITL-otherkey.tlv SEP.cnf.xml.sgn >out.txt
rc=$?
set -e
[ $rc = 1 ] || fail ".sgn against a list whose CCM+TFTP record holds another key: exit $rc"
"$PCAPSCAN" show --trust ITLFile.tlv --key phone.key SEP.cnf.xml.enc.sgn >plain.out ||
    fail ".enc.sgn decrypt: exit $?"
cmp -s plain.out cnf.xml || fail "decrypted text differs"
"$PCAPSCAN" show --trust ITLFile.tlv --key phone.key -o plain2.xml SEP.cnf.xml.enc.sgn >out.txt
cmp -s plain2.xml cnf.xml || fail "decrypted -o file differs"
grep -q "verified successfully" out.txt || fail ".enc.sgn signature not verified"
[ "$("$PCAPSCAN" show --json SEP.cnf.xml.enc.sgn | jq -r .kind)" = enc_sgn ] || fail "enc kind"
set +e
"$PCAPSCAN" show --key cm.key SEP.cnf.xml.enc.sgn >/dev/null 2>err.txt
rc=$?
set -e
[ $rc = 1 ] || fail "decrypt with the wrong key: exit $rc, want 1"

# ---- unreadable input: exit 2, one line naming the file and the byte offset ---------------------
head -c 200 ITLFile.tlv >cut.tlv
head -c 100 /dev/urandom | tr '\001' '\002' >garbage.bin
for f in cut.tlv garbage.bin missing.tlv; do
    set +e
    "$PCAPSCAN" show "$f" >/dev/null 2>err.txt
    rc=$?
    set -e
    [ $rc = 2 ] || fail "$f: exit $rc, want 2"
    [ "$(wc -l <err.txt)" = 1 ] || fail "$f: want one error line, got: $(cat err.txt)"
    grep -q "^pcapscan: $f: " err.txt || fail "$f: error does not name the file: $(cat err.txt)"
done
grep -q "byte offset" <("$PCAPSCAN" show cut.tlv 2>&1) || fail "cut file: no byte offset"
# The next file is still processed after a bad one, and the worst exit wins.
set +e
"$PCAPSCAN" show cut.tlv ITLFile.tlv >out.txt 2>/dev/null
rc=$?
set -e
[ $rc = 2 ] || fail "bad then good: exit $rc, want 2"
grep -q "verified successfully" out.txt || fail "good file after a bad one was not listed"
echo "other-producer: all checks passed"
