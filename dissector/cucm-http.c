/* The HTTP file service (cucm-http.h). The trust engine needs what pcapscan gives it for HTTP:
 * every file a phone read, with the name it asked for, and every error answer (404: not found, as
 * TFTP's error 1). Bodies reach subdissectors, but requests and status codes reach none, so
 * HTTP is called through a small hook on the port (a "protocol in name
 * only": no layer of its own) that asks for the fields http.request.uri and http.response.code,
 * calls HTTP and reads them back from the tree, as the TLS hook reads certificates:
 *  - a request queues its file name on the connection (first pass);
 *  - HTTP hands a body to the "media_type" entry of its Content-Type, else to the "http.port"
 *    entry of the port. Files come as application/octet-stream, which Wireshark 4.0 already gives
 *    a dissector (so neither the port entry nor the "http" heuristic list is ever asked): the
 *    body hook sits on both, in front of what was there. On a watched connection the readers
 *    (cucmtl, cucmsgn) get the body with the name of the oldest queued request without one;
 *  - the status code, read after HTTP returns, settles that request: an error answer, or a 2xx
 *    whose body no reader saw (empty, or taken by another media type's dissector, such as XML:
 *    not a signed file);
 *  - the first bytes of an answer reach the hook, but TCP keeps the rest of a body to itself until
 *    the body is whole. So the hook notes that the answer began, and a postdissector (in name
 *    only, like the capture end watch) notes every later packet of the server on that connection:
 *    the trust engine learns that data came and when the server was last heard, the fact the TFTP
 *    watch gives it too, and a download the capture's end cut is told as such
 *    (TRANSFER_CUT_BY_CAPTURE_END), as pcapscan tells it, with the body bytes that came. How far
 *    the server's bytes reached is read from TCP's sequence analysis of that direction (the
 *    highest next sequence number it saw), not from the field tcp.nxtseq: a postdissector that
 *    wants a field makes epan build a protocol tree for every packet of every capture (a third
 *    more time for tshark's summary lines of a reset capture). Only where the user turned TCP's
 *    analysis off is the field wanted instead (want_nxtseq).
 * Without a tree (tshark summary lines) the hook dissects into a private invisible tree. */
#include "cucm-compat.h"
#include "cucm-http.h"

#include <epan/conversation.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/exceptions.h>
#include <epan/prefs-int.h> /* prefs_get_bool_value: TCP's preferences are read, never set */
#include <epan/prefs.h>
#include <epan/range.h>

#include <epan/dissectors/packet-tcp.h>

#include "cucm-cache.h"
#include "cucm-trust.h"
#include "sbd/audit.h"

#define OCTET_STREAM "application/octet-stream"

typedef struct http_req {
    void *xfer; /* cucm_trust_xfer_request's transfer */
    const char *name;
    gboolean body;     /* the readers had its body */
    gboolean answered; /* the first bytes of its answer came */
    gboolean answered_once;
    guint32 client_port, server_port;
    /* The server's direction in TCP's sequence analysis (file scope, as TCP's conversation data),
     * known once the answer's head ended in its first segment; TCP keeps raw numbers there, and
     * seq_shift is what it took off the (relative) numbers it gave the hook. */
    const tcp_flow_t *flow;
    guint32 seq_shift;
} http_req;

static int proto_hook = -1;
static int hf_uri = -1;    /* http.request.uri */
static int hf_code = -1;   /* http.response.code */
static int hf_nxtseq = -1; /* tcp.nxtseq: how far a later packet of an answer reached */
static int proto_tcp = -1;
static pref_t *tcp_analyze_pref;  /* tcp.analyze_sequence_numbers */
static pref_t *tcp_relative_pref; /* tcp.relative_sequence_numbers */
static dissector_handle_t answer_watch;
static gboolean nxtseq_wanted;
static dissector_handle_t http_handle;
static dissector_handle_t port_hook;
static dissector_handle_t body_handle;
static dissector_handle_t octet_before; /* the media_type entry of application/octet-stream */
static range_t *file_ports;             /* the cucmtl.http_ports preference */
static range_t *file_ports_applied;     /* the ports the hooks are on */
static wmem_map_t *port_before; /* port -> its tcp.port handle before the hook (epan scope) */
static int proto_owner = -1;    /* cucmtl: the watch runs while it is enabled */
static struct {
    cucm_http_reader fn;
    int proto;
} readers[2];
static guint n_readers;
/* File scope: frame -> the request whose body was answered there; frames whose decisions
 * the hook shows (requests, error answers and bodies no reader had). */
