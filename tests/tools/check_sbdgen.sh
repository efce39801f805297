#!/bin/bash
# check_sbdgen.sh CASE SBDGEN PKIDIR WORKDIR [SOURCE_DIR]: one ctest case (tools.CASE) checking
# sbdgen output against docs/formats.md with the openssl CLI and od only, never with the project's
# parser, so a shared misreading of the spec cannot make both sides agree.
set -eu -o pipefail

case_name=$1
G=$2
P=$3
W=$4/$1
SRC=${5:-}
rm -rf "$W"
mkdir -p "$W"

fail() {
    echo "FAIL [$case_name]: $*" >&2
    exit 1
}

expect_eq() { # expect_eq WHAT GOT WANT
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# Bytes of a file as decimal values in array B (files here are a few KB).
load() {
    mapfile -t B < <(od -An -v -tu1 "$1" | tr -s ' ' '\n' | sed '/^$/d')
}

u16() { echo $((B[$1] * 256 + B[$1 + 1])); }
u32() { echo $(((B[$1] << 24) + (B[$1 + 1] << 16) + (B[$1 + 2] << 8) + B[$1 + 3])); }
hex_at() { # hex_at OFF LEN -> lowercase hex
    (($2 > 0)) || return 0
    printf '%02x' "${B[@]:$1:$2}"
    echo
}
str_at() { # NUL-terminated string value at OFF of length LEN (without the NUL)
    (($2 > 1)) || return 0
    printf '%b\n' "$(printf '\\x%02x' "${B[@]:$1:$2-1}")"
}
file_hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# slice FILE OFF LEN: LEN bytes from byte OFF (0-based). Not `tail | head`: under pipefail the
# writer can die of SIGPIPE when head has enough and exits first, failing the case at random.
slice() { dd if="$1" bs=1 skip="$2" count="$3" status=none; }

# Walks the header of the loaded file. Fills HT (tags in order, "13" for each pad byte),
# HO (element offsets), HL_ (value lengths) and HDRLEN. Containers (3,7,9,16,17,21) are descended.
walk_header() {
    HT=() HO=() HL_=()
    HDRLEN=$(u16 8)
    local off=0 tag len
    while ((off < HDRLEN)); do
        tag=${B[off]}
        HT+=("$tag") HO+=("$off")
        if ((tag == 13)); then
            HL_+=(0)
            off=$((off + 1))
            continue
        fi
        len=$(u16 $((off + 1)))
        HL_+=("$len")
        case $tag in
        3 | 7 | 9 | 16 | 17 | 21) off=$((off + 3)) ;;
        *) off=$((off + 3 + len)) ;;
        esac
    done
    ((off == HDRLEN)) || fail "header walk ended at $off, HeaderLength $HDRLEN"
}

# Index of header tag $1 in HT (first occurrence).
hidx() {
    local i
    for i in "${!HT[@]}"; do
        if [ "${HT[i]}" = "$1" ]; then
            echo "$i"
            return
        fi
    done
    fail "header tag $1 missing"
}

header_tags() { # tag list without the trailing padding bytes
    local s="${HT[*]}"
    while [[ $s == *" 13" ]]; do s=${s% 13}; done
    echo "$s"
}

