/* Common spans -> tree items for the signed-file header shared by ITL/CTL, .sgn and .enc.sgn. The
 * core (libsbdcore) decides what every byte means; this file only maps its element list onto
 * Wireshark fields, subtrees and expert infos. */
#include "cucm-tree.h"

#include <stddef.h>

#include <epan/dissectors/packet-ber.h>
#include <epan/exceptions.h>
#include <epan/prefs.h>
#include <epan/show_exception.h>

#include "cucm-cache.h"
#include "sbd/tlv.h"

cucm_pref_bool cucm_pref_verify = true;
guint cucm_pref_expiry_days = 30;

/* OID under which Wireshark's X.509 dissector registers Certificate (id-at-userCertificate). The
 * x509af functions themselves are not exported by libwireshark 4.0; the BER OID table is. */
#define CUCM_X509_CERT_OID "2.5.4.36"

/* Each X.509 sub-dissection appends a layer to pinfo->layers per BER OID callback (x509af, one
 * x509ce per extension, one x509sat per name attribute: 10-40 per certificate) and Wireshark
 * asserts that a packet stays below gui.max_tree_depth layers (500). A trust list carries dozens of
 * certificates, so a 30-certificate ITL ended in "[Dissector bug, protocol X509AF ...]" and lost
 * the rest of its tree. The layers one certificate added are dropped once it is shown (what
 * Wireshark does for a sub-dissector that added nothing), and no X.509 tree is attempted when less
 * than this reserve is left below the limit (a deep stack above us, or a lowered preference). */
#define CUCM_X509_LAYER_RESERVE 64

/* Deepest container nesting we render as subtrees; deeper elements attach to the last level. */
#define CUCM_MAX_DEPTH 8

const value_string cucm_hash_vals[] = {{SBD_HASH_SHA1, "SHA-1"},
                                       {SBD_HASH_SHA256, "SHA-256"},
                                       {SBD_HASH_SHA512, "SHA-512"},
                                       {0, NULL}};

const value_string cucm_sig_alg_vals[] = {{0, "RSA PKCS#1 v1.5"}, {0, NULL}};

const value_string cucm_sig_modulus_vals[] = {{0, "64 bytes (RSA-512)"},
                                              {1, "128 bytes (RSA-1024)"},
                                              {2, "256 bytes (RSA-2048)"},
                                              {3, "512 bytes (RSA-4096)"},
                                              {0, NULL}};

/* CUCM `show itl` names; the filter strings users type ("TVS", "CCM+TFTP") are these. */
const value_string cucm_function_vals[] = {{SBD_FN_SAST, "System Administrator Security Token"},
                                           {SBD_FN_CCM, "CCM"},
                                           {SBD_FN_CCM_TFTP, "CCM+TFTP"},
                                           {SBD_FN_TFTP, "TFTP"},
                                           {SBD_FN_CAPF, "CAPF"},
                                           {SBD_FN_SRST, "SRST"},
                                           {SBD_FN_APP_SERVER, "APP-SERVER"},
                                           {SBD_FN_TVS, "TVS"},
                                           {0, NULL}};

const value_string cucm_sig_status_vals[] = {
#define CUCM_SIG_VAL(name, text) {SBD_SIG_##name, text},
    SBD_SIG_MAP(CUCM_SIG_VAL)
#undef CUCM_SIG_VAL
        {0, NULL}};

typedef enum {
    K_CONTAINER,
    K_VERSION, /* major.minor as text */
    K_STRING,  /* NUL-terminated text */
    K_BYTES,
    K_SERIAL, /* bytes labelled as sbd_hex_serial shows them */
    K_U8,
    K_U16,
    K_TIME, /* u32 Unix seconds */
    K_PADDING,
} cucm_kind;

typedef struct {
    guint8 tag;
    cucm_kind kind;
    size_t hf_off; /* offsetof(cucm_hdr_ids, field) */
} cucm_hdr_map;

#define M(tag, kind, field)                                                                        \
    {                                                                                              \
        tag, kind, offsetof(cucm_hdr_ids, field)                                                   \
    }