static wmem_map_t *body_names;
static wmem_map_t *hook_frames;
static guint pending_count; /* requests waiting for their answer, on every connection */
/* Server ports of every request so far (first pass): the answer watch sees every packet, and
 * looking its conversation up cost more than the rest of the watch. */
static guint8 server_ports[65536 / 8];

static gboolean tcp_pref(pref_t *pref)
{
    return pref ? (gboolean)prefs_get_bool_value(pref, pref_current) : TRUE; /* TCP's default */
}

/* Without TCP's sequence analysis the server's bytes are only known from the field tcp.nxtseq,
 * which the watch can only read from a tree: wanting it makes epan build one for every packet, so
 * it is wanted only then. Called at each capture's start (init routine), before tshark and
 * Wireshark ask whether a postdissector wants fields. */
static void want_nxtseq(gboolean want)
{
    if (!answer_watch || hf_nxtseq < 0 || want == nxtseq_wanted)
        return;
    GArray *fields = NULL;
    if (want) {
        fields = g_array_new(FALSE, FALSE, (guint)sizeof(int));
        g_array_append_val(fields, hf_nxtseq);
    }
    set_postdissector_wanted_hfids(answer_watch, fields); /* takes it, frees the one before */
    nxtseq_wanted = want;
}

static void http_init(void)
{
    body_names = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    hook_frames = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    pending_count = 0;
    memset(server_ports, 0, sizeof(server_ports));
    want_nxtseq(!tcp_pref(tcp_analyze_pref));
}

static void http_cleanup(void)
{
    body_names = hook_frames = NULL; /* their memory went with the file scope */
}

/* Requests of this connection still waiting for their answer (first pass), oldest first. */
static wmem_list_t *pending_of(packet_info *pinfo, gboolean create)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return NULL;
    wmem_list_t *l = (wmem_list_t *)conversation_get_proto_data(conv, proto_hook);
    if (!l && create) {
        l = wmem_list_new(wmem_file_scope());
        conversation_add_proto_data(conv, proto_hook, l);
    }
    return l;
}

/* pcapscan's file name of a request target (sbd_audit_name_of_http_target); the target itself
 * when that is empty. */
static const char *name_of_target(wmem_allocator_t *scope, const char *target)
{
    size_t size = strlen(target) + 1;
    char *out = (char *)wmem_alloc(scope, size);
    sbd_audit_name_of_http_target(target, out, size);
    return out[0] ? out : target;
}

static void *body_xfer(packet_info *pinfo, const char **name)
{
    *name = NULL;
    if (!body_names)
        return NULL;
    /* One body per frame is followed (phones do not pipeline). */
    http_req *r = (http_req *)wmem_map_lookup(body_names, GUINT_TO_POINTER(pinfo->num));
    if (r || PINFO_FD_VISITED(pinfo)) {
        *name = r ? r->name : NULL;
        return r && !PINFO_FD_VISITED(pinfo) ? r->xfer : NULL;
    }
    wmem_list_t *l = pending_of(pinfo, FALSE);
    for (wmem_list_frame_t *f = l ? wmem_list_head(l) : NULL; f; f = wmem_list_frame_next(f)) {
        r = (http_req *)wmem_list_frame_data(f);
        if (r->body)
            continue;
        r->body = TRUE;
        *name = r->name;
        wmem_map_insert(body_names, GUINT_TO_POINTER(pinfo->num), r);
        return r->xfer;
    }
    return NULL;
}

