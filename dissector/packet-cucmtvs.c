/* cucmtvs: Cisco Trust Verification Service on TCP 2445, inside TLS. Two parts:
 *  - the TVS PDUs themselves (visible when TLS is decrypted), framed with tcp_dissect_pdus;
 *  - the TLS server certificate on the TVS port (field tls.handshake.certificate) compared with
 *    the TVS record of the ITL seen earlier in the capture, which is the phone's first check
 *    before it trusts anything TVS says.
 * How the certificate is reached: libwireshark 4.0 exports no hook into TLS certificate handling
 * (the TLS tap carries no certificates, x509af functions are not exported), but a field can be
 * read from the tree once it is asked for. TLS on the TVS ports is therefore called through a
 * small hook (dissect_tvs_port) that asks for the field, calls TLS and reads it back. */
#include "cucm-compat.h"
#include <epan/conversation.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/exceptions.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/range.h>
#include <epan/dissectors/packet-tcp.h>
#include <epan/dissectors/packet-tls.h>

#include "cucm-cache.h"
#include "cucm-plugin.h"
#include "cucm-tree.h"
#include "cucm-trust.h"
#include "sbd/cert.h"
#include "sbd/tvs.h"

#define TVS_DEFAULT_PORTS "2445"

static int proto_cucmtvs = -1;

static int hf_protocol = -1;
static int hf_version = -1;
static int hf_type = -1;
static int hf_flags = -1;
static int hf_session_id = -1;
static int hf_length = -1;
static int hf_element = -1;
static int hf_el_tag = -1;
static int hf_el_length = -1;
static int hf_el_value = -1;
static int hf_device_name_prefix = -1;
static int hf_device_name = -1;
static int hf_certificate = -1;
static int hf_subject = -1;
static int hf_issuer = -1;
static int hf_serial = -1;
static int hf_status = -1;
static int hf_role = -1;
static int hf_ttl = -1;
static int hf_response_in = -1;
static int hf_response_to = -1;
static int hf_response_time = -1;
static int hf_parse_error = -1;
static int hf_srv = -1;
static int hf_srv_subject = -1;
static int hf_srv_issuer = -1;
static int hf_srv_serial = -1;
static int hf_srv_service = -1;

static int ett_cucmtvs = -1;
static int ett_element = -1;
static int ett_cert = -1;
static int ett_srv = -1;

static expert_field ei_malformed = EI_INIT;
static expert_field ei_unknown_elem = EI_INIT;
static expert_field ei_not_trusted = EI_INIT;
static expert_field ei_no_request = EI_INIT;
static cucm_trust_ids trust;

static dissector_handle_t tvs_handle;
static dissector_handle_t port_handle; /* TLS through dissect_tvs_port, on tcp.port */
static dissector_handle_t tls_handle;
static range_t *tvs_ports;
static range_t *tvs_ports_applied;
static int hf_tls_certificate = -1;
static int hf_tls_version = -1; /* tls.handshake.extensions.supported_version */

static const value_string type_vals[] = {
    {SBD_TVS_MSG_NONE, "None"},
    {SBD_TVS_VERIFY_REQUEST, "Verify request"},
    {SBD_TVS_VERIFY_RESPONSE, "Verify response"},
    {SBD_TVS_QUERY_CERT_REQUEST, "Query certificate request"},
    {SBD_TVS_QUERY_CERT_RESPONSE, "Query certificate response"},
    {0, NULL}};

static const value_string elem_vals[] = {{SBD_TVS_EL_DEVICE_NAME, "Device name"},
                                         {SBD_TVS_EL_CERTIFICATE, "Certificate"},
                                         {SBD_TVS_EL_SUBJECT, "Subject name"},
                                         {SBD_TVS_EL_ISSUER, "Issuer name"},
                                         {SBD_TVS_EL_SERIAL, "Serial number"},
                                         {SBD_TVS_EL_STATUS, "Status"},
                                         {SBD_TVS_EL_ROLES, "Roles"},
                                         {SBD_TVS_EL_TTL, "TTL"},
                                         {0, NULL}};

static const value_string status_vals[] = {
    {0, "Trusted (valid)"}, {1, "Not trusted (invalid or unknown)"}, {0, NULL}};

/* ---- request/response matching: per conversation, by session id ---- */

