/* The trust engine: what each phone holds (CTL, ITL) and what it will accept, decided event by
 * event in the order a capture shows them. pcapscan and the Wireshark plugin feed it the same
 * events (trust-file transfers, TLS server certificates) and report its decisions; neither decides
 * anything itself. docs/trust-rules.md states every rule with its source.
 *
 * Phones are keyed by MAC (from SEP<MAC> file names) and by client address when no name carries
 * one: a client address seen in a request for a per-MAC file is bound to that MAC. Lists are
 * borrowed from the caller (sbd_file and its buffer must outlive the engine) and compared by
 * SHA-256, so the same content is analysed once. */
#ifndef SBD_TRUST_H
#define SBD_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/audit.h"
#include "sbd/cert.h"
#include "sbd/file.h"
#include "sbd/services.h"
#include "sbd/verify.h"

typedef struct sbd_trust sbd_trust;

typedef struct sbd_trust_opts {
    bool has_now; /* judge expiry at `now` (Unix seconds) instead of each event's time */
    int64_t now;
    int expiry_warn_days; /* CERT_EXPIRES_SOON window; 0 turns it off */
    sbd_key_cache *keys;  /* borrowed, may be NULL */
    /* Words only where a report reads them: a decision's reason and key are "" unless it has a
     * rule, is a signed file's verdict other than valid, or rejects a list whose own signature
     * fails (a batch report; a display that shows every decision leaves this false). */
    bool terse;
} sbd_trust_opts;

/* Where an event was seen. user is the caller's own pointer, handed back in decisions. */
typedef struct sbd_trust_at {
    size_t input;    /* capture index (0 with one capture) */
    uint64_t packet; /* 1-based packet number */
    int64_t ts_usec;
    void *user;
} sbd_trust_at;

typedef enum {
    SBD_XFER_COMPLETE,
    SBD_XFER_NOT_FOUND, /* the server answered "file not found" */
    SBD_XFER_FAILED,    /* the transfer did not finish (incomplete, no answer, evicted, too big) */
    SBD_XFER_OTHER,     /* anything else the phone did not get (refused upload, error code) */
} sbd_trust_xfer;

/* A file the phone requested. */
typedef struct sbd_trust_file_ev {
    sbd_trust_at at;
    const char *client; /* the phone's address, scoped by the caller (e.g. "0|10.0.0.5") */
    const char *server; /* the TFTP/HTTP server's address, same scoping (may be NULL) */
    const char *name;   /* the requested file name */
    sbd_trust_xfer xfer;
    const sbd_file *file;  /* the parsed content of a complete transfer, else NULL */
    const uint8_t *sha256; /* SHA-256 of the content when file != NULL */
    bool signed_content;   /* the content looks like a Cisco signed file (even when unparsable) */
    /* With xfer SBD_XFER_FAILED: data had come, the last block had not, and the sender was heard
     * shortly before the capture's last packet: the capture, not the transfer, stopped. */
    bool cut_by_capture_end;
    /* Optional, for a caller that has decoded the certificates of a list's records already: the
     * one of record i (NULL: not decoded). Asked once per distinct list; without it (or for a
     * NULL answer) the engine decodes the record's certificate itself. */
    const sbd_cert_info *(*record_cert)(const void *ctx, size_t i);
    const void *record_cert_ctx;
    /* Facts of a transfer that did not finish, for the sentence the engine writes about it; each
     * is optional (a front end that does not know one leaves it unset and the sentence reads
     * right without it). */
    const char *proto;    /* "TFTP", "HTTP" */
    const char *failure;  /* how it ended: "incomplete", "no_response", "evicted", "too_large" */
    bool has_bytes;       /* bytes is known */
    uint64_t bytes;       /* file bytes received (the furthest byte of the data seen) */
    const char *missing;  /* TFTP blocks never seen: "3-5,9", "last block never seen", ... */
    uint64_t last_packet; /* with cut_by_capture_end: the input's last packet number, 0 unknown */
} sbd_trust_file_ev;

