/* Observations as JSON: the extra fields `--json --json-content` writes next to the report
 * objects, and the reader `pcapscan merge` uses to rebuild obs_input records from them, so the
 * rules pass (rules.c) runs unchanged over observations from several shards.
 * docs/output.md ("--json-content") documents every field. */
#ifndef PCAPSCAN_OBS_JSON_H
#define PCAPSCAN_OBS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/jw.h"
#include "lib/kmap.h"
#include "model/run.h"
#include "report/jw_fields.h"

/* ---- writing (called by out_json.c when r->o->json_content) ---- */

/* One output's memory of the contents and certificates already written, so each distinct one
 * is written once per results file (a fleet serves the same ITL and TVS chain to every phone). */
typedef struct obs_json_writer obs_json_writer;
obs_json_writer *obs_json_writer_new(void); /* NULL when out of memory: content is then repeated */
void obs_json_writer_free(obs_json_writer *w);

/* Into an open "file" object: input, seq, time_usec; with_content (format 1) also the kept
 * bytes: content (base64) the first time, content_kept afterwards. */
void obs_json_put_file(obs_json_writer *ow, jw *w, const run *r, const obs_file *f,
                       bool with_content);
/* Into an open "content" object (format 2): data, the bytes in base64. */
void obs_json_put_content(jw *w, const blob *b);
/* A "tls_session" line (every kind; certificates as base64 DER, {"sha256"} when repeated). */
void obs_json_tls_line(obs_json_writer *ow, jw *w, jw_addrs *addrs, const run *r, const obs_tls *t);
/* summary per_input[]: input, first/last_time_usec, tls_sessions. */
void obs_json_add_input(json_t *o, const obs_input *in);
/* summary: "merge" {now, expiry_days, shard} (the options the rules depend on). */
void obs_json_add_summary(json_t *o, const run *r);

/* ---- reading (pcapscan merge) ---- */

typedef struct obs_json_set {
    store content; /* file bytes by SHA-256, moved into the run */
    /* Distinct certificates, each decoded once and shared by every session that serves or names
     * it (a {"sha256"} reference costs a pointer, not a copy); moved into the run. */
    struct obs_certs *certs;
    kmap cert_ids;                     /* SHA-256 -> index into cert_by_id */
    struct obs_json_cert **cert_by_id; /* SHA-256 (the map's keys) and the table's certificate */
    size_t n_certs, cap_certs;
    obs_input **inputs; /* each from one results file's summary */
    size_t *source;     /* results file number of inputs[i] */
    size_t n, cap;
    bool opts_seen;   /* a summary "merge" object was read */
    bool opts_differ; /* two results files were judged with different --now/--expiry-days */
    bool has_now;
    int64_t now;
    int expiry_days;
} obs_json_set;

/* Read one results file (JSON lines of `pcapscan --json --json-content`, "-" = stdin).
 * file_no numbers the results files (it orders inputs with the same list position).
 * Returns 0, or -1 with a one-line reason (path and line number) in err. */
int obs_json_read(const char *path, size_t file_no, obs_json_set *set, char *err, size_t errsz);

/* Move the inputs into r (r->inputs, indexes in list order), leaving set empty. 0 or -1 (OOM). */
int obs_json_take(obs_json_set *set, run *r);
void obs_json_set_free(obs_json_set *set);

#endif
