/* Link layer: finds the network-layer header inside a frame for the supported link types
 * (Ethernet + 802.1Q/QinQ, Linux SLL/SLL2, raw IP, BSD null/loopback). Stateless. */
#ifndef CAP_LINK_H
#define CAP_LINK_H

#include <stddef.h>
#include <stdint.h>

#define CAP_LINK_MAX_VLANS 4 /* deeper tag stacks are refused, not walked */

typedef enum {
    CAP_L3_IPV4 = 4,
    CAP_L3_IPV6 = 6,
} cap_l3_kind;

typedef struct cap_l3 {
    cap_l3_kind kind;
    size_t offset;                     /* where the IP header starts in the frame */
    uint16_t vlan[CAP_LINK_MAX_VLANS]; /* VLAN ids, outermost first */
    uint8_t n_vlans;
} cap_l3;

typedef enum {
    CAP_LINK_OK,      /* *out describes an IPv4/IPv6 header */
    CAP_LINK_NOT_IP,  /* valid frame carrying something else (ARP, LLDP, ...) */
    CAP_LINK_SHORT,   /* the frame ends inside the link header */
    CAP_LINK_UNKNOWN, /* link type not supported */
} cap_link_result;

/* Decode the link header of frame[0..caplen) for DLT value dlt. */
cap_link_result cap_link_decode(int dlt, const uint8_t *frame, size_t caplen, cap_l3 *out);

/* Whether dlt is one of the supported link types. */
int cap_link_supported(int dlt);

#endif
