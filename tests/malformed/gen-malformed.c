/* gen-malformed: writes hostile variants of captures for tests/malformed/run.sh, at test time.
 *
 *   gen-malformed MUTATION IN OUT     rewrite IN (pcap/pcapng, via libpcap) into OUT (pcap); prints
 *                                     "packets P1 P2 ..." (1-based) that were changed; exit 3 when
 *                                     IN has no packet the mutation applies to.
 *     ip-len-long    IPv4 total length / IPv6 payload length +200 (past the frame end)
 *     ip-len-short   IPv4 total length / IPv6 payload length too short for the UDP/TCP header
 *     udp-len-long   UDP length +100 (past the IP payload)
 *     udp-len-short  UDP length 4 (less than its own header)
 *     udp-empty      UDP datagrams cut to zero payload bytes (frame shortened consistently)
 *     tls-rec-max    TLS record length 0xFFFF in segments that start a record
 *     tls-rec-zero   TLS record length 0
 *     tls-hs-max     TLS handshake length 0xFFFFFF in the first handshake of a record
 *     tlv-hdrlen     signed-file HeaderLength (tag 2) 0xFFF0, in TFTP DATA block 1
 *     tlv-zero       first element after tag 2 gets length 0
 *     tlv-max        first element after tag 2 gets length 0xFFFF
 *     rec-len        RECORDLENGTH of the first trust-list record 0xFFFF (when in block 1)
 *   gen-malformed boundaries IN       "END PACKETS TYPE" per record/block end
 *   gen-malformed copy IN OUT         IN rewritten by libpcap (for files editcap cannot rewrite)
 *   gen-malformed pcap-caplen IN OUT K    classic pcap: record K's captured length 0x7FFFFFF0
 *   gen-malformed tftp-wrap OUT BLOCKS    one TFTP transfer of BLOCKS 8-byte blocks (wraps the
 *                                         16-bit block number); the file bytes go to OUT.payload
 *   gen-malformed interleave OUT N    N TFTP transfers (3 blocks each) running at the same time
 *   gen-malformed streams OUT N       N TCP connections to 2445 open at the same time
 *   gen-malformed seq-gap OUT         a TLS 2445 stream whose server side jumps 2 GB in sequence
 * Algorithmic attacks, each with a control of the same size (tests/malformed/attacks.sh):
 *   gen-malformed tftp-flood OUT N collide|spread   4096 unanswered RRQs, then N DATA packets to
 *                                         other clients; collide: every client endpoint in one
 *                                         bucket of the tracker's former fixed, unkeyed hash
 *   gen-malformed tcp-flood OUT N collide|spread   4096 connections opened to 2445, then N bare
 *                                         ACKs of other connections; collide: every 4-tuple in
 *                                         one bucket of the TCP table's former unkeyed hash
 *   gen-malformed tcp-ooo OUT CONNS hole|inorder|shuffle   per connection to 2445 a 2048-byte
 *                                         TLS record in 1-byte segments: in order, or byte 0
 *                                         missing and the rest ascending (or shuffled) behind it
 *   gen-malformed phones OUT N many|one   N requests answered "not found", from N clients (N
 *                                         phones) or from one client's N ports (one phone)
 *   gen-malformed unanswered OUT N many|retry   N read requests no server answers, from N
 *                                         clients, or N retries from one client port
 *   gen-malformed same-hash OUT N collide|spread|sample   N phones each fetch a different 4 KiB
 *                                         signed-looking file; collide: all with one value of the
 *                                         scan's former unkeyed content hash (FNV over words)
 *   gen-malformed same-cert OUT N sample|spread   N connections to 2445, each served a
 *                                         different 8 KiB certificate; sample: all share the
 *                                         certificate table's sampled key
 *   gen-malformed http-conns OUT N PORT   N TCP connections to PORT (6970: HTTP), each with two
 *                                         GET requests the server never answers
 *   gen-malformed merge-refs OUT N refs|distinct   a results file: one 1 MiB certificate and N
 *                                         TLS sessions naming it by {"sha256"} (refs), or each
 *                                         session with its own small certificate (distinct) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#define SNAP 262144

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "gen-malformed: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}
static void put24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    put16(p + 1, v & 0xffff);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

/* ---- where things are in a frame ---- */

typedef struct layers {
    size_t l3, l4, payload; /* offsets; 0 = absent for l4/payload */
    int ipver, proto;
    size_t ip_end; /* end of the IP packet by its own length field, clamped to the frame */
} layers;

static size_t link_header(int dlt, const uint8_t *p, size_t n)
{
    size_t off;
    switch (dlt) {
    case DLT_EN10MB:
        off = 12;
        while (off + 2 <= n && (get16(p + off) == 0x8100 || get16(p + off) == 0x88a8))
            off += 4;
        return off + 2;
    case DLT_LINUX_SLL:
        return 16;
    case DLT_LINUX_SLL2:
        return 20;
    case DLT_NULL:
        return 4;
    case DLT_RAW:
        return 0;
    default:
        return (size_t)-1;
    }
}

static bool find_layers(int dlt, const uint8_t *p, size_t n, layers *ly)
{
    memset(ly, 0, sizeof *ly);
    size_t l3 = link_header(dlt, p, n);
    if (l3 == (size_t)-1 || l3 + 20 > n)
        return false;
    ly->l3 = l3;
    ly->ipver = p[l3] >> 4;
    if (ly->ipver == 6 && l3 + 40 > n)
        return false;
    if (ly->ipver == 4) {
        size_t ihl = (size_t)(p[l3] & 15) * 4;
        if (ihl < 20 || (get16(p + l3 + 6) & 0x3fff) != 0) /* skip fragments */
            return false;
        ly->proto = p[l3 + 9];
        ly->l4 = l3 + ihl;
        ly->ip_end = l3 + get16(p + l3 + 2);
    } else if (ly->ipver == 6) {
        ly->proto = p[l3 + 6];
        ly->l4 = l3 + 40;
        ly->ip_end = l3 + 40 + get16(p + l3 + 4);
    } else {
        return false;
    }
    if (ly->ip_end > n)
        ly->ip_end = n;
    if (ly->proto == 17 && ly->l4 + 8 <= ly->ip_end)
        ly->payload = ly->l4 + 8;
    else if (ly->proto == 6 && ly->l4 + 20 <= ly->ip_end)
        ly->payload = ly->l4 + (size_t)(p[ly->l4 + 12] >> 4) * 4;
    else
        return false;
    return ly->payload <= ly->ip_end;
}