# Walks records from HDRLEN to EOF. RT[i] = "tag tag ..." of record i, RO[i] = record offset.
walk_records() {
    RT=() RO=()
    local off=$HDRLEN n=${#B[@]} end tags e tag
    while ((off < n)); do
        ((B[off] == 1)) || fail "record at $off does not start with tag 1"
        end=$((off + $(u16 $((off + 3)))))
        ((end <= n)) || fail "record at $off overruns EOF"
        tags="" e=$off
        while ((e < end)); do
            tag=${B[e]}
            tags+="$tag "
            e=$((e + 3 + $(u16 $((e + 1)))))
        done
        ((e == end)) || fail "record at $off: elements end at $e, RECORDLENGTH says $end"
        RT+=("${tags% }") RO+=("$off")
        off=$end
    done
}

# Offset of record tag $2's element inside record index $1.
rec_elem() {
    local off=${RO[$1]} end e
    end=$((off + $(u16 $((off + 3)))))
    e=$off
    while ((e < end)); do
        if ((B[e] == $2)); then
            echo "$e"
            return
        fi
        e=$((e + 3 + $(u16 $((e + 1)))))
    done
    fail "record $1 has no tag $2"
}
rec_len() { u16 $(($(rec_elem "$1" "$2") + 1)); }
rec_hex() {
    local e
    e=$(rec_elem "$1" "$2")
    hex_at $((e + 3)) "$(u16 $((e + 1)))"
}

# verify_sig FILE PUBKEY.pem -> 0 when the header signature verifies per docs/formats.md "Signature
# coverage": the whole file with the tag-12 element cut out, digest from tag 8.
verify_sig() {
    local f=$1 pub=$2 i off len md
    load "$f"
    walk_header
    i=$(hidx 12)
    off=${HO[i]} len=${HL_[i]}
    case ${B[$((HO[$(hidx 8)] + 3))]} in
    1) md=sha1 ;; 2) md=sha256 ;; 3) md=sha512 ;; *) fail "unknown digest id" ;;
    esac
    head -c "$off" "$f" >"$W/signed.bin"
    tail -c +$((off + 3 + len + 1)) "$f" >>"$W/signed.bin"
    slice "$f" $((off + 3)) "$len" >"$W/sig.bin"
    openssl dgst -"$md" -verify "$pub" -signature "$W/sig.bin" "$W/signed.bin" >/dev/null 2>&1
}

pub() { openssl x509 -in "$P/$1.pem" -noout -pubkey >"$W/$1.pub" && echo "$W/$1.pub"; }
der() { openssl x509 -in "$P/$1.pem" -outform DER -out "$W/$1.der" && echo "$W/$1.der"; }
cucm_name() { # CUCM style from openssl's RFC2253 (already most specific first), ',' -> ';'
    openssl x509 -in "$P/$1.pem" -noout "-$2" -nameopt RFC2253 | sed "s/^$2=//; s/,/;/g"
}
serial_hex() { openssl x509 -in "$P/$1.pem" -noout -serial | sed 's/serial=//' | tr A-F a-f; }

itl() { # itl OUT [extra sbdgen args]: the standard 4-record ITL signed by callmanager
    local out=$1
    shift
    "$G" tl -o "$out" --signer "$P/callmanager.key:$P/callmanager.pem" \
        --record "SAST:$P/callmanager.pem" --record "CCM+TFTP:$P/callmanager.pem" \
        --record "TVS:$P/tvs.pem:certhash" --record "CAPF:$P/capf.pem:certhash" "$@"
}

# ---- cases -----------------------------------------------------------------------------

t_mkpki() {
    local out
    rm -rf "$P"
    out=$("$SRC/tests/tools/mkpki.sh" "$P" 2>&1)
    expect_eq "mkpki output" "$out" ""
    for n in ca callmanager tvs capf tomcat callmanager2 tvs2 phone rsa1024 rsa2048 rsa4096 ec256 \
        expired expiring highserial seed336 seed296ca seed296; do
        { [ -s "$P/$n.key" ] && [ -s "$P/$n.pem" ]; } || fail "missing $n"
        openssl pkey -in "$P/$n.key" -noout || fail "$n.key unreadable"
    done
    ! openssl x509 -in "$P/expired.pem" -noout -checkend 0 >/dev/null || fail "expired is valid"
    openssl x509 -in "$P/expiring.pem" -noout -checkend $((9 * 86400)) >/dev/null ||
        fail "expiring ends before 9 days"
    ! openssl x509 -in "$P/expiring.pem" -noout -checkend $((11 * 86400)) >/dev/null ||
        fail "expiring lasts past 11 days"
    expect_eq "highserial" "$(serial_hex highserial)" 8a1b2c3d4e5f6071
    expect_eq "callmanager2 subject" "$(cucm_name callmanager2 subject)" \
        "$(cucm_name callmanager subject)"
    ! cmp -s "$(pub callmanager2)" "$(pub callmanager)" || fail "callmanager2 reuses the key"
    openssl verify -CAfile "$P/capf.pem" "$P/phone.pem" >/dev/null || fail "phone not by capf"
    openssl verify -CAfile "$P/ca.pem" "$P/tomcat.pem" >/dev/null || fail "tomcat not by ca"
}

