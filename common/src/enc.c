/* .enc.sgn decryption (docs/formats.md section 5): unwrap the per-file AES-128 key with the device
 * RSA key, AES-128-CBC without PKCS#7, drop `pad count` bytes, compare the plaintext digest. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "digest.h"
#include "sbd/enc.h"

#define AES_KEY_LEN 16
#define AES_BLOCK 16

void sbd_plain_free(sbd_plain *p)
{
    if (!p)
        return;
    free(p->data);
    memset(p, 0, sizeof *p);
}

/* Encrypted PEM keys would otherwise make OpenSSL prompt on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static EVP_PKEY *read_private_key(const char *pem, size_t len)
{
    if (!pem || len == 0 || len > INT_MAX)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
    BIO_free(bio);
    return pk;
}

/* Elements decryption cannot do without, checked up front so later code can rely on them. */
static sbd_status check_block(const sbd_file *f, sbd_error *err)
{
    const sbd_enc_block *e = &f->enc;
    if (!e->wrapped_key)
        return sbd_fail(err, SBD_MALFORMED, f->body_off, "no wrapped key (tag 25) in the header");
    if (!e->iv || e->iv->len != AES_BLOCK)
        return sbd_fail(err, SBD_MALFORMED, e->iv ? e->iv->off : f->body_off,
                        "IV (tag 19) must be 16 bytes");
    if (!e->pad_count_elem)
        return sbd_fail(err, SBD_MALFORMED, f->body_off, "no pad count (tag 20) in the header");
    if (f->body_off > f->len || f->body_len > f->len - f->body_off)
        return sbd_fail(err, SBD_MALFORMED, f->body_off, "body runs past the end of the file");
    if (f->body_len > INT_MAX)
        return sbd_fail(err, SBD_LIMIT, f->body_off, "ciphertext too large");
    if (f->body_len == 0 || f->body_len % AES_BLOCK != 0)
        return sbd_fail(err, SBD_MALFORMED, f->body_off,
                        "ciphertext length %u is not a multiple of 16", f->body_len);
    if (e->pad_count < 1 || e->pad_count > AES_BLOCK || e->pad_count > f->body_len)
        return sbd_fail(err, SBD_MALFORMED, e->pad_count_elem->off,
                        "bad padding count %u (tag 20): must be 1..16", e->pad_count);
    return SBD_OK;
}

/* Implicit rejection (OpenSSL >= 3.2) would turn a wrong key into random bytes; ask for the
 * explicit error instead. Older versions do not know the parameter, which is fine. */
static void want_explicit_rejection(EVP_PKEY_CTX *ctx)
{
    unsigned int off = 0;
    OSSL_PARAM params[] = {OSSL_PARAM_uint("implicit-rejection", &off), OSSL_PARAM_END};
    (void)EVP_PKEY_CTX_set_params(ctx, params);
}

static sbd_status unwrap_key(const sbd_file *f, EVP_PKEY *pk, uint8_t key[AES_KEY_LEN],
                             sbd_error *err)
{
    const sbd_elem *w = f->enc.wrapped_key;
    if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
        return sbd_fail(err, SBD_UNSUPPORTED, w->off, "device key is not RSA");
    int size = EVP_PKEY_get_size(pk);
    if (size <= 0 || w->len != (size_t)size)
        return sbd_fail(err, SBD_CRYPTO, w->off,
                        "wrong key: wrapped key (tag 25) is %u bytes, the device key's modulus %d",
                        w->len, size);
    uint8_t *out = malloc((size_t)size);
    size_t out_len = (size_t)size;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pk, NULL);
    bool ok = out && ctx && EVP_PKEY_decrypt_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
    if (ok)
        want_explicit_rejection(ctx);
    ok = ok && EVP_PKEY_decrypt(ctx, out, &out_len, f->buf + w->value_off, w->len) == 1;
    sbd_status st = SBD_OK;
    if (!ok)
        st = sbd_fail(err, SBD_CRYPTO, w->off,
                      "wrong key: the wrapped key (tag 25) does not decrypt with this device key");
    else if (out_len != AES_KEY_LEN)
        st = sbd_fail(err, SBD_CRYPTO, w->off,
                      "wrong key: unwrapped key is %zu bytes, AES-128 needs 16", out_len);
    else
        memcpy(key, out, AES_KEY_LEN);
    if (out)
        OPENSSL_cleanse(out, (size_t)size);
    free(out);
    EVP_PKEY_CTX_free(ctx);
    return st;
}

static sbd_status aes_decrypt(const sbd_file *f, const uint8_t key[AES_KEY_LEN], uint8_t *out,
                              sbd_error *err)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    bool ok =
        ctx &&
        EVP_DecryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, key, f->buf + f->enc.iv->value_off) == 1 &&
        EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
        EVP_DecryptUpdate(ctx, out, &n1, f->buf + f->body_off, (int)f->body_len) == 1 &&
        EVP_DecryptFinal_ex(ctx, out + n1, &n2) == 1 && (size_t)(n1 + n2) == f->body_len;
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return sbd_fail(err, SBD_CRYPTO, f->body_off, "AES-128-CBC decryption failed");
    return SBD_OK;
}

/* Tag 27 against the hash named by tag 26; unknown ids leave digest_checked false. */
static void check_digest(const sbd_file *f, sbd_plain *p)
{
    const sbd_enc_block *e = &f->enc;
    const EVP_MD *md = e->plain_hash_alg_elem ? sbd_digest_for_id(e->plain_hash_alg) : NULL;
    if (!md || !e->plain_hash)
        return;
    p->digest_checked = true;
    uint8_t md_out[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (EVP_Digest(p->data, p->len, md_out, &md_len, md, NULL) != 1)
        return;
    p->digest_ok = md_len == e->plain_hash->len &&
                   memcmp(md_out, f->buf + e->plain_hash->value_off, md_len) == 0;
}

sbd_status sbd_enc_decrypt(const sbd_file *f, const char *key_pem, size_t key_pem_len,
                           sbd_plain *out, sbd_error *err)
{
    if (!out)
        return sbd_fail(err, SBD_MALFORMED, 0, "no output");
    memset(out, 0, sizeof *out);
    if (!f || f->kind != SBD_KIND_ENC_SGN)
        return sbd_fail(err, SBD_MALFORMED, 0, "not an encrypted signed file (.enc.sgn)");
    sbd_status st = check_block(f, err);
    if (st != SBD_OK)
        return st;
    EVP_PKEY *pk = read_private_key(key_pem, key_pem_len);
    if (!pk) {
        ERR_clear_error();
        return sbd_fail(err, SBD_CRYPTO, 0, "device key is not a readable PEM private key");
    }
    uint8_t key[AES_KEY_LEN];
    st = unwrap_key(f, pk, key, err);
    EVP_PKEY_free(pk);
    uint8_t *plain = st == SBD_OK ? malloc(f->body_len) : NULL;
    if (st == SBD_OK && !plain)
        st = sbd_fail(err, SBD_NOMEM, f->body_off, "no memory for %u bytes", f->body_len);
    if (st == SBD_OK)
        st = aes_decrypt(f, key, plain, err);
    OPENSSL_cleanse(key, sizeof key);
    ERR_clear_error();
    if (st != SBD_OK) {
        free(plain);
        return st;
    }
    out->data = plain;
    out->len = f->body_len - f->enc.pad_count;
    check_digest(f, out);
    return SBD_OK;
}
