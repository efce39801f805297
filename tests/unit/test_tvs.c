/* TVS parser: the real CUCM 11 trace (docs/formats.md section 6), synthetic PDUs and hostile input.
 *
 * With SBD_TVS_WRITE_CORPUS=<dir> set, the test also writes its vectors there as fuzz seeds:
 *   SBD_TVS_WRITE_CORPUS=tests/fuzz/corpus/tvs build-<name>/tests/unit/test_tvs */
#include <stdlib.h>

#include "check.h"
#include "sbd/tvs.h"

/* A growable byte buffer for composing PDUs. */
typedef struct buf {
    uint8_t b[4096];
    size_t n;
} buf;

static void put(buf *o, const void *p, size_t n)
{
    if (o->n + n > sizeof o->b)
        abort();
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void put8(buf *o, uint8_t v)
{
    put(o, &v, 1);
}
static void put16(buf *o, uint16_t v)
{
    put8(o, (uint8_t)(v >> 8));
    put8(o, (uint8_t)v);
}
static void put32(buf *o, uint32_t v)
{
    put16(o, (uint16_t)(v >> 16));
    put16(o, (uint16_t)v);
}
static void put_elem(buf *o, uint8_t tag, const void *val, uint16_t len)
{
    put8(o, tag);
    put16(o, len);
    put(o, val, len);
}
static void put_header(buf *o, uint8_t type, uint8_t flags, uint32_t session, uint16_t len)
{
    put8(o, SBD_TVS_PROTO_ID);
    put8(o, 1);
    put8(o, type);
    put8(o, flags);
    put32(o, session);
    put16(o, len);
}
/* Patch the element-area length once the elements are in. */
static void fix_length(buf *o, size_t pdu_start)
{
    size_t area = o->n - pdu_start - SBD_TVS_HEADER_LEN;
    o->b[pdu_start + 8] = (uint8_t)(area >> 8);
    o->b[pdu_start + 9] = (uint8_t)area;
}

/* Request of the Cisco doc 213407 trace. The serial's middle bytes are elided in the doc
 * ("24000000…17"); ours are filler of the right count. */
static void build_real_request(buf *o)
{
    static const char device[] = "\x01"
                                 "CP-8861-SEPB000B4BA0AEE";
    static const char subject[] =
        "CN=ucm11pub.stormin.local;OU=IST;O=Stormin;L=Brisbane;ST=QLD;C=AU";
    static const char issuer[] = "CN=stormin-WIN2012-CA";
    uint8_t serial[19] = {0x24, 0x00, 0x00, 0x00};
    for (size_t i = 4; i < sizeof serial - 1; i++)
        serial[i] = (uint8_t)(0xA0 + i);
    serial[18] = 0x17;
    put_header(o, SBD_TVS_QUERY_CERT_REQUEST, 0x00, 0x3E9, 0x8F);
    put_elem(o, SBD_TVS_EL_DEVICE_NAME, device, sizeof device - 1);
    put_elem(o, SBD_TVS_EL_SUBJECT, subject, sizeof subject); /* with the NUL */
    put_elem(o, SBD_TVS_EL_ISSUER, issuer, sizeof issuer);
    put_elem(o, SBD_TVS_EL_SERIAL, serial, sizeof serial);
}

/* Response of the same trace: status, a 1451-byte certificate (DER header as in the trace, filler
 * body), roles SAST+TFTP, TTL 86400. */
static void build_real_response(buf *o)
{
    static uint8_t cert[1451] = {0x30, 0x82, 0x05, 0xA7};
    for (size_t i = 4; i < sizeof cert; i++)
        cert[i] = (uint8_t)i;
    static const uint8_t status[] = {0}, roles[] = {0x00, 0x03}, ttl[] = {0x00, 0x01, 0x51, 0x80};
    put_header(o, SBD_TVS_QUERY_CERT_RESPONSE, 0xF7, 0x3E9, 0x5BE);
    put_elem(o, SBD_TVS_EL_STATUS, status, sizeof status);
    put_elem(o, SBD_TVS_EL_CERTIFICATE, cert, sizeof cert);
    put_elem(o, SBD_TVS_EL_ROLES, roles, sizeof roles);
    put_elem(o, SBD_TVS_EL_TTL, ttl, sizeof ttl);
}

/* The synthetic verify request of docs/formats.md section 6; the DER is a stand-in, the parser
 * does not decode it. */
static void build_verify_request(buf *o)
{
    static const char device[] = "\x01"
                                 "CP-7975-SEP001122334455";
    static const uint8_t der[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xAA};
    size_t start = o->n;
    put_header(o, SBD_TVS_VERIFY_REQUEST, 0, 1, 0);
    put_elem(o, SBD_TVS_EL_DEVICE_NAME, device, sizeof device - 1);
    put_elem(o, SBD_TVS_EL_CERTIFICATE, der, sizeof der);
    fix_length(o, start);
}

/* Parse from an exact-size heap copy so any over-read trips ASan. */
static sbd_status parse_exact(const uint8_t *p, size_t n, sbd_tvs_msg *m, size_t *used,
                              sbd_error *e)
{
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        abort();
    if (n)
        memcpy(copy, p, n);
    sbd_status st = sbd_tvs_parse(copy, n, m, used, e);
    free(copy);
    return st;
}

static sbd_tvs_msg msg; /* large (64-entry table): keep it off the stack */

static void test_real_request(void)
{
    buf o = {.n = 0};
    build_real_request(&o);
    CHECK_EQ_INT(o.n, 10 + 143);
    static const uint8_t header[] = {0x57, 0x01, 0x03, 0x00, 0x00, 0x00, 0x03, 0xE9, 0x00, 0x8F};
    CHECK(memcmp(o.b, header, sizeof header) == 0);
    CHECK_EQ_INT(sbd_tvs_pdu_len(o.b, o.n), 153);

    size_t used = 0;
    sbd_error e = {0};
    CHECK_EQ_INT(parse_exact(o.b, o.n, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(used, 153);
    CHECK_EQ_INT(msg.proto, 0x57);
    CHECK_EQ_INT(msg.version, 1);
    CHECK_EQ_INT(msg.type, SBD_TVS_QUERY_CERT_REQUEST);
    CHECK_EQ_INT(msg.flags, 0);
    CHECK_EQ_INT(msg.session_id, 1001);
    CHECK_EQ_INT(msg.length, 143);
    CHECK_EQ_INT(msg.n_elems, 4);
    CHECK_EQ_INT(msg.n_elems_total, 4);
    CHECK_EQ_INT(msg.n_unknown, 0);
    CHECK(msg.device_name == &msg.elems[0]);
    CHECK_EQ_INT(msg.elems[0].off, 10);
    CHECK_EQ_INT(msg.elems[0].len, 24);
    CHECK(memcmp(o.b + msg.elems[0].off + 4, "CP-8861-SEPB000B4BA0AEE", 23) == 0);
    CHECK(msg.subject == &msg.elems[1]);
    CHECK_EQ_INT(msg.subject->off, 37);
    CHECK_EQ_INT(msg.subject->len, 0x42);
    CHECK(msg.issuer && msg.issuer->off == 106 && msg.issuer->len == 22);
    CHECK(msg.serial && msg.serial->off == 131 && msg.serial->len == 19);
    CHECK_EQ_INT(msg.serial ? o.b[msg.serial->off + 3] : -1, 0x24);
    CHECK(msg.certificate == NULL && msg.status == NULL && msg.roles == NULL && msg.ttl == NULL);
}

static void test_real_response(void)
{
    buf o = {.n = 0};
    build_real_response(&o);
    CHECK_EQ_INT(o.n, 10 + 0x5BE);
    static const uint8_t head[] = {0x57, 0x01, 0x04, 0xF7, 0x00, 0x00, 0x03, 0xE9, 0x05, 0xBE, 0x07,
                                   0x00, 0x01, 0x00, 0x02, 0x05, 0xAB, 0x30, 0x82, 0x05, 0xA7};
    CHECK(memcmp(o.b, head, sizeof head) == 0);
    static const uint8_t tail[] = {0x08, 0x00, 0x02, 0x00, 0x03, 0x09,
                                   0x00, 0x04, 0x00, 0x01, 0x51, 0x80};
    CHECK(memcmp(o.b + o.n - 12, tail, sizeof tail) == 0);

    size_t used = 0;
    sbd_error e = {0};
    CHECK_EQ_INT(parse_exact(o.b, o.n, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(used, 1480);
    CHECK_EQ_INT(msg.type, SBD_TVS_QUERY_CERT_RESPONSE);
    CHECK_EQ_INT(msg.flags, 0xF7);
    CHECK_EQ_INT(msg.session_id, 1001);
    CHECK_EQ_INT(msg.n_elems, 4);
    CHECK(msg.status && msg.status->off == 10);
    CHECK_EQ_INT(msg.status_value, 0);
    CHECK(msg.certificate && msg.certificate->off == 14 && msg.certificate->len == 1451);
    CHECK(msg.roles && msg.roles->off == 1468 && msg.roles->len == 2);
    CHECK_EQ_INT(msg.roles ? o.b[msg.roles->off + 4] : -1, 3); /* TFTP */
    CHECK(msg.ttl && msg.ttl->off == 1473);
    CHECK_EQ_INT(msg.ttl_value, 86400);
}

static void test_verify_request_and_stream(void)
{
    buf o = {.n = 0};
    build_verify_request(&o);
    size_t first = o.n;
    build_real_response(&o); /* a second PDU in the same stream buffer */

    size_t used = 0;
    sbd_error e = {0};
    CHECK_EQ_INT(sbd_tvs_pdu_len(o.b, o.n), (long)first);
    CHECK_EQ_INT(parse_exact(o.b, o.n, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(used, first);
    CHECK_EQ_INT(msg.type, SBD_TVS_VERIFY_REQUEST);
    CHECK_EQ_INT(msg.session_id, 1);
    CHECK_EQ_INT(msg.length, 3 + 24 + 3 + 8);
    CHECK(msg.device_name && msg.device_name->len == 24);
    CHECK(msg.certificate && msg.certificate->len == 8 && msg.certificate->off == 37);
    CHECK_EQ_INT(msg.certificate ? o.b[msg.certificate->off + 3] : -1, 0x30);

    CHECK_EQ_INT(sbd_tvs_pdu_len(o.b + used, o.n - used), 1480);
    CHECK_EQ_INT(parse_exact(o.b + used, o.n - used, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(used, 1480);
    CHECK_EQ_INT(msg.ttl_value, 86400);
}

/* Every proper prefix must ask for more bytes, never read past its end, never claim success. */
static void test_truncated_everywhere(void)
{
    buf reqs[3] = {{.n = 0}, {.n = 0}, {.n = 0}};
    build_real_request(&reqs[0]);
    build_real_response(&reqs[1]);
    build_verify_request(&reqs[2]);
    for (size_t k = 0; k < 3; k++) {
        int wrong = 0;
        for (size_t cut = 0; cut < reqs[k].n; cut++) {
            size_t used = 99;
            sbd_error e = {0};
            sbd_status st = parse_exact(reqs[k].b, cut, &msg, &used, &e);
            long need = sbd_tvs_pdu_len(reqs[k].b, cut);
            long want_need = cut < SBD_TVS_HEADER_LEN ? 0 : (long)reqs[k].n;
            if (st != SBD_TRUNCATED || used != 0 || e.offset != cut || need != want_need)
                wrong++;
        }
        CHECK_EQ_INT(wrong, 0);
    }
}

static void test_bad_header(void)
{
    size_t used = 0;
    sbd_error e = {0};
    static const uint8_t wrong_id[] = {0x58};
    CHECK_EQ_INT(parse_exact(wrong_id, 1, &msg, &used, &e), SBD_MALFORMED);
    CHECK_EQ_INT(e.offset, 0);
    CHECK_EQ_INT(sbd_tvs_pdu_len(wrong_id, 1), -1);
    CHECK_EQ_INT(sbd_tvs_pdu_len(wrong_id, 0), 0);

    buf o = {.n = 0};
    build_verify_request(&o);
    o.b[1] = 2;
    e.offset = 99;
    CHECK_EQ_INT(parse_exact(o.b, o.n, &msg, &used, &e), SBD_UNSUPPORTED);
    CHECK_EQ_INT(e.offset, 1);
    CHECK(strstr(e.msg, "offset 1") != NULL);
    CHECK_EQ_INT(parse_exact(o.b, 2, &msg, &used, &e), SBD_UNSUPPORTED);

    o.b[1] = 0; /* older versions have the same layout */
    CHECK_EQ_INT(parse_exact(o.b, o.n, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(msg.version, 0);

    /* Empty element area, message type 0: valid and empty. */
    buf empty = {.n = 0};
    put_header(&empty, SBD_TVS_MSG_NONE, 0, 7, 0);
    CHECK_EQ_INT(parse_exact(empty.b, empty.n, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(used, 10);
    CHECK_EQ_INT(msg.n_elems, 0);
    CHECK(msg.device_name == NULL);
}

static void test_lying_lengths(void)
{
    size_t used = 0;
    sbd_error e = {0};

    /* Header says 2 bytes more than the elements: the 2 stray bytes can't form an element. */
    buf o = {.n = 0};
    build_verify_request(&o);
    put8(&o, 0x07);
    put8(&o, 0x00);
    fix_length(&o, 0);
    CHECK_EQ_INT(parse_exact(o.b, o.n, &msg, &used, &e), SBD_MALFORMED);
    CHECK_EQ_INT(e.offset, o.n - 2);
    CHECK_EQ_INT(used, 0);

    /* Header covers less than the last element: the certificate runs past the element area even
     * though the buffer holds its bytes (they belong to the "next PDU"). */
    buf s = {.n = 0};
    build_verify_request(&s);
    s.b[9] = (uint8_t)(s.b[9] - 1);
    CHECK_EQ_INT(parse_exact(s.b, s.n, &msg, &used, &e), SBD_MALFORMED);
    CHECK_EQ_INT(e.offset, 37);
    CHECK(strstr(e.msg, "offset 37") != NULL);

    /* Element length 0xFFFF inside a small PDU. */
    buf big = {.n = 0};
    put_header(&big, SBD_TVS_VERIFY_REQUEST, 0, 1, 0);
    put8(&big, SBD_TVS_EL_CERTIFICATE);
    put16(&big, 0xFFFF);
    put8(&big, 0x30);
    fix_length(&big, 0);
    CHECK_EQ_INT(parse_exact(big.b, big.n, &msg, &used, &e), SBD_MALFORMED);
    CHECK_EQ_INT(e.offset, 10);

    /* Length field larger than what arrived: truncated, not malformed. */
    buf lie = {.n = 0};
    put_header(&lie, SBD_TVS_VERIFY_REQUEST, 0, 1, 0xFFFF);
    put_elem(&lie, SBD_TVS_EL_DEVICE_NAME, "\x01X", 2);
    CHECK_EQ_INT(parse_exact(lie.b, lie.n, &msg, &used, &e), SBD_TRUNCATED);
    CHECK_EQ_INT(sbd_tvs_pdu_len(lie.b, lie.n), 10 + 0xFFFF);

    /* Trailing junk after a complete PDU is left for the caller. */
    buf junk = {.n = 0};
    build_verify_request(&junk);
    size_t pdu = junk.n;
    put(&junk, "\xde\xad\xbe\xef", 4);
    CHECK_EQ_INT(parse_exact(junk.b, junk.n, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(used, pdu);
    CHECK_EQ_INT(sbd_tvs_pdu_len(junk.b + used, junk.n - used), -1);
}

static void test_element_sizes(void)
{
    size_t used = 0;
    sbd_error e = {0};

    /* Zero-length elements and unknown tags are kept and counted. */
    buf o = {.n = 0};
    put_header(&o, SBD_TVS_VERIFY_RESPONSE, 0, 5, 0);
    put_elem(&o, SBD_TVS_EL_DEVICE_NAME, "", 0);
    put_elem(&o, 6, "", 0);
    put_elem(&o, 200, "\x01\x02", 2);
    put_elem(&o, SBD_TVS_EL_ROLES, "", 0);
    put_elem(&o, SBD_TVS_EL_STATUS, "\x01", 1);
    put_elem(&o, SBD_TVS_EL_STATUS, "\x00", 1); /* duplicate: the first one counts */
    fix_length(&o, 0);
    CHECK_EQ_INT(parse_exact(o.b, o.n, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(msg.n_elems, 6);
    CHECK_EQ_INT(msg.n_unknown, 2);
    CHECK_EQ_INT(msg.elems[1].tag, 6);
    CHECK_EQ_INT(msg.elems[2].tag, 200);
    CHECK_EQ_INT(msg.elems[2].off, 16);
    CHECK(msg.device_name && msg.device_name->len == 0);
    CHECK(msg.roles && msg.roles->len == 0);
    CHECK(msg.status == &msg.elems[4]);
    CHECK_EQ_INT(msg.status_value, 1);
    CHECK(msg.ttl == NULL);

    /* Fixed-size elements with another size cannot be decoded. */
    buf bad = {.n = 0};
    put_header(&bad, SBD_TVS_VERIFY_RESPONSE, 0, 5, 0);
    put_elem(&bad, SBD_TVS_EL_STATUS, "\x00", 1);
    put_elem(&bad, SBD_TVS_EL_TTL, "\x00\x01", 2);
    fix_length(&bad, 0);
    CHECK_EQ_INT(parse_exact(bad.b, bad.n, &msg, &used, &e), SBD_MALFORMED);
    CHECK_EQ_INT(e.offset, 14);
    CHECK(strstr(e.msg, "TTL") != NULL);

    buf zero_status = {.n = 0};
    put_header(&zero_status, SBD_TVS_VERIFY_RESPONSE, 0, 5, 0);
    put_elem(&zero_status, SBD_TVS_EL_STATUS, "", 0);
    fix_length(&zero_status, 0);
    CHECK_EQ_INT(parse_exact(zero_status.b, zero_status.n, &msg, &used, &e), SBD_MALFORMED);
    CHECK_EQ_INT(e.offset, 10);
}

/* More elements than the table holds: all are bounds-checked and counted, the first 64 stored. */
static void test_many_elements(void)
{
    static uint8_t big[SBD_TVS_HEADER_LEN + 0xFFFF];
    size_t n_elems = 0xFFFF / 3; /* 21845 empty elements fill the largest element area exactly */
    big[0] = SBD_TVS_PROTO_ID;
    big[1] = 1;
    big[2] = SBD_TVS_VERIFY_RESPONSE;
    big[8] = 0xFF;
    big[9] = 0xFF;
    for (size_t i = 0; i < n_elems; i++)
        big[SBD_TVS_HEADER_LEN + 3 * i] = (uint8_t)(i % 2 ? 42 : SBD_TVS_EL_ROLES);
    /* The STATUS after the table overflowed is still checked: a bad length must be caught. */
    size_t late = SBD_TVS_HEADER_LEN + 3 * 100;
    big[late] = SBD_TVS_EL_STATUS;

    size_t used = 0;
    sbd_error e = {0};
    CHECK_EQ_INT(parse_exact(big, sizeof big, &msg, &used, &e), SBD_MALFORMED);
    CHECK_EQ_INT(e.offset, late);

    big[late] = 42;
    CHECK_EQ_INT(parse_exact(big, sizeof big, &msg, &used, &e), SBD_OK);
    CHECK_EQ_INT(used, sizeof big);
    CHECK_EQ_INT(msg.n_elems, SBD_TVS_MAX_ELEMS);
    CHECK_EQ_INT(msg.n_elems_total, n_elems);
    CHECK_EQ_INT(msg.n_unknown, n_elems / 2 + 1);
    CHECK_EQ_INT(msg.elems[SBD_TVS_MAX_ELEMS - 1].off, SBD_TVS_HEADER_LEN + 3 * 63);
    CHECK(msg.roles == &msg.elems[0]);
}

static void test_names(void)
{
    CHECK_STREQ(sbd_tvs_msg_name(SBD_TVS_VERIFY_REQUEST), "VERIFY_REQUEST");
    CHECK_STREQ(sbd_tvs_msg_name(SBD_TVS_QUERY_CERT_RESPONSE), "QUERY_CERT_RESPONSE");
    CHECK_STREQ(sbd_tvs_msg_name(0), "NONE");
    CHECK(sbd_tvs_msg_name(5) == NULL);
    CHECK(sbd_tvs_msg_name(255) == NULL);
    CHECK_STREQ(sbd_tvs_elem_name(SBD_TVS_EL_DEVICE_NAME), "DEVICE_NAME");
    CHECK_STREQ(sbd_tvs_elem_name(SBD_TVS_EL_ISSUER), "ISSUER_NAME");
    CHECK_STREQ(sbd_tvs_elem_name(SBD_TVS_EL_TTL), "TTL");
    CHECK(sbd_tvs_elem_name(0) == NULL);
    CHECK(sbd_tvs_elem_name(6) == NULL);
}

static void write_seed(const char *dir, const char *name, const buf *o)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (!fp)
        return;
    CHECK_EQ_INT(fwrite(o->b, 1, o->n, fp), o->n);
    fclose(fp);
}

static void maybe_write_corpus(void)
{
    const char *dir = getenv("SBD_TVS_WRITE_CORPUS");
    if (!dir)
        return;
    buf o = {.n = 0};
    build_real_request(&o);
    write_seed(dir, "real-query-request.bin", &o);
    o.n = 0;
    build_real_response(&o);
    write_seed(dir, "real-query-response.bin", &o);
    o.n = 0;
    build_verify_request(&o);
    build_real_request(&o);
    write_seed(dir, "stream-verify-then-query.bin", &o);
    o.n = 0;
    put_header(&o, SBD_TVS_VERIFY_RESPONSE, 0, 1, 0);
    put_elem(&o, SBD_TVS_EL_STATUS, "\x00", 1);
    put_elem(&o, SBD_TVS_EL_ROLES, "\x00\x15", 2);
    put_elem(&o, SBD_TVS_EL_TTL, "\x00\x01\x51\x80", 4);
    put_elem(&o, 6, "", 0);
    fix_length(&o, 0);
    write_seed(dir, "verify-response-unknown-tag.bin", &o);
    o.n = 0;
    build_verify_request(&o);
    o.b[o.n - 10] = 0xFF; /* certificate length 0xFF08: runs past the element area */
    write_seed(dir, "lying-element-length.bin", &o);
}

int main(void)
{
    test_real_request();
    test_real_response();
    test_verify_request_and_stream();
    test_truncated_everywhere();
    test_bad_header();
    test_lying_lengths();
    test_element_sizes();
    test_many_elements();
    test_names();
    maybe_write_corpus();
    return check_report();
}
