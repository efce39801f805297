/* X.509 facts for reports and matching, from DER (record tag 9, TLS Certificate, TVS element). */
#ifndef SBD_CERT_H
#define SBD_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/status.h"

typedef struct sbd_cert_info {
    char subject[512]; /* sbd_dn_render: "CN=x,OU=y,O=z" (CN first, RFC 4514 escaping) */
    char issuer[512];
    uint8_t serial[64]; /* unsigned big-endian, DER sign byte stripped */
    size_t serial_len;
    int64_t not_before; /* Unix seconds, UTC */
    int64_t not_after;
    char key_type[16]; /* "RSA", "EC", "ED25519", ... */
    int key_bits;
    uint8_t md5[16];
    uint8_t sha1[20];
    uint8_t sha256[32];
} sbd_cert_info;

sbd_status sbd_cert_info_from_der(const uint8_t *der, size_t len, sbd_cert_info *out,
                                  sbd_error *err);

/* Serial as uppercase hex, no separators ("2E3E1A7BDAA64D84"); colon style ("2E:3E:...") when
 * colons is true. Returns out. */
char *sbd_hex_serial(const uint8_t *serial, size_t len, bool colons, char *out, size_t outsz);
/* Lowercase hex of bytes (fingerprints, MD5 checksums). Returns out. */
char *sbd_hex_lower(const uint8_t *p, size_t len, char *out, size_t outsz);
/* "2026-11-26T18:16:24Z". Returns out. */
char *sbd_time_iso(int64_t t, char *out, size_t outsz);

#endif
