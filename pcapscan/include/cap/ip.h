/* IPv4/IPv6 header parsing and bounded fragment reassembly.
 * cap_ip_parse is stateless; a cap_defrag context holds the live reassemblies of one input. */
#ifndef CAP_IP_H
#define CAP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/pkt.h"

/* One parsed IP packet (or a reassembled datagram). */
typedef struct cap_ip {
    cap_addr src, dst;
    uint8_t proto;          /* upper-layer protocol after IPv6 extension headers */
    const uint8_t *payload; /* borrowed: the frame, or the defrag buffer until the next add */
    size_t payload_len;     /* bytes available (captured and within the IP length) */
    bool truncated;         /* the capture holds fewer bytes than the IP length claims */
    /* Fragment info (is_fragment false for whole datagrams). */
    bool is_fragment;
    bool more_fragments;
    uint32_t frag_offset; /* bytes */
    uint32_t frag_id;     /* IPv4 16-bit id or IPv6 32-bit id */
} cap_ip;

typedef enum {
    CAP_IP_OK,
    CAP_IP_SHORT,     /* header cut by the capture */
    CAP_IP_MALFORMED, /* bad version, header length, or extension header chain */
} cap_ip_result;

/* Parse the header at p[0..caplen). wirelen = bytes the link said are on the wire from p on
 * (>= caplen); the IP total length is trusted only when consistent with both. */
cap_ip_result cap_ip_parse(const uint8_t *p, size_t caplen, size_t wirelen, cap_ip *out);

/* Reassembly limits; zero fields take the defaults shown. */
typedef struct cap_defrag_limits {
    size_t max_datagrams; /* concurrent reassemblies (64); the oldest is evicted when full */
    size_t max_bytes;     /* payload bytes per datagram (65535); more is dropped and counted */
    int64_t timeout_usec; /* by capture time since the last fragment (30 s) */
} cap_defrag_limits;

/* Every drop is counted here; nothing is discarded silently. */
typedef struct cap_defrag_stats {
    uint64_t fragments;   /* fragments offered */
    uint64_t reassembled; /* datagrams completed */
    uint64_t overlaps;    /* fragments overlapping bytes already held (first copy kept) */
    uint64_t conflicts;   /* ...of which the overlapping bytes differed */
    uint64_t evicted;     /* datagrams dropped because max_datagrams was reached */
    uint64_t timed_out;   /* datagrams dropped by timeout */
    uint64_t too_big;     /* fragments beyond max_bytes (datagram dropped) */
    uint64_t truncated;   /* fragments cut by the capture (datagram cannot complete) */
    uint64_t pending;     /* datagrams still incomplete when counted (set by cap_defrag_flush) */
} cap_defrag_stats;

typedef struct cap_defrag cap_defrag;

cap_defrag *cap_defrag_new(const cap_defrag_limits *limits); /* limits may be NULL */
void cap_defrag_free(cap_defrag *d);

typedef enum {
    CAP_DEFRAG_PENDING,  /* held; more fragments needed */
    CAP_DEFRAG_COMPLETE, /* *whole filled; payload valid until the next cap_defrag_add */
    CAP_DEFRAG_DROPPED,  /* not usable (too big, truncated, inconsistent); counted in stats */
} cap_defrag_result;

/* Add fragment frag (from cap_ip_parse with is_fragment) seen at capture time now_usec.
 * Also expires reassemblies idle longer than the timeout. */
cap_defrag_result cap_defrag_add(cap_defrag *d, const cap_ip *frag, int64_t now_usec,
                                 cap_ip *whole);

/* Drop everything still pending (end of input); counts them in stats.pending. */
void cap_defrag_flush(cap_defrag *d);

const cap_defrag_stats *cap_defrag_get_stats(const cap_defrag *d);

#endif
