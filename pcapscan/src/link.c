/* Link layer decoding: Ethernet/VLAN, Linux SLL/SLL2, raw IP, BSD null/loopback. */
#include <pcap/dlt.h>
#include <string.h>

#include "cap/link.h"
#include "sbd/rd.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#define LINKTYPE_RAW 101 /* what some writers leave unmapped */

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88a8,
    ETH_QINQ_OLD = 0x9100,
};

static cap_link_result l3_from_version(const uint8_t *frame, size_t caplen, size_t off, cap_l3 *out)
{
    if (off >= caplen)
        return CAP_LINK_SHORT;
    unsigned v = frame[off] >> 4;
    if (v != 4 && v != 6)
        return CAP_LINK_NOT_IP;
    out->kind = v == 4 ? CAP_L3_IPV4 : CAP_L3_IPV6;
    out->offset = off;
    return CAP_LINK_OK;
}

/* Reads the ethertype at type_off, payload at pay_off, walking any VLAN tags that follow
 * (each tag is TCI + the next ethertype). */
static cap_link_result by_ethertype(const uint8_t *frame, size_t caplen, size_t type_off,
                                    size_t pay_off, cap_l3 *out)
{
    if (type_off + 2 > caplen)
        return CAP_LINK_SHORT;
    uint16_t type = sbd_be16(frame + type_off);
    sbd_rd r = {frame, pay_off, caplen};
    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
        uint16_t tci;
        if (out->n_vlans == CAP_LINK_MAX_VLANS)
            return CAP_LINK_NOT_IP;
        if (!sbd_rd_be16(&r, &tci) || !sbd_rd_be16(&r, &type))
            return CAP_LINK_SHORT;
        out->vlan[out->n_vlans++] = tci & 0x0fff;
    }
    if (type == ETH_IPV4 || type == ETH_IPV6) {
        cap_link_result res = l3_from_version(frame, caplen, r.pos, out);
        if (res == CAP_LINK_OK && out->kind != (type == ETH_IPV4 ? CAP_L3_IPV4 : CAP_L3_IPV6))
            return CAP_LINK_NOT_IP; /* ethertype and version nibble disagree */
        return res;
    }
    return CAP_LINK_NOT_IP;
}

/* BSD address families for IPv6 differ per OS; IPv4 is 2 everywhere. */
static cap_link_result by_bsd_af(uint32_t af, const uint8_t *frame, size_t caplen, cap_l3 *out)
{
    if (af == 2 || af == 24 || af == 28 || af == 30 || af == 10)
        return l3_from_version(frame, caplen, 4, out);
    return CAP_LINK_NOT_IP;
}

int cap_link_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_RAW:
    case LINKTYPE_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:
    case DLT_LOOP:
        return 1;
    default:
        return 0;
    }
}

cap_link_result cap_link_decode(int dlt, const uint8_t *frame, size_t caplen, cap_l3 *out)
{
    memset(out, 0, sizeof *out);
    switch (dlt) {
    case DLT_EN10MB:
        return by_ethertype(frame, caplen, 12, 14, out);
    case DLT_LINUX_SLL: /* 16-byte header, protocol at 14 */
        if (caplen < 16)
            return CAP_LINK_SHORT;
        return by_ethertype(frame, caplen, 14, 16, out);
    case DLT_LINUX_SLL2: /* 20-byte header, protocol at 0 */
        if (caplen < 20)
            return CAP_LINK_SHORT;
        return by_ethertype(frame, caplen, 0, 20, out);
    case DLT_RAW:
    case LINKTYPE_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return l3_from_version(frame, caplen, 0, out);
    case DLT_NULL: { /* host byte order of the capturing machine: accept both */
        if (caplen < 4)
            return CAP_LINK_SHORT;
        uint32_t be = sbd_be32(frame);
        uint32_t le = (uint32_t)frame[0] | (uint32_t)frame[1] << 8 | (uint32_t)frame[2] << 16 |
                      (uint32_t)frame[3] << 24;
        return by_bsd_af(be <= 0xffff ? be : le, frame, caplen, out);
    }
    case DLT_LOOP: /* network byte order */
        if (caplen < 4)
            return CAP_LINK_SHORT;
        return by_bsd_af(sbd_be32(frame), frame, caplen, out);
    default:
        return CAP_LINK_UNKNOWN;
    }
}
