/* TCP reassembly: per-connection, per-direction in-order delivery to consumers.
 * Sequence numbers become 64-bit stream offsets, so wrap-around needs no special case and a huge
 * jump costs only the segment that carried it (holes are never allocated).
 * Out-of-order data waits in a skip list (random heights from a generator seeded with the run's
 * secret key), so placing a segment costs O(log n) whatever order a sender picks: the sorted list
 * it replaces was walked from its head per segment (256 connections x 2047 one-byte segments
 * behind a hole took 20 s). */
#include <stdlib.h>
#include <string.h>

#include "cap/portindex.h"
#include "cap/keyhash.h"
#include "cap/tcp_stream.h"

enum { SL_LEVELS = 12 }; /* 4^12 segments per direction before the top level fills */

typedef struct seg {
    uint64_t off;
    uint32_t len;    /* a segment's payload is at most 64 KiB */
    uint32_t height; /* links in next[]; the bytes follow them */
    struct seg *next[];
} seg;

static uint8_t *seg_data(seg *s)
{
    return (uint8_t *)(s->next + s->height);
}

typedef struct half { /* one direction of a connection */
    bool started;     /* base is known */
    bool done;        /* nothing more goes to the consumer */
    bool ended;       /* END was delivered (or the direction was never wanted) */
    bool fin_seen;
    bool hole_known; /* a truncated packet ended the in-order data: the next hole is a gap */
    uint32_t base;   /* sequence number of stream offset 0 */
    uint64_t next;   /* next offset to deliver */
    uint64_t fin_off;
    seg *ooo; /* skip-list head (SL_LEVELS links) of out-of-order segments, sorted and
               * non-overlapping; allocated with the first one, NULL before */
    size_t ooo_bytes, ooo_count;
    uint8_t *pend; /* bytes the consumer did not consume yet */
    size_t pend_len, pend_cap;
    uint64_t pend_off;
    cap_tcp_dir_stats st;
} half;

typedef struct conn {
    struct conn *hnext;
    struct conn *older, *newer; /* activity list; ctx->oldest is the first to expire */
    uint64_t hash;
    cap_tcp_conn_info info;
    int64_t last_ts;
    bool released;    /* consumer closed; the entry only absorbs the rest of the connection */
    bool finished;    /* FIN/RST closed it: remembered for closed_linger only */
    uint8_t fin_dirs; /* CAP_TCP_DIR_BIT of each direction that sent a FIN */
    cap_tcp_consumer cons;
    half h[2];
} conn;

struct cap_tcp_ctx {
    cap_tcp_limits lim;
    cap_tcp_callbacks cb;
    cap_hkey key;
    uint64_t rng; /* skip-list heights */
    conn **buckets;
    size_t nbuckets; /* power of two */
    /* Connections per client port (portindex.h). A 4-tuple is in the table at most once, and its
     * connection is filed under one of the packet's two ports: when each port has no connection
     * or a known one, the answer is among those two without hashing (port_find). */
    cap_port_index ports;
    size_t count;
    conn *oldest, *newest;
    int64_t now;
    cap_where last_where;
    cap_tcp_stats st;
};

static const char *const end_names[] = {
#define CAP_TCP_END_NAME(name, text) text,
    CAP_TCP_END_MAP(CAP_TCP_END_NAME)
#undef CAP_TCP_END_NAME
};

const char *cap_tcp_end_name(cap_tcp_end_reason r)
{
    size_t i = (size_t)r;
    return i < sizeof end_names / sizeof end_names[0] ? end_names[i] : "?";
}

void cap_tcp_limits_default(cap_tcp_limits *lim)
{
    lim->max_conns = 100000;
    lim->max_ooo_bytes = 1u << 20;
    lim->max_ooo_segments = 2048;
    lim->max_total_bytes = 256u << 20;
    lim->max_pending = 256u << 10;
    lim->idle_timeout = 300;
    lim->closed_linger = 10;
}

/* ---- accounting ---- */

