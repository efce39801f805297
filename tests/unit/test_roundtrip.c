/* Round trips: files built by tests/tools/sbdgen from the mkpki.sh PKI, parsed with
 * sbd_file_parse, every header and record field checked against values known independently of
 * both (the PKI's pinned names and serials, the header-length arithmetic of docs/formats.md,
 * OpenSSL on the PEM files). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "check.h"
#include "gen_fixture.h"
#include "sbd/verify.h"

/* What mkpki.sh pins for each certificate (CUCM-style names, serial as hex). */
typedef struct pki_cert {
    const char *name, *subject, *issuer, *serial_hex;
} pki_cert;

static const pki_cert pki_certs[] = {
    {"callmanager", "CN=cucm-pub.sbd.test;OU=VOICE;O=SBD Test",
     "CN=cucm-pub.sbd.test;OU=VOICE;O=SBD Test", "1a2b3c4d5e6f7081"},
    {"tvs", "CN=cucm-pub.sbd.test;OU=TVS;O=SBD Test", "CN=cucm-pub.sbd.test;OU=TVS;O=SBD Test",
     "2e3e1a7bdaa64d84"},
    {"capf", "CN=CAPF-5bd0e1f2;OU=VOICE;O=SBD Test", "CN=CAPF-5bd0e1f2;OU=VOICE;O=SBD Test",
     "0adc6e7742914a53"},
    {"tomcat", "CN=cucm-pub.sbd.test;OU=WEB;O=SBD Test", "CN=SBD Test Root CA;O=SBD Test",
     "3c0ffee1"},
    {"highserial", "CN=highserial.sbd.test;O=SBD Test", "CN=highserial.sbd.test;O=SBD Test",
     "8a1b2c3d4e5f6071"},
    {"rsa1024", "CN=sbd-rsa1024;O=SBD Test", "CN=sbd-rsa1024;O=SBD Test", "1024"},
    {"rsa2048", "CN=sbd-rsa2048;O=SBD Test", "CN=sbd-rsa2048;O=SBD Test", "2048"},
    {"rsa4096", "CN=sbd-rsa4096;O=SBD Test", "CN=sbd-rsa4096;O=SBD Test", "4096"},
};

static const pki_cert *pki_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof pki_certs / sizeof pki_certs[0]; i++)
        if (strcmp(pki_certs[i].name, name) == 0)
            return &pki_certs[i];
    return NULL;
}

/* The same facts read from the PEM file with OpenSSL. */
typedef struct pem_facts {
    X509 *x509;
    uint8_t *der, *pkcs1;
    size_t der_len, pkcs1_len;
    const uint8_t *cert_sig;
    size_t cert_sig_len;
} pem_facts;

static bool pem_load(const char *name, pem_facts *p)
{
    char path[1300];
    memset(p, 0, sizeof *p);
    snprintf(path, sizeof path, "%s/%s.pem", fx.pki, name);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return false;
    p->x509 = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    if (!p->x509)
        return false;
    unsigned char *der = NULL, *pk = NULL;
    p->der_len = (size_t)i2d_X509(p->x509, &der);
    p->pkcs1_len = (size_t)i2d_PublicKey(X509_get0_pubkey(p->x509), &pk);
    p->der = der;
    p->pkcs1 = pk;
    const ASN1_BIT_STRING *sig = NULL;
    X509_get0_signature(&sig, NULL, p->x509);
    p->cert_sig = ASN1_STRING_get0_data(sig);
    p->cert_sig_len = (size_t)ASN1_STRING_length(sig);
    return der && pk;
}

static void pem_free(pem_facts *p)
{
    X509_free(p->x509);
    OPENSSL_free(p->der);
    OPENSSL_free(p->pkcs1);
}

