/* File fingerprints (MD5 and SHA-256 of the bytes, as reports print them), with the OpenSSL
 * digests fetched once per process rather than on every call. */
#ifndef SBD_HASH_H
#define SBD_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Both digests of p[0..len); false when OpenSSL fails (the outputs are then undefined). */
bool sbd_md5_sha256(const uint8_t *p, size_t len, uint8_t md5[16], uint8_t sha256[32]);

#endif
