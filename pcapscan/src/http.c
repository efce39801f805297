/* HTTP/1.x downloads on TCP 6970: incremental head/body parser per direction, requests queued
 * and matched to responses in order. Heads are bounded by max_header, bodies by max_body; chunk
 * and body lengths from the wire are only counters, never allocation sizes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cap/http.h"
#include "cap/portset.h"
#include "sbd/audit.h"
#include "sbd/cert.h"

enum { PATH_MAX_LEN = 1024, NAME_MAX_LEN = 256, LINE_MAX_LEN = 256 };

struct cap_http_ctx {
    cap_http_limits lim;
    cap_http_callbacks cb;
    cap_portset ports;
};

typedef enum {
    ST_HEAD,       /* reading a message head */
    ST_BODY_LEN,   /* Content-Length body: `remaining` bytes */
    ST_CHUNK_SIZE, /* chunk-size line */
    ST_CHUNK_DATA, /* `remaining` chunk bytes */
    ST_CHUNK_CRLF, /* line end after chunk data */
    ST_TRAILER,    /* trailer lines up to an empty one */
    ST_BODY_CLOSE, /* body until the connection closes */
    ST_STOPPED,
} dir_state;

typedef struct http_dir {
    dir_state st;
    uint64_t off;       /* stream offset of the next byte */
    uint64_t msg_start; /* stream offset of the current message head */
    char *head;         /* grown by doubling up to max_header + 1 bytes as a head needs */
    size_t head_len, head_cap;
    char line[LINE_MAX_LEN]; /* chunk-size or trailer line */
    size_t line_len;
    uint64_t remaining;
} http_dir;

/* A request waiting for its response. The path is allocated at its length: with fixed arrays a
 * request cost 1.3 KiB whatever its size, and every connection reserved its whole pipeline. */
typedef struct request {
    char method[16];
    char *path;     /* at most PATH_MAX_LEN - 1 bytes; owned */
    bool head_only; /* HEAD: the response has no body */
    cap_where where;
} request;

typedef struct response {
    bool active;
    bool has_request;
    request req;
    int status;
    char reason[64];
    uint8_t *body;
    size_t len, cap;
    uint64_t seen;
    bool gap;
    cap_where first, last;
} response;

typedef struct http_conn {
    const cap_http_ctx *ctx;
    cap_tcp_conn_info conn;
    http_dir d[2];
    request *queue; /* ring, grown up to max_pipeline as requests wait */
    size_t q_head, q_len, q_cap;
    response resp;
    const cap_where *where;
} http_conn;

void cap_http_limits_default(cap_http_limits *lim)
{
    lim->max_header = 16u << 10;
    lim->max_body = 64u << 20;
    lim->max_pipeline = 64;
}

/* ---- small text helpers ---- */

