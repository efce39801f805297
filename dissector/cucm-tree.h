/* Shared glue for the signed-file dissectors (cucmtl, cucmsgn): the core's element spans become
 * tree items. Each protocol owns its own field ids (filter names are per protocol), declared with
 * the row macros below so both hf arrays stay plain static tables. */
#ifndef CUCM_TREE_H
#define CUCM_TREE_H

#include "cucm-compat.h"

#include <epan/expert.h>
#include <epan/packet.h>

#include "sbd/cert.h"
#include "sbd/file.h"
#include "sbd/verify.h"

/* Field, subtree and expert ids for the signed-file header (tags 1-28). */
typedef struct cucm_hdr_ids {
    int version, header_length, signer_version, signer_id, signer_name, signer_serial,
        signer_issuer, signature_info, hash_algorithm, signature_algo_info, signature_algorithm,
        signature_modulus, signature, padding, filename, timestamp;
    /* .enc.sgn encryption block (tags 16-27) */
    int enc_info, iv_info, iv_unknown, iv, pad_count, key_info, key_unknown, key_size, key_alg,
        wrapped_key, plain_hash_alg, plain_hash;
    int unknown_tag, unknown_value, parse_error, signature_valid, signature_status, signer_frame;
    int ett_header, ett_container, ett_unknown, ett_cert;
    expert_field ei_malformed, ei_unknown_tag;
} cucm_hdr_ids;

extern const value_string cucm_hash_vals[];
extern const value_string cucm_sig_alg_vals[];
extern const value_string cucm_sig_modulus_vals[];
extern const value_string cucm_function_vals[];
extern const value_string cucm_sig_status_vals[];

