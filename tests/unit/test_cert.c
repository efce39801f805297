/* X.509 facts: CUCM-style names, serials, validity far from 1970, key types, fingerprints, hex
 * and time helpers. Certificates are built here with OpenSSL (no files, no committed keys). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "check.h"
#include "sbd/cert.h"
#include "sbd/file.h"
#include "sbd/names.h"

typedef struct {
    const char *field, *value;
    int set; /* 0: new RDN; -1: join the previous RDN (multi-valued), as X509_NAME_add_entry */
} rdn;

typedef struct {
    const rdn *subject;
    size_t n_subject;
    const char *serial_hex;
    const char *not_before, *not_after; /* ASN1 time strings (UTCTime or GeneralizedTime) */
} cert_spec;

/* UTF8String as given: no length limits from the string table, so oversized names can be built. */
static X509_NAME *make_name(const rdn *r, size_t n)
{
    X509_NAME *name = X509_NAME_new();
    for (size_t i = 0; name && i < n; i++)
        X509_NAME_add_entry_by_txt(name, r[i].field, V_ASN1_UTF8STRING,
                                   (const unsigned char *)r[i].value, -1, -1, r[i].set);
    return name;
}

static bool set_time(ASN1_TIME *t, const char *s)
{
    /* 13 chars = UTCTime "YYMMDDHHMMSSZ", 15 = GeneralizedTime; set_string keeps the form. */
    return ASN1_TIME_set_string(t, s) == 1;
}

/* Self-signed certificate for key; returns malloc'd DER. */
static uint8_t *make_cert(const cert_spec *spec, EVP_PKEY *key, size_t *der_len)
{
    X509 *x = X509_new();
    X509_NAME *name = make_name(spec->subject, spec->n_subject);
    BIGNUM *bn = NULL;
    ASN1_INTEGER *serial = NULL;
    uint8_t *der = NULL;
    bool ok = x && name && BN_hex2bn(&bn, spec->serial_hex) > 0 &&
              (serial = BN_to_ASN1_INTEGER(bn, NULL)) != NULL && X509_set_version(x, 2) &&
              X509_set_serialNumber(x, serial) && X509_set_subject_name(x, name) &&
              X509_set_issuer_name(x, name) && set_time(X509_getm_notBefore(x), spec->not_before) &&
              set_time(X509_getm_notAfter(x), spec->not_after) && X509_set_pubkey(x, key);
    /* Ed25519 signs without a separate digest. */
    const EVP_MD *md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
    ok = ok && X509_sign(x, key, md) > 0;
    int n = ok ? i2d_X509(x, &der) : -1;
    *der_len = n > 0 ? (size_t)n : 0;
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    X509_NAME_free(name);
    X509_free(x);
    return n > 0 ? der : NULL;
}

static EVP_PKEY *rsa1024;

static const rdn cisco_dn[] = {
    {"C", "US", 0},   {"ST", "North Carolina", 0},
    {"L", "RTP", 0},  {"O", "Cisco", 0},
    {"OU", "TAC", 0}, {"CN", "CUCM8-Publisher.bbbburns.lab", 0},
};

/* Conventional DER order (C first) comes out most specific first, as in seed 000's show itl;
 * serial of seed 000; validity from before 1970 (UTCTime 60 = 1960) to 2100 (GeneralizedTime). */