# Trust list per hash: header layout, padding, body = records to EOF, signature.
tl_hash_case() {
    local h=$1 id=$2
    itl "$W/itl.tlv" --hash "$h"
    verify_sig "$W/itl.tlv" "$(pub callmanager)" || fail "signature does not verify ($h)"
    load "$W/itl.tlv"
    walk_header
    expect_eq "header tags" "$(header_tags)" "1 2 3 4 5 6 7 8 9 10 11 12 14 15"
    expect_eq "HeaderLength % 4" $((HDRLEN % 4)) 0
    expect_eq "version" "$(hex_at 3 2)" 0102
    expect_eq "digest id" "${B[$((HO[$(hidx 8)] + 3))]}" "$id"
    expect_eq "SIGNATUREINFO" "${HL_[$(hidx 7)]}" 15
    expect_eq "SIGNATUREALGOINFO" "${HL_[$(hidx 9)]}" 8
    expect_eq "modulus code" "${B[$((HO[$(hidx 11)] + 3))]}" 2
    expect_eq "signature len" "${HL_[$(hidx 12)]}" 256
    expect_eq "filename" "$(str_at $((HO[$(hidx 14)] + 3)) "${HL_[$(hidx 14)]}")" ITLFile.tlv
    expect_eq "timestamp" "$(u32 $((HO[$(hidx 15)] + 3)))" 1700000000
    local pads=$((${#HT[@]} - $(hidx 15) - 1))
    ((pads < 4)) || fail "$pads padding bytes"
    walk_records
    expect_eq "records" "${#RT[@]}" 4
    # The signer (header 5/6) is the SAST record (record 6/5).
    expect_eq "signer serial" "$(hex_at $((HO[$(hidx 5)] + 3)) "${HL_[$(hidx 5)]}")" \
        "$(rec_hex 0 6)"
    ! verify_sig "$W/itl.tlv" "$(pub tvs)" || fail "verifies with the wrong key"
}
t_tl_sha1() { tl_hash_case sha1 1; }
t_tl_sha256() { tl_hash_case sha256 2; }
t_tl_sha512() { tl_hash_case sha512 3; }

t_rsa_sizes() {
    local bits code
    for bits in 1024 2048 4096; do
        "$G" tl -o "$W/r$bits.tlv" --signer "$P/rsa$bits.key:$P/rsa$bits.pem" \
            --record "SAST:$P/rsa$bits.pem" --hash sha512
        verify_sig "$W/r$bits.tlv" "$(pub rsa$bits)" || fail "rsa$bits signature"
        load "$W/r$bits.tlv"
        walk_header
        code=$((bits == 1024 ? 1 : bits == 2048 ? 2 : 3))
        expect_eq "rsa$bits modulus code" "${B[$((HO[$(hidx 11)] + 3))]}" "$code"
        expect_eq "rsa$bits sig len" "${HL_[$(hidx 12)]}" $((bits / 8))
        expect_eq "rsa$bits HeaderLength % 4" $((HDRLEN % 4)) 0
        walk_records
        expect_eq "rsa$bits PUBLICKEY len" "$(rec_len 0 7)" \
            $((bits == 1024 ? 140 : bits == 2048 ? 270 : 526))
    done
}

# docs/formats.md section 2: signer 62/16/62 -> SIGNERID 149, HeaderLength 333 padded to 336.
t_seed336() {
    "$G" tl -o "$W/ctl.tlv" --ctl --signer "$P/seed336.key:$P/seed336.pem" \
        --record "SAST:$P/seed336.pem:full:cucm-1051-a-pub:10.48.47.9"
    verify_sig "$W/ctl.tlv" "$(pub seed336)" || fail "signature"
    load "$W/ctl.tlv"
    walk_header
    expect_eq "SIGNERNAME len" "${HL_[$(hidx 4)]}" 62
    expect_eq "SERIALNUMBER len" "${HL_[$(hidx 5)]}" 16
    expect_eq "CANAME len" "${HL_[$(hidx 6)]}" 62
    expect_eq "SIGNERID" "${HL_[$(hidx 3)]}" 149
    expect_eq "SIGNATURE len" "${HL_[$(hidx 12)]}" 128
    expect_eq "FILENAME" "$(str_at $((HO[$(hidx 14)] + 3)) "${HL_[$(hidx 14)]}")" CTLFile.tlv
    expect_eq "HeaderLength" "$HDRLEN" 336
    expect_eq "pad bytes" $((${#HT[@]} - $(hidx 15) - 1)) 3
    expect_eq "SIGNERNAME" "$(str_at $((HO[$(hidx 4)] + 3)) 62)" \
        "CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL"
    # The real record of that listing: 5+19+65+5+65+19+(3+140)+(3+128)+(3+694)+7 = 1156 with a
    # 694-byte cert; ours differs only in the DER size.
    walk_records
    expect_eq "record tags" "${RT[0]}" "1 2 3 4 5 6 7 8 9 10"
    expect_eq "record length" "$(u16 $((RO[0] + 3)))" \
        $((5 + 19 + 65 + 5 + 65 + 19 + 143 + 131 + 3 + $(rec_len 0 9) + 7))
}

# Seed 000 `show itl`: signer 76/10/15 -> SIGNERID 110; with an RSA-1024 signer (its SAST record
# has PUBLICKEY 140) the header is 5+5+3+110+3+4+3+4+4+(3+128)+(3+12)+(3+4) = 294 -> 296.
t_seed296() {
    "$G" tl -o "$W/itl.tlv" --signer "$P/seed296.key:$P/seed296.pem" \
        --record "SAST:$P/seed296.pem" --record "CCM+TFTP:$P/seed296.pem" \
        --record "TVS:$P/tvs.pem:certhash" --record "CAPF:$P/capf.pem:certhash"
    verify_sig "$W/itl.tlv" "$(pub seed296)" || fail "signature"
    load "$W/itl.tlv"
    walk_header
    expect_eq "SIGNERID" "${HL_[$(hidx 3)]}" 110
    expect_eq "CANAME" "$(str_at $((HO[$(hidx 6)] + 3)) "${HL_[$(hidx 6)]}")" CN=JASBURNS-AD
    expect_eq "SERIALNUMBER" "$(hex_at $((HO[$(hidx 5)] + 3)) "${HL_[$(hidx 5)]}")" \
        21002d17000000000005
    expect_eq "HeaderLength" "$HDRLEN" 296
    walk_records
    # Seed: SAST 1972 = 5+(3+2)+(3+76)+5+(3+15)+(3+10)+(3+140)+(3+256)+(3+1442); our DNSNAME is
    # empty (3+1) and the DER differs, the rest must match.
    expect_eq "SAST record" "$(u16 $((RO[0] + 3)))" \
        $((5 + 4 + 79 + 5 + 18 + 13 + 143 + 259 + 3 + $(rec_len 0 9)))
    expect_eq "PUBLICKEY" "$(rec_len 0 7)" 140
    expect_eq "cert SIGNATURE (by the 2048-bit CA)" "$(rec_len 0 8)" 256
}

t_records() {
    local d
    "$G" tl -o "$W/ctl.tlv" --ctl --signer "$P/callmanager.key:$P/callmanager.pem" \
        --record "SAST:$P/callmanager.pem:full:cucm-pub.sbd.test:192.0.2.10" \
        --record "TVS:$P/tvs.pem:certhash" --record "0:$P/rsa1024.pem:etoken" \
        --record "APP-SERVER:$P/highserial.pem" --record "7:$P/tomcat.pem" \
        --sparse-record "CCM+TFTP:cucm-sub.lab:192.0.2.11" --record "APP-SERVER:$P/ec256.pem"
    load "$W/ctl.tlv"
    walk_header
    walk_records
    expect_eq "records" "${#RT[@]}" 7
    # EC: tag 7 is the X9.62 uncompressed point (the last 65 bytes of the SubjectPublicKeyInfo).
    expect_eq "EC PUBLICKEY" "$(rec_hex 6 7)" \
        "$(openssl pkey -in "$P/ec256.key" -pubout -outform DER | tail -c 65 | od -An -v -tx1 |
            tr -d ' \n')"
    expect_eq "full tags" "${RT[0]}" "1 2 3 4 5 6 7 8 9 10"
    expect_eq "certhash tags" "${RT[1]}" "1 2 3 4 5 6 7 8 11 12"
    expect_eq "etoken tags" "${RT[2]}" "1 2 3 4 5 6 7 9"
    expect_eq "full, no IP" "${RT[3]}" "1 2 3 4 5 6 7 8 9"
    expect_eq "sparse tags" "${RT[5]}" "1 2 4 10"
    expect_eq "sparse RECORDLENGTH" "$(u16 $((RO[5] + 3)))" 33
    expect_eq "sparse IP" "$(rec_hex 5 10)" c000020b
    expect_eq "sparse FUNCTION" "$(rec_hex 5 4)" 0002
    expect_eq "sparse DNSNAME" "$(rec_hex 5 2)" "$(printf 'cucm-sub.lab\0' | od -An -tx1 | tr -d ' \n')"
    expect_eq "DNSNAME" "$(rec_hex 0 2)" "$(printf 'cucm-pub.sbd.test\0' | od -An -tx1 | tr -d ' \n')"
    expect_eq "IPADDRESS" "$(rec_hex 0 10)" c000020a
    expect_eq "FUNCTION SAST" "$(rec_hex 0 4)" 0000
    expect_eq "FUNCTION TVS" "$(rec_hex 1 4)" 0015
    expect_eq "FUNCTION APP-SERVER" "$(rec_hex 3 4)" 0007
    d=$(der callmanager)
    expect_eq "CERTIFICATE" "$(rec_hex 0 9)" "$(file_hex "$d")"
    openssl x509 -in "$P/callmanager.pem" -noout -pubkey |
        openssl rsa -pubin -RSAPublicKey_out -outform DER -out "$W/cm.pk1" 2>/dev/null
    expect_eq "PUBLICKEY = PKCS#1" "$(rec_hex 0 7)" "$(file_hex "$W/cm.pk1")"
    # Self-signed RSA-2048: the signatureValue is the last 256 bytes of the DER.
    expect_eq "SIGNATURE = cert signature" "$(rec_hex 0 8)" \
        "$(tail -c 256 "$d" | od -An -v -tx1 | tr -d ' \n')"
    expect_eq "SERIALNUMBER" "$(rec_hex 0 6)" "$(serial_hex callmanager)"
    expect_eq "SUBJECTNAME" "$(rec_hex 0 3)" \
        "$( (cucm_name callmanager subject | tr -d '\n'; printf '\0') | od -An -tx1 | tr -d ' \n')"
    expect_eq "ISSUERNAME" "$(rec_hex 4 5)" \
        "$( (cucm_name tomcat issuer | tr -d '\n'; printf '\0') | od -An -tx1 | tr -d ' \n')"
    expect_eq "CERTHASH" "$(rec_hex 1 11)" "$(openssl dgst -sha1 -r "$(der tvs)" | cut -c1-40)"
    expect_eq "HASH ALGORITHM" "$(rec_hex 1 12)" 01
    # Top-bit serial: the DER sign byte is stripped (8 bytes, not 9).
    expect_eq "high serial" "$(rec_hex 3 6)" 8a1b2c3d4e5f6071
    # CA-issued tomcat: tag 8 is the CA's signature (last 256 B of its DER, CA is RSA-2048).
    expect_eq "tomcat SIGNATURE" "$(rec_hex 4 8)" \
        "$(tail -c 256 "$(der tomcat)" | od -An -v -tx1 | tr -d ' \n')"
    verify_sig "$W/ctl.tlv" "$(pub callmanager)" || fail "signature"
}

t_ucm_order() {
    itl "$W/itl.tlv" --order usecallmanager --signer-version 1.0
    verify_sig "$W/itl.tlv" "$(pub callmanager)" || fail "signature"
    load "$W/itl.tlv"
    walk_header
    expect_eq "header tags" "$(header_tags)" "1 2 28 3 4 6 5 7 8 9 10 11 12 14 15"
    expect_eq "signer version" "$(hex_at $((HO[$(hidx 28)] + 3)) 2)" 0100
    walk_records
    expect_eq "full record" "${RT[0]}" "1 3 5 6 4 7 8 9"
    expect_eq "certhash record" "${RT[2]}" "1 3 5 6 4 7 8 11 12"
}

t_sgn() {
    printf '<device><fullConfig>true</fullConfig></device>\n' >"$W/SEP001122334455.cnf.xml"
    "$G" sgn -o "$W/SEP001122334455.cnf.xml.sgn" --signer "$P/callmanager.key:$P/callmanager.pem" \
        --in "$W/SEP001122334455.cnf.xml" --timestamp 1600000000
    verify_sig "$W/SEP001122334455.cnf.xml.sgn" "$(pub callmanager)" || fail "signature"
    load "$W/SEP001122334455.cnf.xml.sgn"
    walk_header
    expect_eq "version" "$(hex_at 3 2)" 0100
    expect_eq "filename" "$(str_at $((HO[$(hidx 14)] + 3)) "${HL_[$(hidx 14)]}")" \
        SEP001122334455.cnf.xml.sgn
    expect_eq "timestamp" "$(u32 $((HO[$(hidx 15)] + 3)))" 1600000000
    tail -c +$((HDRLEN + 1)) "$W/SEP001122334455.cnf.xml.sgn" >"$W/payload"
    cmp -s "$W/payload" "$W/SEP001122334455.cnf.xml" || fail "payload differs"
}

t_encsgn() {
    local key=00112233445566778899aabbccddeeff iv=0f0e0d0c0b0a09080706050403020100 i pad
    printf '<device><sipProfile>s3cr</sipProfile>\n</device>' >"$W/plain.xml"
    expect_eq "plain size (docs/formats.md section 5 example)" "$(stat -c %s "$W/plain.xml")" 47
    "$G" encsgn -o "$W/SEP001122334455.cnf.xml.enc.sgn" \
        --signer "$P/callmanager.key:$P/callmanager.pem" --in "$W/plain.xml" \
        --phone-cert "$P/phone.pem" --aes-key $key --iv $iv \
        --stub-sgn "$W/SEP001122334455.cnf.xml.sgn"
    local f=$W/SEP001122334455.cnf.xml.enc.sgn
    verify_sig "$f" "$(pub callmanager)" || fail "signature"
    load "$f"
    walk_header
    expect_eq "version" "$(hex_at 3 2)" 0200
    expect_eq "header tags" "$(header_tags)" \
        "1 2 3 4 5 6 7 8 9 10 11 12 14 15 16 17 18 19 20 21 22 23 24 25 26 27"
    expect_eq "HeaderLength % 4" $((HDRLEN % 4)) 0
    expect_eq "IV" "$(hex_at $((HO[$(hidx 19)] + 3)) 16)" $iv
    pad=$(u16 $((HO[$(hidx 20)] + 3)))
    expect_eq "pad count" "$pad" 1
    expect_eq "tag 16" "${HL_[$(hidx 16)]}" $((3 + HL_[$(hidx 17)] + 3 + HL_[$(hidx 21)]))
    expect_eq "tag 17" "${HL_[$(hidx 17)]}" 28
    expect_eq "key size" "$(u16 $((HO[$(hidx 23)] + 3)))" 2048
    expect_eq "key alg" "${B[$((HO[$(hidx 24)] + 3))]}" 1
    i=$(hidx 25)
    expect_eq "wrapped len" "${HL_[i]}" 256
    slice "$f" $((HO[i] + 3)) 256 >"$W/wrapped.bin"
    openssl pkeyutl -decrypt -inkey "$P/phone.key" -pkeyopt rsa_padding_mode:pkcs1 \
        -in "$W/wrapped.bin" -out "$W/key.bin"
    expect_eq "unwrapped key" "$(file_hex "$W/key.bin")" $key
    tail -c +$((HDRLEN + 1)) "$f" >"$W/body.bin"
    expect_eq "body size" "$(stat -c %s "$W/body.bin")" 48
    openssl enc -d -aes-128-cbc -nopad -K $key -iv $iv -in "$W/body.bin" -out "$W/padded.xml"
    expect_eq "pad byte" "$(tail -c 1 "$W/padded.xml" | od -An -tx1 | tr -d ' ')" 0d
    head -c $((48 - pad)) "$W/padded.xml" >"$W/dec.xml"
    cmp -s "$W/dec.xml" "$W/plain.xml" || fail "decrypted text differs"
    expect_eq "plain hash id" "${B[$((HO[$(hidx 26)] + 3))]}" 1
    expect_eq "plain hash" "$(hex_at $((HO[$(hidx 27)] + 3)) 20)" \
        "$(openssl dgst -sha1 -r "$W/plain.xml" | cut -c1-40)"
    # Stub: a plain .sgn naming the MD5 of the phone cert.
    local stub=$W/SEP001122334455.cnf.xml.sgn md5
    verify_sig "$stub" "$(pub callmanager)" || fail "stub signature"
    md5=$(openssl dgst -md5 -r "$(der phone)" | cut -c1-32)
    grep -q "<certHash>$md5</certHash>" "$stub" || fail "stub certHash"
    grep -q "<encrConfig>true</encrConfig>" "$stub" || fail "stub encrConfig"
    # SHA-512 variant and a 16-byte aligned plaintext (pad = a full block).
    head -c 32 /dev/zero | tr '\0' 'x' >"$W/p32"
    "$G" encsgn -o "$W/x.enc.sgn" --signer "$P/callmanager.key:$P/callmanager.pem" \
        --in "$W/p32" --phone-cert "$P/phone.pem" --hash sha512
    verify_sig "$W/x.enc.sgn" "$(pub callmanager)" || fail "sha512 signature"
    walk_header
    expect_eq "aligned pad count" "$(u16 $((HO[$(hidx 20)] + 3)))" 16
    expect_eq "sha512 hash len" "${HL_[$(hidx 27)]}" 64
    expect_eq "aligned body" $((${#B[@]} - HDRLEN)) 48
}

t_breakage() {
    itl "$W/good.tlv"
    itl "$W/tampered.tlv" --tamper -10
    ! verify_sig "$W/tampered.tlv" "$(pub callmanager)" || fail "tampered file verifies"
    cmp "$W/good.tlv" "$W/tampered.tlv" >"$W/cmp.txt" || true
    expect_eq "tamper position" "$(awk '{print $5}' "$W/cmp.txt" | tr -d ,)" \
        $(($(stat -c %s "$W/good.tlv") - 9))
    itl "$W/trunc.tlv" --truncate 100
    expect_eq "truncated size" "$(stat -c %s "$W/trunc.tlv")" 100
    itl "$W/other.tlv" --sign-with "$P/callmanager2.key"
    ! verify_sig "$W/other.tlv" "$(pub callmanager)" || fail "sign-with verifies with signer"
    verify_sig "$W/other.tlv" "$(pub callmanager2)" || fail "sign-with not made by the other key"
    expect_eq "signer serial kept" "$(hex_at $((HO[$(hidx 5)] + 3)) "${HL_[$(hidx 5)]}")" \
        "$(serial_hex callmanager)"
    itl "$W/ghost.tlv" --signer-name "CN=ghost" --signer-serial 0badc0de --signer-issuer "CN=nobody"
    verify_sig "$W/ghost.tlv" "$(pub callmanager)" || fail "override file must still verify"
    expect_eq "override name" "$(str_at $((HO[$(hidx 4)] + 3)) "${HL_[$(hidx 4)]}")" CN=ghost
    expect_eq "override serial" "$(hex_at $((HO[$(hidx 5)] + 3)) "${HL_[$(hidx 5)]}")" 0badc0de
    expect_eq "override issuer" "$(str_at $((HO[$(hidx 6)] + 3)) "${HL_[$(hidx 6)]}")" CN=nobody
    itl "$W/odd.tlv" --align 16 --header-version 9.7
    verify_sig "$W/odd.tlv" "$(pub callmanager)" || fail "--align 16 file must verify"
    expect_eq "align 16" $((HDRLEN % 16)) 0
    expect_eq "header version" "$(hex_at 3 2)" 0907
}

t_deterministic() {
    itl "$W/a.tlv" --hash sha512
    itl "$W/b.tlv" --hash sha512
    cmp -s "$W/a.tlv" "$W/b.tlv" || fail "two runs differ"
    itl "$W/c.tlv" --hash sha512 --timestamp 1700000001
    ! cmp -s "$W/a.tlv" "$W/c.tlv" || fail "--timestamp ignored"
}

# The real-world ITL (usecallmanager-built) must have the header layout sbdgen writes with
# --order usecallmanager --signer-version 1.0, and must verify by the same coverage rule.
t_realworld() {
    local rw=$SRC/tests/tools/data/community-cluster-ITLFile.tlv
    [ -r "$rw" ] || {
        echo "real-world ITL not available; skipped"
        exit 77
    }
    load "$rw"
    walk_header
    local real_tags real_hl
    real_tags=$(header_tags)
    real_hl=$HDRLEN
    expect_eq "real header tags" "$real_tags" "1 2 28 3 4 6 5 7 8 9 10 11 12 14 15"
    expect_eq "real HeaderLength" "$real_hl" 388
    walk_records
    expect_eq "real SAST record tags" "${RT[0]}" "1 3 5 6 4 7 8 9"
    local e
    e=$(rec_elem 0 9)
    slice "$rw" $((e + 3)) "$(u16 $((e + 1)))" >"$W/sast.der"
    openssl x509 -inform DER -in "$W/sast.der" -noout -pubkey >"$W/sast.pub"
    verify_sig "$rw" "$W/sast.pub" || fail "real-world ITL does not verify by our coverage rule"
    itl "$W/ours.tlv" --order usecallmanager --signer-version 1.0
    load "$W/ours.tlv"
    walk_header
    expect_eq "our header tags" "$(header_tags)" "$real_tags"
    walk_records
    expect_eq "our SAST record tags" "${RT[0]}" "1 3 5 6 4 7 8 9"
    # Byte-exact header: a stand-in SAST cert with the real signer's names, serial and key size,
    # usecallmanager name style (certificate order, ','), the real timestamp. Everything but the
    # signature bytes must match: [0, 107) before tag 12's value and [366, 388) after it.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/sast.key" -out "$W/sast.pem" \
        -subj "/CN=SAST/O=SAST/OU=SAST" -set_serial 0x6ba5de3a260b069337c75b38be3c2d74 \
        -days 30 2>/dev/null
    "$G" tl -o "$W/mimic.tlv" --signer "$W/sast.key:$W/sast.pem" --order usecallmanager \
        --signer-version 1.0 --name-style ucm --timestamp $((0x69540b16)) \
        --record "SAST:$W/sast.pem"
    cmp -s <(head -c 110 "$rw") <(head -c 110 "$W/mimic.tlv") || fail "header start differs"
    cmp -s <(head -c 388 "$rw" | tail -c 22) <(head -c 388 "$W/mimic.tlv" | tail -c 22) ||
        fail "header tail (14, 15) differs"
    load "$W/mimic.tlv"
    walk_header
    walk_records
    expect_eq "mimic SAST names" "$(str_at $(($(rec_elem 0 3) + 3)) 23)" "CN=SAST,O=SAST,OU=SAST"
}

"t_$case_name"
