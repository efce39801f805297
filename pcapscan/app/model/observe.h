/* The scan's observation model: what one input showed, kept compactly (never packets).
 * A worker fills one obs_input per capture; after all inputs the rules pass reads them in packet
 * time order. Memory grows with the number of transfers and TLS sessions, not capture size. */
#ifndef PCAPSCAN_OBSERVE_H
#define PCAPSCAN_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/decode.h"
#include "cap/input.h"
#include "cap/ip.h"
#include "cap/pkt.h"
#include "cap/tcp_stream.h"
#include "cap/tftp.h"
#include "sbd/audit.h"
#include "sbd/cert.h"
#include "sbd/file.h"
#include "sbd/verify.h"
#include "model/certs.h"
#include "model/problems.h"
#include "model/store.h"
#include "model/strpool.h"
#include "lib/kmap.h"

/* Records per chunk of an input's record arrays (a power of two). */
#define OBS_CHUNK 1024

typedef enum { OBS_TFTP, OBS_HTTP } obs_proto;

/* How a file transfer ended, as the report words it. */
#define OBS_XFER_MAP(X)                                                                            \
    X(COMPLETE, "complete")                                                                        \
    X(NOT_FOUND, "not_found")     /* TFTP error 1 or HTTP 404 */                                   \
    X(ERROR, "error")             /* other TFTP error or HTTP status */                            \
    X(NO_RESPONSE, "no_response") /* request seen, the server never answered */                    \
    X(INCOMPLETE, "incomplete")   /* data stopped before the end (capture ended, idle, ...) */     \
    X(EVICTED, "evicted")         /* a tracking limit dropped it */                                \
    X(TOO_LARGE, "too_large")     /* over --max-file-bytes */

typedef enum {
#define OBS_XFER_ENUM(name, text) OBS_XFER_##name,
    OBS_XFER_MAP(OBS_XFER_ENUM)
#undef OBS_XFER_ENUM
} obs_xfer;

const char *obs_xfer_name(obs_xfer x);

/* A complete file's digests: one per distinct content of an input (many transfers of a cluster
 * reset carry the same bytes), shared by its records. */
typedef struct obs_digest {
    uint8_t sha256[32];
    uint8_t md5[16];
} obs_digest;

/* How a transfer ended, as the wire said it: one copy per distinct outcome of an input, shared by
 * the transfers that ended alike (every "File not found" of a reset). Made by obs_input_outcome. */
typedef struct obs_outcome {
    uint64_t missing_blocks;
    const char *error_msg; /* NULL when none (in the input's string pool) */
    int32_t error_code;    /* TFTP error code or HTTP status; -1 none */
    uint32_t blksize;
    bool oack;
} obs_outcome;

/* What few transfers have (packet trouble, --extract, verdict text): kept out of obs_file and
 * made when first set (obs_more_make). Strings are in the input's or the run's string pool. */
typedef struct obs_file_more {
    const char *missing;     /* "3-5,9" (TFTP) or NULL */
    const char *extracted;   /* file name written under --extract, or NULL */
    const char *sig_detail;  /* one line, or NULL (set by the rules pass) */
    const char *parse_error; /* why a signed-looking file did not parse (rules pass) */
    uint32_t dup_blocks, out_of_order, conflict_blocks;
    uint32_t bad_packets; /* TFTP: malformed or cut packets of this transfer, ignored */
} obs_file_more;

/* One TFTP transfer or one HTTP (6970) request: the "file" record of the report. A cluster
 * reset makes hundreds of thousands: the record is kept small (docs/performance.md, "Memory"). */