/* Copy at most outsz-1 bytes of [p, p+n) as a string. */
static void copy_span(char *out, size_t outsz, const char *p, size_t n)
{
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

static bool token_eq(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' || (*p)[*n - 1] == '\r'))
        (*n)--;
}

/* ---- errors and events ---- */

static void fail(http_conn *h, int dir, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail(http_conn *h, int dir, uint64_t offset, const char *fmt, ...)
{
    h->d[dir].st = ST_STOPPED;
    const cap_http_callbacks *cb = &h->ctx->cb;
    if (!cb->on_error)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cap_http_error e = {(cap_tcp_dir)dir, offset, h->where, msg};
    cb->on_error(cb->user, &h->conn, &e);
}

static void emit(http_conn *h, const request *req, const response *r, bool complete)
{
    const cap_http_callbacks *cb = &h->ctx->cb;
    if (!cb->on_file)
        return;
    char name[NAME_MAX_LEN] = "";
    if (req && req->path)
        sbd_audit_name_of_http_target(req->path, name, sizeof name);
    cap_http_file f = {
        .conn = &h->conn,
        .has_request = req != NULL,
        .method = req ? req->method : "",
        .path = req && req->path ? req->path : "",
        .name = name,
        .status = r ? r->status : 0,
        .reason = r ? r->reason : "",
        .body = r && r->len ? r->body : NULL,
        .len = r ? r->len : 0,
        .body_seen = r ? r->seen : 0,
        .complete = r && complete && !r->gap,
        .over_limit = r && r->seen > r->len,
    };
    if (req)
        f.request = req->where;
    if (r) {
        f.first = r->first;
        f.last = r->last;
    }
    cb->on_file(cb->user, &f);
}

static void response_emit(http_conn *h, bool complete)
{
    response *r = &h->resp;
    if (!r->active)
        return;
    emit(h, r->has_request ? &r->req : NULL, r, complete);
    free(r->req.path);
    free(r->body);
    memset(r, 0, sizeof *r);
}

static void body_append(http_conn *h, const uint8_t *p, size_t n)
{
    response *r = &h->resp;
    r->seen += n;
    r->last = *h->where;
    size_t room = h->ctx->lim.max_body - r->len;
    if (n > room)
        n = room;
    if (n == 0)
        return;
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n)
            cap *= 2;
        if (cap > h->ctx->lim.max_body)
            cap = h->ctx->lim.max_body;
        uint8_t *nb = realloc(r->body, cap);
        if (!nb) {
            r->gap = true; /* lost bytes: the file cannot be complete */
            return;
        }
        r->body = nb;
        r->cap = cap;
    }
    memcpy(r->body + r->len, p, n);
    r->len += n;
}

/* ---- heads ---- */

typedef struct head_fields {
    bool has_length, chunked;
    uint64_t length;
} head_fields;

static bool parse_length(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0 || n > 18)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return true;
}

/* Header lines after the start line; false on a bad or conflicting framing header. */
static bool parse_headers(const char *p, size_t n, head_fields *hf)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        const char *colon = memchr(p, ':', len);
        if (colon) {
            const char *name = p, *val = colon + 1;
            size_t nlen = (size_t)(colon - p), vlen = len - nlen - 1;
            trim(&val, &vlen);
            if (token_eq(name, nlen, "content-length")) {
                uint64_t v;
                if (!parse_length(val, vlen, &v) || (hf->has_length && v != hf->length))
                    return false;
                hf->has_length = true;
                hf->length = v;
            } else if (token_eq(name, nlen, "transfer-encoding")) {
                /* chunked must be the last coding; "gzip, chunked" is still chunk-framed */
                hf->chunked = vlen >= 7 && strncasecmp(val + vlen - 7, "chunked", 7) == 0;
            }
        }
        if (!nl)
            break;
        n -= len + 1;
        p = nl + 1;
    }
    return true;
}

/* Split "A SP B SP C" start line into three spans (C may be empty for a status line). */
static bool split3(const char *p, size_t n, const char *f[3], size_t fl[3])
{
    const char *sp1 = memchr(p, ' ', n);
    if (!sp1)
        return false;
    const char *b = sp1 + 1;
    size_t rest = n - (size_t)(b - p);
    const char *sp2 = memchr(b, ' ', rest);
    f[0] = p;
    fl[0] = (size_t)(sp1 - p);
    f[1] = b;
    fl[1] = sp2 ? (size_t)(sp2 - b) : rest;
    f[2] = sp2 ? sp2 + 1 : b + rest;
    fl[2] = sp2 ? rest - fl[1] - 1 : 0;
    return fl[0] > 0 && fl[1] > 0;
}

static void body_start(http_conn *h, int dir, const head_fields *hf, bool no_body, bool to_close);

/* Room for one more waiting request: the ring doubles (up to max_pipeline) when full. */
static bool queue_room(http_conn *h)
{
    if (h->q_len < h->q_cap)
        return true;
    size_t max = h->ctx->lim.max_pipeline;
    size_t ncap = h->q_cap ? h->q_cap * 2 : 4;
    ncap = ncap > max ? max : ncap;
    request *nq = malloc(ncap * sizeof *nq);
    if (!nq)
        return false;
    for (size_t i = 0; i < h->q_len; i++)
        nq[i] = h->queue[(h->q_head + i) % h->q_cap];
    free(h->queue);
    h->queue = nq;
    h->q_head = 0;
    h->q_cap = ncap;
    return true;
}

