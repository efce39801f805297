/* tcp_stream: in-order delivery, reordering, retransmits, gaps, wrap-around, limits, expiry. */
#include <stdio.h>

#include "cap_tcp_testutil.h"
#include "check.h"

#define MAXC 8

typedef struct harness {
    trec rec[MAXC];
    int opened;
    unsigned dirs;
    size_t consume_multiple, done_after;
} harness;

static bool open_cb(void *user, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    harness *h = user;
    if (h->opened == MAXC)
        return false;
    trec *r = &h->rec[h->opened++];
    r->info = *conn;
    r->consume_multiple = h->consume_multiple;
    r->done_after = h->done_after;
    out->user = r;
    out->dirs = h->dirs;
    out->on_chunk = trec_chunk;
    out->on_close = trec_close;
    return true;
}

static cap_tcp_ctx *setup(harness *h, const cap_tcp_limits *lim)
{
    memset(h, 0, sizeof *h);
    h->dirs = CAP_TCP_DIR_BIT(CAP_TCP_C2S) | CAP_TCP_DIR_BIT(CAP_TCP_S2C);
    cap_tcp_callbacks cb = {h, open_cb};
    return cap_tcp_new(lim, &cb);
}

static void teardown(harness *h, cap_tcp_ctx *ctx)
{
    cap_tcp_free(ctx);
    for (int i = 0; i < MAXC; i++)
        trec_free(&h->rec[i]);
}

static uint8_t pattern[8192];

static void init_pattern(void)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + (i >> 8));
}

static void test_in_order_and_fin(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v4(1, 40000, 1000), s = tside_v4(2, 2445, 5000);
    thandshake(ctx, &c, &s, 1);
    tsend(ctx, &c, &s, CAP_TCP_ACK, "hello", 5, 1);
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern, 1000, 1);
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern + 1000, 500, 1);
    tsend(ctx, &s, &c, CAP_TCP_ACK | CAP_TCP_FIN, NULL, 0, 2);
    CHECK_EQ_INT(h.opened, 1);
    trec *r = &h.rec[0];
    CHECK(r->info.roles_from_syn);
    CHECK_EQ_INT(r->info.sport, 2445);
    CHECK_EQ_INT(r->info.cport, 40000);
    CHECK_EQ_INT(r->d[CAP_TCP_C2S].len, 5);
    CHECK(memcmp(r->d[CAP_TCP_C2S].data, "hello", 5) == 0);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 1500);
    CHECK(memcmp(r->d[CAP_TCP_S2C].data, pattern, 1500) == 0);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].ends, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].end, CAP_TCP_END_FIN);
    CHECK_EQ_INT(r->d[CAP_TCP_C2S].ends, 0);
    CHECK_EQ_INT(r->closes, 0);
    tsend(ctx, &c, &s, CAP_TCP_ACK | CAP_TCP_FIN, NULL, 0, 2);
    CHECK_EQ_INT(r->closes, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_C2S].end, CAP_TCP_END_FIN);
    CHECK_EQ_INT(r->st.dir[CAP_TCP_S2C].bytes, 1500);
    CHECK_EQ_INT(r->st.dir[CAP_TCP_S2C].segments, 2);
    /* The final ACK and a late retransmit are absorbed, not a new connection. */
    cap_pkt late = tseg_at(&s, &c, s.seq - 501, CAP_TCP_ACK, pattern, 500, 3);
    cap_tcp_packet(ctx, &late);
    CHECK_EQ_INT(h.opened, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].offset_errors + r->d[CAP_TCP_C2S].offset_errors, 0);
    teardown(&h, ctx);
}

static void test_out_of_order(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 443, 77);
    thandshake(ctx, &c, &s, 1);
    uint32_t base = s.seq;
    /* Segments 3, 2, 4 arrive before 1. */
    cap_pkt p3 = tseg_at(&s, &c, base + 200, CAP_TCP_ACK, pattern + 200, 100, 1);
    cap_pkt p2 = tseg_at(&s, &c, base + 100, CAP_TCP_ACK, pattern + 100, 100, 1);
    cap_pkt p4 = tseg_at(&s, &c, base + 300, CAP_TCP_ACK, pattern + 300, 50, 1);
    cap_pkt p1 = tseg_at(&s, &c, base, CAP_TCP_ACK, pattern, 100, 1);
    cap_tcp_packet(ctx, &p3);
    cap_tcp_packet(ctx, &p2);
    cap_tcp_packet(ctx, &p4);
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 0);
    {
        cap_tcp_stats st;
        cap_tcp_get_stats(ctx, &st);
        CHECK_EQ_INT(st.buffered, 250);
    }
    cap_tcp_packet(ctx, &p1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 350);
    CHECK(memcmp(r->d[CAP_TCP_S2C].data, pattern, 350) == 0);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].last_pkt, p1.where.pkt_no); /* completed by p1 */
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps, 0);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].offset_errors, 0);
    cap_tcp_stats st;
    cap_tcp_get_stats(ctx, &st);
    CHECK_EQ_INT(st.buffered, 0);
    cap_tcp_flush(ctx);
    CHECK_EQ_INT(r->st.dir[CAP_TCP_S2C].out_of_order, 3);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].end, CAP_TCP_END_FLUSH);
    teardown(&h, ctx);
}

