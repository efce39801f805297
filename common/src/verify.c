/* Header signature checks (docs/formats.md section 2 "Signature coverage", section 3 "Verifying a
 * trust list"): RSASSA-PKCS1-v1_5 over the whole file minus the tag-12 element.
 *
 * Keys come from a record's CERTIFICATE (tag 9) or, when that is absent or unreadable, from its
 * PUBLICKEY (tag 7, DER PKCS#1 RSAPublicKey, as eToken-style records carry). Only RSA is verified:
 * EC keys give SBD_SIG_UNSUPPORTED, because nobody has seen which tag 10/11 codes an ECDSA-signed
 * list uses (docs/formats.md open question 2), so guessing a signature encoding could report a
 * wrong "invalid". Record numbers in `detail` are 1-based, as `show itl` prints them; signer_index
 * is 0-based. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "digest.h"
#include "sbd/cert.h"
#include "sbd/verify.h"

/* OpenSSL refuses bigger moduli for public operations anyway; stop before parsing work. */
#define MAX_RSA_BITS 16384
/* A hostile list can repeat the signer's record many times; each try costs an RSA operation. */
#define MAX_CANDIDATES 16

const char *sbd_sig_status_name(sbd_sig_status s)
{
    switch (s) {
#define SBD_SIG_CASE(name, text)                                                                   \
    case SBD_SIG_##name:                                                                           \
        return text;
        SBD_SIG_MAP(SBD_SIG_CASE)
#undef SBD_SIG_CASE
    }
    return "unknown";
}

/* Why a signature check did not pass, so each caller can word it for its own context. */
typedef enum {
    WHY_NONE,
    WHY_SIZE,      /* signature length differs from the modulus size */
    WHY_OTHER_KEY, /* signature does not open with this key */
    WHY_CONTENT,   /* opens with this key, but the signed bytes differ */
    WHY_NO_SIGNATURE,
    WHY_DIGEST,    /* unknown hash id */
    WHY_ALGORITHM, /* tag 10 is not RSA PKCS#1 v1.5 */
    WHY_KEY,       /* key missing or unusable */
    WHY_KEY_TYPE,  /* not an RSA key */
} why_t;

typedef struct {
    sbd_sig_status status;
    why_t why;
    char text[160]; /* low-level explanation */
} check_t;

static sbd_sig_status set_check(check_t *c, sbd_sig_status st, why_t why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static sbd_sig_status set_check(check_t *c, sbd_sig_status st, why_t why, const char *fmt, ...)
{
    c->status = st;
    c->why = why;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text, sizeof c->text, fmt, ap);
    va_end(ap);
    return st;
}

/* ---- keys ---- */

static EVP_PKEY *key_from_cert(const uint8_t *der, size_t len)
{
    if (!der || len == 0 || len > LONG_MAX)
        return NULL;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x)
        return NULL;
    EVP_PKEY *pk = X509_get_pubkey(x);
    X509_free(x);
    return pk;
}

/* A DER PKCS#1 RSAPublicKey, exactly filling the element. */
static EVP_PKEY *key_from_pkcs1(const uint8_t *der, size_t len)
{
    if (!der || len == 0 || len > LONG_MAX)
        return NULL;
    const unsigned char *p = der;
    EVP_PKEY *pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
    if (pk && (size_t)(p - der) != len) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    return pk;
}

/* X9.62 uncompressed points for P-256/384/521, as EC records store them in tag 7. */
static bool looks_like_ec_point(const uint8_t *p, size_t len)
{
    return p && len > 0 && p[0] == 0x04 && (len == 65 || len == 97 || len == 133);
}

static EVP_PKEY *load_key(const uint8_t *cert, size_t cert_len, const uint8_t *pk1, size_t pk1_len,
                          check_t *c)
{
    EVP_PKEY *pk = key_from_cert(cert, cert_len);
    if (pk)
        return pk;
    bool had_cert = cert && cert_len > 0;
    if (pk1 && pk1_len > 0) {
        pk = key_from_pkcs1(pk1, pk1_len);
        if (pk)
            return pk;
        if (looks_like_ec_point(pk1, pk1_len))
            set_check(c, SBD_SIG_UNSUPPORTED, WHY_KEY_TYPE,
                      "PUBLICKEY is an EC point%s; EC-signed files are not supported",
                      had_cert ? " and the CERTIFICATE is unreadable" : "");
        else
            set_check(c, SBD_SIG_BAD_KEY, WHY_KEY, "%sPUBLICKEY (%zu bytes) is not a DER RSA key",
                      had_cert ? "CERTIFICATE is not X.509 and " : "", pk1_len);
        return NULL;
    }
    if (had_cert)
        set_check(c, SBD_SIG_BAD_KEY, WHY_KEY,
                  "CERTIFICATE (%zu bytes) is not a readable X.509 certificate", cert_len);
    else
        set_check(c, SBD_SIG_BAD_KEY, WHY_KEY, "no CERTIFICATE or PUBLICKEY to take a key from");
    return NULL;
}

