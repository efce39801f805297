/* Frame -> cap_pkt: link layer, IP with reassembly, then the UDP or TCP header. */
#include <pcap/dlt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/decode.h"
#include "cap/link.h"
#include "sbd/rd.h"

enum { PROTO_TCP = 6, PROTO_UDP = 17 };

struct cap_decoder {
    cap_decode_config cfg;
    cap_decode_stats st;
    cap_defrag *defrag;
    bool told_unknown_link;
};

const char *cap_notice_name(cap_notice n)
{
    switch (n) {
#define CAP_NOTICE_NAME(name, text)                                                                \
    case CAP_NOTICE_##name:                                                                        \
        return text;
        CAP_NOTICE_MAP(CAP_NOTICE_NAME)
#undef CAP_NOTICE_NAME
    case CAP_NOTICE_COUNT:
        break;
    }
    return "?";
}

cap_decoder *cap_decoder_new(const cap_decode_config *cfg)
{
    cap_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (cfg)
        d->cfg = *cfg;
    d->defrag = cap_defrag_new(&d->cfg.defrag);
    if (!d->defrag) {
        free(d);
        return NULL;
    }
    return d;
}

void cap_decoder_free(cap_decoder *d)
{
    if (!d)
        return;
    cap_defrag_free(d->defrag);
    free(d);
}

__attribute__((format(printf, 4, 5))) static void notice(cap_decoder *d, const cap_where *w,
                                                         cap_notice kind, const char *fmt, ...)
{
    if (!d->cfg.on_notice)
        return;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->cfg.on_notice(d->cfg.user, w, kind, msg);
}

/* Reports what a reassembly step dropped, by comparing counters around it. */
static void notice_defrag_changes(cap_decoder *d, const cap_where *w, const cap_defrag_stats *b)
{
    const cap_defrag_stats *a = cap_defrag_get_stats(d->defrag);
    if (a->evicted != b->evicted)
        notice(d, w, CAP_NOTICE_FRAG_EVICTED, "%llu reassembly evicted (too many concurrent)",
               (unsigned long long)(a->evicted - b->evicted));
    if (a->timed_out != b->timed_out)
        notice(d, w, CAP_NOTICE_FRAG_TIMEOUT, "%llu reassembly timed out",
               (unsigned long long)(a->timed_out - b->timed_out));
    if (a->overlaps != b->overlaps)
        notice(d, w, CAP_NOTICE_FRAG_OVERLAP, "overlapping fragment (%llu conflicting)",
               (unsigned long long)(a->conflicts - b->conflicts));
    if (a->too_big != b->too_big)
        notice(d, w, CAP_NOTICE_FRAG_TOO_BIG, "fragment beyond the reassembly limit dropped");
}

/* Where the transport header starts in the frame; 0 when it lives in a reassembly buffer. */
static size_t transport_offset(const cap_frame *f, const cap_ip *ip)
{
    uintptr_t start = (uintptr_t)f->data, at = (uintptr_t)ip->payload;
    return at >= start && at - start <= f->caplen ? (size_t)(at - start) : 0;
}

/* A frame dropped for a bad or cut header: counted, and named by packet and byte offset. */
static void drop_bad(cap_decoder *d, const cap_where *w, bool cut, const char *layer, size_t off)
{
    if (cut) {
        d->st.short_frames++;
        notice(d, w, CAP_NOTICE_SHORT_FRAME, "%s header cut by the capture at byte %zu", layer,
               off);
    } else {
        d->st.malformed++;
        notice(d, w, CAP_NOTICE_MALFORMED, "bad %s header at byte %zu", layer, off);
    }
}

static int64_t usec_of(const cap_where *w)
{
    return w->ts_sec * 1000000LL + w->ts_usec;
}

