/* TFTP hookup shared by the trust-list and signed-file heuristics, and the watch on read requests
 * and their answers that the trust engine needs beside the whole files (a per-phone list not
 * found, then the cluster-wide one: TRUST_FILE_FALLBACK; a transfer that never finished:
 * TFTP_TRANSFER_INCOMPLETE). Whole files reach the heuristics; requests and error answers reach
 * no heuristic, and TFTP queues no tap of them.
 *
 * The watch only observes: a hook in front of UDP (ip.proto 17, a "protocol in name only", so no
 * layer is added) calls UDP as before and, when TFTP dissected the datagram it carried, reads the
 * opcode, the file name of a read request and the code of an error answer from the datagram. It
 * never touches TFTP's conversations: an earlier watch took them over and lent them back per
 * packet, which Wireshark 4.6's TFTP Export Objects did not survive. Transfers are matched as
 * pcapscan matches them: by the client's address and port, an answer from the server's address. */
#include "cucm-compat.h"
#include "cucm-tftp.h"

#include <string.h>

#include <epan/prefs.h>
/* prefs-int.h needs prefs.h first */
#include <epan/prefs-int.h>
#include <epan/to_str.h>

#include "cucm-trust.h"

#define IP_PROTO_UDP 17
#define UDP_HEADER 8
#define TFTP_RRQ 1
#define TFTP_WRQ 2
#define TFTP_DATA 3
#define TFTP_ACK 4
#define TFTP_ERROR 5
#define TFTP_OACK 6

/* One read request, under its client's address and port. */
typedef struct watched {
    void *xfer; /* cucm_trust_tftp_request's transfer */
    const char *name;
    address server;
    gboolean answered; /* its file or an error came */
} watched;

static int proto_hook = -1;
static int proto_owner = -1; /* the plugin protocol that owns the watch (cucmtl) */
static int proto_tftp = -1;
static dissector_handle_t udp_handle;
static wmem_map_t *reads; /* "client address|port" -> watched (file scope) */

void cucm_tftp_force_defragment(void)
{
    /* Without reassembly TFTP only hands single-block files to heuristics; every real ITL is
     * bigger than one block. Reassembly does not change what Export Objects sees. */
    module_t *tftp = prefs_find_module("tftp");
    pref_t *defrag = tftp ? prefs_find_preference(tftp, "defragment") : NULL;
    if (defrag)
        prefs_set_bool_value(defrag, TRUE, pref_current);
}

static const char *client_key(wmem_allocator_t *scope, const address *addr, guint32 port)
{
    return wmem_strdup_printf(scope, "%s|%u", address_to_str(scope, addr), port);
}

/* The read request of this client address and port to this server. */
static watched *read_of(packet_info *pinfo, const address *client, guint32 port,
                        const address *server)
{
    /* Files also come over HTTP (TCP): a TCP port equal to a TFTP client's is another endpoint. */
    if (!reads || pinfo->ptype != PT_UDP)
        return NULL;
    watched *w = (watched *)wmem_map_lookup(reads, client_key(pinfo->pool, client, port));
    return w && addresses_equal(&w->server, server) ? w : NULL;
}

/* The read request whose client is the destination of this packet, sent from its server. */
static watched *answered_read(packet_info *pinfo)
{
    return read_of(pinfo, &pinfo->dst, pinfo->destport, &pinfo->src);
}

void *cucm_tftp_xfer_of(packet_info *pinfo)
{
    watched *w = answered_read(pinfo);
    if (!w)
        return NULL;
    w->answered = TRUE;
    return w->xfer;
}

/* Did TFTP dissect the payload of the UDP datagram just dissected? UDP added its layer at index
 * `before`; the protocol right after it took the payload. */
static gboolean tftp_took_payload(const packet_info *pinfo, guint before)
{
    guint i = 0;
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f; f = wmem_list_frame_next(f))
        if (i++ == before + 1)
            return GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto_tftp;
    return FALSE;
}

/* First pass: a read request opens a watched transfer; the client asking again for the same
 * file before any answer is the same transfer (as pcapscan counts it). */
static void read_request(tvbuff_t *tvb, packet_info *pinfo)
{
    gint len = tvb_strnlen(tvb, UDP_HEADER + 2, -1);
    if (len <= 0)
        return;
    const char *name =
        (const char *)tvb_get_string_enc(pinfo->pool, tvb, UDP_HEADER + 2, len, ENC_ASCII);
    const char *key = client_key(pinfo->pool, &pinfo->src, pinfo->srcport);
    watched *old = (watched *)wmem_map_lookup(reads, key);
    if (old && !old->answered && addresses_equal(&old->server, &pinfo->dst) &&
        strcmp(old->name, name) == 0)
        return;
    void *xfer = cucm_trust_tftp_request(pinfo, name);
    if (!xfer)
        return;
    watched *w = wmem_new0(wmem_file_scope(), watched);
    w->xfer = xfer;
    w->name = wmem_strdup(wmem_file_scope(), name);
    copy_address_wmem(wmem_file_scope(), &w->server, &pinfo->dst);
    wmem_map_insert(reads, wmem_strdup(wmem_file_scope(), key), w);
}

/* First pass: what the server sent, for the facts of a transfer that does not finish (bytes,
 * blocks never seen) and for the capture's end to judge it by (data came, the last block did not,
 * the server was still sending). */
