/* cucmtl: Cisco UCM ITL/CTL trust lists (ITLFile.tlv, ITLSEP<MAC>.tlv, CTLFile.tlv ...) carried
 * by TFTP. The core parses; this file turns records into items, hands every transferred file to
 * the trust engine (cucm-trust) and shows the engine's decisions about the list. */
#include "cucm-compat.h"
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>

#include "cucm-cache.h"
#include "cucm-plugin.h"
#include "cucm-http.h"
#include "cucm-tftp.h"
#include "cucm-tree.h"
#include "cucm-trust.h"
#include "sbd/audit.h"
#include "sbd/verify.h"

static int proto_cucmtl = -1;
static cucm_hdr_ids hdr;
static cucm_trust_ids trust;

static int hf_transfer_name = -1;
static int hf_kind = -1;
static int hf_record_count = -1;
static int hf_record = -1;
static int hf_rec_length = -1;
static int hf_rec_dns_name = -1;
static int hf_rec_subject = -1;
static int hf_rec_function = -1;
static int hf_rec_issuer = -1;
static int hf_rec_serial = -1;
static int hf_rec_public_key = -1;
static int hf_rec_cert_signature = -1;
static int hf_rec_certificate = -1;
static int hf_rec_ip = -1;
static int hf_rec_cert_hash = -1;
static int hf_rec_hash_alg = -1;
static int hf_rec_unknown = -1;
static int hf_rec_is_signer = -1;
static int hf_rollback = -1;

static int ett_cucmtl = -1;
static int ett_record = -1;
static int ett_rec_unknown = -1;

static expert_field ei_rec_unknown = EI_INIT;
static expert_field ei_rec_malformed = EI_INIT;

static void add_record_elem(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_elem *e)
{
    int hf;
    guint enc = ENC_NA;
    guint16 want = 0;
    switch (e->known ? e->tag : 0) {
    case SBD_RT_RECORD_LENGTH:
        hf = hf_rec_length, enc = ENC_BIG_ENDIAN, want = 2;
        break;
    case SBD_RT_DNS_NAME:
        hf = hf_rec_dns_name, enc = ENC_ASCII | ENC_NA;
        break;
    case SBD_RT_SUBJECT:
        hf = hf_rec_subject, enc = ENC_ASCII | ENC_NA;
        break;
    case SBD_RT_FUNCTION:
        hf = hf_rec_function, enc = ENC_BIG_ENDIAN, want = 2;
        break;
    case SBD_RT_ISSUER:
        hf = hf_rec_issuer, enc = ENC_ASCII | ENC_NA;
        break;
    case SBD_RT_SERIAL:
        hf = hf_rec_serial;
        break;
    case SBD_RT_PUBLIC_KEY:
        hf = hf_rec_public_key;
        break;
    case SBD_RT_SIGNATURE:
        hf = hf_rec_cert_signature;
        break;
    case SBD_RT_IP_ADDRESS:
        hf = hf_rec_ip, enc = ENC_BIG_ENDIAN, want = 4;
        break;
    case SBD_RT_CERT_HASH:
        hf = hf_rec_cert_hash;
        break;
    case SBD_RT_HASH_ALG:
        hf = hf_rec_hash_alg, enc = ENC_BIG_ENDIAN, want = 1;
        break;
    case SBD_RT_CERTIFICATE:
        cucm_add_certificate(tree, hf_rec_certificate, hdr.ett_cert, tvb, pinfo, (int)e->value_off,
                             cucm_elem_value_len(tvb, e));
        return;
    default: {
        proto_item *it = cucm_add_elem(tree, hf_rec_unknown, tvb, e, ENC_NA);
        proto_item_prepend_text(it, "Tag %u: ", e->tag);
        proto_item_append_text(it, " (%u bytes kept)", e->len);
        expert_add_info(pinfo, it, &ei_rec_unknown);
        return;
    }
    }
    if (want && e->len != want) {
        proto_item *it = cucm_add_elem(tree, hf_rec_unknown, tvb, e, ENC_NA);
        proto_item_append_text(it, " [tag %u: length %u, expected %u]", e->tag, e->len, want);
        expert_add_info(pinfo, it, &ei_rec_malformed);
        return;
    }
    if (hf == hf_rec_serial)
        cucm_add_serial_elem(tree, hf, tvb, pinfo, e);
    else
        cucm_add_elem(tree, hf, tvb, e, enc);
}

