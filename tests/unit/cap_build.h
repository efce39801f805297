/* Test helpers for the capture layer: assemble Ethernet/VLAN/SLL/SLL2/IPv4/IPv6/UDP/TFTP bytes
 * and pcap files, so tests state their frames explicitly instead of loading captures. */
#ifndef CAP_BUILD_H
#define CAP_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/pkt.h"

typedef struct bb {
    uint8_t b[70000];
    size_t n;
} bb;

static inline void bb_u8(bb *x, unsigned v)
{
    x->b[x->n++] = (uint8_t)v;
}
static inline void bb_be16(bb *x, unsigned v)
{
    bb_u8(x, v >> 8);
    bb_u8(x, v);
}
static inline void bb_be32(bb *x, uint32_t v)
{
    bb_be16(x, v >> 16);
    bb_be16(x, v & 0xffff);
}
static inline void bb_put(bb *x, const void *p, size_t n)
{
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static inline void bb_str(bb *x, const char *s)
{
    bb_put(x, s, strlen(s) + 1);
}

static inline cap_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    cap_addr r = {4, {a, b, c, d}};
    return r;
}
static inline cap_addr v6last(uint8_t last)
{
    cap_addr r = {6, {0x20, 0x01, 0x0d, 0xb8}};
    r.a[15] = last;
    return r;
}

/* UDP header + payload (checksum 0). */
static inline void bb_udp(bb *x, uint16_t sport, uint16_t dport, const void *pl, size_t n)
{
    bb_be16(x, sport);
    bb_be16(x, dport);
    bb_be16(x, (unsigned)(8 + n));
    bb_be16(x, 0);
    bb_put(x, pl, n);
}

/* IPv4 header: total = 20 + body_len; frag_field = MF flag | offset/8. */
static inline void bb_ipv4_hdr(bb *x, cap_addr s, cap_addr d, uint8_t proto, size_t body_len,
                               uint16_t id, uint16_t frag_field)
{
    bb_u8(x, 0x45);
    bb_u8(x, 0);
    bb_be16(x, (unsigned)(20 + body_len));
    bb_be16(x, id);
    bb_be16(x, frag_field);
    bb_u8(x, 64);
    bb_u8(x, proto);
    bb_be16(x, 0);
    bb_put(x, s.a, 4);
    bb_put(x, d.a, 4);
}

static inline void bb_ipv6_hdr(bb *x, cap_addr s, cap_addr d, uint8_t next, size_t plen)
{
    bb_be32(x, 0x60000000u);
    bb_be16(x, (unsigned)plen);
    bb_u8(x, next);
    bb_u8(x, 64);
    bb_put(x, s.a, 16);
    bb_put(x, d.a, 16);
}

static inline void bb_eth(bb *x, uint16_t type)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10};
    bb_put(x, macs, 12);
    bb_be16(x, type);
}

/* Whole IPv4/UDP packet (no link header). */
static inline void bb_ipv4_udp(bb *x, cap_addr s, uint16_t sp, cap_addr d, uint16_t dp,
                               const void *pl, size_t n)
{
    bb_ipv4_hdr(x, s, d, 17, 8 + n, 1, 0);
    bb_udp(x, sp, dp, pl, n);
}

static inline void bb_ipv6_udp(bb *x, cap_addr s, uint16_t sp, cap_addr d, uint16_t dp,
                               const void *pl, size_t n)
{
    bb_ipv6_hdr(x, s, d, 17, 8 + n);
    bb_udp(x, sp, dp, pl, n);
}

/* Ethernet + IPv4 + UDP frame. */
static inline void bb_eth_udp(bb *x, cap_addr s, uint16_t sp, cap_addr d, uint16_t dp,
                              const void *pl, size_t n)
{
    bb_eth(x, s.family == 6 ? 0x86dd : 0x0800);
    if (s.family == 6)
        bb_ipv6_udp(x, s, sp, d, dp, pl, n);
    else
        bb_ipv4_udp(x, s, sp, d, dp, pl, n);
}

/* TFTP packet payloads. */
static inline size_t tftp_data(uint8_t *out, uint16_t block, const void *d, size_t n)
{
    out[0] = 0;
    out[1] = 3;
    out[2] = (uint8_t)(block >> 8);
    out[3] = (uint8_t)block;
    if (n)
        memcpy(out + 4, d, n);
    return n + 4;
}

/* ---- pcap files ---- */

static inline FILE *pcap_create(const char *path, uint32_t linktype)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    uint32_t hdr[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 262144, linktype};
    /* version is two u16 (2, 4) in file byte order */
    uint16_t ver[2] = {2, 4};
    fwrite(&hdr[0], 4, 1, f);
    fwrite(ver, 2, 2, f);
    fwrite(&hdr[2], 4, 4, f);
    return f;
}

static inline void pcap_record(FILE *f, uint32_t sec, uint32_t usec, const void *d, uint32_t caplen,
                               uint32_t len)
{
    uint32_t rh[4] = {sec, usec, caplen, len};
    fwrite(rh, 4, 4, f);
    fwrite(d, 1, caplen, f);
}

#endif