static void buffered_add(cap_tcp_ctx *ctx, size_t n)
{
    ctx->st.buffered += n;
    if (ctx->st.buffered > ctx->st.peak_buffered)
        ctx->st.peak_buffered = ctx->st.buffered;
}

static void buffered_sub(cap_tcp_ctx *ctx, size_t n)
{
    ctx->st.buffered = n <= ctx->st.buffered ? ctx->st.buffered - n : 0;
}

/* ---- the out-of-order skip list ---- */

static seg *ooo_first(const half *h)
{
    return h->ooo ? h->ooo->next[0] : NULL;
}

/* Height 1 + one per pair of zero bits (p = 1/4 per level), from xorshift64*. */
static unsigned random_height(cap_tcp_ctx *ctx)
{
    uint64_t x = ctx->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    ctx->rng = x;
    uint64_t r = x * 0x2545f4914f6cdd1dull;
    unsigned height = 1;
    while (height < SL_LEVELS && (r & 3) == 0) {
        height++;
        r >>= 2;
    }
    return height;
}

/* The first queued segment ending after off (NULL if none); upd[lv] gets its predecessor on
 * each level, where a segment before it is linked in. */
static seg *ooo_find(const half *h, uint64_t off, seg *upd[SL_LEVELS])
{
    seg *x = h->ooo;
    for (int lv = SL_LEVELS - 1; lv >= 0; lv--) {
        while (x->next[lv] && x->next[lv]->off + x->next[lv]->len <= off)
            x = x->next[lv];
        upd[lv] = x;
    }
    return x->next[0];
}

static void ooo_link(seg *upd[SL_LEVELS], seg *s)
{
    for (unsigned lv = 0; lv < s->height; lv++) {
        s->next[lv] = upd[lv]->next[lv];
        upd[lv]->next[lv] = s;
    }
}

/* Unlinks the first segment (the head's successor on each of its levels). */
static seg *ooo_pop(half *h)
{
    seg *s = ooo_first(h);
    if (s)
        for (unsigned lv = 0; lv < s->height; lv++)
            h->ooo->next[lv] = s->next[lv];
    return s;
}

static seg *seg_alloc(unsigned height, size_t n)
{
    seg *s = malloc(sizeof *s + height * sizeof(seg *) + n);
    if (s) {
        s->height = height;
        for (unsigned lv = 0; lv < height; lv++)
            s->next[lv] = NULL;
    }
    return s;
}

static void half_drop_buffers(cap_tcp_ctx *ctx, half *h)
{
    for (seg *s = h->ooo, *nx; s; s = nx) {
        nx = s->next[0];
        free(s);
    }
    buffered_sub(ctx, h->ooo_bytes + h->pend_cap);
    h->ooo = NULL;
    h->ooo_bytes = h->ooo_count = 0;
    free(h->pend);
    h->pend = NULL;
    h->pend_len = h->pend_cap = 0;
}

/* ---- hashing and the connection table ---- */

static int endpoint_cmp(const cap_addr *a, uint16_t ap, const cap_addr *b, uint16_t bp)
{
    int c = memcmp(a->a, b->a, sizeof a->a);
    if (c != 0)
        return c;
    return (int)ap - (int)bp;
}

/* Same value for both directions: endpoints hashed in a canonical order. Keyed, as the tuples
 * come from the capture. */
static uint64_t tuple_hash(const cap_tcp_ctx *ctx, const cap_addr *a, uint16_t ap,
                           const cap_addr *b, uint16_t bp)
{
    if (a->family != 6 && b->family != 6) { /* IPv4: each endpoint is one word, smaller first */
        uint32_t av, bv;
        memcpy(&av, a->a, 4);
        memcpy(&bv, b->a, 4);
        uint64_t w[2] = {(uint64_t)av << 16 | ap, (uint64_t)bv << 16 | bp};
        if (w[0] > w[1]) {
            w[0] = w[1];
            w[1] = (uint64_t)av << 16 | ap;
        }
        return cap_khash_words(&ctx->key, w, 2);
    }
    if (endpoint_cmp(a, ap, b, bp) > 0) {
        const cap_addr *t = a;
        a = b;
        b = t;
        uint16_t tp = ap;
        ap = bp;
        bp = tp;
    }
    size_t n = a->family == 6 ? 16 : 4;
    uint8_t k[1 + 2 * (16 + 2)];
    k[0] = a->family;
    memcpy(k + 1, a->a, n);
    memcpy(k + 1 + n, &ap, 2);
    memcpy(k + 3 + n, b->a, n);
    memcpy(k + 3 + 2 * n, &bp, 2);
    return cap_khash(&ctx->key, k, 5 + 2 * n);
}

