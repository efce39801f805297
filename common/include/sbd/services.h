/* The one table of TLS services a phone meets, by server port: which certificate role the phone
 * expects there and which list vouches for it. The capture layer watches these ports, the trust
 * engine judges their certificates and the plugin labels them, all from this table. */
#ifndef SBD_SERVICES_H
#define SBD_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBD_SERVICE_MAP(X)                                                                         \
    X(NONE, "none", "not a watched service")                                                       \
    X(TVS, "tvs", "Trust Verification Service")                                                    \
    X(CAPF, "capf", "Certificate Authority Proxy Function")                                        \
    X(SIP_TLS, "sip_tls", "SIP over TLS (secure signalling)")                                      \
    X(SCCP_TLS, "sccp_tls", "SCCP over TLS (secure signalling)")                                   \
    X(HTTPS_TFTP, "https_tftp", "HTTPS TFTP (configuration download)")                             \
    X(HTTPS, "https", "HTTPS service (directories, authentication URL)")

typedef enum {
#define SBD_SERVICE_ENUM(id, word, text) SBD_SVC_##id,
    SBD_SERVICE_MAP(SBD_SERVICE_ENUM)
#undef SBD_SERVICE_ENUM
        SBD_SVC_COUNT
} sbd_service;

const char *sbd_service_word(sbd_service s); /* "tvs", "capf", ... (JSON words) */
const char *sbd_service_text(sbd_service s); /* for people */
bool sbd_service_from_word(const char *word, sbd_service *out);

#define SBD_SERVICE_MAX_PORTS 64

typedef struct sbd_service_port {
    uint16_t port;
    sbd_service service;
} sbd_service_port;

/* Port -> service. Starts with the defaults: TVS 2445, CAPF 3804, SIP TLS 5061, SCCP TLS 2443,
 * HTTPS TFTP 6971 and 6972, HTTPS 8443 and 443. */
typedef struct sbd_service_table {
    sbd_service_port ports[SBD_SERVICE_MAX_PORTS];
    size_t n;
} sbd_service_table;

void sbd_services_default(sbd_service_table *t);
/* Set (or override) the service of a port; false when the table is full. */
bool sbd_services_set(sbd_service_table *t, uint16_t port, sbd_service s);
/* SBD_SVC_NONE for a port not in the table. t NULL: the defaults. */
sbd_service sbd_service_of_port(const sbd_service_table *t, uint16_t port);

#endif