typedef struct obs_file {
    uint64_t seq; /* order of observation within the input */
    uint64_t first_pkt, last_pkt;
    int64_t ts_usec;            /* time of the request (or first packet) */
    uint64_t size;              /* bytes received (file size when complete) */
    const char *name;           /* as requested, printable (in the input's string pool) */
    const obs_digest *digest;   /* complete only, else NULL (the input's digests) */
    const obs_outcome *outcome; /* never NULL (obs_input_outcome) */
    obs_file_more *more;        /* NULL: all of it zero (read it with obs_more) */
    /* Filled by the rules pass. */
    const char *phone;               /* "SEP<MAC>" or the client address; "" until set */
    const struct obs_file *verifier; /* the ITL/CTL a .sgn was checked against, or NULL */
    const cap_addr *client, *server; /* the input's copies (obs_input_addr), never NULL */
    uint16_t cport, sport;
    uint32_t input;    /* index into the run's inputs */
    uint8_t proto;     /* obs_proto */
    uint8_t name_kind; /* sbd_name_kind */
    uint8_t xfer;      /* obs_xfer */
    int8_t sig;        /* sbd_sig_status: NOT_CHECKED until decided */
    bool complete : 1;
    bool looks_signed : 1;
    bool upload : 1;     /* TFTP WRQ: the client sent the file */
    bool in_store : 1;   /* content kept in the store (signed and within the size limit) */
    bool cut_by_end : 1; /* not finished because the input ended while its sender was still sending
                          */
    bool parsed : 1;     /* content parsed as a signed file (rules pass) */
} obs_file;

extern const obs_file_more obs_more_none;

/* The record's rare fields (all zero when it has none). */
static inline const obs_file_more *obs_more(const obs_file *f)
{
    return f->more ? f->more : &obs_more_none;
}

/* The digests of a complete file, or NULL. */
static inline const uint8_t *obs_sha256(const obs_file *f)
{
    return f->digest ? f->digest->sha256 : NULL;
}

static inline const uint8_t *obs_md5(const obs_file *f)
{
    return f->digest ? f->digest->md5 : NULL;
}

/* The SHA-256 of a complete file, 32 zero bytes for others (as reports name "no content"). */
static inline const uint8_t *obs_sha256_or_zero(const obs_file *f)
{
    static const uint8_t zero[32];
    return f->digest ? f->digest->sha256 : zero;
}

/* The record's rare fields, made (zeroed) when absent; NULL when out of memory. */
obs_file_more *obs_more_make(obs_file *f);

typedef enum { OBS_TLS_NONE, OBS_TLS_CERTS, OBS_TLS_HIDDEN, OBS_TLS_ERROR } obs_tls_kind;

/* One TLS session on a watched port that showed certificates, was TLS 1.3, or failed. */
typedef struct obs_tls {
    uint64_t seq;
    uint64_t first_pkt, pkt; /* connection's first packet; packet that completed the certs */
    int64_t ts_usec;
    const char *sni;   /* in the input's string pool */
    const char *error; /* in the input's string pool */
    obs_cert *certs;   /* leaf first */
    /* The trust engine's verdict on the leaf (set by the rules pass). */
    const struct obs_file *judged_against; /* the list the phone held, or NULL */
    const cap_addr *client, *server;       /* the input's copies (obs_input_addr), never NULL */
    uint16_t cport, sport;
    uint32_t input;
    uint32_t n_certs;
    uint32_t judged_record; /* record index in judged_against, or OBS_NO_RECORD */
    uint16_t version;
    uint8_t kind;      /* obs_tls_kind */
    bool certs_shared; /* certs is a chain of the run's obs_certs table (certs.h), not owned */
    bool judged;
    int8_t verdict; /* sbd_trust_outcome */
} obs_tls;

#define OBS_NO_RECORD UINT32_MAX

/* Counters for the summary: nothing is dropped without being counted. */
typedef struct obs_counts {
    cap_decode_stats decode;
    cap_defrag_stats defrag;
    cap_tftp_stats tftp;
    cap_tcp_stats tcp;
    uint64_t notices[CAP_NOTICE_COUNT];
    uint64_t http_errors, tls_errors;
    uint64_t tls_sessions, tls_no_cert, tls_no_data;
    uint64_t unparsable_files; /* looked signed but did not parse */
    uint64_t content_dropped;  /* signed files over the keep limit (not verified) */
    uint64_t extract_errors;
    uint64_t unanswered_not_listed; /* requests no server answered, past --max-unanswered */
} obs_counts;

