/* Internals of the HTML evidence report (`--html FILE`): the page's view of a run and the two SVG
 * drawings (a phone's boot timeline, certificate validity bars).
 * The page itself is out_html.c; the drawings are out_html_svg.c. */
#ifndef PCAPSCAN_OUT_HTML_H
#define PCAPSCAN_OUT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/escape.h" /* esc_html: the only way capture text reaches the page */
#include "lib/kmap.h"
#include "model/run.h"

/* How an event or a certificate turned out, as the drawings colour it. */
typedef enum { HTML_MARK_OK, HTML_MARK_WARN, HTML_MARK_FAIL, HTML_MARK_NEUTRAL } html_mark;

const char *html_mark_class(html_mark m); /* "ok", "warn", "fail", "neutral" */

/* One row of a phone's timeline: a request or a TLS session. */
typedef struct html_event {
    int64_t ts_usec;
    const char *what;   /* "CTL request", "TVS session", ...: our words */
    const char *name;   /* file name or server: from the capture, escaped when drawn */
    const char *status; /* our words: "not found", "complete, signature valid", ... */
    html_mark mark;
    uint64_t pkt;    /* first packet */
    bool tls;        /* a TLS session (anchor in the TLS servers section), else a file */
    char anchor[48]; /* id of the evidence row it links to ("" = none) */
} html_event;

/* Timeline with one row per event, time on the x axis (seconds after the first event). */
void html_svg_timeline(FILE *out, const html_event *ev, size_t n);

/* One certificate of the validity drawing. */
typedef struct html_validity {
    const char *label; /* from the capture: escaped when drawn */
    int64_t not_before, not_after;
} html_validity;

/* Validity bars on a calendar axis with "capture" and "today" marked; each bar is coloured by
 * its state at capture time (expired, expires within warn_days, valid). */
void html_svg_validity(FILE *out, const html_validity *v, size_t n, int64_t capture, int64_t today,
                       int warn_days);

/* ---- the page's view of a run (built once by out_html.c, read by every section) ---- */

/* A finding indexed by the observation it names (a file or a TLS session). */
typedef struct html_ref {
    const void *obj;
    size_t finding;
} html_ref;

/* A distinct trust list (by SHA-256) and where it was first served. */
typedef struct html_list {
    const blob *b;
    const obs_file *first;
    bool ctl;
    size_t cluster;    /* 0-based, in order of first appearance (out_html_cluster.c) */
    bool show_cluster; /* the run holds several clusters: labels name the cluster */
    int version;       /* 1-based order of first appearance among its cluster's ITLs (or CTLs) */
    size_t phones;     /* distinct phones it was served to */
} html_list;

typedef struct html_doc {
    const run *r;
    FILE *out;
    int64_t today; /* Unix seconds: --now, else the wall clock */
    html_ref *refs;
    size_t n_refs;
    const obs_file **files; /* every file of every input, in packet-time order */
    size_t n_files;
    html_list *lists; /* in order of first appearance */
    size_t n_lists;
    size_t n_clusters;
    kmap list_ids; /* SHA-256 -> index into lists (a lookup per file, not a scan of them) */
} html_doc;

/* Worst severity of the findings naming obj (-1 when none); *rule gets that finding's rule. */
int html_worst(const html_doc *d, const void *obj, sbd_rule *rule);
/* Does a finding of this rule name obj? */
bool html_has_rule(const html_doc *d, const void *obj, sbd_rule rule);
/* The distinct trust list with this content, or NULL. */
const html_list *html_list_of(const html_doc *d, const uint8_t sha256[32]);
/* Group the lists into clusters and number their versions (out_html_cluster.c). 0 or -1 (out of
 * memory). */
int html_build_clusters(html_doc *d);
/* What identifies cluster c: its list signers (SAST certificates), the servers and captures that
 * served its lists, how many phones got them. */
void html_cluster_identity(const html_doc *d, size_t c);
/* "ITL v2" / "CTL v1"; "cluster 2 ITL v1" when the run holds several clusters. */
const char *html_list_label(const html_list *l, char *out, size_t outsz);

/* The CN of a subject, "CN=x;OU=y" (trust list records, any order) or RFC 4514 "CN=x,OU=y"
 * (an escaped "\\," stays in it); the first attribute when it has no CN. Returns out. */
const char *html_cn(const char *subject, char *out, size_t outsz);
/* Anchors (ids) of the evidence rows. */
char *html_file_anchor(const obs_file *f, char *out, size_t outsz);
char *html_tls_anchor(const obs_tls *t, char *out, size_t outsz);
char *html_list_anchor(const uint8_t sha256[32], char *out, size_t outsz);
/* "2026-11-26 18:24:10.840". */
char *html_clock(int64_t usec, char *out, size_t outsz);
/* A <span class="badge CLASS">TEXT</span> (text is ours, not escaped). */
void html_badge(FILE *out, const char *cls, const char *text);

/* Sections (out_html_sections.c). */
void html_section_cluster(const html_doc *d);
void html_section_phones(const html_doc *d);
void html_section_trust_files(const html_doc *d);
void html_section_tls(const html_doc *d);

#endif
