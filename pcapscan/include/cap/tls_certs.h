/* TLS server certificates from reassembled TCP streams (a cap_tcp consumer).
 *
 * Server -> client: TLS records and handshake messages (spanning records and segments) up to the
 * Certificate message; the whole chain (TLS 1.0-1.2) is handed over as DER spans. A TLS 1.3
 * ServerHello means the Certificate is encrypted: reported as hidden, not as missing.
 * Client -> server: the ClientHello's SNI, when present, is noted in the session.
 * Parsing stops at the Certificate, ServerHelloDone or the first non-handshake record, so the rest
 * of the connection costs nothing. X.509 is not parsed here (see sbd/cert.h).
 *
 * A cap_tls_ctx holds configuration only (ports, limits, callbacks); it is read-only once
 * connections are attached, so one context may serve several cap_tcp contexts if its callbacks
 * are thread-safe. */
#ifndef CAP_TLS_CERTS_H
#define CAP_TLS_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/pkt.h"
#include "cap/tcp_stream.h"

#define CAP_TLS_ERR_MAP(X)                                                                         \
    X(MALFORMED, "malformed") /* bad record or handshake framing or field */                       \
    X(NOT_TLS, "not TLS")     /* the stream does not start with a TLS record */                    \
    X(LIMIT, "over limit")    /* a message, certificate or chain over cap_tls_limits */            \
    X(GAP, "capture gap")     /* bytes missing from the capture before the Certificate */          \
    X(INCOMPLETE, "stream ended early") /* the stream ended inside the handshake */

typedef enum {
#define CAP_TLS_ERR_ENUM(name, text) CAP_TLS_ERR_##name,
    CAP_TLS_ERR_MAP(CAP_TLS_ERR_ENUM)
#undef CAP_TLS_ERR_ENUM
} cap_tls_err_kind;

const char *cap_tls_err_name(cap_tls_err_kind k);

/* "TLS 1.2", "TLS 1.3", "SSL 3.0", or "0x7f1c" style for others. Returns out. */
const char *cap_tls_version_name(uint16_t version, char *out, size_t outsz);

typedef struct cap_tls_session {
    const cap_tcp_conn_info *conn;
    uint16_t version; /* negotiated (supported_versions wins over legacy_version); 0 = not yet */
    char sni[256];    /* ClientHello server_name, "" when absent or not seen */
} cap_tls_session;

typedef struct cap_tls_cert {
    const uint8_t *der; /* borrowed for the duration of the callback */
    size_t len;
} cap_tls_cert;

typedef struct cap_tls_error {
    cap_tls_err_kind kind;
    cap_tcp_dir dir;
    uint64_t offset;        /* byte offset in that direction's stream (record or message start) */
    const cap_where *where; /* packet being processed when it was found */
    const char *msg;        /* one line */
} cap_tls_error;

/* How a session's server side ended, for on_end. */
#define CAP_TLS_OUTCOME_MAP(X)                                                                     \
    X(CERTS, "certificates")                                                                       \
    X(HIDDEN, "TLS 1.3: certificate not visible")                                                  \
    X(NO_CERT, "handshake without Certificate (resumed or anonymous)")                             \
    X(ERROR, "error")                                                                              \
    X(NO_DATA, "no server data")

typedef enum {
#define CAP_TLS_OUTCOME_ENUM(name, text) CAP_TLS_##name,
    CAP_TLS_OUTCOME_MAP(CAP_TLS_OUTCOME_ENUM)
#undef CAP_TLS_OUTCOME_ENUM
} cap_tls_outcome;

const char *cap_tls_outcome_name(cap_tls_outcome o);

/* Every callback may be NULL. `where` is the packet that completed the message. */
typedef struct cap_tls_callbacks {
    void *user;
    void (*on_server_hello)(void *user, const cap_tls_session *s, const cap_where *where);
    /* chain[0] is the leaf, in the order the server sent them; n >= 1. */
    void (*on_certs)(void *user, const cap_tls_session *s, const cap_tls_cert *chain, size_t n,
                     const cap_where *where);
    void (*on_hidden)(void *user, const cap_tls_session *s, const cap_where *where);
    void (*on_error)(void *user, const cap_tls_session *s, const cap_tls_error *e);
    /* Once per session, when its connection is closed. */
    void (*on_end)(void *user, const cap_tls_session *s, cap_tls_outcome outcome);
} cap_tls_callbacks;

typedef struct cap_tls_limits {
    size_t max_cert_len;      /* one DER certificate (default 64 KiB) */
    size_t max_chain;         /* certificates in one chain (default 16) */
    size_t max_handshake_len; /* one buffered handshake message (default 256 KiB) */
} cap_tls_limits;

void cap_tls_limits_default(cap_tls_limits *lim);

typedef struct cap_tls_ctx cap_tls_ctx;

/* Watches 2445 (TVS), 8443, 443, 3804 (CAPF) and 5061 (SIP TLS) from the start. lim may be NULL. */
cap_tls_ctx *cap_tls_new(const cap_tls_limits *lim, const cap_tls_callbacks *cb);
void cap_tls_free(cap_tls_ctx *ctx);
/* Add a server port to watch (--tls-port). False when the table is full (64 ports). */
bool cap_tls_add_port(cap_tls_ctx *ctx, uint16_t port);
bool cap_tls_is_port(const cap_tls_ctx *ctx, uint16_t port);

/* For a cap_tcp on_open callback: when either port of conn is watched, allocate a session, fill
 * *out (roles fixed so the watched port is the server) and return true. The session is freed by
 * out->on_close. */
bool cap_tls_attach(const cap_tls_ctx *ctx, const cap_tcp_conn_info *conn, cap_tcp_consumer *out);

#endif