/* Network layer: parse, and run fragments through reassembly. false = nothing to deliver. */
static bool network(cap_decoder *d, const cap_frame *f, size_t off, cap_ip *ip)
{
    cap_ip_result r = cap_ip_parse(f->data + off, f->caplen - off, f->len - off, ip);
    if (r != CAP_IP_OK) {
        drop_bad(d, &f->where, r == CAP_IP_SHORT, "IP", off);
        return false;
    }
    if (!ip->is_fragment)
        return true;
    cap_defrag_stats before = *cap_defrag_get_stats(d->defrag);
    cap_ip frag = *ip;
    cap_defrag_result dr = cap_defrag_add(d->defrag, &frag, usec_of(&f->where), ip);
    notice_defrag_changes(d, &f->where, &before);
    if (dr != CAP_DEFRAG_COMPLETE) {
        d->st.fragments_held++;
        return false;
    }
    return true;
}

static bool udp(cap_decoder *d, const cap_frame *f, const cap_ip *ip, cap_pkt *pkt)
{
    size_t off = transport_offset(f, ip);
    if (ip->payload_len < 8) {
        drop_bad(d, &f->where, ip->truncated, "UDP", off);
        return false;
    }
    const uint8_t *h = ip->payload;
    size_t avail = ip->payload_len - 8;
    size_t claimed = sbd_be16(h + 4);
    pkt->sport = sbd_be16(h);
    pkt->dport = sbd_be16(h + 2);
    pkt->payload = h + 8;
    pkt->truncated = ip->truncated;
    if (claimed == 0 && ip->src.family == 6) {
        pkt->payload_len = avail; /* jumbogram: length lives in the IPv6 option */
    } else if (claimed < 8) {
        drop_bad(d, &f->where, false, "UDP", off);
        return false;
    } else if (claimed - 8 <= avail) {
        pkt->payload_len = claimed - 8; /* drops link padding after the datagram */
    } else {
        pkt->payload_len = avail;
        pkt->truncated = true;
    }
    d->st.udp++;
    return true;
}

static bool tcp(cap_decoder *d, const cap_frame *f, const cap_ip *ip, cap_pkt *pkt)
{
    size_t off = transport_offset(f, ip);
    if (ip->payload_len < 20) {
        drop_bad(d, &f->where, ip->truncated, "TCP", off);
        return false;
    }
    const uint8_t *h = ip->payload;
    size_t hl = (size_t)(h[12] >> 4) * 4;
    if (hl < 20 || hl > ip->payload_len) {
        drop_bad(d, &f->where, hl >= 20 && ip->truncated, "TCP", off);
        return false;
    }
    pkt->sport = sbd_be16(h);
    pkt->dport = sbd_be16(h + 2);
    pkt->tcp_seq = sbd_be32(h + 4);
    pkt->tcp_ack = sbd_be32(h + 8);
    pkt->tcp_flags = h[13];
    pkt->payload = h + hl;
    pkt->payload_len = ip->payload_len - hl;
    pkt->truncated = ip->truncated;
    d->st.tcp++;
    return true;
}

static bool link_layer(cap_decoder *d, const cap_frame *f, cap_l3 *l3)
{
    switch (cap_link_decode(f->linktype, f->data, f->caplen, l3)) {
    case CAP_LINK_OK:
        return true;
    case CAP_LINK_NOT_IP:
        d->st.not_ip++;
        return false;
    case CAP_LINK_SHORT:
        drop_bad(d, &f->where, true, "link", 0);
        return false;
    case CAP_LINK_UNKNOWN:
        d->st.unknown_link++;
        if (!d->told_unknown_link) {
            d->told_unknown_link = true;
            notice(d, &f->where, CAP_NOTICE_UNKNOWN_LINKTYPE, "link type %d not supported",
                   f->linktype);
        }
        return false;
    }
    return false;
}

/* The usual frame (Ethernet, unfragmented IPv4, UDP or TCP, every length consistent) decoded in
 * one pass, without the link and IP structures in between: decoding was a quarter of the rtp
 * profile's scan. Anything else, or anything odd, returns false with nothing counted, and the
 * general path decodes the frame. Both give the same packet and the same counts (fuzz_decode
 * compares them frame by frame). */
