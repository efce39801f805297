/* Hash ids of the format mapped to OpenSSL digests, in one place. */
#include "digest.h"
#include "sbd/tlv.h"

const EVP_MD *sbd_digest_for_id(uint8_t id)
{
    switch (id) {
    case SBD_HASH_SHA1:
        return EVP_sha1();
    case SBD_HASH_SHA256:
        return EVP_sha256();
    case SBD_HASH_SHA512:
        return EVP_sha512();
    default:
        return NULL;
    }
}