static size_t hex_to_bytes(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static bool elem_bytes_eq(const sbd_file *f, const sbd_elem *e, const uint8_t *want, size_t n)
{
    return e && e->len == n && memcmp(sbd_elem_value(f, e), want, n) == 0;
}

static void check_elem_str(const sbd_file *f, const sbd_elem *e, const char *want)
{
    char s[600];
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_STREQ(sbd_elem_string(f, e, s, sizeof s), want);
    CHECK_EQ_INT(e->len, strlen(want) + 1);
}

static void check_elem_hex(const sbd_file *f, const sbd_elem *e, const char *hex)
{
    uint8_t want[64];
    size_t n = hex_to_bytes(hex, want);
    CHECK(elem_bytes_eq(f, e, want, n));
}

/* ---- trust lists ----------------------------------------------------------------------- */

enum { STYLE_FULL, STYLE_CERTHASH, STYLE_ETOKEN, STYLE_SPARSE };

/* One record as sbdgen is asked to write it. */
typedef struct rec_plan {
    uint16_t function;
    const char *cert; /* PKI name; NULL for sparse */
    int style;
    const char *dns; /* NULL: none given */
    const char *ip;  /* dotted quad or NULL */
    uint8_t ip_bytes[4];
} rec_plan;

static const rec_plan plan[] = {
    {SBD_FN_SAST, "@signer", STYLE_FULL, "sast.sbd.test", "192.0.2.1", {192, 0, 2, 1}},
    {SBD_FN_CCM_TFTP, "callmanager", STYLE_FULL, "cucm-pub.sbd.test", NULL, {0}},
    {SBD_FN_TVS, "tvs", STYLE_CERTHASH, NULL, NULL, {0}},
    {SBD_FN_CAPF, "capf", STYLE_CERTHASH, NULL, NULL, {0}},
    {SBD_FN_SAST, "rsa1024", STYLE_ETOKEN, NULL, NULL, {0}},
    {SBD_FN_APP_SERVER, "highserial", STYLE_FULL, NULL, NULL, {0}},
    {SBD_FN_APP_SERVER, "tomcat", STYLE_FULL, NULL, NULL, {0}},
    {SBD_FN_CCM_TFTP, NULL, STYLE_SPARSE, "cucm-sub.lab", "192.0.2.11", {192, 0, 2, 11}},
};
#define N_PLAN (sizeof plan / sizeof plan[0])

typedef struct tl_case {
    const char *signer; /* rsa1024 / rsa2048 / rsa4096 */
    int bits;
    const char *hash; /* sha1 / sha512 */
    uint8_t hash_id;
    bool ucm_order, ctl;
} tl_case;

static const char *plan_cert(const rec_plan *p, const tl_case *c)
{
    return p->cert && strcmp(p->cert, "@signer") == 0 ? c->signer : p->cert;
}

static void append_record_arg(char *args, size_t sz, const rec_plan *p, const tl_case *c)
{
    static const char *const styles[] = {"full", "certhash", "etoken"};
    size_t used = strlen(args);
    if (p->style == STYLE_SPARSE)
        snprintf(args + used, sz - used, " --sparse-record %u:%s:%s", p->function, p->dns, p->ip);
    else
        snprintf(args + used, sz - used, " --record %u:%s.pem:%s%s%s%s%s", p->function,
                 plan_cert(p, c), styles[p->style], p->dns || p->ip ? ":" : "",
                 p->dns ? p->dns : "", p->ip ? ":" : "", p->ip ? p->ip : "");
}

static void build_tl_args(char *args, size_t sz, const tl_case *c)
{
    snprintf(args, sz, "tl --signer %s.key:%s.pem --hash %s --timestamp 1234567890%s%s", c->signer,
             c->signer, c->hash, c->ucm_order ? " --order usecallmanager --signer-version 1.0" : "",
             c->ctl ? " --ctl" : "");
    for (size_t i = 0; i < N_PLAN; i++)
        append_record_arg(args, sz, &plan[i], c);
}

/* docs/formats.md section 2 arithmetic, rounded up to a multiple of 4. */
static size_t expected_header_length(const pki_cert *s, int bits, bool signer_version,
                                     const char *filename)
{
    uint8_t serial[64];
    size_t signer_id = (3 + strlen(s->subject) + 1) + (3 + hex_to_bytes(s->serial_hex, serial)) +
                       (3 + strlen(s->issuer) + 1);
    size_t n = 5 + 5 + (signer_version ? 5 : 0) + 3 + signer_id + 3 + 4 + 3 + 4 + 4 +
               (3 + (size_t)bits / 8) + (3 + strlen(filename) + 1) + (3 + 4);
    return (n + 3) / 4 * 4;
}

static void check_tl_header(const sbd_file *f, const tl_case *c)
{
    const sbd_header *h = &f->hdr;
    const pki_cert *s = pki_lookup(c->signer);
    const char *fname = c->ctl ? "CTLFile.tlv" : "ITLFile.tlv";
    CHECK_EQ_INT(f->kind, SBD_KIND_TRUST_LIST);
    CHECK_EQ_INT(h->version_major, 1);
    CHECK_EQ_INT(h->version_minor, 2);
    CHECK_EQ_INT(h->header_length, expected_header_length(s, c->bits, c->ucm_order, fname));
    CHECK_EQ_INT(h->header_length % 4, 0);
    CHECK_EQ_INT(f->body_off, h->header_length);
    CHECK_EQ_INT(f->body_off + f->body_len, f->len);
    CHECK_EQ_INT(h->has_signer_version, c->ucm_order);
    if (c->ucm_order) {
        CHECK_EQ_INT(h->signer_version_major, 1);
        CHECK_EQ_INT(h->signer_version_minor, 0);
    }
    check_elem_str(f, h->signer_name, s->subject);
    check_elem_str(f, h->ca_name, s->issuer);
    check_elem_hex(f, h->signer_serial, s->serial_hex);
    CHECK_EQ_INT(h->digest_alg, c->hash_id);
    CHECK_EQ_INT(h->signature_alg, 0);
    CHECK_EQ_INT(h->signature_modulus, c->bits == 1024 ? 1 : c->bits == 2048 ? 2 : 3);
    CHECK(h->signature && h->signature->len == c->bits / 8);
    CHECK(h->signature_info && h->signature_info->len == 15);
    CHECK(h->signature_algo_info && h->signature_algo_info->len == 8);
    check_elem_str(f, h->filename, fname);
    CHECK_EQ_INT(h->timestamp, 1234567890);
    CHECK_EQ_INT(sbd_file_is_ctl(f), c->ctl);
    /* Order: CUCM writes serial (5) before CA name (6), usecallmanager the reverse. */
    CHECK(h->signer_serial && h->ca_name &&
          (h->signer_serial->off < h->ca_name->off) == !c->ucm_order);
}

static void check_sparse_record(const sbd_file *f, const sbd_record *r, const rec_plan *p)
{
    CHECK_EQ_INT(r->len, 5 + (3 + strlen(p->dns) + 1) + (3 + 2) + (3 + 4));
    CHECK_EQ_INT(r->n_elems, 4);
    check_elem_str(f, r->dns_name, p->dns);
    CHECK(elem_bytes_eq(f, r->ip_address, p->ip_bytes, 4));
    CHECK(!r->subject && !r->issuer && !r->serial && !r->public_key && !r->certificate);
}

static void check_cert_fields(const sbd_file *f, const sbd_record *r, const rec_plan *p,
                              const tl_case *c)
{
    const char *name = plan_cert(p, c);
    const pki_cert *pc = pki_lookup(name);
    pem_facts pf;
    CHECK(pc != NULL);
    if (!pc || !pem_load(name, &pf)) {
        CHECK(!"PEM facts load");
        return;
    }
    check_elem_str(f, r->subject, pc->subject);
    check_elem_str(f, r->issuer, pc->issuer);
    check_elem_hex(f, r->serial, pc->serial_hex);
    CHECK(elem_bytes_eq(f, r->public_key, pf.pkcs1, pf.pkcs1_len));
    int bits = EVP_PKEY_get_bits(X509_get0_pubkey(pf.x509));
    CHECK_EQ_INT(r->public_key->len, bits == 1024 ? 140 : bits == 2048 ? 270 : 526);
    if (p->style == STYLE_ETOKEN)
        CHECK(r->cert_signature == NULL);
    else
        CHECK(elem_bytes_eq(f, r->cert_signature, pf.cert_sig, pf.cert_sig_len));
    if (p->style == STYLE_CERTHASH) {
        uint8_t sha1[20];
        EVP_Digest(pf.der, pf.der_len, sha1, NULL, EVP_sha1(), NULL);
        CHECK(r->certificate == NULL);
        CHECK(elem_bytes_eq(f, r->cert_hash, sha1, 20));
        CHECK(r->hash_alg_elem && r->hash_alg == SBD_HASH_SHA1);
        CHECK(sbd_find_by_cert_hash(f, sha1, 20, NULL) == r);
    } else {
        CHECK(elem_bytes_eq(f, r->certificate, pf.der, pf.der_len));
        CHECK(r->cert_hash == NULL && r->hash_alg_elem == NULL);
    }
    pem_free(&pf);
}

static void check_record(const sbd_file *f, const sbd_record *r, const rec_plan *p,
                         const tl_case *c)
{
    CHECK(r->function_elem && r->function == p->function);
    CHECK(r->record_length && r->record_length->off == r->off);
    if (p->style == STYLE_SPARSE) {
        check_sparse_record(f, r, p);
        return;
    }
    if (p->dns)
        check_elem_str(f, r->dns_name, p->dns);
    else if (c->ucm_order)
        CHECK(r->dns_name == NULL); /* usecallmanager writes no DNSNAME */
    else
        check_elem_str(f, r->dns_name, "");
    if (p->ip)
        CHECK(elem_bytes_eq(f, r->ip_address, p->ip_bytes, 4));
    else
        CHECK(r->ip_address == NULL);
    check_cert_fields(f, r, p, c);
    /* Order: usecallmanager puts FUNCTION after the serial. */
    CHECK(r->function_elem && r->serial &&
          (r->function_elem->off < r->serial->off) == !c->ucm_order);
}

static void check_records(const sbd_file *f, const tl_case *c)
{
    CHECK_EQ_INT(f->n_records, N_PLAN);
    if (f->n_records != N_PLAN)
        return;
    uint32_t next = f->body_off;
    for (size_t i = 0; i < N_PLAN; i++) {
        const sbd_record *r = &f->records[i];
        CHECK_EQ_INT(r->off, next);
        next = r->off + r->len;
        check_record(f, r, &plan[i], c);
    }
    CHECK_EQ_INT(next, f->len);
    CHECK(sbd_record_is_header_signer(f, &f->records[0]));
    /* The eToken SAST record is the signer only when it holds the signer's cert. */
    CHECK_EQ_INT(sbd_record_is_header_signer(f, &f->records[4]),
                 strcmp(plan_cert(&plan[4], c), c->signer) == 0);
}

static void run_tl_case(const tl_case *c)
{
    char args[2048], name[64];
    loaded l;
    snprintf(name, sizeof name, "%s-%s-%s%s.tlv", c->signer, c->hash,
             c->ucm_order ? "ucm" : "cisco", c->ctl ? "-ctl" : "");
    build_tl_args(args, sizeof args, c);
    if (!fx_gen(name, args) || !fx_load(name, &l)) {
        CHECK(!"trust list builds and parses");
        fprintf(stderr, "  case %s\n", name);
        return;
    }
    int before = check_failed;
    check_tl_header(&l.f, c);
    check_records(&l.f, c);
    sbd_verify_result vr;
    CHECK_EQ_INT(sbd_verify_trust_list(&l.f, &vr), SBD_SIG_VALID);
    if (check_failed != before)
        fprintf(stderr, "  ^ in case %s\n", name);
    fx_unload(&l);
}

static void test_trust_lists(void)
{
    static const char *const signers[] = {"rsa1024", "rsa2048", "rsa4096"};
    static const int bits[] = {1024, 2048, 4096};
    for (size_t s = 0; s < 3; s++)
        for (int h = 0; h < 2; h++)
            for (int order = 0; order < 2; order++) {
                tl_case c = {signers[s], bits[s],    h ? "sha512" : "sha1",
                             h ? 3 : 1,  order == 1, order == 1 && s == 0};
                run_tl_case(&c);
            }
}

/* ---- .sgn and .enc.sgn ----------------------------------------------------------------- */

static const char config_xml[] = "<device><fullConfig>true</fullConfig></device>\n";

static bool write_work_file(const char *name, const char *text)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", fx.work, name);
    FILE *fp = fopen(path, "w");
    bool ok = fp && fputs(text, fp) >= 0;
    return fp && fclose(fp) == 0 && ok;
}

