/* libFuzzer target: .enc.sgn decryption on hostile input.
 *
 * A fuzzer cannot forge RSA ciphertext, so without help every input would stop at the key unwrap.
 * The target therefore makes a throwaway RSA-1024 key at start-up (no key is committed), and when
 * an input's wrapped key (tag 25) has that key's size it rewraps a fixed AES key into a copy of
 * the input. The AES, padding-count and digest paths then see the fuzzer's bytes. The original
 * input is also decrypted as is (wrong-key and size-mismatch paths). Seeds: make-seeds-enc.sh. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "sbd/enc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 16 key bytes, not a C string (GCC 15+ rejects a literal that fills the array exactly). */
static const uint8_t fixed_aes_key[16] = {'s', 'b', 'd', '-', 'f', 'u', 'z', 'z',
                                          '-', 'a', 'e', 's', '-', 'k', 'e', 'y'};

typedef struct {
    EVP_PKEY *key;
    char *pem;
    size_t pem_len;
} fuzz_key;

static const fuzz_key *get_key(void)
{
    static fuzz_key k;
    static int tried;
    if (tried)
        return k.key ? &k : NULL;
    tried = 1;
    k.key = EVP_RSA_gen(1024);
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    long n = 0;
    if (k.key && bio && PEM_write_bio_PrivateKey(bio, k.key, NULL, NULL, 0, NULL, NULL) == 1)
        n = BIO_get_mem_data(bio, &p);
    if (n > 0 && (k.pem = malloc((size_t)n)) != NULL) {
        memcpy(k.pem, p, (size_t)n);
        k.pem_len = (size_t)n;
    }
    BIO_free(bio);
    if (!k.pem) {
        EVP_PKEY_free(k.key);
        k.key = NULL;
    }
    return k.key ? &k : NULL;
}

/* Invariants of a successful decryption; a violation is a bug, so crash loudly. */
static void check_plain(const sbd_file *f, const sbd_plain *p)
{
    if (p->len > f->body_len || p->len != f->body_len - f->enc.pad_count)
        abort();
    if (p->digest_ok && !p->digest_checked)
        abort();
    if (p->len > 0 && !p->data)
        abort();
}

static void decrypt_once(const uint8_t *buf, size_t len, const fuzz_key *k)
{
    sbd_file f;
    sbd_error err;
    if (sbd_file_parse(buf, len, SBD_KIND_ENC_SGN, &f, &err) != SBD_OK)
        return;
    sbd_plain p;
    if (sbd_enc_decrypt(&f, k->pem, k->pem_len, &p, &err) == SBD_OK)
        check_plain(&f, &p);
    else if (p.data || p.len)
        abort();
    sbd_plain_free(&p);
    sbd_file_free(&f);
}

static bool rewrap(uint8_t *buf, const sbd_elem *w, const fuzz_key *k)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k->key, NULL);
    size_t out_len = w->len;
    bool ok = ctx && EVP_PKEY_encrypt_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_encrypt(ctx, buf + w->value_off, &out_len, fixed_aes_key,
                               sizeof fixed_aes_key) == 1 &&
              out_len == w->len;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz_key *k = get_key();
    if (!k)
        return 0;
    decrypt_once(data, size, k);

    sbd_file f;
    sbd_error err;
    if (sbd_file_parse(data, size, SBD_KIND_ENC_SGN, &f, &err) != SBD_OK)
        return 0;
    const sbd_elem *w = f.enc.wrapped_key;
    bool fits = w && w->len == (size_t)EVP_PKEY_get_size(k->key);
    uint8_t *copy = fits ? malloc(size) : NULL;
    if (copy) {
        memcpy(copy, data, size);
        if (rewrap(copy, w, k))
            decrypt_once(copy, size, k);
        free(copy);
    }
    sbd_file_free(&f);
    return 0;
}