void cucm_http_add_reader(cucm_http_reader fn, int proto)
{
    if (n_readers < G_N_ELEMENTS(readers)) {
        readers[n_readers].fn = fn;
        readers[n_readers++].proto = proto;
    }
}

static gboolean enabled(int proto)
{
    return proto >= 0 && proto_is_protocol_enabled(find_protocol_by_id(proto));
}

/* A body of a watched connection to every reader, then to what shows it otherwise. */
static int dissect_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const char *name;
    void *xfer = body_xfer(pinfo, &name);
    for (guint i = 0; name && i < n_readers; i++)
        if (enabled(readers[i].proto))
            readers[i].fn(tvb, pinfo, tree, name, xfer);
    /* The port entry is asked only when no media type matched: both end in what was there. */
    if (octet_before && pinfo->match_string &&
        !g_ascii_strcasecmp(pinfo->match_string, OCTET_STREAM)) {
        int n = call_dissector_only(octet_before, tvb, pinfo, tree, data);
        if (n > 0)
            return n;
    }
    return call_data_dissector(tvb, pinfo, tree);
}

/* The text of a field as sent (URI, status digits), from the bytes it covers. */
static const char *field_text(packet_info *pinfo, const field_info *fi)
{
    if (!fi->ds_tvb || fi->length <= 0 || fi->length > 4096)
        return NULL;
    return (const char *)tvb_get_string_enc(pinfo->pool, fi->ds_tvb, fi->start, fi->length,
                                            ENC_ASCII);
}

static void take_requests(proto_tree *t, packet_info *pinfo)
{
    GPtrArray *uris = proto_find_finfo(t, hf_uri);
    for (guint i = 0; uris && i < uris->len; i++) {
        const char *target = field_text(pinfo, (field_info *)g_ptr_array_index(uris, i));
        if (!target)
            continue;
        const char *name = name_of_target(pinfo->pool, target); /* the transfer keeps a copy */
        void *xfer = cucm_trust_xfer_request(pinfo, name);
        if (!xfer)
            continue;
        http_req *r = wmem_new0(wmem_file_scope(), http_req);
        r->xfer = xfer;
        r->name = cucm_trust_xfer_name(xfer);
        r->client_port = pinfo->srcport;
        r->server_port = pinfo->destport;
        server_ports[(r->server_port & 0xffff) / 8] |= (guint8)(1u << (r->server_port % 8));
        wmem_list_append(pending_of(pinfo, TRUE), r);
        pending_count++;
        /* A request never answered in full is decided at its frame, after the first pass. */
        wmem_map_insert(hook_frames, GUINT_TO_POINTER(pinfo->num), GUINT_TO_POINTER(1));
    }
    if (uris)
        g_ptr_array_free(uris, TRUE);
}

/* One answer: the oldest pending request is settled (interim 1xx answers settle nothing). */
static void take_answer(packet_info *pinfo, unsigned code)
{
    wmem_list_t *l = pending_of(pinfo, FALSE);
    wmem_list_frame_t *f = l && code >= 200 ? wmem_list_head(l) : NULL;
    if (!f)
        return;
    http_req *r = (http_req *)wmem_list_frame_data(f);
    wmem_list_remove_frame(l, f);
    pending_count--;
    if (code >= 200 && code <= 299) {
        if (r->body)
            return;
        cucm_trust_xfer_file(pinfo, r->xfer, NULL, 0);
    } else {
        cucm_trust_xfer_error(pinfo, r->xfer, code == 404);
    }
    wmem_map_insert(hook_frames, GUINT_TO_POINTER(pinfo->num), GUINT_TO_POINTER(1));
}

static void take_answers(proto_tree *t, packet_info *pinfo)
{
    GPtrArray *codes = proto_find_finfo(t, hf_code);
    for (guint i = 0; codes && i < codes->len; i++) {
        const char *digits = field_text(pinfo, (field_info *)g_ptr_array_index(codes, i));
        if (digits && g_ascii_isdigit(digits[0]))
            take_answer(pinfo, (unsigned)strtoul(digits, NULL, 10));
    }
    if (codes)
        g_ptr_array_free(codes, TRUE);
}

