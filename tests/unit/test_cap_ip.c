/* IPv4/IPv6 parsing and fragment reassembly, including its limits and counters. */
#include "cap/ip.h"
#include "cap_build.h"
#include "check.h"

static uint8_t body[4000];

static void test_parse_v4(void)
{
    bb p = {.n = 0};
    bb_ipv4_udp(&p, v4(10, 0, 0, 1), 1000, v4(10, 0, 0, 2), 69, "abc", 3);
    bb_put(&p, "\0\0\0\0\0\0", 6); /* Ethernet padding after the datagram */
    cap_ip ip;
    CHECK_EQ_INT(cap_ip_parse(p.b, p.n, p.n, &ip), CAP_IP_OK);
    CHECK_EQ_INT(ip.proto, 17);
    CHECK_EQ_INT(ip.payload_len, 11); /* padding not included */
    CHECK(!ip.truncated);
    CHECK(!ip.is_fragment);
    CHECK_EQ_INT(ip.src.a[3], 1);
    /* snapped: captured bytes end inside the datagram */
    CHECK_EQ_INT(cap_ip_parse(p.b, 25, p.n, &ip), CAP_IP_OK);
    CHECK(ip.truncated);
    CHECK_EQ_INT(ip.payload_len, 5);
    CHECK_EQ_INT(cap_ip_parse(p.b, 19, p.n, &ip), CAP_IP_SHORT);
    p.b[0] = 0x44; /* IHL 4 */
    CHECK_EQ_INT(cap_ip_parse(p.b, p.n, p.n, &ip), CAP_IP_MALFORMED);
    p.b[0] = 0x45;
    p.b[2] = 0;
    p.b[3] = 10; /* total length below the header */
    CHECK_EQ_INT(cap_ip_parse(p.b, p.n, p.n, &ip), CAP_IP_MALFORMED);
    p.b[3] = 0; /* total length 0 (TSO): use the captured bytes */
    CHECK_EQ_INT(cap_ip_parse(p.b, p.n, p.n, &ip), CAP_IP_OK);
    CHECK_EQ_INT(ip.payload_len, p.n - 20);
}

static void test_parse_v6_ext(void)
{
    bb p = {.n = 0};
    bb_ipv6_hdr(&p, v6last(1), v6last(2), 0, 8 + 16 + 8 + 3);
    bb_u8(&p, 60); /* hop-by-hop, 8 bytes */
    bb_u8(&p, 0);
    bb_put(&p, "\1\4\0\0\0\0", 6);
    bb_u8(&p, 17); /* destination options, 16 bytes */
    bb_u8(&p, 1);
    bb_put(&p, "\1\14\0\0\0\0\0\0\0\0\0\0\0\0", 14);
    bb_udp(&p, 5, 69, "xyz", 3);
    cap_ip ip;
    CHECK_EQ_INT(cap_ip_parse(p.b, p.n, p.n, &ip), CAP_IP_OK);
    CHECK_EQ_INT(ip.proto, 17);
    CHECK_EQ_INT(ip.payload_len, 11);
    CHECK_EQ_INT(ip.payload[3], 69);
    CHECK_EQ_INT(ip.src.family, 6);
    CHECK_EQ_INT(ip.dst.a[15], 2);
    /* the dest-options header claims more than the packet holds */
    p.b[40 + 8 + 1] = 9;
    CHECK_EQ_INT(cap_ip_parse(p.b, p.n, p.n, &ip), CAP_IP_MALFORMED);
    /* nine chained hop-by-hop headers exceed the walk bound */
    bb q = {.n = 0};
    bb_ipv6_hdr(&q, v6last(1), v6last(2), 0, 9 * 8);
    for (int i = 0; i < 9; i++) {
        bb_u8(&q, 0);
        bb_put(&q, "\0\1\4\0\0\0\0", 7);
    }
    CHECK_EQ_INT(cap_ip_parse(q.b, q.n, q.n, &ip), CAP_IP_MALFORMED);
}

/* Splits a UDP datagram carrying body[0..n) into IPv4 fragments of `chunk` bytes. */
static size_t make_v4_frags(bb *frags, size_t chunk, size_t n, uint16_t id)
{
    bb dg = {.n = 0};
    bb_udp(&dg, 40000, 69, body, n);
    size_t count = 0;
    for (size_t off = 0; off < dg.n; off += chunk, count++) {
        size_t len = dg.n - off < chunk ? dg.n - off : chunk;
        bool more = off + len < dg.n;
        frags[count].n = 0;
        bb_ipv4_hdr(&frags[count], v4(10, 0, 0, 1), v4(10, 0, 0, 2), 17, len, id,
                    (more ? 0x2000 : 0) | (uint16_t)(off / 8));
        bb_put(&frags[count], dg.b + off, len);
    }
    return count;
}

static cap_defrag_result feed(cap_defrag *d, const bb *f, int64_t t, cap_ip *whole)
{
    cap_ip ip;
    if (cap_ip_parse(f->b, f->n, f->n, &ip) != CAP_IP_OK || !ip.is_fragment)
        return (cap_defrag_result)-1;
    return cap_defrag_add(d, &ip, t, whole);
}

static bool whole_ok(const cap_ip *w, size_t n)
{
    return w->payload_len == n + 8 && w->proto == 17 && memcmp(w->payload + 8, body, n) == 0;
}

static bb frags[8];

