/* TFTP transfer tracker: follows RRQ/WRQ sessions (RFC 1350, options RFC 2347/2348/2349/7440)
 * across the server's new transfer port and rebuilds each file byte for byte.
 *
 * Feed every UDP cap_pkt of one input with cap_tftp_packet(); transfers are reported through
 * callbacks. All state lives in the cap_tftp context (one per input or thread; no globals).
 * Nothing is capped per file name: every request is its own transfer. */
#ifndef CAP_TFTP_H
#define CAP_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/pkt.h"
#include "sbd/tftp.h"

#define CAP_TFTP_STATUS_MAP(X)                                                                     \
    X(COMPLETE, "complete")     /* every block up to the short last one */                         \
    X(ERROR, "error")           /* an ERROR packet ended it (see error_code/msg) */                \
    X(INCOMPLETE, "incomplete") /* input ended before the last block */                            \
    X(IDLE, "idle timeout")     /* no packet for idle_timeout of capture time */                   \
    X(EVICTED, "evicted")       /* max_transfers reached; the least recent was dropped */          \
    X(TOO_LARGE, "too large")   /* a block beyond max_bytes arrived */                             \
    X(ABANDONED, "abandoned")   /* the client sent a new request from the same port */

typedef enum {
#define CAP_TFTP_ENUM(name, text) CAP_TFTP_##name,
    CAP_TFTP_STATUS_MAP(CAP_TFTP_ENUM)
#undef CAP_TFTP_ENUM
} cap_tftp_status;

const char *cap_tftp_status_name(cap_tftp_status s);

#define CAP_TFTP_MAX_OPTIONS 8
#define CAP_TFTP_MAX_RANGES SBD_TFTP_MISSING_RUNS

typedef struct cap_tftp_option {
    char name[32];
    char value[32];
} cap_tftp_option;

/* A run of missing blocks, absolute numbers (1-based, not wrapped at 65535). */
typedef sbd_tftp_run cap_tftp_range;

/* What a callback sees. Read-only; valid only during the callback. */
typedef struct cap_tftp_transfer {
    uint64_t id;          /* 1, 2, ... in request order within this tracker */
    uint8_t opcode;       /* 1 RRQ (server sends data) or 2 WRQ (client sends data) */
    const char *filename; /* as requested (NUL-terminated, raw bytes, at most 511) */
    char mode[16];        /* "octet", "netascii", ... (lowercased, cut to 15) */
    cap_tftp_option req_options[CAP_TFTP_MAX_OPTIONS]; /* as requested, in order */
    uint8_t n_req_options;
    bool oack; /* the server acknowledged options */
    cap_addr client, server;
    uint16_t client_port, server_port; /* server_port 0: the server never answered */
    cap_where first, last;             /* request packet, most recent packet */
    cap_where last_sent;   /* most recent packet from the side that sends the file (the request
                            * until it speaks): was the sender still going when the input ended? */
    uint32_t blksize;      /* 512 unless negotiated (or inferred: blksize_inferred) */
    bool blksize_inferred; /* no OACK seen, block size taken from the first long DATA */
    int64_t tsize;         /* from OACK (or WRQ request); -1 unknown */
    uint32_t timeout, windowsize; /* negotiated; 0 = not negotiated (windowsize 1 implied) */
    const uint8_t *data;          /* rebuilt file (NULL when on_request declined data) */
    size_t len;                   /* bytes held (for complete transfers, the file size) */
    bool complete;
    bool wrap_to_one;    /* block numbers wrapped 65535 -> 1 (else -> 0 when wrapped) */
    uint64_t blocks;     /* distinct blocks received */
    uint64_t last_block; /* absolute number of the short last block; 0 unknown */
    uint64_t highest_block;
    uint16_t error_code; /* valid when has_error */
    bool has_error, error_from_client;
    char error_msg[128];
    uint32_t dup_blocks;      /* blocks seen again with the same bytes (retransmit or dup) */
    uint32_t conflict_blocks; /* blocks seen again with different bytes (first kept) */
    uint32_t out_of_order;    /* blocks that arrived below the highest block so far */
    uint32_t dup_requests;    /* the same request again from the same port (one read) */
    uint32_t bad_packets;     /* malformed or truncated packets of this transfer, ignored */
    /* Missing blocks up to last_block (or highest_block when the end is unknown, with
     * tail_missing set). ranges lists the first CAP_TFTP_MAX_RANGES; missing_blocks counts all. */
    cap_tftp_range missing[CAP_TFTP_MAX_RANGES];
    uint32_t n_missing;
    bool missing_more; /* more runs than ranges holds */
    uint64_t missing_blocks;
    bool tail_missing; /* the last block was never seen */
} cap_tftp_transfer;

typedef struct cap_tftp_callbacks {
    void *user;
    /* A new request (filename, client, options known). Return false to follow the transfer
     * without keeping its bytes (block accounting still works). May be NULL: keep data. */
    bool (*on_request)(void *user, const cap_tftp_transfer *t);
    /* The transfer ended with status st. Called exactly once per request. */
    void (*on_finished)(void *user, const cap_tftp_transfer *t, cap_tftp_status st);
} cap_tftp_callbacks;

typedef struct cap_tftp_limits {
    size_t max_transfers;      /* concurrent (default 4096) */
    size_t max_bytes;          /* per transfer (default 64 MiB) */
    int64_t idle_timeout_usec; /* capture time without a packet (default 120 s) */
} cap_tftp_limits;

typedef struct cap_tftp_stats {
    uint64_t requests, finished;
    uint64_t by_status[CAP_TFTP_ABANDONED + 1];
    uint64_t stray_packets; /* TFTP-looking packets to port 69 that are not requests */
} cap_tftp_stats;

typedef struct cap_tftp cap_tftp;

/* limits may be NULL (defaults). Returns NULL on out of memory. */
cap_tftp *cap_tftp_new(const cap_tftp_limits *limits, const cap_tftp_callbacks *cb);

/* Offer one packet; non-UDP packets and unrelated UDP are ignored cheaply. */
void cap_tftp_packet(cap_tftp *t, const cap_pkt *p);

/* End of input: every live transfer is finished as INCOMPLETE (callbacks run). */
void cap_tftp_finish(cap_tftp *t);

/* Inside on_finished only: take ownership of the rebuilt bytes (free() them later) instead of
 * copying; t->data is then gone for the rest of the callback. NULL if no data was kept. */
uint8_t *cap_tftp_take_data(cap_tftp *trk, const cap_tftp_transfer *t, size_t *len);

const cap_tftp_stats *cap_tftp_get_stats(const cap_tftp *t);

void cap_tftp_free(cap_tftp *t); /* live transfers are dropped without callbacks */

#endif