/* The request the server is answering on this connection (first pass), if this packet goes from
 * the server to the client: the oldest one whose body the readers did not have yet. */
static http_req *answering(packet_info *pinfo)
{
    guint32 port = pinfo->srcport & 0xffff;
    if (!(server_ports[port / 8] & (1u << (port % 8))))
        return NULL; /* from no server a request went to */
    wmem_list_t *l = pending_count && body_names ? pending_of(pinfo, FALSE) : NULL;
    wmem_list_frame_t *f = l ? wmem_list_head(l) : NULL;
    http_req *r = f ? (http_req *)wmem_list_frame_data(f) : NULL;
    if (!r || r->body || pinfo->srcport != r->server_port || pinfo->destport != r->client_port)
        return NULL;
    return r;
}

/* Offset just past the answer's head ("\r\n\r\n") in tvb, -1 when the head does not end there. */
static gint head_end(tvbuff_t *tvb)
{
    gint len = (gint)tvb_captured_length(tvb);
    for (gint off = 0; off + 4 <= len; off++) {
        off = tvb_find_uint8(tvb, off, len - off, '\r');
        if (off < 0 || off + 4 > len)
            return -1;
        if (tvb_memeql(tvb, off, (const guint8 *)"\r\n\r\n", 4) == 0)
            return off + 4;
    }
    return -1;
}

/* TCP's analysis of the direction of the packet it is dissecting (the hook is called from TCP
 * for the server's packet: TCP's "fwd" flow), when TCP analyses sequence numbers. */
static const tcp_flow_t *server_flow(packet_info *pinfo, guint32 *shift)
{
    conversation_t *conv = proto_tcp >= 0 ? find_conversation_pinfo(pinfo, 0) : NULL;
    const struct tcp_analysis *tcpd =
        conv ? (const struct tcp_analysis *)conversation_get_proto_data(conv, proto_tcp) : NULL;
    const tcp_flow_t *flow = tcpd ? tcpd->fwd : NULL;
    if (!flow || !flow->tcp_analyze_seq_info || !tcp_pref(tcp_analyze_pref))
        return NULL;
    /* TCP analyses raw numbers and then, for relative ones, takes the flow's base off. */
    *shift = tcp_pref(tcp_relative_pref) ? flow->base_seq : 0;
    return flow;
}

/* The hook saw the server send: its answer has begun (data came, as a TFTP DATA block). Where
 * its body begins in TCP's sequence space, when its head ends in this segment, so that the
 * bytes of a body the capture's end cuts are known. */
static void note_answer(tvbuff_t *tvb, packet_info *pinfo, void *data)
{
    http_req *r = answering(pinfo);
    if (!r)
        return;
    r->answered = TRUE;
    const struct tcpinfo *ti = (const struct tcpinfo *)data;
    gint end = r->answered_once || !ti ? -1 : head_end(tvb);
    r->answered_once = TRUE;
    if (end >= 0) {
        r->flow = server_flow(pinfo, &r->seq_shift);
        cucm_trust_xfer_body(r->xfer, ti->seq + (guint32)end, ti->nxtseq);
    }
    cucm_trust_xfer_sent(pinfo, r->xfer);
}

/* How far the server's bytes reached (tcp.nxtseq's numbers: with a FIN, one past it), from TCP's
 * analysis of that direction; else from the field, where a tree has it (want_nxtseq). */