typedef struct tvs_trans {
    guint32 req_frame, resp_frame;
    nstime_t req_time;
} tvs_trans;

typedef struct tvs_conv {
    wmem_map_t *pending;  /* session id -> trans awaiting a response (first pass) */
    wmem_map_t *by_frame; /* (frame << 32 | session id) -> trans, for every pass */
} tvs_conv;

static gboolean is_request(guint8 type)
{
    return type == SBD_TVS_VERIFY_REQUEST || type == SBD_TVS_QUERY_CERT_REQUEST;
}

static tvs_conv *get_conv(packet_info *pinfo)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    tvs_conv *c = (tvs_conv *)conversation_get_proto_data(conv, proto_cucmtvs);
    if (!c) {
        c = wmem_new(wmem_file_scope(), tvs_conv);
        c->pending = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
        c->by_frame = wmem_map_new(wmem_file_scope(), g_int64_hash, g_int64_equal);
        conversation_add_proto_data(conv, proto_cucmtvs, c);
    }
    return c;
}

static gint64 *frame_key(wmem_allocator_t *scope, guint32 frame, guint32 sid)
{
    gint64 *k = wmem_new(scope, gint64);
    *k = (gint64)(((guint64)frame << 32) | sid);
    return k;
}

static tvs_trans *match_trans(packet_info *pinfo, const sbd_tvs_msg *m)
{
    tvs_conv *c = get_conv(pinfo);
    gint64 *key = frame_key(pinfo->pool, pinfo->num, m->session_id);
    tvs_trans *t = (tvs_trans *)wmem_map_lookup(c->by_frame, key);
    if (t || PINFO_FD_VISITED(pinfo))
        return t;
    gpointer sid = GUINT_TO_POINTER(m->session_id);
    if (is_request(m->type)) {
        t = wmem_new0(wmem_file_scope(), tvs_trans);
        t->req_frame = pinfo->num;
        t->req_time = pinfo->abs_ts;
        wmem_map_insert(c->pending, sid, t);
    } else {
        t = (tvs_trans *)wmem_map_remove(c->pending, sid);
        if (t)
            t->resp_frame = pinfo->num;
    }
    if (t)
        wmem_map_insert(c->by_frame, frame_key(wmem_file_scope(), pinfo->num, m->session_id), t);
    return t;
}

static void add_trans_links(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                            const sbd_tvs_msg *m, proto_item *hdr_item)
{
    tvs_trans *t = match_trans(pinfo, m);
    proto_item *it;
    if (is_request(m->type)) {
        if (t && t->resp_frame) {
            it = proto_tree_add_uint(tree, hf_response_in, tvb, 0, 0, t->resp_frame);
            proto_item_set_generated(it);
        }
        return;
    }
    if (!t || !t->req_frame) {
        expert_add_info(pinfo, hdr_item, &ei_no_request);
        return;
    }
    it = proto_tree_add_uint(tree, hf_response_to, tvb, 0, 0, t->req_frame);
    proto_item_set_generated(it);
    nstime_t delta;
    nstime_delta(&delta, &pinfo->abs_ts, &t->req_time);
    it = proto_tree_add_time(tree, hf_response_time, tvb, 0, 0, &delta);
    proto_item_set_generated(it);
}

/* ---- PDUs ---- */