static void ipv4_checksum(uint8_t *ip)
{
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    uint32_t sum = 0;
    put16(ip + 10, 0);
    for (size_t i = 0; i < ihl; i += 2)
        sum += get16(ip + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffff);
}

static void set_ip_len(uint8_t *p, const layers *ly, size_t total)
{
    if (total > 0xffff)
        total = 0xffff;
    if (ly->ipver == 4) {
        put16(p + ly->l3 + 2, (unsigned)total);
        ipv4_checksum(p + ly->l3);
    } else {
        put16(p + ly->l3 + 4, (unsigned)(total < 40 ? 0 : total - 40));
    }
}

/* ---- mutations: each returns true when it changed the frame (and may shorten *n) ---- */

typedef bool (*mutate_fn)(uint8_t *p, size_t *n, const layers *ly);

static bool m_ip_len_long(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    set_ip_len(p, ly, ly->ip_end - ly->l3 + 200);
    return true;
}

static bool m_ip_len_short(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    set_ip_len(p, ly, ly->l4 - ly->l3 + 4);
    return true;
}

static bool m_udp_len(uint8_t *p, const layers *ly, unsigned v)
{
    if (ly->proto != 17)
        return false;
    put16(p + ly->l4 + 4, v);
    put16(p + ly->l4 + 6, 0); /* no checksum: only the length lies */
    return true;
}
static bool m_udp_len_long(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    return m_udp_len(p, ly, (unsigned)(ly->ip_end - ly->l4 + 100));
}
static bool m_udp_len_short(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    return m_udp_len(p, ly, 4);
}
static bool m_udp_empty(uint8_t *p, size_t *n, const layers *ly)
{
    if (ly->proto != 17 || ly->payload == ly->ip_end)
        return false;
    put16(p + ly->l4 + 4, 8);
    put16(p + ly->l4 + 6, 0);
    set_ip_len(p, ly, ly->payload - ly->l3);
    *n = ly->payload;
    return true;
}

/* A TCP segment that starts a TLS record: type 20-23, version 3.x. */
static bool tls_record_at(const uint8_t *p, const layers *ly)
{
    const uint8_t *r = p + ly->payload;
    return ly->proto == 6 && ly->payload + 9 <= ly->ip_end && r[0] >= 20 && r[0] <= 23 &&
           r[1] == 3 && r[2] <= 4;
}
static bool m_tls_rec(uint8_t *p, const layers *ly, unsigned v)
{
    if (!tls_record_at(p, ly))
        return false;
    put16(p + ly->payload + 3, v);
    return true;
}
static bool m_tls_rec_max(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    return m_tls_rec(p, ly, 0xffff);
}
static bool m_tls_rec_zero(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    return m_tls_rec(p, ly, 0);
}
static bool m_tls_hs_max(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    if (!tls_record_at(p, ly) || p[ly->payload] != 22)
        return false;
    memset(p + ly->payload + 6, 0xff, 3);
    return true;
}

/* TFTP DATA block 1 whose file starts with a signed-file header (tag 1 len 2, tag 2 len 2):
 * returns the offset of the file's first byte, 0 when it is not one. */
static size_t signed_block1(const uint8_t *p, const layers *ly)
{
    const uint8_t *d = p + ly->payload;
    if (ly->proto != 17 || ly->payload + 4 + 16 > ly->ip_end || get16(d) != 3 || get16(d + 2) != 1)
        return 0;
    static const uint8_t head[] = {1, 0, 2};
    if (memcmp(d + 4, head, 3) || d[9] != 2 || get16(d + 10) != 2)
        return 0;
    return ly->payload + 4;
}
/* The first element after tag 2 (skipping padding), as an offset into the frame. */
static size_t third_element(const uint8_t *p, size_t file, const layers *ly)
{
    size_t off = file + 10;
    while (off + 3 <= ly->ip_end && p[off] == 0x0d)
        off++;
    return off + 3 <= ly->ip_end ? off : 0;
}
static bool m_tlv_hdrlen(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    size_t f = signed_block1(p, ly);
    if (!f)
        return false;
    put16(p + f + 8, 0xfff0);
    return true;
}
static bool m_tlv_len(uint8_t *p, const layers *ly, unsigned v)
{
    size_t f = signed_block1(p, ly), e = f ? third_element(p, f, ly) : 0;
    if (!e)
        return false;
    put16(p + e + 1, v);
    return true;
}
static bool m_tlv_zero(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    return m_tlv_len(p, ly, 0);
}
static bool m_tlv_max(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    return m_tlv_len(p, ly, 0xffff);
}
static bool m_rec_len(uint8_t *p, size_t *n, const layers *ly)
{
    (void)n;
    size_t f = signed_block1(p, ly);
    if (!f)
        return false;
    size_t rec = f + get16(p + f + 8); /* HeaderLength: where the records start */
    if (rec + 5 > ly->ip_end || p[rec] != 1 || get16(p + rec + 1) != 2)
        return false;
    put16(p + rec + 3, 0xffff);
    return true;
}