static void test_retransmit_overlap(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 443, 0x10000);
    thandshake(ctx, &c, &s, 1);
    uint32_t base = s.seq;
    cap_pkt a = tseg_at(&s, &c, base, CAP_TCP_ACK, pattern, 100, 1);
    cap_pkt dup = tseg_at(&s, &c, base, CAP_TCP_ACK, pattern, 100, 1);
    cap_pkt ov = tseg_at(&s, &c, base + 50, CAP_TCP_ACK, pattern + 50, 100, 1);      /* 50 old */
    cap_pkt ahead = tseg_at(&s, &c, base + 300, CAP_TCP_ACK, pattern + 300, 100, 1); /* queued */
    /* Covers queued bytes 300..350 too: only 150..300 and 350..400... kept once. */
    cap_pkt big = tseg_at(&s, &c, base + 150, CAP_TCP_ACK, pattern + 150, 200, 1);
    cap_pkt tail = tseg_at(&s, &c, base + 350, CAP_TCP_ACK, pattern + 350, 100, 1);
    cap_tcp_packet(ctx, &a);
    cap_tcp_packet(ctx, &dup);
    cap_tcp_packet(ctx, &ov);
    cap_tcp_packet(ctx, &ahead);
    cap_tcp_packet(ctx, &big);
    cap_tcp_packet(ctx, &tail);
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 450);
    CHECK(memcmp(r->d[CAP_TCP_S2C].data, pattern, 450) == 0);
    cap_tcp_flush(ctx);
    CHECK_EQ_INT(r->st.dir[CAP_TCP_S2C].retransmits, 1);
    CHECK_EQ_INT(r->st.dir[CAP_TCP_S2C].overlap_bytes, 50 + 50 + 50);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].offset_errors, 0);
    teardown(&h, ctx);
}

static void test_gap_by_ack_and_flush(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 443, 9);
    thandshake(ctx, &c, &s, 1);
    uint32_t base = s.seq;
    cap_pkt a = tseg_at(&s, &c, base, CAP_TCP_ACK, pattern, 100, 1);
    cap_pkt b = tseg_at(&s, &c, base + 300, CAP_TCP_ACK, pattern + 300, 100, 1); /* 200 lost */
    cap_tcp_packet(ctx, &a);
    cap_tcp_packet(ctx, &b);
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps, 0);
    /* The client acknowledges everything: the 200 bytes were never captured. */
    s.seq = base + 400;
    tsend(ctx, &c, &s, CAP_TCP_ACK, NULL, 0, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gap_bytes, 200);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].first_gap_off, 100);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 200);
    CHECK(memcmp(r->d[CAP_TCP_S2C].data + 100, pattern + 300, 100) == 0);
    /* A second hole that nobody acknowledges becomes a gap at the end of input. */
    cap_pkt d2 = tseg_at(&s, &c, base + 1000, CAP_TCP_ACK, pattern + 1000, 10, 1);
    cap_tcp_packet(ctx, &d2);
    cap_tcp_flush(ctx);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps, 2);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gap_bytes, 800);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 210);
    CHECK_EQ_INT(r->st.dir[CAP_TCP_S2C].forced_gaps, 0);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].offset_errors, 0);
    teardown(&h, ctx);
}