static void add_record(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_file *f,
                       size_t idx)
{
    const sbd_record *r = &f->records[idx];
    gint len = MIN((gint)r->len, tvb_captured_length_remaining(tvb, (gint)r->off));
    char subject[256] = "";
    if (r->subject)
        sbd_elem_name(f, r->subject, subject, sizeof(subject)); /* CN first: summaries get cut */
    const char *fn =
        r->function_elem ? val_to_str_const(r->function, cucm_function_vals, "?") : "no function";
    proto_item *ri = proto_tree_add_none_format(tree, hf_record, tvb, (gint)r->off, MAX(len, 1),
                                                "Record #%zu: %s%s%s", idx + 1, fn,
                                                *subject ? ", " : "", subject);
    proto_tree *rt = proto_item_add_subtree(ri, ett_record);
    for (size_t i = 0; i < r->n_elems; i++)
        add_record_elem(rt, tvb, pinfo, &r->first_elem[i]);
    if (sbd_record_is_header_signer(f, r)) {
        proto_item *s =
            proto_tree_add_boolean(rt, hf_rec_is_signer, tvb, (gint)r->off, MAX(len, 1), TRUE);
        proto_item_set_generated(s);
    }
}

/* A fact about the list (the core's predicate); what it means for the phones is the engine's. */
static void show_rollback(proto_tree *tree, tvbuff_t *tvb, const sbd_file *f)
{
    if (sbd_file_is_ctl(f))
        return;
    proto_item_set_generated(
        proto_tree_add_boolean(tree, hf_rollback, tvb, 0, 0, sbd_audit_is_rollback(f)));
}

/* The list's own signature (against its SAST record), as a fact; the engine's verdict on it is
 * among the decisions. */
static void verify_list(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_file *f)
{
    if (!cucm_pref_verify)
        return;
    const char *detail;
    sbd_sig_status st = cucm_verify_trust_list(f, &detail);
    cucm_add_sig_result(tree, tvb, f, st, detail, &hdr);
    col_append_fstr(pinfo->cinfo, COL_INFO, ", signature %s", sbd_sig_status_name(st));
}

/* The engine's decisions about this frame, and the most severe rule's title in Info. */
static void show_decisions(proto_tree *t, tvbuff_t *tvb, packet_info *pinfo)
{
    sbd_rule worst = cucm_trust_show(t, tvb, pinfo, &trust, CUCM_OWNER_TL);
    if (worst != SBD_RULE_COUNT)
        col_append_fstr(pinfo->cinfo, COL_INFO, ", %s", sbd_rule_title(worst));
}

static void dissect_list(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const sbd_file *f,
                         const sbd_error *err, const char *transfer)
{
    proto_item *ti = proto_tree_add_item(tree, proto_cucmtl, tvb, 0, -1, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_cucmtl);
    gboolean ctl = sbd_file_is_ctl(f);
    proto_item_append_text(ti, ", %s, %zu records", ctl ? "CTL" : "ITL", f->n_records);
    if (transfer) {
        proto_item *it = proto_tree_add_string(t, hf_transfer_name, tvb, 0, 0, transfer);
        proto_item_set_generated(it);
    }
    proto_item_set_generated(proto_tree_add_string(t, hf_kind, tvb, 0, 0, ctl ? "CTL" : "ITL"));
    /* Header and records are items and experts only; the signature status is in Info. */
    gboolean details = cucm_want_details(tree);
    if (details)
        cucm_add_header(t, tvb, pinfo, f, &hdr);
    /* Only the part before the damage was parsed: a signature or role verdict on it would lie. */
    if (err->code == SBD_OK)
        verify_list(t, tvb, pinfo, f);
    else
        cucm_add_sig_result(t, tvb, f, SBD_SIG_NOT_CHECKED, "file damaged", &hdr);
    proto_item_set_generated(
        proto_tree_add_uint(t, hf_record_count, tvb, 0, 0, (guint32)f->n_records));
    for (size_t i = 0; details && i < f->n_records; i++)
        add_record(t, tvb, pinfo, f, i);
    if (err->code == SBD_OK)
        show_rollback(t, tvb, f);
    else
        cucm_add_parse_error(t, tvb, pinfo, err, hdr.parse_error, &hdr.ei_malformed);
    show_decisions(t, tvb, pinfo);
}

