# check_reset.sh: sourced by check_gen.sh for `reset` (ctest bench.gen_reset), with gen, pcapscan,
# w (trust material in $w/trust) and fail() set. A 3 MiB reset-profile capture: two TFTP nodes,
# no CTL anywhere, node 0 regenerated halfway (ITL B). What pcapscan says must follow from what the
# generator served, checked against the trust directory and against tshark, not against itself.

opts=(--profile reset --size 3M --boots 16 --trust-dir "$w/trust")
"$gen" -o "$w/a.pcap" "${opts[@]}" 2>"$w/gen.log"
"$gen" -o "$w/b.pcap" "${opts[@]}" 2>/dev/null
"$gen" -o "$w/c.pcap" "${opts[@]}" --seed 2 2>/dev/null
cmp -s "$w/a.pcap" "$w/b.pcap" || fail "reset: same options gave different captures"
! cmp -s "$w/a.pcap" "$w/c.pcap" || fail "reset: --seed ignored"
size=$(stat -c %s "$w/a.pcap")
if [ "$size" -lt $((3 << 20)) ] || [ "$size" -ge $(((3 << 20) + 300000)) ]; then
    fail "reset: size $size is not just over 3 MiB"
fi
phones=$(sed -n 's/.*reset profile: \([0-9]*\) phones.*/\1/p' "$w/gen.log")
[ "${phones:-0}" -ge 32 ] || fail "reset: gen-capture reports ${phones:-no} phones"

sha() { sha256sum "$1" | cut -d' ' -f1; }
itl_a=$(sha "$w/trust/cluster-itl.tlv")
itl_b=$(sha "$w/trust/regen/cluster-itl.tlv")
served=$(for f in "$w"/trust/SEP*.sgn "$w"/trust/regen/SEP*.sgn; do sha "$f"; done | sort -u)

rc=0
"$pcapscan" -q --json "$w/a.pcap" >"$w/a.json" || rc=$?
[ "$rc" -le 1 ] || fail "reset: pcapscan exit $rc"
jq -c 'select(.type=="file")' "$w/a.json" >"$w/files.jsonl"
[ "$(jq -r .phone "$w/files.jsonl" | sort -u | wc -l)" -eq "$phones" ] ||
    fail "reset: pcapscan saw $(jq -r .phone "$w/files.jsonl" | sort -u | wc -l) phones, $phones booted"
[ "$(jq -r .client "$w/files.jsonl" | sed 's/:.*//' | sort -u | wc -l)" -eq "$phones" ] ||
    fail "reset: phones do not have one address each"

# every CTL is not found (the cluster is not in mixed mode), everything else complete and valid
bad=$(jq -r 'select((.kind=="ctl") != (.status=="not_found")
    or (.kind!="ctl" and (.complete != true or .signature != "valid"))) | .name' "$w/files.jsonl")
[ -z "$bad" ] || fail "reset: unexpected status or signature: $(head -3 <<<"$bad")"
for want in '.protocol=="tftp"' '.protocol=="http"' '.blksize==512' '.blksize==1428' \
    '.server|startswith("10.10.0.10:")' '.server|startswith("10.10.0.11:")' \
    '.name|endswith(".cnf.xml.enc.sgn")' '.name|endswith(".cnf.xml.sgn")'; do
    jq -ne "any(inputs; $want)" "$w/files.jsonl" >/dev/null || fail "reset: no file with $want"
done
unknown=$(jq -r 'select(.kind!="ctl" and (.name|startswith("SEP"))) | .sha256' "$w/files.jsonl" |
    sort -u | comm -23 - <(echo "$served"))
[ -z "$unknown" ] || fail "reset: a config that was never served: $unknown"

# Each phone's ITLs in packet order: A, then B once its node (0) was regenerated, never back.
jq -r 'select(.kind=="itl") | [.first_packet, .phone, .sha256, (.server|sub(":.*";""))] | @tsv' \
    "$w/files.jsonl" | sort -n >"$w/itls.tsv"
