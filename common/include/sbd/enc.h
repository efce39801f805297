/* Decrypting .enc.sgn bodies with the device private key. */
#ifndef SBD_ENC_H
#define SBD_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/file.h"

typedef struct sbd_plain {
    uint8_t *data; /* malloc'd plaintext (padding removed); free with sbd_plain_free */
    size_t len;
    bool digest_checked; /* the header carried a digest we know */
    bool digest_ok;
} sbd_plain;

/* key_pem: PEM private key of the phone (PKCS#1 or PKCS#8). */
sbd_status sbd_enc_decrypt(const sbd_file *f, const char *key_pem, size_t key_pem_len,
                           sbd_plain *out, sbd_error *err);
void sbd_plain_free(sbd_plain *p);

#endif
