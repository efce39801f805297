/* cucmsgn: Cisco signed files (.sgn: SEP<MAC>.cnf.xml.sgn, tones, firmware hashes) and encrypted
 * signed configs (.enc.sgn) carried by TFTP. The trust engine (cucm-trust) judges the signer
 * against the list the phone holds; this file shows its decisions. */
#include "cucm-compat.h"
#include <epan/exceptions.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/show_exception.h>

#include "cucm-cache.h"
#include "cucm-plugin.h"
#include "cucm-http.h"
#include "cucm-tftp.h"
#include "cucm-tree.h"
#include "cucm-trust.h"
#include "sbd/verify.h"

static int proto_cucmsgn = -1;
static cucm_hdr_ids hdr;
static cucm_trust_ids trust;

static int hf_transfer_name = -1;
static int hf_kind = -1;
static int hf_payload = -1;
static int hf_encrypted_payload = -1;
static int hf_trust_list_frame = -1;

static int ett_cucmsgn = -1;
static int ett_payload = -1;

static dissector_handle_t xml_handle;

/* The signature check against the list the phone holds, as the engine decided it (when the
 * phone was still asking the TVS about a new ITL, the decision comes with the TVS session).
 * Returns the status word for Info, NULL when there is none. */
static const char *add_verdict(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                               const sbd_file *f)
{
    if (!cucm_pref_verify)
        return NULL;
    sbd_sig_status sig;
    guint32 held;
    gboolean held_is_ctl;
    const char *reason;
    if (!cucm_trust_signed_verdict(pinfo, &sig, &held, &held_is_ctl, &reason))
        return NULL;
    if (held) {
        proto_item *it = proto_tree_add_uint(tree, hf_trust_list_frame, tvb, 0, 0, held);
        proto_item_append_text(it, " (%s)", held_is_ctl ? "CTL" : "ITL");
        proto_item_set_generated(it);
    }
    cucm_add_sig_result(tree, tvb, f, sig, reason, &hdr);
    return sbd_sig_status_name(sig);
}

static void add_payload(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_file *f)
{
    gint off = (gint)f->body_off;
    gint len = MIN((gint)f->body_len, tvb_captured_length_remaining(tvb, off));
    if (len <= 0)
        return;
    if (f->kind == SBD_KIND_ENC_SGN) {
        proto_tree_add_item(tree, hf_encrypted_payload, tvb, off, len, ENC_NA);
        return;
    }
    proto_item *it = proto_tree_add_item(tree, hf_payload, tvb, off, len, ENC_NA);
    /* The XML dissector adds items and expert infos only (the protocol column is ours). */
    if (!xml_handle || !cucm_want_details(tree) || tvb_find_uint8(tvb, off, MIN(len, 64), '<') < 0)
        return;
    proto_tree *sub = proto_item_add_subtree(it, ett_payload);
    tvbuff_t *xml_tvb = tvb_new_subset_length(tvb, off, len);
    TRY
    {
        call_dissector(xml_handle, xml_tvb, pinfo, sub);
    }
    CATCH_NONFATAL_ERRORS
    {
        show_exception(xml_tvb, pinfo, sub, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
}

/* Returns the most severe rule of the engine's decisions about the file (SBD_RULE_COUNT: none);
 * *sig the signature status word (NULL: not checked). */
static sbd_rule dissect_signed(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                               const sbd_file *f, const sbd_error *err, const char *transfer,
                               const char **sig)
{
    *sig = NULL;
    proto_item *ti = proto_tree_add_item(tree, proto_cucmsgn, tvb, 0, -1, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_cucmsgn);
    proto_item_append_text(ti, ", %s", sbd_kind_name(f->kind));
    if (transfer)
        proto_item_set_generated(proto_tree_add_string(t, hf_transfer_name, tvb, 0, 0, transfer));
    proto_item_set_generated(proto_tree_add_string(t, hf_kind, tvb, 0, 0, sbd_kind_name(f->kind)));
    if (cucm_want_details(tree)) /* items and experts only */
        cucm_add_header(t, tvb, pinfo, f, &hdr);
    if (err->code == SBD_OK)
        *sig = add_verdict(t, tvb, pinfo, f);
    add_payload(t, tvb, pinfo, f);
    if (err->code != SBD_OK)
        cucm_add_parse_error(t, tvb, pinfo, err, hdr.parse_error, &hdr.ei_malformed);
    return cucm_trust_show(t, tvb, pinfo, &trust, CUCM_OWNER_SGN);
}

/* A whole file fetched as `name` (TFTP or HTTP; NULL: unknown), fed to the engine first (through
 * the HTTP transfer xfer when there is one), then shown when it is a signed file. */
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
    if (!buf || !sbd_file_looks_signed(buf, len))
        return;
    sbd_file f;
    sbd_error err;
    if (!cucm_file_parse(buf, len, SBD_KIND_AUTO, &f, &err))
        return;
    if (f.kind == SBD_KIND_SGN || f.kind == SBD_KIND_ENC_SGN) {
        const char *sig;
        sbd_rule worst = dissect_signed(tvb, pinfo, tree, &f, &err, name, &sig);
        /* After the XML dissector, which sets its own protocol column. Info as cucmtl words it:
         * " [what, signature STATUS, most severe rule's title]". */
        col_set_str(pinfo->cinfo, COL_PROTOCOL, "CUCMSGN");
        col_append_fstr(pinfo->cinfo, COL_INFO, " [%s%s%s%s%s]", sbd_kind_name(f.kind),
                        sig ? ", signature " : "", sig ? sig : "",
                        worst != SBD_RULE_COUNT ? ", " : "",
                        worst != SBD_RULE_COUNT ? sbd_rule_title(worst) : "");
    }
    sbd_file_free(&f);
}

/* Never claim the file: a claimed TFTP transfer disappears from Export Objects. */
static cucm_heur_result dissect_cucmsgn_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                             void *data)
{
    dissect_fetched(tvb, pinfo, tree, cucm_tftp_filename(data), NULL);
    return false;
}

