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

/* The two forms of a certificate serial (unsigned bytes, no DER sign byte):
 *  - SBD_SERIAL_SHOWN, for people: uppercase hex bytes joined by ':' ("2E:3E:1A:7B:DA:A6:4D:84"),
 *    as CUCM prints serials (show itl, show ctl, the certificate pages), so a serial in a finding
 *    can be compared with CUCM's listings by eye. Every reason the trust engine writes, pcapscan's
 *    text report, show listing and HTML page, and the Wireshark plugin show this form;
 *  - SBD_SERIAL_FIELD, for machines: uppercase hex, no separators ("2E3E1A7BDAA64D84"), the
 *    documented form of pcapscan's JSON `serial` fields and CSV `cert_serial` column.
 * sbd_hex_serial is the one function that renders a serial: nothing else formats one. */
typedef enum { SBD_SERIAL_FIELD = 0, SBD_SERIAL_SHOWN = 1 } sbd_serial_form;
/* Room for any serial of sbd_cert_info (64 bytes) in the shown form, NUL included. */
#define SBD_SERIAL_TEXT_MAX (3 * 64)

/* The serial in form into out (cut at a whole byte when out is too small). Returns out. */
char *sbd_hex_serial(const uint8_t *serial, size_t len, sbd_serial_form form, char *out,
                     size_t outsz);
/* Lowercase hex of bytes (fingerprints, MD5 checksums). Returns out. */
char *sbd_hex_lower(const uint8_t *p, size_t len, char *out, size_t outsz);
/* The value of one hex digit, either case; -1 for any other byte. */
int sbd_hex_digit(int c);
/* "2026-11-26T18:16:24Z". Returns out. */
char *sbd_time_iso(int64_t t, char *out, size_t outsz);

#endif
