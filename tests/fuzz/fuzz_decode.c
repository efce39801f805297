/* Fuzz frame decoding for every supported link type, feeding the results on to the TFTP
 * tracker. Every frame is also decoded by cap_decode_frame_general (no shortcut for the usual
 * frame) in a second decoder: packets and counts must agree, or the target aborts. Input: linktype
 * selector:u8, then frames framed as caplen:u16be frame[caplen] (the wire length is caplen, or
 * caplen + 64 when the selector's top bit is set). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/decode.h"
#include "cap/tftp.h"

static const int linktypes[] = {1 /* EN10MB */,
                                113 /* SLL */,
                                276 /* SLL2 */,
                                12 /* RAW */,
                                101,
                                228,
                                229,
                                0 /* NULL */,
                                108 /* LOOP */,
                                147 /* unknown */};

static bool same_addr(const cap_addr *a, const cap_addr *b)
{
    return a->family == b->family && memcmp(a->a, b->a, sizeof a->a) == 0;
}

static bool same_pkt(const cap_pkt *p, const cap_pkt *q)
{
    return p->where.capture == q->where.capture && p->where.pkt_no == q->where.pkt_no &&
           p->where.ts_sec == q->where.ts_sec && p->where.ts_usec == q->where.ts_usec &&
           same_addr(&p->src, &q->src) && same_addr(&p->dst, &q->dst) &&
           p->ip_proto == q->ip_proto && p->sport == q->sport && p->dport == q->dport &&
           p->payload_len == q->payload_len &&
           (p->payload_len == 0 || memcmp(p->payload, q->payload, p->payload_len) == 0) &&
           p->truncated == q->truncated && p->tcp_seq == q->tcp_seq && p->tcp_ack == q->tcp_ack &&
           p->tcp_flags == q->tcp_flags;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int lt = linktypes[(data[0] & 0x7f) % (sizeof linktypes / sizeof linktypes[0])];
    uint32_t extra = (data[0] & 0x80) ? 64 : 0;
    cap_decode_config cfg = {.defrag = {.max_datagrams = 4}};
    cap_decoder *d = cap_decoder_new(&cfg), *g = cap_decoder_new(&cfg);
    cap_tftp_limits lim = {.max_transfers = 4, .max_bytes = 1 << 20};
    cap_tftp *t = cap_tftp_new(&lim, NULL);
    if (!d || !g || !t) {
        cap_decoder_free(d);
        cap_decoder_free(g);
        cap_tftp_free(t);
        return 0;
    }
    size_t pos = 1;
    uint64_t no = 0;
    while (pos + 2 <= size) {
        size_t len = (size_t)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        uint8_t *fr = malloc(len ? len : 1);
        if (!fr)
            break;
        memcpy(fr, data + pos, len);
        pos += len;
        no++;
        cap_frame f = {.where = {"fuzz", no, (int64_t)no, 0},
                       .linktype = lt,
                       .data = fr,
                       .caplen = (uint32_t)len,
                       .len = (uint32_t)len + extra};
        cap_pkt p, q;
        cap_decode_result r = cap_decode_frame(d, &f, &p);
        if (cap_decode_frame_general(g, &f, &q) != r ||
            (r == CAP_DECODE_PKT && !same_pkt(&p, &q)) ||
            memcmp(cap_decoder_stats(d), cap_decoder_stats(g), sizeof(cap_decode_stats)) != 0) {
            fprintf(stderr, "fuzz_decode: the shortcut and the general path differ at frame %llu\n",
                    (unsigned long long)no);
            abort();
        }
        if (r == CAP_DECODE_PKT)
            cap_tftp_packet(t, &p);
        free(fr);
    }
    cap_decoder_finish(d);
    cap_tftp_finish(t);
    cap_tftp_free(t);
    cap_decoder_free(d);
    cap_decoder_free(g);
    return 0;
}
