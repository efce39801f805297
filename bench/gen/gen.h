/* gen-capture internals: PRNG, byte buffers, the pcap/Ethernet/IPv4 writer, the trust material
 * read from --trust-dir, and the traffic flows the scheduler in gen-capture.c interleaves.
 * Everything is deterministic for the same options and trust directory. */
#ifndef BENCH_GEN_H
#define BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- deterministic PRNG (splitmix64) ---- */
typedef struct rng {
    uint64_t s;
} rng;
uint64_t rng_next(rng *r);
uint32_t rng_below(rng *r, uint32_t n);               /* 0 .. n-1 (n > 0) */
uint32_t rng_range(rng *r, uint32_t lo, uint32_t hi); /* lo .. hi inclusive */
bool rng_per_mille(rng *r, unsigned per_mille);
void rng_fill(rng *r, uint8_t *p, size_t n);

/* ---- growable byte buffer (capacity is reused, so memory stays bounded per flow) ---- */
typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;
void bytes_put(bytes *b, const void *p, size_t n);
void bytes_u8(bytes *b, unsigned v);
void bytes_be16(bytes *b, unsigned v);
void bytes_be24(bytes *b, size_t v);
void bytes_be32(bytes *b, uint32_t v);
void bytes_str(bytes *b, const char *s); /* without the NUL */
void bytes_random(bytes *b, rng *r, size_t n);
void bytes_free(bytes *b);
__attribute__((noreturn)) void die(const char *msg, const char *arg);
void *xcalloc(size_t n, size_t size); /* dies when out of memory */

/* ---- capture writer: classic pcap, microseconds, Ethernet, IPv4 with checksums ---- */
typedef struct endpoint {
    uint8_t mac[6];
    uint32_t ip; /* host order */
    uint16_t port;
} endpoint;

typedef struct pcap_out {
    FILE *f;
    uint64_t bytes, packets;
    uint64_t first_us, last_us; /* times of the first and last packet written */
    uint16_t ip_id;
    uint8_t frame[14 + 20 + 60 + 65536];
} pcap_out;

void pcap_out_open(pcap_out *o, const char *path);
void pcap_out_close(pcap_out *o);
void pcap_out_udp(pcap_out *o, uint64_t t_us, const endpoint *src, const endpoint *dst,
                  const uint8_t *payload, size_t len);
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };
void pcap_out_tcp(pcap_out *o, uint64_t t_us, const endpoint *src, const endpoint *dst,
                  uint32_t seq, uint32_t ack, unsigned flags, const uint8_t *payload, size_t len);

/* ---- trust material from --trust-dir ---- */
typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

typedef struct phone_files {
    uint8_t mac[6];
    blob itl, ctl, cnf; /* ctl.p == NULL: the server answers "File not found" */
    blob enc;           /* SEP<MAC>.cnf.xml.enc.sgn; the reset profile asks for it when present */
} phone_files;

typedef struct material {
    phone_files *phones;
    size_t n_phones;
    blob chain_2445[4], chain_8443[4]; /* DER certificates, server's own first */
    size_t n_2445, n_8443;
} material;

void material_load(material *m, const char *dir);
/* The material after CallManager was regenerated (DIR/regen: ITL B and configs it signed). */
void material_load_regen(material *m, const char *dir);
void material_free(material *m);

/* ---- flows ---- */
typedef struct gen_cfg {
    unsigned phones;      /* phone population (booting in turn) */
    unsigned boots;       /* phones booting at the same time */
    unsigned calls;       /* concurrent RTP calls (two streams each) */
    unsigned http;        /* concurrent HTTP clients */
    unsigned loss;        /* per mille: TFTP DATA drops, TCP retransmissions */
    unsigned big_blksize; /* per mille of phones asking blksize 1428 */
    unsigned tvs;         /* per mille of boots that open a TLS session to 2445 */
    unsigned https;       /* per mille of boots that open a TLS session to 8443 */
    bool reset;           /* --profile reset: a cluster-wide reset seen at the TFTP servers */
    unsigned http6970;    /* reset: per mille of boots that fetch their files over HTTP 6970 */
} gen_cfg;

typedef struct gen_ctx {
    gen_cfg cfg;
    rng r;
    pcap_out out;
    material mat;
    material regen;   /* reset profile: the files node 0 serves once CallManager is regenerated */
    bool regenerated; /* reset profile: half the size written, node 0 serves ITL B */
    bool stopping;    /* size reached: finish what is in flight, start nothing new */
    uint32_t next_phone;
    uint32_t next_conv; /* makes ports and addresses of new conversations distinct */
} gen_ctx;

