/* Test helpers for the TCP stream tests: build cap_pkt segments directly and record what a
 * consumer receives. Header-only, shared by test_cap_tcp*.c, test_cap_tls*.c, test_cap_http*.c. */
#ifndef CAP_TCP_TESTUTIL_H
#define CAP_TCP_TESTUTIL_H

#include <stdlib.h>
#include <string.h>

#include "cap/pkt.h"
#include "cap/tcp_stream.h"

/* One side of a synthetic connection: address, port and next sequence number. */
typedef struct tside {
    cap_addr addr;
    uint16_t port;
    uint32_t seq;
} tside;

static inline tside tside_v4(uint8_t last, uint16_t port, uint32_t isn)
{
    tside s = {{4, {10, 0, 0, last}}, port, isn};
    return s;
}

static inline tside tside_v6(uint8_t last, uint16_t port, uint32_t isn)
{
    tside s = {{6, {0x20, 0x01, 0x0d, 0xb8}}, port, isn};
    s.addr.a[15] = last;
    return s;
}

static uint64_t tpkt_no;

/* A segment from `from` to `to` with explicit seq (not advancing anything). */
static inline cap_pkt tseg_at(const tside *from, const tside *to, uint32_t seq, uint8_t flags,
                              const void *data, size_t len, int64_t ts)
{
    cap_pkt p;
    memset(&p, 0, sizeof p);
    p.where.capture = "synthetic";
    p.where.pkt_no = ++tpkt_no;
    p.where.ts_sec = ts;
    p.src = from->addr;
    p.dst = to->addr;
    p.ip_proto = 6;
    p.sport = from->port;
    p.dport = to->port;
    p.payload = data;
    p.payload_len = len;
    p.tcp_seq = seq;
    p.tcp_ack = to->seq;
    p.tcp_flags = flags;
    return p;
}

/* Send len bytes (or a SYN/FIN) from `from`, advancing its sequence number. */
static inline void tsend(cap_tcp_ctx *ctx, tside *from, const tside *to, uint8_t flags,
                         const void *data, size_t len, int64_t ts)
{
    cap_pkt p = tseg_at(from, to, from->seq, flags, data, len, ts);
    cap_tcp_packet(ctx, &p);
    from->seq += (uint32_t)len + ((flags & (CAP_TCP_SYN | CAP_TCP_FIN)) ? 1u : 0u);
}

static inline void thandshake(cap_tcp_ctx *ctx, tside *c, tside *s, int64_t ts)
{
    tsend(ctx, c, s, CAP_TCP_SYN, NULL, 0, ts);
    tsend(ctx, s, c, CAP_TCP_SYN | CAP_TCP_ACK, NULL, 0, ts);
    tsend(ctx, c, s, CAP_TCP_ACK, NULL, 0, ts);
}

/* Records everything a consumer is given. */
typedef struct trec_dir {
    uint8_t *data;
    size_t len, cap;
    uint64_t next_off; /* offset expected for the next chunk (checks continuity) */
    int offset_errors;
    int gaps;
    uint64_t gap_bytes, first_gap_off;
    int ends;
    cap_tcp_end_reason end;
    uint64_t last_pkt; /* packet number of the last DATA chunk */
} trec_dir;

typedef struct trec {
    trec_dir d[2];
    int closes;
    cap_tcp_conn_stats st;
    size_t consume_multiple; /* 0: consume all; else only whole multiples of this */
    size_t done_after;       /* 0: never; else say done once this many bytes arrived */
    cap_tcp_conn_info info;
} trec;

static inline void trec_append(trec_dir *d, const uint8_t *p, size_t n)
{
    if (d->len + n > d->cap) {
        d->cap = (d->len + n) * 2 + 64;
        d->data = realloc(d->data, d->cap);
    }
    memcpy(d->data + d->len, p, n);
    d->len += n;
}

static inline cap_tcp_verdict trec_chunk(void *user, const cap_tcp_chunk *c)
{
    trec *r = user;
    trec_dir *d = &r->d[c->dir];
    if (c->offset != d->next_off)
        d->offset_errors++;
    if (c->kind == CAP_TCP_GAP) {
        if (d->gaps++ == 0)
            d->first_gap_off = c->offset;
        d->gap_bytes += c->len;
        d->next_off = c->offset + c->len;
        return cap_tcp_consumed(0);
    }
    if (c->kind == CAP_TCP_END) {
        d->ends++;
        d->end = c->end;
        return cap_tcp_consumed(0);
    }
    size_t take = c->len;
    if (r->consume_multiple)
        take -= take % r->consume_multiple;
    trec_append(d, c->data, take);
    d->next_off = c->offset + take;
    d->last_pkt = c->where->pkt_no;
    if (r->done_after && d->len >= r->done_after)
        return cap_tcp_done();
    return cap_tcp_consumed(take);
}

static inline void trec_close(void *user, const cap_tcp_conn_stats *st)
{
    trec *r = user;
    r->closes++;
    r->st = *st;
}

static inline void trec_free(trec *r)
{
    free(r->d[0].data);
    free(r->d[1].data);
}

#endif