/* ---- the key cache ---- */

enum { KEY_CACHE_MAX = 1024 }; /* distinct keys kept; past it, keys are decoded per use */

typedef struct key_ent {
    uint64_t hash;
    uint8_t *bytes; /* certificate DER then PKCS#1 bytes: what load_key decided from */
    size_t cert_len, pk1_len;
    EVP_PKEY *pk;
    struct key_ent *next;
} key_ent;

struct sbd_key_cache {
    CRYPTO_RWLOCK *lock;
    key_ent *b[256];
    size_t n;
};

sbd_key_cache *sbd_key_cache_new(void)
{
    sbd_key_cache *kc = calloc(1, sizeof *kc);
    if (kc && !(kc->lock = CRYPTO_THREAD_lock_new())) {
        free(kc);
        kc = NULL;
    }
    return kc;
}

void sbd_key_cache_free(sbd_key_cache *kc)
{
    if (!kc)
        return;
    for (size_t i = 0; i < sizeof kc->b / sizeof kc->b[0]; i++)
        for (key_ent *e = kc->b[i], *nx; e; e = nx) {
            nx = e->next;
            EVP_PKEY_free(e->pk);
            free(e->bytes);
            free(e);
        }
    CRYPTO_THREAD_lock_free(kc->lock);
    free(kc);
}

size_t sbd_key_cache_count(const sbd_key_cache *kc)
{
    return kc ? kc->n : 0;
}

static uint64_t fnv_bytes(uint64_t h, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return (h ^ len) * 1099511628211ull;
}

static bool key_ent_is(const key_ent *e, uint64_t h, const uint8_t *cert, size_t cert_len,
                       const uint8_t *pk1, size_t pk1_len)
{
    return e->hash == h && e->cert_len == cert_len && e->pk1_len == pk1_len &&
           (!cert_len || memcmp(e->bytes, cert, cert_len) == 0) &&
           (!pk1_len || memcmp(e->bytes + cert_len, pk1, pk1_len) == 0);
}

/* A new reference to the cached key, or NULL. */
static EVP_PKEY *key_cache_get(sbd_key_cache *kc, uint64_t h, const uint8_t *cert, size_t cert_len,
                               const uint8_t *pk1, size_t pk1_len)
{
    EVP_PKEY *pk = NULL;
    if (!CRYPTO_THREAD_read_lock(kc->lock))
        return NULL;
    for (key_ent *e = kc->b[h & 255]; e && !pk; e = e->next)
        if (key_ent_is(e, h, cert, cert_len, pk1, pk1_len) && EVP_PKEY_up_ref(e->pk) == 1)
            pk = e->pk;
    CRYPTO_THREAD_unlock(kc->lock);
    return pk;
}

static void key_cache_put(sbd_key_cache *kc, uint64_t h, const uint8_t *cert, size_t cert_len,
                          const uint8_t *pk1, size_t pk1_len, EVP_PKEY *pk)
{
    key_ent *e = calloc(1, sizeof *e);
    if (!e || !(e->bytes = malloc(cert_len + pk1_len + 1)) || EVP_PKEY_up_ref(pk) != 1) {
        if (e)
            free(e->bytes);
        free(e);
        return;
    }
    if (cert_len)
        memcpy(e->bytes, cert, cert_len);
    if (pk1_len)
        memcpy(e->bytes + cert_len, pk1, pk1_len);
    e->hash = h;
    e->cert_len = cert_len;
    e->pk1_len = pk1_len;
    e->pk = pk;
    bool kept = false;
    if (CRYPTO_THREAD_write_lock(kc->lock)) {
        bool dup = false;
        for (key_ent *x = kc->b[h & 255]; x && !dup; x = x->next)
            dup = key_ent_is(x, h, cert, cert_len, pk1, pk1_len);
        if (!dup && kc->n < KEY_CACHE_MAX) {
            e->next = kc->b[h & 255];
            kc->b[h & 255] = e;
            kc->n++;
            kept = true;
        }
        CRYPTO_THREAD_unlock(kc->lock);
    }
    if (!kept) {
        EVP_PKEY_free(e->pk);
        free(e->bytes);
        free(e);
    }
}

