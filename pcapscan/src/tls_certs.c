/* TLS server certificates: an incremental record + handshake parser per direction, fed by
 * cap_tcp. Only the messages we need are buffered (ServerHello, Certificate, ClientHello); others
 * are skipped byte by byte, so nothing is allocated from an unchecked length. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/portset.h"
#include "cap/tls_certs.h"
#include "sbd/rd.h"

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11, HS_SERVER_HELLO_DONE = 14 };
enum { EXT_SERVER_NAME = 0, EXT_SUPPORTED_VERSIONS = 43 };
enum { TLS_RECORD_MAX = 16384 + 2048, HELLO_MAX = 65536 };

struct cap_tls_ctx {
    cap_tls_limits lim;
    cap_tls_callbacks cb;
    cap_portset ports;
};

typedef struct tls_dir { /* parse state of one direction */
    bool stopped;
    uint64_t off; /* stream offset of the next byte */
    uint8_t rec_hdr[5];
    size_t rec_hdr_len;
    uint64_t rec_start;
    size_t rec_left; /* body bytes of the current record still to come */
    uint8_t hs_hdr[4];
    size_t hs_hdr_len;
    uint64_t hs_start;
    uint8_t hs_type;
    size_t hs_len, hs_got;
    bool hs_keep; /* this message is buffered in hs_buf */
    uint8_t *hs_buf;
} tls_dir;

typedef struct tls_session {
    const cap_tls_ctx *ctx;
    cap_tcp_conn_info conn;
    cap_tls_session pub;
    tls_dir d[2];
    const cap_where *where; /* packet of the chunk being parsed */
    bool saw_server_bytes;
    bool outcome_set;
    cap_tls_outcome outcome;
} tls_session;

static const char *const err_names[] = {
#define CAP_TLS_ERR_NAME(name, text) text,
    CAP_TLS_ERR_MAP(CAP_TLS_ERR_NAME)
#undef CAP_TLS_ERR_NAME
};
static const char *const outcome_names[] = {
#define CAP_TLS_OUTCOME_NAME(name, text) text,
    CAP_TLS_OUTCOME_MAP(CAP_TLS_OUTCOME_NAME)
#undef CAP_TLS_OUTCOME_NAME
};

const char *cap_tls_err_name(cap_tls_err_kind k)
{
    return (size_t)k < sizeof err_names / sizeof err_names[0] ? err_names[k] : "?";
}

const char *cap_tls_outcome_name(cap_tls_outcome o)
{
    return (size_t)o < sizeof outcome_names / sizeof outcome_names[0] ? outcome_names[o] : "?";
}

const char *cap_tls_version_name(uint16_t v, char *out, size_t outsz)
{
    if (v == 0x0300)
        snprintf(out, outsz, "SSL 3.0");
    else if (v >= 0x0301 && v <= 0x0304)
        snprintf(out, outsz, "TLS 1.%u", (unsigned)(v - 0x0301));
    else
        snprintf(out, outsz, "0x%04x", (unsigned)v);
    return out;
}

void cap_tls_limits_default(cap_tls_limits *lim)
{
    lim->max_cert_len = 64u << 10;
    lim->max_chain = 16;
    lim->max_handshake_len = 256u << 10;
}

/* ---- events ---- */

static void set_outcome(tls_session *s, cap_tls_outcome o)
{
    if (!s->outcome_set) {
        s->outcome_set = true;
        s->outcome = o;
    }
}

static void stop_dir(tls_session *s, int dir)
{
    tls_dir *d = &s->d[dir];
    d->stopped = true;
    free(d->hs_buf);
    d->hs_buf = NULL;
}

/* Report an error and stop parsing that direction. Client-side problems stay quiet: the SNI is a
 * bonus, not something to alarm anybody about. */