static void test_wraparound(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v4(1, 40000, 0xfffffff0u), s = tside_v4(2, 443, 0xffffff00u);
    thandshake(ctx, &c, &s, 1);
    for (int i = 0; i < 6; i++) /* crosses 2^32 in the middle */
        tsend(ctx, &s, &c, CAP_TCP_ACK, pattern + i * 100, 100, 1);
    /* Reordered across the wrap as well. */
    uint32_t seq = s.seq;
    cap_pkt late = tseg_at(&s, &c, seq + 100, CAP_TCP_ACK, pattern + 700, 100, 1);
    cap_pkt early = tseg_at(&s, &c, seq, CAP_TCP_ACK, pattern + 600, 100, 1);
    cap_tcp_packet(ctx, &late);
    cap_tcp_packet(ctx, &early);
    for (int i = 0; i < 30; i++)
        tsend(ctx, &c, &s, CAP_TCP_ACK, pattern + i, 1, 1); /* client wraps too */
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 800);
    CHECK(memcmp(r->d[CAP_TCP_S2C].data, pattern, 800) == 0);
    CHECK_EQ_INT(r->d[CAP_TCP_C2S].len, 30);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps + r->d[CAP_TCP_C2S].gaps, 0);
    teardown(&h, ctx);
}

static void test_huge_jump_no_alloc(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 443, 0x80000000u);
    thandshake(ctx, &c, &s, 1);
    uint32_t base = s.seq;
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern, 10, 1);
    cap_pkt far = tseg_at(&s, &c, base + 0x7ff00000u, CAP_TCP_ACK, pattern, 100, 1); /* ~2 GB */
    cap_tcp_packet(ctx, &far);
    cap_tcp_flush(ctx);
    cap_tcp_stats st;
    cap_tcp_get_stats(ctx, &st);
    CHECK(st.peak_buffered < 4096);
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gap_bytes, 0x7ff00000u - 10);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 110);
    teardown(&h, ctx);
}

static void test_buffer_cap_forces_gap(void)
{
    harness h;
    cap_tcp_limits lim;
    cap_tcp_limits_default(&lim);
    lim.max_ooo_bytes = 250;
    cap_tcp_ctx *ctx = setup(&h, &lim);
    tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 443, 1);
    thandshake(ctx, &c, &s, 1);
    uint32_t base = s.seq;
    for (int i = 1; i <= 3; i++) { /* segment 0 never comes; the third does not fit */
        cap_pkt p =
            tseg_at(&s, &c, base + (uint32_t)i * 100, CAP_TCP_ACK, pattern + i * 100, 100, 1);
        cap_tcp_packet(ctx, &p);
    }
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gap_bytes, 100);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 300);
    CHECK(memcmp(r->d[CAP_TCP_S2C].data, pattern + 100, 300) == 0);
    cap_tcp_stats st;
    cap_tcp_get_stats(ctx, &st);
    CHECK_EQ_INT(st.forced_gaps, 1);
    CHECK(st.peak_buffered <= 250);
    teardown(&h, ctx);
}

static void test_conn_limit_and_idle(void)
{
    harness h;
    cap_tcp_limits lim;
    cap_tcp_limits_default(&lim);
    lim.max_conns = 2;
    lim.idle_timeout = 60;
    cap_tcp_ctx *ctx = setup(&h, &lim);
    tside s = tside_v4(2, 443, 1);
    tside c1 = tside_v4(1, 40001, 1), c2 = tside_v4(1, 40002, 1), c3 = tside_v4(1, 40003, 1);
    tsend(ctx, &c1, &s, CAP_TCP_ACK, "a", 1, 10);
    tsend(ctx, &c2, &s, CAP_TCP_ACK, "b", 1, 11);
    tsend(ctx, &c3, &s, CAP_TCP_ACK, "c", 1, 12); /* evicts c1 */
    CHECK_EQ_INT(h.opened, 3);
    CHECK_EQ_INT(h.rec[0].closes, 1);
    CHECK_EQ_INT(h.rec[0].st.end, CAP_TCP_END_EVICTED);
    CHECK_EQ_INT(h.rec[0].d[CAP_TCP_C2S].end, CAP_TCP_END_EVICTED);
    CHECK_EQ_INT(h.rec[1].closes, 0);
    tsend(ctx, &c3, &s, CAP_TCP_ACK, "c", 1, 72); /* c2 idle 60 s: expires */
    CHECK_EQ_INT(h.rec[1].closes, 1);
    CHECK_EQ_INT(h.rec[1].st.end, CAP_TCP_END_IDLE);
    CHECK_EQ_INT(h.rec[2].closes, 0);
    CHECK_EQ_INT(h.rec[2].d[CAP_TCP_C2S].len, 2);
    cap_tcp_stats st;
    cap_tcp_get_stats(ctx, &st);
    CHECK_EQ_INT(st.conns_evicted, 1);
    CHECK_EQ_INT(st.conns_expired, 1);
    CHECK_EQ_INT(st.active, 1);
    teardown(&h, ctx);
}