static void add_element_value(proto_tree *et, tvbuff_t *tvb, packet_info *pinfo,
                              const sbd_tvs_elem *e, proto_item *ei_item)
{
    gint off = (gint)e->off + 3;
    gint len = MIN((gint)e->len, tvb_captured_length_remaining(tvb, off));
    if (len <= 0)
        return;
    switch (e->tag) {
    case SBD_TVS_EL_DEVICE_NAME:
        /* A leading byte of unknown meaning (0x01 seen), then ASCII without a NUL. */
        proto_tree_add_item(et, hf_device_name_prefix, tvb, off, 1, ENC_NA);
        if (len > 1)
            proto_tree_add_item(et, hf_device_name, tvb, off + 1, len - 1, ENC_ASCII | ENC_NA);
        break;
    case SBD_TVS_EL_CERTIFICATE:
        cucm_add_certificate(et, hf_certificate, ett_cert, tvb, pinfo, off, len);
        break;
    case SBD_TVS_EL_SUBJECT:
        proto_tree_add_item(et, hf_subject, tvb, off, len, ENC_ASCII | ENC_NA);
        break;
    case SBD_TVS_EL_ISSUER:
        proto_tree_add_item(et, hf_issuer, tvb, off, len, ENC_ASCII | ENC_NA);
        break;
    case SBD_TVS_EL_SERIAL: {
        proto_item *it = proto_tree_add_item(et, hf_serial, tvb, off, len, ENC_NA);
        if (it && len > 0)
            cucm_label_serial(it, hf_serial, pinfo, tvb_get_ptr(tvb, off, len), (size_t)len);
        break;
    }
    case SBD_TVS_EL_STATUS: {
        proto_item *it = proto_tree_add_item(et, hf_status, tvb, off, 1, ENC_NA);
        if (tvb_get_uint8(tvb, off) != 0)
            expert_add_info(pinfo, it, &ei_not_trusted);
        break;
    }
    case SBD_TVS_EL_ROLES:
        for (gint i = 0; i < len; i++)
            proto_tree_add_item(et, hf_role, tvb, off + i, 1, ENC_NA);
        break;
    case SBD_TVS_EL_TTL:
        proto_tree_add_item(et, hf_ttl, tvb, off, 4, ENC_BIG_ENDIAN);
        break;
    default:
        proto_tree_add_item(et, hf_el_value, tvb, off, len, ENC_NA);
        expert_add_info(pinfo, ei_item, &ei_unknown_elem);
        break;
    }
}

static void add_elements(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const sbd_tvs_msg *m)
{
    for (size_t i = 0; i < m->n_elems; i++) {
        const sbd_tvs_elem *e = &m->elems[i];
        gint whole = MIN(3 + (gint)e->len, tvb_captured_length_remaining(tvb, (gint)e->off));
        proto_item *it = proto_tree_add_none_format(
            tree, hf_element, tvb, (gint)e->off, MAX(whole, 1), "%s (tag %u, %u bytes)",
            val_to_str_const(e->tag, elem_vals, "Unknown element"), e->tag, e->len);
        proto_tree *et = proto_item_add_subtree(it, ett_element);
        proto_tree_add_item(et, hf_el_tag, tvb, (gint)e->off, 1, ENC_NA);
        proto_tree_add_item(et, hf_el_length, tvb, (gint)e->off + 1, 2, ENC_BIG_ENDIAN);
        add_element_value(et, tvb, pinfo, e, it);
    }
    if (m->n_elems_total > m->n_elems) {
        proto_item *it = proto_tree_add_string_format_value(
            tree, hf_parse_error, tvb, 0, 0, "", "%zu elements; only the first %zu are shown",
            m->n_elems_total, m->n_elems);
        expert_add_info(pinfo, it, &ei_malformed);
    }
}

static proto_item *add_header(proto_tree *t, tvbuff_t *tvb)
{
    proto_item *first = proto_tree_add_item(t, hf_protocol, tvb, 0, 1, ENC_NA);
    proto_tree_add_item(t, hf_version, tvb, 1, 1, ENC_NA);
    proto_tree_add_item(t, hf_type, tvb, 2, 1, ENC_NA);
    proto_tree_add_item(t, hf_flags, tvb, 3, 1, ENC_NA);
    proto_tree_add_item(t, hf_session_id, tvb, 4, 4, ENC_BIG_ENDIAN);
    proto_tree_add_item(t, hf_length, tvb, 8, 2, ENC_BIG_ENDIAN);
    return first;
}

static int dissect_tvs_pdu(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "CUCMTVS");
    proto_item *ti = proto_tree_add_item(tree, proto_cucmtvs, tvb, 0, -1, ENC_NA);
    proto_tree *t = proto_item_add_subtree(ti, ett_cucmtvs);
    size_t len;
    const guint8 *buf = cucm_tvb_bytes(tvb, pinfo, &len);
    proto_item *hdr_item = len >= SBD_TVS_HEADER_LEN ? add_header(t, tvb) : NULL;

    sbd_tvs_msg *m = wmem_new0(pinfo->pool, sbd_tvs_msg);
    size_t used = 0;
    sbd_error err;
    memset(&err, 0, sizeof(err));
    if (!buf || sbd_tvs_parse(buf, len, m, &used, &err) != SBD_OK) {
        gint off = MIN((gint)err.offset, MAX((gint)len - 1, 0));
        proto_item *it = proto_tree_add_string_format_value(
            t, hf_parse_error, tvb, off, (gint)len - off, err.msg, "%s at offset %zu: %s",
            sbd_status_name(err.code), err.offset, err.msg);
        expert_add_info(pinfo, it, &ei_malformed);
        col_append_sep_str(pinfo->cinfo, COL_INFO, ", ", "TVS (malformed)");
        return tvb_captured_length(tvb);
    }
    const char *name = val_to_str_const(m->type, type_vals, "Unknown type");
    proto_item_append_text(ti, ", %s, session %u", name, m->session_id);
    col_append_sep_fstr(pinfo->cinfo, COL_INFO, ", ", "TVS %s (session %u)", name, m->session_id);
    add_trans_links(t, tvb, pinfo, m, hdr_item);
    add_elements(t, tvb, pinfo, m);
    return tvb_captured_length(tvb);
}

