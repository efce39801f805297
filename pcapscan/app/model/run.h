/* One pcapscan run: every input's observations, the shared content store, and the findings the
 * rules pass derived from them (in packet-time order across all inputs). */
#ifndef PCAPSCAN_RUN_H
#define PCAPSCAN_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "model/observe.h"
#include "model/settings.h"
#include "sbd/audit.h"
#include "sbd/trust.h"
#include "model/store.h"
#include "model/strpool.h"

#define FINDING_MAX_PACKETS 8
#define FINDING_INLINE_PACKETS 2 /* most findings name one or two packets */

/* One finding (about 112 B, its message in the run's text pool): a cluster reset makes one or
 * two per phone. */
typedef struct finding {
    int64_t ts_usec;
    uint64_t occurrences; /* the same finding seen again (same phone, content or cert) */
    /* Evidence: packets 0..n_packets-1 (read them with finding_packet). */
    uint64_t packets[FINDING_INLINE_PACKETS];
    uint64_t *more_packets; /* packets FINDING_INLINE_PACKETS.., or NULL */
    const char *phone;      /* in the run's text pool; "" for none */
    const char *msg;        /* in the run's text pool, coded: read it with finding_message */
    const obs_file *file;
    const obs_cert *cert;
    const obs_tls *tls;
    /* ITL A (continuity), the trust list a cert was checked against, or NULL. */
    const obs_file *related;
    const char *related_what; /* "previous_itl", "trust_list", "not_found_request" */
    size_t input;
    sbd_rule rule;
    uint32_t n_packets;
} finding;

/* A finding's msg starts with one of these: FINDING_MSG_WHOLE and the text, or FINDING_MSG_CODED,
 * the lengths (uint16_t) of the prefix and the suffix it shares with base (a whole message's text,
 * const char *), base, then the text between them. Copied with memcpy: the pool packs bytes. */
#define FINDING_MSG_WHOLE '\x00'
#define FINDING_MSG_CODED '\x01'

/* The longest message a finding has (the rules pass formats them in this much). */
#define FINDING_MESSAGE_MAX 1024

/* A finding's message: buf holds it when it was kept as the part that differs from an earlier
 * message of the same rule (a reset repeats each message for every phone with a few names
 * changed); the return value is the text either way. */
const char *finding_message(const finding *x, char buf[FINDING_MESSAGE_MAX]);
/* The msg for a finding whose message is text (at most FINDING_MESSAGE_MAX - 1 bytes are kept),
 * in pool: coded against *base (the last whole message of the finding's rule) when they share
 * enough, else whole, and then *base becomes it. NULL when out of memory. */
const char *finding_keep_message(strpool *pool, const char **base, const char *text);

static inline uint64_t finding_packet(const finding *x, size_t i)
{
    return i < FINDING_INLINE_PACKETS ? x->packets[i] : x->more_packets[i - FINDING_INLINE_PACKETS];
}

/* A trust-list decision of the engine for one phone: what it was offered, what it held, and
 * what it did (sbd_trust_outcome: accepted_first, same, accepted_direct, pending_tvs, ...). */
typedef struct run_move {
    int outcome;
    const obs_file *to;   /* the list offered */
    const obs_file *from; /* the list held then (NULL: none) */
    const obs_tls *tvs;   /* the TVS session that settled a pending list, or NULL */
    const char *phone;    /* in the run's phones pool */
} run_move;

typedef struct run {
    const scan_opts *o;
    obs_input *inputs;
    size_t n_inputs;
    store content;           /* all inputs' signed-file bytes */
    struct obs_certs *certs; /* server chains shared by the inputs (certs.h); NULL after merge */
    sbd_key_cache *keys;     /* verification keys of trust-list records, made by rules_run */
    finding *findings;
    size_t n_findings, cap_findings;
    uint64_t by_severity[3];
    bool no_capture_dir; /* a folder given held no capture: exit 2 */
    uint64_t by_rule[SBD_RULE_COUNT];
    run_move *moves; /* in decision order; only kept for the HTML report, its one reader */
    size_t n_moves, cap_moves;
    strpool text; /* phone labels (one copy per phone), verdict details, parse errors */
} run;

/* Everything a run holds (made by the scan, merge or live). */
void run_free(run *r);

/* Files of an input sorted by first packet (pointers into the input). Caller frees. */
const obs_file **run_sorted_files(const obs_input *in);

/* Signature word of the JSON contract for a file ("valid", "invalid", "signer_unknown",
 * "not_signed", "not_checked"). */
const char *run_sig_word(const obs_file *f);
/* "itl", "ctl", "sgn", "enc_sgn" or "other": from the content when parsed, else the name. */
const char *run_kind_word(const run *r, const obs_file *f);
/* The stored bytes of a file (signed, within the keep limit), parsed or not; NULL for others. */
const blob *run_kept(const run *r, const obs_file *f);
/* The stored content of a file when it parsed, or NULL. */
const blob *run_blob(const run *r, const obs_file *f);
/* Parsed content of a file, or NULL. */
const sbd_file *run_parsed(const run *r, const obs_file *f);
/* Certificate facts of record i of a parsed trust list (decoded once per content), or NULL. */
const sbd_cert_info *run_record_cert(const run *r, const obs_file *f, size_t i);

/* "10.0.0.1:69" / "[fd00::1]:6970". */
char *run_endpoint(const cap_addr *a, uint16_t port, char *out, size_t outsz);

/* The order the rules pass feeds the engine in (packet time, then input, then order of observation
 * within the input); every view that lists events "in the order decided" sorts with it. */
static inline int run_cmp_order(int64_t ts_a, size_t in_a, uint64_t seq_a, int64_t ts_b,
                                size_t in_b, uint64_t seq_b)
{
    if (ts_a != ts_b)
        return ts_a < ts_b ? -1 : 1;
    if (in_a != in_b)
        return in_a < in_b ? -1 : 1;
    return seq_a < seq_b ? -1 : seq_a > seq_b;
}

#endif