static void request_head(http_conn *h, const char *head, size_t n, size_t line_len)
{
    http_dir *d = &h->d[CAP_TCP_C2S];
    const char *f[3];
    size_t fl[3];
    head_fields hf = {0};
    if (!split3(head, line_len, f, fl) || fl[2] < 5 || strncmp(f[2], "HTTP/", 5) != 0 ||
        !parse_headers(head + line_len, n - line_len, &hf)) {
        fail(h, CAP_TCP_C2S, d->msg_start, "bad HTTP request head at stream offset %llu",
             (unsigned long long)d->msg_start);
        return;
    }
    size_t max = h->ctx->lim.max_pipeline;
    if (h->q_len == max) {
        fail(h, CAP_TCP_C2S, d->msg_start,
             "request at stream offset %llu: over %zu requests waiting for responses",
             (unsigned long long)d->msg_start, max);
        return;
    }
    size_t plen = fl[1] < PATH_MAX_LEN ? fl[1] : PATH_MAX_LEN - 1;
    char *path = malloc(plen + 1);
    if (!path || !queue_room(h)) {
        free(path);
        fail(h, CAP_TCP_C2S, d->msg_start, "out of memory");
        return;
    }
    copy_span(path, plen + 1, f[1], fl[1]);
    request *q = &h->queue[(h->q_head + h->q_len++) % h->q_cap];
    memset(q, 0, sizeof *q);
    copy_span(q->method, sizeof q->method, f[0], fl[0]);
    q->path = path;
    q->head_only = strcmp(q->method, "HEAD") == 0;
    q->where = *h->where;
    body_start(h, CAP_TCP_C2S, &hf, !hf.has_length && !hf.chunked, false);
}

static void response_head(http_conn *h, const char *head, size_t n, size_t line_len)
{
    http_dir *d = &h->d[CAP_TCP_S2C];
    const char *f[3];
    size_t fl[3];
    head_fields hf = {0};
    if (!split3(head, line_len, f, fl) || fl[0] < 5 || strncmp(f[0], "HTTP/", 5) != 0 ||
        fl[1] != 3 || f[1][0] < '1' || f[1][0] > '5' || f[1][1] < '0' || f[1][1] > '9' ||
        f[1][2] < '0' || f[1][2] > '9' || !parse_headers(head + line_len, n - line_len, &hf)) {
        fail(h, CAP_TCP_S2C, d->msg_start, "bad HTTP response head at stream offset %llu",
             (unsigned long long)d->msg_start);
        return;
    }
    int status = (f[1][0] - '0') * 100 + (f[1][1] - '0') * 10 + (f[1][2] - '0');
    if (status == 101) {
        fail(h, CAP_TCP_S2C, d->msg_start, "protocol switch (101) at stream offset %llu",
             (unsigned long long)d->msg_start);
        return;
    }
    if (status < 200)
        return; /* interim (100 Continue): the real response follows */
    response *r = &h->resp;
    memset(r, 0, sizeof *r);
    r->active = true;
    r->status = status;
    copy_span(r->reason, sizeof r->reason, f[2], fl[2]);
    r->first = r->last = *h->where;
    if (h->q_len > 0) {
        r->has_request = true;
        r->req = h->queue[h->q_head]; /* the path moves with it */
        h->q_head = (h->q_head + 1) % h->q_cap;
        h->q_len--;
    }
    bool no_body = status == 204 || status == 304 || (r->has_request && r->req.head_only);
    body_start(h, CAP_TCP_S2C, &hf, no_body, !hf.has_length && !hf.chunked);
}

