/* Signature verification of trust lists and signed files (OpenSSL). */
#ifndef SBD_VERIFY_H
#define SBD_VERIFY_H

#include <stddef.h>

#include "sbd/file.h"

#define SBD_SIG_MAP(X)                                                                             \
    X(VALID, "valid")                                                                              \
    X(INVALID, "invalid")                                                                          \
    X(SIGNER_UNKNOWN, "signer_unknown")                                                            \
    X(NOT_SIGNED, "not_signed")                                                                    \
    X(NOT_CHECKED, "not_checked")                                                                  \
    X(UNSUPPORTED, "unsupported")                                                                  \
    X(BAD_KEY, "bad_key")

typedef enum {
#define SBD_SIG_ENUM(name, text) SBD_SIG_##name,
    SBD_SIG_MAP(SBD_SIG_ENUM)
#undef SBD_SIG_ENUM
} sbd_sig_status;

/* Room for the longest detail verify.c writes (checked there at compile time), so none is cut. */
#define SBD_VERIFY_DETAIL_MAX 320

typedef struct sbd_verify_result {
    sbd_sig_status status;
    const sbd_record *signer; /* the record whose key was used (in the list that vouched) */
    size_t signer_index;      /* 0-based index of that record */
    char detail[SBD_VERIFY_DETAIL_MAX]; /* one line, e.g. "no record matches the signer" */
} sbd_verify_result;

const char *sbd_sig_status_name(sbd_sig_status s); /* the JSON words: valid, invalid, ... */

/* A trust list against its own SAST (function 0) record whose issuer+serial match the header
 * signer. Never crashes on hostile input; the result says why it failed. */
sbd_sig_status sbd_verify_trust_list(const sbd_file *tl, sbd_verify_result *out);

/* A .sgn/.enc.sgn (or a trust list, for continuity checks) against another trust list: the
 * signer (issuer+serial) must be a record of `by`. When require_tftp_role is true only
 * CCM+TFTP / TFTP records count (what a phone does for config files). */
sbd_sig_status sbd_verify_with(const sbd_file *f, const sbd_file *by, bool require_tftp_role,
                               sbd_verify_result *out);

/* Keys taken from trust-list records (CERTIFICATE or PUBLICKEY), kept across verifications:
 * decoding an X.509 certificate in OpenSSL 3 costs several times the RSA check, and a run checks
 * every config against the same few records. Only usable keys are kept, at most 1024. One cache
 * may be shared by threads. */
typedef struct sbd_key_cache sbd_key_cache;
sbd_key_cache *sbd_key_cache_new(void); /* NULL when out of memory */
void sbd_key_cache_free(sbd_key_cache *kc);
size_t sbd_key_cache_count(const sbd_key_cache *kc); /* distinct keys kept */

/* The same verdicts as sbd_verify_trust_list and sbd_verify_with, with keys from kc (NULL: no
 * cache). */
sbd_sig_status sbd_verify_trust_list_cached(const sbd_file *tl, sbd_key_cache *kc,
                                            sbd_verify_result *out);
sbd_sig_status sbd_verify_with_cached(const sbd_file *f, const sbd_file *by, bool require_tftp_role,
                                      sbd_key_cache *kc, sbd_verify_result *out);

/* Low level: verify f's header signature with a DER public key/cert blob. */
sbd_sig_status sbd_verify_with_der(const sbd_file *f, const uint8_t *cert_der, size_t cert_len,
                                   const uint8_t *pkcs1_pub, size_t pkcs1_len, char *detail,
                                   size_t detail_sz);

#endif