/* load_key through the cache: only usable keys are kept (a failure is decoded again, so its
 * explanation is the same every time). */
static EVP_PKEY *load_key_cached(sbd_key_cache *kc, const uint8_t *cert, size_t cert_len,
                                 const uint8_t *pk1, size_t pk1_len, check_t *c)
{
    if (!kc)
        return load_key(cert, cert_len, pk1, pk1_len, c);
    cert_len = cert ? cert_len : 0;
    pk1_len = pk1 ? pk1_len : 0;
    uint64_t h = fnv_bytes(fnv_bytes(1469598103934665603ull, cert, cert_len), pk1, pk1_len);
    EVP_PKEY *pk = key_cache_get(kc, h, cert, cert_len, pk1, pk1_len);
    if (pk)
        return pk;
    pk = load_key(cert, cert_len, pk1, pk1_len, c);
    if (pk)
        key_cache_put(kc, h, cert, cert_len, pk1, pk1_len, pk);
    return pk;
}

/* ---- the signature itself ---- */

static const EVP_MD *header_digest(const sbd_file *f, check_t *c)
{
    if (!f->hdr.digest_alg_elem)
        return sbd_sha1(); /* SHA-1 is the format's default when tag 8 is absent */
    const EVP_MD *md = sbd_digest_for_id(f->hdr.digest_alg);
    if (!md)
        set_check(c, SBD_SIG_UNSUPPORTED, WHY_DIGEST, "digest algorithm id %u (tag 8) is unknown",
                  f->hdr.digest_alg);
    return md;
}

/* Does the signature open (PKCS#1 type-1 block) under this key? Then the key made it. */
static bool signature_opens_with(EVP_PKEY *pk, const uint8_t *sig, size_t sig_len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
    size_t cap = (size_t)EVP_PKEY_get_size(pk), out_len = cap;
    uint8_t *out = malloc(cap ? cap : 1);
    bool ok = ctx && out && EVP_PKEY_verify_recover_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_verify_recover(ctx, out, &out_len, sig, sig_len) == 1;
    free(out);
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

#define VERIFY_SETUP_FAILED (-2)

/* Stream [0, sig) and [sig end, EOF) into the verifier: the file is never copied. Returns 1
 * valid, 0 or -1 not valid, VERIFY_SETUP_FAILED when OpenSSL would not take the key. */
static int digest_verify(const sbd_file *f, EVP_PKEY *pk, const EVP_MD *md, const sbd_elem *sig)
{
    size_t cut_start = sig->off, cut_end = (size_t)sig->value_off + sig->len;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int rc = VERIFY_SETUP_FAILED;
    if (mctx && EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pk) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1)
        rc = -1;
    if (rc == -1 && EVP_DigestVerifyUpdate(mctx, f->buf, cut_start) == 1 &&
        EVP_DigestVerifyUpdate(mctx, f->buf + cut_end, f->len - cut_end) == 1)
        rc = EVP_DigestVerifyFinal(mctx, f->buf + sig->value_off, sig->len);
    EVP_MD_CTX_free(mctx);
    return rc;
}

