/* A parsed Cisco signed file: ITL/CTL trust list (.tlv), signed file (.sgn) or encrypted signed
 * config (.enc.sgn). The parse borrows the caller's buffer; every element keeps its offset. */
#ifndef SBD_FILE_H
#define SBD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/status.h"
#include "sbd/tlv.h"

typedef enum {
    SBD_KIND_AUTO = 0, /* input to sbd_file_parse only: decide from content */
    SBD_KIND_TRUST_LIST,
    SBD_KIND_SGN,
    SBD_KIND_ENC_SGN,
} sbd_kind;

/* Signed-file header. Element pointers point into sbd_file.elems; NULL when absent. */
typedef struct sbd_header {
    uint8_t version_major, version_minor;
    uint16_t header_length;    /* tag 2: absolute offset of the body */
    uint8_t digest_alg;        /* tag 8 (hash id) */
    uint8_t signature_alg;     /* tag 10 */
    uint8_t signature_modulus; /* tag 11 */
    uint32_t timestamp;        /* tag 15, Unix seconds */
    bool has_signer_version;
    uint8_t signer_version_major, signer_version_minor;
    uint16_t padding_count;
    const sbd_elem *version, *header_length_elem, *signer_version, *signer_id, *signer_name,
        *signer_serial, *ca_name, *signature_info, *digest_alg_elem, *signature_algo_info,
        *signature_alg_elem, *signature_modulus_elem, *signature, *filename, *timestamp_elem;
} sbd_header;

/* Encryption block of .enc.sgn (tags 16-27). */
typedef struct sbd_enc_block {
    uint16_t pad_count;     /* tag 20 */
    uint16_t key_size;      /* tag 23 */
    uint8_t key_alg;        /* tag 24 */
    uint8_t plain_hash_alg; /* tag 26 */
    const sbd_elem *enc_info, *iv_info, *iv_unknown, *iv, *pad_count_elem, *key_info, *key_unknown,
        *key_size_elem, *key_alg_elem, *wrapped_key, *plain_hash_alg_elem, *plain_hash;
} sbd_enc_block;

/* One ITL/CTL record. All fields optional except record_length (sparse records are valid). */
typedef struct sbd_record {
    uint32_t off;      /* offset of the RECORDLENGTH element */
    uint32_t len;      /* bytes the record spans (RECORDLENGTH when consistent) */
    uint16_t function; /* valid when function_elem != NULL */
    uint8_t hash_alg;  /* record tag 12, valid when hash_alg_elem != NULL */
    const sbd_elem *first_elem;
    size_t n_elems;
    const sbd_elem *record_length, *dns_name, *subject, *function_elem, *issuer, *serial,
        *public_key, *cert_signature, *certificate, *ip_address, *cert_hash, *hash_alg_elem;
} sbd_record;

typedef struct sbd_file {
    const uint8_t *buf; /* borrowed from the caller; must outlive the sbd_file */
    size_t len;
    sbd_kind kind;
    sbd_header hdr;
    sbd_enc_block enc; /* all NULL unless kind == SBD_KIND_ENC_SGN */
    uint32_t body_off; /* == hdr.header_length */
    uint32_t body_len;
    sbd_elem *elems; /* header elements in file order, then each record's elements */
    size_t n_elems;
    size_t n_header_elems;
    sbd_record *records;
    size_t n_records;
    size_t n_unknown; /* elements with an unknown tag (kept, shown, not fatal) */
} sbd_file;

/* Parse buf as a signed file. kind = SBD_KIND_AUTO detects from content (never from a name).
 * On failure returns != SBD_OK, fills err with the byte offset, and leaves f empty. */
sbd_status sbd_file_parse(const uint8_t *buf, size_t len, sbd_kind kind, sbd_file *f,
                          sbd_error *err);
void sbd_file_free(sbd_file *f);

/* Cheap content sniff: does buf start like a Cisco signed-file header? */
bool sbd_file_looks_signed(const uint8_t *buf, size_t len);

const char *sbd_kind_name(sbd_kind k); /* "itl/ctl", "sgn", "enc.sgn" */

/* Copy a NUL-terminated string element (hostile: may lack the NUL, may hold control bytes)
 * into out as printable text; returns out. */
char *sbd_elem_string(const sbd_file *f, const sbd_elem *e, char *out, size_t outsz);
/* A name element (SUBJECTNAME, ISSUERNAME, SIGNERNAME, CANAME) rendered for people like every
 * certificate name: CN first, RFC 4514 escaping (sbd_dn_render_str); returns out. */
char *sbd_elem_name(const sbd_file *f, const sbd_elem *e, char *out, size_t outsz);
/* Value bytes of an element (NULL when e is NULL). */
const uint8_t *sbd_elem_value(const sbd_file *f, const sbd_elem *e);

/* Trust-list specifics: the header FILENAME says ITL or CTL (default ITL when unclear). */
bool sbd_file_is_ctl(const sbd_file *f);

/* Lookups over records. Each returns NULL when nothing matches. `after` continues a search
 * (NULL = from the first record). Serials compare as unsigned integers (leading 0x00 ignored);
 * names compare with sbd_dn_equal (sbd/names.h). */
const sbd_record *sbd_find_by_function(const sbd_file *f, uint16_t function,
                                       const sbd_record *after);
const sbd_record *sbd_find_by_issuer_serial(const sbd_file *f, const char *issuer,
                                            const uint8_t *serial, size_t serial_len,
                                            const sbd_record *after);
/* The same with an issuer of issuer_len bytes (up to its first NUL), e.g. another file's element;
 * issuer NULL matches any issuer. */
const sbd_record *sbd_find_by_issuer_serial_n(const sbd_file *f, const char *issuer,
                                              size_t issuer_len, const uint8_t *serial,
                                              size_t serial_len, const sbd_record *after);
/* Matches record tag 11 CERTHASH, or the SHA-1/SHA-256 of record tag 9 CERTIFICATE. */
const sbd_record *sbd_find_by_cert_hash(const sbd_file *f, const uint8_t *hash, size_t hash_len,
                                        const sbd_record *after);
/* Is this record the signer named in the header (issuer + serial)? */
bool sbd_record_is_header_signer(const sbd_file *f, const sbd_record *r);

/* Serial helpers: compare as unsigned big-endian integers. */
bool sbd_serial_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