static const cucm_hdr_map hdr_map[] = {
    M(SBD_HT_VERSION, K_VERSION, version),
    M(SBD_HT_HEADER_LENGTH, K_U16, header_length),
    M(SBD_HT_SIGNER_ID, K_CONTAINER, signer_id),
    M(SBD_HT_SIGNER_NAME, K_STRING, signer_name),
    M(SBD_HT_SERIAL, K_SERIAL, signer_serial),
    M(SBD_HT_CA_NAME, K_STRING, signer_issuer),
    M(SBD_HT_SIGNATURE_INFO, K_CONTAINER, signature_info),
    M(SBD_HT_DIGEST_ALG, K_U8, hash_algorithm),
    M(SBD_HT_SIGNATURE_ALGO_INFO, K_CONTAINER, signature_algo_info),
    M(SBD_HT_SIGNATURE_ALG, K_U8, signature_algorithm),
    M(SBD_HT_SIGNATURE_MODULUS, K_U8, signature_modulus),
    M(SBD_HT_SIGNATURE, K_BYTES, signature),
    M(SBD_HT_PADDING, K_PADDING, padding),
    M(SBD_HT_FILENAME, K_STRING, filename),
    M(SBD_HT_TIMESTAMP, K_TIME, timestamp),
    M(SBD_HT_ENC_INFO, K_CONTAINER, enc_info),
    M(SBD_HT_IV_INFO, K_CONTAINER, iv_info),
    M(SBD_HT_IV_UNKNOWN, K_U8, iv_unknown),
    M(SBD_HT_IV, K_BYTES, iv),
    M(SBD_HT_PAD_COUNT, K_U16, pad_count),
    M(SBD_HT_KEY_INFO, K_CONTAINER, key_info),
    M(SBD_HT_KEY_UNKNOWN, K_U8, key_unknown),
    M(SBD_HT_KEY_SIZE, K_U16, key_size),
    M(SBD_HT_KEY_ALG, K_U8, key_alg),
    M(SBD_HT_WRAPPED_KEY, K_BYTES, wrapped_key),
    M(SBD_HT_PLAIN_HASH_ALG, K_U8, plain_hash_alg),
    M(SBD_HT_PLAIN_HASH, K_BYTES, plain_hash),
    M(SBD_HT_SIGNER_VERSION, K_VERSION, signer_version),
};
#undef M

static const cucm_hdr_map *hdr_map_find(guint8 tag)
{
    for (size_t i = 0; i < G_N_ELEMENTS(hdr_map); i++)
        if (hdr_map[i].tag == tag)
            return &hdr_map[i];
    return NULL;
}

void cucm_hdr_ids_init(cucm_hdr_ids *h)
{
    /* All members are ints or pairs of ints whose unregistered value is -1. */
    memset(h, 0xff, sizeof(*h));
}

static int hf_at(cucm_hdr_ids *h, size_t off)
{
    return *(const int *)((const char *)h + off);
}

gboolean cucm_file_parse(const guint8 *buf, size_t len, sbd_kind kind, sbd_file *f, sbd_error *err)
{
    memset(err, 0, sizeof(*err));
    if (sbd_file_parse(buf, len, kind, f, err) == SBD_OK)
        return TRUE;
    /* Show what precedes the damage: the records before a broken one are still worth seeing.
     * A prefix that ends inside an element fails earlier again, so step back a few times. */
    size_t cut = err->offset;
    for (int tries = 0; tries < 4 && cut > 0 && cut < len; tries++) {
        sbd_error again;
        if (sbd_file_parse(buf, cut, kind, f, &again) == SBD_OK)
            return TRUE;
        if (again.offset >= cut)
            break;
        cut = again.offset;
    }
    return FALSE;
}

char *cucm_serial_text(wmem_allocator_t *scope, const guint8 *serial, size_t len)
{
    size_t size = len ? 3 * len : 1; /* any length: a hostile element may exceed a certificate's */
    return sbd_hex_serial(serial, len, SBD_SERIAL_SHOWN, (char *)wmem_alloc(scope, size), size);
}

void cucm_label_serial(proto_item *it, int hf, packet_info *pinfo, const guint8 *serial, size_t len)
{
    if (it)
        proto_item_set_text(it, "%s: %s", proto_registrar_get_name(hf),
                            cucm_serial_text(pinfo->pool, serial, len));
}

const guint8 *cucm_tvb_bytes(tvbuff_t *tvb, packet_info *pinfo, size_t *len)
{
    guint n = tvb_captured_length(tvb);
    *len = n;
    return n ? (const guint8 *)tvb_memdup(pinfo->pool, tvb, 0, n) : NULL;
}

int cucm_elem_value_len(tvbuff_t *tvb, const sbd_elem *e)
{
    gint avail = tvb_captured_length_remaining(tvb, (gint)e->value_off);
    if (avail <= 0)
        return 0;
    return MIN((gint)e->len, avail);
}