static bool is_endpoint(const cap_addr *a, uint16_t ap, const cap_addr *b, uint16_t bp)
{
    return ap == bp && cap_addr_equal(a, b);
}

/* Direction of pkt within c, or -1 when the 4-tuple differs. */
static int conn_dir(const conn *c, const cap_pkt *p)
{
    const cap_tcp_conn_info *i = &c->info;
    if (is_endpoint(&p->src, p->sport, &i->client, i->cport) &&
        is_endpoint(&p->dst, p->dport, &i->server, i->sport))
        return CAP_TCP_C2S;
    if (is_endpoint(&p->src, p->sport, &i->server, i->sport) &&
        is_endpoint(&p->dst, p->dport, &i->client, i->cport))
        return CAP_TCP_S2C;
    return -1;
}

static conn *table_find(cap_tcp_ctx *ctx, const cap_pkt *p, uint64_t hash, int *dir)
{
    for (conn *c = ctx->buckets[hash & (ctx->nbuckets - 1)]; c; c = c->hnext) {
        if (c->hash != hash)
            continue;
        *dir = conn_dir(c, p);
        if (*dir >= 0)
            return c;
    }
    return NULL;
}

/* The connection of p's 4-tuple by its ports; false when a port is shared (ask the table). */
static bool port_find(const cap_tcp_ctx *ctx, const cap_pkt *p, conn **out, int *dir)
{
    uint16_t ports[2] = {p->sport, p->dport};
    *out = NULL;
    for (int i = 0; i < 2; i++) {
        if (!cap_port_used(&ctx->ports, ports[i]))
            continue;
        conn *c = cap_port_sole(&ctx->ports, ports[i]);
        if (!c)
            return false;
        int d = conn_dir(c, p);
        if (d >= 0) {
            *out = c;
            *dir = d;
            return true;
        }
    }
    return true;
}

static void port_add(cap_tcp_ctx *ctx, conn *c)
{
    cap_port_add(&ctx->ports, c->info.cport, c);
}

static void port_remove(cap_tcp_ctx *ctx, conn *c)
{
    cap_port_remove(&ctx->ports, c->info.cport, c);
}

static void table_grow(cap_tcp_ctx *ctx)
{
    size_t n = ctx->nbuckets * 2;
    conn **nb = calloc(n, sizeof *nb);
    if (!nb)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < ctx->nbuckets; i++) {
        for (conn *c = ctx->buckets[i], *nx; c; c = nx) {
            nx = c->hnext;
            c->hnext = nb[c->hash & (n - 1)];
            nb[c->hash & (n - 1)] = c;
        }
    }
    free(ctx->buckets);
    ctx->buckets = nb;
    ctx->nbuckets = n;
}

static void list_unlink(cap_tcp_ctx *ctx, conn *c)
{
    if (c->older)
        c->older->newer = c->newer;
    else
        ctx->oldest = c->newer;
    if (c->newer)
        c->newer->older = c->older;
    else
        ctx->newest = c->older;
    c->older = c->newer = NULL;
}

static void list_push_newest(cap_tcp_ctx *ctx, conn *c)
{
    c->older = ctx->newest;
    c->newer = NULL;
    if (ctx->newest)
        ctx->newest->newer = c;
    else
        ctx->oldest = c;
    ctx->newest = c;
}

static void table_remove(cap_tcp_ctx *ctx, conn *c)
{
    conn **pp = &ctx->buckets[c->hash & (ctx->nbuckets - 1)];
    while (*pp && *pp != c)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = c->hnext;
    list_unlink(ctx, c);
    port_remove(ctx, c);
    ctx->count--;
}