static void test_cisco_style(void)
{
    cert_spec spec = {cisco_dn, 6, "21002D17000000000005", "600101000000Z", "21000101000000Z"};
    size_t len = 0;
    uint8_t *der = make_cert(&spec, rsa1024, &len);
    CHECK(der != NULL);
    if (!der)
        return;
    sbd_cert_info ci;
    sbd_error err = {0};
    CHECK_EQ_INT(sbd_cert_info_from_der(der, len, &ci, &err), SBD_OK);
    CHECK_STREQ(ci.subject,
                "CN=CUCM8-Publisher.bbbburns.lab,OU=TAC,O=Cisco,L=RTP,ST=North Carolina,C=US");
    CHECK_EQ_INT(strlen(ci.subject), 75); /* seed 000: SUBJECTNAME 76 with the NUL */
    CHECK_STREQ(ci.issuer, ci.subject);
    CHECK_EQ_INT(ci.serial_len, 10);
    char hex[64];
    CHECK_STREQ(sbd_hex_serial(ci.serial, ci.serial_len, SBD_SERIAL_SHOWN, hex, sizeof hex),
                "21:00:2D:17:00:00:00:00:00:05");
    CHECK_EQ_INT(ci.not_before, -315619200LL); /* 1960-01-01 */
    CHECK_EQ_INT(ci.not_after, 4102444800LL);  /* 2100-01-01 */
    char t[32];
    CHECK_STREQ(sbd_time_iso(ci.not_before, t, sizeof t), "1960-01-01T00:00:00Z");
    CHECK_STREQ(sbd_time_iso(ci.not_after, t, sizeof t), "2100-01-01T00:00:00Z");
    CHECK_STREQ(ci.key_type, "RSA");
    CHECK_EQ_INT(ci.key_bits, 1024);
    uint8_t sha1[20], sha256[32], md5[16];
    unsigned int n = 0;
    EVP_Digest(der, len, sha1, &n, EVP_sha1(), NULL);
    EVP_Digest(der, len, sha256, &n, EVP_sha256(), NULL);
    EVP_Digest(der, len, md5, &n, EVP_md5(), NULL);
    CHECK(memcmp(ci.sha1, sha1, 20) == 0);
    CHECK(memcmp(ci.sha256, sha256, 32) == 0);
    CHECK(memcmp(ci.md5, md5, 16) == 0);

    /* Trailing bytes and truncation are rejected, with the offset of the trailing data. */
    uint8_t *longer = malloc(len + 2);
    if (longer) {
        memcpy(longer, der, len);
        longer[len] = longer[len + 1] = 0;
        CHECK_EQ_INT(sbd_cert_info_from_der(longer, len + 2, &ci, &err), SBD_MALFORMED);
        CHECK_EQ_INT(err.offset, len);
        CHECK(ci.subject[0] == '\0');
        free(longer);
    }
    CHECK_EQ_INT(sbd_cert_info_from_der(der, len - 1, &ci, &err), SBD_MALFORMED);
    CHECK_EQ_INT(sbd_cert_info_from_der(der, 10, &ci, &err), SBD_MALFORMED);
    OPENSSL_free(der);
}

/* Names already written CN first stay that way; multi-valued RDNs use '+'; top-bit serial loses
 * its DER sign byte; GeneralizedTime far beyond 2038. */
static void test_other_orders_and_serials(void)
{
    static const rdn cn_first[] = {{"CN", "SAST", 0}, {"O", "SAST", 0}, {"OU", "SAST", 0}};
    cert_spec spec = {cn_first, 3, "8A1B2C3D4E5F6071", "20250101000000Z", "99991231235959Z"};
    size_t len = 0;
    uint8_t *der = make_cert(&spec, rsa1024, &len);
    sbd_cert_info ci;
    sbd_error err = {0};
    CHECK(der && sbd_cert_info_from_der(der, len, &ci, &err) == SBD_OK);
    CHECK_STREQ(ci.subject, "CN=SAST,O=SAST,OU=SAST");
    CHECK_EQ_INT(ci.serial_len, 8);
    CHECK_EQ_INT(ci.serial[0], 0x8A);
    CHECK_EQ_INT(ci.not_after, 253402300799LL);
    char t[32];
    CHECK_STREQ(sbd_time_iso(ci.not_after, t, sizeof t), "9999-12-31T23:59:59Z");
    OPENSSL_free(der);

    static const rdn multi[] = {
        {"O", "Example", 0}, {"OU", "Voice", 0}, {"CN", "a", 0}, {"UID", "42", -1}};
    cert_spec spec2 = {multi, 4, "01", "700101000000Z", "491231235959Z"};
    der = make_cert(&spec2, rsa1024, &len);
    CHECK(der && sbd_cert_info_from_der(der, len, &ci, &err) == SBD_OK);
    CHECK(strcmp(ci.subject, "UID=42+CN=a,OU=Voice,O=Example") == 0 ||
          strcmp(ci.subject, "CN=a+UID=42,OU=Voice,O=Example") == 0);
    CHECK_EQ_INT(ci.not_before, 0);
    CHECK_EQ_INT(ci.not_after, 2524607999LL); /* UTCTime 49 = 2049 */
    CHECK_EQ_INT(ci.serial_len, 1);
    OPENSSL_free(der);

    /* Control bytes in a value never reach the one-line report (RFC 4514 \XX escapes); long
     * names are cut safely. */
    char big[700];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "a\nb", 3);
    const rdn odd[] = {{"O", big, 0}, {"CN", "\xc3\xa9t\xc3\xa9", 0}};
    cert_spec spec3 = {odd, 2, "7F", "20200101000000Z", "20300101000000Z"};
    der = make_cert(&spec3, rsa1024, &len);
    CHECK(der && sbd_cert_info_from_der(der, len, &ci, &err) == SBD_OK);
    CHECK(strncmp(ci.subject, "CN=\xc3\xa9t\xc3\xa9,O=a\\0Ab", 16) == 0);
    CHECK_EQ_INT(strlen(ci.subject), sizeof ci.subject - 1);
    CHECK(strchr(ci.subject, '\n') == NULL);
    OPENSSL_free(der);
}