static const struct {
    const char *name;
    mutate_fn fn;
} mutations[] = {
    {"ip-len-long", m_ip_len_long},   {"ip-len-short", m_ip_len_short},
    {"udp-len-long", m_udp_len_long}, {"udp-len-short", m_udp_len_short},
    {"udp-empty", m_udp_empty},       {"tls-rec-max", m_tls_rec_max},
    {"tls-rec-zero", m_tls_rec_zero}, {"tls-hs-max", m_tls_hs_max},
    {"tlv-hdrlen", m_tlv_hdrlen},     {"tlv-zero", m_tlv_zero},
    {"tlv-max", m_tlv_max},           {"rec-len", m_rec_len},
};

static bool m_copy(uint8_t *p, size_t *n, const layers *ly)
{
    (void)p;
    (void)n;
    (void)ly;
    return false;
}

static int run_mutation(mutate_fn fn, const char *in, const char *out)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *rd = pcap_open_offline(in, err);
    if (!rd)
        die(err, in);
    int dlt = pcap_datalink(rd);
    pcap_t *dead = pcap_open_dead(dlt, SNAP);
    pcap_dumper_t *wr = pcap_dump_open(dead, out);
    if (!wr)
        die(pcap_geterr(dead), out);
    static uint8_t frame[SNAP];
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long no = 0, changed = 0;
    printf("packets");
    while (pcap_next_ex(rd, &h, &data) == 1) {
        no++;
        size_t n = h->caplen < SNAP ? h->caplen : SNAP;
        memcpy(frame, data, n);
        layers ly;
        struct pcap_pkthdr oh = *h;
        if (find_layers(dlt, frame, n, &ly) && fn(frame, &n, &ly)) {
            printf(" %lu", no);
            changed++;
            oh.len = (bpf_u_int32)n;
        }
        oh.caplen = (bpf_u_int32)n;
        pcap_dump((u_char *)wr, &oh, frame);
    }
    printf("\n");
    pcap_dump_close(wr);
    pcap_close(dead);
    pcap_close(rd);
    return changed || fn == m_copy ? 0 : 3;
}

/* ---- raw file views ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    fclose(f);
    if (!b)
        die("out of memory", NULL);
    *len = n;
    return b;
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

/* Prints "END PACKETS TYPE" for every record/block end: its byte offset, how many packets lie
 * before it, and the pcapng block type (classic pcap: 1 for the file header, 6 for records).
 * Classic pcap: 24-byte header, records of 16 + caplen. pcapng: blocks with their total length at
 * offset 4 (byte order from the section header's magic); types 2, 3, 6 carry packets. */
static int boundaries(const char *in)
{
    size_t n;
    uint8_t *b = slurp(in, &n);
    if (n < 24)
        die("too short", in);
    uint32_t magic;
    memcpy(&magic, b, 4);
    size_t off;
    unsigned long pkts = 0;
    if (magic == 0x0a0d0d0a) {
        bool swap = rd32(b + 8, false) != 0x1a2b3c4d;
        for (off = 0; off + 12 <= n;) {
            uint32_t type = rd32(b + off, swap), bl = rd32(b + off + 4, swap);
            if (bl < 12 || bl > n - off)
                break;
            off += bl;
            pkts += type == 2 || type == 3 || type == 6;
            printf("%zu %lu %u\n", off, pkts, (unsigned)type);
        }
    } else {
        bool swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
        printf("24 0 1\n"); /* the file header plays the pcapng IDB's part: type 1 */
        for (off = 24; off + 16 <= n;) {
            uint32_t cl = rd32(b + off + 8, swap);
            if (cl > n - off - 16)
                break;
            off += 16 + cl;
            printf("%zu %lu 6\n", off, ++pkts);
        }
    }
    free(b);
    return 0;
}

static int pcap_caplen(const char *in, const char *out, long k)
{
    size_t n;
    uint8_t *b = slurp(in, &n);
    uint32_t magic;
    memcpy(&magic, b, 4);
    if (n < 24 || (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d))
        die("not a native-order classic pcap", in);
    size_t off = 24;
    for (long i = 1; i < k && off + 16 <= n; i++) {
        uint32_t cl = rd32(b + off + 8, false);
        off += 16 + cl;
    }
    if (off + 16 > n)
        die("no such record", in);
    uint32_t lie = 0x7ffffff0;
    memcpy(b + off + 8, &lie, 4);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(b, 1, n, f) != n || fclose(f))
        die("cannot write", out);
    free(b);
    printf("record %ld at byte %zu\n", k, off);
    return 0;
}

/* ---- synthetic traffic (Ethernet, IPv4) ---- */

static struct {
    pcap_t *dead;
    pcap_dumper_t *wr;
    uint64_t usec;
    uint16_t ip_id;
} syn;

static void syn_open(const char *out)
{
    syn.dead = pcap_open_dead(DLT_EN10MB, SNAP);
    syn.wr = pcap_dump_open(syn.dead, out);
    if (!syn.wr)
        die(pcap_geterr(syn.dead), out);
    syn.usec = 1796083200ull * 1000000;
}

static int syn_close(void)
{
    pcap_dump_close(syn.wr);
    pcap_close(syn.dead);
    return 0;
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | b << 16 | c << 8 | d;
}

/* One Ethernet + IPv4 frame with an L4 header `l4` (hl bytes) and payload. */
static void syn_frame(uint32_t src, uint32_t dst, int proto, const uint8_t *l4, size_t hl,
                      const uint8_t *pl, size_t n)
{
    static uint8_t f[14 + 20 + 60 + 2048];
    if (hl + n > sizeof f - 34)
        die("frame too large", NULL);
    static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0xa1,
                                     0x02, 0x00, 0x0a, 0x4d, 0x00, 0x0a};
    memcpy(f, macs, 12);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (unsigned)(20 + hl + n));
    put16(ip + 4, ++syn.ip_id);
    put16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    put32(ip + 12, src);
    put32(ip + 16, dst);
    ipv4_checksum(ip);
    memcpy(ip + 20, l4, hl);
    if (n)
        memcpy(ip + 20 + hl, pl, n);
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(syn.usec / 1000000);
    h.ts.tv_usec = (suseconds_t)(syn.usec % 1000000);
    h.caplen = h.len = (bpf_u_int32)(34 + hl + n);
    pcap_dump((u_char *)syn.wr, &h, f);
    syn.usec += 100;
}

