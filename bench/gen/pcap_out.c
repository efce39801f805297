/* Streaming capture writer: classic pcap (microsecond timestamps, LINKTYPE_ETHERNET), IPv4 with
 * header checksum, UDP and TCP with pseudo-header checksums. One frame buffer, a large stdio
 * buffer: memory does not depend on the capture size. */
#include <string.h>

#include "gen.h"

enum { ETH_LEN = 14, IP_LEN = 20, UDP_LEN = 8, TCP_LEN = 20, TCP_SYN_OPT = 4 };
enum { SNAPLEN = 65535, LINKTYPE_ETHERNET = 1 };

static uint8_t *put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    p = put16(p, v >> 16);
    return put16(p, v & 0xffff);
}

/* Little-endian pcap headers, written field by field so the host's byte order does not matter. */
static void le32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static void le16(FILE *f, unsigned v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    fwrite(b, 1, 2, f);
}

void pcap_out_open(pcap_out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->f = fopen(path, "wb");
    if (!o->f)
        die("cannot create", path);
    static char iobuf[1 << 20];
    setvbuf(o->f, iobuf, _IOFBF, sizeof iobuf);
    le32(o->f, 0xa1b2c3d4);
    le16(o->f, 2);
    le16(o->f, 4);
    le32(o->f, 0); /* thiszone */
    le32(o->f, 0); /* sigfigs */
    le32(o->f, SNAPLEN);
    le32(o->f, LINKTYPE_ETHERNET);
    o->bytes = 24;
}

void pcap_out_close(pcap_out *o)
{
    if (fflush(o->f) != 0 || ferror(o->f) || fclose(o->f) != 0)
        die("write error", NULL);
    o->f = NULL;
}

/* One's-complement sum of 16-bit big-endian words, not yet folded. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    for (; n >= 2; p += 2, n -= 2)
        acc += (uint32_t)p[0] << 8 | p[1];
    if (n)
        acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

static uint8_t *eth_ip(pcap_out *o, const endpoint *src, const endpoint *dst, unsigned proto,
                       size_t l4_len)
{
    uint8_t *p = o->frame;
    memcpy(p, dst->mac, 6);
    memcpy(p + 6, src->mac, 6);
    put16(p + 12, 0x0800);
    uint8_t *ip = p + ETH_LEN;
    ip[0] = 0x45;
    ip[1] = proto == 17 ? 0xb8 : 0; /* RTP is EF-marked by phones; the rest best effort */
    put16(ip + 2, (unsigned)(IP_LEN + l4_len));
    put16(ip + 4, o->ip_id++);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    put16(ip + 10, 0);
    put32(ip + 12, src->ip);
    put32(ip + 16, dst->ip);
    put16(ip + 10, fold(sum16(ip, IP_LEN, 0)));
    return ip + IP_LEN;
}

static uint32_t pseudo_sum(const endpoint *src, const endpoint *dst, unsigned proto, size_t len)
{
    return (src->ip >> 16) + (src->ip & 0xffff) + (dst->ip >> 16) + (dst->ip & 0xffff) + proto +
           (uint32_t)len;
}

static void emit(pcap_out *o, uint64_t t_us, size_t frame_len)
{
    le32(o->f, (uint32_t)(t_us / 1000000));
    le32(o->f, (uint32_t)(t_us % 1000000));
    le32(o->f, (uint32_t)frame_len);
    le32(o->f, (uint32_t)frame_len);
    fwrite(o->frame, 1, frame_len, o->f);
    if (!o->packets)
        o->first_us = t_us;
    o->last_us = t_us;
    o->bytes += 16 + frame_len;
    o->packets++;
}

void pcap_out_udp(pcap_out *o, uint64_t t_us, const endpoint *src, const endpoint *dst,
                  const uint8_t *payload, size_t len)
{
    if (len > 65000)
        die("UDP payload too large", NULL);
    size_t l4 = UDP_LEN + len;
    uint8_t *u = eth_ip(o, src, dst, 17, l4);
    put16(u, src->port);
    put16(u + 2, dst->port);
    put16(u + 4, (unsigned)l4);
    put16(u + 6, 0);
    if (len)
        memcpy(u + UDP_LEN, payload, len);
    uint16_t ck = fold(sum16(u, l4, pseudo_sum(src, dst, 17, l4)));
    put16(u + 6, ck ? ck : 0xffff); /* 0 means "no checksum" in UDP */
    emit(o, t_us, ETH_LEN + IP_LEN + l4);
}

void pcap_out_tcp(pcap_out *o, uint64_t t_us, const endpoint *src, const endpoint *dst,
                  uint32_t seq, uint32_t ack, unsigned flags, const uint8_t *payload, size_t len)
{
    if (len > 65000)
        die("TCP payload too large", NULL);
    size_t hdr = TCP_LEN + ((flags & TCP_SYN) ? TCP_SYN_OPT : 0);
    size_t l4 = hdr + len;
    uint8_t *t = eth_ip(o, src, dst, 6, l4);
    put16(t, src->port);
    put16(t + 2, dst->port);
    put32(t + 4, seq);
    put32(t + 8, (flags & TCP_ACK) ? ack : 0);
    t[12] = (uint8_t)((hdr / 4) << 4);
    t[13] = (uint8_t)flags;
    put16(t + 14, 64240);
    put16(t + 16, 0);
    put16(t + 18, 0);
    if (flags & TCP_SYN) {
        t[20] = 2; /* MSS 1460 */
        t[21] = 4;
        put16(t + 22, 1460);
    }
    if (len)
        memcpy(t + hdr, payload, len);
    put16(t + 16, fold(sum16(t, l4, pseudo_sum(src, dst, 6, l4))));
    emit(o, t_us, ETH_LEN + IP_LEN + l4);
}