static guint get_tvs_pdu_len(packet_info *pinfo _U_, tvbuff_t *tvb, int offset, void *data _U_)
{
    guint8 head[SBD_TVS_HEADER_LEN];
    tvb_memcpy(tvb, head, offset, SBD_TVS_HEADER_LEN);
    long n = sbd_tvs_pdu_len(head, sizeof(head));
    /* Not a TVS header: take the rest as one PDU and let the parser report it. */
    return n > 0 ? (guint)n : (guint)tvb_reported_length_remaining(tvb, offset);
}

static int dissect_cucmtvs(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (tvb_captured_length(tvb) < 1 || tvb_get_uint8(tvb, 0) != SBD_TVS_PROTO_ID)
        return 0;
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "CUCMTVS");
    col_clear(pinfo->cinfo, COL_INFO);
    tcp_dissect_pdus(tvb, pinfo, tree, TRUE, SBD_TVS_HEADER_LEN, get_tvs_pdu_len, dissect_tvs_pdu,
                     data);
    return tvb_captured_length(tvb);
}

/* ---- TLS server certificates on the watched ports, for the trust engine ---- */

#define CUCM_MAX_CHAIN 16
#define TLS13 0x0304

/* What TLS put in the tree of a frame from a watched server port. */
typedef struct tls_seen {
    const sbd_cert_info *chain[CUCM_MAX_CHAIN]; /* leaf first; NULL: does not decode */
    size_t n;
    gboolean hidden;   /* a TLS 1.3 ServerHello: the certificate travels encrypted */
    field_info *where; /* the leaf certificate, or the selected version */
} tls_seen;

static void read_chain(proto_tree *t, tls_seen *s)
{
    GPtrArray *certs = proto_find_finfo(t, hf_tls_certificate);
    for (guint i = 0; certs && i < certs->len && s->n < CUCM_MAX_CHAIN; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(certs, i);
        if (!fi->ds_tvb || fi->length <= 0)
            continue;
        if (!s->where)
            s->where = fi;
        s->chain[s->n++] =
            cucm_cert_info(tvb_get_ptr(fi->ds_tvb, fi->start, fi->length), (size_t)fi->length);
    }
    if (certs)
        g_ptr_array_free(certs, TRUE);
}

static void read_version(proto_tree *t, tls_seen *s)
{
    GPtrArray *sv = hf_tls_version >= 0 ? proto_find_finfo(t, hf_tls_version) : NULL;
    for (guint i = 0; sv && i < sv->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(sv, i);
        if (fi->ds_tvb && fi->length == 2 && tvb_get_ntohs(fi->ds_tvb, fi->start) == TLS13) {
            s->hidden = TRUE;
            s->where = fi;
        }
    }
    if (sv)
        g_ptr_array_free(sv, TRUE);
}

/* The certificate chain in tree t, else a TLS 1.3 ServerHello; FALSE when neither. */
static gboolean read_tls(proto_tree *t, tls_seen *s)
{
    memset(s, 0, sizeof(*s));
    read_chain(t, s);
    if (!s->n)
        read_version(t, s);
    return s->n || s->hidden;
}

static const char *service_label(sbd_service svc)
{
    switch (svc) {
    case SBD_SVC_TVS:
        return "TVS";
    case SBD_SVC_CAPF:
        return "CAPF";
    case SBD_SVC_SIP_TLS:
        return "SIP TLS";
    case SBD_SVC_SCCP_TLS:
        return "SCCP TLS";
    case SBD_SVC_HTTPS_TFTP:
        return "HTTPS TFTP";
    default:
        return "HTTPS";
    }
}

