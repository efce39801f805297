/* Field writers shared by the JSON lines writers (out_json.c, obs_json.c). */
#ifndef PCAPSCAN_JW_FIELDS_H
#define PCAPSCAN_JW_FIELDS_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/pkt.h"
#include "lib/jw.h"

/* Addresses already formatted, by address: a report names the same few servers and each phone
 * on many lines, and inet_ntop + snprintf per line was 6% of a report's instructions. One per
 * writing thread. */
typedef struct jw_addr_memo {
    cap_addr a;
    unsigned char len; /* 0: empty slot */
    char ip[INET6_ADDRSTRLEN];
} jw_addr_memo;

typedef struct jw_addrs {
    jw_addr_memo slot[128];
} jw_addrs;

/* An endpoint as cap_addr_str writes it: "ip:port", "[ip6]:port", the address alone for port 0. */
void jwf_endpoint(jw *w, jw_addrs *m, const cap_addr *a, uint16_t port);
/* Lowercase hex of p[0, n), n <= 64. */
void jwf_hex(jw *w, const uint8_t *p, size_t n);

#endif