proto_item *cucm_add_elem(proto_tree *tree, int hf, tvbuff_t *tvb, const sbd_elem *e,
                          guint encoding)
{
    if (!e)
        return NULL;
    return proto_tree_add_item(tree, hf, tvb, (gint)e->value_off, cucm_elem_value_len(tvb, e),
                               encoding);
}

proto_item *cucm_add_serial_elem(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo,
                                 const sbd_elem *e)
{
    proto_item *it = cucm_add_elem(tree, hf, tvb, e, ENC_NA);
    gint n = e ? cucm_elem_value_len(tvb, e) : 0;
    if (it && n > 0)
        cucm_label_serial(it, hf, pinfo, tvb_get_ptr(tvb, (gint)e->value_off, n), (size_t)n);
    return it;
}

/* Fixed-size numeric fields whose stored length disagrees are shown raw and flagged instead of
 * letting proto_tree_add_item complain about the length. */
static proto_item *add_fixed(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo,
                             const sbd_elem *e, guint16 want, guint enc, cucm_hdr_ids *h)
{
    if (e->len == want)
        return cucm_add_elem(tree, hf, tvb, e, enc);
    proto_item *it = cucm_add_elem(tree, h->unknown_value, tvb, e, ENC_NA);
    /* The expert summary stays the protocol's constant one (so -z expert groups it); the detail
     * goes into the item. */
    proto_item_append_text(it, " [tag %u: length %u, expected %u]", e->tag, e->len, want);
    expert_add_info(pinfo, it, &h->ei_malformed);
    return it;
}

static proto_item *add_version(proto_tree *tree, int hf, tvbuff_t *tvb, packet_info *pinfo,
                               const sbd_elem *e, cucm_hdr_ids *h)
{
    if (e->len != 2)
        return add_fixed(tree, hf, tvb, pinfo, e, 2, ENC_NA, h);
    guint8 maj = tvb_get_uint8(tvb, (gint)e->value_off);
    guint8 min = tvb_get_uint8(tvb, (gint)e->value_off + 1);
    return proto_tree_add_string(tree, hf, tvb, (gint)e->value_off, 2,
                                 wmem_strdup_printf(pinfo->pool, "%u.%u", maj, min));
}

static proto_item *add_unknown(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                               const sbd_elem *e, cucm_hdr_ids *h)
{
    gint whole = MIN((gint)(e->value_off - e->off) + (gint)e->len,
                     tvb_captured_length_remaining(tvb, (gint)e->off));
    proto_item *it =
        proto_tree_add_uint(tree, h->unknown_tag, tvb, (gint)e->off, MAX(whole, 1), e->tag);
    proto_item_append_text(it, " (length %u)", e->len);
    proto_tree *sub = proto_item_add_subtree(it, h->ett_unknown);
    if (e->len)
        cucm_add_elem(sub, h->unknown_value, tvb, e, ENC_NA);
    expert_add_info(pinfo, it, &h->ei_unknown_tag);
    return it;
}

static proto_item *add_header_elem(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                                   const sbd_elem *e, cucm_hdr_ids *h)
{
    const cucm_hdr_map *m = e->known ? hdr_map_find(e->tag) : NULL;
    if (!m)
        return add_unknown(tree, tvb, pinfo, e, h);
    int hf = hf_at(h, m->hf_off);
    switch (m->kind) {
    case K_CONTAINER: {
        gint whole = MIN(3 + (gint)e->len, tvb_captured_length_remaining(tvb, (gint)e->off));
        proto_item *it = proto_tree_add_item(tree, hf, tvb, (gint)e->off, whole, ENC_NA);
        proto_item_append_text(it, " (%u bytes)", e->len);
        return it;
    }
    case K_VERSION:
        return add_version(tree, hf, tvb, pinfo, e, h);
    case K_STRING:
        return cucm_add_elem(tree, hf, tvb, e, ENC_ASCII | ENC_NA);
    case K_BYTES:
        return cucm_add_elem(tree, hf, tvb, e, ENC_NA);
    case K_SERIAL:
        return cucm_add_serial_elem(tree, hf, tvb, pinfo, e);
    case K_U8:
        return add_fixed(tree, hf, tvb, pinfo, e, 1, ENC_BIG_ENDIAN, h);
    case K_U16:
        return add_fixed(tree, hf, tvb, pinfo, e, 2, ENC_BIG_ENDIAN, h);
    case K_TIME:
        return add_fixed(tree, hf, tvb, pinfo, e, 4, ENC_TIME_SECS | ENC_BIG_ENDIAN, h);
    case K_PADDING:
        return proto_tree_add_item(tree, hf, tvb, (gint)e->off, 1, ENC_NA);
    }
    return NULL;
}

