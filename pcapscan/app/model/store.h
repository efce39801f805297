/* Content store: distinct file bytes by SHA-256, each parsed and self-verified at most once.
 * Used for trust lists and signed files only (they are small); other files keep only digests.
 *
 * Threads (-j): a store has no lock. Each input has its own store, filled by the one thread that
 * scans that input; rules_run then moves them all into the run's store on the calling thread
 * (store_move). From then on the store itself only changes on that thread: the -j threads of
 * par_for call store_get, each blob is analysed by exactly one of them (analyse_contents hands
 * out distinct blobs). */
#ifndef PCAPSCAN_STORE_H
#define PCAPSCAN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/cert.h"
#include "sbd/file.h"
#include "sbd/verify.h"

typedef struct blob {
    uint8_t sha256[32];
    uint8_t md5[16]; /* set by the scan, which copies both digests to repeats of the bytes */
    uint8_t *data;
    size_t len;
    /* Analysis, filled once by blob_analyse (on whichever -j thread got this blob). */
    bool analysed;
    bool parsed;
    char parse_error[240];
    sbd_file f;
    sbd_verify_result self; /* trust lists: sbd_verify_trust_list */
    /* Trust lists: each record's certificate, decoded once per distinct certificate of the run
     * (X.509 decoding dominated the run when every transfer and report re-decoded them). */
    const struct obs_cert **rec_cert; /* per record; NULL without a certificate */
} blob;

typedef struct store {
    blob **slots; /* open addressing, power-of-two capacity */
    size_t cap, count;
} store;

void store_init(store *s);
void store_free(store *s);
/* Keep data (ownership passes to the store; a duplicate is freed). Returns the blob, or NULL
 * when out of memory (data freed). */
blob *store_put(store *s, const uint8_t sha256[32], uint8_t *data, size_t len);
blob *store_get(const store *s, const uint8_t sha256[32]);
/* Move every blob of src into dst (duplicates freed); src is left empty. Returns 0 or -1. */
int store_move(store *dst, store *src);

struct obs_certs;

/* Parse (and self-verify trust lists, decode their record certificates) once. Returns
 * b->parsed. Blobs may be analysed in parallel: keys and certs are thread-safe. */
bool blob_analyse(blob *b, sbd_key_cache *keys, struct obs_certs *certs);
/* Record i's certificate facts, or NULL when the record has no decodable certificate. */
const sbd_cert_info *blob_record_cert(const blob *b, size_t i);

#endif
