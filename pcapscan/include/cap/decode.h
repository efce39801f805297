/* Frame -> cap_pkt: link layer, IP (with fragment reassembly), then the UDP or TCP header.
 * One cap_decoder per input (it holds that input's reassembly state and counters).
 *
 * Typical per-input loop (one thread per input is fine; nothing is shared):
 *
 *     cap_input *in = cap_input_open(path, name, err, sizeof err);
 *     cap_decoder *dec = cap_decoder_new(&cfg);
 *     cap_tftp *tftp = cap_tftp_new(&limits, &callbacks);
 *     cap_frame f;
 *     cap_pkt p;
 *     while (cap_input_next(in, &f))
 *         if (cap_decode_frame(dec, &f, &p) == CAP_DECODE_PKT)
 *             cap_tftp_packet(tftp, &p);          (and the TCP consumers)
 *     cap_tftp_finish(tftp);                      (unfinished transfers reported)
 *     cap_decoder_finish(dec);
 *     status = cap_input_status_get(in, &last_good, &msg);  (TRUNCATED -> CAPTURE_TRUNCATED)
 *     free in reverse order; cap_where.capture points at `name`, keep it alive until then. */
#ifndef CAP_DECODE_H
#define CAP_DECODE_H

#include <stdint.h>

#include "cap/input.h"
#include "cap/ip.h"
#include "cap/pkt.h"

#define CAP_NOTICE_MAP(X)                                                                          \
    X(UNKNOWN_LINKTYPE, "unsupported link type") /* once per decoder (input) */                    \
    X(FRAG_EVICTED, "IP reassembly evicted")     /* max concurrent reassemblies reached */         \
    X(FRAG_TIMEOUT, "IP reassembly timed out")                                                     \
    X(FRAG_OVERLAP, "overlapping IP fragment")                                                     \
    X(FRAG_TOO_BIG, "IP datagram over the reassembly limit")                                       \
    X(MALFORMED, "malformed packet")        /* a header that lies (lengths, offsets) */            \
    X(SHORT_FRAME, "frame cut in a header") /* the capture's snap length cut a header */

typedef enum {
#define CAP_NOTICE_ENUM(name, text) CAP_NOTICE_##name,
    CAP_NOTICE_MAP(CAP_NOTICE_ENUM)
#undef CAP_NOTICE_ENUM
        CAP_NOTICE_COUNT
} cap_notice;

const char *cap_notice_name(cap_notice n);

typedef struct cap_decode_config {
    cap_defrag_limits defrag;
    /* Optional: called when something is dropped or unsupported (w = the frame that caused or
     * revealed it; msg is one line). Not called for ordinary non-IP frames. */
    void (*on_notice)(void *user, const cap_where *w, cap_notice kind, const char *msg);
    void *user;
} cap_decode_config;

typedef struct cap_decode_stats {
    uint64_t frames;
    uint64_t udp, tcp;
    uint64_t other_ip;       /* ICMP, ESP, ... */
    uint64_t not_ip;         /* ARP, LLDP, ... */
    uint64_t unknown_link;   /* frames of an unsupported link type */
    uint64_t short_frames;   /* cut inside link/IP/UDP/TCP headers */
    uint64_t malformed;      /* bad IP/TCP/UDP header fields */
    uint64_t fragments_held; /* frames absorbed by reassembly */
    uint64_t truncated_pkts; /* packets delivered with truncated=true */
} cap_decode_stats;

typedef struct cap_decoder cap_decoder;

cap_decoder *cap_decoder_new(const cap_decode_config *cfg); /* cfg may be NULL */
void cap_decoder_free(cap_decoder *d);

typedef enum {
    CAP_DECODE_NONE, /* nothing for transport consumers (not UDP/TCP, fragment held, bad) */
    CAP_DECODE_PKT,  /* *pkt filled; payload borrowed until the next call or the frame's reuse */
} cap_decode_result;

/* Decode one frame. pkt->where is f->where (for a reassembled datagram: the completing frame). */
cap_decode_result cap_decode_frame(cap_decoder *d, const cap_frame *f, cap_pkt *pkt);

/* The same without the shortcut for the usual frame (Ethernet, IPv4, UDP or TCP): every frame
 * through the link and IP parsers. The reference tests compare cap_decode_frame with. */
cap_decode_result cap_decode_frame_general(cap_decoder *d, const cap_frame *f, cap_pkt *pkt);

/* End of input: drop pending reassemblies (counted) so stats are final. */
void cap_decoder_finish(cap_decoder *d);

const cap_decode_stats *cap_decoder_stats(const cap_decoder *d);
const cap_defrag_stats *cap_decoder_defrag_stats(const cap_decoder *d);

#endif