static gboolean reached(const http_req *r, proto_tree *tree, guint32 *nxtseq)
{
    const tcp_analyze_seq_flow_info_t *seq = r->flow ? r->flow->tcp_analyze_seq_info : NULL;
    if (seq) {
        *nxtseq = seq->nextseq - r->seq_shift;
        return seq->nextseq != 0;
    }
    GPtrArray *found = tree && hf_nxtseq >= 0 ? proto_find_first_finfo(tree, hf_nxtseq) : NULL;
    gboolean ok = found && found->len;
    if (ok) {
        field_info *fi = (field_info *)g_ptr_array_index(found, 0);
#if CUCM_WS_AT_LEAST(4, 2)
        *nxtseq = fvalue_get_uinteger(fi->value);
#else
        *nxtseq = fvalue_get_uinteger(&fi->value);
#endif
    }
    if (found)
        g_ptr_array_free(found, TRUE);
    return ok;
}

/* Every packet (no layer; a tree only where want_nxtseq asked for one): a later packet of an
 * answer that began, which TCP keeps for its reassembly, is the server still heard from. A close in
 * the middle of the body (FIN, RST) is not seen here (dissector/README.md, known limit). */
static int dissect_answer_watch(tvbuff_t *tvb _U_, packet_info *pinfo, proto_tree *tree,
                                void *data _U_)
{
    if (PINFO_FD_VISITED(pinfo) || pinfo->ptype != PT_TCP || !pending_count)
        return 0;
    http_req *r = answering(pinfo);
    if (!r || !r->answered)
        return 0;
    guint32 nxtseq;
    if (reached(r, tree, &nxtseq))
        cucm_trust_xfer_body(r->xfer, 0, nxtseq);
    cucm_trust_xfer_sent(pinfo, r->xfer);
    return 0;
}

/* epan_dissect_prime_with_hfid only passes the tree of its argument on (see packet-cucmtvs.c). */
static void want_http_fields(proto_tree *t)
{
    epan_dissect_t shim;
    memset(&shim, 0, sizeof(shim));
    shim.tree = t;
    epan_dissect_prime_with_hfid(&shim, hf_uri);
    epan_dissect_prime_with_hfid(&shim, hf_code);
}

/* HTTP, then (watch: first pass, fields asked for in t) its requests and answers read back. */
static int call_http(tvbuff_t *tvb, packet_info *pinfo, proto_tree *t, void *data, gboolean watch,
                     epan_dissect_t *own)
{
    volatile int n = 0;
    TRY
    {
        /* Calling through the hook cost a level of can_desegment; HTTP gets what TCP offered. */
        pinfo->can_desegment = pinfo->saved_can_desegment;
        n = call_dissector_with_data(http_handle, tvb, pinfo, t, data);
    }
    FINALLY
    {
        if (watch && t && body_names) {
            if (pinfo->destport == pinfo->match_uint)
                take_requests(t, pinfo);
            else
                take_answers(t, pinfo);
        }
        if (own)
            cucm_hidden_dissect_free(own);
    }
    ENDTRY;
    return n;
}

/* First pass with the watch on: HTTP with its requests and answers read back (fields asked for in
 * the tree, or in a private one without). */
static int watch_http(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (pinfo->destport != pinfo->match_uint && tvb_reported_length(tvb) > 0)
        note_answer(tvb, pinfo, data);
    if (tree) {
        want_http_fields(tree);
        return call_http(tvb, pinfo, tree, data, TRUE, NULL);
    }
    epan_dissect_t *own = cucm_hidden_dissect_new(pinfo);
    want_http_fields(own->tree);
    return call_http(tvb, pinfo, own->tree, data, TRUE, own);
}

static int dissect_http_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int n;
    if (PINFO_FD_VISITED(pinfo) || hf_uri < 0 || hf_code < 0 || !enabled(proto_owner))
        n = call_http(tvb, pinfo, tree, data, FALSE, NULL);
    else
        n = watch_http(tvb, pinfo, tree, data);
    /* Decisions about answers no reader showed: a file not found, a body of another type. */
    if (hook_frames && wmem_map_contains(hook_frames, GUINT_TO_POINTER(pinfo->num)))
        cucm_trust_show_frame(tree, tvb, pinfo);
    return n;
}

