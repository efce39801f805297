/* TVS (Trust Verification Service, TCP 2445 inside TLS): PDU framing and element table.
 * Layout and element meanings: docs/formats.md section 6. Every length field is checked against the
 * bytes really present before it is believed. */
#include <string.h>

#include "sbd/rd.h"
#include "sbd/tvs.h"

/* Newest tvsd accepts version <= 1; anything newer may change the layout, so we refuse it. */
#define TVS_MAX_VERSION 1
#define TVS_ELEM_HEADER_LEN 3

typedef struct tvs_name {
    uint8_t code;
    const char *name;
} tvs_name;

static const tvs_name msg_names[] = {
    {SBD_TVS_MSG_NONE, "NONE"},
    {SBD_TVS_VERIFY_REQUEST, "VERIFY_REQUEST"},
    {SBD_TVS_VERIFY_RESPONSE, "VERIFY_RESPONSE"},
    {SBD_TVS_QUERY_CERT_REQUEST, "QUERY_CERT_REQUEST"},
    {SBD_TVS_QUERY_CERT_RESPONSE, "QUERY_CERT_RESPONSE"},
};

static const tvs_name elem_names[] = {
    {SBD_TVS_EL_DEVICE_NAME, "DEVICE_NAME"},
    {SBD_TVS_EL_CERTIFICATE, "CERTIFICATE"},
    {SBD_TVS_EL_SUBJECT, "SUBJECT_NAME"},
    {SBD_TVS_EL_ISSUER, "ISSUER_NAME"},
    {SBD_TVS_EL_SERIAL, "SERIAL_NUMBER"},
    {SBD_TVS_EL_STATUS, "STATUS"},
    {SBD_TVS_EL_ROLES, "ROLES"},
    {SBD_TVS_EL_TTL, "TTL"},
};

static const char *lookup_name(const tvs_name *table, size_t n, uint8_t code)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].code == code)
            return table[i].name;
    return NULL;
}

const char *sbd_tvs_msg_name(uint8_t type)
{
    return lookup_name(msg_names, sizeof msg_names / sizeof msg_names[0], type);
}

const char *sbd_tvs_elem_name(uint8_t tag)
{
    return lookup_name(elem_names, sizeof elem_names / sizeof elem_names[0], tag);
}

long sbd_tvs_pdu_len(const uint8_t *buf, size_t len)
{
    /* Reject on the first byte already, so a stream that is not TVS is spotted early. */
    if (len >= 1 && buf[0] != SBD_TVS_PROTO_ID)
        return -1;
    if (len < SBD_TVS_HEADER_LEN)
        return 0;
    return (long)SBD_TVS_HEADER_LEN + sbd_be16(buf + 8);
}

/* Checks the bytes of the header that are present, so a bad protocol id or version is reported
 * even before the full header has arrived. */
static sbd_status check_header_prefix(const uint8_t *buf, size_t len, sbd_error *err)
{
    if (len >= 1 && buf[0] != SBD_TVS_PROTO_ID)
        return sbd_fail(err, SBD_MALFORMED, 0,
                        "TVS: protocol id 0x%02x at offset 0, expected 0x%02x", buf[0],
                        SBD_TVS_PROTO_ID);
    if (len >= 2 && buf[1] > TVS_MAX_VERSION)
        return sbd_fail(err, SBD_UNSUPPORTED, 1, "TVS: version %u at offset 1, newest known is %u",
                        buf[1], TVS_MAX_VERSION);
    return SBD_OK;
}

static void read_header(sbd_rd *r, sbd_tvs_msg *msg)
{
    /* Caller guarantees SBD_TVS_HEADER_LEN bytes, so these reads cannot fail. */
    (void)(sbd_rd_u8(r, &msg->proto) && sbd_rd_u8(r, &msg->version) && sbd_rd_u8(r, &msg->type) &&
           sbd_rd_u8(r, &msg->flags) && sbd_rd_be32(r, &msg->session_id) &&
           sbd_rd_be16(r, &msg->length));
}

/* Fixed-size elements: a different length means the value cannot be decoded, which we report
 * rather than guess (0 = any length). */
static uint16_t expected_len(uint8_t tag)
{
    switch (tag) {
    case SBD_TVS_EL_STATUS:
        return 1;
    case SBD_TVS_EL_TTL:
        return 4;
    default:
        return 0;
    }
}

