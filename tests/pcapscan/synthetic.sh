#!/usr/bin/env bash
# synthetic.sh CASE: one pcapscan test on captures written at test time by mkcap from files made
# with sbdgen and the mkpki.sh PKI. Every audit rule has a case that makes it fire and one where
# it must stay silent; transport cases check the rebuilt file is byte-identical to the source.
# Env: PCAPSCAN MKCAP SBDGEN MKPKI WORK (set by CMakeLists.txt); SBD_TEST_PKI (optional): a PKI
# mkpki.sh already made, copied by "setup" instead of running MKPKI.
set -euo pipefail

case_name=$1
mat=$WORK/material
pki=$mat/pki
mkdir -p "$WORK"
cd "$WORK"

fail() {
  echo "FAIL [$case_name]: $*" >&2
  exit 1
}

# ---- material (the "setup" case; a ctest fixture runs it once) ----------------------------------
tl() { # OUT SIGNER RECORD... (RECORD = FUNCTION:name[:style])
  local out=$1 sgn=$2 r args=()
  shift 2
  for r in "$@"; do
    local fn=${r%%:*} rest=${r#*:}
    local nm=${rest%%:*} style=
    [ "$rest" != "$nm" ] && style=:${rest#*:}
    args+=(--record "$fn:$pki/$nm.pem$style")
  done
  "$SBDGEN" tl -o "$out" --signer "$pki/$sgn.key:$pki/$sgn.pem" --filename ITLFile.tlv \
    --timestamp 1796083200 "${args[@]}" "${TL_EXTRA[@]}"
}

setup() {
  rm -rf "$mat"
  mkdir -p "$mat"
  if [ -n "${SBD_TEST_PKI:-}" ]; then
    cp -R "$SBD_TEST_PKI" "$pki" # made once per ctest run by the tools.mkpki fixture
  else
    "$MKPKI" "$pki"
  fi
  local c
  for c in tvs tvs2 tomcat callmanager expired expiring; do
    openssl x509 -in "$pki/$c.pem" -outform DER -out "$mat/$c.der"
  done
  TL_EXTRA=()
  tl "$mat/itl.tlv" callmanager SAST:callmanager CCM+TFTP:callmanager TVS:tvs:certhash CAPF:capf:certhash
  tl "$mat/itl-b-broken.tlv" callmanager2 SAST:callmanager2 CCM+TFTP:callmanager2 TVS:tvs2:certhash
  tl "$mat/itl-b-viatvs.tlv" callmanager2 SAST:callmanager2 CCM+TFTP:callmanager2 TVS:tvs:certhash
  tl "$mat/itl-rollback.tlv" callmanager SAST:callmanager CAPF:capf:certhash
  tl "$mat/itl-expired.tlv" callmanager SAST:callmanager CCM+TFTP:callmanager TVS:tvs:certhash CAPF:expired
  local big=(SAST:callmanager CCM+TFTP:callmanager TVS:tvs:certhash) i
  for i in $(seq 1 38); do big+=(CAPF:rsa1024); done
  tl "$mat/itl-large.tlv" callmanager "${big[@]}"
  # A TVS certificate whose issuer (self-signed: = subject) holds quotes, commas and a backslash;
  # sbdgen writes the record's names as CUCM does: values quoted, '"' doubled (tests/tools).
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/tvsq.key" -out "$pki/tvsq.pem" \
    -days 3650 -set_serial 0x2E3E1A7BDAA64D99 \
    -subj '/C=US/O=Cisco Systems, Inc./OU=TVS; "Lab"/CN=tvs "q", back\\slash' >/dev/null 2>&1
  openssl x509 -in "$pki/tvsq.pem" -outform DER -out "$mat/tvsq.der"
  tl "$mat/itl-quoted.tlv" callmanager SAST:callmanager CCM+TFTP:callmanager TVS:tvsq:certhash
  TL_EXTRA=(--tamper 700)
  tl "$mat/itl-tampered.tlv" callmanager SAST:callmanager CCM+TFTP:callmanager TVS:tvs:certhash
  TL_EXTRA=(--signer-serial 0102030405)
  tl "$mat/itl-signer-unknown.tlv" callmanager SAST:callmanager CCM+TFTP:callmanager TVS:tvs:certhash
  printf '<device><deviceName>SEP001122334455</deviceName>%0600d</device>\n' 0 >"$mat/cnf.xml"
  "$SBDGEN" sgn -o "$mat/cnf.sgn" --signer "$pki/callmanager.key:$pki/callmanager.pem" \
    --in "$mat/cnf.xml" --filename SEP001122334455.cnf.xml.sgn --timestamp 1796083200
  "$SBDGEN" sgn -o "$mat/cnf-b.sgn" --signer "$pki/callmanager2.key:$pki/callmanager2.pem" \
    --in "$mat/cnf.xml" --filename SEP001122334455.cnf.xml.sgn --timestamp 1796083200
  "$SBDGEN" sgn -o "$mat/cnf-tampered.sgn" --signer "$pki/callmanager.key:$pki/callmanager.pem" \
    --in "$mat/cnf.xml" --filename SEP001122334455.cnf.xml.sgn --timestamp 1796083200 --tamper 900
  # 600 KB: with blksize 8 the block numbers wrap past 65535.
  head -c 600000 /dev/zero | tr '\0' 'x' >"$mat/big.bin"
  printf 'end' >>"$mat/big.bin"
  head -c 20000 /dev/zero | tr '\0' 'y' >"$mat/firmware.bin"
}

# ---- helpers -------------------------------------------------------------------------------------
MAC=SEP001122334455
NOW=2026-12-01T00:00:00Z
out=$WORK/$case_name
json=$out/out.json

mk() { # NAME: capture from the script on stdin
  mkdir -p "$out"
  "$MKCAP" "$out/$1" || fail "mkcap $1"
}
scan() { # ARGS...: pcapscan --json, exit code kept in $rc
  set +e
  "$PCAPSCAN" --json --now "$NOW" "$@" >"$json" 2>"$out/stderr"
  rc=$?
  set -e
  jq -e . "$json" >/dev/null || fail "output is not JSON lines"
}
fires() {
  local r
  for r in "$@"; do
    jq -s -e --arg r "$r" 'any(.[]; .type=="finding" and .rule==$r)' "$json" >/dev/null ||
      fail "$r did not fire: $(jq -c 'select(.type=="finding") | .rule' "$json" | tr '\n' ' ')"
  done
}
silent() {
  local r
  for r in "$@"; do
    if jq -s -e --arg r "$r" 'any(.[]; .type=="finding" and .rule==$r)' "$json" >/dev/null; then
      fail "$r fired: $(jq -c --arg r "$r" 'select(.type=="finding" and .rule==$r) | .message' "$json")"
    fi
  done
}
sha() { sha256sum "$1" | cut -c1-64; }
file_ok() { # NAME SOURCE: a complete file record with the source's SHA-256
  local got
  got=$(jq -r --arg n "$1" 'select(.type=="file" and .name==$n and .complete) | .sha256' "$json" | sed -n 1p)
  [ "$got" = "$(sha "$2")" ] || fail "$1: sha256 '$got' != $(sha "$2")"
}
expect_rc() { [ "$rc" = "$1" ] || fail "exit code $rc, expected $1"; }
healthy_boot() { # the standard boot: CTLSEP not found, ITLSEP, signed config
  echo "tftp CTL$MAC.tlv - notfound"
  echo "tftp ITL$MAC.tlv $mat/${1:-itl.tlv}"
  echo "tftp $MAC.cnf.xml.sgn $mat/${2:-cnf.sgn}"
}

# ---- cases ----------------------------------------------------------------------------------------
case $case_name in
setup) setup ;;

healthy) # nothing but TVS_CERT_MATCH; every file verified
  { healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk c.pcap
  scan "$out/c.pcap"
  expect_rc 0
  fires TVS_CERT_MATCH
  silent TVS_CERT_NOT_IN_ITL TRUST_LIST_SIGNATURE_INVALID TRUST_LIST_SIGNER_UNKNOWN \
    SGN_SIGNATURE_INVALID SGN_SIGNER_NOT_IN_ITL ITL_ROLLBACK TRUST_CHAIN_BROKEN TRUST_VIA_TVS \
    CERT_EXPIRED CERT_EXPIRES_SOON ITL_TOO_LARGE TFTP_TRANSFER_INCOMPLETE TRUST_FILE_FALLBACK \
    HTTPS_CERT_NOT_IN_TRUST_LIST TLS_CERT_HIDDEN CAPTURE_TRUNCATED
  file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  file_ok "$MAC.cnf.xml.sgn" "$mat/cnf.sgn"
  [ "$(jq -r 'select(.type=="file" and .kind=="itl") | .signature' "$json")" = valid ] || fail "itl not valid"
  [ "$(jq -r 'select(.type=="file" and .kind=="sgn") | .signature' "$json")" = valid ] || fail "sgn not valid"
  [ "$(jq -r 'select(.type=="content" and .kind=="itl") | .records | length' "$json")" = 4 ] || fail "records"
  # Format 2: one content line per distinct content, before the first file line naming it; file
  # lines carry no records. --json-inline: format 1, records on the file line, no content line.
  [ "$(jq -s -r '[.[] | select(.type=="content" or (.type=="file" and .complete and .kind!="other")) | .type]
        | join(",")' "$json")" = content,file,content,file ] || fail "content lines not before their files"
  [ "$(jq -s '[.[] | select(.type=="file") | has("records") or has("signer")] | any' "$json")" = false ] ||
    fail "a format 2 file line has records"
  [ "$(jq -r 'select(.type=="summary") | .format_version' "$json")" = 2 ] || fail "format_version"
  "$PCAPSCAN" --json --json-inline --now "$NOW" "$out/c.pcap" >"$out/inline.json" || true
  [ "$(jq -r 'select(.type=="file" and .kind=="itl") | .records | length' "$out/inline.json")" = 4 ] ||
    fail "--json-inline: records"
  [ "$(jq -r 'select(.type=="summary") | .format_version' "$out/inline.json")" = 1 ] || fail "--json-inline: format_version"
  [ "$(jq -s '[.[] | select(.type=="content")] | length' "$out/inline.json")" = 0 ] || fail "--json-inline: content line"
  [ "$(jq -r 'select(.type=="cert") | .serial' "$json")" = 2E3E1A7BDAA64D84 ] || fail "tls serial"
  [ "$(jq -r 'select(.type=="tls_cert") | .sha256' "$json")" = "$(jq -r 'select(.type=="cert") | .sha256' "$json")" ] ||
    fail "tls_cert does not name its cert line"
  [ "$(jq -r 'select(.type=="tls_cert") | .serial' "$out/inline.json")" = 2E3E1A7BDAA64D84 ] || fail "--json-inline: tls serial"
  ;;
tvs_not_in_itl)
  { healthy_boot; echo "tls 2445 $mat/tvs2.der"; } | mk c.pcap
  scan "$out/c.pcap"
  expect_rc 1
  fires TVS_CERT_NOT_IN_ITL
  silent TVS_CERT_MATCH
  ;;
tvs_quoted_issuer) # issuer, serial and hash match although the names are written differently
  { healthy_boot itl-quoted.tlv; echo "tls 2445 $mat/tvsq.der"; } | mk c.pcap
  scan "$out/c.pcap"
  grep -qF 'CN="tvs ""q"", back\slash";OU="TVS; ""Lab""";O="Cisco Systems, Inc.";C=US' \
    "$mat/itl-quoted.tlv" || fail "the ITL does not hold the issuer as CUCM writes it"
  fires TVS_CERT_MATCH
  silent TVS_CERT_NOT_IN_ITL
  ;;