static void test_sgn(void)
{
    char args[2048];
    loaded l;
    CHECK(write_work_file("SEP001122334455.cnf.xml", config_xml));
    snprintf(args, sizeof args,
             "sgn --signer callmanager.key:callmanager.pem --hash sha512 --in "
             "'%s/SEP001122334455.cnf.xml'",
             fx.work);
    if (!fx_gen("SEP001122334455.cnf.xml.sgn", args) ||
        !fx_load("SEP001122334455.cnf.xml.sgn", &l)) {
        CHECK(!"sgn builds and parses");
        return;
    }
    const sbd_header *h = &l.f.hdr;
    CHECK_EQ_INT(l.f.kind, SBD_KIND_SGN);
    CHECK_EQ_INT(h->version_major, 1);
    CHECK_EQ_INT(h->version_minor, 0);
    CHECK_EQ_INT(h->digest_alg, SBD_HASH_SHA512);
    CHECK_EQ_INT(h->timestamp, 1700000000);
    check_elem_str(&l.f, h->filename, "SEP001122334455.cnf.xml.sgn");
    check_elem_str(&l.f, h->signer_name, "CN=cucm-pub.sbd.test;OU=VOICE;O=SBD Test");
    check_elem_hex(&l.f, h->signer_serial, "1a2b3c4d5e6f7081");
    CHECK_EQ_INT(l.f.n_records, 0);
    CHECK_EQ_INT(l.f.body_len, strlen(config_xml));
    CHECK(l.f.body_len == strlen(config_xml) &&
          memcmp(l.buf + l.f.body_off, config_xml, l.f.body_len) == 0);
    fx_unload(&l);
}

