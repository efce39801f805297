/* Fuzz frame decoding for every supported link type, feeding the results on to the TFTP
 * tracker. Input: linktype selector:u8, then frames framed as caplen:u16be frame[caplen]
 * (the wire length is caplen, or caplen + 64 when the selector's top bit is set). */
#include <stdint.h>
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int lt = linktypes[(data[0] & 0x7f) % (sizeof linktypes / sizeof linktypes[0])];
    uint32_t extra = (data[0] & 0x80) ? 64 : 0;
    cap_decode_config cfg = {.defrag = {.max_datagrams = 4}};
    cap_decoder *d = cap_decoder_new(&cfg);
    cap_tftp_limits lim = {.max_transfers = 4, .max_bytes = 1 << 20};
    cap_tftp *t = cap_tftp_new(&lim, NULL);
    if (!d || !t) {
        cap_decoder_free(d);
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
        cap_pkt p;
        if (cap_decode_frame(d, &f, &p) == CAP_DECODE_PKT)
            cap_tftp_packet(t, &p);
        free(fr);
    }
    cap_decoder_finish(d);
    cap_tftp_finish(t);
    cap_tftp_free(t);
    cap_decoder_free(d);
    return 0;
}