/* The Info verdict of a server certificate no rule names (a rule's title says it otherwise): the
 * engine's outcome in a few words, e.g. "CAPF certificate in the held list". */
static const char *server_verdict(packet_info *pinfo, sbd_service svc)
{
    guint n;
    const cucm_decision *const *d = cucm_trust_decisions(pinfo, CUCM_OWNER_TVS, &n);
    for (guint i = 0; i < n; i++) {
        const char *what;
        switch (d[i]->outcome) {
        case SBD_OUT_SERVER_IN_LIST:
            what = "in the held list";
            break;
        case SBD_OUT_SERVER_NOT_IN_LIST:
            what = "not in the held list";
            break;
        case SBD_OUT_SERVER_HASH_DIFFERS:
            what = "differs from its record";
            break;
        case SBD_OUT_SERVER_NO_LIST:
            what = "not judged: no list held";
            break;
        case SBD_OUT_SERVER_HIDDEN:
            what = "hidden (TLS 1.3)";
            break;
        default:
            continue;
        }
        return wmem_strdup_printf(pinfo->pool, "%s certificate %s", service_label(svc), what);
    }
    return NULL;
}

/* Facts about the server certificate and the engine's decisions under a cucmtvs item, so the
 * filter "cucmtvs" finds the sessions on watched ports without keys. */
static void add_server_cert(proto_tree *t, packet_info *pinfo, const tls_seen *s, sbd_service svc)
{
    field_info *fi = s->where;
    proto_item *pi =
        proto_tree_add_item(t, proto_cucmtvs, fi->ds_tvb, fi->start, fi->length, ENC_NA);
    proto_item_append_text(pi, ", %s server", sbd_service_text(svc));
    proto_tree *pt = proto_item_add_subtree(pi, ett_cucmtvs);
    proto_item *ti = proto_tree_add_item(pt, hf_srv, fi->ds_tvb, fi->start, fi->length, ENC_NA);
    proto_tree *st = proto_item_add_subtree(ti, ett_srv);
    proto_item_set_generated(
        proto_tree_add_string(st, hf_srv_service, fi->ds_tvb, fi->start, 0, sbd_service_word(svc)));
    const sbd_cert_info *ci = s->n ? s->chain[0] : NULL;
    if (s->hidden)
        proto_item_append_text(ti, " (TLS 1.3: encrypted)");
    if (ci) {
        proto_item_append_text(ti, " (%s, serial %s)", ci->subject,
                               cucm_serial_text(pinfo->pool, ci->serial, ci->serial_len));
        proto_tree_add_string(st, hf_srv_subject, fi->ds_tvb, fi->start, fi->length, ci->subject);
        proto_tree_add_string(st, hf_srv_issuer, fi->ds_tvb, fi->start, fi->length, ci->issuer);
        cucm_label_serial(proto_tree_add_bytes_with_length(st, hf_srv_serial, fi->ds_tvb, fi->start,
                                                           fi->length, ci->serial,
                                                           (gint)ci->serial_len),
                          hf_srv_serial, pinfo, ci->serial, ci->serial_len);
    }
    sbd_rule worst = cucm_trust_show(pt, fi->ds_tvb, pinfo, &trust, CUCM_OWNER_TVS);
    const char *verdict =
        worst != SBD_RULE_COUNT ? sbd_rule_title(worst) : server_verdict(pinfo, svc);
    if (verdict)
        col_append_fstr(pinfo->cinfo, COL_INFO, " [%s]", verdict);
}

/* The server's certificate chain TLS put in tree t: to the engine on the first pass, then its
 * decisions shown. */
static void check_server_cert(proto_tree *t, packet_info *pinfo, sbd_service svc)
{
    tls_seen s;
    if (!read_tls(t, &s))
        return;
    /* TCP may hand this frame over in several calls; the certificate is checked once. */
    if (p_get_proto_data(pinfo->pool, pinfo, proto_cucmtvs, 2))
        return;
    p_add_proto_data(pinfo->pool, pinfo, proto_cucmtvs, 2, GINT_TO_POINTER(1));
    if (cucm_pref_verify)
        cucm_trust_tls(pinfo, pinfo->srcport, svc, s.chain, s.n, s.hidden);
    /* Expert infos name the protocol that is current: ours, not TCP's behind the hook. */
    const char *saved_proto = pinfo->current_proto;
    pinfo->current_proto = "CUCMTVS";
    add_server_cert(t, pinfo, &s, svc);
    pinfo->current_proto = saved_proto;
}