static void udp(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, const uint8_t *pl, size_t n)
{
    uint8_t h[8];
    put16(h, sp);
    put16(h + 2, dp);
    put16(h + 4, (unsigned)(8 + n));
    put16(h + 6, 0);
    syn_frame(src, dst, 17, h, 8, pl, n);
}

static void tcp(uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp, uint32_t seq, uint32_t ack,
                unsigned flags, const uint8_t *pl, size_t n)
{
    uint8_t h[20] = {0};
    put16(h, sp);
    put16(h + 2, dp);
    put32(h + 4, seq);
    put32(h + 8, ack);
    h[12] = 5 << 4;
    h[13] = (uint8_t)flags;
    put16(h + 14, 65535);
    syn_frame(src, dst, 6, h, 20, pl, n);
}

static size_t rrq(uint8_t *b, const char *name, const char *blksize)
{
    size_t n = 0;
    put16(b, 1);
    n = 2;
    n += (size_t)sprintf((char *)b + n, "%s", name) + 1;
    n += (size_t)sprintf((char *)b + n, "octet") + 1;
    if (blksize) {
        n += (size_t)sprintf((char *)b + n, "blksize") + 1;
        n += (size_t)sprintf((char *)b + n, "%s", blksize) + 1;
    }
    return n;
}

static uint8_t file_byte(size_t i)
{
    return (uint8_t)(i * 131 + (i >> 8) * 7);
}

static void tftp_data(uint32_t srv, uint16_t sp, uint32_t cli, uint16_t cp, unsigned block,
                      size_t off, size_t n)
{
    uint8_t b[4 + 512];
    put16(b, 3);
    put16(b + 2, block & 0xffff);
    for (size_t i = 0; i < n; i++)
        b[4 + i] = file_byte(off + i);
    udp(srv, sp, cli, cp, b, 4 + n);
    uint8_t a[4];
    put16(a, 4);
    put16(a + 2, block & 0xffff);
    udp(cli, cp, srv, sp, a, 4);
}

static int tftp_wrap(const char *out, long blocks)
{
    if (blocks < 1)
        die("BLOCKS must be positive", NULL);
    const size_t bs = 8, len = (size_t)(blocks - 1) * bs + 3; /* last block short */
    uint32_t cli = ip4(10, 0, 0, 20), srv = ip4(10, 0, 0, 10);
    syn_open(out);
    uint8_t b[128];
    udp(cli, 40000, srv, 69, b, rrq(b, "SEP001122334455.cnf.xml", "8"));
    size_t n = 2;
    put16(b, 6);
    n += (size_t)sprintf((char *)b + n, "blksize") + 1;
    n += (size_t)sprintf((char *)b + n, "8") + 1;
    udp(srv, 50000, cli, 40000, b, n);
    put16(b, 4);
    put16(b + 2, 0);
    udp(cli, 40000, srv, 50000, b, 4);
    for (long k = 1; k <= blocks; k++) {
        size_t off = (size_t)(k - 1) * bs;
        tftp_data(srv, 50000, cli, 40000, (unsigned)k, off, len - off < bs ? len - off : bs);
    }
    char pay[4096];
    snprintf(pay, sizeof pay, "%s.payload", out);
    FILE *f = fopen(pay, "wb");
    for (size_t i = 0; f && i < len; i++)
        fputc(file_byte(i), f);
    if (!f || fclose(f))
        die("cannot write", pay);
    printf("size %zu\n", len);
    return syn_close();
}

/* N phones (10.1.x.y) each fetch a 1100-byte file in three 512-byte blocks, round-robin. */
static int interleave(const char *out, long count)
{
    if (count < 1 || count > 60000)
        die("N must be 1..60000", NULL);
    uint32_t srv = ip4(10, 0, 0, 10);
    syn_open(out);
    uint8_t b[128];
    char name[64];
    for (long i = 0; i < count; i++) {
        snprintf(name, sizeof name, "SEP%012lX.cnf.xml.sgn", 0x001122000000L + i);
        udp(ip4(10, 1, 0, 0) + (uint32_t)i, 40000, srv, 69, b, rrq(b, name, NULL));
    }
    static const size_t sizes[3] = {512, 512, 76};
    for (unsigned block = 1; block <= 3; block++)
        for (long i = 0; i < count; i++)
            tftp_data(srv, (uint16_t)(20000 + i % 40000), ip4(10, 1, 0, 0) + (uint32_t)i, 40000,
                      block, (block - 1) * 512, sizes[block - 1]);
    printf("transfers %ld size 1100\n", count);
    return syn_close();
}

/* N clients open a TCP connection to 10.0.0.10:2445 and send a TLS ClientHello; only then do the
 * server's replies come, in order, and every connection is closed. */