tl_signature_invalid)
  { healthy_boot itl-tampered.tlv; } | mk c.pcap
  scan "$out/c.pcap"
  fires TRUST_LIST_SIGNATURE_INVALID
  silent TRUST_LIST_SIGNER_UNKNOWN
  [ "$(jq -r 'select(.type=="file" and .kind=="itl") | .signature' "$json")" = invalid ] || fail verdict
  ;;
tl_signer_unknown)
  { healthy_boot itl-signer-unknown.tlv; } | mk c.pcap
  scan "$out/c.pcap"
  fires TRUST_LIST_SIGNER_UNKNOWN
  silent TRUST_LIST_SIGNATURE_INVALID
  ;;
sgn_signature_invalid)
  { healthy_boot itl.tlv cnf-tampered.sgn; } | mk c.pcap
  scan "$out/c.pcap"
  fires SGN_SIGNATURE_INVALID
  silent SGN_SIGNER_NOT_IN_ITL TRUST_LIST_SIGNATURE_INVALID
  ;;
sgn_signer_not_in_itl)
  { healthy_boot itl.tlv cnf-b.sgn; } | mk c.pcap
  scan "$out/c.pcap"
  fires SGN_SIGNER_NOT_IN_ITL
  silent SGN_SIGNATURE_INVALID
  ;;
