/* TCP reassembly: turns the TCP packets of one input into per-connection, per-direction in-order
 * byte streams for protocol consumers (TLS certificates, HTTP downloads).
 *
 * Model (like Suricata's stream engine + app-layer contract):
 *  - cap_tcp_packet() is fed every TCP cap_pkt of one input in capture order.
 *  - The first packet of an unknown 4-tuple (SYN, or any packet with payload) asks the on_open
 *    callback whether the connection is wanted; if so, on_open fills a cap_tcp_consumer.
 *  - Each wanted direction is delivered to consumer.on_chunk in stream order as DATA chunks,
 *    GAP chunks (bytes that were never captured) and one final END chunk.
 *  - The consumer answers with a cap_tcp_verdict: how many bytes it consumed (the rest is handed
 *    back, prefixed to the next DATA chunk) or that it is done with that direction. Once every
 *    wanted direction is done, the connection costs one hash lookup per packet until it closes.
 *  - consumer.on_close is the last call for a connection: the consumer frees its state there.
 *
 * No globals: one cap_tcp_ctx per input; several contexts may run in parallel threads.
 * Callbacks must not call back into the same cap_tcp_ctx.
 *
 * Typical wiring (tls_certs.h and http.h provide ready consumers):
 *
 *     static bool on_open(void *u, const cap_tcp_conn_info *c, cap_tcp_consumer *out) {
 *         struct app *a = u;
 *         return cap_http_attach(a->http, c, out) || cap_tls_attach(a->tls, c, out);
 *     }
 *     cap_tcp_callbacks cb = {app, on_open};
 *     cap_tcp_ctx *tcp = cap_tcp_new(NULL, &cb);
 *     ... for each decoded packet: if (pkt.ip_proto == 6) cap_tcp_packet(tcp, &pkt);
 *     cap_tcp_free(tcp); // flushes: pending data, END chunks, on_close, final events
 */
#ifndef CAP_TCP_STREAM_H
#define CAP_TCP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/pkt.h"

typedef enum cap_tcp_dir {
    CAP_TCP_C2S = 0, /* client -> server */
    CAP_TCP_S2C = 1, /* server -> client */
} cap_tcp_dir;

#define CAP_TCP_DIR_BIT(d) (1u << (unsigned)(d))

/* Why a direction ended (END chunk) or a connection was closed. */
#define CAP_TCP_END_MAP(X)                                                                         \
    X(FIN, "fin")                                                                                  \
    X(RST, "reset")                                                                                \
    X(IDLE, "idle timeout")                                                                        \
    X(EVICTED, "evicted: connection limit")                                                        \
    X(PENDING_LIMIT, "unconsumed data over limit")                                                 \
    X(REUSED, "4-tuple reused by a new SYN")                                                       \
    X(FLUSH, "end of input")                                                                       \
    X(DONE, "consumer done")

typedef enum {
#define CAP_TCP_END_ENUM(name, text) CAP_TCP_END_##name,
    CAP_TCP_END_MAP(CAP_TCP_END_ENUM)
#undef CAP_TCP_END_ENUM
} cap_tcp_end_reason;

const char *cap_tcp_end_name(cap_tcp_end_reason r);

/* The two endpoints of a connection. Roles come from the SYN when it was captured, otherwise the
 * lower port is taken as the server (the consumer may swap them in on_open). */
typedef struct cap_tcp_conn_info {
    cap_addr client, server;
    uint16_t cport, sport;
    bool roles_from_syn;
    cap_where first; /* first packet of the connection seen */
} cap_tcp_conn_info;

typedef enum cap_tcp_chunk_kind {
    CAP_TCP_DATA, /* data[0..len) at stream offset `offset` */
    CAP_TCP_GAP,  /* len bytes from `offset` were never captured; unconsumed bytes are dropped */
    CAP_TCP_END,  /* the direction ended (`end` says why); last chunk of the direction */
} cap_tcp_chunk_kind;

typedef struct cap_tcp_chunk {
    cap_tcp_chunk_kind kind;
    cap_tcp_dir dir;
    const uint8_t *data; /* DATA only; borrowed for the duration of the call */
    size_t len;
    /* Stream offset of data[0] or of the first missing byte: 0 is the byte after the SYN, or the
     * first byte captured when the SYN was not. 64-bit, so sequence wrap-around is invisible. */
    uint64_t offset;
    cap_tcp_end_reason end; /* END only */
    const cap_where *where; /* the packet whose arrival made this chunk deliverable */
} cap_tcp_chunk;