static int streams(const char *out, long count)
{
    if (count < 1 || count > 60000)
        die("N must be 1..60000", NULL);
    uint32_t srv = ip4(10, 0, 0, 10);
    static const uint8_t hello[] = {22, 3, 1, 0, 9, 1, 0, 0, 5, 3, 3, 0, 0, 0};
    syn_open(out);
    for (long i = 0; i < count; i++) {
        uint32_t cli = ip4(10, 2, 0, 0) + (uint32_t)i;
        tcp(cli, 40000, srv, 2445, 1000, 0, 0x02, NULL, 0);
        tcp(srv, 2445, cli, 40000, 5000, 1001, 0x12, NULL, 0);
        tcp(cli, 40000, srv, 2445, 1001, 5001, 0x18, hello, sizeof hello);
    }
    for (long i = 0; i < count; i++) {
        uint32_t cli = ip4(10, 2, 0, 0) + (uint32_t)i;
        tcp(srv, 2445, cli, 40000, 5001, 1001 + sizeof hello, 0x11, NULL, 0);
        tcp(cli, 40000, srv, 2445, 1001 + sizeof hello, 5002, 0x11, NULL, 0);
    }
    printf("streams %ld\n", count);
    return syn_close();
}

/* The server's first 1000 bytes of a 4000-byte Certificate flight, then segments 2 GB further
 * on, then FIN: the stream must not try to fill (or buffer) the gap. */
static int seq_gap(const char *out)
{
    uint32_t cli = ip4(10, 0, 0, 20), srv = ip4(10, 0, 0, 10);
    uint8_t flight[4000];
    memset(flight, 0xab, sizeof flight);
    static const uint8_t rec[] = {22, 3, 3, 0x0f, 0x9b, 11, 0, 0x0f, 0x97, 0, 0x0f, 0x94};
    memcpy(flight, rec, sizeof rec);
    static const uint8_t hello[] = {22, 3, 1, 0, 9, 1, 0, 0, 5, 3, 3, 0, 0, 0};
    syn_open(out);
    uint32_t cs = 7000, ss = 0x7ffff000u;
    tcp(cli, 41000, srv, 2445, cs, 0, 0x02, NULL, 0);
    tcp(srv, 2445, cli, 41000, ss, cs + 1, 0x12, NULL, 0);
    cs++;
    ss++;
    tcp(cli, 41000, srv, 2445, cs, ss, 0x18, hello, sizeof hello);
    cs += sizeof hello;
    tcp(srv, 2445, cli, 41000, ss, cs, 0x18, flight, 1000);
    uint32_t far = ss + 0x80000000u;
    for (int i = 0; i < 3; i++)
        tcp(srv, 2445, cli, 41000, far + (uint32_t)i * 1000, cs, 0x18, flight + 1000 * (i + 1),
            1000);
    tcp(srv, 2445, cli, 41000, far + 3000, cs, 0x11, NULL, 0);
    tcp(cli, 41000, srv, 2445, cs, far + 3001, 0x11, NULL, 0);
    printf("gap 2147483648 after server byte 1000\n");
    return syn_close();
}

/* ---- algorithmic attacks ---- */

/* The TFTP tracker's endpoint hash before it was keyed: FNV-1a into 4096 fixed buckets. */
static unsigned old_tftp_bucket(uint32_t addr, uint16_t port)
{
    uint32_t h = 2166136261u;
    for (int i = 3; i >= 0; i--)
        h = (h ^ ((addr >> (8 * i)) & 0xff)) * 16777619u;
    h = (h ^ port) * 16777619u;
    return (h ^ (h >> 16)) & 4095u;
}

/* Next client address after *a (10.3.0.0/16 upwards, port 40000) in bucket 0, or any address. */
static uint32_t next_client(uint32_t *a, bool collide)
{
    while (collide && old_tftp_bucket(++*a, 40000) != 0)
        ;
    return collide ? *a : ++*a;
}

static int tftp_flood(const char *out, long n, const char *mode)
{
    bool collide = strcmp(mode, "collide") == 0;
    if (n < 1 || n > 10000000 || (!collide && strcmp(mode, "spread") != 0))
        die("tftp-flood OUT N collide|spread", NULL);
    uint32_t srv = ip4(10, 0, 0, 10), a = ip4(10, 3, 0, 0);
    syn_open(out);
    uint8_t b[128];
    char name[64];
    for (long i = 0; i < 4096; i++) {
        snprintf(name, sizeof name, "SEP%012lX.cnf.xml", 0x002233000000L + i);
        udp(next_client(&a, collide), 40000, srv, 69, b, rrq(b, name, NULL));
    }
    uint32_t other[64]; /* never requested anything: each lookup misses after the whole chain */
    for (int i = 0; i < 64; i++)
        other[i] = next_client(&a, collide);
    put16(b, 3);
    put16(b + 2, 1);
    for (long i = 0; i < n; i++)
        udp(srv, 50000, other[i % 64], 40000, b, 4 + 16);
    printf("requests 4096 data %ld\n", n);
    return syn_close();
}

/* The TCP connection table's former hash: FNV-1a over family, the lower endpoint (address, port
 * in host byte order), the other; client 10.10.x.y:40000 against 10.0.0.10:2445, whose address
 * sorts first. The table had at most 8192 buckets for 4096 connections. */
static bool old_tcp_bucket0(uint32_t cli)
{
    const uint8_t key[15] = {4,
                             10,
                             0,
                             0,
                             10,
                             2445 & 0xff,
                             2445 >> 8,
                             (uint8_t)(cli >> 24),
                             (uint8_t)(cli >> 16),
                             (uint8_t)(cli >> 8),
                             (uint8_t)cli,
                             40000 & 0xff,
                             40000 >> 8};
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < 13; i++)
        h = (h ^ key[i]) * 16777619u;
    return (h & 8191u) == 0;
}

static uint32_t next_tcp_client(uint32_t *a, bool collide)
{
    while (collide && !old_tcp_bucket0(++*a))
        ;
    return collide ? *a : ++*a;
}