/* ---- delivery to the consumer ---- */

static void half_finish(cap_tcp_ctx *ctx, half *h)
{
    h->done = true;
    half_drop_buffers(ctx, h);
}

static bool call_chunk(conn *c, cap_tcp_chunk *ch)
{
    cap_tcp_verdict v = c->cons.on_chunk(c->cons.user, ch);
    if (ch->kind == CAP_TCP_DATA && !v.done && v.consumed > ch->len)
        v.consumed = ch->len;
    if (ch->kind == CAP_TCP_DATA)
        ch->len -= v.consumed; /* what is left over */
    return v.done;
}

static void deliver_end(cap_tcp_ctx *ctx, conn *c, int d, cap_tcp_end_reason why)
{
    half *h = &c->h[d];
    if (h->ended)
        return;
    h->ended = true;
    if (!h->done) {
        cap_tcp_chunk ch = {.kind = CAP_TCP_END,
                            .dir = d,
                            .offset = h->next,
                            .end = why,
                            .where = &ctx->last_where};
        call_chunk(c, &ch);
        half_finish(ctx, h);
    }
}

/* Make room for need pending bytes, within max_pending. */
static bool pend_reserve(cap_tcp_ctx *ctx, half *h, size_t need)
{
    if (need > ctx->lim.max_pending) {
        ctx->st.pending_overflows++;
        return false;
    }
    if (need <= h->pend_cap)
        return true;
    size_t cap = h->pend_cap ? h->pend_cap : 4096;
    while (cap < need)
        cap *= 2;
    if (cap > ctx->lim.max_pending)
        cap = ctx->lim.max_pending;
    uint8_t *nb = realloc(h->pend, cap);
    if (!nb)
        return false;
    buffered_add(ctx, cap - h->pend_cap);
    h->pend = nb;
    h->pend_cap = cap;
    return true;
}

static void deliver_data(cap_tcp_ctx *ctx, conn *c, int d, const uint8_t *p, size_t n)
{
    half *h = &c->h[d];
    uint64_t off = h->next;
    h->next += n;
    h->st.bytes += n;
    if (h->done || n == 0)
        return;
    const uint8_t *data = p;
    size_t len = n;
    if (h->pend_len > 0) { /* the consumer asked to see its unconsumed tail again, joined */
        if (!pend_reserve(ctx, h, h->pend_len + n)) {
            deliver_end(ctx, c, d, CAP_TCP_END_PENDING_LIMIT);
            return;
        }
        memcpy(h->pend + h->pend_len, p, n);
        data = h->pend;
        len = h->pend_len + n;
        off = h->pend_off;
    }
    cap_tcp_chunk ch = {.kind = CAP_TCP_DATA,
                        .dir = d,
                        .data = data,
                        .len = len,
                        .offset = off,
                        .where = &ctx->last_where};
    if (call_chunk(c, &ch)) {
        half_finish(ctx, h);
        return;
    }
    size_t rest = ch.len, used = len - rest;
    if (rest == 0) {
        h->pend_len = 0;
        return;
    }
    if (data == h->pend) {
        memmove(h->pend, h->pend + used, rest);
    } else {
        if (!pend_reserve(ctx, h, rest)) {
            deliver_end(ctx, c, d, CAP_TCP_END_PENDING_LIMIT);
            return;
        }
        memcpy(h->pend, data + used, rest);
    }
    h->pend_len = rest;
    h->pend_off = off + used;
}

static void deliver_gap(cap_tcp_ctx *ctx, conn *c, int d, uint64_t len, bool forced)
{
    half *h = &c->h[d];
    uint64_t off = h->next;
    h->next += len;
    h->hole_known = false;
    h->st.gaps++;
    h->st.gap_bytes += len;
    if (forced) {
        h->st.forced_gaps++;
        ctx->st.forced_gaps++;
    }
    if (h->done)
        return;
    h->pend_len = 0;
    cap_tcp_chunk ch = {.kind = CAP_TCP_GAP,
                        .dir = d,
                        .len = (size_t)len,
                        .offset = off,
                        .where = &ctx->last_where};
    if (call_chunk(c, &ch))
        half_finish(ctx, h);
}

