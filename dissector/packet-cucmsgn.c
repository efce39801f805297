/* cucmsgn: Cisco signed files (.sgn: SEP<MAC>.cnf.xml.sgn, tones, firmware hashes) and encrypted
 * signed configs (.enc.sgn) carried by TFTP. The signer is judged against the ITL seen earlier in
 * the same capture, the way a phone judges it against the ITL it holds. */
#include "cucm-compat.h"
#include <epan/exceptions.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/show_exception.h>

#include "cucm-cache.h"
#include "cucm-plugin.h"
#include "cucm-store.h"
#include "cucm-tftp.h"
#include "cucm-tree.h"
#include "sbd/verify.h"

static int proto_cucmsgn = -1;
static cucm_hdr_ids hdr;

static int hf_transfer_name = -1;
static int hf_kind = -1;
static int hf_payload = -1;
static int hf_encrypted_payload = -1;
static int hf_trust_list_frame = -1;

static int ett_cucmsgn = -1;
static int ett_payload = -1;

static expert_field ei_signer_not_in_itl = EI_INIT;
static expert_field ei_no_trust_list = EI_INIT;
static expert_field ei_rollback_accepts = EI_INIT;

static dissector_handle_t xml_handle;

/* The verdict of the first pass, replayed on every later dissection of the frame. */
typedef struct sgn_verdict {
    sbd_sig_status status;
    guint32 tl_frame; /* 0: no trust list seen before this frame */
    gboolean tl_is_ctl;
    gboolean tl_rollback; /* a phone holding a rollback ITL accepts any signer */
    char detail[200];
} sgn_verdict;

static sgn_verdict *judge_first_pass(packet_info *pinfo, const sbd_file *f)
{
    sgn_verdict *v = wmem_new0(wmem_file_scope(), sgn_verdict);
    v->status = SBD_SIG_NOT_CHECKED;
    const cucm_tl_seen *tl = cucm_store_latest(pinfo->num, FALSE);
    if (!tl)
        tl = cucm_store_latest(pinfo->num, TRUE);
    sbd_file by;
    if (!tl || !cucm_store_parse(tl, &by)) {
        g_strlcpy(v->detail, "no ITL or CTL seen earlier in the capture", sizeof(v->detail));
        return v;
    }
    v->tl_frame = tl->frame;
    v->tl_is_ctl = tl->is_ctl;
    v->tl_rollback = cucm_is_rollback_itl(&by);
    sbd_verify_result vr;
    memset(&vr, 0, sizeof(vr));
    v->status = sbd_verify_with_cached(f, &by, TRUE, cucm_key_cache(), &vr);
    g_strlcpy(v->detail, vr.detail, sizeof(v->detail));
    sbd_file_free(&by);
    return v;
}

static const sgn_verdict *verdict_for(packet_info *pinfo, const sbd_file *f)
{
    sgn_verdict *v = (sgn_verdict *)p_get_proto_data(wmem_file_scope(), pinfo, proto_cucmsgn, 0);
    if (!v && !PINFO_FD_VISITED(pinfo)) {
        v = judge_first_pass(pinfo, f);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_cucmsgn, 0, v);
    }
    return v;
}