/* Whether the capture's end, not the transfer, stopped a transfer that had data but not its end
 * (cut_by_capture_end above): its sender was heard within 5 s of the capture's last packet
 * (phones and CUCM retransmit a TFTP block after a few seconds) or within twice a longer
 * negotiated TFTP timeout (timeout_sec; 0 for HTTP). A sender silent for longer had stopped
 * (a phone repeats its ACK for 20 s to a server that is gone). */
bool sbd_trust_cut_by_capture_end(int64_t capture_end_usec, int64_t last_sent_usec,
                                  uint32_t timeout_sec);

/* A TLS server seen by a phone. leaf NULL and hidden true: TLS 1.3, certificate encrypted. */
typedef struct sbd_trust_tls_ev {
    sbd_trust_at at;
    const char *client;
    const char *server; /* server address, scoped like the file events' */
    uint16_t port;
    sbd_service service;
    bool hidden;
    const sbd_cert_info *const *chain; /* decoded certificates, leaf first; NULL entries skipped */
    size_t n_chain;
} sbd_trust_tls_ev;

#define SBD_OUTCOME_MAP(X)                                                                         \
    X(LIST_FIRST, "accepted_first", "accepted: the phone held no list of this kind")               \
    X(LIST_SAME, "same", "the list the phone already holds")                                       \
    X(LIST_DIRECT, "accepted_direct", "accepted: signed by a record of the held list")             \
    X(LIST_PENDING, "pending_tvs", "signer not in the held list: the phone asks the TVS")          \
    X(LIST_VIA_TVS, "accepted_via_tvs", "accepted: the TVS matches the held ITL")                  \
    X(LIST_REFUSED, "refused", "refused: the phone keeps the list it holds")                       \
    X(LIST_UNDECIDED, "undecided", "no TVS session followed: not known whether it was accepted")   \
    X(LIST_INVALID, "rejected_invalid", "rejected: the list's own signature does not verify")      \
    X(SIGNED_VALID, "valid", "verified with a record of the held list")                            \
    X(SIGNED_INVALID, "invalid", "the signature does not verify with the held list's record")      \
    X(SIGNED_SIGNER_UNKNOWN, "signer_unknown", "the signer is no record of the held list")         \
    X(SIGNED_ANY_SIGNER, "rollback_accepts", "the held rollback ITL makes the phone accept it")    \
    X(SIGNED_NO_LIST, "not_checked", "the phone holds no list to check it with")                   \
    X(SERVER_IN_LIST, "in_list", "the certificate is the expected record of the held list")        \
    X(SERVER_NOT_IN_LIST, "not_in_list", "the certificate is no expected record of the held list") \
    X(SERVER_HASH_DIFFERS, "hash_differs",                                                         \
      "issuer and serial match a record but the hash does not")                                    \
    X(SERVER_NO_LIST, "no_list", "no list known to judge the server with")                         \
    X(SERVER_HIDDEN, "hidden", "TLS 1.3: the certificate is encrypted")                            \
    X(CERT_EXPIRED, "expired", "the certificate had expired")                                      \
    X(CERT_EXPIRING, "expires_soon", "the certificate expires soon")                               \
    X(XFER_FAILED, "transfer_failed", "the phone did not get the file")                            \
    X(XFER_CUT, "transfer_cut", "the capture ended while the file was still coming")               \
    X(FALLBACK, "fallback", "per-phone file not found, cluster-wide file fetched")                 \
    X(LIST_TOO_LARGE, "too_large", "the ITL is over the phones' limit")                            \
    X(ROLLBACK_SERVED, "rollback", "a rollback ITL was served")                                    \
    X(RECOVERY_SIGNED, "itl_recovery_signed", "signed by an ITLRecovery record of the held list")  \
    X(CTL_STALE, "ctl_not_updated", "the held CTL and ITL list different CallManager certificates")

typedef enum {
#define SBD_OUTCOME_ENUM(id, word, text) SBD_OUT_##id,
    SBD_OUTCOME_MAP(SBD_OUTCOME_ENUM)
#undef SBD_OUTCOME_ENUM
        SBD_OUT_COUNT
} sbd_trust_outcome;

const char *sbd_trust_outcome_word(sbd_trust_outcome o); /* "accepted_direct", ... */
const char *sbd_trust_outcome_text(sbd_trust_outcome o);

