/* Hash ids of the format mapped to OpenSSL digests, and the digests fetched once (digest.h). */
#include <stdbool.h>

#include <openssl/crypto.h>

#include "digest.h"
#include "sbd/hash.h"
#include "sbd/tlv.h"

enum { MD_MD5, MD_SHA1, MD_SHA256, MD_SHA512, MD_COUNT };

/* Kept for the life of the process (reachable, so not reported as leaks). */
static EVP_MD *fetched[MD_COUNT];
static CRYPTO_ONCE fetch_once = CRYPTO_ONCE_STATIC_INIT;

static void fetch_all(void)
{
    static const char *const names[MD_COUNT] = {"MD5", "SHA1", "SHA256", "SHA512"};
    for (int i = 0; i < MD_COUNT; i++)
        fetched[i] = EVP_MD_fetch(NULL, names[i], NULL);
}

static const EVP_MD *md_of(int which, const EVP_MD *legacy)
{
    if (!CRYPTO_THREAD_run_once(&fetch_once, fetch_all) || !fetched[which])
        return legacy;
    return fetched[which];
}

const EVP_MD *sbd_md5(void)
{
    return md_of(MD_MD5, EVP_md5());
}

const EVP_MD *sbd_sha1(void)
{
    return md_of(MD_SHA1, EVP_sha1());
}

const EVP_MD *sbd_sha256(void)
{
    return md_of(MD_SHA256, EVP_sha256());
}

const EVP_MD *sbd_digest_for_id(uint8_t id)
{
    switch (id) {
    case SBD_HASH_SHA1:
        return sbd_sha1();
    case SBD_HASH_SHA256:
        return sbd_sha256();
    case SBD_HASH_SHA512:
        return md_of(MD_SHA512, EVP_sha512());
    default:
        return NULL;
    }
}

bool sbd_digest(const EVP_MD *md, const uint8_t *p, size_t len, uint8_t *out)
{
    unsigned int n = 0;
    return md && EVP_Digest(p, len, out, &n, md, NULL) == 1;
}

bool sbd_md5_sha256(const uint8_t *p, size_t len, uint8_t md5[16], uint8_t sha256[32])
{
    return sbd_digest(sbd_md5(), p, len, md5) && sbd_digest(sbd_sha256(), p, len, sha256);
}
