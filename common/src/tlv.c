/* Tag, function and hash names for Cisco signed files (docs/formats.md sections 2, 3, 5, 9). */
#include <stddef.h>

#include "sbd/tlv.h"

/* Cisco's `show ctl` spellings, including its misspellings, so listings diff cleanly. */
static const char *const header_tag_names[] = {
    [SBD_HT_VERSION] = "VERSION",
    [SBD_HT_HEADER_LENGTH] = "HEADERLENGTH",
    [SBD_HT_SIGNER_ID] = "SIGNERID",
    [SBD_HT_SIGNER_NAME] = "SIGNERNAME",
    [SBD_HT_SERIAL] = "SERIALNUMBER",
    [SBD_HT_CA_NAME] = "CANAME",
    [SBD_HT_SIGNATURE_INFO] = "SIGNATUREINFO",
    [SBD_HT_DIGEST_ALG] = "DIGESTALGORTITHM",
    [SBD_HT_SIGNATURE_ALGO_INFO] = "SIGNATUREALGOINFO",
    [SBD_HT_SIGNATURE_ALG] = "SIGNATUREALGORTITHM",
    [SBD_HT_SIGNATURE_MODULUS] = "SIGNATUREMODULUS",
    [SBD_HT_SIGNATURE] = "SIGNATURE",
    [SBD_HT_PADDING] = "PADDING",
    [SBD_HT_FILENAME] = "FILENAME",
    [SBD_HT_TIMESTAMP] = "TIMESTAMP",
    [SBD_HT_ENC_INFO] = "ENCRYPTIONINFO",
    [SBD_HT_IV_INFO] = "IVINFO",
    [SBD_HT_IV_UNKNOWN] = "IVUNKNOWN",
    [SBD_HT_IV] = "IV",
    [SBD_HT_PAD_COUNT] = "PADCOUNT",
    [SBD_HT_KEY_INFO] = "KEYINFO",
    [SBD_HT_KEY_UNKNOWN] = "KEYUNKNOWN",
    [SBD_HT_KEY_SIZE] = "KEYSIZE",
    [SBD_HT_KEY_ALG] = "KEYALGORITHM",
    [SBD_HT_WRAPPED_KEY] = "ENCRYPTEDKEY",
    [SBD_HT_PLAIN_HASH_ALG] = "PLAINHASHALGORITHM",
    [SBD_HT_PLAIN_HASH] = "PLAINHASH",
    [SBD_HT_SIGNER_VERSION] = "SIGNERVERSION",
};

static const char *const record_tag_names[] = {
    [SBD_RT_RECORD_LENGTH] = "RECORDLENGTH", [SBD_RT_DNS_NAME] = "DNSNAME",
    [SBD_RT_SUBJECT] = "SUBJECTNAME",        [SBD_RT_FUNCTION] = "FUNCTION",
    [SBD_RT_ISSUER] = "ISSUERNAME",          [SBD_RT_SERIAL] = "SERIALNUMBER",
    [SBD_RT_PUBLIC_KEY] = "PUBLICKEY",       [SBD_RT_SIGNATURE] = "SIGNATURE",
    [SBD_RT_CERTIFICATE] = "CERTIFICATE",    [SBD_RT_IP_ADDRESS] = "IPADDRESS",
    [SBD_RT_CERT_HASH] = "CERTHASH",         [SBD_RT_HASH_ALG] = "HASH ALGORITHM",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *sbd_header_tag_name(uint8_t tag)
{
    return tag < COUNT(header_tag_names) ? header_tag_names[tag] : NULL;
}

const char *sbd_record_tag_name(uint8_t tag)
{
    return tag < COUNT(record_tag_names) ? record_tag_names[tag] : NULL;
}

bool sbd_header_tag_is_container(uint8_t tag)
{
    switch (tag) {
    case SBD_HT_SIGNER_ID:
    case SBD_HT_SIGNATURE_INFO:
    case SBD_HT_SIGNATURE_ALGO_INFO:
    case SBD_HT_ENC_INFO:
    case SBD_HT_IV_INFO:
    case SBD_HT_KEY_INFO:
        return true;
    default:
        return false;
    }
}

const char *sbd_function_name(uint16_t code)
{
    switch (code) {
    case SBD_FN_SAST:
        return "System Administrator Security Token";
    case SBD_FN_CCM:
        return "CCM";
    case SBD_FN_CCM_TFTP:
        return "CCM+TFTP";
    case SBD_FN_TFTP:
        return "TFTP";
    case SBD_FN_CAPF:
        return "CAPF";
    case SBD_FN_SRST:
        return "SRST";
    case SBD_FN_APP_SERVER:
        return "APP-SERVER";
    case SBD_FN_TVS:
        return "TVS";
    default:
        return NULL;
    }
}

const char *sbd_function_short_name(uint16_t code)
{
    return code == SBD_FN_SAST ? "SAST" : sbd_function_name(code);
}

const char *sbd_hash_name(uint8_t id)
{
    switch (id) {
    case SBD_HASH_SHA1:
        return "SHA-1";
    case SBD_HASH_SHA256:
        return "SHA-256";
    case SBD_HASH_SHA512:
        return "SHA-512";
    default:
        return NULL;
    }
}

size_t sbd_hash_size(uint8_t id)
{
    switch (id) {
    case SBD_HASH_SHA1:
        return 20;
    case SBD_HASH_SHA256:
        return 32;
    case SBD_HASH_SHA512:
        return 64;
    default:
        return 0;
    }
}