static void add_verdict(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_file *f)
{
    if (!cucm_pref_verify)
        return;
    const sgn_verdict *v = verdict_for(pinfo, f);
    if (!v)
        return;
    if (v->tl_frame) {
        proto_item *it = proto_tree_add_uint(tree, hf_trust_list_frame, tvb, 0, 0, v->tl_frame);
        proto_item_append_text(it, " (%s)", v->tl_is_ctl ? "CTL" : "ITL");
        proto_item_set_generated(it);
    }
    cucm_add_sig_result(tree, tvb, pinfo, f, v->status, v->detail, &hdr);
    col_append_fstr(pinfo->cinfo, COL_INFO, ", signature %s", sbd_sig_status_name(v->status));
    if (v->status == SBD_SIG_SIGNER_UNKNOWN && v->tl_rollback) {
        proto_item *it = proto_tree_add_item(tree, hdr.signer_id, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(it);
        expert_add_info_format(pinfo, it, &ei_rollback_accepts,
                               "Signer is not in the ITL of frame %u, but that is a rollback ITL: "
                               "phones accept any signer",
                               v->tl_frame);
    } else if (v->status == SBD_SIG_SIGNER_UNKNOWN) {
        proto_item *it = proto_tree_add_item(tree, hdr.signer_id, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(it);
        expert_add_info_format(pinfo, it, &ei_signer_not_in_itl,
                               "Signer is not a TFTP record of the %s in frame %u: %s",
                               v->tl_is_ctl ? "CTL" : "ITL", v->tl_frame, v->detail);
    } else if (!v->tl_frame) {
        proto_item *it = proto_tree_add_item(tree, hdr.signer_id, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(it);
        expert_add_info(pinfo, it, &ei_no_trust_list);
    }
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

static void dissect_signed(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const sbd_file *f,
                           const sbd_error *err, const char *transfer)
{
    proto_item *ti = proto_tree_add_item(tree, proto_cucmsgn, tvb, 0, -1, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_cucmsgn);
    proto_item_append_text(ti, ", %s", sbd_kind_name(f->kind));
    if (transfer)
        proto_item_set_generated(proto_tree_add_string(t, hf_transfer_name, tvb, 0, 0, transfer));
    proto_item_set_generated(proto_tree_add_string(t, hf_kind, tvb, 0, 0, sbd_kind_name(f->kind)));
    cucm_add_header(t, tvb, pinfo, f, &hdr);
    if (err->code == SBD_OK)
        add_verdict(t, tvb, pinfo, f);
    add_payload(t, tvb, pinfo, f);
    if (err->code != SBD_OK)
        cucm_add_parse_error(t, tvb, pinfo, err, hdr.parse_error, &hdr.ei_malformed);
}

static cucm_heur_result dissect_cucmsgn_heur(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                             void *data)
{
    size_t len;
    const guint8 *buf = cucm_tvb_bytes(tvb, pinfo, &len);
    if (!buf || !sbd_file_looks_signed(buf, len))
        return false;
    sbd_file f;
    sbd_error err;
    if (!cucm_file_parse(buf, len, SBD_KIND_AUTO, &f, &err))
        return false;
    if (f.kind == SBD_KIND_SGN || f.kind == SBD_KIND_ENC_SGN) {
        dissect_signed(tvb, pinfo, tree, &f, &err, cucm_tftp_filename(data));
        /* After the XML dissector, which sets its own protocol column. */
        col_set_str(pinfo->cinfo, COL_PROTOCOL, "CUCMSGN");
        col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", sbd_kind_name(f.kind));
    }
    sbd_file_free(&f);
    /* Never claim the file: a claimed TFTP transfer disappears from Export Objects. */
    return false;
}

void proto_register_cucmsgn(void)
{
    static hf_register_info hf[] = {
        CUCM_HDR_HF_ROWS(hdr,
                         "cucmsgn"){&hf_transfer_name,
                                    {"Transferred as", "cucmsgn.transfer_name", FT_STRING,
                                     BASE_NONE, NULL, 0, "File name of the TFTP request", HFILL}},
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
    static ei_register_info ei[] = {
        CUCM_HDR_EI_ROWS(hdr, "cucmsgn"){&ei_signer_not_in_itl,
                                         {"cucmsgn.signer_not_in_itl", PI_SECURITY, PI_ERROR,
                                          "Signer is not a TFTP record of the ITL seen earlier",
                                          EXPFILL}},
        {&ei_rollback_accepts,
         {"cucmsgn.rollback_accepts", PI_SECURITY, PI_NOTE,
          "Signer not in the ITL, accepted because the ITL is a rollback ITL", EXPFILL}},
        {&ei_no_trust_list,
         {"cucmsgn.no_trust_list", PI_SECURITY, PI_NOTE,
          "No ITL/CTL earlier in the capture: signature not checked", EXPFILL}},
    };

    cucm_hdr_ids_init(&hdr);
    proto_cucmsgn = proto_register_protocol("Cisco UCM Signed File", "CUCMSGN", "cucmsgn");
    proto_register_field_array(proto_cucmsgn, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_cucmsgn), ei, array_length(ei));
}

void proto_reg_handoff_cucmsgn(void)
{
    xml_handle = find_dissector_add_dependency("xml", proto_cucmsgn);
    heur_dissector_add("tftp", dissect_cucmsgn_heur, "CUCM signed file over TFTP", "cucmsgn_tftp",
                       proto_cucmsgn, HEURISTIC_ENABLE);
    cucm_tftp_force_defragment();
}