/* hf_register_info rows for every header field; P is the protocol filter prefix literal. */
#define CUCM_HDR_HF_ROWS(h, P)                                                                     \
    {&(h).version, {"Version", P ".version", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},         \
        {&(h).header_length,                                                                       \
         {"Header length", P ".header_length", FT_UINT16, BASE_DEC, NULL, 0,                       \
          "Total header bytes; the body starts here", HFILL}},                                     \
        {&(h).signer_version,                                                                      \
         {"Signer version", P ".signer_version", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},     \
        {&(h).signer_id, {"Signer ID", P ".signer", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL}},    \
        {&(h).signer_name,                                                                         \
         {"Signer name", P ".signer.name", FT_STRINGZ, BASE_NONE, NULL, 0, NULL, HFILL}},          \
        {&(h).signer_serial,                                                                       \
         {"Signer serial number", P ".signer.serial", FT_BYTES, SEP_COLON, NULL, 0, NULL, HFILL}}, \
        {&(h).signer_issuer,                                                                       \
         {"Signer issuer (CA name)", P ".signer.issuer", FT_STRINGZ, BASE_NONE, NULL, 0, NULL,     \
          HFILL}},                                                                                 \
        {&(h).signature_info,                                                                      \
         {"Signature info", P ".signature_info", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL}},       \
        {&(h).hash_algorithm,                                                                      \
         {"Digest algorithm", P ".hash_algorithm", FT_UINT8, BASE_DEC, VALS(cucm_hash_vals), 0,    \
          NULL, HFILL}},                                                                           \
        {&(h).signature_algo_info,                                                                 \
         {"Signature algorithm info", P ".signature_algo_info", FT_NONE, BASE_NONE, NULL, 0, NULL, \
          HFILL}},                                                                                 \
        {&(h).signature_algorithm,                                                                 \
         {"Signature algorithm", P ".signature_algorithm", FT_UINT8, BASE_DEC,                     \
          VALS(cucm_sig_alg_vals), 0, NULL, HFILL}},                                               \
        {&(h).signature_modulus,                                                                   \
         {"Signature modulus", P ".signature_modulus", FT_UINT8, BASE_DEC,                         \
          VALS(cucm_sig_modulus_vals), 0, NULL, HFILL}},                                           \
        {&(h).signature,                                                                           \
         {"Signature", P ".signature", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},                \
        {&(h).padding, {"Padding", P ".padding", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},       \
        {&(h).filename,                                                                            \
         {"File name", P ".filename", FT_STRINGZ, BASE_NONE, NULL, 0, NULL, HFILL}},               \
        {&(h).timestamp,                                                                           \
         {"Timestamp", P ".timestamp", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0, NULL,         \
          HFILL}},                                                                                 \
        {&(h).enc_info, {"Encryption info", P ".enc", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL}},  \
        {&(h).iv_info, {"IV info", P ".enc.iv_info", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL}},   \
        {&(h).iv_unknown,                                                                          \
         {"IV info byte", P ".enc.iv_unknown", FT_UINT8, BASE_HEX, NULL, 0,                        \
          "Tag 18 of IV info: 0 in every file seen; its meaning is not published", HFILL}},        \
        {&(h).iv, {"AES-CBC IV", P ".enc.iv", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},         \
        {&(h).pad_count,                                                                           \
         {"Pad count", P ".enc.pad_count", FT_UINT16, BASE_DEC, NULL, 0,                           \
          "Padding bytes appended to the plaintext", HFILL}},                                      \
        {&(h).key_info,                                                                            \
         {"Key info", P ".enc.key_info", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL}},               \
        {&(h).key_unknown,                                                                         \
         {"Key info byte", P ".enc.key_unknown", FT_UINT8, BASE_HEX, NULL, 0,                      \
          "Tag 22 of key info: 0 in every file seen; its meaning is not published", HFILL}},       \
        {&(h).key_size,                                                                            \
         {"Key size (bits)", P ".enc.key_size", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},       \
        {&(h).key_alg,                                                                             \
         {"Key algorithm", P ".enc.key_algorithm", FT_UINT8, BASE_DEC, NULL, 0,                    \
          "1 = AES-128 (assumed)", HFILL}},                                                        \
        {&(h).wrapped_key,                                                                         \
         {"Wrapped key", P ".enc.wrapped_key", FT_BYTES, BASE_NONE, NULL, 0,                       \
          "AES key encrypted to the phone's RSA key", HFILL}},                                     \
        {&(h).plain_hash_alg,                                                                      \
         {"Plaintext hash algorithm", P ".enc.plain_hash_algorithm", FT_UINT8, BASE_DEC,           \
          VALS(cucm_hash_vals), 0, NULL, HFILL}},                                                  \
        {&(h).plain_hash,                                                                          \
         {"Plaintext hash", P ".enc.plain_hash", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},      \
        {&(h).unknown_tag,                                                                         \
         {"Unknown element tag", P ".unknown_tag", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL}},     \
        {&(h).unknown_value,                                                                       \
         {"Unknown element value", P ".unknown_value", FT_BYTES, BASE_NONE, NULL, 0, NULL,         \
          HFILL}},                                                                                 \
        {&(h).parse_error,                                                                         \
         {"Parse error", P ".parse_error", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},           \
        {&(h).signature_valid,                                                                     \
         {"Signature valid", P ".signature_valid", FT_BOOLEAN, BASE_NONE, NULL, 0, NULL, HFILL}},  \
        {&(h).signature_status,                                                                    \
         {"Signature check", P ".signature_status", FT_UINT8, BASE_DEC,                            \
          VALS(cucm_sig_status_vals), 0, NULL, HFILL}},                                            \
        {&(h).signer_frame,                                                                        \
         {"Signer certificate from trust list in frame", P ".signer_frame", FT_FRAMENUM,           \
          BASE_NONE, NULL, 0, NULL, HFILL}},

#define CUCM_HDR_ETT_ROWS(h) &(h).ett_header, &(h).ett_container, &(h).ett_unknown, &(h).ett_cert,

#define CUCM_HDR_EI_ROWS(h, P)                                                                     \
    {&(h).ei_malformed, {P ".malformed", PI_MALFORMED, PI_ERROR, "Malformed element", EXPFILL}},   \
        {&(h).ei_unknown_tag,                                                                      \
         {P ".unknown_tag.expert", PI_UNDECODED, PI_NOTE, "Unknown element tag", EXPFILL}},

/* Every id starts unregistered (-1, EI_INIT) as proto_register_* requires. */
void cucm_hdr_ids_init(cucm_hdr_ids *h);

/* Plugin-wide preferences (owned by cucmtl's module, read by all three protocols). */
extern cucm_pref_bool cucm_pref_verify;
extern guint cucm_pref_expiry_days;

/* Parse a whole signed file; on failure retry the prefix before the failing byte so the valid part
 * still shows. Returns TRUE when f holds something; *err keeps the first failure (code OK if none).
 */
gboolean cucm_file_parse(const guint8 *buf, size_t len, sbd_kind kind, sbd_file *f, sbd_error *err);

/* A serial as the core shows it to people (sbd_hex_serial, SBD_SERIAL_SHOWN: "1A:2B:3C", CUCM's
 * form), the form the engine's reasons carry too: the plugin never rewrites them. */
char *cucm_serial_text(wmem_allocator_t *scope, const guint8 *serial, size_t len);
/* The label of a serial field (FT_BYTES) in that form; the field's value, which filters and
 * -T fields use, stays Wireshark's bytes ("1a:2b:3c" with SEP_COLON). it may be NULL (no tree). */
void cucm_label_serial(proto_item *it, int hf, packet_info *pinfo, const guint8 *serial,
                       size_t len);

/* Contiguous copy of the whole tvb in pinfo scope (the core wants one buffer). */
const guint8 *cucm_tvb_bytes(tvbuff_t *tvb, packet_info *pinfo, size_t *len);

/* Header elements as items (containers as subtrees, unknown tags as items + expert). Returns the
 * header subtree. */
proto_tree *cucm_add_header(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_file *f,
                            cucm_hdr_ids *h);

/* An item for element e, highlighting its value bytes. */
proto_item *cucm_add_elem(proto_tree *tree, int hf, tvbuff_t *tvb, const sbd_elem *e,
                          guint encoding);

/* cucm_add_elem for a serial field, labelled by cucm_label_serial. */
proto_item *cucm_add_serial_elem(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo,
                                 const sbd_elem *e);

/* Parse-failure item + expert info at the failing offset (clamped into the tvb). */
void cucm_add_parse_error(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_error *err,
                          int hf, expert_field *ei);

/* Signature outcome as items (a fact; the verdicts are the trust engine's expert infos), attached
 * to the header signature element. */
void cucm_add_sig_result(proto_tree *tree, tvbuff_t *tvb, const sbd_file *f, sbd_sig_status st,
                         const char *detail, cucm_hdr_ids *h);

/* DER certificate at [off, off+len) handed to Wireshark's X.509 dissector (opens as a tree). Its
 * expiry is the trust engine's decision, shown with the decisions of the frame. */
void cucm_add_certificate(proto_tree *tree, int hf, int ett, tvbuff_t *tvb, packet_info *pinfo,
                          int off, int len);

/* Tree item spanning the value of e, with a safe (clamped) length. */
int cucm_elem_value_len(tvbuff_t *tvb, const sbd_elem *e);

#endif