static void check_fin(cap_tcp_ctx *ctx, conn *c, int d)
{
    half *h = &c->h[d];
    if (h->fin_seen && h->next >= h->fin_off && !ooo_first(h))
        deliver_end(ctx, c, d, CAP_TCP_END_FIN);
}

/* Deliver queued segments that the in-order point has reached. */
static void drain(cap_tcp_ctx *ctx, conn *c, int d)
{
    half *h = &c->h[d];
    while (ooo_first(h) && ooo_first(h)->off <= h->next) {
        seg *s = ooo_pop(h);
        h->ooo_count--;
        h->ooo_bytes -= s->len;
        buffered_sub(ctx, s->len);
        uint64_t end = s->off + s->len;
        if (end > h->next) {
            size_t skip = (size_t)(h->next - s->off);
            h->st.overlap_bytes += skip;
            deliver_data(ctx, c, d, seg_data(s) + skip, s->len - skip);
        } else {
            h->st.overlap_bytes += s->len;
        }
        free(s);
    }
    check_fin(ctx, c, d);
}

/* Declare the hole before the first queued segment missing and deliver what follows it. */
static void skip_first_hole(cap_tcp_ctx *ctx, conn *c, int d, bool forced)
{
    half *h = &c->h[d];
    if (!ooo_first(h))
        return;
    deliver_gap(ctx, c, d, ooo_first(h)->off - h->next, forced);
    drain(ctx, c, d);
}

/* ---- segment acceptance ---- */

static seg *seg_new(cap_tcp_ctx *ctx, uint64_t off, const uint8_t *p, size_t n)
{
    seg *s = seg_alloc(random_height(ctx), n);
    if (s) {
        s->off = off;
        s->len = (uint32_t)n;
        memcpy(seg_data(s), p, n);
    }
    return s;
}

/* Insert [off, off+n) into the queue, keeping only bytes not queued already. Each piece and
 * each queued segment it overlaps costs one O(log n) search. */
static void queue_insert(cap_tcp_ctx *ctx, half *h, uint64_t off, const uint8_t *p, size_t n)
{
    if (!h->ooo && !(h->ooo = seg_alloc(SL_LEVELS, 0)))
        return;
    uint64_t end = off + n;
    seg *upd[SL_LEVELS];
    while (off < end) {
        seg *q = ooo_find(h, off, upd);
        if (q && q->off <= off) { /* starts inside a queued segment */
            uint64_t qend = q->off + q->len;
            uint64_t dup = (qend < end ? qend : end) - off;
            h->st.overlap_bytes += dup;
            p += dup;
            off += dup;
            continue;
        }
        uint64_t stop = q && q->off < end ? q->off : end;
        size_t piece = stop - off < UINT32_MAX ? (size_t)(stop - off) : UINT32_MAX;
        seg *s = seg_new(ctx, off, p, piece);
        if (!s)
            return;
        ooo_link(upd, s);
        h->ooo_bytes += piece;
        h->ooo_count++;
        buffered_add(ctx, piece);
        p += piece;
        off += piece;
    }
}

static bool over_limits(const cap_tcp_ctx *ctx, const half *h, size_t n)
{
    return h->ooo_bytes + n > ctx->lim.max_ooo_bytes ||
           h->ooo_count + 1 > ctx->lim.max_ooo_segments ||
           ctx->st.buffered + n > ctx->lim.max_total_bytes;
}