static sbd_sig_status check_with_key(const sbd_file *f, EVP_PKEY *pk, check_t *c)
{
    const sbd_elem *sig = f->hdr.signature;
    const EVP_MD *md = header_digest(f, c);
    if (!md)
        return c->status;
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
        return set_check(c, SBD_SIG_UNSUPPORTED, WHY_KEY_TYPE,
                         "key is not RSA; EC-signed files are not supported");
    int bits = EVP_PKEY_get_bits(pk), size = EVP_PKEY_get_size(pk);
    if (bits <= 0 || bits > MAX_RSA_BITS)
        return set_check(c, SBD_SIG_BAD_KEY, WHY_KEY, "RSA key of %d bits is unusable", bits);
    if (sig->len != (size_t)size)
        return set_check(c, SBD_SIG_INVALID, WHY_SIZE,
                         "signature is %u bytes but the %d-bit key needs %d", sig->len, bits, size);
    int rc = digest_verify(f, pk, md, sig);
    if (rc == 1)
        return set_check(c, SBD_SIG_VALID, WHY_NONE, "signature valid (%s, RSA %d)",
                         EVP_MD_get0_name(md), bits);
    if (rc == VERIFY_SETUP_FAILED)
        return set_check(c, SBD_SIG_BAD_KEY, WHY_KEY, "OpenSSL rejects the %d-bit RSA key", bits);
    if (signature_opens_with(pk, f->buf + sig->value_off, sig->len))
        return set_check(c, SBD_SIG_INVALID, WHY_CONTENT,
                         "the key made this signature but the signed bytes changed (tampered, "
                         "or tag 8 names the wrong digest)");
    return set_check(c, SBD_SIG_INVALID, WHY_OTHER_KEY,
                     "signature was not made with this key (or its bytes were altered)");
}

/* Preconditions shared by every entry point; false when c already holds the verdict. */
static bool signature_present(const sbd_file *f, check_t *c)
{
    const sbd_elem *sig = f ? f->hdr.signature : NULL;
    if (!sig) {
        set_check(c, SBD_SIG_NOT_SIGNED, WHY_NO_SIGNATURE, "no SIGNATURE (tag 12) in the header");
        return false;
    }
    if ((size_t)sig->value_off + sig->len > f->len || sig->off > sig->value_off) {
        set_check(c, SBD_SIG_INVALID, WHY_SIZE, "SIGNATURE element at %u runs past the file",
                  sig->off);
        return false;
    }
    if (f->hdr.signature_alg_elem && f->hdr.signature_alg != 0) {
        set_check(c, SBD_SIG_UNSUPPORTED, WHY_ALGORITHM,
                  "signature algorithm %u (tag 10) is not RSA PKCS#1 v1.5", f->hdr.signature_alg);
        return false;
    }
    return true;
}

static sbd_sig_status check_blobs(const sbd_file *f, const uint8_t *cert, size_t cert_len,
                                  const uint8_t *pk1, size_t pk1_len, sbd_key_cache *kc, check_t *c)
{
    if (!signature_present(f, c))
        return c->status;
    EVP_PKEY *pk = load_key_cached(kc, cert, cert_len, pk1, pk1_len, c);
    if (!pk) {
        ERR_clear_error();
        return c->status;
    }
    sbd_sig_status st = check_with_key(f, pk, c);
    EVP_PKEY_free(pk);
    ERR_clear_error(); /* failed verifications leave OpenSSL errors behind; they are reported */
    return st;
}

sbd_sig_status sbd_verify_with_der(const sbd_file *f, const uint8_t *cert_der, size_t cert_len,
                                   const uint8_t *pkcs1_pub, size_t pkcs1_len, char *detail,
                                   size_t detail_sz)
{
    check_t c = {SBD_SIG_NOT_CHECKED, WHY_NONE, ""};
    sbd_sig_status st = check_blobs(f, cert_der, cert_len, pkcs1_pub, pkcs1_len, NULL, &c);
    if (detail && detail_sz)
        snprintf(detail, detail_sz, "%s", c.text);
    return st;
}

/* ---- records ---- */

/* The parts a detail is made of, and its longest sentences: the buffer holds them whole. */
#define FUNCTION_LABEL_MAX 24
#define SUBJECT_MAX 128
#define SIGNER_MAX 200
#define RECORD_NO_MAX 21 /* a size_t in decimal */
_Static_assert(
    sizeof "signed by a key not in its  record # (); or the signature bytes were altered" +
            FUNCTION_LABEL_MAX + RECORD_NO_MAX + SUBJECT_MAX <=
        SBD_VERIFY_DETAIL_MAX,
    "detail too small for the wrong-key sentence");
_Static_assert(sizeof "no record matches the signer ()" + SIGNER_MAX <= SBD_VERIFY_DETAIL_MAX,
               "detail too small for the unknown-signer sentence");
_Static_assert(sizeof "record # (): " + RECORD_NO_MAX + FUNCTION_LABEL_MAX +
                       sizeof(((check_t *)0)->text) <=
                   SBD_VERIFY_DETAIL_MAX,
               "detail too small for a record's low-level reason");

/* One line; the telling phrase comes first. */
static void set_detail(sbd_verify_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_detail(sbd_verify_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof out->detail, fmt, ap);
    va_end(ap);
}

