/* The plugin's side of the trust engine (sbd/trust.h): one engine per capture, fed on the first
 * pass with the events pcapscan feeds it (TFTP transfers, TLS server certificates on the ports of
 * the service table), and the decisions it emits kept per frame so every later dissection shows
 * the same. The plugin decides nothing itself: outcome, rule and severity all come from the engine
 * and the rule table (sbd/audit.h). */
#ifndef CUCM_TRUST_H
#define CUCM_TRUST_H

#include "cucm-compat.h"

#include <epan/expert.h>
#include <epan/packet.h>

#include "sbd/trust.h"

/* The protocol that shows the decisions of a frame: the one that fed its event. */
typedef enum { CUCM_OWNER_TL, CUCM_OWNER_SGN, CUCM_OWNER_TVS, CUCM_OWNER_COUNT } cucm_owner;

/* Field, subtree and expert ids of one protocol's decision items (P.trust.*, P.rule.<rule>). */
typedef struct cucm_trust_ids {
    int proto;
    int trust, outcome, outcome_text, reason, rule, severity, phone, file, held_frame, held_name,
        record, cause_frame, event_frame;
    int ett;
    expert_field ei[SBD_RULE_COUNT];
} cucm_trust_ids;

/* One decision as kept for display (file scope). */
typedef struct cucm_decision {
    sbd_trust_outcome outcome;
    sbd_rule rule; /* SBD_RULE_COUNT: no rule */
    sbd_sig_status sig;
    sbd_service service;
    cucm_owner owner;
    guint32 event_frame, held_frame, cause_frame; /* 0: none */
    guint32 repeat_of;  /* a repeat of the finding first reported at this frame (the engine's
                         * sbd_trust_finding_id): shown without its expert info, 0: not one */
    guint32 file_frame; /* the frame that delivered the file of a file event (event_frame is its
                         * request, the packet pcapscan names too), 0: none */
    guint32 record;     /* 1-based record of the held list, 0 none */
    gboolean held_is_ctl;
    const char *phone, *file, *held_name, *reason;
} cucm_decision;

/* Register the decision fields and one expert info per rule for a protocol; prefix is its filter
 * name ("cucmtl"). Call from proto_register_*. */
void cucm_trust_register(cucm_trust_ids *ids, int proto, const char *prefix, cucm_owner owner);

/* Per-capture init/cleanup routines (once, from cucmtl). */
void cucm_trust_register_routines(void);

/* ---- feeding (first pass only; no-ops on later passes) ---- */

/* A whole file delivered in this frame (TFTP: the final data packet, server -> client). */
void cucm_trust_file_done(packet_info *pinfo, const char *name, const guint8 *buf, size_t len);

/* TFTP: a read request in this frame (client -> server port 69). Returns the transfer, for
 * cucm_trust_tftp_error and cucm_trust_tftp_done, or NULL. */
void *cucm_trust_tftp_request(packet_info *pinfo, const char *name);
/* TFTP: an error answer (server -> client) to the transfer. */
void cucm_trust_tftp_error(packet_info *pinfo, void *xfer, guint16 code);
/* TFTP, first pass: the server sent a packet of this transfer (its time: was it still sending
 * when the capture ended? TRANSFER_CUT_BY_CAPTURE_END). */
void cucm_trust_tftp_sent(packet_info *pinfo, void *xfer);
/* TFTP, first pass: the server's OACK (the bytes after its opcode), its client's ACK of wire block
 * `block`, and DATA block `block` (as sent, 16 bits) of len bytes: the bytes received and the
 * blocks never seen of a transfer that does not finish, counted as pcapscan counts them
 * (sbd/tftp.h for the options and block numbers past 65535); a transfer whose blocks all came
 * but whose file Wireshark did not hand over is fed whole from them. */
void cucm_trust_tftp_oack(void *xfer, const guint8 *opts, size_t n);
void cucm_trust_tftp_ack(void *xfer, guint16 block);
void cucm_trust_tftp_block(packet_info *pinfo, void *xfer, guint16 block, const guint8 *data,
                           guint32 len);
/* Registration (parent: the plugin's protocol) and handoff of the postdissector that notes the
 * time of the capture's last packet. */
void cucm_trust_register_end_watch(int parent);
void cucm_trust_end_watch(void);
/* TFTP: the file of this transfer was delivered (fed by cucm_trust_file_done). */
void cucm_trust_tftp_done(void *xfer);

/* Any request for a file (HTTP: the hook on the file port, cucm-http.c): the transfer, or NULL.
 * The TFTP entry points above are this one with TFTP's error codes. */
void *cucm_trust_xfer_request(packet_info *pinfo, const char *name);
const char *cucm_trust_xfer_name(const void *xfer);
/* The whole file of the transfer, delivered in this frame (buf NULL: content not seen, e.g. an
 * empty body). Both file heuristics may call it: the first call feeds it. */
void cucm_trust_xfer_file(packet_info *pinfo, void *xfer, const guint8 *buf, size_t len);
/* First pass: the server sent data of the transfer (HTTP: a packet of its answer), for a download
 * the capture's end cuts (TRANSFER_CUT_BY_CAPTURE_END). */
void cucm_trust_xfer_sent(packet_info *pinfo, void *xfer);
/* HTTP, first pass: the answer's body begins at TCP sequence number start (0: not said again)
 * and the server's data reached end; the bytes of a body the capture's end cuts. */
void cucm_trust_xfer_body(void *xfer, guint32 start, guint32 end);
/* An error answer: not found (TFTP error 1, HTTP 404) or another error. */
void cucm_trust_xfer_error(packet_info *pinfo, void *xfer, gboolean not_found);

/* A TLS server's certificate chain (leaf first; NULL entries: not decodable) or a TLS 1.3
 * session that hides it, in this frame, from server port `port` of service `svc`. */
void cucm_trust_tls(packet_info *pinfo, guint16 port, sbd_service svc,
                    const sbd_cert_info *const *chain, size_t n, gboolean hidden);

/* ---- showing ---- */

/* The decisions recorded for this frame and owner (count in *n), after settling the engine at the
 * end of the first pass. NULL when none. */
const cucm_decision *const *cucm_trust_decisions(packet_info *pinfo, cucm_owner owner, guint *n);

/* Decision items under tree and one expert info per rule-bearing decision. Returns the most
 * severe rule shown (SBD_RULE_COUNT: none), for the Info column. */
sbd_rule cucm_trust_show(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                         const cucm_trust_ids *ids, cucm_owner owner);

/* Decisions of this frame whose protocol does not dissect it (TFTP requests and errors: a
 * transfer that failed, a fallback), each under an item of its protocol. */
void cucm_trust_show_frame(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo);

/* The signature check of a signed file in this frame as the engine decided it (FALSE: none). */
gboolean cucm_trust_signed_verdict(packet_info *pinfo, sbd_sig_status *sig, guint32 *held_frame,
                                   gboolean *held_is_ctl, const char **reason);

/* Service of a TCP server port: the cucmtvs.tcp_ports preference gives TVS, the other services
 * come from the service table (sbd/services.h). */
sbd_service cucm_service_of_port(guint16 port);
void cucm_trust_set_tvs_ports(range_t *tvs_ports);

#endif