endpoint phone_endpoint(const gen_ctx *g, uint32_t phone);
endpoint cucm_endpoint(uint16_t port);
endpoint node_endpoint(unsigned node, uint16_t port); /* reset profile: TFTP/TVS node 0 or 1 */

typedef struct flow flow;
typedef bool (*flow_step)(gen_ctx *g, flow *f); /* emits packets; false when finished */

/* TFTP read of one file: RRQ, [OACK, ACK 0], DATA/ACK lock-step, or ERROR 1. */
typedef struct tftp_xfer {
    endpoint client, server; /* server: the node's ephemeral port (its TID) */
    endpoint listener;       /* the node's port 69 */
    char name[64];
    const blob *file; /* NULL: not found */
    uint16_t blksize;
    bool options; /* RRQ carries blksize (the server answers with an OACK) */
    int phase;
    uint32_t block, n_blocks;
    bool dropped; /* this DATA block was lost once: next is its retransmission */
} tftp_xfer;

/* A TCP conversation made of turns (bytes one side sends before the other answers). */
typedef struct tcp_conv {
    endpoint cli, srv;
    uint32_t seq[2]; /* next sequence number to send: [0] client, [1] server */
    int phase;
    int kind; /* TLS or HTTP: which builder fills the turns */
    int turn, n_exchanges;
    bool from_client;  /* direction of the current turn */
    bytes buf;         /* the current turn's bytes */
    bytes scratch;     /* builders' temporary (a handshake message before it is framed) */
    uint32_t turn_seq; /* sequence number of buf[0] */
    size_t sent;       /* of buf */
    unsigned since_ack;
    bool ack_pending, final_acked;
    size_t hole_off, hole_len; /* a segment held back (lost before the capture point) */
    bool has_hole;
    uint64_t retx_due;
    size_t dup_off, dup_len; /* a segment seen and later retransmitted */
    bool has_dup;
    const blob *chain;
    size_t chain_len;
    const char *sni;
    const blob *files[3]; /* CONV_HTTP6970: what the node answers per GET (NULL: 404) */
    char names[3][64];
} tcp_conv;

enum { CONV_TLS, CONV_HTTP, CONV_HTTP6970 };

/* Turn builders: fill c->buf and c->from_client for turn c->turn; false when the talk is over. */
bool tls_build_turn(gen_ctx *g, tcp_conv *c);
bool http_build_turn(gen_ctx *g, tcp_conv *c);
bool http6970_build_turn(gen_ctx *g, tcp_conv *c);

/* RTP stream: one direction of a call. */
typedef struct rtp_stream {
    endpoint src, dst;
    uint32_t ssrc, ts;
    uint16_t seq;
    uint64_t start_us, end_us;
    uint32_t n;
    bool leader; /* starts the next call when it ends */
} rtp_stream;

struct flow {
    uint64_t next_us;
    uint64_t id; /* tie-break: same-time flows run in creation order */
    flow_step step;
    int stage;     /* boot: which request; lanes: which conversation */
    unsigned opts; /* boot: which TLS sessions this boot opens */
    uint32_t phone;
    union {
        tftp_xfer tftp;
        rtp_stream rtp;
    } u;
    tcp_conv tcp; /* kept outside the union: its buffer is reused */
};

/* Scheduler hook (gen-capture.c): adds a flow that first runs at f->next_us. */
flow *flow_new(gen_ctx *g, flow_step step, uint64_t at_us);

void tftp_start(gen_ctx *g, tftp_xfer *x, const endpoint *client, unsigned node, const char *name,
                const blob *file, bool big_blksize);
bool tftp_step(gen_ctx *g, tftp_xfer *x, uint64_t *now); /* false when done */

void tcp_start(gen_ctx *g, tcp_conv *c, const endpoint *cli, const endpoint *srv, int kind);
bool tcp_step(gen_ctx *g, tcp_conv *c, uint64_t *now); /* false when done */

bool boot_step(gen_ctx *g, flow *f);
bool rtp_step(gen_ctx *g, flow *f);
bool http_step(gen_ctx *g, flow *f);
void rtp_start_call(gen_ctx *g, uint64_t at_us, uint64_t duration_us);

#endif
