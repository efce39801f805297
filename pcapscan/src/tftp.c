/* TFTP transfer tracker: requests, the server's transfer port, options, block reassembly with
 * wrap-around, duplicates and gaps. Per-packet work does not allocate except to grow a
 * transfer's buffers (amortised doubling). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cap/portindex.h"
#include "cap/keyhash.h"
#include "cap/tftp.h"
#include "sbd/rd.h"
#include "sbd/tftp.h"

enum { OP_RRQ = 1, OP_WRQ = 2, OP_DATA = 3, OP_ACK = 4, OP_ERROR = 5, OP_OACK = 6 };
enum { TFTP_PORT = 69, UDP = 17, MAX_NAME = 511 };
enum { MIN_BUCKETS = 64 };

typedef struct xfer {
    cap_tftp_transfer pub;
    struct xfer *hnext;         /* hash chain, keyed by client endpoint */
    uint64_t hash;              /* of the client endpoint */
    struct xfer *newer, *older; /* activity list: head = most recent */
    char *filename;
    uint8_t *buf; /* file bytes, block n at (n-1)*blksize */
    size_t buf_cap;
    uint8_t *have;     /* bit per block, index n-1 */
    size_t have_cap;   /* bytes */
    uint64_t last_len; /* length of the short last block */
    int64_t last_usec;
    bool keep_data, server_known;
    /* The client asked again after the server had answered: its first answer was lost on the
     * way, and a server that forks per request (tftpd-hpa) answers the new one from another
     * port. Either port may carry the file, the client picks the first to reach it. */
    bool reasked;
    sbd_tftp_wrap wrap;
} xfer;

struct cap_tftp {
    cap_tftp_limits lim;
    cap_tftp_callbacks cb;
    cap_tftp_stats st;
    cap_hkey key;
    xfer **buckets;       /* grown to keep chains short (load factor at most 1) */
    cap_port_index ports; /* live transfers per client port (portindex.h) */
    size_t nbuckets;      /* power of two */
    xfer *newest, *oldest;
    size_t live;
    uint64_t next_id;
    xfer *finishing; /* the transfer whose on_finished is running (for take_data) */
};

const char *cap_tftp_status_name(cap_tftp_status s)
{
    switch (s) {
#define CAP_TFTP_NAME(name, text)                                                                  \
    case CAP_TFTP_##name:                                                                          \
        return text;
        CAP_TFTP_STATUS_MAP(CAP_TFTP_NAME)
#undef CAP_TFTP_NAME
    }
    return "?";
}

cap_tftp *cap_tftp_new(const cap_tftp_limits *limits, const cap_tftp_callbacks *cb)
{
    cap_tftp *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (limits)
        t->lim = *limits;
    if (cb)
        t->cb = *cb;
    if (t->lim.max_transfers == 0)
        t->lim.max_transfers = 4096;
    if (t->lim.max_bytes == 0)
        t->lim.max_bytes = 64u << 20;
    if (t->lim.idle_timeout_usec <= 0)
        t->lim.idle_timeout_usec = 60 * 1000000LL;
    t->key = cap_hkey_run();
    t->nbuckets = MIN_BUCKETS;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets || !cap_port_index_init(&t->ports)) {
        free(t->buckets);
        free(t);
        return NULL;
    }
    return t;
}

/* ---- bookkeeping: hash by client endpoint + activity list ---- */

/* Keyed: the client endpoints come from the capture, and with a fixed hash a few thousand
 * chosen ones made every packet walk one chain of them all (a 369 KB .pcap.gz took 59 s). */
static uint64_t ep_hash(const cap_tftp *t, const cap_addr *a, uint16_t port)
{
    uint64_t w[3] = {(uint64_t)a->family | (uint64_t)port << 8, 0, 0};
    if (a->family == 6) {
        memcpy(&w[1], a->a, 16);
        return cap_khash_words(&t->key, w, 3);
    }
    uint32_t v4;
    memcpy(&v4, a->a, 4);
    w[0] |= (uint64_t)v4 << 24;
    return cap_khash_words(&t->key, w, 1);
}