static void test_partial_consume_and_done(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    h.consume_multiple = 64; /* a parser that wants whole 64-byte units */
    tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 443, 1);
    thandshake(ctx, &c, &s, 1);
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern, 100, 1);
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern + 100, 30, 1);
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 128);
    CHECK(memcmp(r->d[CAP_TCP_S2C].data, pattern, 128) == 0);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].offset_errors, 0);
    cap_tcp_flush(ctx);
    teardown(&h, ctx);

    ctx = setup(&h, NULL);
    h.dirs = CAP_TCP_DIR_BIT(CAP_TCP_S2C);
    h.done_after = 50;
    c = tside_v4(1, 40000, 1);
    s = tside_v4(2, 443, 1);
    thandshake(ctx, &c, &s, 1);
    tsend(ctx, &c, &s, CAP_TCP_ACK, "ignored", 7, 1);
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern, 60, 1);
    r = &h.rec[0];
    CHECK_EQ_INT(r->closes, 1); /* done with the only wanted direction: released at once */
    CHECK_EQ_INT(r->st.end, CAP_TCP_END_DONE);
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern, 60, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 60);
    CHECK_EQ_INT(r->d[CAP_TCP_C2S].len, 0);
    CHECK_EQ_INT(h.opened, 1);
    teardown(&h, ctx);
}

static void test_rst_ipv6_and_roles(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v6(1, 51000, 1), s = tside_v6(2, 5061, 1);
    /* No SYN captured: the server is the endpoint with the lower port. */
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern, 10, 1);
    tsend(ctx, &s, &c, CAP_TCP_ACK, pattern + 10, 10, 1);
    tsend(ctx, &c, &s, CAP_TCP_RST, NULL, 0, 1);
    trec *r = &h.rec[0];
    CHECK(!r->info.roles_from_syn);
    CHECK_EQ_INT(r->info.sport, 5061);
    CHECK_EQ_INT(r->info.server.family, 6);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 20);
    CHECK_EQ_INT(r->closes, 1);
    CHECK_EQ_INT(r->st.end, CAP_TCP_END_RST);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].end, CAP_TCP_END_RST);
    /* Same 4-tuple, new SYN: a new connection. */
    c.seq = 5000;
    tsend(ctx, &c, &s, CAP_TCP_SYN, NULL, 0, 2);
    CHECK_EQ_INT(h.opened, 2);
    teardown(&h, ctx);
}

static void test_truncated_packet_is_gap(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 443, 1);
    thandshake(ctx, &c, &s, 1);
    uint32_t base = s.seq;
    cap_pkt cut = tseg_at(&s, &c, base, CAP_TCP_ACK, pattern, 60, 1); /* really 100 bytes */
    cut.truncated = true;
    cap_pkt next = tseg_at(&s, &c, base + 100, CAP_TCP_ACK, pattern + 100, 50, 1);
    cap_tcp_packet(ctx, &cut);
    cap_tcp_packet(ctx, &next);
    trec *r = &h.rec[0];
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps, 1);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].gap_bytes, 40);
    CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 110);
    teardown(&h, ctx);
}

/* Overlapping segments in a random order (the out-of-order queue is a skip list with random
 * heights): whatever arrives first, the stream comes out whole, in order, and nothing stays
 * buffered. */
static void test_random_order_overlaps(void)
{
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 40; round++) {
        harness h;
        cap_tcp_ctx *ctx = setup(&h, NULL);
        tside c = tside_v4(1, 40000, 1), s = tside_v4(2, 2445, 0xfffff000u + (uint32_t)round);
        thandshake(ctx, &c, &s, 1);
        uint32_t base = s.seq;
        for (int k = 0; k < 400; k++) { /* never offset 0: all of it waits behind the hole */
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t off = 1 + (size_t)(rng % (sizeof pattern - 1));
            size_t len = 1 + (size_t)((rng >> 20) % 300);
            if (off + len > sizeof pattern)
                len = sizeof pattern - off;
            cap_pkt p = tseg_at(&s, &c, base + (uint32_t)off, CAP_TCP_ACK, pattern + off, len, 1);
            cap_tcp_packet(ctx, &p);
        }
        trec *r = &h.rec[0];
        CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, 0);
        for (size_t off = 0; off < sizeof pattern; off += 1000) {
            size_t len = sizeof pattern - off < 1000 ? sizeof pattern - off : 1000;
            cap_pkt p = tseg_at(&s, &c, base + (uint32_t)off, CAP_TCP_ACK, pattern + off, len, 1);
            cap_tcp_packet(ctx, &p);
        }
        CHECK_EQ_INT(r->d[CAP_TCP_S2C].len, sizeof pattern);
        CHECK(r->d[CAP_TCP_S2C].len == sizeof pattern &&
              memcmp(r->d[CAP_TCP_S2C].data, pattern, sizeof pattern) == 0);
        CHECK_EQ_INT(r->d[CAP_TCP_S2C].gaps, 0);
        CHECK_EQ_INT(r->d[CAP_TCP_S2C].offset_errors, 0);
        cap_tcp_stats st;
        cap_tcp_get_stats(ctx, &st);
        CHECK_EQ_INT(st.buffered, 0);
        teardown(&h, ctx);
    }
}

