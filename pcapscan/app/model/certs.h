/* Distinct server certificate chains of a run, shared by the TLS sessions that served them.
 * A cluster serves the same chain to every phone: keeping one DER copy and one X.509 decode per
 * distinct certificate (OpenSSL 3 needs about 1.3 M instructions to decode one) makes the cost
 * and the memory follow the number of distinct certificates, not the number of sessions.
 * Thread-safe: the scan workers of one run share one table. */
#ifndef PCAPSCAN_CERTS_H
#define PCAPSCAN_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/tls_certs.h"
#include "sbd/cert.h"

/* One certificate of a served chain. */
typedef struct obs_cert {
    uint8_t *der;
    size_t len;
    bool info_ok;
    sbd_cert_info info;
    char *error; /* why info_ok is false */
} obs_cert;

typedef struct obs_certs obs_certs;

obs_certs *obs_certs_new(void); /* NULL when out of memory */
void obs_certs_free(obs_certs *t);

/* The shared chain with these certificates, leaf first (n entries, decoded once). It lives until
 * obs_certs_free; NULL when out of memory. */
const obs_cert *obs_certs_chain(obs_certs *t, const cap_tls_cert *chain, size_t n);

/* One certificate of the table (added and decoded on first sight); NULL when out of memory. */
const obs_cert *obs_certs_cert(obs_certs *t, const uint8_t *der, size_t len);
/* The shared chain of n certificates that obs_certs_cert(t, ...) returned. */
const obs_cert *obs_certs_chain_of(obs_certs *t, const obs_cert *const *certs, size_t n);

#endif
