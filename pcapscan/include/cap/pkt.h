/* One decoded packet as the capture layer hands it to transport consumers (TFTP, TCP). */
#ifndef CAP_PKT_H
#define CAP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct cap_addr {
    uint8_t family; /* 4 or 6 */
    uint8_t a[16];  /* IPv4 in a[0..3] */
} cap_addr;

/* Where a packet came from, for findings: "capture.pcap #123". */
typedef struct cap_where {
    const char *capture; /* input name as given by the user */
    uint64_t pkt_no;     /* 1-based frame number */
    int64_t ts_sec;
    int32_t ts_usec;
} cap_where;

enum { CAP_TCP_FIN = 0x01, CAP_TCP_SYN = 0x02, CAP_TCP_RST = 0x04, CAP_TCP_ACK = 0x10 };

typedef struct cap_pkt {
    cap_where where;
    cap_addr src, dst;
    uint8_t ip_proto; /* 6 TCP, 17 UDP */
    uint16_t sport, dport;
    const uint8_t *payload; /* L4 payload, borrowed until the next packet */
    size_t payload_len;
    bool truncated; /* the capture cut this packet (caplen < len): payload is short */
    uint32_t tcp_seq, tcp_ack;
    uint8_t tcp_flags;
} cap_pkt;

/* "127.0.0.1:69" or "[::1]:69"; port 0 prints the address alone. Returns out. */
char *cap_addr_str(const cap_addr *a, uint16_t port, char *out, size_t outsz);
/* Inline: flow lookups compare addresses on every packet. */
static inline bool cap_addr_equal(const cap_addr *a, const cap_addr *b)
{
    if (a->family != b->family)
        return false;
    return a->family == 6 ? memcmp(a->a, b->a, 16) == 0 : memcmp(a->a, b->a, 4) == 0;
}

#endif
