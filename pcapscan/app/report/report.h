/* Outputs of the scan: JSON lines, text report, CSV findings, extraction manifest.
 * docs/output.md documents every field; bump REPORT_FORMAT_VERSION on incompatible changes. */
#ifndef PCAPSCAN_REPORT_H
#define PCAPSCAN_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "model/run.h"

#define REPORT_FORMAT_VERSION 2   /* 2: trust list records in "content" lines (1: --json-inline) */
#define MANIFEST_FORMAT_VERSION 1 /* --extract's manifest.json */

/* The summary object (a new reference). */
json_t *report_summary_json(const run *r);

/* Whether --min-severity lets a finding into the outputs (summary counts stay complete). */
static inline bool report_shown(const run *r, const finding *x)
{
    return !r->o || (int)sbd_rule_severity(x->rule) >= r->o->min_severity;
}

/* Totals shared by the summary object and the text table. */
typedef struct report_totals {
    uint64_t packets, files, files_complete, files_not_found, files_incomplete, files_unparsable;
    uint64_t certs, tls_sessions, tls_hidden;
    uint64_t inputs_failed, inputs_truncated;
} report_totals;
void report_totals_of(const run *r, size_t input, report_totals *t); /* input SIZE_MAX = all */

/* Findings grouped by input (each group in time, then creation order, as run_findings_of) and
 * counted by severity, built once per report in O(n log n). */
typedef struct report_index {
    size_t *order;      /* finding indexes, input by input */
    size_t *start;      /* n_inputs + 1 offsets into order */
    uint64_t (*sev)[3]; /* per input, findings by severity */
} report_index;
int report_index_build(const run *r, report_index *x); /* 0, or -1 when out of memory */
/* The findings of one input: *idx points at their indexes; returns how many. */
size_t report_index_findings(const report_index *x, size_t input, const size_t **idx);
void report_index_free(report_index *x);
/* An input's files grouped by phone (phones in order of first appearance, each phone's files
 * by first packet), in O(n log n). Caller frees; NULL when out of memory. */
const obs_file **report_files_by_phone(const obs_input *in);

/* -1 when a value could not be written (said on stderr): the output is incomplete. */
int report_json(const run *r, FILE *out);
/* The same; reference = true builds each line as a jansson tree and dumps it (tests compare the
 * two byte for byte). */
int report_json_as(const run *r, FILE *out, bool reference);
void report_text(const run *r, FILE *out);
int report_csv(const run *r, const char *path); /* 0 or -1 (message on stderr) */
/* Self-contained HTML evidence page (out_html.c). 0 or -1 (message on stderr). */
int report_html(const run *r, const char *path);
/* Server certs as DER and manifest.json (files were written during the scan). 0 or -1. */
struct extractor;
int report_extract_finish(const run *r, struct extractor *x);

/* Everything r->o asks for (stdout, --csv, --html, --extract's certificates and manifest; closes
 * the extractor) and the exit code: 2 when an input or an output failed or a folder held no
 * capture (2 wins over 1), 1 with an error finding, else 0. */
int report_outputs(const run *r);

#endif