/* Ask TLS to build the certificate and version fields even in an invisible tree (tshark -T
 * fields, -Y). proto_tree_prime_with_hfid is not exported; epan_dissect_prime_with_hfid only
 * passes the tree of its argument on to it. */
static void want_tls_fields(proto_tree *t)
{
    epan_dissect_t shim;
    memset(&shim, 0, sizeof(shim));
    shim.tree = t;
    epan_dissect_prime_with_hfid(&shim, hf_tls_certificate);
    if (hf_tls_version >= 0)
        epan_dissect_prime_with_hfid(&shim, hf_tls_version);
}

/* TLS on a watched port, then the certificate check (also when TLS stopped at damage after the
 * certificate: TCP catches that) and the end of a private dissection. */
static int call_then_check(tvbuff_t *tvb, packet_info *pinfo, proto_tree *t, void *data,
                           sbd_service svc, epan_dissect_t *own)
{
    volatile int n = 0;
    TRY
    {
        /* Calling through the hook cost a level of can_desegment; TLS gets what TCP offered. */
        pinfo->can_desegment = pinfo->saved_can_desegment;
        n = call_dissector_with_data(tls_handle, tvb, pinfo, t, data);
    }
    FINALLY
    {
        if (svc != SBD_SVC_NONE)
            check_server_cert(t, pinfo, svc);
        if (own)
            cucm_hidden_dissect_free(own);
    }
    ENDTRY;
    return n;
}

/* TLS on a watched port (the service table's, and the TVS ports of the preference), reached
 * through this hook so the server certificate can be handed to the engine right after TLS has
 * dissected it. (A postdissector that wants the certificate field would make tshark build a
 * protocol tree for every packet of every capture, which cost more than all the rest of the
 * plugin.) Without a tree (tshark -r summary lines) the server's packets still go through a
 * private invisible tree: the engine gets every certificate on the first pass and its expert
 * infos reach -z expert. */
/* FALSE when every TLS record starting in tvb is whole-headed and of a type that carries no
 * handshake (change cipher spec, alert, application data: the server's packets after its first
 * flight), so no certificate or ServerHello can come out of it: no private tree is needed. TCP
 * hands TLS a record that spans segments whole, from its header on; anything else (a cut
 * header, an unknown type, a capture cut short) gets the private tree. */
static gboolean may_hold_handshake(tvbuff_t *tvb)
{
    gint len = (gint)tvb_captured_length(tvb);
    if ((guint)len < tvb_reported_length(tvb))
        return TRUE;
    for (gint off = 0; off < len; off += 5 + (gint)tvb_get_ntohs(tvb, off + 3)) {
        if (len - off < 5 || tvb_get_uint8(tvb, off + 1) != 3)
            return TRUE;
        guint8 type = tvb_get_uint8(tvb, off);
        if (type != 20 && type != 21 && type != 23)
            return TRUE;
    }
    return FALSE;
}

static int dissect_tvs_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    sbd_service svc = cucm_service_of_port((guint16)pinfo->srcport);
    if (hf_tls_certificate < 0 || svc == SBD_SVC_NONE ||
        !proto_is_protocol_enabled(find_protocol_by_id(proto_cucmtvs)))
        return call_then_check(tvb, pinfo, tree, data, SBD_SVC_NONE, NULL);
    if (tree) {
        want_tls_fields(tree);
        return call_then_check(tvb, pinfo, tree, data, svc, NULL);
    }
    if (!may_hold_handshake(tvb))
        return call_then_check(tvb, pinfo, NULL, data, SBD_SVC_NONE, NULL);
    epan_dissect_t *own = cucm_hidden_dissect_new(pinfo);
    want_tls_fields(own->tree);
    return call_then_check(tvb, pinfo, own->tree, data, svc, own);
}

