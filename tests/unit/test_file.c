/* Parser tests on byte vectors built here: the docs/formats.md worked example, both record styles,
 * sparse CTL records, unknown tags, and every kind of hostile length. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sbd/file.h"
#include "sbd/names.h"

typedef struct bb {
    uint8_t b[70000];
    size_t n;
} bb;

static void put8(bb *o, uint8_t v)
{
    o->b[o->n++] = v;
}
static void put16(bb *o, uint16_t v)
{
    put8(o, (uint8_t)(v >> 8));
    put8(o, (uint8_t)v);
}
static void put_tlv(bb *o, uint8_t tag, const void *v, uint16_t len)
{
    put8(o, tag);
    put16(o, len);
    memcpy(o->b + o->n, v, len);
    o->n += len;
}
static void put_str(bb *o, uint8_t tag, const char *s)
{
    put_tlv(o, tag, s, (uint16_t)(strlen(s) + 1));
}
static void put_u16(bb *o, uint8_t tag, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put_tlv(o, tag, x, 2);
}
static void put_u8(bb *o, uint8_t tag, uint8_t v)
{
    put_tlv(o, tag, &v, 1);
}
static void patch16(bb *o, size_t at, uint16_t v)
{
    o->b[at] = (uint8_t)(v >> 8);
    o->b[at + 1] = (uint8_t)v;
}

static const uint8_t serial20[20] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
                                     0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01, 0x02, 0x03, 0x04};

/* The minimal .sgn of docs/formats.md section 2 ("Worked example"), with a zero signature. */
static void build_worked_sgn(bb *o)
{
    o->n = 0;
    uint8_t ver[2] = {1, 0};
    put_tlv(o, 1, ver, 2);
    put_u16(o, 2, 0x9C);
    put8(o, 3);
    put16(o, 0x27);
    put_str(o, 4, "CN=T");
    put_tlv(o, 5, serial20, 20);
    put_str(o, 6, "CN=T");
    put8(o, 7);
    put16(o, 15);
    put_u8(o, 8, 1);
    put8(o, 9);
    put16(o, 8);
    put_u8(o, 10, 0);
    put_u8(o, 11, 0);
    uint8_t sig[64] = {0};
    put_tlv(o, 12, sig, 64);
    put_str(o, 14, "a.sgn");
    uint8_t ts[4] = {0x5F, 0x5E, 0x10, 0x00};
    put_tlv(o, 15, ts, 4);
    put8(o, 0x0D);
    put8(o, 0x0D);
    put8(o, 0x0D);
    memcpy(o->b + o->n, "<x/>\n", 5);
    o->n += 5;
}

static void test_worked_example(void)
{
    bb o;
    build_worked_sgn(&o);
    CHECK_EQ_INT(o.n, 0x9C + 5);
    sbd_file f;
    sbd_error e = {0};
    CHECK_EQ_INT(sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e), SBD_OK);
    CHECK_EQ_INT(f.kind, SBD_KIND_SGN);
    CHECK_EQ_INT(f.hdr.version_major, 1);
    CHECK_EQ_INT(f.hdr.version_minor, 0);
    CHECK_EQ_INT(f.hdr.header_length, 0x9C);
    CHECK_EQ_INT(f.body_off, 0x9C);
    CHECK_EQ_INT(f.body_len, 5);
    CHECK(f.hdr.signer_id && f.hdr.signer_id->off == 0x0A && f.hdr.signer_id->len == 0x27);
    CHECK(f.hdr.signer_name && f.hdr.signer_name->off == 0x0D && f.hdr.signer_name->depth == 1);
    CHECK(f.hdr.signer_serial && f.hdr.signer_serial->off == 0x15);
    CHECK(f.hdr.ca_name && f.hdr.ca_name->off == 0x2C);
    CHECK(f.hdr.signature_info && f.hdr.signature_info->off == 0x34);
    CHECK(f.hdr.signature_alg_elem && f.hdr.signature_alg_elem->depth == 2);
    CHECK(f.hdr.signature && f.hdr.signature->off == 0x46 && f.hdr.signature->len == 64);
    CHECK(f.hdr.filename && f.hdr.filename->off == 0x89);
    CHECK_EQ_INT(f.hdr.timestamp, 1600000000);
    CHECK_EQ_INT(f.hdr.digest_alg, 1);
    CHECK_EQ_INT(f.hdr.padding_count, 3);
    CHECK_EQ_INT(f.n_records, 0);
    CHECK_EQ_INT(f.n_unknown, 0);
    char s[64];
    CHECK_STREQ(sbd_elem_string(&f, f.hdr.filename, s, sizeof s), "a.sgn");
    sbd_file_free(&f);

    /* Every cut inside the header fails cleanly; cuts in the payload still parse (only the
     * signature can tell). */
    for (size_t cut = 0; cut < o.n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, o.b, cut);
        sbd_status st = sbd_file_parse(copy, cut, SBD_KIND_AUTO, &f, &e);
        if (cut < 0x9C)
            CHECK(st == SBD_TRUNCATED || st == SBD_MALFORMED);
        else
            CHECK_EQ_INT(st, SBD_OK);
        if (st == SBD_OK)
            sbd_file_free(&f);
        else
            CHECK(e.offset <= cut);
        free(copy);
    }
}