static void message_end(http_conn *h, int dir)
{
    h->d[dir].st = ST_HEAD;
    if (dir == CAP_TCP_S2C)
        response_emit(h, true);
}

static void body_start(http_conn *h, int dir, const head_fields *hf, bool no_body, bool to_close)
{
    http_dir *d = &h->d[dir];
    if (no_body || (hf->has_length && !hf->chunked && hf->length == 0)) {
        message_end(h, dir);
    } else if (hf->chunked) {
        d->st = ST_CHUNK_SIZE;
        d->line_len = 0;
    } else if (to_close) {
        d->st = ST_BODY_CLOSE;
    } else {
        d->st = ST_BODY_LEN;
        d->remaining = hf->length;
    }
}

static void head_done(http_conn *h, int dir)
{
    http_dir *d = &h->d[dir];
    const char *nl = memchr(d->head, '\n', d->head_len);
    size_t start_len = nl ? (size_t)(nl - d->head) : d->head_len;
    while (start_len > 0 && (d->head[start_len - 1] == '\n' || d->head[start_len - 1] == '\r'))
        start_len--;
    d->st = ST_HEAD;
    /* The start line is parsed from its trimmed span; parse_headers skips its line end. */
    if (dir == CAP_TCP_C2S)
        request_head(h, d->head, d->head_len, start_len);
    else
        response_head(h, d->head, d->head_len, start_len);
    d->head_len = 0;
}

/* Room for n more head bytes and the terminating NUL (head_len + n <= max). A connection
 * reserved max_header bytes per direction up front before; heads are a few hundred bytes. */
static bool head_room(http_dir *d, size_t n, size_t max)
{
    if (d->head_len + n + 1 <= d->head_cap)
        return true;
    size_t cap = d->head_cap ? d->head_cap : 512;
    while (cap < d->head_len + n + 1)
        cap *= 2;
    if (cap > max + 1)
        cap = max + 1;
    char *nh = realloc(d->head, cap);
    if (!nh)
        return false;
    d->head = nh;
    d->head_cap = cap;
    return true;
}

/* Head bytes: returns bytes used. The head ends at an empty line. Taken a line at a time (only a
 * line feed can end it): byte by byte, heads were a fifth of the HTTP parser's cost. */
static size_t head_bytes(http_conn *h, int dir, const uint8_t *p, size_t n)
{
    http_dir *d = &h->d[dir];
    size_t max = h->ctx->lim.max_header;
    size_t i = 0;
    while (i < n) {
        if (d->head_len == 0) {
            while (i < n && (p[i] == '\r' || p[i] == '\n'))
                i++; /* blank lines between messages are tolerated */
            if (i == n)
                break;
            d->msg_start = d->off + i;
        }
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t k = nl ? (size_t)(nl - (p + i)) + 1 : n - i;
        bool over = k > max - d->head_len; /* the byte after the max-th fails */
        size_t take = over ? max - d->head_len : k;
        if (!head_room(d, take, max)) {
            fail(h, dir, d->off, "out of memory");
            return n;
        }
        memcpy(d->head + d->head_len, p + i, take);
        d->head_len += take;
        i += take;
        if (over) {
            fail(h, dir, d->msg_start, "HTTP head at stream offset %llu over %zu bytes",
                 (unsigned long long)d->msg_start, max);
            return n;
        }
        size_t l = d->head_len;
        bool end = nl && ((l >= 2 && d->head[l - 2] == '\n') ||
                          (l >= 3 && d->head[l - 2] == '\r' && d->head[l - 3] == '\n'));
        if (end) {
            d->head[l] = '\0';
            head_done(h, dir);
            return i;
        }
    }
    return i;
}

/* ---- bodies ---- */

static void body_data(http_conn *h, int dir, const uint8_t *p, size_t n)
{
    if (dir == CAP_TCP_S2C)
        body_append(h, p, n); /* request bodies are skipped */
}