/* A list the engine knows, as evidence: where the phone got it. */
typedef struct sbd_trust_list_ref {
    sbd_trust_at at;
    const char *name;      /* requested file name (the engine's copy) */
    const uint8_t *sha256; /* the content's (32 bytes, the engine's: a phone holds 2 or 3 refs) */
    bool set;
    bool is_ctl;
} sbd_trust_list_ref;

#define SBD_TRUST_NO_RECORD ((size_t)-1)

/* One decision. Pointers live until the callback returns. */
typedef struct sbd_trust_decision {
    sbd_trust_outcome outcome;
    sbd_rule rule;           /* SBD_RULE_COUNT: nothing to report, the decision is for the record */
    const char *phone;       /* MAC ("SEP...") or client address */
    sbd_trust_at at;         /* the event decided (for a pending list: the list's transfer) */
    const char *file;        /* the file name of a file event, else NULL */
    sbd_trust_list_ref held; /* the list judged against, or the list kept when refusing */
    size_t record;           /* index of the deciding record in `held`, or SBD_TRUST_NO_RECORD */
    bool has_cause;          /* a later event that settled it (the TVS session of a pending list) */
    sbd_trust_at cause;
    const sbd_cert_info *cert; /* the certificate concerned (servers, expiry) */
    sbd_service service;
    sbd_sig_status sig; /* lists: their own signature; signed files: the check against `held` */
    const char *key;    /* identifies what was decided about, for reports that count repeats */
    const char *reason; /* one line for people */
} sbd_trust_decision;

typedef void (*sbd_trust_sink)(void *ctx, const sbd_trust_decision *d);

/* ---- One finding, however many decisions report it ----
 * The engine decides every event; a report shows each finding once. Decisions with the same
 * finding identity are one finding: the first one's words are shown, the rest are repeats
 * (counted, their packets named). Every front end dedupes by this identity, so they show the same
 * findings. */

/* The rules counted once per capture, whichever phones they concern (an expired certificate in
 * every phone's ITL is one finding). */
bool sbd_trust_counted_per_capture(sbd_rule rule);
/* The identity of the finding of (rule, input, who, key): rule, input, the phone `who` unless the
 * rule is counted per capture, and the decision's key, written into out (NUL-terminated, cut to
 * outsz). Returns the length of the whole identity (as snprintf), negative on error. */
int sbd_trust_finding_id(sbd_rule rule, size_t input, const char *who, const char *key, char *out,
                         size_t outsz);

/* NULL when out of memory. opts may be NULL (no expiry window, packet time). */
sbd_trust *sbd_trust_new(const sbd_trust_opts *opts, sbd_trust_sink sink, void *ctx);
void sbd_trust_free(sbd_trust *t);

/* Bind a client address to a MAC ahead of the events (a batch reader that knows every request of
 * a capture); live readers let the engine learn bindings from the requests as they come. */
void sbd_trust_bind_client(sbd_trust *t, const char *client, const char *mac);

/* The phone label an event from `client` (and file name, may be NULL) is attributed to. */
const char *sbd_trust_phone_of(sbd_trust *t, const char *client, const char *name);

/* Forget a phone (a long watch bounds its state): a list it was asking the TVS about is settled
 * first, as at the end of the events; client bindings to its MAC go too. A phone seen again
 * starts from nothing. */
void sbd_trust_forget(sbd_trust *t, const char *phone);

void sbd_trust_file(sbd_trust *t, const sbd_trust_file_ev *ev);
void sbd_trust_tls(sbd_trust *t, const sbd_trust_tls_ev *ev);
/* End of the events: lists still waiting for a TVS session are decided (LIST_UNDECIDED, or
 * settled by the first TVS certificate served after them to any client). */
void sbd_trust_finish(sbd_trust *t);

/* ---- Questions about a single list, for displays that show a file on its own ---- */

/* An ITLRecovery record: SAST function and a subject naming ITLRecovery (CUCM's
 * "ITLRECOVERY_<node>"). */
bool sbd_trust_record_is_itl_recovery(const sbd_file *tl, const sbd_record *r);
/* Index of the first ITLRecovery record, or SBD_TRUST_NO_RECORD. */
size_t sbd_trust_find_itl_recovery(const sbd_file *tl);

#endif