/* Consumer answer. consumed < len keeps data[consumed..len) for the next DATA chunk (bounded by
 * cap_tcp_limits.max_pending). done stops delivery of this direction for good. */
typedef struct cap_tcp_verdict {
    size_t consumed;
    bool done;
} cap_tcp_verdict;

static inline cap_tcp_verdict cap_tcp_consumed(size_t n)
{
    cap_tcp_verdict v = {n, false};
    return v;
}
static inline cap_tcp_verdict cap_tcp_done(void)
{
    cap_tcp_verdict v = {0, true};
    return v;
}

typedef struct cap_tcp_dir_stats {
    uint64_t segments;      /* segments with payload */
    uint64_t bytes;         /* bytes delivered in order (DATA) */
    uint64_t retransmits;   /* segments whose bytes were all seen before: dropped */
    uint64_t overlap_bytes; /* bytes of partly new segments that were seen before: dropped */
    uint64_t out_of_order;  /* segments that arrived ahead of a hole and were buffered */
    uint64_t gaps, gap_bytes;
    uint64_t forced_gaps; /* gaps declared because a buffer limit was hit (bytes may come later) */
} cap_tcp_dir_stats;

typedef struct cap_tcp_conn_stats {
    cap_tcp_dir_stats dir[2]; /* indexed by cap_tcp_dir */
    cap_tcp_end_reason end;   /* why the connection was closed */
} cap_tcp_conn_stats;

typedef struct cap_tcp_consumer {
    void *user;      /* per-connection consumer state */
    unsigned dirs;   /* CAP_TCP_DIR_BIT() of each direction to deliver */
    bool swap_roles; /* set in on_open when conn_info's client/server guess is wrong */
    cap_tcp_verdict (*on_chunk)(void *user, const cap_tcp_chunk *c);
    /* Last call for this connection (may be NULL). Also reached when all directions are done. */
    void (*on_close)(void *user, const cap_tcp_conn_stats *st);
} cap_tcp_consumer;

typedef struct cap_tcp_callbacks {
    void *user;
    /* A new connection: return true and fill *out to follow it. Returning false costs nothing to
     * remember; it is asked again at the next packet of that 4-tuple. */
    bool (*on_open)(void *user, const cap_tcp_conn_info *conn, cap_tcp_consumer *out);
} cap_tcp_callbacks;

typedef struct cap_tcp_limits {
    size_t max_conns;        /* connections tracked at once; the least recently active is evicted */
    size_t max_ooo_bytes;    /* out-of-order bytes buffered per direction */
    size_t max_ooo_segments; /* out-of-order segments buffered per direction */
    size_t max_total_bytes;  /* all buffered bytes of the context (out-of-order + pending) */
    size_t max_pending;      /* unconsumed bytes kept for a consumer per direction */
    uint32_t idle_timeout;   /* seconds of capture time without a packet */
    uint32_t closed_linger;  /* seconds a finished connection is remembered to absorb stragglers */
} cap_tcp_limits;

void cap_tcp_limits_default(cap_tcp_limits *lim);

typedef struct cap_tcp_stats {
    uint64_t packets;      /* TCP packets given to cap_tcp_packet */
    uint64_t unwanted;     /* packets of connections on_open declined */
    uint64_t conns_opened; /* connections a consumer followed */
    uint64_t conns_expired, conns_evicted;
    uint64_t forced_gaps; /* gaps forced by a buffer limit, all connections */
    uint64_t pending_overflows;
    size_t active, peak_active;
    size_t buffered, peak_buffered; /* bytes */
} cap_tcp_stats;

typedef struct cap_tcp_ctx cap_tcp_ctx;

/* lim NULL = defaults. Returns NULL when out of memory. */
cap_tcp_ctx *cap_tcp_new(const cap_tcp_limits *lim, const cap_tcp_callbacks *cb);
/* Feed one packet (ip_proto other than 6 is ignored). Capture time drives idle expiry. */
void cap_tcp_packet(cap_tcp_ctx *ctx, const cap_pkt *pkt);
/* End of input: deliver what is buffered (holes become gaps), END(FLUSH), on_close, for every
 * connection. The context stays usable. */
void cap_tcp_flush(cap_tcp_ctx *ctx);
void cap_tcp_get_stats(const cap_tcp_ctx *ctx, cap_tcp_stats *out);
/* Flushes, then frees. NULL is fine. */
void cap_tcp_free(cap_tcp_ctx *ctx);

#endif