sgn_not_checked) # no ITL delivered to this phone: nothing to check the config against
  echo "tftp $MAC.cnf.xml.sgn $mat/cnf-b.sgn" | mk c.pcap
  scan "$out/c.pcap"
  silent SGN_SIGNER_NOT_IN_ITL SGN_SIGNATURE_INVALID
  [ "$(jq -r 'select(.type=="file") | .signature' "$json")" = not_checked ] || fail verdict
  ;;
rollback) # a rollback ITL: fires, and then any config signer is accepted
  { echo "tftp ITL$MAC.tlv $mat/itl.tlv"; healthy_boot itl-rollback.tlv cnf-b.sgn; } | mk c.pcap
  scan "$out/c.pcap"
  fires ITL_ROLLBACK
  silent SGN_SIGNER_NOT_IN_ITL TRUST_CHAIN_BROKEN
  ;;
chain_broken) # ITL A in one capture, B (new signer, new TVS) in a later one
  { healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  { echo "time 1796169600"; healthy_boot itl-b-broken.tlv cnf-b.sgn; echo "tls 2445 $mat/tvs2.der"; } | mk b.pcap
  scan "$out/b.pcap" "$out/a.pcap" # order of arguments does not matter: packet time does
  expect_rc 1
  fires TRUST_CHAIN_BROKEN
  silent TRUST_VIA_TVS
  [ "$(jq -r 'select(.rule=="TRUST_CHAIN_BROKEN") | .evidence.related.capture' "$json")" = "$out/a.pcap" ] ||
    fail "evidence does not name the earlier capture"
  ;;
via_tvs)
  { healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  { echo "time 1796169600"; healthy_boot itl-b-viatvs.tlv cnf-b.sgn; echo "tls 2445 $mat/tvs.der"; } | mk b.pcap
  scan "$out/a.pcap" "$out/b.pcap"
  fires TRUST_VIA_TVS
  silent TRUST_CHAIN_BROKEN SGN_SIGNER_NOT_IN_ITL
  ;;
same_itl_twice) # the same ITL again: no continuity finding
  { healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  { echo "time 1796169600"; healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk b.pcap
  scan "$out/a.pcap" "$out/b.pcap"
  silent TRUST_CHAIN_BROKEN TRUST_VIA_TVS
  ;;
cert_expired)
  healthy_boot itl-expired.tlv | mk c.pcap
  scan "$out/c.pcap"
  fires CERT_EXPIRED
  silent CERT_EXPIRES_SOON
  ;;
cert_expires_soon) # "expiring" is valid from mkpki time for 10 days
  { healthy_boot; echo "tls 8443 $mat/expiring.der"; } | mk c.pcap
  NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  scan "$out/c.pcap"
  fires CERT_EXPIRES_SOON
  silent CERT_EXPIRED
  scan --expiry-days 5 "$out/c.pcap"
  silent CERT_EXPIRES_SOON CERT_EXPIRED
  ;;