static const char *function_label(const sbd_record *r, char *buf, size_t bufsz)
{
    if (!r->function_elem)
        return "no function";
    const char *name = sbd_function_short_name(r->function);
    if (name)
        return name;
    snprintf(buf, bufsz, "function %u", r->function);
    return buf;
}

static sbd_sig_status check_record(const sbd_file *f, const sbd_file *by, const sbd_record *r,
                                   sbd_key_cache *kc, check_t *c)
{
    const uint8_t *cert = sbd_elem_value(by, r->certificate);
    const uint8_t *pk1 = sbd_elem_value(by, r->public_key);
    return check_blobs(f, cert, r->certificate ? r->certificate->len : 0, pk1,
                       r->public_key ? r->public_key->len : 0, kc, c);
}

/* One line naming the record, with the most telling phrase first. */
static void describe(sbd_verify_result *out, const sbd_file *by, const sbd_record *r, size_t index,
                     const check_t *c)
{
    char fnbuf[FUNCTION_LABEL_MAX], subject[SUBJECT_MAX];
    const char *fn = function_label(r, fnbuf, sizeof fnbuf);
    sbd_elem_name(by, r->subject, subject, sizeof subject);
    size_t no = index + 1;
    switch (c->why) {
    case WHY_NONE:
        set_detail(out, "signed by record #%zu (%s, %s)", no, fn, subject);
        break;
    case WHY_OTHER_KEY:
        set_detail(out,
                   "signed by a key not in its %s record #%zu (%s); or the signature bytes were "
                   "altered",
                   fn, no, subject);
        break;
    case WHY_CONTENT:
        set_detail(out,
                   "tampered: record #%zu (%s, %s) made the signature but the signed bytes changed",
                   no, fn, subject);
        break;
    default:
        set_detail(out, "record #%zu (%s): %s", no, fn, c->text);
        break;
    }
}

static void set_result(sbd_verify_result *out, sbd_sig_status st, const sbd_record *signer,
                       size_t index)
{
    out->status = st;
    out->signer = signer;
    out->signer_index = index;
}

static void describe_signer(const sbd_file *f, char *buf, size_t bufsz)
{
    /* A serial past 28 bytes (RFC 5280 allows 20) is cut, so the detail keeps its issuer. */
    char issuer[96], serial[3 * 28];
    const sbd_elem *s = f->hdr.signer_serial;
    sbd_elem_name(f, f->hdr.ca_name, issuer, sizeof issuer);
    sbd_hex_serial(sbd_elem_value(f, s), s ? s->len : 0, SBD_SERIAL_SHOWN, serial, sizeof serial);
    snprintf(buf, bufsz, "issuer \"%s\", serial %s", issuer, serial);
}

static void init_result(sbd_verify_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = SBD_SIG_NOT_CHECKED;
}

/* Yields the next candidate signer record after `after` (NULL = first), or NULL. */
typedef const sbd_record *(*next_candidate)(const sbd_file *f, const sbd_file *by,
                                            const sbd_record *after, bool tftp_only);

/* Try each candidate record in turn; the first that verifies wins, else the first failure is
 * reported (the likeliest intended signer). Returns true when any candidate was tried. */
static bool try_candidates(const sbd_file *f, const sbd_file *by, next_candidate next,
                           bool tftp_only, sbd_key_cache *kc, sbd_verify_result *out)
{
    bool tried = false;
    size_t tries = 0;
    for (const sbd_record *r = next(f, by, NULL, tftp_only); r && tries < MAX_CANDIDATES;
         r = next(f, by, r, tftp_only), tries++) {
        size_t i = (size_t)(r - by->records);
        check_t c = {SBD_SIG_NOT_CHECKED, WHY_NONE, ""};
        sbd_sig_status st = check_record(f, by, r, kc, &c);
        if (!tried || st == SBD_SIG_VALID) {
            set_result(out, st, r, i);
            describe(out, by, r, i, &c);
        }
        tried = true;
        if (st == SBD_SIG_VALID)
            break;
    }
    return tried;
}

static const sbd_record *next_own_sast_signer(const sbd_file *f, const sbd_file *by,
                                              const sbd_record *after, bool tftp_only)
{
    (void)f;
    (void)tftp_only;
    size_t i = after ? (size_t)(after - by->records) + 1 : 0;
    for (; i < by->n_records; i++) {
        const sbd_record *r = &by->records[i];
        if (r->function_elem && r->function == SBD_FN_SAST && sbd_record_is_header_signer(by, r))
            return r;
    }
    return NULL;
}