/* Clients on different addresses with the same port: the table's shortcut for a port with one
 * connection must hand each segment to its own connection, both while two share the port and
 * when a stranger's segment arrives on a port one connection has. */
static void test_shared_client_port(void)
{
    harness h;
    cap_tcp_ctx *ctx = setup(&h, NULL);
    tside c1 = tside_v4(1, 40000, 100), c2 = tside_v4(3, 40000, 200), s = tside_v4(2, 2445, 900);
    tside s2 = tside_v4(2, 2445, 7000), c3 = tside_v4(4, 40001, 300), c5 = tside_v4(5, 40001, 1);
    thandshake(ctx, &c1, &s, 1);
    tsend(ctx, &s, &c1, CAP_TCP_ACK, pattern, 300, 1);
    thandshake(ctx, &c2, &s2, 1);
    tsend(ctx, &s2, &c2, CAP_TCP_ACK, pattern + 1000, 400, 1);
    tsend(ctx, &c1, &s, CAP_TCP_ACK, "one", 3, 1);
    tsend(ctx, &c2, &s2, CAP_TCP_ACK, "two", 3, 1);
    tsend(ctx, &s, &c1, CAP_TCP_ACK, pattern + 300, 100, 1);
    thandshake(ctx, &c3, &s, 1);
    tsend(ctx, &s, &c3, CAP_TCP_ACK, pattern + 2000, 50, 1);
    tsend(ctx, &s, &c5, CAP_TCP_ACK, pattern + 3000, 60, 1); /* c5 never opened: a new one */
    tsend(ctx, &c3, &s, CAP_TCP_ACK, "three", 5, 1);
    CHECK_EQ_INT(h.opened, 4);
    trec *r = h.rec;
    CHECK_EQ_INT(r[0].d[CAP_TCP_S2C].len, 400);
    CHECK(r[0].d[CAP_TCP_S2C].data && memcmp(r[0].d[CAP_TCP_S2C].data, pattern, 400) == 0);
    CHECK(r[0].d[CAP_TCP_C2S].len == 3 && memcmp(r[0].d[CAP_TCP_C2S].data, "one", 3) == 0);
    CHECK_EQ_INT(r[1].d[CAP_TCP_S2C].len, 400);
    CHECK(r[1].d[CAP_TCP_S2C].data && memcmp(r[1].d[CAP_TCP_S2C].data, pattern + 1000, 400) == 0);
    CHECK(r[1].d[CAP_TCP_C2S].len == 3 && memcmp(r[1].d[CAP_TCP_C2S].data, "two", 3) == 0);
    CHECK_EQ_INT(r[2].d[CAP_TCP_S2C].len, 50);
    CHECK(r[2].d[CAP_TCP_C2S].len == 5 && memcmp(r[2].d[CAP_TCP_C2S].data, "three", 5) == 0);
    CHECK_EQ_INT(r[3].info.cport + r[3].info.sport, 40001 + 2445);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(r[i].d[0].offset_errors + r[i].d[1].offset_errors, 0);
    teardown(&h, ctx);
}

int main(void)
{
    init_pattern();
    test_in_order_and_fin();
    test_out_of_order();
    test_retransmit_overlap();
    test_gap_by_ack_and_flush();
    test_wraparound();
    test_huge_jump_no_alloc();
    test_buffer_cap_forces_gap();
    test_conn_limit_and_idle();
    test_partial_consume_and_done();
    test_rst_ipv6_and_roles();
    test_truncated_packet_is_gap();
    test_random_order_overlaps();
    test_shared_client_port();
    return check_report();
}
