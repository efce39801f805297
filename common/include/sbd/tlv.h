/* TLV elements of Cisco signed files: tag:u8 len:u16 value, 0x0D lone padding byte in headers. */
#ifndef SBD_TLV_H
#define SBD_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where an element sits in the file; front ends highlight [off, off + 3 + len). */
typedef struct sbd_elem {
    uint32_t off;       /* offset of the tag byte */
    uint32_t value_off; /* offset of the value (off + 3; off + 1 for padding) */
    uint16_t len;       /* value length as stored (0 for padding) */
    uint8_t tag;
    uint8_t depth;  /* 0 = top level, 1 = inside a container, ... */
    uint8_t scope;  /* SBD_SCOPE_HEADER or SBD_SCOPE_RECORD */
    bool known;     /* false: tag not in the table for its scope (kept and reported) */
    bool container; /* children follow immediately; len is their total size */
    bool padding;   /* lone 0x0D byte */
} sbd_elem;

enum { SBD_SCOPE_HEADER = 0, SBD_SCOPE_RECORD = 1 };

/* Header tags (docs/formats.md section 2 and 5). */
enum {
    SBD_HT_VERSION = 1,
    SBD_HT_HEADER_LENGTH = 2,
    SBD_HT_SIGNER_ID = 3,
    SBD_HT_SIGNER_NAME = 4,
    SBD_HT_SERIAL = 5,
    SBD_HT_CA_NAME = 6,
    SBD_HT_SIGNATURE_INFO = 7,
    SBD_HT_DIGEST_ALG = 8,
    SBD_HT_SIGNATURE_ALGO_INFO = 9,
    SBD_HT_SIGNATURE_ALG = 10,
    SBD_HT_SIGNATURE_MODULUS = 11,
    SBD_HT_SIGNATURE = 12,
    SBD_HT_PADDING = 13,
    SBD_HT_FILENAME = 14,
    SBD_HT_TIMESTAMP = 15,
    SBD_HT_ENC_INFO = 16,
    SBD_HT_IV_INFO = 17,
    SBD_HT_IV_UNKNOWN = 18,
    SBD_HT_IV = 19,
    SBD_HT_PAD_COUNT = 20,
    SBD_HT_KEY_INFO = 21,
    SBD_HT_KEY_UNKNOWN = 22,
    SBD_HT_KEY_SIZE = 23,
    SBD_HT_KEY_ALG = 24,
    SBD_HT_WRAPPED_KEY = 25,
    SBD_HT_PLAIN_HASH_ALG = 26,
    SBD_HT_PLAIN_HASH = 27,
    SBD_HT_SIGNER_VERSION = 28,
};

/* Record tags (docs/formats.md section 3). */
enum {
    SBD_RT_RECORD_LENGTH = 1,
    SBD_RT_DNS_NAME = 2,
    SBD_RT_SUBJECT = 3,
    SBD_RT_FUNCTION = 4,
    SBD_RT_ISSUER = 5,
    SBD_RT_SERIAL = 6,
    SBD_RT_PUBLIC_KEY = 7,
    SBD_RT_SIGNATURE = 8,
    SBD_RT_CERTIFICATE = 9,
    SBD_RT_IP_ADDRESS = 10,
    SBD_RT_CERT_HASH = 11,
    SBD_RT_HASH_ALG = 12,
};

/* Hash ids used by tags 8, 26 and record tag 12. */
enum { SBD_HASH_SHA1 = 1, SBD_HASH_SHA256 = 2, SBD_HASH_SHA512 = 3 };

/* Record FUNCTION codes. */
enum {
    SBD_FN_SAST = 0,
    SBD_FN_CCM = 1,
    SBD_FN_CCM_TFTP = 2,
    SBD_FN_TFTP = 3,
    SBD_FN_CAPF = 4,
    SBD_FN_SRST = 5,
    SBD_FN_APP_SERVER = 7,
    SBD_FN_TVS = 21,
};

/* Cisco's tag name as printed by `show itl` (misspellings kept), or NULL when unknown. */
const char *sbd_header_tag_name(uint8_t tag);
const char *sbd_record_tag_name(uint8_t tag);
bool sbd_header_tag_is_container(uint8_t tag);
/* CUCM display name of a function code ("System Administrator Security Token", "CCM+TFTP", ...)
 * or NULL when unknown (callers print the number). */
const char *sbd_function_name(uint16_t code);
/* The same with "SAST" for code 0, for one-line messages. */
const char *sbd_function_short_name(uint16_t code);
/* "SHA-1", "SHA-256", "SHA-512" or NULL. */
const char *sbd_hash_name(uint8_t id);
/* Digest size in bytes for a hash id, 0 when unknown. */
size_t sbd_hash_size(uint8_t id);

#endif