static void accept_data(cap_tcp_ctx *ctx, conn *c, int d, int64_t off, const uint8_t *p, size_t n)
{
    half *h = &c->h[d];
    int64_t next = (int64_t)h->next;
    if (off + (int64_t)n <= next) {
        h->st.retransmits++;
        return;
    }
    if (off < next) {
        size_t dup = (size_t)(next - off);
        h->st.overlap_bytes += dup;
        p += dup;
        n -= dup;
        off = next;
    }
    if (off == next) {
        deliver_data(ctx, c, d, p, n);
        drain(ctx, c, d);
        return;
    }
    h->st.out_of_order++;
    if (h->hole_known) { /* the hole is the cut tail of a truncated packet: never coming */
        deliver_gap(ctx, c, d, (uint64_t)(off - next), false);
        accept_data(ctx, c, d, off, p, n);
        return;
    }
    while (over_limits(ctx, h, n)) {
        if (h->done)
            return;
        if (!ooo_first(h)) { /* even alone it does not fit: give up on the hole now */
            deliver_gap(ctx, c, d, (uint64_t)(off - (int64_t)h->next), true);
            deliver_data(ctx, c, d, p, n);
            drain(ctx, c, d);
            return;
        }
        skip_first_hole(ctx, c, d, true);
        if (off <= (int64_t)h->next) {
            accept_data(ctx, c, d, off, p, n);
            return;
        }
    }
    queue_insert(ctx, h, (uint64_t)off, p, n);
}

/* Stream offset of seq for direction h: the 32-bit distance from the next expected byte, taken
 * as signed, handles wrap-around. Negative means before the first byte we know of. */
static int64_t seq_offset(const half *h, uint32_t seq)
{
    uint32_t rel = seq - h->base;
    int32_t delta = (int32_t)(rel - (uint32_t)h->next);
    return (int64_t)h->next + delta;
}

/* The peer acknowledged bytes we never saw while later ones wait: those bytes are lost to us. */
static void ack_resolves_hole(cap_tcp_ctx *ctx, conn *c, int d, uint32_t ack)
{
    half *h = &c->h[d];
    if (!h->started || !ooo_first(h))
        return;
    int64_t acked = seq_offset(h, ack);
    while (ooo_first(h) && acked > (int64_t)h->next) {
        uint64_t hole_end = ooo_first(h)->off;
        if ((uint64_t)acked < hole_end) {
            deliver_gap(ctx, c, d, (uint64_t)acked - h->next, false);
            return;
        }
        skip_first_hole(ctx, c, d, false);
    }
}

static void half_segment(cap_tcp_ctx *ctx, conn *c, int d, const cap_pkt *p)
{
    half *h = &c->h[d];
    bool syn = p->tcp_flags & CAP_TCP_SYN;
    uint32_t seq = p->tcp_seq + (syn ? 1u : 0u); /* the SYN takes one sequence number */
    if (!h->started) {
        h->started = true;
        h->base = seq;
    }
    if (h->done) /* the consumer has all it wants: no buffering, no delivery */
        return;
    int64_t off = seq_offset(h, seq);
    if (p->payload_len > 0) {
        h->st.segments++;
        accept_data(ctx, c, d, off, p->payload, p->payload_len);
        if (p->truncated && h->next == (uint64_t)(off + (int64_t)p->payload_len))
            h->hole_known = true;
    }
    if ((p->tcp_flags & CAP_TCP_FIN) && !h->fin_seen) {
        h->fin_seen = true;
        int64_t fin = off + (int64_t)p->payload_len;
        h->fin_off = fin > 0 ? (uint64_t)fin : 0;
        check_fin(ctx, c, d);
    }
}

/* ---- connection life ---- */

static void conn_free(cap_tcp_ctx *ctx, conn *c)
{
    half_drop_buffers(ctx, &c->h[0]);
    half_drop_buffers(ctx, &c->h[1]);
    free(c);
}

static void release(cap_tcp_ctx *ctx, conn *c, cap_tcp_end_reason why)
{
    if (c->released)
        return;
    c->released = true;
    cap_tcp_conn_stats st = {.end = why};
    st.dir[0] = c->h[0].st;
    st.dir[1] = c->h[1].st;
    if (c->cons.on_close)
        c->cons.on_close(c->cons.user, &st);
    half_drop_buffers(ctx, &c->h[0]);
    half_drop_buffers(ctx, &c->h[1]);
    ctx->st.active--;
}