static int tcp_flood(const char *out, long n, const char *mode)
{
    bool collide = strcmp(mode, "collide") == 0;
    if (n < 1 || n > 10000000 || (!collide && strcmp(mode, "spread") != 0))
        die("tcp-flood OUT N collide|spread", NULL);
    uint32_t srv = ip4(10, 0, 0, 10), a = ip4(10, 10, 0, 0);
    syn_open(out);
    for (long i = 0; i < 4096; i++)
        tcp(next_tcp_client(&a, collide), 40000, srv, 2445, 1000, 0, 0x02, NULL, 0);
    uint32_t other[64]; /* never opened: each lookup walks the whole chain and misses */
    for (int i = 0; i < 64; i++)
        other[i] = next_tcp_client(&a, collide);
    for (long i = 0; i < n; i++)
        tcp(other[i % 64], 40000, srv, 2445, 1000, 5000, 0x10, NULL, 0);
    printf("connections 4096 acks %ld\n", n);
    return syn_close();
}

/* Bytes of the 2048-byte record: a TLS handshake record holding one 2039-byte ClientHello. */
static uint8_t ooo_byte(size_t i)
{
    static const uint8_t head[9] = {22, 3, 3, 0x07, 0xfb, 1, 0, 0x07, 0xf7};
    return i < sizeof head ? head[i] : (uint8_t)(i * 7);
}

static int tcp_ooo(const char *out, long conns, const char *mode)
{
    enum { LEN = 2048 };
    bool hole = strcmp(mode, "hole") == 0, shuffle = strcmp(mode, "shuffle") == 0;
    if (conns < 1 || conns > 60000 || (!hole && !shuffle && strcmp(mode, "inorder") != 0))
        die("tcp-ooo OUT CONNS hole|inorder|shuffle", NULL);
    uint32_t srv = ip4(10, 0, 0, 10);
    size_t order[LEN];
    uint64_t rng = 88172645463325252ull;
    syn_open(out);
    for (long c = 0; c < conns; c++) {
        uint32_t cli = ip4(10, 4, 0, 0) + (uint32_t)c;
        uint32_t isn = 1000;
        tcp(cli, 40000, srv, 2445, isn, 0, 0x02, NULL, 0);
        tcp(srv, 2445, cli, 40000, 5000, isn + 1, 0x12, NULL, 0);
        size_t first = hole || shuffle ? 1 : 0, k = 0;
        for (size_t i = first; i < LEN; i++)
            order[k++] = i;
        for (size_t i = k - 1; shuffle && i > 0; i--) { /* Fisher-Yates, xorshift */
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t j = (size_t)(rng % (i + 1)), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < k; i++) {
            uint8_t byte = ooo_byte(order[i]);
            tcp(cli, 40000, srv, 2445, isn + 1 + (uint32_t)order[i], 0, 0x08, &byte, 1);
        }
    }
    printf("connections %ld segments %d\n", conns, hole || shuffle ? LEN - 1 : LEN);
    return syn_close();
}

/* N requests for one file (no MAC in the name), each answered "not found": from N phones
 * (10.5.x.y) or from ports 1024.. of one phone. */
static int phones(const char *out, long n, const char *mode)
{
    bool many = strcmp(mode, "many") == 0;
    if (n < 1 || n > 1000000 || (!many && strcmp(mode, "one") != 0))
        die("phones OUT N many|one", NULL);
    uint32_t srv = ip4(10, 0, 0, 10);
    syn_open(out);
    uint8_t b[128];
    for (long i = 0; i < n; i++) {
        uint32_t cli = ip4(10, 5, 0, 0) + (many ? (uint32_t)i : 1);
        uint16_t port = many ? 40000 : (uint16_t)(1024 + i % 60000);
        udp(cli, port, srv, 69, b, rrq(b, "ITLFile.tlv", NULL));
        size_t k = 4;
        put16(b, 5);
        put16(b + 2, 1);
        k += (size_t)sprintf((char *)b + 4, "File not found") + 1;
        udp(srv, 50000, cli, port, b, k);
    }
    printf("requests %ld\n", n);
    return syn_close();
}

static int unanswered(const char *out, long n, const char *mode)
{
    bool many = strcmp(mode, "many") == 0;
    if (n < 1 || n > 10000000 || (!many && strcmp(mode, "retry") != 0))
        die("unanswered OUT N many|retry", NULL);
    uint32_t srv = ip4(10, 0, 0, 10);
    syn_open(out);
    uint8_t b[128];
    for (long i = 0; i < n; i++)
        udp(ip4(10, 7, 0, 0) + (many ? (uint32_t)i : 0), 40000, srv, 69, b,
            rrq(b, "ITLFile.tlv", NULL));
    printf("requests %ld\n", n);
    return syn_close();
}

/* The scan's former content hash, one step per 64-bit word: h = (h ^ w) * P, h ^= h >> 29. */
static uint64_t old_word_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 1099511628211ull;
    return h ^ (h >> 29);
}

static uint64_t get64le(const uint8_t *p)
{
    uint64_t w = 0;
    for (int i = 7; i >= 0; i--)
        w = w << 8 | p[i];
    return w;
}

static void put64le(uint8_t *p, uint64_t w)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(w >> (8 * i));
}

/* One complete TFTP download of data (RRQ, DATA/ACK in 512-byte blocks) by client cli. */
static void tftp_send_file(uint32_t cli, uint32_t srv, const char *name, const uint8_t *data,
                           size_t len)
{
    uint8_t b[4 + 512];
    udp(cli, 40000, srv, 69, b, rrq(b, name, NULL));
    for (size_t blk = 1, off = 0;; blk++, off += 512) {
        size_t n = len - off < 512 ? len - off : 512;
        put16(b, 3);
        put16(b + 2, (unsigned)blk);
        memcpy(b + 4, data + off, n);
        udp(srv, 50000, cli, 40000, b, 4 + n);
        put16(b, 4);
        udp(cli, 40000, srv, 50000, b, 4);
        if (n < 512)
            break;
    }
}

/* Files that differ only in their last two words. collide: the last word cancels the
 * difference, so every file ends in the same hash state and each lookup of the former table
 * compared the new file with every earlier one, byte for byte. sample: the files differ in one
 * word 100 bytes before the end, which the scan's sampled content key does not read, so they
 * share that key and each would be compared with every earlier one (up to byte 3996). */
