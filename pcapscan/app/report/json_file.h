/* JSON description of a parsed trust/signed file, shared by `pcapscan show` and the scan's
 * "file" objects so both front ends name fields the same way. */
#ifndef PCAPSCAN_JSON_FILE_H
#define PCAPSCAN_JSON_FILE_H

#include <jansson.h>

#include "sbd/file.h"
#include "sbd/verify.h"

/* "itl", "ctl", "sgn", "enc_sgn" (the JSON contract's kind words). */
const char *json_kind_word(const sbd_file *f);

/* Header fields: version, header_length, signer {name, serial, issuer}, hash_algorithm, ... */
json_t *json_file_header(const sbd_file *f);
/* Records with decoded certificate facts; with_elements adds each element's tag/offset/length. */
json_t *json_file_records(const sbd_file *f, int with_elements);
/* Every header element: scope, tag, name, offset, length, depth. */
json_t *json_file_header_elements(const sbd_file *f);
/* {status, signer_record, detail}; vr may be NULL (not_checked). */
json_t *json_signature(const sbd_verify_result *vr, const sbd_file *signer_list);
/* {name, serial, issuer} of the header signer, or null. */
json_t *json_signer(const sbd_file *f);
/* Lowercase hex digests of buf: md5, sha1, sha256 set into obj. */
void json_set_digests(json_t *obj, const uint8_t *buf, size_t len);

#endif