/* Nothing parsed, but the content starts like a signed file and was fetched as a trust list. */
static void dissect_unparsable(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                               const sbd_error *err, const char *transfer)
{
    proto_item *ti = proto_tree_add_item(tree, proto_cucmtl, tvb, 0, -1, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_cucmtl);
    proto_item_append_text(ti, ", unparsable");
    if (transfer)
        proto_item_set_generated(proto_tree_add_string(t, hf_transfer_name, tvb, 0, 0, transfer));
    cucm_add_parse_error(t, tvb, pinfo, err, hdr.parse_error, &hdr.ei_malformed);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "CUCMTL");
    col_append_str(pinfo->cinfo, COL_INFO, " [trust list, unparsable");
    show_decisions(t, tvb, pinfo);
    col_append_str(pinfo->cinfo, COL_INFO, "]");
}

static gboolean named_like_trust_list(const char *name)
{
    return name && g_str_has_suffix(name, ".tlv");
}

/* A whole file fetched as `name` (TFTP or HTTP; NULL: unknown), fed to the engine first (through
 * the HTTP transfer xfer when there is one), then shown when it is a trust list. */
static void dissect_fetched(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const char *name,
                            void *xfer)
{
    size_t len;
    const guint8 *buf = cucm_tvb_bytes(tvb, pinfo, &len);
    /* Every file of the transfer goes to the engine, whatever its content (first pass). */
    if (xfer)
        cucm_trust_xfer_file(pinfo, xfer, buf, len);
    else
        cucm_trust_file_done(pinfo, name, buf, len);
    /* A file fetched as *.tlv that does not parse is still worth a finding. */
    if (!buf || !(sbd_file_looks_signed(buf, len) || named_like_trust_list(name)))
        return;
    sbd_file f;
    sbd_error err;
    if (!cucm_file_parse(buf, len, SBD_KIND_AUTO, &f, &err)) {
        if (named_like_trust_list(name))
            dissect_unparsable(tvb, pinfo, tree, &err, name);
        return;
    }
    if (f.kind == SBD_KIND_TRUST_LIST) {
        col_set_str(pinfo->cinfo, COL_PROTOCOL, "CUCMTL");
        col_append_fstr(pinfo->cinfo, COL_INFO, " [%s, %zu records",
                        sbd_file_is_ctl(&f) ? "CTL" : "ITL", f.n_records);
        dissect_list(tvb, pinfo, tree, &f, &err, name);
        col_append_str(pinfo->cinfo, COL_INFO, "]");
    }
    sbd_file_free(&f);
}

/* Never claim the file: a claimed TFTP transfer disappears from Export Objects. */
static cucm_heur_result dissect_cucmtl_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                            void *data)
{
    dissect_fetched(tvb, pinfo, tree, cucm_tftp_filename(data), NULL);
    return false;
}

