/* Shared pieces of the TVS test responder and client: PDU building and framed I/O over OpenSSL,
 * TLS context options (version, key log), and the certificate facts TVS exchanges. TEST TOOLS:
 * they speak TVS well enough to make captures, they are not a TVS implementation. */
#ifndef SBD_TVS_COMMON_H
#define SBD_TVS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "sbd/tvs.h"

#define TVS_MAX_PDU (SBD_TVS_HEADER_LEN + 0xFFFF)
#define TVS_MAX_ROLES 16

/* One PDU being built or just read. */
typedef struct tvs_pdu {
    uint8_t b[TVS_MAX_PDU];
    size_t n;
} tvs_pdu;

void tvs_pdu_begin(tvs_pdu *p, uint8_t type, uint32_t session_id);
/* Appends one element; false (and nothing appended) when the PDU would exceed its 16-bit length. */
bool tvs_pdu_add(tvs_pdu *p, uint8_t tag, const void *val, size_t len);
/* Writes the element-area length into the header. */
void tvs_pdu_finish(tvs_pdu *p);

/* Reads exactly one PDU, framed by sbd_tvs_pdu_len. 1 = got one, 0 = peer closed cleanly before a
 * header byte, -1 = error (printed to stderr with prog as prefix). */
int tvs_read_pdu(SSL *ssl, tvs_pdu *p, const char *prog);
bool tvs_write_all(SSL *ssl, const uint8_t *buf, size_t len);

/* "ADDR:PORT", "[v6]:PORT"; false when malformed or too long. */
bool tvs_split_hostport(const char *s, char *host, size_t hostsz, char *port, size_t portsz);

/* TLS version pin: 0 = library defaults, 10 = TLS 1.0 (old 7900 phones), 12, 13. */
bool tvs_ctx_set_version(SSL_CTX *ctx, int version);
/* NSS key log (SSLKEYLOGFILE format) to path, or to $SSLKEYLOGFILE when path is NULL; appends.
 * No-op when neither is set. */
bool tvs_ctx_keylog(SSL_CTX *ctx, const char *path, const char *prog);
void tvs_print_ssl_errors(const char *prog, const char *what);

/* Certificate facts as TVS carries them. */
typedef struct tvs_cert {
    X509 *x509;
    uint8_t *der;
    size_t der_len;
    uint8_t sha256[32];
    char subject[512]; /* CUCM style "CN=a;OU=b;O=c", most specific first */
    char issuer[512];
    uint8_t serial[64]; /* unsigned big-endian, no leading zero bytes */
    size_t serial_len;
    uint8_t roles[TVS_MAX_ROLES];
    size_t n_roles;
} tvs_cert;

/* Fills c from x509 (takes ownership). */
bool tvs_cert_from_x509(X509 *x509, tvs_cert *c);
void tvs_cert_free(tvs_cert *c);
/* First certificate of a PEM or DER file. */
bool tvs_cert_load(const char *path, tvs_cert *c, const char *prog);

/* "SAST,CCM+TFTP,21" -> codes; names as in docs/formats.md section 3, or decimal numbers. */
bool tvs_roles_parse(const char *list, uint8_t *roles, size_t *n_roles);
/* "SAST,TFTP" ("-" when empty); unknown codes print as numbers. */
void tvs_roles_format(const uint8_t *roles, size_t n, char *out, size_t outsz);

void tvs_hex(const uint8_t *p, size_t n, char *out, size_t outsz);

#endif