proto_tree *cucm_add_header(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_file *f,
                            cucm_hdr_ids *h)
{
    gint hlen = MIN((gint)f->hdr.header_length, tvb_captured_length(tvb));
    proto_tree *hdr = proto_tree_add_subtree_format(tree, tvb, 0, MAX(hlen, 1), h->ett_header, NULL,
                                                    "Header (%s, %u bytes)", sbd_kind_name(f->kind),
                                                    f->hdr.header_length);
    /* Containers hold the elements that follow them; the core gives each element its depth. */
    proto_tree *level[CUCM_MAX_DEPTH + 1] = {hdr};
    for (size_t i = 0; i < f->n_header_elems; i++) {
        const sbd_elem *e = &f->elems[i];
        guint d = MIN(e->depth, CUCM_MAX_DEPTH - 1);
        proto_tree *parent = level[d] ? level[d] : hdr;
        proto_item *it = add_header_elem(parent, tvb, pinfo, e, h);
        if (e->container)
            level[d + 1] = proto_item_add_subtree(it, h->ett_container);
    }
    return hdr;
}

void cucm_add_parse_error(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_error *err,
                          int hf, expert_field *ei)
{
    gint len = (gint)tvb_captured_length(tvb);
    gint off = err->offset < (size_t)len ? (gint)err->offset : MAX(len - 1, 0);
    proto_item *it = proto_tree_add_string_format_value(
        tree, hf, tvb, off, len > off ? len - off : 0, err->msg, "%s at offset %zu: %s",
        sbd_status_name(err->code), err->offset, err->msg);
    expert_add_info(pinfo, it, ei);
}

void cucm_add_sig_result(proto_tree *tree, tvbuff_t *tvb, const sbd_file *f, sbd_sig_status st,
                         const char *detail, cucm_hdr_ids *h)
{
    const sbd_elem *sig = f->hdr.signature;
    gint off = sig ? (gint)sig->off : 0;
    gint len = sig ? MIN(3 + (gint)sig->len, tvb_captured_length_remaining(tvb, off)) : 0;
    proto_item *it = proto_tree_add_uint(tree, h->signature_status, tvb, off, len, st);
    proto_item_set_generated(it);
    if (detail && *detail)
        proto_item_append_text(it, " (%s)", detail);
    if (st != SBD_SIG_VALID && st != SBD_SIG_INVALID && st != SBD_SIG_BAD_KEY)
        return;
    proto_item *v =
        proto_tree_add_boolean(tree, h->signature_valid, tvb, off, len, st == SBD_SIG_VALID);
    proto_item_set_generated(v);
}

void cucm_add_certificate(proto_tree *tree, int hf, int ett, tvbuff_t *tvb, packet_info *pinfo,
                          int off, int len)
{
    proto_item *it = proto_tree_add_item(tree, hf, tvb, off, len, ENC_NA);
    /* Subject and serial only feed the item text, and the X.509 tree is seen by nobody in a
     * hook's private tree. */
    if (len <= 0 || !tree || !cucm_want_details(tree))
        return;
    const sbd_cert_info *ci = cucm_cert_info(tvb_get_ptr(tvb, off, len), (size_t)len);
    if (ci)
        proto_item_append_text(it, " (%s, serial %s)", ci->subject,
                               cucm_serial_text(pinfo->pool, ci->serial, ci->serial_len));
    unsigned layers = wmem_list_count(pinfo->layers);
    if (layers + CUCM_X509_LAYER_RESERVE >= prefs.gui_max_tree_depth) {
        proto_item_append_text(it,
                               " [X.509 tree not shown: %u of gui.max_tree_depth %u layers used]",
                               layers, prefs.gui_max_tree_depth);
        return;
    }
    proto_tree *sub = proto_item_add_subtree(it, ett);
    tvbuff_t *cert_tvb = tvb_new_subset_length(tvb, off, len);
    /* A broken certificate (or a bug below it) must not take the rest of the file's tree down with
     * it: the exception is shown under this certificate only. */
    TRY
    {
        call_ber_oid_callback(CUCM_X509_CERT_OID, cert_tvb, 0, pinfo, sub, NULL);
    }
    CATCH_BOUNDS_AND_DISSECTOR_ERRORS
    {
        show_exception(cert_tvb, pinfo, sub, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
    while (wmem_list_count(pinfo->layers) > layers)
        wmem_list_remove_frame(pinfo->layers, wmem_list_tail(pinfo->layers));
}