static xfer **bucket_of(const cap_tftp *t, uint64_t hash)
{
    return &t->buckets[hash & (t->nbuckets - 1)];
}

static xfer *lookup(cap_tftp *t, const cap_addr *a, uint16_t port)
{
    if (!cap_port_used(&t->ports, port))
        return NULL;
    const xfer *one = cap_port_sole(&t->ports, port);
    if (one)
        return cap_addr_equal(&one->pub.client, a) ? (xfer *)one : NULL;
    uint64_t h = ep_hash(t, a, port);
    for (xfer *x = *bucket_of(t, h); x; x = x->hnext)
        if (x->hash == h && x->pub.client_port == port && cap_addr_equal(&x->pub.client, a))
            return x;
    return NULL;
}

/* Doubles the bucket array once there are as many transfers as buckets; on out of memory the
 * chains only get longer. */
static void table_grow(cap_tftp *t)
{
    if (t->live < t->nbuckets)
        return;
    size_t n = t->nbuckets * 2;
    xfer **nb = calloc(n, sizeof *nb);
    if (!nb)
        return;
    for (size_t i = 0; i < t->nbuckets; i++)
        for (xfer *x = t->buckets[i], *nx; x; x = nx) {
            nx = x->hnext;
            x->hnext = nb[x->hash & (n - 1)];
            nb[x->hash & (n - 1)] = x;
        }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

static void list_unlink(cap_tftp *t, xfer *x)
{
    if (x->newer)
        x->newer->older = x->older;
    else
        t->newest = x->older;
    if (x->older)
        x->older->newer = x->newer;
    else
        t->oldest = x->newer;
    x->newer = x->older = NULL;
}

static void list_push_newest(cap_tftp *t, xfer *x)
{
    x->older = t->newest;
    x->newer = NULL;
    if (t->newest)
        t->newest->newer = x;
    t->newest = x;
    if (!t->oldest)
        t->oldest = x;
}

static void touch(cap_tftp *t, xfer *x, const cap_pkt *p)
{
    x->pub.last = p->where;
    x->last_usec = p->where.ts_sec * 1000000LL + p->where.ts_usec;
    if (t->newest != x) {
        list_unlink(t, x);
        list_push_newest(t, x);
    }
}

static void xfer_free(xfer *x)
{
    free(x->filename);
    free(x->buf);
    free(x->have);
    free(x);
}

static bool have_block(const xfer *x, uint64_t n)
{
    return n >= 1 && n - 1 < (uint64_t)x->have_cap * 8 &&
           (x->have[(n - 1) >> 3] >> ((n - 1) & 7)) & 1;
}

/* ---- finishing ---- */

static void add_missing(cap_tftp_transfer *p, uint64_t first, uint64_t last)
{
    if (p->n_missing < CAP_TFTP_MAX_RANGES)
        p->missing[p->n_missing++] = (cap_tftp_range){first, last};
    else
        p->missing_more = true;
    p->missing_blocks += last - first + 1;
}

/* One more block of the walk: opens a missing run or closes the open one. */
static void walk_block(cap_tftp_transfer *p, uint64_t *run, uint64_t n, bool present)
{
    if (!present && !*run)
        *run = n;
    else if (present && *run) {
        add_missing(p, *run, n - 1);
        *run = 0;
    }
}

/* Gaps up to the last block, or up to what tsize (bounded by max_bytes) or the highest block
 * suggest. Blocks past the bitmap are all missing: one range, no per-block walk. */
static void compute_missing(xfer *x, size_t max_bytes)
{
    cap_tftp_transfer *p = &x->pub;
    uint64_t upto = sbd_tftp_missing_upto(p->last_block, p->highest_block, p->tsize, p->blksize,
                                          max_bytes, &p->tail_missing);
    uint64_t known = (uint64_t)x->have_cap * 8;
    uint64_t scan = upto < known ? upto : known;
    uint64_t run = 0;
    /* A bitmap byte whose eight blocks agree (long runs present or missing, the usual case) is
     * taken at once; bit by bit, a sparse transfer of 8-byte blocks cost 131,072 steps per MiB. */
    for (uint64_t n = 1; n <= scan;) {
        uint8_t byte = x->have[(n - 1) >> 3];
        if (((n - 1) & 7) == 0 && n + 7 <= scan && (byte == 0 || byte == 0xFF)) {
            walk_block(p, &run, n, byte != 0);
            n += 8;
            continue;
        }
        walk_block(p, &run, n, have_block(x, n));
        n++;
    }
    if (upto > scan && !run)
        run = scan + 1;
    if (run)
        add_missing(p, run, upto);
}

static void finish(cap_tftp *t, xfer *x, cap_tftp_status st)
{
    xfer **pp = bucket_of(t, x->hash);
    while (*pp != x)
        pp = &(*pp)->hnext;
    *pp = x->hnext;
    list_unlink(t, x);
    t->live--;
    cap_port_remove(&t->ports, x->pub.client_port, x);
    x->pub.complete = st == CAP_TFTP_COMPLETE;
    if (x->pub.complete)
        x->pub.len = (size_t)((x->pub.last_block - 1) * x->pub.blksize + x->last_len);
    else
        compute_missing(x, t->lim.max_bytes);
    x->pub.data = x->keep_data ? x->buf : NULL;
    t->st.finished++;
    t->st.by_status[st]++;
    if (t->cb.on_finished) {
        t->finishing = x;
        t->cb.on_finished(t->cb.user, &x->pub, st);
        t->finishing = NULL;
    }
    xfer_free(x);
}

uint8_t *cap_tftp_take_data(cap_tftp *trk, const cap_tftp_transfer *t, size_t *len)
{
    xfer *x = trk->finishing;
    if (!x || &x->pub != t || !x->buf || !x->keep_data) {
        *len = 0;
        return NULL;
    }
    uint8_t *b = x->buf;
    *len = x->pub.len;
    x->buf = NULL;
    x->pub.data = NULL;
    return b;
}

static void expire_idle(cap_tftp *t, int64_t now)
{
    while (t->oldest && now - t->oldest->last_usec > t->lim.idle_timeout_usec)
        finish(t, t->oldest, CAP_TFTP_IDLE);
}

void cap_tftp_finish(cap_tftp *t)
{
    while (t->oldest)
        finish(t, t->oldest, CAP_TFTP_INCOMPLETE);
}

void cap_tftp_free(cap_tftp *t)
{
    if (!t)
        return;
    while (t->oldest) {
        xfer *x = t->oldest;
        list_unlink(t, x);
        xfer_free(x);
    }
    free(t->buckets);
    cap_port_index_free(&t->ports);
    free(t);
}

const cap_tftp_stats *cap_tftp_get_stats(const cap_tftp *t)
{
    return &t->st;
}

/* ---- packet parsing helpers ---- */

/* A NUL-terminated string at r's position; false when the NUL is missing. */
static bool read_str(sbd_rd *r, const char **s, size_t *n)
{
    const uint8_t *start = r->buf + r->pos;
    const uint8_t *nul = memchr(start, 0, sbd_rd_left(r));
    if (!nul)
        return false;
    *s = (const char *)start;
    *n = (size_t)(nul - start);
    r->pos += *n + 1;
    return true;
}

static void copy_lower(char *dst, size_t dstsz, const char *src, size_t n)
{
    size_t k = n < dstsz - 1 ? n : dstsz - 1;
    for (size_t i = 0; i < k; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[k] = 0;
}

/* Applies one negotiated option (OACK, or tsize of a WRQ) by the rule the plugin follows too. */
static void apply_option(xfer *x, const char *name, size_t nlen, const char *value, size_t vlen)
{
    cap_tftp_transfer *p = &x->pub;
    sbd_tftp_opts o = {p->blksize, p->tsize, p->timeout, p->windowsize};
    sbd_tftp_apply_option(&o, name, nlen, value, vlen, p->blocks > 0);
    p->blksize = o.blksize;
    p->tsize = o.tsize;
    p->timeout = o.timeout;
    p->windowsize = o.windowsize;
}

/* Walks option pairs; each pair goes to req (when non-NULL) and/or is applied. */
static void parse_options(xfer *x, sbd_rd *r, bool store_req, bool apply)
{
    const char *name, *value;
    size_t nlen, vlen;
    while (sbd_rd_left(r) > 0 && read_str(r, &name, &nlen) && read_str(r, &value, &vlen)) {
        cap_tftp_option o = {{0}, {0}};
        copy_lower(o.name, sizeof o.name, name, nlen);
        copy_lower(o.value, sizeof o.value, value, vlen);
        if (store_req && x->pub.n_req_options < CAP_TFTP_MAX_OPTIONS)
            x->pub.req_options[x->pub.n_req_options++] = o;
        if (apply)
            apply_option(x, name, nlen, value, vlen);
    }
}

/* ---- requests ---- */

static xfer *new_transfer(cap_tftp *t, const cap_pkt *p, uint8_t op, const char *name, size_t nlen)
{
    xfer *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    size_t k = nlen > MAX_NAME ? MAX_NAME : nlen;
    x->filename = malloc(k + 1);
    if (!x->filename) {
        free(x);
        return NULL;
    }
    memcpy(x->filename, name, k);
    x->filename[k] = 0;
    cap_tftp_transfer *pub = &x->pub;
    pub->id = ++t->next_id;
    pub->opcode = op;
    pub->filename = x->filename;
    pub->client = p->src;
    pub->client_port = p->sport;
    pub->server = p->dst;
    pub->first = pub->last = pub->last_sent = p->where;
    pub->blksize = 512;
    pub->tsize = -1;
    x->last_usec = p->where.ts_sec * 1000000LL + p->where.ts_usec;
    return x;
}

static void insert(cap_tftp *t, xfer *x)
{
    if (t->live >= t->lim.max_transfers && t->oldest)
        finish(t, t->oldest, CAP_TFTP_EVICTED);
    table_grow(t);
    x->hash = ep_hash(t, &x->pub.client, x->pub.client_port);
    xfer **b = bucket_of(t, x->hash);
    x->hnext = *b;
    *b = x;
    list_push_newest(t, x);
    t->live++;
    cap_port_add(&t->ports, x->pub.client_port, x);
    t->st.requests++;
    x->keep_data = t->cb.on_request ? t->cb.on_request(t->cb.user, &x->pub) : true;
}

static void request(cap_tftp *t, const cap_pkt *p, uint8_t op)
{
    sbd_rd r = sbd_rd_make(p->payload, p->payload_len);
    const char *name, *mode;
    size_t nlen, mlen;
    r.pos = 2;
    if (!read_str(&r, &name, &nlen) || !read_str(&r, &mode, &mlen)) {
        t->st.stray_packets++;
        return;
    }
    xfer *old = lookup(t, &p->src, p->sport);
    if (old) {
        bool same = old->pub.opcode == op && cap_addr_equal(&old->pub.server, &p->dst) &&
                    strlen(old->filename) == (nlen > MAX_NAME ? MAX_NAME : nlen) &&
                    memcmp(old->filename, name, strlen(old->filename)) == 0;
        if (same) { /* the client asked again: one read (the plugin counts it so too) */
            old->pub.dup_requests++;
            old->reasked = old->reasked || old->server_known;
            touch(t, old, p);
            return;
        }
        finish(t, old, CAP_TFTP_ABANDONED);
    }
    xfer *x = new_transfer(t, p, op, name, nlen);
    if (!x)
        return;
    copy_lower(x->pub.mode, sizeof x->pub.mode, mode, mlen);
    parse_options(x, &r, true, false);
    for (unsigned i = 0; op == OP_WRQ && i < x->pub.n_req_options; i++)
        if (strcmp(x->pub.req_options[i].name, "tsize") == 0)
            apply_option(x, "tsize", 5, x->pub.req_options[i].value,
                         strlen(x->pub.req_options[i].value));
    insert(t, x);
}

/* ---- DATA blocks ---- */

/* FIRST: the first allocation. A phone's file is a few blocks, so the block bitmap starts
 * small: clearing 4 kB of bitmap per transfer was most of a reset capture's TFTP cost. ZERO:
 * clear the new bytes (the bitmap); the file buffer is not cleared here, data_block zeroes only
 * the gaps it leaves below the end (clearing every grown buffer was 8% of a reset scan). */
static bool grow(uint8_t **p, size_t *cap, size_t need, size_t limit, size_t first, bool zero)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : first;
    while (nc < need && nc < limit)
        nc = nc > limit / 2 ? limit : nc * 2;
    if (nc < need) /* need is above limit */
        return false;
    uint8_t *nb = realloc(*p, nc);
    if (!nb)
        return false;
    if (zero)
        memset(nb + *cap, 0, nc - *cap);
    *p = nb;
    *cap = nc;
    return true;
}

/* A block seen before: same bytes (retransmission or capture duplicate) or a conflict. */
static void repeated_block(xfer *x, uint64_t n, const uint8_t *d, size_t len)
{
    cap_tftp_transfer *p = &x->pub;
    bool is_last = n == p->last_block;
    size_t want = is_last ? (size_t)x->last_len : p->blksize;
    bool same = len == want;
    if (same && x->keep_data && len > 0)
        same = memcmp(x->buf + (n - 1) * p->blksize, d, len) == 0;
    if (same)
        p->dup_blocks++;
    else
        p->conflict_blocks++;
}

/* Returns true when the transfer just became complete. Sets *too_big on the size limit. */
static bool data_block(cap_tftp *t, xfer *x, const cap_pkt *p, bool *too_big)
{
    cap_tftp_transfer *pub = &x->pub;
    if (p->truncated || p->payload_len < 4) {
        pub->bad_packets++;
        return false;
    }
    size_t len = p->payload_len - 4;
    const uint8_t *d = p->payload + 4;
    uint32_t bs_before = pub->blksize;
    uint64_t n =
        sbd_tftp_admit_block(&x->wrap, &pub->blksize, !pub->oack && pub->blocks == 0,
                             pub->highest_block, pub->last_block, sbd_be16(p->payload + 2), len);
    pub->wrap_to_one = sbd_tftp_wraps_to_one(&x->wrap);
    pub->blksize_inferred = pub->blksize_inferred || pub->blksize != bs_before;
    if (n == 0) {
        pub->bad_packets++;
        return false;
    }
    if (have_block(x, n)) {
        repeated_block(x, n, d, len);
        return false;
    }
    uint64_t off = (n - 1) * pub->blksize;
    if (off + len > t->lim.max_bytes) {
        *too_big = true;
        return false;
    }
    if (!grow(&x->have, &x->have_cap, (size_t)(n + 7) / 8, t->lim.max_bytes / 8 + 8192, 64, true) ||
        (x->keep_data &&
         !grow(&x->buf, &x->buf_cap, (size_t)(off + len), t->lim.max_bytes, 4096, false))) {
        *too_big = true;
        return false;
    }
    x->have[(n - 1) >> 3] |= (uint8_t)(1u << ((n - 1) & 7));
    /* Bytes below pub->len are blocks or zeros (a gap reads as zeros in a partial file). buf
     * holds off + len bytes, so it exists when off > 0; a zero-length first block leaves it NULL.
     */
    if (x->keep_data && off > pub->len)
        memset(x->buf + pub->len, 0, (size_t)off - pub->len);
    if (x->keep_data && len > 0)
        memcpy(x->buf + off, d, len);
    if (n < pub->highest_block)
        pub->out_of_order++;
    else
        pub->highest_block = n;
    pub->blocks++;
    if (off + len > pub->len)
        pub->len = (size_t)(off + len);
    if (len < pub->blksize) {
        pub->last_block = n;
        x->last_len = len;
    }
    return pub->last_block && pub->blocks == pub->last_block;
}

/* ---- dispatch ---- */

static void error_packet(xfer *x, const cap_pkt *p, bool from_client)
{
    sbd_rd r = sbd_rd_make(p->payload, p->payload_len);
    uint16_t code = 0;
    r.pos = 2;
    sbd_rd_be16(&r, &code);
    size_t n = sbd_rd_left(&r);
    const uint8_t *msg = r.buf + r.pos;
    const uint8_t *nul = memchr(msg, 0, n);
    if (nul)
        n = (size_t)(nul - msg);
    if (n >= sizeof x->pub.error_msg)
        n = sizeof x->pub.error_msg - 1;
    memcpy(x->pub.error_msg, msg, n);
    x->pub.error_msg[n] = 0;
    x->pub.error_code = code;
    x->pub.has_error = true;
    x->pub.error_from_client = from_client;
}

/* Is p (towards the client) from this transfer's server? Learns the server port from the first
 * answer that can open a transfer. */
static bool from_server_ok(xfer *x, const cap_pkt *p, uint16_t op)
{
    if (!cap_addr_equal(&x->pub.server, &p->src))
        return false;
    bool opens =
        op == OP_OACK || op == OP_ERROR || op == (x->pub.opcode == OP_RRQ ? OP_DATA : OP_ACK);
    if (x->server_known)
        return p->sport == x->pub.server_port || (x->reasked && opens);
    if (!opens)
        return false;
    x->server_known = true;
    x->pub.server_port = p->sport;
    return true;
}

/* Is p (from the client) to this transfer's server? After a repeated request the port the client
 * writes to is the server's that it took the file from. */
static bool from_client_ok(xfer *x, const cap_pkt *p)
{
    if (!x->server_known || !cap_addr_equal(&x->pub.server, &p->dst))
        return false;
    if (p->dport != x->pub.server_port && x->reasked && p->dport != TFTP_PORT)
        x->pub.server_port = p->dport;
    return p->dport == x->pub.server_port;
}

/* Runs one packet of a transfer; dir_data = this packet travels in the file's direction. */
static void transfer_packet(cap_tftp *t, xfer *x, const cap_pkt *p, uint16_t op, bool from_client)
{
    bool data_dir = from_client == (x->pub.opcode == OP_WRQ);
    touch(t, x, p);
    if (data_dir)
        x->pub.last_sent = p->where;
    if (op == OP_DATA && data_dir) {
        bool too_big = false;
        if (data_block(t, x, p, &too_big))
            finish(t, x, CAP_TFTP_COMPLETE);
        else if (too_big)
            finish(t, x, CAP_TFTP_TOO_LARGE);
    } else if (op == OP_OACK && !from_client) {
        sbd_rd r = sbd_rd_make(p->payload, p->payload_len);
        r.pos = 2;
        x->pub.oack = true;
        parse_options(x, &r, false, true);
    } else if (op == OP_ERROR) {
        error_packet(x, p, from_client);
        finish(t, x, CAP_TFTP_ERROR);
    } else if (op == OP_ACK && !data_dir && p->payload_len >= 4) {
        sbd_tftp_ack(&x->wrap, x->pub.highest_block, sbd_be16(p->payload + 2));
    } else {
        x->pub.bad_packets++;
    }
}

void cap_tftp_packet(cap_tftp *t, const cap_pkt *p)
{
    if (p->ip_proto != UDP)
        return;
    if (p->payload_len < 2 || p->payload[0] != 0) {
        /* Not TFTP; but a datagram to 69 or inside a transfer must not vanish uncounted. */
        xfer *x = lookup(t, &p->dst, p->dport);
        if (!x)
            x = lookup(t, &p->src, p->sport);
        if (x)
            x->pub.bad_packets++;
        else if (p->dport == TFTP_PORT)
            t->st.stray_packets++;
        return;
    }
    expire_idle(t, p->where.ts_sec * 1000000LL + p->where.ts_usec);
    uint16_t op = p->payload[1];
    if (p->dport == TFTP_PORT && (op == OP_RRQ || op == OP_WRQ)) {
        request(t, p, (uint8_t)op);
        return;
    }
    xfer *x = lookup(t, &p->dst, p->dport);
    if (x && from_server_ok(x, p, op)) {
        transfer_packet(t, x, p, op, false);
        return;
    }
    x = lookup(t, &p->src, p->sport);
    if (x && from_client_ok(x, p))
        transfer_packet(t, x, p, op, true);
    else if (p->dport == TFTP_PORT)
        t->st.stray_packets++;
}