static void test_key_types(void)
{
    static const rdn dn[] = {{"CN", "k", 0}};
    cert_spec spec = {dn, 1, "01", "20200101000000Z", "20300101000000Z"};
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    struct {
        EVP_PKEY *key;
        const char *type;
        int bits;
    } cases[] = {{ec, "EC", 256}, {ed, "ED25519", 256}};
    for (size_t i = 0; i < 2; i++) {
        CHECK(cases[i].key != NULL);
        if (!cases[i].key)
            continue;
        size_t len = 0;
        uint8_t *der = make_cert(&spec, cases[i].key, &len);
        sbd_cert_info ci;
        sbd_error err = {0};
        CHECK(der && sbd_cert_info_from_der(der, len, &ci, &err) == SBD_OK);
        CHECK_STREQ(ci.key_type, cases[i].type);
        CHECK_EQ_INT(ci.key_bits, cases[i].bits);
        OPENSSL_free(der);
        EVP_PKEY_free(cases[i].key);
    }
}

static void test_garbage(void)
{
    sbd_cert_info ci;
    sbd_error err = {0};
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    CHECK_EQ_INT(sbd_cert_info_from_der(junk, sizeof junk, &ci, &err), SBD_MALFORMED);
    CHECK(strstr(err.msg, "not a DER X.509") != NULL);
    CHECK_EQ_INT(sbd_cert_info_from_der(NULL, 0, &ci, &err), SBD_TRUNCATED);
    CHECK_EQ_INT(sbd_cert_info_from_der(junk, 0, &ci, &err), SBD_TRUNCATED);
    static const uint8_t huge_len[] = {0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30};
    CHECK_EQ_INT(sbd_cert_info_from_der(huge_len, sizeof huge_len, &ci, &err), SBD_MALFORMED);
}

static void test_helpers(void)
{
    static const uint8_t b[] = {0x00, 0xAB, 0x0F, 0xF0};
    char s[16];
    CHECK_STREQ(sbd_hex_serial(b, 4, SBD_SERIAL_FIELD, s, sizeof s), "00AB0FF0");
    CHECK_STREQ(sbd_hex_serial(b, 4, SBD_SERIAL_SHOWN, s, sizeof s), "00:AB:0F:F0");
    CHECK_STREQ(sbd_hex_lower(b, 4, s, sizeof s), "00ab0ff0");
    /* Too small: whole bytes only, always terminated. */
    CHECK_STREQ(sbd_hex_serial(b, 4, SBD_SERIAL_SHOWN, s, 6), "00:AB");
    /* The longest serial a certificate gives fits SBD_SERIAL_TEXT_MAX whole. */
    uint8_t big[sizeof((sbd_cert_info *)0)->serial];
    memset(big, 0xFF, sizeof big);
    char shown[SBD_SERIAL_TEXT_MAX];
    CHECK_EQ_INT(
        (int)strlen(sbd_hex_serial(big, sizeof big, SBD_SERIAL_SHOWN, shown, sizeof shown)),
        (int)(3 * sizeof big - 1));
    CHECK_STREQ(sbd_hex_lower(b, 4, s, 4), "00");
    CHECK_STREQ(sbd_hex_lower(b, 0, s, sizeof s), "");
    CHECK_STREQ(sbd_hex_lower(NULL, 3, s, sizeof s), "");
    CHECK(sbd_hex_lower(b, 4, NULL, 0) == NULL);
    char t[32];
    CHECK_STREQ(sbd_time_iso(0, t, sizeof t), "1970-01-01T00:00:00Z");
    CHECK_STREQ(sbd_time_iso(-1, t, sizeof t), "1969-12-31T23:59:59Z");
    CHECK_STREQ(sbd_time_iso(951782400, t, sizeof t), "2000-02-29T00:00:00Z");
    CHECK_STREQ(sbd_time_iso(2147483648LL, t, sizeof t), "2038-01-19T03:14:08Z");
    CHECK_STREQ(sbd_time_iso(1764374400, t, sizeof t), "2025-11-29T00:00:00Z");
}