static void release_if_done(cap_tcp_ctx *ctx, conn *c, cap_tcp_end_reason why)
{
    if (c->h[0].done && c->h[1].done)
        release(ctx, c, why);
}

/* Deliver everything still buffered (holes become gaps), then END both directions. */
static void close_conn(cap_tcp_ctx *ctx, conn *c, cap_tcp_end_reason why)
{
    for (int d = 0; d < 2; d++) {
        half *h = &c->h[d];
        while (ooo_first(h) && !h->done)
            skip_first_hole(ctx, c, d, false);
        deliver_end(ctx, c, d, why);
    }
    release(ctx, c, why);
}

static void conn_drop(cap_tcp_ctx *ctx, conn *c, cap_tcp_end_reason why)
{
    close_conn(ctx, c, why);
    table_remove(ctx, c);
    conn_free(ctx, c);
}

static void expire_idle(cap_tcp_ctx *ctx)
{
    while (ctx->oldest) {
        conn *c = ctx->oldest;
        uint32_t limit = c->finished ? ctx->lim.closed_linger : ctx->lim.idle_timeout;
        if (ctx->now - c->last_ts <= (int64_t)limit)
            return;
        if (!c->released)
            ctx->st.conns_expired++;
        conn_drop(ctx, c, CAP_TCP_END_IDLE);
    }
}

static void make_room(cap_tcp_ctx *ctx)
{
    while (ctx->count >= ctx->lim.max_conns && ctx->oldest) {
        conn *c = ctx->oldest;
        if (!c->released)
            ctx->st.conns_evicted++;
        conn_drop(ctx, c, CAP_TCP_END_EVICTED);
    }
}

static void guess_roles(const cap_pkt *p, cap_tcp_conn_info *ci)
{
    bool src_is_client;
    if (p->tcp_flags & CAP_TCP_SYN) {
        src_is_client = !(p->tcp_flags & CAP_TCP_ACK);
        ci->roles_from_syn = true;
    } else {
        src_is_client = p->sport != p->dport ? p->sport > p->dport : true;
    }
    ci->client = src_is_client ? p->src : p->dst;
    ci->cport = src_is_client ? p->sport : p->dport;
    ci->server = src_is_client ? p->dst : p->src;
    ci->sport = src_is_client ? p->dport : p->sport;
}

static conn *conn_open(cap_tcp_ctx *ctx, const cap_pkt *p, uint64_t hash)
{
    cap_tcp_conn_info ci = {.first = p->where};
    guess_roles(p, &ci);
    cap_tcp_consumer cons = {0};
    if (!ctx->cb.on_open || !ctx->cb.on_open(ctx->cb.user, &ci, &cons) || !cons.on_chunk) {
        ctx->st.unwanted++;
        return NULL;
    }
    if (cons.swap_roles) {
        cap_addr a = ci.client;
        uint16_t port = ci.cport;
        ci.client = ci.server;
        ci.cport = ci.sport;
        ci.server = a;
        ci.sport = port;
    }
    make_room(ctx);
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        cap_tcp_conn_stats st = {.end = CAP_TCP_END_EVICTED};
        if (cons.on_close)
            cons.on_close(cons.user, &st);
        return NULL;
    }
    c->hash = hash;
    c->info = ci;
    c->cons = cons;
    for (int d = 0; d < 2; d++)
        c->h[d].done = c->h[d].ended = !(cons.dirs & CAP_TCP_DIR_BIT(d));
    if (ctx->count >= ctx->nbuckets)
        table_grow(ctx);
    size_t b = hash & (ctx->nbuckets - 1);
    c->hnext = ctx->buckets[b];
    ctx->buckets[b] = c;
    list_push_newest(ctx, c);
    port_add(ctx, c);
    ctx->count++;
    ctx->st.conns_opened++;
    if (++ctx->st.active > ctx->st.peak_active)
        ctx->st.peak_active = ctx->st.active;
    return c;
}

