/* TFTP hookup shared by the trust-list and signed-file heuristics, and the watch on read requests
 * and their answers that the trust engine needs beside the whole files (a per-phone list not
 * found, then the cluster-wide one: TRUST_FILE_FALLBACK; a transfer that never finished:
 * TFTP_TRANSFER_INCOMPLETE). Whole files reach the heuristics; requests and error answers reach
 * no heuristic, so TFTP is called through two small hooks:
 *  - on udp.port 69, in front of TFTP: a read request opens a watched transfer;
 *  - on the transfer's conversation, from the request on: an error answer closes it.
 * TFTP accepts a packet of a transfer only while the conversation's dissector is its own handle,
 * so the conversation hook lends it back for the call. Both hooks are "protocols in name only":
 * they add no layer to frame.protocols. */
#include "cucm-compat.h"
#include "cucm-tftp.h"

#include <epan/conversation.h>
#include <epan/exceptions.h>
#include <epan/prefs.h>
/* prefs-int.h needs prefs.h first */
#include <epan/prefs-int.h>

#include "cucm-trust.h"

#define TFTP_PORT 69
#define TFTP_RRQ 1
#define TFTP_ERROR 5

typedef struct watched {
    void *xfer;    /* cucm_trust_tftp_request's transfer */
    guint32 frame; /* the request, where the hook took over the conversation */
} watched;

static int proto_hook = -1;
static dissector_handle_t tftp_handle;
static dissector_handle_t port_hook;
static dissector_handle_t conv_hook;

void cucm_tftp_force_defragment(void)
{
    /* Without reassembly TFTP only hands single-block files to heuristics; every real ITL is
     * bigger than one block. Reassembly does not change what Export Objects sees. */
    module_t *tftp = prefs_find_module("tftp");
    pref_t *defrag = tftp ? prefs_find_preference(tftp, "defragment") : NULL;
    if (defrag)
        prefs_set_bool_value(defrag, TRUE, pref_current);
}

static guint16 opcode_of(tvbuff_t *tvb)
{
    return tvb_captured_length(tvb) >= 2 ? tvb_get_ntohs(tvb, 0) : 0;
}

static watched *watched_of(packet_info *pinfo, conversation_t **conv)
{
    *conv = find_conversation_pinfo(pinfo, 0);
    return *conv ? (watched *)conversation_get_proto_data(*conv, proto_hook) : NULL;
}

void *cucm_tftp_xfer_of(packet_info *pinfo)
{
    conversation_t *conv;
    watched *w = watched_of(pinfo, &conv);
    return w ? w->xfer : NULL;
}

/* First pass: the request TFTP has just turned into a conversation becomes a watched transfer. */
static void watch_request(tvbuff_t *tvb, packet_info *pinfo)
{
    conversation_t *conv = find_conversation(pinfo->num, &pinfo->src, &pinfo->dst, CONVERSATION_UDP,
                                             pinfo->srcport, 0, NO_PORT_B);
    if (!conv || conversation_get_dissector(conv, pinfo->num) != tftp_handle ||
        conversation_get_proto_data(conv, proto_hook))
        return;
    gint len = tvb_strnlen(tvb, 2, -1);
    if (len <= 0)
        return;
    const char *name = (const char *)tvb_get_string_enc(pinfo->pool, tvb, 2, len, ENC_ASCII);
    void *xfer = cucm_trust_tftp_request(pinfo, name);
    if (!xfer)
        return;
    watched *w = wmem_new(wmem_file_scope(), watched);
    w->xfer = xfer;
    w->frame = pinfo->num;
    conversation_add_proto_data(conv, proto_hook, w);
    conversation_set_dissector_from_frame_number(conv, pinfo->num, conv_hook);
}

static int dissect_tftp_port(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int n = call_dissector_with_data(tftp_handle, tvb, pinfo, tree, data);
    if (n > 0 && opcode_of(tvb) == TFTP_RRQ) {
        if (!PINFO_FD_VISITED(pinfo))
            watch_request(tvb, pinfo);
        cucm_trust_show_frame(tree, tvb, pinfo); /* a request that never got its file */
    }
    return n;
}

static int dissect_tftp_conv(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    conversation_t *conv;
    watched *w = watched_of(pinfo, &conv);
    if (!w)
        return call_dissector_with_data(tftp_handle, tvb, pinfo, tree, data);
    volatile int n = 0;
    conversation_set_dissector_from_frame_number(conv, w->frame, tftp_handle);
    TRY
    {
        n = call_dissector_with_data(tftp_handle, tvb, pinfo, tree, data);
    }
    FINALLY
    {
        conversation_set_dissector_from_frame_number(conv, w->frame, conv_hook);
    }
    ENDTRY;
    if (n > 0 && opcode_of(tvb) == TFTP_ERROR && tvb_captured_length(tvb) >= 4) {
        if (!PINFO_FD_VISITED(pinfo))
            cucm_trust_tftp_error(pinfo, w->xfer, tvb_get_ntohs(tvb, 2));
        cucm_trust_show_frame(tree, tvb, pinfo);
    }
    return n;
}

void cucm_tftp_register(int parent)
{
    proto_hook = proto_register_protocol_in_name_only("CUCM TFTP watch", "CUCM-TFTP",
                                                      "cucmtl.tftp_watch", parent, FT_PROTOCOL);
}

void cucm_tftp_watch(void)
{
    tftp_handle = find_dissector("tftp");
    if (!CUCM_TFTP_WATCH || !tftp_handle || proto_hook < 0)
        return;
    port_hook = create_dissector_handle(dissect_tftp_port, proto_hook);
    conv_hook = create_dissector_handle(dissect_tftp_conv, proto_hook);
    dissector_add_uint("udp.port", TFTP_PORT, port_hook);
}
