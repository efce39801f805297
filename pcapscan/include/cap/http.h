/* HTTP/1.x file downloads (CUCM's TFTP service on TCP 6970) from reassembled TCP streams: a
 * cap_tcp consumer.
 *
 * Client -> server: request heads (method, target); request bodies are skipped.
 * Server -> client: status line, headers (Content-Length, Transfer-Encoding: chunked, Connection),
 * body by Content-Length, chunked coding, or until the connection closes. Responses are matched to
 * requests in order (keep-alive and pipelining). Every request yields exactly one on_file event,
 * also when no response came (status 0) or the body was cut (complete false).
 *
 * A cap_http_ctx holds configuration only; it is read-only once connections are attached. */
#ifndef CAP_HTTP_H
#define CAP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/pkt.h"
#include "cap/tcp_stream.h"

typedef struct cap_http_file {
    const cap_tcp_conn_info *conn;
    bool has_request;   /* false: a response whose request was not captured */
    const char *method; /* "GET"; "" without request */
    const char *path;   /* request target as sent, up to 1023 bytes */
    /* Last path component without query, %XX-decoded except '/', '\\' and control bytes;
     * "" when unknown or the path ends in '/'. NOT sanitized for use as a file name. */
    const char *name;
    int status; /* 0: no response seen; 404 is "File not found", as TFTP error 1 */
    const char *reason;
    const uint8_t *body; /* borrowed for the duration of the callback; NULL when len is 0 */
    size_t len;
    uint64_t body_seen;    /* body bytes in the stream, including those over the limit */
    bool complete;         /* framing finished (length reached, last chunk, or FIN) with no gap */
    bool over_limit;       /* body_seen > cap_http_limits.max_body: body holds the first max_body */
    cap_where request;     /* packet of the request head (zeroed without request) */
    cap_where first, last; /* packets of the response head and of its last byte seen */
} cap_http_file;

typedef struct cap_http_error {
    cap_tcp_dir dir;
    uint64_t offset;        /* byte offset in that direction's stream (start of the message) */
    const cap_where *where; /* packet being processed */
    const char *msg;        /* one line */
} cap_http_error;

typedef struct cap_http_callbacks {
    void *user;
    void (*on_file)(void *user, const cap_http_file *f);
    /* Parsing of that direction stops after an error (may be NULL). */
    void (*on_error)(void *user, const cap_tcp_conn_info *conn, const cap_http_error *e);
} cap_http_callbacks;

typedef struct cap_http_limits {
    size_t max_header;   /* request or response head, bytes (default 16 KiB) */
    size_t max_body;     /* body bytes kept per response (default 64 MiB) */
    size_t max_pipeline; /* requests waiting for a response (default 64) */
} cap_http_limits;

void cap_http_limits_default(cap_http_limits *lim);

typedef struct cap_http_ctx cap_http_ctx;

/* Watches server port 6970 from the start. lim may be NULL. */
cap_http_ctx *cap_http_new(const cap_http_limits *lim, const cap_http_callbacks *cb);
void cap_http_free(cap_http_ctx *ctx);
bool cap_http_add_port(cap_http_ctx *ctx, uint16_t port); /* false when full (64 ports) */
bool cap_http_is_port(const cap_http_ctx *ctx, uint16_t port);

/* For a cap_tcp on_open callback: when either port of conn is watched, allocate the connection
 * state, fill *out and return true. out->on_close reports unanswered requests and frees it. */
bool cap_http_attach(const cap_http_ctx *ctx, const cap_tcp_conn_info *conn, cap_tcp_consumer *out);

#endif
