/* Shared by fuzz_tls.c and fuzz_http.c: turn fuzz input into TCP segments of one or more
 * connections and feed them to a cap_tcp context.
 *
 * Framing, repeated until the input ends:
 *   u8 flags  bit0 direction (0 client->server, 1 server->client), bit1 SYN, bit2 FIN, bit3 RST,
 *             bit4 truncated, bit5 +400 s of capture time (idle expiry), bit6 next client port
 *   be16      signed sequence delta from the sender's next sequence number (reorder, overlap, gaps)
 *   be16      payload length (clipped to what is left)
 *   payload
 * Every payload is copied into its own allocation so an over-read hits ASan. */
#ifndef CAP_FRAMES_H
#define CAP_FRAMES_H

#include <stdlib.h>
#include <string.h>

#include "cap/tcp_stream.h"

static inline void cap_frames_feed(cap_tcp_ctx *tcp, uint16_t server_port, const uint8_t *data,
                                   size_t size)
{
    uint32_t seq[2] = {0x10000000u, 0xfffff000u}; /* the server side wraps early */
    const cap_addr addr[2] = {{4, {10, 0, 0, 1}}, {4, {10, 0, 0, 2}}};
    uint16_t cport = 49152;
    int64_t ts = 1000;
    uint64_t no = 0;
    size_t i = 0;
    while (i + 5 <= size) {
        uint8_t fl = data[i];
        int16_t delta = (int16_t)((data[i + 1] << 8) | data[i + 2]);
        size_t len = (size_t)((data[i + 3] << 8) | data[i + 4]);
        i += 5;
        if (len > size - i)
            len = size - i;
        if (fl & 0x40)
            cport++;
        if (fl & 0x20)
            ts += 400;
        int d = fl & 1;
        cap_pkt p;
        memset(&p, 0, sizeof p);
        p.where.capture = "fuzz";
        p.where.pkt_no = ++no;
        p.where.ts_sec = ts;
        p.ip_proto = 6;
        p.src = addr[d];
        p.dst = addr[!d];
        p.sport = d ? server_port : cport;
        p.dport = d ? cport : server_port;
        p.tcp_seq = seq[d] + (uint32_t)(int32_t)delta;
        p.tcp_ack = seq[!d];
        p.tcp_flags = (uint8_t)(CAP_TCP_ACK | ((fl & 2) ? CAP_TCP_SYN : 0) |
                                ((fl & 4) ? CAP_TCP_FIN : 0) | ((fl & 8) ? CAP_TCP_RST : 0));
        if (fl & 2 && d == 0)
            p.tcp_flags &= (uint8_t)~CAP_TCP_ACK;
        p.truncated = (fl & 0x10) != 0;
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            return;
        memcpy(copy, data + i, len);
        p.payload = copy;
        p.payload_len = len;
        cap_tcp_packet(tcp, &p);
        free(copy);
        i += len;
        uint32_t adv = (uint32_t)len + ((fl & 6) ? 1u : 0u);
        if (delta == 0)
            seq[d] += adv;
        else if (delta > 0)
            seq[d] += (uint32_t)delta + adv;
    }
}

/* Small limits so the fuzzer reaches eviction, forced gaps and pending overflow quickly. */
static inline void cap_frames_limits(cap_tcp_limits *lim)
{
    cap_tcp_limits_default(lim);
    lim->max_conns = 3;
    lim->max_ooo_bytes = 4096;
    lim->max_ooo_segments = 16;
    lim->max_total_bytes = 16384;
    lim->max_pending = 2048;
    lim->idle_timeout = 300;
    lim->closed_linger = 10;
}

#endif