/* A trust-list header with an empty signature; HeaderLength patched once the size is known. */
static size_t build_tl_header(bb *o, const char *filename)
{
    o->n = 0;
    uint8_t ver[2] = {1, 2};
    put_tlv(o, 1, ver, 2);
    size_t hl_at = o->n + 3;
    put_u16(o, 2, 0);
    size_t sid = o->n;
    put8(o, 3);
    put16(o, 0);
    put_str(o, 4, "CN=sast;O=Test");
    put_tlv(o, 5, serial20 + 1, 8);
    put_str(o, 6, "CN=sast;O=Test");
    patch16(o, sid + 1, (uint16_t)(o->n - sid - 3));
    put8(o, 7);
    put16(o, 15);
    put_u8(o, 8, 3);
    put8(o, 9);
    put16(o, 8);
    put_u8(o, 10, 0);
    put_u8(o, 11, 1);
    uint8_t sig[128] = {0};
    put_tlv(o, 12, sig, 128);
    put_str(o, 14, filename);
    uint8_t ts[4] = {0x65, 0x53, 0xF1, 0x00};
    put_tlv(o, 15, ts, 4);
    while (o->n % 4)
        put8(o, 0x0D);
    patch16(o, hl_at, (uint16_t)o->n);
    return o->n;
}

static size_t begin_record(bb *o)
{
    size_t at = o->n;
    put_u16(o, 1, 0);
    return at;
}
static void end_record(bb *o, size_t at)
{
    patch16(o, at + 3, (uint16_t)(o->n - at));
}

static const uint8_t fake_hash[20] = {0xC7, 0xE1, 0xD9, 0x7A, 0xCC, 0xB0, 0x2B, 0xC2, 0xA8, 0xB2,
                                      0x90, 0xFB, 0xAA, 0xFE, 0x66, 0x5B, 0xEC, 0x41, 0x42, 0x5D};

static void build_itl(bb *o)
{
    size_t hl = build_tl_header(o, "ITLFile.tlv");
    (void)hl;
    uint8_t blob[40] = {0x30, 0x26};
    size_t r = begin_record(o); /* full style (a fake DER blob is enough for the parser) */
    put_str(o, 2, "");
    put_str(o, 3, "CN=sast;O=Test");
    put_u16(o, 4, 0);
    put_str(o, 5, "CN=sast;O=Test");
    put_tlv(o, 6, serial20 + 1, 8);
    put_tlv(o, 7, blob, 10);
    put_tlv(o, 8, blob, 16);
    put_tlv(o, 9, blob, 40);
    end_record(o, r);
    r = begin_record(o); /* CERTHASH style, seed 000's TVS record */
    put_str(o, 2, "");
    put_str(o, 3, "CN=tvs;O=Test");
    put_u16(o, 4, 21);
    put_str(o, 5, "CN=tvs;O=Test");
    uint8_t tvs_serial[9] = {0x00, 0x2E, 0x3E, 0x1A, 0x7B, 0xDA, 0xA6, 0x4D, 0x84};
    put_tlv(o, 6, tvs_serial, 9);
    put_tlv(o, 7, blob, 10);
    put_tlv(o, 8, blob, 16);
    put_tlv(o, 11, fake_hash, 20);
    put_u8(o, 12, 1);
    put_tlv(o, 0x30, blob, 3); /* unknown record tag: kept */
    end_record(o, r);
}