static void server_packet(tvbuff_t *tvb, packet_info *pinfo, guint8 op)
{
    watched *w = answered_read(pinfo);
    if (!w)
        return;
    guint len = tvb_captured_length(tvb);
    if (op == TFTP_OACK && len > UDP_HEADER + 2)
        cucm_trust_tftp_oack(w->xfer, tvb_get_ptr(tvb, UDP_HEADER + 2, len - UDP_HEADER - 2),
                             len - UDP_HEADER - 2);
    /* A block cut by the snapshot length is no block: its length would make it the last one. */
    if (op == TFTP_DATA && len >= UDP_HEADER + 4 && len == tvb_reported_length(tvb)) {
        guint n = len - UDP_HEADER - 4;
        cucm_trust_tftp_block(pinfo, w->xfer, tvb_get_ntohs(tvb, UDP_HEADER + 2),
                              n ? tvb_get_ptr(tvb, UDP_HEADER + 4, n) : NULL, n);
    }
    cucm_trust_tftp_sent(pinfo, w->xfer);
}

/* First pass: the client acknowledged a block (block 0 after block 32767 says the server's numbers
 * roll over to 0). Read from the datagram: Wireshark 4.6's TFTP does not dissect it. */
static void client_ack(tvbuff_t *tvb, packet_info *pinfo)
{
    watched *w = read_of(pinfo, &pinfo->src, pinfo->srcport, &pinfo->dst);
    if (w && !w->answered && tvb_captured_length(tvb) >= UDP_HEADER + 4)
        cucm_trust_tftp_ack(w->xfer, tvb_get_ntohs(tvb, UDP_HEADER + 2));
}

/* First pass: an error ends the transfer, from the server (an answer TFTP dissected) or from the
 * client (giving up, after a transfer-size probe say), as pcapscan counts both. Wireshark 4.6's
 * TFTP no longer dissects what a client sends to the server's port (its ACKs, its errors show as
 * data), so a client's error is known by the watched read alone, on every release. */
static void error_seen(tvbuff_t *tvb, packet_info *pinfo, gboolean by_tftp)
{
    watched *w = by_tftp ? answered_read(pinfo) : NULL;
    if (!w)
        w = read_of(pinfo, &pinfo->src, pinfo->srcport, &pinfo->dst);
    if (!w || tvb_captured_length(tvb) < UDP_HEADER + 4)
        return;
    w->answered = TRUE;
    cucm_trust_tftp_error(pinfo, w->xfer, tvb_get_ntohs(tvb, UDP_HEADER + 2));
}

static int dissect_udp_watch(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    guint before = wmem_list_count(pinfo->layers);
    /* 0 (UDP disabled) lets IP show the payload as data, as without the hook. */
    int n = call_dissector_only(udp_handle, tvb, pinfo, tree, data);
    /* Most datagrams stop here: TFTP opcodes are 0x00NN (RRQ to OACK). */
    if (n <= 0 || tvb_captured_length(tvb) < UDP_HEADER + 2 || tvb_get_uint8(tvb, UDP_HEADER) != 0)
        return n;
    guint8 op = tvb_get_uint8(tvb, UDP_HEADER + 1);
    /* A datagram quoted by an ICMP error is no request or answer of its own. */
    if (op > TFTP_OACK || op == TFTP_WRQ || pinfo->flags.in_error_pkt ||
        !proto_is_protocol_enabled(find_protocol_by_id(proto_owner)))
        return n;
    if (op == TFTP_ACK) {
        if (!PINFO_FD_VISITED(pinfo))
            client_ack(tvb, pinfo);
        return n;
    }
    gboolean by_tftp = tftp_took_payload(pinfo, before);
    if (op == TFTP_DATA || op == TFTP_OACK) {
        if (by_tftp && !PINFO_FD_VISITED(pinfo))
            server_packet(tvb, pinfo, op);
        return n;
    }
    if (op == TFTP_RRQ && !by_tftp)
        return n;
    if (!PINFO_FD_VISITED(pinfo)) {
        if (op == TFTP_RRQ)
            read_request(tvb, pinfo);
        else
            error_seen(tvb, pinfo, by_tftp);
    }
    /* A request that never got its file, a "not found" that made the phone fall back. */
    cucm_trust_show_frame(tree, tvb, pinfo);
    return n;
}

void cucm_tftp_register(int owner)
{
    /* A protocol in name only is enabled while its parent is. The hook stands in for UDP, so UDP
     * is its parent: a user disabling the plugin's protocols must not lose UDP (the watch itself
     * then stops, see proto_owner). */
    int udp = proto_get_id_by_filter_name("udp");
    proto_owner = owner;
    if (udp < 0)
        return;
    proto_hook = proto_register_protocol_in_name_only("CUCM TFTP watch", "CUCM-TFTP",
                                                      "cucmtl.tftp_watch", udp, FT_PROTOCOL);
    reads = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash, g_str_equal);
}

void cucm_tftp_watch(void)
{
    /* Whatever dissects UDP over IPv4 and IPv6 (both use the ip.proto table): UDP's own handle
     * unless a user's Decode As changed it before the plugin's handoff. */
    dissector_table_t ip_proto = find_dissector_table("ip.proto");
    udp_handle = ip_proto ? dissector_get_uint_handle(ip_proto, IP_PROTO_UDP) : NULL;
    proto_tftp = proto_get_id_by_filter_name("tftp");
    if (!udp_handle || proto_tftp < 0 || proto_hook < 0)
        return;
    dissector_add_uint("ip.proto", IP_PROTO_UDP,
                       create_dissector_handle(dissect_udp_watch, proto_hook));
}