itl_too_large)
  healthy_boot itl-large.tlv | mk c.pcap
  scan "$out/c.pcap"
  fires ITL_TOO_LARGE
  silent ITL_ROLLBACK
  ;;
incomplete) # DATA 3 of the ITL never arrives
  { echo "tftp ITL$MAC.tlv $mat/itl.tlv drop=3"; echo "tftp firmware.bin $mat/firmware.bin stop=2"; } | mk c.pcap
  scan "$out/c.pcap"
  expect_rc 1
  fires TFTP_TRANSFER_INCOMPLETE
  [ "$(jq -r 'select(.type=="file" and .name=="ITL'$MAC'.tlv") | .missing' "$json")" = 3 ] || fail "missing blocks"
  [ "$(jq -r 'select(.rule=="TFTP_TRANSFER_INCOMPLETE") | .evidence.file' "$json")" = "ITL$MAC.tlv" ] ||
    fail "only the trust file counts"
  ;;
not_incomplete) # lost and retransmitted, duplicated, not found: all fine
  { echo "tftp CTL$MAC.tlv - notfound"; echo "tftp ITL$MAC.tlv $mat/itl.tlv late=3 dup=5"; } | mk c.pcap
  scan "$out/c.pcap"
  silent TFTP_TRANSFER_INCOMPLETE
  file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  ;;