static void test_itl_records(void)
{
    bb o;
    build_itl(&o);
    sbd_file f;
    sbd_error e = {0};
    CHECK_EQ_INT(sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e), SBD_OK);
    CHECK_EQ_INT(f.kind, SBD_KIND_TRUST_LIST);
    CHECK(!sbd_file_is_ctl(&f));
    CHECK_EQ_INT(f.hdr.header_length % 4, 0);
    CHECK_EQ_INT(f.n_records, 2);
    CHECK_EQ_INT(f.n_unknown, 1);
    const sbd_record *sast = &f.records[0], *tvs = &f.records[1];
    CHECK_EQ_INT(sast->off, f.hdr.header_length);
    CHECK(sast->function_elem && sast->function == 0);
    CHECK(sast->certificate && sast->certificate->len == 40);
    CHECK(sbd_record_is_header_signer(&f, sast));
    CHECK(!sbd_record_is_header_signer(&f, tvs));
    CHECK_EQ_INT(tvs->off, sast->off + sast->len);
    CHECK(tvs->function == 21 && !tvs->certificate && tvs->cert_hash && tvs->hash_alg == 1);
    CHECK_EQ_INT(tvs->n_elems, 11);
    CHECK(sbd_find_by_function(&f, 21, NULL) == tvs);
    CHECK(sbd_find_by_function(&f, 21, tvs) == NULL);
    CHECK(sbd_find_by_function(&f, 0, NULL) == sast);
    CHECK(sbd_find_by_function(&f, 2, NULL) == NULL);
    uint8_t wire_serial[8] = {0x2E, 0x3E, 0x1A, 0x7B, 0xDA, 0xA6, 0x4D, 0x84};
    CHECK(sbd_find_by_issuer_serial(&f, "O=Test, CN=tvs", wire_serial, 8, NULL) == tvs);
    CHECK(sbd_find_by_issuer_serial(&f, "CN=other", wire_serial, 8, NULL) == NULL);
    CHECK(sbd_find_by_cert_hash(&f, fake_hash, 20, NULL) == tvs);
    uint8_t other_hash[20] = {1};
    CHECK(sbd_find_by_cert_hash(&f, other_hash, 20, NULL) == NULL);
    sbd_file_free(&f);
}

static void test_sparse_ctl(void)
{
    bb o;
    build_tl_header(&o, "CTLFile.tlv");
    size_t r = begin_record(&o);
    put_str(&o, 2, "10.1.1.1.abc");
    put_u16(&o, 4, 2);
    uint8_t ip[4] = {10, 1, 1, 1};
    put_tlv(&o, 10, ip, 4);
    end_record(&o, r);
    sbd_file f;
    sbd_error e;
    CHECK_EQ_INT(sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e), SBD_OK);
    CHECK(sbd_file_is_ctl(&f));
    CHECK_EQ_INT(f.n_records, 1);
    CHECK_EQ_INT(f.records[0].len, 33); /* the real non-secure CTL record size */
    CHECK(f.records[0].ip_address && !f.records[0].subject && !f.records[0].serial);
    sbd_file_free(&f);
}

static sbd_status parse_expect(bb *o, size_t *offset)
{
    sbd_file f;
    sbd_error e = {0};
    sbd_status st = sbd_file_parse(o->b, o->n, SBD_KIND_AUTO, &f, &e);
    if (st == SBD_OK)
        sbd_file_free(&f);
    *offset = e.offset;
    return st;
}