void proto_register_cucmtvs(void)
{
    static hf_register_info hf[] = {
        {&hf_protocol,
         {"Protocol discriminator", "cucmtvs.protocol", FT_UINT8, BASE_HEX, NULL, 0, NULL, HFILL}},
        {&hf_version, {"Version", "cucmtvs.version", FT_UINT8, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_type,
         {"Message type", "cucmtvs.type", FT_UINT8, BASE_DEC, VALS(type_vals), 0, NULL, HFILL}},
        {&hf_flags,
         {"Header byte 3", "cucmtvs.flags", FT_UINT8, BASE_HEX, NULL, 0,
          "0x00 in requests, 0xF5 or 0xF7 in CUCM's responses; its meaning is not published",
          HFILL}},
        {&hf_session_id,
         {"Session ID", "cucmtvs.session_id", FT_UINT32, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_length,
         {"Length", "cucmtvs.length", FT_UINT16, BASE_DEC, NULL, 0,
          "Element bytes after the header", HFILL}},
        {&hf_element, {"Element", "cucmtvs.element", FT_NONE, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_el_tag,
         {"Tag", "cucmtvs.element.tag", FT_UINT8, BASE_DEC, VALS(elem_vals), 0, NULL, HFILL}},
        {&hf_el_length,
         {"Length", "cucmtvs.element.length", FT_UINT16, BASE_DEC, NULL, 0, NULL, HFILL}},
        {&hf_el_value,
         {"Value", "cucmtvs.element.value", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_device_name_prefix,
         {"Device name prefix byte", "cucmtvs.device_name.prefix", FT_UINT8, BASE_HEX, NULL, 0,
          NULL, HFILL}},
        {&hf_device_name,
         {"Device name", "cucmtvs.device_name", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_certificate,
         {"Certificate", "cucmtvs.certificate", FT_BYTES, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_subject,
         {"Subject name", "cucmtvs.subject", FT_STRINGZ, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_issuer,
         {"Issuer name", "cucmtvs.issuer", FT_STRINGZ, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_serial,
         {"Serial number", "cucmtvs.serial", FT_BYTES, SEP_COLON, NULL, 0, NULL, HFILL}},
        {&hf_status,
         {"Status", "cucmtvs.status", FT_UINT8, BASE_DEC, VALS(status_vals), 0, NULL, HFILL}},
        {&hf_role,
         {"Role", "cucmtvs.role", FT_UINT8, BASE_DEC, VALS(cucm_function_vals), 0, NULL, HFILL}},
        {&hf_ttl,
         {"TTL", "cucmtvs.ttl", FT_UINT32, BASE_DEC | BASE_UNIT_STRING, &units_second_seconds, 0,
          "How long the phone may cache the answer", HFILL}},
        {&hf_response_in,
         {"Response in", "cucmtvs.response_in", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0, NULL, HFILL}},
        {&hf_response_to,
         {"Response to", "cucmtvs.response_to", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0, NULL, HFILL}},
        {&hf_response_time,
         {"Response time", "cucmtvs.response_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0, NULL,
          HFILL}},
        {&hf_parse_error,
         {"Parse error", "cucmtvs.parse_error", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_srv,
         {"TLS server certificate", "cucmtvs.server_cert", FT_NONE, BASE_NONE, NULL, 0,
          "TLS server certificate on a watched port (TVS, CAPF, SIP/SCCP TLS, HTTPS), handed to "
          "the trust engine",
          HFILL}},
        {&hf_srv_subject,
         {"Subject", "cucmtvs.server_cert.subject", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_srv_issuer,
         {"Issuer", "cucmtvs.server_cert.issuer", FT_STRING, BASE_NONE, NULL, 0, NULL, HFILL}},
        {&hf_srv_serial,
         {"Serial number", "cucmtvs.server_cert.serial", FT_BYTES, SEP_COLON, NULL, 0, NULL,
          HFILL}},
        {&hf_srv_service,
         {"Service", "cucmtvs.server_cert.service", FT_STRING, BASE_NONE, NULL, 0,
          "Service of the server port (sbd/services.h: tvs, capf, sip_tls, https ...)", HFILL}},
    };
    static gint *ett[] = {&ett_cucmtvs, &ett_element, &ett_cert, &ett_srv};
    static ei_register_info ei[] = {
        {&ei_malformed,
         {"cucmtvs.malformed", PI_MALFORMED, PI_ERROR, "Malformed TVS message", EXPFILL}},
        {&ei_unknown_elem,
         {"cucmtvs.unknown_element", PI_UNDECODED, PI_NOTE, "Unknown TVS element", EXPFILL}},
        {&ei_not_trusted,
         {"cucmtvs.not_trusted", PI_RESPONSE_CODE, PI_NOTE, "TVS answered: certificate not trusted",
          EXPFILL}},
        {&ei_no_request,
         {"cucmtvs.no_request", PI_SEQUENCE, PI_NOTE, "Response without a request in this capture",
          EXPFILL}},
    };

    proto_cucmtvs =
        proto_register_protocol("Cisco UCM Trust Verification Service", "CUCMTVS", "cucmtvs");
    proto_register_field_array(proto_cucmtvs, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_cucmtvs), ei, array_length(ei));
    cucm_trust_register(&trust, proto_cucmtvs, "cucmtvs", CUCM_OWNER_TVS);

    tvs_handle = register_dissector("cucmtvs", dissect_cucmtvs, proto_cucmtvs);
    /* A helper "protocol in name only": the hook adds no layer of its own to frame.protocols. It
     * is enabled while its parent is, and it stands in for TLS: TLS is its parent, so a user who
     * disables cucmtvs keeps TLS on the watched ports (the check then stops). */
    int tls = proto_get_id_by_filter_name("tls");
    int proto_port = proto_register_protocol_in_name_only(
        "CUCM watched TLS port", "CUCMTVS-TLS", "cucmtvs.tls_port", tls >= 0 ? tls : proto_cucmtvs,
        FT_PROTOCOL);
    port_handle = create_dissector_handle(dissect_tvs_port, proto_port);

    module_t *m = prefs_register_protocol(proto_cucmtvs, proto_reg_handoff_cucmtvs);
    range_convert_str(wmem_epan_scope(), &tvs_ports, TVS_DEFAULT_PORTS, 65535);
    prefs_register_range_preference(m, "tcp_ports", "TVS TCP ports",
                                    "TCP ports where TLS carries TVS (no Decode As needed)",
                                    &tvs_ports, 65535);
}

/* TLS on each TVS port, with cucmtvs as the application-data dissector. */
static void apply_ports(range_t *r, gboolean add)
{
    for (guint i = 0; r && i < r->nranges; i++)
        for (guint32 p = r->ranges[i].low; p <= r->ranges[i].high && p <= 65535; p++) {
            if (add) {
                /* TLS on tcp.port and cucmtvs for its application data, then the hook in
                 * front of TLS (the same tcp.port entry, replaced). */
                ssl_dissector_add(p, tvs_handle);
                if (tls_handle)
                    dissector_add_uint("tcp.port", p, port_handle);
            } else {
                ssl_dissector_delete(p, tvs_handle); /* also drops the hook's tcp.port entry */
            }
        }
}

/* The hook, with TLS behind it, on the other ports of the service table: the table says they
 * carry TLS, so TLS goes there even where Wireshark has another default (3804 is HiQnet's, whose
 * users give it back with Decode As, which replaces the hook). */
static void hook_service_ports(void)
{
    sbd_service_table t;
    sbd_services_default(&t);
    for (size_t i = 0; tls_handle && i < t.n; i++)
        if (t.ports[i].service != SBD_SVC_TVS)
            dissector_add_uint("tcp.port", t.ports[i].port, port_handle);
    dissector_add_for_decode_as("tcp.port", port_handle);
}

void proto_reg_handoff_cucmtvs(void)
{
    static gboolean initialized;
    if (!initialized) {
        hf_tls_certificate = proto_registrar_get_id_byname("tls.handshake.certificate");
        hf_tls_version =
            proto_registrar_get_id_byname("tls.handshake.extensions.supported_version");
        tls_handle = find_dissector("tls");
        /* Plain TVS (a TLS-terminating proxy's capture, or tests): Decode As TCP port. */
        dissector_add_for_decode_as("tcp.port", tvs_handle);
        hook_service_ports();
        initialized = TRUE;
    }
    apply_ports(tvs_ports_applied, FALSE);
    wmem_free(wmem_epan_scope(), tvs_ports_applied);
    tvs_ports_applied = range_copy(wmem_epan_scope(), tvs_ports);
    apply_ports(tvs_ports_applied, TRUE);
    cucm_trust_set_tvs_ports(tvs_ports_applied);
}