fallback)
  { echo "tftp ITL$MAC.tlv - notfound"; echo "tftp ITLFile.tlv $mat/itl.tlv";
    echo "tftp $MAC.cnf.xml.sgn $mat/cnf.sgn"; } | mk c.pcap
  scan "$out/c.pcap"
  fires TRUST_FILE_FALLBACK
  [ "$(jq -r 'select(.type=="file" and .name=="ITLFile.tlv") | .phone' "$json")" = "$MAC" ] || fail "phone by IP"
  [ "$(jq -r 'select(.type=="file" and .kind=="sgn") | .signature' "$json")" = valid ] || fail "checked with ITLFile"
  ;;
no_fallback)
  healthy_boot | mk c.pcap
  scan "$out/c.pcap"
  silent TRUST_FILE_FALLBACK
  ;;
https_not_in_trust_list)
  { healthy_boot; echo "tls 8443 $mat/tomcat.der"; } | mk c.pcap
  scan "$out/c.pcap"
  fires HTTPS_CERT_NOT_IN_TRUST_LIST
  expect_rc 0
  ;;
https_in_trust_list)
  { healthy_boot; echo "tls 8443 $mat/callmanager.der"; } | mk c.pcap
  scan "$out/c.pcap"
  silent HTTPS_CERT_NOT_IN_TRUST_LIST
  ;;
tls13)
  { healthy_boot; echo "tls 2445 tls13"; } | mk c.pcap
  scan "$out/c.pcap"
  fires TLS_CERT_HIDDEN
  silent TVS_CERT_NOT_IN_ITL TVS_CERT_MATCH
  ;;
tls12_chain) # a two-certificate chain split over small segments; no TLS 1.3 finding
  { healthy_boot; echo "tls 2445 seg=100 $mat/tvs.der $mat/tomcat.der"; } | mk c.pcap
  scan "$out/c.pcap"
  silent TLS_CERT_HIDDEN
  fires TVS_CERT_MATCH
  [ "$(jq -s '[.[] | select(.type=="tls_cert")] | length' "$json")" = 2 ] || fail "chain"
  ;;
truncated)
  { healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk c.pcap
  head -c $(($(stat -c %s "$out/c.pcap") - 20)) "$out/c.pcap" >"$out/t.pcap"
  scan "$out/t.pcap"
  fires CAPTURE_TRUNCATED
  scan "$out/c.pcap"
  silent CAPTURE_TRUNCATED
  ;;
# ---- transport edge cases: the rebuilt file must equal the source --------------------------------
transport)
  for v in "reorder" "dup=2" "late=4" "blksize=1428 oack" "blksize=8 oack" "blksize=4096 oack frag"; do
    tag=$(echo "$v" | tr ' =' '__')
    echo "tftp ITL$MAC.tlv $mat/itl.tlv $v" | mk "t-$tag.pcap"
    scan "$out/t-$tag.pcap"
    file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  done
  echo "tftp ITL$MAC.tlv $mat/itl.tlv bad=2" | mk t-bad.pcap
  scan "$out/t-bad.pcap"
  file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  [ "$(jq -r 'select(.type=="file") | .bad_packets' "$json")" = 1 ] || fail "bad DATA not counted on its transfer"
  echo "tftp big.bin $mat/big.bin blksize=8 oack" | mk wrap.pcap
  scan "$out/wrap.pcap"
  file_ok big.bin "$mat/big.bin"
  ;;