awk -v a="$itl_a" -v b="$itl_b" -F'\t' '
    $3 != a && $3 != b { print "unknown ITL " $3 " for " $2; exit 1 }
    $3 == b && $4 != "10.10.0.10" { print "ITL B from " $4 " for " $2; exit 1 }
    $3 == a && last[$2] == b { print "back from B to A: " $2; exit 1 }
    { if (last[$2] == a && $3 == b) moved[$2] = 1; last[$2] = $3 }
    END { for (p in moved) print p > "/dev/stderr" }' "$w/itls.tsv" 2>"$w/moved" >"$w/itl.err" ||
    fail "reset: $(cat "$w/itl.err")"
moved=$(sort "$w/moved")
[ "$(wc -l <<<"$moved")" -ge 4 ] || fail "reset: only $(wc -l <<<"$moved") phones moved from ITL A to B"
via_tvs=$(jq -r 'select(.type=="finding" and .rule=="TRUST_VIA_TVS") | .phone' "$w/a.json" | sort)
[ "$via_tvs" = "$moved" ] || fail "reset: TRUST_VIA_TVS for $(wc -l <<<"$via_tvs") phones, \
$(wc -l <<<"$moved") moved from A to B: $(diff <(echo "$via_tvs") <(echo "$moved") | head -5)"
other=$(jq -r 'select(.type=="finding" and .rule!="TRUST_VIA_TVS" and .rule!="TVS_CERT_MATCH")
    | .rule' "$w/a.json" | sort | uniq -c)
[ -z "$other" ] || fail "reset: unexpected findings: $other"
jq -ne 'any(inputs; .type=="finding" and .rule=="TVS_CERT_MATCH")' "$w/a.json" >/dev/null ||
    fail "reset: no TVS_CERT_MATCH"

if ! command -v tshark >/dev/null; then
    echo "tshark not installed: packet-level checks skipped"
    exit 77
fi
ts=(-d tcp.port==2445,tls -d tcp.port==6970,http)
bad=$(tshark -r "$w/a.pcap" "${ts[@]}" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
    -o tcp.check_checksum:TRUE \
    -Y 'ip.checksum.status==0 || udp.checksum.status==0 || tcp.checksum.status==0 || _ws.malformed' \
    2>/dev/null | wc -l)
[ "$bad" -eq 0 ] || fail "reset: $bad packets with a bad checksum or malformed"
asked=$(tshark -r "$w/a.pcap" "${ts[@]}" -Y 'tftp.opcode==1 || http.request' -T fields \
    -e tftp.source_file -e http.request.uri 2>/dev/null | grep -c 'ITLSEP' || true)
[ "$asked" -eq "$(wc -l <"$w/itls.tsv")" ] ||
    fail "reset: tshark sees $asked ITL requests, pcapscan $(wc -l <"$w/itls.tsv") ITLs"
mkdir -p "$w/eo-reset"
tshark -r "$w/a.pcap" -q --export-objects "tftp,$w/eo-reset" 2>/dev/null
n=0
for f in "$w"/eo-reset/*; do
    s=$(sha "$f")
    case $(basename "$f") in
    ITLSEP*) [ "$s" = "$itl_a" ] || [ "$s" = "$itl_b" ] || fail "reset: $f is neither ITL" ;;
    SEP*) grep -qx "$s" <<<"$served" || fail "reset: $f was never served" ;;
    *) fail "reset: unexpected exported file $f" ;;
    esac
    n=$((n + 1))
done
tftp_files=$(jq -r 'select(.protocol=="tftp" and .complete) | .name' "$w/files.jsonl" | wc -l)
[ "$n" -eq "$tftp_files" ] || fail "reset: tshark exported $n TFTP files, pcapscan saw $tftp_files"
echo "ok: reset profile, $phones phones, $(wc -l <<<"$moved") moved from ITL A to B," \
    "$(wc -l <"$w/files.jsonl") files"