void proto_register_cucmsgn(void)
{
    static hf_register_info hf[] = {
        CUCM_HDR_HF_ROWS(hdr, "cucmsgn"){&hf_transfer_name,
                                         {"Transferred as", "cucmsgn.transfer_name", FT_STRING,
                                          BASE_NONE, NULL, 0,
                                          "File name of the TFTP or HTTP request", HFILL}},
        {&hf_kind, {"File type", "cucmsgn.type", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_payload,
         {"Payload", "cucmsgn.payload", FT_BYTES, BASE_NONE, NULL, 0,
          "The signed file itself (bytes after the header)", HFILL}},
        {&hf_encrypted_payload,
         {"Encrypted payload", "cucmsgn.encrypted_payload", FT_BYTES, BASE_NONE, NULL, 0,
          "AES-128-CBC ciphertext of the config", HFILL}},
        {&hf_trust_list_frame,
         {"Checked against trust list in frame", "cucmsgn.trust_list_frame", FT_FRAMENUM, BASE_NONE,
          NULL, 0, NULL, HFILL}},
    };
    static gint *ett[] = {CUCM_HDR_ETT_ROWS(hdr) & ett_cucmsgn, &ett_payload};
    static ei_register_info ei[] = {CUCM_HDR_EI_ROWS(hdr, "cucmsgn")};

    cucm_hdr_ids_init(&hdr);
    proto_cucmsgn = proto_register_protocol("Cisco UCM Signed File", "CUCMSGN", "cucmsgn");
    proto_register_field_array(proto_cucmsgn, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_cucmsgn), ei, array_length(ei));
    cucm_trust_register(&trust, proto_cucmsgn, "cucmsgn", CUCM_OWNER_SGN);
}

void proto_reg_handoff_cucmsgn(void)
{
    xml_handle = find_dissector_add_dependency("xml", proto_cucmsgn);
    heur_dissector_add("tftp", dissect_cucmsgn_heur, "CUCM signed file over TFTP", "cucmsgn_tftp",
                       proto_cucmsgn, HEURISTIC_ENABLE);
    cucm_http_add_reader(dissect_fetched, proto_cucmsgn);
    cucm_tftp_force_defragment();
}