links)
  for l in eth vlan qinq sll2 raw null; do
    { echo "link $l"; healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk "l-$l.pcap"
    scan "$out/l-$l.pcap"
    file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
    fires TVS_CERT_MATCH
  done
  ;;
ipv6)
  { echo "client fd00::20"; echo "server fd00::10"; healthy_boot;
    echo "tftp big.itl $mat/itl-large.tlv blksize=4096 oack frag"; echo "tls 2445 $mat/tvs.der"; } | mk c.pcap
  scan "$out/c.pcap"
  file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  file_ok big.itl "$mat/itl-large.tlv"
  fires TVS_CERT_MATCH
  [ "$(jq -r 'select(.type=="tls_cert") | .server' "$json")" = "[fd00::10]:2445" ] || fail "v6 endpoint"
  ;;
http6970)
  { echo "http ITL$MAC.tlv $mat/itl.tlv"; echo "http CTL$MAC.tlv - status=404";
    echo "http $MAC.cnf.xml.sgn $mat/cnf.sgn"; } | mk c.pcap
  scan "$out/c.pcap"
  file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  [ "$(jq -r 'select(.type=="file" and .kind=="sgn") | .signature' "$json")" = valid ] || fail "sgn over http"
  [ "$(jq -r 'select(.type=="file" and .name=="CTL'$MAC'.tlv") | .status' "$json")" = not_found ] || fail 404
  ;;
formats) # pcapng, gzip, stdin, a directory; an unreadable input gives exit 2, others still run
  healthy_boot | mk c.pcap
  editcap -F pcapng "$out/c.pcap" "$out/c.pcapng"
  gzip -c "$out/c.pcap" >"$out/c.pcap.gz"
  for f in c.pcapng c.pcap.gz; do
    scan "$out/$f"
    file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  done
  scan - <"$out/c.pcap.gz"
  file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  rm -rf "$out/dir" "$out/none"
  mkdir -p "$out/dir/sub" "$out/none"
  cp "$out/c.pcap" "$out/dir/sub/"
  cp "$out/c.pcapng" "$out/dir/"
  # A case folder: captures (told by magic number) among notes, a key log and a picture.
  echo "phone rebooted at 10:02" >"$out/dir/notes.txt"
  echo "CLIENT_RANDOM 00 11" >"$out/dir/sub/tls.keylog"
  printf '\x89PNG\r\n' >"$out/dir/screen.png"
  scan "$out/dir/" "$out/missing.pcap"
  expect_rc 2
  file_ok "ITL$MAC.tlv" "$mat/itl.tlv"
  [ "$(jq -r 'select(.type=="summary") | .inputs_failed' "$json")" = 1 ] || fail "failed input count"
  [ "$(jq -r 'select(.type=="summary") | .inputs' "$json")" = 3 ] || fail "not 3 inputs (2 captures, 1 missing)"
  grep -qx "pcapscan: skipped 3 file(s) in the folders that are no capture (notes, key logs, pictures...)" \
    "$out/stderr" || fail "skipped files not counted: $(cat "$out/stderr")"
  # jq's status checked on its own: a pipe into grep -q loses jq to SIGPIPE under pipefail when
  # grep quits at the first match, and the pipeline's failure then hides the match.
  paths=$(jq -r 'select(.type=="file") | .pcap' "$json")
  grep -q '//' <<<"$paths" && fail "'//' in a printed path"
  set +e
  "$PCAPSCAN" -q "$out/dir" "$out/missing.pcap" >"$out/text" 2>/dev/null
  set -e
  grep -q "^unreadable: $out/missing.pcap: " "$out/text" || fail "the text summary does not name the failed input"
  echo "just notes" >"$out/none/readme.txt"
  scan "$out/none"
  expect_rc 2
  grep -q "$out/none: no capture" "$out/stderr" || fail "a folder without captures: $(cat "$out/stderr")"
  ;;