static const sbd_tvs_elem **convenience_slot(sbd_tvs_msg *msg, uint8_t tag)
{
    switch (tag) {
    case SBD_TVS_EL_DEVICE_NAME:
        return &msg->device_name;
    case SBD_TVS_EL_CERTIFICATE:
        return &msg->certificate;
    case SBD_TVS_EL_SUBJECT:
        return &msg->subject;
    case SBD_TVS_EL_ISSUER:
        return &msg->issuer;
    case SBD_TVS_EL_SERIAL:
        return &msg->serial;
    case SBD_TVS_EL_STATUS:
        return &msg->status;
    case SBD_TVS_EL_ROLES:
        return &msg->roles;
    case SBD_TVS_EL_TTL:
        return &msg->ttl;
    default:
        return NULL;
    }
}

/* Stores the element (while the table has room) and points the convenience at its first
 * occurrence; later duplicates stay visible in the table only. */
static void record_elem(sbd_tvs_msg *msg, const uint8_t *buf, const sbd_tvs_elem *el)
{
    const sbd_tvs_elem **slot = convenience_slot(msg, el->tag);
    msg->n_elems_total++;
    if (!slot)
        msg->n_unknown++;
    if (msg->n_elems >= SBD_TVS_MAX_ELEMS)
        return;
    sbd_tvs_elem *stored = &msg->elems[msg->n_elems++];
    *stored = *el;
    if (!slot || *slot)
        return;
    *slot = stored;
    const uint8_t *value = buf + el->off + TVS_ELEM_HEADER_LEN;
    if (el->tag == SBD_TVS_EL_STATUS)
        msg->status_value = value[0];
    else if (el->tag == SBD_TVS_EL_TTL)
        msg->ttl_value = sbd_be32(value);
}

/* Walks the element area r->pos..r->end; every element must end inside it. */
static sbd_status parse_elems(sbd_rd *r, sbd_tvs_msg *msg, sbd_error *err)
{
    while (sbd_rd_left(r) > 0) {
        sbd_tvs_elem el = {0, 0, (uint32_t)r->pos};
        if (!sbd_rd_u8(r, &el.tag) || !sbd_rd_be16(r, &el.len))
            return sbd_fail(err, SBD_MALFORMED, el.off,
                            "TVS: %zu stray byte(s) at offset %u, too short for an element header",
                            r->end - el.off, el.off);
        if (!sbd_rd_skip(r, el.len))
            return sbd_fail(err, SBD_MALFORMED, el.off,
                            "TVS: element tag %u at offset %u claims %u bytes, only %zu left in "
                            "the element area",
                            el.tag, el.off, el.len, r->end - (el.off + TVS_ELEM_HEADER_LEN));
        uint16_t want = expected_len(el.tag);
        if (want && el.len != want)
            return sbd_fail(err, SBD_MALFORMED, el.off,
                            "TVS: %s element at offset %u has length %u, expected %u",
                            sbd_tvs_elem_name(el.tag), el.off, el.len, want);
        record_elem(msg, r->buf, &el);
    }
    return SBD_OK;
}

sbd_status sbd_tvs_parse(const uint8_t *buf, size_t len, sbd_tvs_msg *msg, size_t *consumed,
                         sbd_error *err)
{
    memset(msg, 0, sizeof *msg);
    if (consumed)
        *consumed = 0;
    if (!buf)
        len = 0;
    sbd_status st = check_header_prefix(buf, len, err);
    if (st != SBD_OK)
        return st;
    if (len < SBD_TVS_HEADER_LEN)
        return sbd_fail(err, SBD_TRUNCATED, len, "TVS: header needs %d bytes, have %zu",
                        SBD_TVS_HEADER_LEN, len);
    sbd_rd r = sbd_rd_make(buf, len);
    read_header(&r, msg);
    size_t total = SBD_TVS_HEADER_LEN + (size_t)msg->length;
    if (len < total)
        return sbd_fail(err, SBD_TRUNCATED, len,
                        "TVS: length field at offset 8 says %zu bytes in all, have %zu", total,
                        len);
    /* Bytes after this PDU belong to the next one; the element walk stops at its end. */
    r.end = total;
    st = parse_elems(&r, msg, err);
    if (st != SBD_OK)
        return st;
    if (consumed)
        *consumed = total;
    return SBD_OK;
}