static int same_hash(const char *out, long n, const char *mode)
{
    enum { LEN = 4096 };
    bool collide = strcmp(mode, "collide") == 0, sample = strcmp(mode, "sample") == 0;
    if (n < 1 || n > 60000 || (!collide && !sample && strcmp(mode, "spread") != 0))
        die("same-hash OUT N collide|spread|sample", NULL);
    static uint8_t f[LEN];
    static const uint8_t head[8] = {1, 0, 2, 0, 1, 2, 0, 2}; /* sbd_file_looks_signed */
    for (size_t i = 0; i < LEN; i++)
        f[i] = i < sizeof head ? head[i] : (uint8_t)(i * 13 + 5);
    uint64_t h = 1469598103934665603ull; /* the former seed 0 */
    for (size_t i = 0; i + 16 < LEN; i += 8)
        h = old_word_step(h, get64le(f + i));
    uint32_t srv = ip4(10, 0, 0, 10);
    char name[64];
    syn_open(out);
    for (long i = 0; i < n; i++) {
        uint64_t w = 0x5851f42d4c957f2dull * (uint64_t)(i + 1);
        if (sample) {
            put64le(f + LEN - 100, w);
            snprintf(name, sizeof name, "SEP%012lX.cnf.xml.sgn", 0x003344000000L + i);
            tftp_send_file(ip4(10, 9, 0, 0) + (uint32_t)i, srv, name, f, LEN);
            continue;
        }
        put64le(f + LEN - 16, w);
        /* collide: the state after the last word is old_word_step(.., C) for every file */
        put64le(f + LEN - 8, collide ? old_word_step(h, w) ^ 0x0123456789abcdefull : ~w);
        snprintf(name, sizeof name, "SEP%012lX.cnf.xml.sgn", 0x003344000000L + i);
        tftp_send_file(ip4(10, 9, 0, 0) + (uint32_t)i, srv, name, f, LEN);
    }
    printf("files %ld\n", n);
    return syn_close();
}

/* N connections to 2445, each served a different 8 KiB certificate (not DER: each is decoded once
 * and fails). sample: the certificates differ only in one word 100 bytes before the end, which
 * the certificate table's sampled key does not read, so without the fallback to a key of every
 * byte each would be compared with every earlier one (up to byte 8092); spread: the word is at
 * byte 16, inside the sample. */
static int same_cert(const char *out, long n, const char *mode)
{
    enum { LEN = 8192, SEG = 1400 };
    bool sample = strcmp(mode, "sample") == 0;
    if (n < 1 || n > 60000 || (!sample && strcmp(mode, "spread") != 0))
        die("same-cert OUT N sample|spread", NULL);
    static uint8_t flight[5 + 4 + 3 + 3 + LEN];
    /* record, Certificate message, certificate list, one certificate: each length the rest */
    static const uint8_t head[] = {22, 3, 3, 0, 0, 11};
    memcpy(flight, head, sizeof head);
    put16(flight + 3, LEN + 10);
    put24(flight + 6, LEN + 6);
    put24(flight + 9, LEN + 3);
    put24(flight + 12, LEN);
    uint8_t *cert = flight + 15;
    for (size_t i = 0; i < LEN; i++)
        cert[i] = (uint8_t)(i * 13 + 5);
    static const uint8_t hello[] = {22, 3, 1, 0, 9, 1, 0, 0, 5, 3, 3, 0, 0, 0};
    uint32_t srv = ip4(10, 0, 0, 10);
    syn_open(out);
    for (long i = 0; i < n; i++) {
        put64le(cert + (sample ? LEN - 100 : 16), 0x5851f42d4c957f2dull * (uint64_t)(i + 1));
        uint32_t cli = ip4(10, 7, 0, 0) + (uint32_t)i, cs = 1001, ss = 5001;
        tcp(cli, 40000, srv, 2445, 1000, 0, 0x02, NULL, 0);
        tcp(srv, 2445, cli, 40000, 5000, cs, 0x12, NULL, 0);
        tcp(cli, 40000, srv, 2445, cs, ss, 0x18, hello, sizeof hello);
        cs += sizeof hello;
        for (size_t off = 0; off < sizeof flight; off += SEG) {
            size_t k = sizeof flight - off < SEG ? sizeof flight - off : SEG;
            tcp(srv, 2445, cli, 40000, ss + (uint32_t)off, cs, 0x18, flight + off, k);
        }
        ss += sizeof flight;
        tcp(srv, 2445, cli, 40000, ss, cs, 0x11, NULL, 0);
        tcp(cli, 40000, srv, 2445, cs, ss + 1, 0x11, NULL, 0);
    }
    printf("sessions %ld\n", n);
    return syn_close();
}

static int http_conns(const char *out, long n, long port)
{
    if (n < 1 || n > 60000 || port < 1 || port > 65535)
        die("http-conns OUT N PORT", NULL);
    uint32_t srv = ip4(10, 0, 0, 10);
    static const char req[] = "GET /ITLFile.tlv HTTP/1.1\r\nHost: cucm\r\n\r\n"
                              "GET /CTLFile.tlv HTTP/1.1\r\nHost: cucm\r\n\r\n";
    syn_open(out);
    for (long i = 0; i < n; i++) {
        uint32_t cli = ip4(10, 8, 0, 0) + (uint32_t)i;
        tcp(cli, 40000, srv, (uint16_t)port, 1000, 0, 0x02, NULL, 0);
        tcp(srv, (uint16_t)port, cli, 40000, 5000, 1001, 0x12, NULL, 0);
        tcp(cli, 40000, srv, (uint16_t)port, 1001, 5001, 0x18, (const uint8_t *)req,
            sizeof req - 1);
    }
    printf("connections %ld\n", n);
    return syn_close();
}