outputs) # text, CSV, --extract, and -j 2 giving the same output as -j 1
  { healthy_boot itl-tampered.tlv; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  { echo "time 1796169600"; healthy_boot; echo "tls 8443 $mat/tomcat.der"; } | mk b.pcap
  set +e
  "$PCAPSCAN" --now "$NOW" "$out/a.pcap" "$out/b.pcap" >"$out/text" 2>/dev/null
  rc=$?
  set -e
  expect_rc 1
  grep -q "TRUST_LIST_SIGNATURE_INVALID" "$out/text" || fail "text report lacks the finding"
  grep -q "phone $MAC" "$out/text" || fail "text report lacks the phone"
  grep -q "^TOTAL" "$out/text" || fail "text summary"
  # Verdict first: the counts, then each error and warning with what it means and what to do.
  head -1 "$out/text" | grep -Eq '^verdict: [1-9][0-9]* errors, [0-9]+ warnings \(1 phones, 2 captures\)$' ||
    fail "first line is not the verdict: $(head -1 "$out/text")"
  sed -n 2p "$out/text" | grep -q '^error   TRUST_LIST_SIGNATURE_INVALID ' || fail "the error does not follow the verdict"
  grep -q '^        meaning: ' "$out/text" && grep -q '^        remedy: ' "$out/text" || fail "no meaning or remedy"
  grep -Eq '^    2026-[0-9-]+ [0-9:.]+ UTC #' "$out/text" || fail "times do not say UTC"
  rm -rf "$out/x"
  scan -j 1 "$out/a.pcap" "$out/b.pcap" "$out/a.pcap"
  cp "$json" "$out/j1.json"
  scan -j 2 "$out/a.pcap" "$out/b.pcap" "$out/a.pcap"
  cmp -s "$json" "$out/j1.json" || fail "-j 2 output differs from -j 1"
  scan --csv "$out/f.csv" --extract "$out/x" "$out/a.pcap" "$out/b.pcap"
  head -1 "$out/f.csv" | grep -q '^pcap,time,rule,severity' || fail "csv header"
  [ "$(($(wc -l <"$out/f.csv") - 1))" = "$(jq -s '[.[] | select(.type=="finding")] | length' "$json")" ] ||
    fail "csv rows != findings"
  n=0
  for f in "$out"/x/*-*; do
    case $f in *.der) continue ;; esac
    [ "$(sha "$f")" = "$(basename "$f" | cut -c1-64)" ] || fail "extracted $f sha256 mismatch"
    n=$((n + 1))
  done
  [ $n -ge 3 ] || fail "only $n files extracted"
  [ "$(jq -r .format_version "$out/x/manifest.json")" = 1 ] || fail manifest
  ls "$out"/x/*.der >/dev/null || fail "no certificate extracted"
  ;;
names) # hostile file names are sanitized for --extract
  { echo "tftp ../../etc/passwd $mat/cnf.xml"; echo "tftp .. $mat/cnf.xml"; } | mk c.pcap
  rm -rf "$out/x"
  scan --extract "$out/x" "$out/c.pcap"
  [ ! -e "$out/etc" ] && [ ! -e "$WORK/etc" ] || fail "escaped the extract folder"
  [ "$(find "$out/x" -type f | wc -l)" -ge 2 ] || fail "not extracted"
  [ -z "$(find "$out/x" -name '*..*')" ] || fail "'..' in an extracted name"
  true
  ;;
errors) # each error names what went wrong in one line; exit 2 wins over 1; --csv - is CSV only
  { healthy_boot itl-tampered.tlv; echo "tls 2445 $mat/tvs.der"; } | mk a.pcap
  run() { # ARGS...: pcapscan, stdout in $out/o, stderr in $out/e, exit code in $rc
    set +e
    "$PCAPSCAN" "$@" >"$out/o" 2>"$out/e"
    rc=$?
    set -e
  }
  run --now yesterday "$out/a.pcap"
  expect_rc 2
  [ "$(wc -l <"$out/e")" = 1 ] || fail "--now yesterday: $(wc -l <"$out/e") lines on stderr"
  grep -q -- "--now: 'yesterday' (expected .*2026-12-01T00:00:00Z.*Unix seconds)" "$out/e" ||
    fail "--now yesterday: $(cat "$out/e")"
  run -j 0 "$out/a.pcap"
  grep -qx "pcapscan: bad value for -j: '0' (expected 1 to 256)" "$out/e" || fail "-j 0: $(cat "$out/e")"
  run -q --now "$NOW" --html "$out/nonexistent/x.html" "$out/a.pcap"
  expect_rc 2
  grep -q -- "--html $out/nonexistent/x.html: cannot create: No such file or directory" "$out/e" ||
    fail "--html: $(cat "$out/e")"
  : >"$out/empty.pcap"
  gzip -c "$out/empty.pcap" >"$out/empty.pcap.gz"
  run -q --now "$NOW" "$out/empty.pcap" "$out/empty.pcap.gz" "$out/a.pcap"
  expect_rc 2 # the error finding of a.pcap would say 1: the unreadable inputs win
  grep -qx "pcapscan: $out/empty.pcap: empty file" "$out/e" || fail "empty: $(cat "$out/e")"
  grep -qx "pcapscan: $out/empty.pcap.gz: empty file" "$out/e" || fail "empty gz: $(cat "$out/e")"
  # Not `--help | grep -q`: once the help outgrows one pipe write, grep quitting at the match
  # kills pcapscan with SIGPIPE and pipefail fails the check.
  help=$("$PCAPSCAN" --help) || fail "--help exited $?"
  grep -q "2 wins" <<<"$help" || fail "--help does not give the exit code precedence"
  run -q --now "$NOW" --csv - "$out/a.pcap"
  expect_rc 1
  head -1 "$out/o" | grep -q '^pcap,time,rule,severity' || fail "--csv -: $(head -1 "$out/o")"
  grep -q -e '^verdict' -e '^== ' "$out/o" && fail "--csv -: the text report is mixed in"
  true
  ;;
severity) # --min-severity lists fewer findings in every output; the counts stay complete
  { healthy_boot; echo "tls 2445 $mat/tvs.der"; } | mk h.pcap
  { echo "time 1796169600"; healthy_boot itl-tampered.tlv; } | mk a.pcap
  set -- "$out/h.pcap" "$out/a.pcap"
  scan "$@"
  all=$(jq -s '[.[] | select(.type=="finding")] | length' "$json")
  info=$(jq -s '[.[] | select(.type=="finding" and .severity=="info")] | length' "$json")
  [ "$info" -ge 1 ] && [ "$all" -gt "$info" ] || fail "material: $all findings, $info info"
  scan --min-severity warning --csv "$out/f.csv" --html "$out/r.html" "$@"
  expect_rc 1
  [ "$(jq -s '[.[] | select(.type=="finding" and .severity=="info")] | length' "$json")" = 0 ] ||
    fail "info finding listed in the JSON"
  [ "$(jq -s '[.[] | select(.type=="finding")] | length' "$json")" = $((all - info)) ] || fail "JSON lost a finding"
  [ "$(jq -r 'select(.type=="summary") | .findings.info' "$json")" = "$info" ] || fail "summary count filtered"
  grep -q ',"info",' "$out/f.csv" && fail "info row in the CSV"
  [ "$(($(wc -l <"$out/f.csv") - 1))" = $((all - info)) ] || fail "CSV rows"
  grep -q "<details class=\"hidden\"><summary>$info finding(s) below --min-severity warning" "$out/r.html" ||
    fail "HTML does not count what it hid"
  grep -q 'class="finding info"' "$out/r.html" && fail "info card in the HTML"
  set +e
  "$PCAPSCAN" --now "$NOW" --min-severity error "$@" >"$out/text" 2>/dev/null
  set -e
  grep -Eq '^ *info ' "$out/text" && fail "info finding in the text report"
  grep -q "findings: 0 (and $info below --min-severity, not listed)" "$out/text" ||
    fail "text does not count what it hid: $(grep findings: "$out/text")"
  # Not through scan(): a refused option writes no JSON, and jq 1.7 fails on an empty input.
  set +e
  "$PCAPSCAN" --json --now "$NOW" --min-severity bogus "$out/a.pcap" >"$json" 2>"$out/stderr"
  rc=$?
  set -e
  expect_rc 2
  grep -q "min-severity: 'bogus' (expected info, warning or error)" "$out/stderr" ||
    fail "a bad --min-severity is not named"
  true
  ;;
*) fail "unknown case" ;;
esac
exit 0
