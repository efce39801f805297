/* Private to common/: OpenSSL digest of a format hash id (tags 8, 26; record tag 12). */
#ifndef SBD_DIGEST_H
#define SBD_DIGEST_H

#include <stdint.h>

#include <openssl/evp.h>

/* SHA-1, SHA-256 or SHA-512 for ids 1, 2, 3; NULL for ids the format does not define. */
const EVP_MD *sbd_digest_for_id(uint8_t id);

#endif