static void check_enc_block(const sbd_file *f, size_t plain_len, uint8_t hash_id)
{
    static const uint8_t iv[16] = {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    const sbd_enc_block *e = &f->enc;
    uint8_t digest[64];
    unsigned dlen = 0;
    CHECK_EQ_INT(e->pad_count, 16 - plain_len % 16);
    CHECK(elem_bytes_eq(f, e->iv, iv, 16));
    CHECK_EQ_INT(e->key_size, 2048);
    CHECK_EQ_INT(e->key_alg, 1);
    CHECK(e->wrapped_key && e->wrapped_key->len == 256);
    CHECK(e->enc_info && e->iv_info && e->key_info && e->iv_unknown && e->key_unknown);
    CHECK_EQ_INT(e->plain_hash_alg, hash_id);
    EVP_Digest(config_xml, plain_len, digest, &dlen,
               hash_id == SBD_HASH_SHA1 ? EVP_sha1() : EVP_sha512(), NULL);
    CHECK(elem_bytes_eq(f, e->plain_hash, digest, dlen));
    CHECK_EQ_INT(f->body_len, plain_len + e->pad_count);
    CHECK_EQ_INT(f->body_len % 16, 0);
}

static void run_enc_case(const char *hash, uint8_t hash_id)
{
    char args[2048], name[64];
    loaded l;
    snprintf(name, sizeof name, "enc-%s.cnf.xml.enc.sgn", hash);
    snprintf(args, sizeof args,
             "encsgn --signer callmanager.key:callmanager.pem --hash %s --in '%s/plain.xml' "
             "--phone-cert phone.pem --aes-key 00112233445566778899aabbccddeeff "
             "--iv 0f0e0d0c0b0a09080706050403020100",
             hash, fx.work);
    if (!fx_gen(name, args) || !fx_load(name, &l)) {
        CHECK(!"enc.sgn builds and parses");
        return;
    }
    CHECK_EQ_INT(l.f.kind, SBD_KIND_ENC_SGN);
    CHECK_EQ_INT(l.f.hdr.version_major, 2);
    CHECK_EQ_INT(l.f.hdr.version_minor, 0);
    CHECK_EQ_INT(l.f.hdr.digest_alg, hash_id);
    CHECK_EQ_INT(l.f.hdr.header_length % 4, 0);
    check_elem_str(&l.f, l.f.hdr.filename, name);
    check_enc_block(&l.f, strlen(config_xml), hash_id);
    fx_unload(&l);
}

static void test_enc_sgn(void)
{
    CHECK(write_work_file("plain.xml", config_xml));
    run_enc_case("sha1", SBD_HASH_SHA1);
    run_enc_case("sha512", SBD_HASH_SHA512);
}

int main(void)
{
    if (!fx_setup("roundtrip")) {
        CHECK(!"fixture set-up");
        return check_report();
    }
    test_trust_lists();
    test_sgn();
    test_enc_sgn();
    fx_teardown();
    return check_report();
}