static void test_hostile_lengths(void)
{
    bb o;
    size_t off;
    /* Record length past the end of the file. */
    build_itl(&o);
    size_t first = 0;
    {
        sbd_file f;
        sbd_error e;
        sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e);
        first = f.records[1].off;
        sbd_file_free(&f);
    }
    patch16(&o, first + 3, 0xFFFF);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_TRUNCATED);
    CHECK_EQ_INT(off, first);
    /* Record length shorter than its elements: the last element runs past the record end. */
    build_itl(&o);
    patch16(&o, first + 3, 20);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    CHECK(off > first && off < first + 20);
    /* Record length below 5. */
    build_itl(&o);
    patch16(&o, first + 3, 3);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    CHECK_EQ_INT(off, first);
    /* A second RECORDLENGTH inside the record with a 1-byte value (fuzz regression: the listing
     * read it as a u16). */
    build_itl(&o);
    o.n -= 6;                          /* drop the trailing unknown element (3 + 3 bytes)... */
    put_tlv(&o, 1, "\x01\x02\x03", 1); /* ...and put a 4-byte short RECORDLENGTH in its place */
    put8(&o, 0);
    put8(&o, 0);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    CHECK_EQ_INT(off, o.n - 6);
    /* Zero-length subject. */
    build_itl(&o);
    size_t subj = first + 5 + 4; /* after RECORDLENGTH and empty DNSNAME */
    CHECK_EQ_INT(o.b[subj], 3);
    patch16(&o, subj + 1, 0);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    /* SIGNERID container claiming more than the header holds. */
    build_itl(&o);
    CHECK_EQ_INT(o.b[10], 3);
    patch16(&o, 11, 0x4000);
    CHECK(parse_expect(&o, &off) != SBD_OK);
    CHECK_EQ_INT(off, 10);
    /* Container shorter than its first child: the child runs past the container end. */
    build_itl(&o);
    patch16(&o, 11, 4);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    CHECK_EQ_INT(off, 13);
    /* Header length beyond the file, and not covering its own tag. */
    build_itl(&o);
    patch16(&o, 8, 0xFFF0);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_TRUNCATED);
    patch16(&o, 8, 4);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    /* Wrong fixed sizes. */
    build_itl(&o);
    o.b[1] = 0;
    o.b[2] = 3;
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    /* Zero records in a .tlv. */
    build_tl_header(&o, "ITLSEP001122334455.tlv");
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    CHECK_EQ_INT(off, o.n);
    /* Garbage and empty input. */
    o.n = 0;
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_TRUNCATED);
    memcpy(o.b, "<?xml version", 13);
    o.n = 13;
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
}

static void test_nesting_and_padding(void)
{
    bb o;
    size_t off;
    o.n = 0;
    uint8_t ver[2] = {1, 2};
    put_tlv(&o, 1, ver, 2);
    put_u16(&o, 2, 32);
    for (int i = 0; i < 5; i++) { /* five nested containers, each claiming the rest */
        put8(&o, 3);
        put16(&o, (uint16_t)(32 - o.n - 2));
    }
    while (o.n < 32)
        put8(&o, 0);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    /* Too much padding. */
    o.n = 0;
    put_tlv(&o, 1, ver, 2);
    put_u16(&o, 2, 400);
    while (o.n < 400)
        put8(&o, 0x0D);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_MALFORMED);
    CHECK_EQ_INT(off, 10 + 255);
}

static void test_big_record_and_unknown_header_tag(void)
{
    static bb o;
    size_t off;
    build_tl_header(&o, "ITLFile.tlv");
    size_t r = begin_record(&o);
    put_u16(&o, 4, 0);
    static uint8_t big[65535 - 5 - 5 - 3];
    put_tlv(&o, 0x33, big, sizeof big);
    end_record(&o, r);
    CHECK_EQ_INT(o.n - r, 65535);
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_OK);
    o.n -= 1;
    CHECK_EQ_INT(parse_expect(&o, &off), SBD_TRUNCATED);
    CHECK_EQ_INT(off, r);

    build_worked_sgn(&o);
    /* Replace the three padding bytes + a byte of payload with an unknown 1-byte-value tag. */
    o.b[0x99] = 0x40;
    o.b[0x9A] = 0;
    o.b[0x9B] = 1;
    sbd_file f;
    sbd_error e;
    o.n = 0x9C + 5;
    /* value byte is the payload's first byte; move header end by one: HeaderLength 0x9D */
    patch16(&o, 8, 0x9D);
    CHECK_EQ_INT(sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e), SBD_OK);
    CHECK_EQ_INT(f.n_unknown, 1);
    CHECK_EQ_INT(f.body_off, 0x9D);
    sbd_file_free(&f);
}