void cucm_http_register(int owner, module_t *prefs)
{
    /* A protocol in name only is enabled while its parent is. The hook stands in for HTTP, so
     * HTTP is its parent: a user disabling the plugin's protocols keeps HTTP on the port (the
     * watch itself then stops, see proto_owner). */
    int http = proto_get_id_by_filter_name("http");
    proto_owner = owner;
    proto_hook = proto_register_protocol_in_name_only("CUCM HTTP file service", "CUCM-HTTP",
                                                      "cucmtl.http_files", http >= 0 ? http : owner,
                                                      FT_PROTOCOL);
    register_init_routine(http_init);
    register_cleanup_routine(http_cleanup);
    range_convert_str(wmem_epan_scope(), &file_ports, CUCM_HTTP_FILE_PORTS, 65535);
    prefs_register_range_preference(prefs, "http_ports", "HTTP file ports",
                                    "TCP ports where CUCM serves its files over HTTP (as "
                                    "pcapscan's --http-port): requests, answers and files go to "
                                    "the trust engine",
                                    &file_ports, 65535);
}

/* The hooks on one port, or what the port had before them back. */
static void hook_port(dissector_table_t tcp, guint32 p, gboolean add)
{
    if (add) {
        dissector_handle_t before = dissector_get_uint_handle(tcp, p);
        if (before && before != port_hook)
            wmem_map_insert(port_before, GUINT_TO_POINTER(p), before);
        dissector_add_uint("tcp.port", p, port_hook);
        dissector_add_uint("http.port", p, body_handle);
        return;
    }
    dissector_handle_t before =
        (dissector_handle_t)wmem_map_remove(port_before, GUINT_TO_POINTER(p));
    if (before)
        dissector_add_uint("tcp.port", p, before);
    else
        dissector_delete_uint("tcp.port", p, port_hook);
    dissector_delete_uint("http.port", p, body_handle);
}

static void hook_ports(range_t *r, gboolean add)
{
    dissector_table_t tcp = find_dissector_table("tcp.port");
    for (guint i = 0; tcp && r && i < r->nranges; i++)
        for (guint32 p = r->ranges[i].low; p <= r->ranges[i].high && p <= 65535; p++)
            hook_port(tcp, p, add);
}

void cucm_http_apply_prefs(void)
{
    if (!port_hook)
        return;
    hook_ports(file_ports_applied, FALSE);
    wmem_free(wmem_epan_scope(), file_ports_applied);
    file_ports_applied = range_copy(wmem_epan_scope(), file_ports);
    hook_ports(file_ports_applied, TRUE);
}

void cucm_http_watch(void)
{
    http_handle = find_dissector("http-over-tcp");
    hf_uri = proto_registrar_get_id_byname("http.request.uri");
    hf_code = proto_registrar_get_id_byname("http.response.code");
    if (!http_handle || proto_hook < 0)
        return;
    port_hook = create_dissector_handle(dissect_http_port, proto_hook);
    body_handle = create_dissector_handle(dissect_body, proto_hook);
    port_before = wmem_map_new(wmem_epan_scope(), g_direct_hash, g_direct_equal);
    dissector_add_for_decode_as("tcp.port", port_hook);
    dissector_table_t media = find_dissector_table("media_type");
    octet_before = media ? dissector_get_string_handle(media, OCTET_STREAM) : NULL;
    dissector_add_string("media_type", OCTET_STREAM, body_handle);
    answer_watch = create_dissector_handle(dissect_answer_watch, proto_hook);
    register_postdissector(answer_watch);
    hf_nxtseq = proto_registrar_get_id_byname("tcp.nxtseq");
    proto_tcp = proto_get_id_by_filter_name("tcp");
    module_t *tcp = prefs_find_module("tcp");
    tcp_analyze_pref = tcp ? prefs_find_preference(tcp, "analyze_sequence_numbers") : NULL;
    tcp_relative_pref = tcp ? prefs_find_preference(tcp, "relative_sequence_numbers") : NULL;
    cucm_http_apply_prefs();
}