/* The SAST certificate of the real-world ITL: facts checked against the openssl CLI, and its
 * CUCM-style subject equals the record's SUBJECTNAME (which that producer wrote with ','). */
static void test_real_world_sast(void)
{
    const char *src = getenv("SBD_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/realworld/community-cluster-ITLFile.tlv",
             src ? src : ".");
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    if (!fp)
        return;
    static uint8_t buf[65536];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    sbd_file f;
    sbd_error err = {0};
    CHECK_EQ_INT(sbd_file_parse(buf, len, SBD_KIND_AUTO, &f, &err), SBD_OK);
    if (err.msg[0])
        fprintf(stderr, "  %s\n", err.msg);
    if (f.n_records == 0 || !f.records[0].certificate) {
        CHECK(!"SAST record with a certificate");
        sbd_file_free(&f);
        return;
    }
    const sbd_record *r = &f.records[0];
    sbd_cert_info ci;
    CHECK_EQ_INT(
        sbd_cert_info_from_der(sbd_elem_value(&f, r->certificate), r->certificate->len, &ci, &err),
        SBD_OK);
    CHECK_STREQ(ci.subject, "CN=SAST,O=SAST,OU=SAST");
    char subject[128], hex[128];
    sbd_elem_string(&f, r->subject, subject, sizeof subject);
    CHECK(sbd_dn_equal(ci.subject, subject));
    CHECK_STREQ(sbd_hex_serial(ci.serial, ci.serial_len, SBD_SERIAL_FIELD, hex, sizeof hex),
                "6BA5DE3A260B069337C75B38BE3C2D74");
    CHECK(
        sbd_serial_equal(ci.serial, ci.serial_len, sbd_elem_value(&f, r->serial), r->serial->len));
    CHECK_EQ_INT(ci.not_before, 1764374400LL);
    CHECK_EQ_INT(ci.not_after, 2395526400LL);
    CHECK_STREQ(ci.key_type, "RSA");
    CHECK_EQ_INT(ci.key_bits, 2048);
    CHECK_STREQ(sbd_hex_lower(ci.sha1, 20, hex, sizeof hex),
                "277b3621552a593456a63d595645f4f090a35d9c");
    CHECK_STREQ(sbd_hex_lower(ci.sha256, 32, hex, sizeof hex),
                "5535a3e4e9c60d51c998ac67eb14e73361d903987912e01ba10b942acf11a2e2");
    CHECK_STREQ(sbd_hex_lower(ci.md5, 16, hex, sizeof hex), "78f037402e330aa0ca2054106eb948ef");
    /* Every certificate in the file decodes. */
    size_t certs = 0;
    for (size_t i = 0; i < f.n_records; i++) {
        const sbd_elem *c = f.records[i].certificate;
        if (!c)
            continue;
        certs++;
        CHECK_EQ_INT(sbd_cert_info_from_der(sbd_elem_value(&f, c), c->len, &ci, &err), SBD_OK);
        /* The producer's SUBJECTNAME / ISSUERNAME / SERIALNUMBER name the same certificate. */
        const sbd_record *ri = &f.records[i];
        char rec_subject[512], rec_issuer[512];
        sbd_elem_string(&f, ri->subject, rec_subject, sizeof rec_subject);
        sbd_elem_string(&f, ri->issuer, rec_issuer, sizeof rec_issuer);
        bool same = sbd_dn_equal(ci.subject, rec_subject) && sbd_dn_equal(ci.issuer, rec_issuer) &&
                    ri->serial &&
                    sbd_serial_equal(ci.serial, ci.serial_len, sbd_elem_value(&f, ri->serial),
                                     ri->serial->len);
        CHECK(same);
        if (!same)
            fprintf(stderr, "  record %zu: \"%s\" vs \"%s\"\n", i + 1, ci.subject, rec_subject);
    }
    CHECK(certs >= 3);
    sbd_file_free(&f);
}

int main(void)
{
    rsa1024 = EVP_RSA_gen(1024);
    CHECK(rsa1024 != NULL);
    if (rsa1024) {
        test_cisco_style();
        test_other_orders_and_serials();
    }
    test_key_types();
    test_garbage();
    test_helpers();
    test_real_world_sast();
    EVP_PKEY_free(rsa1024);
    return check_report();
}