void proto_register_cucmtl(void)
{
    static hf_register_info hf[] = {
        CUCM_HDR_HF_ROWS(hdr,
                         "cucmtl"){&hf_transfer_name,
                                   {"Transferred as", "cucmtl.transfer_name", FT_STRING, BASE_NONE,
                                    NULL, 0, "File name of the TFTP or HTTP request", HFILL}},
        {&hf_kind, {"List type", "cucmtl.type", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_record_count,
         {"Records", "cucmtl.record_count", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_record, {"Record", "cucmtl.record", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_rec_length,
         {"Record length", "cucmtl.record.length", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_rec_dns_name,
         {"DNS name", "cucmtl.record.dns_name", FT_STRINGZ, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_rec_subject,
         {"Subject name", "cucmtl.record.subject", FT_STRINGZ, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_rec_function,
         {"Function", "cucmtl.record.function", FT_UINT16, BASE_DEC, VALS(cucm_function_vals), 0,
          NULL, HFILL}},
        {&hf_rec_issuer,
         {"Issuer name", "cucmtl.record.issuer", FT_STRINGZ, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_rec_serial,
         {"Serial number", "cucmtl.record.serial", FT_BYTES, SEP_COLON, NULL, 0, NULL, HFILL}},
        {&hf_rec_public_key,
         {"Public key", "cucmtl.record.public_key", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_rec_cert_signature,
         {"Certificate signature", "cucmtl.record.signature", FT_BYTES, BASE_NONE, NULL, 0, NULL,
          HFILL}},
        {&hf_rec_certificate,
         {"Certificate", "cucmtl.record.certificate", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_rec_ip, {"IP address", "cucmtl.record.ip", FT_IPv4, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_rec_cert_hash,
         {"Certificate hash", "cucmtl.record.cert_hash", FT_BYTES, BASE_NONE, NULL, 0, NULL,
          HFILL}},
        {&hf_rec_hash_alg,
         {"Hash algorithm", "cucmtl.record.hash_algorithm", FT_UINT8, BASE_DEC,
          VALS(cucm_hash_vals), 0, NULL, HFILL}},
        {&hf_rec_unknown,
         {"Unknown record element", "cucmtl.record.unknown", FT_BYTES, BASE_NONE, NULL, 0, NULL,
          HFILL}},
        {&hf_rec_is_signer,
         {"Signed this list", "cucmtl.record.is_signer", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "Issuer and serial match the header signer", HFILL}},
        {&hf_rollback,
         {"Rollback ITL", "cucmtl.rollback", FT_BOOLEAN, BASE_NONE, NULL, 0,
          "No CCM+TFTP, TFTP or TVS record", HFILL}},
    };
    static gint *ett[] = {CUCM_HDR_ETT_ROWS(hdr) & ett_cucmtl, &ett_record, &ett_rec_unknown};
    static ei_register_info ei[] = {
        CUCM_HDR_EI_ROWS(hdr, "cucmtl"){
            &ei_rec_unknown,
            {"cucmtl.record.unknown_tag", PI_UNDECODED, PI_NOTE, "Unknown record tag", EXPFILL}},
        {&ei_rec_malformed,
         {"cucmtl.record.malformed", PI_MALFORMED, PI_ERROR, "Malformed record element", EXPFILL}},
    };

    cucm_hdr_ids_init(&hdr);
    proto_cucmtl = proto_register_protocol("Cisco UCM Trust List (ITL/CTL)", "CUCMTL", "cucmtl");
    proto_register_field_array(proto_cucmtl, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_cucmtl), ei, array_length(ei));

    module_t *m = prefs_register_protocol(proto_cucmtl, cucm_http_apply_prefs);
    prefs_register_bool_preference(
        m, "verify_signatures", "Verify signatures",
        "Check trust-list and signed-file signatures (applies to cucmtl, cucmsgn and cucmtvs)",
        &cucm_pref_verify);
    prefs_register_uint_preference(m, "expiry_warning_days", "Certificate expiry warning (days)",
                                   "Flag certificates that expire within this many days of the "
                                   "capture time (all three protocols)",
                                   10, &cucm_pref_expiry_days);
    cucm_trust_register(&trust, proto_cucmtl, "cucmtl", CUCM_OWNER_TL);
    cucm_cache_register();
    cucm_trust_register_routines();
    cucm_tftp_register(proto_cucmtl);
    cucm_trust_register_end_watch(proto_cucmtl);
    cucm_http_register(proto_cucmtl, m);
}

void proto_reg_handoff_cucmtl(void)
{
    heur_dissector_add("tftp", dissect_cucmtl_heur, "CUCM ITL/CTL over TFTP", "cucmtl_tftp",
                       proto_cucmtl, HEURISTIC_ENABLE);
    cucm_http_add_reader(dissect_fetched, proto_cucmtl);
    cucm_tftp_force_defragment();
    cucm_tftp_watch();
    cucm_trust_end_watch();
    cucm_http_watch();
}