/* Values of one fixed size kept once per input, shared by the records that hold the same bytes:
 * found again by their bytes while the input is read (obs_input_seal drops the index), in chunks
 * that never move. */
typedef struct obs_interned {
    kmap index; /* value bytes -> its copy */
    bool indexed;
    void **chunks;
    size_t n, n_chunks;
} obs_interned;

typedef struct obs_input {
    size_t index;
    size_t listed; /* position in the expanded input list before --shard (merge orders by it) */
    char *path;    /* as given or expanded */
    bool open_failed;
    char *open_error;
    cap_input_status end_status;
    uint64_t last_good;
    char *end_msg;
    int linktype;
    int64_t first_ts, last_ts; /* usec; 0 when no frame */
    bool has_digest;           /* the capture file's SHA-256, taken where it was scanned */
    uint8_t sha256[32];
    uint64_t bytes;
    obs_counts counts;
    problem_list problems; /* the first skipped items, by packet */
    /* Records in chunks of OBS_CHUNK that never move (read them with obs_file_at, obs_tls_at):
     * no doubling copy, and pointers to records stay valid while more are added. */
    obs_file **file_chunks;
    size_t n_files, n_file_chunks;
    obs_tls **tls_chunks;
    size_t n_tls, n_tls_chunks;
    strpool text;          /* the records' strings (names, error texts, SNI, ...) */
    obs_interned digests;  /* obs_digest */
    obs_interned outcomes; /* obs_outcome */
    obs_interned addrs;    /* cap_addr */
    uint64_t next_seq;
    store content;    /* signed-file bytes by SHA-256 (moved into the run's store after the scan) */
    obs_certs *certs; /* server chains, shared by the run's inputs (certs.h) */
    bool owns_certs;  /* certs was made for this input alone */
} obs_input;

void obs_input_init(obs_input *in, size_t index, const char *path);
void obs_input_free(obs_input *in);
/* Grow an array (*arr, *n used, *cap allocated) by one zeroed element of elsz bytes; returns it,
 * or NULL when out of memory (the array is unchanged). The scan's and the rules pass's arrays use
 * it. */
void *obs_grow_one(void **arr, size_t *n, size_t *cap, size_t elsz);

/* Append an empty record; NULL when out of memory. */
obs_file *obs_add_file(obs_input *in);
obs_tls *obs_add_tls(obs_input *in);

/* Record i of an input (i < n_files, n_tls). */
static inline obs_file *obs_file_at(const obs_input *in, size_t i)
{
    return &in->file_chunks[i / OBS_CHUNK][i % OBS_CHUNK];
}

static inline obs_tls *obs_tls_at(const obs_input *in, size_t i)
{
    return &in->tls_chunks[i / OBS_CHUNK][i % OBS_CHUNK];
}

/* The input's shared copy of a content's digests; NULL when out of memory. */
const obs_digest *obs_input_digest(obs_input *in, const uint8_t sha256[32], const uint8_t md5[16]);
/* The input's copy of an address (one per distinct address: a phone's transfers share their
 * client's); on running out of memory the unspecified address (family 0) stands for it. */
const cap_addr *obs_input_addr(obs_input *in, const cap_addr *a);
/* The input's copy of a transfer outcome (fields not named zero, padding included: build it
 * with obs_outcome_init); a shared "no error" outcome when out of memory. */
const obs_outcome *obs_input_outcome(obs_input *in, const obs_outcome *o);
void obs_outcome_init(obs_outcome *o);
/* A string kept for the input's records (one copy per distinct string); NULL when out of
 * memory. */
const char *obs_input_text(obs_input *in, const char *s);
/* The input is read: drop the lookup tables that only adding records needs. */
void obs_input_seal(obs_input *in);

#endif
