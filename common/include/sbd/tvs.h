/* Trust Verification Service messages (TCP 2445, inside TLS): 10-byte header + TLV elements. */
#ifndef SBD_TVS_H
#define SBD_TVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/status.h"

#define SBD_TVS_PROTO_ID 0x57
#define SBD_TVS_HEADER_LEN 10
#define SBD_TVS_MAX_ELEMS 64

enum {
    SBD_TVS_MSG_NONE = 0,
    SBD_TVS_VERIFY_REQUEST = 1,
    SBD_TVS_VERIFY_RESPONSE = 2,
    SBD_TVS_QUERY_CERT_REQUEST = 3,
    SBD_TVS_QUERY_CERT_RESPONSE = 4,
};

enum {
    SBD_TVS_EL_DEVICE_NAME = 1,
    SBD_TVS_EL_CERTIFICATE = 2,
    SBD_TVS_EL_SUBJECT = 3,
    SBD_TVS_EL_ISSUER = 4,
    SBD_TVS_EL_SERIAL = 5,
    SBD_TVS_EL_STATUS = 7,
    SBD_TVS_EL_ROLES = 8,
    SBD_TVS_EL_TTL = 9,
};

typedef struct sbd_tvs_elem {
    uint8_t tag;
    uint16_t len;
    uint32_t off; /* offset of the tag byte from the start of the message */
} sbd_tvs_elem;

typedef struct sbd_tvs_msg {
    uint8_t proto; /* 0x57 */
    uint8_t version;
    uint8_t type;
    uint8_t flags; /* header byte 3, meaning unknown */
    uint32_t session_id;
    uint16_t length; /* element area length */
    sbd_tvs_elem elems[SBD_TVS_MAX_ELEMS];
    size_t n_elems;   /* entries stored in elems[], never more than SBD_TVS_MAX_ELEMS */
    size_t n_unknown; /* elements with a tag not in the enum above (all of them, stored or not) */
    size_t n_elems_total; /* every element in the PDU; > n_elems when elems[] overflowed */
    /* Decoded conveniences (valid when the matching element is present). */
    const sbd_tvs_elem *device_name, *certificate, *subject, *issuer, *serial, *status, *roles,
        *ttl;
    uint8_t status_value;
    uint32_t ttl_value;
} sbd_tvs_msg;

/* How many bytes the PDU at buf needs in total: > 0 known, 0 when fewer than 10 bytes are
 * available, -1 when buf does not start a TVS PDU. For stream framing. */
long sbd_tvs_pdu_len(const uint8_t *buf, size_t len);

/* Parse one PDU at buf[0..len). Returns SBD_OK with *consumed set, SBD_TRUNCATED when more bytes
 * are needed, SBD_MALFORMED with err->offset otherwise. (Additive: SBD_UNSUPPORTED with offset 1
 * when the version byte is newer than 1. Bytes after the PDU are not consumed; STATUS must be 1
 * byte and TTL 4 bytes, else SBD_MALFORMED. Conveniences point at the first occurrence of a tag.)
 */
sbd_status sbd_tvs_parse(const uint8_t *buf, size_t len, sbd_tvs_msg *msg, size_t *consumed,
                         sbd_error *err);

const char *sbd_tvs_msg_name(uint8_t type); /* NULL when unknown */
const char *sbd_tvs_elem_name(uint8_t tag); /* NULL when unknown */

#endif