static void test_names_and_serials(void)
{
    CHECK(sbd_dn_equal("CN=a;OU=b;O=c", "CN=a, OU=b, O=c"));
    CHECK(sbd_dn_equal("CN=a;OU=b;O=c", "/O=c/OU=b/CN=a"));
    CHECK(sbd_dn_equal("cn = A;O=c", "CN=a;o=C"));
    CHECK(!sbd_dn_equal("CN=a;O=c", "CN=a;O=d"));
    CHECK(!sbd_dn_equal("CN=a;O=c", "CN=a"));
    CHECK(sbd_dn_equal(NULL, ""));
    uint8_t a[3] = {0x00, 0x80, 0x01}, b[2] = {0x80, 0x01}, c[2] = {0x80, 0x02};
    CHECK(sbd_serial_equal(a, 3, b, 2));
    CHECK(!sbd_serial_equal(a, 3, c, 2));
    CHECK(sbd_serial_equal(a, 1, NULL, 0));
}

static void test_hostile_strings(void)
{
    bb o;
    build_worked_sgn(&o);
    o.b[0x0D + 3] = 0x01; /* control byte in the signer name */
    sbd_file f;
    sbd_error e;
    CHECK_EQ_INT(sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e), SBD_OK);
    char s[8];
    CHECK_STREQ(sbd_elem_string(&f, f.hdr.signer_name, s, sizeof s), "?N=T");
    /* Unterminated string: the element bound stops the copy. */
    o.b[0x0D + 3 + 4] = 'X';
    sbd_file_free(&f);
    CHECK_EQ_INT(sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e), SBD_OK);
    CHECK_STREQ(sbd_elem_string(&f, f.hdr.signer_name, s, sizeof s), "?N=TX");
    char tiny[3];
    CHECK_STREQ(sbd_elem_string(&f, f.hdr.signer_name, tiny, sizeof tiny), "?N");
    sbd_file_free(&f);
}

/* UTF-8 that JSON libraries refuse (a surrogate, an overlong form, a value past U+10FFFF) must not
 * pass as text: jansson would refuse the string and the writer would lose the field. */
static void test_hostile_utf8(void)
{
    static const struct {
        uint8_t b[4];
        size_t n;
        const char *want;
    } cases[] = {
        {{0xED, 0xA0, 0x80}, 3, "???T"}, /* U+D800 */
        {{0xE0, 0x80, 0x80}, 3, "???T"}, /* overlong NUL */
        {{0xC0, 0x80},
         2,
         "?"
         "?=T"},                                           /* overlong NUL, 2 bytes */
        {{0xF4, 0x90, 0x80, 0x80}, 4, "????"},             /* U+110000 */
        {{0xC3, 0xA9}, 2, "\xC3\xA9=T"},                   /* U+00E9 stays */
        {{0xF4, 0x8F, 0xBF, 0xBF}, 4, "\xF4\x8F\xBF\xBF"}, /* U+10FFFF stays */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bb o;
        build_worked_sgn(&o);
        memcpy(o.b + 0x0D + 3, cases[i].b, cases[i].n);
        sbd_file f;
        sbd_error e;
        CHECK_EQ_INT(sbd_file_parse(o.b, o.n, SBD_KIND_AUTO, &f, &e), SBD_OK);
        char s[16];
        CHECK_STREQ(sbd_elem_string(&f, f.hdr.signer_name, s, sizeof s), cases[i].want);
        sbd_file_free(&f);
    }
}

int main(void)
{
    test_worked_example();
    test_itl_records();
    test_sparse_ctl();
    test_hostile_lengths();
    test_nesting_and_padding();
    test_big_record_and_unknown_header_tag();
    test_names_and_serials();
    test_hostile_strings();
    test_hostile_utf8();
    return check_report();
}