static void fail(tls_session *s, int dir, cap_tls_err_kind kind, uint64_t offset, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

static void fail(tls_session *s, int dir, cap_tls_err_kind kind, uint64_t offset, const char *fmt,
                 ...)
{
    stop_dir(s, dir);
    if (dir != CAP_TCP_S2C)
        return;
    set_outcome(s, CAP_TLS_ERROR);
    const cap_tls_callbacks *cb = &s->ctx->cb;
    if (!cb->on_error)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cap_tls_error e = {kind, (cap_tcp_dir)dir, offset, s->where, msg};
    cb->on_error(cb->user, &s->pub, &e);
}

/* ---- message parsers (whole message in buf) ---- */

static bool rd_u24(sbd_rd *r, uint32_t *v)
{
    uint8_t a, b, c;
    if (!sbd_rd_u8(r, &a) || !sbd_rd_u8(r, &b) || !sbd_rd_u8(r, &c))
        return false;
    *v = ((uint32_t)a << 16) | ((uint32_t)b << 8) | c;
    return true;
}

static bool is_tls13(uint16_t v)
{
    return v == 0x0304 || (v >> 8) == 0x7f; /* 0x7fXX: TLS 1.3 drafts */
}

/* Skip to the extensions block; false when the hello ends before it (allowed: no extensions). */
static bool hello_extensions(sbd_rd *r, sbd_rd *ext)
{
    uint16_t len;
    if (!sbd_rd_be16(r, &len))
        return false;
    *ext = *r;
    ext->end = r->pos + len;
    return sbd_rd_has(r, len);
}

static void parse_server_hello(tls_session *s, const uint8_t *buf, size_t len)
{
    sbd_rd r = sbd_rd_make(buf, len);
    uint16_t legacy, cipher;
    uint8_t sid_len, comp;
    if (!sbd_rd_be16(&r, &legacy) || !sbd_rd_skip(&r, 32) || !sbd_rd_u8(&r, &sid_len) ||
        sid_len > 32 || !sbd_rd_skip(&r, sid_len) || !sbd_rd_be16(&r, &cipher) ||
        !sbd_rd_u8(&r, &comp)) {
        fail(s, CAP_TCP_S2C, CAP_TLS_ERR_MALFORMED, s->d[CAP_TCP_S2C].hs_start,
             "ServerHello at stream offset %llu: truncated fixed fields",
             (unsigned long long)s->d[CAP_TCP_S2C].hs_start);
        return;
    }
    uint16_t version = legacy;
    sbd_rd ext;
    if (sbd_rd_left(&r) > 0) {
        if (!hello_extensions(&r, &ext)) {
            fail(s, CAP_TCP_S2C, CAP_TLS_ERR_MALFORMED, s->d[CAP_TCP_S2C].hs_start,
                 "ServerHello at stream offset %llu: extensions length past the message",
                 (unsigned long long)s->d[CAP_TCP_S2C].hs_start);
            return;
        }
        uint16_t type, elen, sel;
        while (sbd_rd_be16(&ext, &type) && sbd_rd_be16(&ext, &elen) && sbd_rd_has(&ext, elen)) {
            sbd_rd body = ext;
            body.end = ext.pos + elen;
            if (type == EXT_SUPPORTED_VERSIONS && elen == 2 && sbd_rd_be16(&body, &sel))
                version = sel;
            sbd_rd_skip(&ext, elen);
        }
    }
    s->pub.version = version;
    const cap_tls_callbacks *cb = &s->ctx->cb;
    if (cb->on_server_hello)
        cb->on_server_hello(cb->user, &s->pub, s->where);
    if (is_tls13(version)) {
        set_outcome(s, CAP_TLS_HIDDEN);
        if (cb->on_hidden)
            cb->on_hidden(cb->user, &s->pub, s->where);
        stop_dir(s, CAP_TCP_S2C);
    }
}

static void parse_certificate(tls_session *s, const uint8_t *buf, size_t len)
{
    const cap_tls_limits *lim = &s->ctx->lim;
    uint64_t at = s->d[CAP_TCP_S2C].hs_start;
    sbd_rd r = sbd_rd_make(buf, len);
    uint32_t list_len = 0; /* printed below even when the read fails */
    if (!rd_u24(&r, &list_len) || list_len != sbd_rd_left(&r)) {
        fail(s, CAP_TCP_S2C, CAP_TLS_ERR_MALFORMED, at,
             "Certificate at stream offset %llu: list length %u does not match message length %zu",
             (unsigned long long)at, (unsigned)list_len, len);
        return;
    }
    cap_tls_cert chain[64];
    size_t max = lim->max_chain < 64 ? lim->max_chain : 64, n = 0;
    while (sbd_rd_left(&r) > 0) {
        uint32_t clen;
        size_t body_off = r.pos;
        if (!rd_u24(&r, &clen) || clen == 0 || !sbd_rd_has(&r, clen)) {
            fail(s, CAP_TCP_S2C, CAP_TLS_ERR_MALFORMED, at,
                 "Certificate at stream offset %llu: entry %zu at body offset %zu has a bad length",
                 (unsigned long long)at, n + 1, body_off);
            return;
        }
        if (clen > lim->max_cert_len || n == max) {
            fail(s, CAP_TCP_S2C, CAP_TLS_ERR_LIMIT, at,
                 "Certificate at stream offset %llu: entry %zu (%u bytes) over the limit of %zu "
                 "certificates of %zu bytes",
                 (unsigned long long)at, n + 1, (unsigned)clen, max, lim->max_cert_len);
            return;
        }
        chain[n].der = buf + r.pos;
        chain[n].len = clen;
        n++;
        sbd_rd_skip(&r, clen);
    }
    if (n == 0) {
        set_outcome(s, CAP_TLS_NO_CERT);
    } else {
        set_outcome(s, CAP_TLS_CERTS);
        const cap_tls_callbacks *cb = &s->ctx->cb;
        if (cb->on_certs)
            cb->on_certs(cb->user, &s->pub, chain, n, s->where);
    }
    stop_dir(s, CAP_TCP_S2C); /* everything we came for */
}

static void parse_client_hello(tls_session *s, const uint8_t *buf, size_t len)
{
    sbd_rd r = sbd_rd_make(buf, len), ext;
    uint8_t sid_len, comp_len;
    uint16_t suites_len;
    if (!sbd_rd_skip(&r, 2 + 32) || !sbd_rd_u8(&r, &sid_len) || !sbd_rd_skip(&r, sid_len) ||
        !sbd_rd_be16(&r, &suites_len) || !sbd_rd_skip(&r, suites_len) ||
        !sbd_rd_u8(&r, &comp_len) || !sbd_rd_skip(&r, comp_len) || !hello_extensions(&r, &ext))
        return;
    uint16_t type, elen;
    while (sbd_rd_be16(&ext, &type) && sbd_rd_be16(&ext, &elen) && sbd_rd_has(&ext, elen)) {
        sbd_rd body = ext;
        body.end = ext.pos + elen;
        uint16_t list_len, name_len;
        uint8_t name_type;
        if (type == EXT_SERVER_NAME && sbd_rd_be16(&body, &list_len) &&
            sbd_rd_u8(&body, &name_type) && name_type == 0 && sbd_rd_be16(&body, &name_len) &&
            sbd_rd_has(&body, name_len) && name_len < sizeof s->pub.sni) {
            const uint8_t *name = body.buf + body.pos;
            size_t i;
            for (i = 0; i < name_len && name[i] > 0x20 && name[i] < 0x7f; i++)
                s->pub.sni[i] = (char)name[i];
            s->pub.sni[i == name_len ? i : 0] = '\0'; /* keep only printable names */
        }
        sbd_rd_skip(&ext, elen);
    }
}

/* ---- handshake layer ---- */

static bool wanted(int dir, uint8_t type)
{
    if (dir == CAP_TCP_C2S)
        return type == HS_CLIENT_HELLO;
    return type == HS_SERVER_HELLO || type == HS_CERTIFICATE;
}

static void message_done(tls_session *s, int dir)
{
    tls_dir *d = &s->d[dir];
    uint8_t type = d->hs_type;
    if (d->hs_keep) {
        if (type == HS_SERVER_HELLO)
            parse_server_hello(s, d->hs_buf, d->hs_len);
        else if (type == HS_CERTIFICATE)
            parse_certificate(s, d->hs_buf, d->hs_len);
        else
            parse_client_hello(s, d->hs_buf, d->hs_len);
    }
    free(d->hs_buf);
    d->hs_buf = NULL;
    d->hs_hdr_len = 0;
    if (dir == CAP_TCP_C2S && type == HS_CLIENT_HELLO)
        stop_dir(s, dir);
    if (dir == CAP_TCP_S2C && type == HS_SERVER_HELLO_DONE) {
        set_outcome(s, CAP_TLS_NO_CERT);
        stop_dir(s, dir);
    }
}

static void message_start(tls_session *s, int dir)
{
    tls_dir *d = &s->d[dir];
    d->hs_type = d->hs_hdr[0];
    d->hs_len = ((size_t)d->hs_hdr[1] << 16) | ((size_t)d->hs_hdr[2] << 8) | d->hs_hdr[3];
    d->hs_got = 0;
    d->hs_keep = wanted(dir, d->hs_type);
    if (!d->hs_keep)
        return;
    size_t max = d->hs_type == HS_CERTIFICATE ? s->ctx->lim.max_handshake_len : HELLO_MAX;
    if (d->hs_len > max) {
        fail(s, dir, CAP_TLS_ERR_LIMIT, d->hs_start,
             "handshake message type %u at stream offset %llu: %zu bytes, limit %zu",
             (unsigned)d->hs_type, (unsigned long long)d->hs_start, d->hs_len, max);
        return;
    }
    d->hs_buf = malloc(d->hs_len ? d->hs_len : 1);
    if (!d->hs_buf)
        fail(s, dir, CAP_TLS_ERR_LIMIT, d->hs_start, "out of memory for a handshake message");
}

/* Feed handshake-record body bytes; messages may span records. */
static void handshake_bytes(tls_session *s, int dir, const uint8_t *p, size_t n)
{
    tls_dir *d = &s->d[dir];
    uint64_t off = d->off;
    while (n > 0 && !d->stopped) {
        if (d->hs_hdr_len < 4) {
            if (d->hs_hdr_len == 0)
                d->hs_start = off;
            d->hs_hdr[d->hs_hdr_len++] = *p++;
            n--;
            off++;
            if (d->hs_hdr_len == 4) {
                message_start(s, dir);
                if (!d->stopped && d->hs_len == 0)
                    message_done(s, dir);
            }
            continue;
        }
        size_t take = d->hs_len - d->hs_got;
        if (take > n)
            take = n;
        if (d->hs_keep)
            memcpy(d->hs_buf + d->hs_got, p, take);
        d->hs_got += take;
        p += take;
        n -= take;
        off += take;
        if (d->hs_got == d->hs_len)
            message_done(s, dir);
    }
}

/* ---- record layer ---- */

static void record_start(tls_session *s, int dir)
{
    tls_dir *d = &s->d[dir];
    uint8_t type = d->rec_hdr[0];
    uint16_t version = sbd_be16(d->rec_hdr + 1), len = sbd_be16(d->rec_hdr + 3);
    unsigned long long at = (unsigned long long)d->rec_start;
    bool known = type >= REC_CCS && type <= REC_APPDATA;
    if (!known || (version >> 8) != 3) {
        cap_tls_err_kind k = d->rec_start == 0 ? CAP_TLS_ERR_NOT_TLS : CAP_TLS_ERR_MALFORMED;
        fail(s, dir, k, d->rec_start,
             "record at stream offset %llu: type %u version 0x%04x is not TLS", at, (unsigned)type,
             (unsigned)version);
        return;
    }
    if (len > TLS_RECORD_MAX) {
        fail(s, dir, CAP_TLS_ERR_MALFORMED, d->rec_start,
             "record at stream offset %llu: length %u over %u", at, (unsigned)len,
             (unsigned)TLS_RECORD_MAX);
        return;
    }
    if (type == REC_HANDSHAKE) {
        d->rec_left = len;
        return;
    }
    if (d->hs_hdr_len > 0) {
        fail(s, dir, CAP_TLS_ERR_MALFORMED, d->rec_start,
             "record at stream offset %llu: type %u interrupts a handshake message", at,
             (unsigned)type);
        return;
    }
    /* ChangeCipherSpec, Alert or data before any Certificate: resumed session, or an alert. */
    if (dir == CAP_TCP_S2C)
        set_outcome(s, CAP_TLS_NO_CERT);
    stop_dir(s, dir);
}

static void parse_bytes(tls_session *s, int dir, const uint8_t *p, size_t n)
{
    tls_dir *d = &s->d[dir];
    while (n > 0 && !d->stopped) {
        if (d->rec_hdr_len < 5) {
            if (d->rec_hdr_len == 0)
                d->rec_start = d->off;
            d->rec_hdr[d->rec_hdr_len++] = *p++;
            n--;
            d->off++;
            if (d->rec_hdr_len == 5) {
                record_start(s, dir);
                if (!d->stopped && d->rec_left == 0)
                    d->rec_hdr_len = 0; /* empty handshake record: tolerated */
            }
            continue;
        }
        size_t take = d->rec_left < n ? d->rec_left : n;
        handshake_bytes(s, dir, p, take);
        d->off += take;
        p += take;
        n -= take;
        d->rec_left -= take;
        if (d->rec_left == 0)
            d->rec_hdr_len = 0;
    }
}

/* ---- cap_tcp consumer ---- */

static bool stream_in_handshake(const tls_dir *d)
{
    return d->rec_hdr_len > 0 || d->hs_hdr_len > 0 || d->off > 0;
}

static cap_tcp_verdict on_chunk(void *user, const cap_tcp_chunk *c)
{
    tls_session *s = user;
    int dir = c->dir;
    tls_dir *d = &s->d[dir];
    s->where = c->where;
    if (d->stopped)
        return cap_tcp_done();
    switch (c->kind) {
    case CAP_TCP_DATA:
        if (dir == CAP_TCP_S2C)
            s->saw_server_bytes = true;
        d->off = c->offset;
        parse_bytes(s, dir, c->data, c->len);
        break;
    case CAP_TCP_GAP:
        if (dir == CAP_TCP_S2C)
            s->saw_server_bytes = true;
        fail(s, dir, CAP_TLS_ERR_GAP, c->offset,
             "%zu bytes missing from the capture at stream offset %llu, before the Certificate",
             c->len, (unsigned long long)c->offset);
        break;
    case CAP_TCP_END:
        if (stream_in_handshake(d))
            fail(s, dir, CAP_TLS_ERR_INCOMPLETE, d->off,
                 "stream ended (%s) at offset %llu inside the handshake", cap_tcp_end_name(c->end),
                 (unsigned long long)d->off);
        stop_dir(s, dir);
        break;
    }
    return d->stopped ? cap_tcp_done() : cap_tcp_consumed(c->len);
}

static void on_close(void *user, const cap_tcp_conn_stats *st)
{
    (void)st;
    tls_session *s = user;
    const cap_tls_callbacks *cb = &s->ctx->cb;
    if (!s->outcome_set && !s->saw_server_bytes)
        set_outcome(s, CAP_TLS_NO_DATA);
    set_outcome(s, CAP_TLS_ERROR); /* started, never finished: on_error said why */
    if (cb->on_end)
        cb->on_end(cb->user, &s->pub, s->outcome);
    free(s->d[0].hs_buf);
    free(s->d[1].hs_buf);
    free(s);
}

bool cap_tls_attach(const cap_tls_ctx *ctx, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    bool server_watched = cap_tls_is_port(ctx, conn->sport);
    if (!server_watched && !cap_tls_is_port(ctx, conn->cport))
        return false;
    tls_session *s = calloc(1, sizeof *s);
    if (!s)
        return false;
    s->ctx = ctx;
    s->conn = *conn;
    if (!server_watched) { /* the guess was wrong: the watched port is the server */
        s->conn.client = conn->server;
        s->conn.cport = conn->sport;
        s->conn.server = conn->client;
        s->conn.sport = conn->cport;
    }
    s->pub.conn = &s->conn;
    out->user = s;
    out->dirs = CAP_TCP_DIR_BIT(CAP_TCP_C2S) | CAP_TCP_DIR_BIT(CAP_TCP_S2C);
    out->swap_roles = !server_watched;
    out->on_chunk = on_chunk;
    out->on_close = on_close;
    return true;
}

/* ---- context ---- */

cap_tls_ctx *cap_tls_new(const cap_tls_limits *lim, const cap_tls_callbacks *cb)
{
    static const uint16_t defaults[] = {2445, 8443, 443, 3804, 5061};
    cap_tls_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (lim)
        ctx->lim = *lim;
    else
        cap_tls_limits_default(&ctx->lim);
    if (cb)
        ctx->cb = *cb;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        cap_tls_add_port(ctx, defaults[i]);
    return ctx;
}

void cap_tls_free(cap_tls_ctx *ctx)
{
    free(ctx);
}

bool cap_tls_add_port(cap_tls_ctx *ctx, uint16_t port)
{
    return cap_portset_add(&ctx->ports, port);
}

bool cap_tls_is_port(const cap_tls_ctx *ctx, uint16_t port)
{
    return cap_portset_has(&ctx->ports, port);
}