/* A chunk-size line ("1a;ext") is complete in d->line. */
static void chunk_size_line(http_conn *h, int dir)
{
    http_dir *d = &h->d[dir];
    uint64_t v = 0;
    size_t i = 0, digits = 0;
    while (i < d->line_len && sbd_hex_digit(d->line[i]) >= 0 && digits < 15) {
        v = v * 16 + (uint64_t)sbd_hex_digit(d->line[i++]);
        digits++;
    }
    if (digits == 0 || (i < d->line_len && d->line[i] != ';' && d->line[i] != ' ' &&
                        d->line[i] != '\t' && d->line[i] != '\r')) {
        fail(h, dir, d->off, "bad chunk size line before stream offset %llu",
             (unsigned long long)d->off);
        return;
    }
    d->remaining = v;
    d->st = v == 0 ? ST_TRAILER : ST_CHUNK_DATA;
}

/* Line-oriented states (chunk size, CRLF after data, trailer): returns bytes used. */
static size_t line_bytes(http_conn *h, int dir, const uint8_t *p, size_t n)
{
    http_dir *d = &h->d[dir];
    size_t i = 0;
    while (i < n) {
        char c = (char)p[i++];
        if (c != '\n') {
            if (d->line_len + 1 >= sizeof d->line) {
                fail(h, dir, d->off + i, "chunk line over %zu bytes at stream offset %llu",
                     sizeof d->line, (unsigned long long)(d->off + i));
                return n;
            }
            d->line[d->line_len++] = c;
            continue;
        }
        size_t len = d->line_len;
        if (len > 0 && d->line[len - 1] == '\r')
            len--;
        d->line_len = 0;
        if (d->st == ST_CHUNK_SIZE) {
            d->line_len = len;
            chunk_size_line(h, dir);
            d->line_len = 0;
        } else if (d->st == ST_CHUNK_CRLF) {
            if (len != 0) {
                fail(h, dir, d->off + i, "chunk data not followed by CRLF at stream offset %llu",
                     (unsigned long long)(d->off + i));
                return n;
            }
            d->st = ST_CHUNK_SIZE;
        } else if (len == 0) { /* ST_TRAILER: the empty line ends the message */
            message_end(h, dir);
        }
        return i;
    }
    return i;
}

static size_t counted_bytes(http_conn *h, int dir, const uint8_t *p, size_t n)
{
    http_dir *d = &h->d[dir];
    size_t take = d->remaining < n ? (size_t)d->remaining : n;
    body_data(h, dir, p, take);
    d->remaining -= take;
    if (d->remaining == 0) {
        if (d->st == ST_CHUNK_DATA)
            d->st = ST_CHUNK_CRLF;
        else
            message_end(h, dir);
    }
    return take;
}

static void parse_bytes(http_conn *h, int dir, const uint8_t *p, size_t n)
{
    http_dir *d = &h->d[dir];
    while (n > 0 && d->st != ST_STOPPED) {
        size_t used;
        switch (d->st) {
        case ST_HEAD:
            used = head_bytes(h, dir, p, n);
            break;
        case ST_BODY_LEN:
        case ST_CHUNK_DATA:
            used = counted_bytes(h, dir, p, n);
            break;
        case ST_BODY_CLOSE:
            body_data(h, dir, p, n);
            used = n;
            break;
        default:
            used = line_bytes(h, dir, p, n);
            break;
        }
        d->off += used;
        p += used;
        n -= used;
    }
}

/* ---- gaps and ends ---- */

static void on_gap(http_conn *h, int dir, uint64_t off, uint64_t len)
{
    http_dir *d = &h->d[dir];
    d->off = off + len;
    if (d->st == ST_BODY_CLOSE || (d->st == ST_BODY_LEN && len < d->remaining)) {
        if (d->st == ST_BODY_LEN)
            d->remaining -= len; /* the body has a hole but the framing stays in step */
        if (dir == CAP_TCP_S2C) {
            h->resp.gap = true;
            h->resp.seen += len;
        }
        return;
    }
    if (dir == CAP_TCP_S2C)
        response_emit(h, false);
    fail(h, dir, off, "%llu bytes missing from the capture at stream offset %llu: lost sync",
         (unsigned long long)len, (unsigned long long)off);
}