static bool fast_frame(cap_decoder *d, const cap_frame *f, cap_pkt *pkt)
{
    const uint8_t *e = f->data;
    if (f->linktype != DLT_EN10MB || f->caplen < 14 + 20 || sbd_be16(e + 12) != 0x0800 ||
        e[14] >> 4 != 4)
        return false;
    const uint8_t *ip = e + 14;
    size_t ipcap = f->caplen - 14, hl = (size_t)(ip[0] & 0x0f) * 4, total = sbd_be16(ip + 2);
    /* total 0 (offloaded) takes its length from the wire: the general path */
    if (hl < 20 || hl > ipcap || total < hl || (sbd_be16(ip + 6) & 0x3fff) != 0)
        return false;
    bool truncated = total > ipcap;
    const uint8_t *h = ip + hl;
    size_t avail = (truncated ? ipcap : total) - hl, off, len;
    uint8_t proto = ip[9];
    if (proto == PROTO_UDP) {
        size_t claimed = avail >= 8 ? sbd_be16(h + 4) : 0;
        if (claimed < 8)
            return false;
        off = 8;
        len = claimed - 8 <= avail - 8 ? claimed - 8 : avail - 8;
        truncated = truncated || claimed - 8 > avail - 8;
    } else if (proto == PROTO_TCP) {
        off = avail >= 20 ? (size_t)(h[12] >> 4) * 4 : 0;
        if (off < 20 || off > avail)
            return false;
        len = avail - off;
    } else {
        return false;
    }
    memset(pkt, 0, sizeof *pkt);
    pkt->where = f->where;
    pkt->src.family = pkt->dst.family = 4;
    memcpy(pkt->src.a, ip + 12, 4);
    memcpy(pkt->dst.a, ip + 16, 4);
    pkt->ip_proto = proto;
    pkt->sport = sbd_be16(h);
    pkt->dport = sbd_be16(h + 2);
    pkt->payload = h + off;
    pkt->payload_len = len;
    pkt->truncated = truncated;
    if (proto == PROTO_TCP) {
        pkt->tcp_seq = sbd_be32(h + 4);
        pkt->tcp_ack = sbd_be32(h + 8);
        pkt->tcp_flags = h[13];
        d->st.tcp++;
    } else {
        d->st.udp++;
    }
    d->st.truncated_pkts += truncated;
    return true;
}

cap_decode_result cap_decode_frame(cap_decoder *d, const cap_frame *f, cap_pkt *pkt)
{
    if (fast_frame(d, f, pkt)) {
        d->st.frames++;
        return CAP_DECODE_PKT;
    }
    return cap_decode_frame_general(d, f, pkt);
}

cap_decode_result cap_decode_frame_general(cap_decoder *d, const cap_frame *f, cap_pkt *pkt)
{
    d->st.frames++;
    cap_l3 l3;
    cap_ip ip;
    if (!link_layer(d, f, &l3) || !network(d, f, l3.offset, &ip))
        return CAP_DECODE_NONE;
    memset(pkt, 0, sizeof *pkt);
    pkt->where = f->where;
    pkt->src = ip.src;
    pkt->dst = ip.dst;
    pkt->ip_proto = ip.proto;
    bool ok;
    if (ip.proto == PROTO_UDP)
        ok = udp(d, f, &ip, pkt);
    else if (ip.proto == PROTO_TCP)
        ok = tcp(d, f, &ip, pkt);
    else {
        d->st.other_ip++;
        ok = false;
    }
    if (!ok)
        return CAP_DECODE_NONE;
    d->st.truncated_pkts += pkt->truncated;
    return CAP_DECODE_PKT;
}

void cap_decoder_finish(cap_decoder *d)
{
    cap_defrag_flush(d->defrag);
}

const cap_decode_stats *cap_decoder_stats(const cap_decoder *d)
{
    return &d->st;
}

const cap_defrag_stats *cap_decoder_defrag_stats(const cap_decoder *d)
{
    return cap_defrag_get_stats(d->defrag);
}