static void test_v4_frag_orders(void)
{
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 7 + 3);
    cap_defrag *d = cap_defrag_new(NULL);
    cap_ip w;
    size_t n = make_v4_frags(frags, 1480, 3000, 7);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(feed(d, &frags[0], 1, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &frags[1], 2, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &frags[2], 3, &w), CAP_DEFRAG_COMPLETE);
    CHECK(whole_ok(&w, 3000));
    /* reverse order, with the middle one duplicated */
    CHECK_EQ_INT(make_v4_frags(frags, 1480, 3000, 8), 3);
    CHECK_EQ_INT(feed(d, &frags[2], 4, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &frags[1], 5, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &frags[1], 5, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &frags[0], 6, &w), CAP_DEFRAG_COMPLETE);
    CHECK(whole_ok(&w, 3000));
    const cap_defrag_stats *st = cap_defrag_get_stats(d);
    CHECK_EQ_INT(st->reassembled, 2);
    CHECK_EQ_INT(st->overlaps, 1);
    CHECK_EQ_INT(st->conflicts, 0);
    /* an overlapping copy with different bytes: first copy kept, conflict counted */
    CHECK_EQ_INT(make_v4_frags(frags, 1480, 3000, 9), 3);
    CHECK_EQ_INT(feed(d, &frags[0], 7, &w), CAP_DEFRAG_PENDING);
    frags[0].b[30] ^= 0xff;
    CHECK_EQ_INT(feed(d, &frags[0], 7, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &frags[1], 7, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &frags[2], 7, &w), CAP_DEFRAG_COMPLETE);
    CHECK(whole_ok(&w, 3000));
    CHECK_EQ_INT(st->conflicts, 1);
    cap_defrag_flush(d);
    CHECK_EQ_INT(st->pending, 0);
    cap_defrag_free(d);
}

static void test_v4_frag_limits(void)
{
    cap_defrag_limits lim = {.max_datagrams = 2, .max_bytes = 2000, .timeout_usec = 1000};
    cap_defrag *d = cap_defrag_new(&lim);
    const cap_defrag_stats *st = cap_defrag_get_stats(d);
    cap_ip w;
    /* three datagrams in flight with room for two: the oldest is evicted */
    bb a[3], b[3], c[3];
    make_v4_frags(a, 800, 1500, 1);
    make_v4_frags(b, 800, 1500, 2);
    make_v4_frags(c, 800, 1500, 3);
    CHECK_EQ_INT(feed(d, &a[0], 10, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &b[0], 20, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &c[0], 30, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(st->evicted, 1);
    CHECK_EQ_INT(feed(d, &a[1], 40, &w), CAP_DEFRAG_PENDING); /* restarted: a[0] is gone */
    CHECK_EQ_INT(st->evicted, 2);
    CHECK_EQ_INT(feed(d, &c[1], 50, &w), CAP_DEFRAG_COMPLETE);
    CHECK(whole_ok(&w, 1500));
    /* timeout by capture time */
    CHECK_EQ_INT(feed(d, &b[1], 5000, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(st->timed_out, 1); /* a (last fed at 40) */
    /* too big: 2400 bytes with a 2000-byte limit */
    bb big[3];
    make_v4_frags(big, 1200, 2400, 4);
    CHECK_EQ_INT(feed(d, &big[0], 5001, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &big[1], 5002, &w), CAP_DEFRAG_DROPPED);
    CHECK_EQ_INT(st->too_big, 1);
    cap_defrag_flush(d);
    CHECK_EQ_INT(st->pending, 1); /* b */
    cap_defrag_free(d);
}

static void test_v6_frags_out_of_order(void)
{
    bb dg = {.n = 0};
    bb_udp(&dg, 40000, 69, body, 2000);
    size_t cut = 1232;
    bb f[2];
    for (int i = 0; i < 2; i++) {
        size_t off = i ? cut : 0, len = i ? dg.n - cut : cut;
        f[i].n = 0;
        bb_ipv6_hdr(&f[i], v6last(1), v6last(2), 44, 8 + len);
        bb_u8(&f[i], 17);
        bb_u8(&f[i], 0);
        bb_be16(&f[i], (unsigned)off | (i ? 0 : 1));
        bb_be32(&f[i], 0xdeadbeef);
        bb_put(&f[i], dg.b + off, len);
    }
    cap_defrag *d = cap_defrag_new(NULL);
    cap_ip w, ip;
    CHECK_EQ_INT(cap_ip_parse(f[1].b, f[1].n, f[1].n, &ip), CAP_IP_OK);
    CHECK(ip.is_fragment);
    CHECK_EQ_INT(ip.frag_offset, cut);
    CHECK_EQ_INT(ip.frag_id, 0xdeadbeef);
    CHECK_EQ_INT(feed(d, &f[1], 1, &w), CAP_DEFRAG_PENDING);
    CHECK_EQ_INT(feed(d, &f[0], 2, &w), CAP_DEFRAG_COMPLETE);
    CHECK(whole_ok(&w, 2000));
    CHECK_EQ_INT(w.src.family, 6);
    /* a truncated fragment cannot complete: dropped and counted */
    f[0].b[45] = 0; /* fragment offset stays 0 */
    CHECK_EQ_INT(cap_ip_parse(f[0].b, 100, f[0].n, &ip), CAP_IP_OK);
    CHECK(ip.truncated);
    CHECK_EQ_INT(cap_defrag_add(d, &ip, 3, &w), CAP_DEFRAG_DROPPED);
    CHECK_EQ_INT(cap_defrag_get_stats(d)->truncated, 1);
    cap_defrag_free(d);
}

int main(void)
{
    test_parse_v4();
    test_parse_v6_ext();
    test_v4_frag_orders();
    test_v4_frag_limits();
    test_v6_frags_out_of_order();
    return check_report();
}