static bool has_tftp_role(const sbd_record *r)
{
    return r->function_elem && (r->function == SBD_FN_CCM_TFTP || r->function == SBD_FN_TFTP);
}

/* Records of `by` carrying f's signer issuer + serial (optionally only TFTP-role ones). */
static const sbd_record *next_issuer_serial(const sbd_file *f, const sbd_file *by,
                                            const sbd_record *after, bool tftp_only)
{
    const sbd_elem *s = f->hdr.signer_serial;
    const uint8_t *serial = sbd_elem_value(f, s);
    if (!serial)
        return NULL;
    const sbd_elem *ca = f->hdr.ca_name; /* compared from its bytes, not a printable copy */
    const char *issuer = ca ? (const char *)sbd_elem_value(f, ca) : "";
    const sbd_record *r = after;
    do
        r = sbd_find_by_issuer_serial_n(by, issuer, ca ? ca->len : 0, serial, s->len, r);
    while (r && tftp_only && !has_tftp_role(r));
    return r;
}

static bool fails_precheck(const sbd_file *f, sbd_verify_result *out)
{
    check_t c = {SBD_SIG_NOT_CHECKED, WHY_NONE, ""};
    if (signature_present(f, &c))
        return false;
    out->status = c.status;
    set_detail(out, "%s", c.text);
    return true;
}

sbd_sig_status sbd_verify_trust_list(const sbd_file *tl, sbd_verify_result *out)
{
    return sbd_verify_trust_list_cached(tl, NULL, out);
}

sbd_sig_status sbd_verify_trust_list_cached(const sbd_file *tl, sbd_key_cache *kc,
                                            sbd_verify_result *out)
{
    sbd_verify_result dummy;
    if (!out)
        out = &dummy;
    init_result(out);
    if (!tl || fails_precheck(tl, out))
        return out->status;
    if (try_candidates(tl, tl, next_own_sast_signer, false, kc, out))
        return out->status;
    char signer[SIGNER_MAX];
    describe_signer(tl, signer, sizeof signer);
    out->status = SBD_SIG_SIGNER_UNKNOWN;
    for (size_t i = 0; i < tl->n_records; i++) {
        const sbd_record *r = &tl->records[i];
        if (sbd_record_is_header_signer(tl, r)) {
            char fnbuf[FUNCTION_LABEL_MAX];
            set_detail(out,
                       "no record matches the signer as SAST; record #%zu (%s) has its issuer and "
                       "serial",
                       i + 1, function_label(r, fnbuf, sizeof fnbuf));
            return out->status;
        }
    }
    set_detail(out, "no record matches the signer (%s)", signer);
    return out->status;
}

sbd_sig_status sbd_verify_with(const sbd_file *f, const sbd_file *by, bool require_tftp_role,
                               sbd_verify_result *out)
{
    return sbd_verify_with_cached(f, by, require_tftp_role, NULL, out);
}

sbd_sig_status sbd_verify_with_cached(const sbd_file *f, const sbd_file *by, bool require_tftp_role,
                                      sbd_key_cache *kc, sbd_verify_result *out)
{
    sbd_verify_result dummy;
    if (!out)
        out = &dummy;
    init_result(out);
    if (!f || !by || fails_precheck(f, out))
        return out->status;
    if (try_candidates(f, by, next_issuer_serial, require_tftp_role, kc, out))
        return out->status;
    out->status = SBD_SIG_SIGNER_UNKNOWN;
    const sbd_record *wrong_role =
        require_tftp_role ? next_issuer_serial(f, by, NULL, false) : NULL;
    if (wrong_role) {
        char fnbuf[FUNCTION_LABEL_MAX];
        set_detail(out,
                   "no CCM+TFTP or TFTP record matches the signer; record #%zu (%s) has its issuer "
                   "and serial",
                   (size_t)(wrong_role - by->records) + 1,
                   function_label(wrong_role, fnbuf, sizeof fnbuf));
        return out->status;
    }
    char signer[SIGNER_MAX];
    describe_signer(f, signer, sizeof signer);
    set_detail(out, "no record matches the signer (%s)", signer);
    return out->status;
}