static void b64_write(FILE *f, const uint8_t *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        fputc(t[v >> 18], f);
        fputc(t[(v >> 12) & 63], f);
        fputc(i + 1 < n ? t[(v >> 6) & 63] : '=', f);
        fputc(i + 2 < n ? t[v & 63] : '=', f);
    }
}

/* A TLS session line of a results file (pcapscan --json --json-content), certs left open. */
static void session_head(FILE *f, long i)
{
    fprintf(f,
            "{\"type\":\"tls_session\",\"pcap\":\"a.pcap\",\"input\":0,\"seq\":%ld,"
            "\"kind\":\"certs\",\"client\":\"10.6.%ld.%ld:40000\",\"server\":\"10.0.0.10:2445\","
            "\"first_packet\":%ld,\"packet\":%ld,\"time_usec\":1796083200000000,"
            "\"version\":771,\"sni\":null,\"error\":null,\"certs\":[",
            i, (i >> 8) & 255, i & 255, 2 * i + 1, 2 * i + 2);
}

static int merge_refs(const char *out, long n, const char *mode)
{
    bool refs = strcmp(mode, "refs") == 0;
    if (n < 1 || n > 10000000 || (!refs && strcmp(mode, "distinct") != 0))
        die("merge-refs OUT N refs|distinct", NULL);
    FILE *f = fopen(out, "w");
    if (!f)
        die("cannot create", out);
    size_t big = 1u << 20; /* the largest certificate merge accepts */
    uint8_t *der = malloc(big);
    if (!der)
        die("out of memory", NULL);
    for (size_t i = 0; i < big; i++)
        der[i] = (uint8_t)(i * 131 + 1);
    uint8_t sha[32];
    char ref[65];
    EVP_Digest(der, big, sha, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(ref + 2 * i, 3, "%02x", sha[i]);
    for (long i = 0; i < n; i++) {
        session_head(f, i);
        if (i == 0 || !refs) {
            fputc('"', f);
            b64_write(f, der, i == 0 ? big : 64); /* distinct: 64 bytes naming the session */
            fputc('"', f);
            if (!refs)
                der[i % 64] ^= (uint8_t)(i >> 6 | 1);
        } else {
            fprintf(f, "{\"sha256\":\"%s\"}", ref);
        }
        fputs("]}\n", f);
    }
    fprintf(f,
            "{\"type\":\"summary\",\"merge\":{\"now\":1796083200,\"expiry_days\":30,"
            "\"shard\":null},\"per_input\":[{\"pcap\":\"a.pcap\",\"input\":0,"
            "\"status\":\"ok\",\"linktype\":1,\"packets\":%ld,\"first_time_usec\":"
            "1796083200000000,\"last_time_usec\":1796083200000000}]}\n",
            2 * n);
    free(der);
    printf("sessions %ld\n", n);
    return fclose(f) == 0 ? 0 : 2;
}

static void usage(void)
{
    fputs("usage: gen-malformed MUTATION IN OUT | boundaries IN | pcap-caplen IN OUT K |\n"
          "       tftp-wrap OUT BLOCKS | interleave OUT N | streams OUT N | seq-gap OUT |\n"
          "       tftp-flood OUT N collide|spread | tcp-flood OUT N collide|spread |\n"
          "       tcp-ooo OUT CONNS hole|inorder|shuffle |\n"
          "       phones OUT N many|one | unanswered OUT N many|retry |\n"
          "       http-conns OUT N PORT | merge-refs OUT N refs|distinct |\n"
          "       same-hash OUT N collide|spread|sample | same-cert OUT N sample|spread\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    const char *mode = argv[1];
    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++)
        if (strcmp(mode, mutations[i].name) == 0 && argc == 4)
            return run_mutation(mutations[i].fn, argv[2], argv[3]);
    if (strcmp(mode, "copy") == 0 && argc == 4)
        return run_mutation(m_copy, argv[2], argv[3]);
    if (strcmp(mode, "boundaries") == 0 && argc == 3)
        return boundaries(argv[2]);
    if (strcmp(mode, "pcap-caplen") == 0 && argc == 5)
        return pcap_caplen(argv[2], argv[3], strtol(argv[4], NULL, 10));
    if (strcmp(mode, "tftp-wrap") == 0 && argc == 4)
        return tftp_wrap(argv[2], strtol(argv[3], NULL, 10));
    if (strcmp(mode, "interleave") == 0 && argc == 4)
        return interleave(argv[2], strtol(argv[3], NULL, 10));
    if (strcmp(mode, "streams") == 0 && argc == 4)
        return streams(argv[2], strtol(argv[3], NULL, 10));
    if (strcmp(mode, "seq-gap") == 0 && argc == 3)
        return seq_gap(argv[2]);
    if (strcmp(mode, "tftp-flood") == 0 && argc == 5)
        return tftp_flood(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    if (strcmp(mode, "tcp-flood") == 0 && argc == 5)
        return tcp_flood(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    if (strcmp(mode, "tcp-ooo") == 0 && argc == 5)
        return tcp_ooo(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    if (strcmp(mode, "phones") == 0 && argc == 5)
        return phones(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    if (strcmp(mode, "unanswered") == 0 && argc == 5)
        return unanswered(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    if (strcmp(mode, "same-hash") == 0 && argc == 5)
        return same_hash(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    if (strcmp(mode, "same-cert") == 0 && argc == 5)
        return same_cert(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    if (strcmp(mode, "http-conns") == 0 && argc == 5)
        return http_conns(argv[2], strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10));
    if (strcmp(mode, "merge-refs") == 0 && argc == 5)
        return merge_refs(argv[2], strtol(argv[3], NULL, 10), argv[4]);
    usage();
    return 2;
}
