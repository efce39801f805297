/* Private to common/: OpenSSL digests, fetched once per process. In OpenSSL 3, passing
 * EVP_sha256() and the like to EVP_Digest looks the implementation up again on every call (about
 * 18 k instructions each time); fetched ones skip that. */
#ifndef SBD_DIGEST_H
#define SBD_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* SHA-1, SHA-256 or SHA-512 for ids 1, 2, 3; NULL for ids the format does not define. */
const EVP_MD *sbd_digest_for_id(uint8_t id);

/* Fetched MD5 / SHA-1 / SHA-256 (the legacy static ones if the fetch failed). */
const EVP_MD *sbd_md5(void);
const EVP_MD *sbd_sha1(void);
const EVP_MD *sbd_sha256(void);

/* One-shot digest into out (EVP_MAX_MD_SIZE bytes at most); false on failure. */
bool sbd_digest(const EVP_MD *md, const uint8_t *p, size_t len, uint8_t *out);

#endif