static void on_end(http_conn *h, int dir, cap_tcp_end_reason why)
{
    http_dir *d = &h->d[dir];
    if (dir == CAP_TCP_S2C && h->resp.active)
        response_emit(h, d->st == ST_BODY_CLOSE && why == CAP_TCP_END_FIN);
    if (d->st == ST_HEAD && d->head_len > 0)
        fail(h, dir, d->msg_start, "stream ended (%s) inside the HTTP head at stream offset %llu",
             cap_tcp_end_name(why), (unsigned long long)d->msg_start);
    d->st = ST_STOPPED;
}

static cap_tcp_verdict on_chunk(void *user, const cap_tcp_chunk *c)
{
    http_conn *h = user;
    int dir = c->dir;
    h->where = c->where;
    if (h->d[dir].st == ST_STOPPED && c->kind != CAP_TCP_END)
        return cap_tcp_done();
    switch (c->kind) {
    case CAP_TCP_DATA:
        h->d[dir].off = c->offset;
        parse_bytes(h, dir, c->data, c->len);
        break;
    case CAP_TCP_GAP:
        on_gap(h, dir, c->offset, c->len);
        break;
    case CAP_TCP_END:
        on_end(h, dir, c->end);
        break;
    }
    if (h->d[dir].st == ST_STOPPED)
        return cap_tcp_done();
    return cap_tcp_consumed(c->len);
}

static void on_close(void *user, const cap_tcp_conn_stats *st)
{
    (void)st;
    http_conn *h = user;
    response_emit(h, false);
    for (; h->q_len > 0; h->q_len--) { /* requests never answered */
        emit(h, &h->queue[h->q_head], NULL, false);
        free(h->queue[h->q_head].path);
        h->q_head = (h->q_head + 1) % h->q_cap;
    }
    free(h->d[0].head);
    free(h->d[1].head);
    free(h->queue);
    free(h);
}

bool cap_http_attach(const cap_http_ctx *ctx, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    bool server_watched = cap_http_is_port(ctx, conn->sport);
    if (!server_watched && !cap_http_is_port(ctx, conn->cport))
        return false;
    http_conn *h = calloc(1, sizeof *h);
    if (!h)
        return false;
    h->ctx = ctx;
    h->conn = *conn;
    if (!server_watched) {
        h->conn.client = conn->server;
        h->conn.cport = conn->sport;
        h->conn.server = conn->client;
        h->conn.sport = conn->cport;
    }
    out->user = h;
    out->dirs = CAP_TCP_DIR_BIT(CAP_TCP_C2S) | CAP_TCP_DIR_BIT(CAP_TCP_S2C);
    out->swap_roles = !server_watched;
    out->on_chunk = on_chunk;
    out->on_close = on_close;
    return true;
}

/* ---- context ---- */

cap_http_ctx *cap_http_new(const cap_http_limits *lim, const cap_http_callbacks *cb)
{
    cap_http_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (lim)
        ctx->lim = *lim;
    else
        cap_http_limits_default(&ctx->lim);
    if (ctx->lim.max_pipeline == 0)
        ctx->lim.max_pipeline = 1;
    if (ctx->lim.max_header < 16)
        ctx->lim.max_header = 16;
    if (cb)
        ctx->cb = *cb;
    cap_http_add_port(ctx, 6970);
    return ctx;
}

void cap_http_free(cap_http_ctx *ctx)
{
    free(ctx);
}

bool cap_http_add_port(cap_http_ctx *ctx, uint16_t port)
{
    return cap_portset_add(&ctx->ports, port);
}

bool cap_http_is_port(const cap_http_ctx *ctx, uint16_t port)
{
    return cap_portset_has(&ctx->ports, port);
}
