/* Certificate and key facts sbdgen writes into headers and records, taken from PEM files. */
#ifndef SBDGEN_GEN_CERT_H
#define SBDGEN_GEN_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

typedef enum { NAME_STYLE_CUCM, NAME_STYLE_UCM } gen_name_style;

typedef struct gen_cert {
    X509 *x509;
    uint8_t *der; /* DER certificate (record tag 9) */
    size_t der_len;
    char subject[1024]; /* formatted per gen_name_style, no NUL counted here */
    char issuer[1024];
    uint8_t serial[64]; /* unsigned magnitude, DER sign byte stripped */
    size_t serial_len;
    uint8_t *public_key; /* RSA: DER PKCS#1 RSAPublicKey; EC: X9.62 point (record tag 7) */
    size_t public_key_len;
    const uint8_t *cert_signature; /* signatureValue bytes (record tag 8), borrowed from x509 */
    size_t cert_signature_len;
} gen_cert;

/* Returns 0 on success; on failure prints one line naming the path and returns -1. */
int gen_cert_load(const char *path, gen_name_style style, gen_cert *c);
void gen_cert_free(gen_cert *c);

/* PEM private key (PKCS#1 or PKCS#8), NULL after printing a one-line error. */
EVP_PKEY *gen_key_load(const char *path);

/* X509 name as text. CUCM: most specific RDN first, ';' separated ("CN=x;OU=y;O=z").
 * UCM (usecallmanager tlvfile, as in the real-world ITL): certificate order, ',' separated. */
void gen_name_format(const X509_NAME *name, gen_name_style style, char *out, size_t outsz);

#endif