/* A SYN with a new ISN on a known 4-tuple starts a new connection. */
static bool is_new_syn(const conn *c, int d, const cap_pkt *p)
{
    if (!(p->tcp_flags & CAP_TCP_SYN) || (p->tcp_flags & CAP_TCP_ACK) || d != CAP_TCP_C2S)
        return false;
    const half *h = &c->h[d];
    return c->finished || (h->started && h->base != p->tcp_seq + 1u);
}

static void conn_packet(cap_tcp_ctx *ctx, conn *c, int d, const cap_pkt *p)
{
    c->last_ts = p->where.ts_sec;
    list_unlink(ctx, c);
    list_push_newest(ctx, c);
    if (p->tcp_flags & CAP_TCP_FIN)
        c->fin_dirs |= (uint8_t)CAP_TCP_DIR_BIT(d);
    if (c->fin_dirs == 3)
        c->finished = true;
    if (c->released) {
        if (p->tcp_flags & CAP_TCP_RST)
            c->finished = true;
        return;
    }
    if ((p->tcp_flags & CAP_TCP_ACK) && !(p->tcp_flags & CAP_TCP_RST))
        ack_resolves_hole(ctx, c, !d, p->tcp_ack);
    half_segment(ctx, c, d, p);
    if (p->tcp_flags & CAP_TCP_RST) {
        close_conn(ctx, c, CAP_TCP_END_RST);
        c->finished = true;
        return;
    }
    release_if_done(ctx, c, c->finished ? CAP_TCP_END_FIN : CAP_TCP_END_DONE);
}

void cap_tcp_packet(cap_tcp_ctx *ctx, const cap_pkt *p)
{
    if (p->ip_proto != 6)
        return;
    ctx->st.packets++;
    ctx->last_where = p->where;
    if (p->where.ts_sec > ctx->now)
        ctx->now = p->where.ts_sec;
    expire_idle(ctx);
    int d = 0;
    conn *c;
    if (!port_find(ctx, p, &c, &d))
        c = table_find(ctx, p, tuple_hash(ctx, &p->src, p->sport, &p->dst, p->dport), &d);
    if (c && is_new_syn(c, d, p)) {
        conn_drop(ctx, c, CAP_TCP_END_REUSED);
        c = NULL;
    }
    if (!c) {
        bool opens = (p->tcp_flags & CAP_TCP_SYN) || p->payload_len > 0;
        if (!opens || (p->tcp_flags & CAP_TCP_RST))
            return;
        c = conn_open(ctx, p, tuple_hash(ctx, &p->src, p->sport, &p->dst, p->dport));
        if (!c)
            return;
        d = conn_dir(c, p);
    }
    conn_packet(ctx, c, d, p);
}

void cap_tcp_flush(cap_tcp_ctx *ctx)
{
    while (ctx->oldest)
        conn_drop(ctx, ctx->oldest, CAP_TCP_END_FLUSH);
}

void cap_tcp_get_stats(const cap_tcp_ctx *ctx, cap_tcp_stats *out)
{
    *out = ctx->st;
}

cap_tcp_ctx *cap_tcp_new(const cap_tcp_limits *lim, const cap_tcp_callbacks *cb)
{
    cap_tcp_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (lim)
        ctx->lim = *lim;
    else
        cap_tcp_limits_default(&ctx->lim);
    if (ctx->lim.max_conns == 0)
        ctx->lim.max_conns = 1;
    if (cb)
        ctx->cb = *cb;
    ctx->key = cap_hkey_run();
    ctx->rng = cap_khash(&ctx->key, &ctx, sizeof ctx) | 1; /* xorshift needs a non-zero state */
    ctx->nbuckets = 1024;
    ctx->buckets = calloc(ctx->nbuckets, sizeof *ctx->buckets);
    if (!ctx->buckets || !cap_port_index_init(&ctx->ports)) {
        free(ctx->buckets);
        free(ctx);
        return NULL;
    }
    return ctx;
}

void cap_tcp_free(cap_tcp_ctx *ctx)
{
    if (!ctx)
        return;
    cap_tcp_flush(ctx);
    free(ctx->buckets);
    cap_port_index_free(&ctx->ports);
    free(ctx);
}
