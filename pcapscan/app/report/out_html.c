/* HTML evidence report (`--html FILE`): one self-contained page for a TAC case, written from the
 * same run the text and JSON reports use. Verdict first (every finding with its rule, what it
 * means for the phones and links to its evidence), then the cluster view, each phone's boot
 * timeline, each trust file and each TLS server. Inline CSS and SVG only: no script, no fetch.
 * The page is XHTML that HTML parsers read too, so `xmllint --noout` checks it is well formed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/out_html.h"
#include "report/report.h"
#include "lib/util.h"

#ifndef SBD_VERSION
#define SBD_VERSION "0.0.0"
#endif

/* Inputs up to this count are listed in the header; more go in their own section after the
 * verdict, so the verdict stays at the top of the page. */
#define HTML_HEADER_INPUTS 8
/* Instances listed under a rule's card; the rest are counted. */
#define HTML_LISTED 50
/* Warnings or errors of one rule beyond this count share one card (info findings always do). */
#define HTML_GROUP_MIN 10
/* Distinct servers a grouped card names; the rest are counted. */
#define HTML_GROUP_SERVERS 6

/* ---- the doc: indexes over the run --------------------------------------------------------------
 */

static int cmp_ref(const void *a, const void *b)
{
    const html_ref *x = a, *y = b;
    if (x->obj != y->obj)
        return (uintptr_t)x->obj < (uintptr_t)y->obj ? -1 : 1;
    return x->finding < y->finding ? -1 : x->finding > y->finding;
}

static int cmp_file_time(const void *a, const void *b)
{
    const obs_file *x = *(const obs_file *const *)a, *y = *(const obs_file *const *)b;
    return run_cmp_order(x->ts_usec, x->input, x->seq, y->ts_usec, y->input, y->seq);
}

static int build_refs(html_doc *d)
{
    const run *r = d->r;
    d->refs = calloc(2 * r->n_findings + 1, sizeof *d->refs);
    if (!d->refs)
        return -1;
    for (size_t i = 0; i < r->n_findings; i++) {
        if (r->findings[i].file)
            d->refs[d->n_refs++] = (html_ref){r->findings[i].file, i};
        if (r->findings[i].tls)
            d->refs[d->n_refs++] = (html_ref){r->findings[i].tls, i};
    }
    qsort(d->refs, d->n_refs, sizeof *d->refs, cmp_ref);
    return 0;
}

static int build_files(html_doc *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->r->n_inputs; i++)
        n += d->r->inputs[i].n_files;
    d->files = calloc(n + 1, sizeof *d->files);
    if (!d->files)
        return -1;
    for (size_t i = 0; i < d->r->n_inputs; i++)
        for (size_t k = 0; k < d->r->inputs[i].n_files; k++)
            d->files[d->n_files++] = obs_file_at(&d->r->inputs[i], k);
    qsort(d->files, d->n_files, sizeof *d->files, cmp_file_time);
    return 0;
}

/* A list and a phone it was served to, for counting distinct phones per list. */
typedef struct list_phone {
    size_t list;
    const char *phone;
} list_phone;

static int cmp_list_phone(const void *a, const void *b)
{
    const list_phone *x = a, *y = b;
    if (x->list != y->list)
        return x->list < y->list ? -1 : 1;
    return strcmp(x->phone, y->phone);
}

/* Each list's distinct phones through one sort of (list, phone) pairs: counting per list with a
 * scan of every file and of the phones seen so far was O(lists x files x phones). */
static int count_phones(html_doc *d)
{
    list_phone *p = calloc(d->n_files + 1, sizeof *p);
    if (!p)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < d->n_files; i++) {
        const obs_file *f = d->files[i];
        const html_list *l = f->digest && !f->upload ? html_list_of(d, f->digest->sha256) : NULL;
        if (l)
            p[n++] = (list_phone){(size_t)(l - d->lists), f->phone};
    }
    qsort(p, n, sizeof *p, cmp_list_phone);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || cmp_list_phone(&p[i - 1], &p[i]) != 0)
            d->lists[p[i].list].phones++;
    free(p);
    return 0;
}

/* Distinct parsed trust lists in order of first appearance; their clusters and versions are
 * numbered by html_build_clusters. */
static int build_lists(html_doc *d)
{
    kmap_init(&d->list_ids);
    d->lists = calloc(d->n_files + 1, sizeof *d->lists);
    if (!d->lists)
        return -1;
    for (size_t i = 0; i < d->n_files; i++) {
        const obs_file *f = d->files[i];
        const blob *b = run_kept(d->r, f);
        if (!b || !b->parsed || b->f.kind != SBD_KIND_TRUST_LIST)
            continue;
        bool added = false;
        if (kmap_put(&d->list_ids, b->sha256, 32, d->n_lists, &added) == SIZE_MAX)
            return -1;
        if (!added)
            continue;
        html_list *l = &d->lists[d->n_lists++];
        l->b = b;
        l->first = f;
        l->ctl = sbd_file_is_ctl(&b->f);
    }
    return count_phones(d) == 0 ? html_build_clusters(d) : -1;
}

static void doc_free(html_doc *d)
{
    free(d->refs);
    free(d->files);
    free(d->lists);
    kmap_free(&d->list_ids);
}

static size_t first_ref(const html_doc *d, const void *obj)
{
    size_t lo = 0, hi = d->n_refs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)d->refs[mid].obj < (uintptr_t)obj)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int html_worst(const html_doc *d, const void *obj, sbd_rule *rule)
{
    int worst = -1;
    for (size_t i = first_ref(d, obj); i < d->n_refs && d->refs[i].obj == obj; i++) {
        sbd_rule ru = d->r->findings[d->refs[i].finding].rule;
        if ((int)sbd_rule_severity(ru) > worst) {
            worst = (int)sbd_rule_severity(ru);
            if (rule)
                *rule = ru;
        }
    }
    return worst;
}

bool html_has_rule(const html_doc *d, const void *obj, sbd_rule rule)
{
    for (size_t i = first_ref(d, obj); i < d->n_refs && d->refs[i].obj == obj; i++)
        if (d->r->findings[d->refs[i].finding].rule == rule)
            return true;
    return false;
}

const html_list *html_list_of(const html_doc *d, const uint8_t sha256[32])
{
    size_t i = kmap_get(&d->list_ids, sha256, 32);
    return i < d->n_lists ? &d->lists[i] : NULL;
}

const char *html_list_label(const html_list *l, char *out, size_t outsz)
{
    if (l->show_cluster)
        snprintf(out, outsz, "cluster %zu %s v%d", l->cluster + 1, l->ctl ? "CTL" : "ITL",
                 l->version);
    else
        snprintf(out, outsz, "%s v%d", l->ctl ? "CTL" : "ITL", l->version);
    return out;
}

const char *html_cn(const char *subject, char *out, size_t outsz)
{
    const char *cn = subject;
    for (const char *p = subject; *p; p++)
        if ((p == subject || p[-1] == ';' || (p[-1] == ',' && p - 1 > subject && p[-2] != '\\')) &&
            strncmp(p, "CN=", 3) == 0) {
            cn = p + 3;
            break;
        }
    size_t n = 0;
    for (const char *p = cn;
         *p && *p != ';' && !(*p == ',' && p > cn && p[-1] != '\\') && n + 1 < outsz; p++)
        out[n++] = *p;
    if (outsz)
        out[n] = '\0';
    return out;
}

char *html_file_anchor(const obs_file *f, char *out, size_t outsz)
{
    snprintf(out, outsz, "x-%zu-%llu", (size_t)f->input, (unsigned long long)f->seq);
    return out;
}

char *html_tls_anchor(const obs_tls *t, char *out, size_t outsz)
{
    snprintf(out, outsz, "t-%zu-%llu", (size_t)t->input, (unsigned long long)t->seq);
    return out;
}

char *html_list_anchor(const uint8_t sha256[32], char *out, size_t outsz)
{
    char hex[17];
    snprintf(out, outsz, "tl-%s", sbd_hex_lower(sha256, 8, hex, sizeof hex));
    return out;
}

char *html_clock(int64_t usec, char *out, size_t outsz)
{
    char iso[40];
    sbd_time_iso(usec / 1000000, iso, sizeof iso);
    snprintf(out, outsz, "%.10s %.8s.%03d", iso, iso + 11, (int)((usec % 1000000) / 1000));
    return out;
}

void html_badge(FILE *out, const char *cls, const char *text)
{
    fprintf(out, "<span class=\"badge %s\">%s</span>", cls, text);
}

/* ---- page head and style ------------------------------------------------------------------------
 */

/* No '<', '>' or '&' in here: the page must stay well-formed XML. */
static const char page_css[] =
    "body{font-family:'DejaVu Sans',system-ui,sans-serif;font-size:14px;color:#1d2433;"
    "background:#f4f6f9;margin:0}\n"
    "main{max-width:1040px;margin:0 auto;padding:0 24px 48px}\n"
    "header.top{background:#17233b;color:#fff;padding:20px 24px 16px}\n"
    "header.top .inner{max-width:1040px;margin:0 auto}\n"
    "header.top h1{margin:0 0 4px;font-size:22px;font-weight:600}\n"
    "header.top .meta{color:#c5cee0;font-size:12.5px;margin:0 0 12px}\n"
    "header.top table{background:#fff;color:#1d2433;border-radius:4px}\n"
    "h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid #d5dbe5}\n"
    "h3{font-size:15px;margin:18px 0 8px}\n"
    "nav{font-size:12.5px;margin:10px 0 0}nav a{color:#9fc2ff;margin-right:14px}\n"
    "a{color:#1959b8}\n"
    "code,.mono,pre,.hash{font-family:'DejaVu Sans Mono',monospace;font-size:12px}\n"
    ".hash{word-break:break-all;color:#3b4a63}\n"
    "table{border-collapse:collapse;width:100%;margin:6px 0 10px;background:#fff}\n"
    "th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #e3e7ee}\n"
    "th{background:#eef1f6;font-weight:600;font-size:12.5px}\n"
    "table.kv th{width:150px;background:#f6f8fb}\n"
    ".badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11.5px;"
    "font-weight:700;color:#fff;background:#667085;text-transform:uppercase;"
    "letter-spacing:.03em;margin-right:6px}\n"
    ".badge.error,.badge.fail{background:#b42318}.badge.warning,.badge.warn{background:#b54708}\n"
    ".badge.info{background:#175cd3}.badge.ok{background:#067647}.badge.neutral{background:#667085}"
    "\n"
    ".counts{margin:6px 0 10px}.counts .badge{font-size:13px;padding:3px 12px}\n"
    ".finding{background:#fff;border:1px solid #d5dbe5;border-left:6px solid #667085;"
    "border-radius:4px;padding:8px 12px;margin:8px 0}\n"
    ".finding.error{border-left-color:#b42318;background:#fef6f5}\n"
    ".finding.warning{border-left-color:#b54708;background:#fffaf0}\n"
    ".finding.info{border-left-color:#175cd3;padding:5px 12px}\n"
    ".finding .rule{font-family:'DejaVu Sans Mono',monospace;font-weight:700;font-size:13px}\n"
    ".finding .who{margin-left:10px;color:#3b4a63}.finding .when{float:right;color:#667085;"
    "font-size:12px}\n"
    ".finding .meaning{margin:6px 0 4px;font-size:14.5px}\n"
    ".finding .msg{margin:2px 0;color:#3b4a63;font-size:12.5px}\n"
    ".finding .spread{margin:2px 0;color:#3b4a63;font-size:12.5px;font-weight:600}\n"
    ".finding .links{margin:4px 0 0;font-size:12.5px}.finding .links a{margin-right:12px}\n"
    ".finding ul{margin:4px 0;padding-left:20px;font-size:12.5px;color:#3b4a63}"
    ".finding li{margin:4px 0}.finding li .links{margin:0}\n"
    ".allclear{background:#ecfdf3;border:1px solid #067647;border-left:6px solid #067647;"
    "padding:10px 14px;border-radius:4px;font-size:15px}\n"
    ".card{background:#fff;border:1px solid #d5dbe5;border-radius:4px;padding:10px 14px;"
    "margin:12px 0}\n"
    ".card h3{margin-top:4px}.sub{color:#667085;font-weight:400;font-size:12.5px}\n"
    ".note{color:#667085;font-size:12.5px}.nowrap{white-space:nowrap}\n"
    "td.ok{color:#067647;font-weight:600}td.warn{color:#b54708;font-weight:600}"
    "td.fail{color:#b42318;font-weight:600}td.neutral{color:#667085}\n"
    "pre{background:#f6f8fb;border:1px solid #e3e7ee;padding:8px;overflow-x:auto;"
    "max-height:480px}\n"
    "details summary{cursor:pointer;color:#1959b8;margin:6px 0}\n"
    "svg{display:block;max-width:100%;height:auto;margin:6px 0}\n"
    "svg text{font-family:'DejaVu Sans',sans-serif;font-size:11.5px;fill:#1d2433}\n"
    "svg .what{font-weight:700}svg .name{font-family:'DejaVu Sans Mono',monospace;"
    "font-size:11px}\n"
    "svg .tick{fill:#667085;font-size:10.5px;text-anchor:middle}\n"
    "svg .axislabel{fill:#3b4a63;text-anchor:middle}\n"
    "svg .axis{stroke:#3b4a63;stroke-width:1}svg .grid{stroke:#e3e7ee;stroke-width:1}\n"
    "svg .band{fill:#f6f8fb}svg .hit{fill:transparent}\n"
    "svg .mk.ok{fill:#067647}svg .mk.warn{fill:#b54708}svg .mk.neutral{fill:#fff;"
    "stroke:#667085;stroke-width:2}\n"
    "svg .mk.fail{stroke:#b42318;stroke-width:3.5;fill:none}\n"
    "svg .status.ok{fill:#067647}svg .status.warn{fill:#b54708}svg .status.fail{fill:#b42318;"
    "font-weight:700}svg .status.neutral{fill:#667085}\n"
    "svg .bar.ok{fill:#32a06a}svg .bar.warn{fill:#e09a2b}svg .bar.fail{fill:#d0453a}\n"
    "svg .moment{stroke-width:1.5;stroke-dasharray:4 3}svg .moment.capture{stroke:#1959b8}"
    "svg .moment.today{stroke:#7a2ea0}\n"
    "svg .momentlabel.capture{fill:#1959b8;font-weight:700}svg .momentlabel.today{"
    "fill:#7a2ea0;font-weight:700}\n"
    ".legend span{margin-right:16px;font-size:12px;color:#3b4a63}\n"
    ".c-ok{color:#067647}.c-warn{color:#b54708}.c-fail{color:#b42318}.c-neutral{color:#667085}\n"
    "footer{color:#667085;font-size:12px;margin-top:36px}\n";

static void page_head(const html_doc *d)
{
    const run *r = d->r;
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
          "<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n",
          d->out);
    fprintf(d->out, "<title>CUCM trust audit: %llu error(s), %llu warning(s)</title>\n",
            (unsigned long long)r->by_severity[SBD_SEV_ERROR],
            (unsigned long long)r->by_severity[SBD_SEV_WARNING]);
    fprintf(d->out, "<style>\n%s</style>\n</head>\n<body>\n", page_css);
}

/* ---- header: tool, time, counts, inputs ---------------------------------------------------------
 */

/* The packets the scan dropped, by number, so a reader can open them in Wireshark. */
static void skipped_list(FILE *out, const problem_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        fprintf(out, "<br/><span class=\"note\">skipped #%llu ",
                (unsigned long long)l->item[k].packet);
        esc_html(out, l->item[k].what);
        fputs(": ", out);
        esc_html(out, l->item[k].detail);
        fputs("</span>", out);
    }
    if (l->not_listed)
        fprintf(out, "<br/><span class=\"note\">and %llu more skipped</span>",
                (unsigned long long)l->not_listed);
}

static void input_row(const html_doc *d, size_t i)
{
    const obs_input *in = &d->r->inputs[i];
    FILE *out = d->out;
    fprintf(out, "<tr id=\"in-%zu\"><td>", i);
    esc_html(out, in->path);
    char a[40], b[40];
    if (in->has_digest) {
        char hex[65];
        fprintf(out, "</td><td>%llu</td><td class=\"hash\">%s</td>", (unsigned long long)in->bytes,
                sbd_hex_lower(in->sha256, 32, hex, sizeof hex));
    } else {
        fputs("</td><td>-</td><td class=\"note\">not recorded (stdin, or results without it)</td>",
              out);
    }
    if (in->open_failed) {
        fputs("<td colspan=\"3\" class=\"fail\">could not be read: ", out);
        esc_html(out, in->open_error);
        fputs("</td></tr>\n", out);
        return;
    }
    fprintf(out, "<td class=\"nowrap\">%s<br/>%s</td><td>%llu</td>",
            in->counts.decode.frames ? html_clock(in->first_ts, a, sizeof a) : "-",
            in->counts.decode.frames ? html_clock(in->last_ts, b, sizeof b) : "-",
            (unsigned long long)in->counts.decode.frames);
    if (in->end_status == CAP_INPUT_OK) {
        fputs("<td class=\"ok\">read whole", out);
    } else {
        fprintf(out,
                "<td class=\"warn\">%s after packet %llu: ", cap_input_status_name(in->end_status),
                (unsigned long long)in->last_good);
        esc_html(out, in->end_msg);
    }
    skipped_list(out, &in->problems);
    fputs("</td></tr>\n", out);
}

static void inputs_table(const html_doc *d)
{
    fputs("<table class=\"inputs\"><tr><th>capture</th><th>bytes</th><th>SHA-256</th>"
          "<th>first / last packet (UTC)</th><th>packets</th><th>read</th></tr>\n",
          d->out);
    for (size_t i = 0; i < d->r->n_inputs; i++)
        input_row(d, i);
    fputs("</table>\n", d->out);
}

static void counts_line(const html_doc *d)
{
    const run *r = d->r;
    FILE *out = d->out;
    char txt[64];
    fputs("<div class=\"counts\">", out);
    snprintf(txt, sizeof txt, "%llu error%s", (unsigned long long)r->by_severity[SBD_SEV_ERROR],
             r->by_severity[SBD_SEV_ERROR] == 1 ? "" : "s");
    html_badge(out, r->by_severity[SBD_SEV_ERROR] ? "error" : "neutral", txt);
    snprintf(txt, sizeof txt, "%llu warning%s", (unsigned long long)r->by_severity[SBD_SEV_WARNING],
             r->by_severity[SBD_SEV_WARNING] == 1 ? "" : "s");
    html_badge(out, r->by_severity[SBD_SEV_WARNING] ? "warning" : "neutral", txt);
    snprintf(txt, sizeof txt, "%llu info", (unsigned long long)r->by_severity[SBD_SEV_INFO]);
    html_badge(out, "info", txt);
    fputs("</div>\n", out);
}

static void page_header(const html_doc *d)
{
    FILE *out = d->out;
    char audit[32];
    sbd_time_iso((int64_t)time(NULL), audit, sizeof audit);
    fputs("<header class=\"top\"><div class=\"inner\">\n"
          "<h1>CUCM Security By Default: trust audit</h1>\n",
          out);
    fprintf(out, "<p class=\"meta\">pcapscan %s &#183; report written %s &#183; %zu capture%s",
            SBD_VERSION, audit, d->r->n_inputs, d->r->n_inputs == 1 ? "" : "s");
    if (d->r->o->has_now) {
        char judged[32];
        fprintf(out, " &#183; certificate expiry judged at %s (--now)",
                sbd_time_iso(d->r->o->now, judged, sizeof judged));
    } else {
        fputs(" &#183; certificate expiry judged at capture time", out);
    }
    fputs("</p>\n", out);
    counts_line(d);
    if (d->r->n_inputs <= HTML_HEADER_INPUTS)
        inputs_table(d);
    fputs("<nav><a href=\"#verdict\">Verdict</a><a href=\"#cluster\">Clusters</a>"
          "<a href=\"#phones\">Phones</a><a href=\"#trust\">Trust files</a>"
          "<a href=\"#tls\">TLS servers</a></nav>\n</div></header>\n<main>\n",
          out);
}

/* ---- verdict -----------------------------------------------------------------------------------
 */

static void link_file(const html_doc *d, const obs_file *f)
{
    char id[48];
    fprintf(d->out, "<a href=\"#%s\">", html_file_anchor(f, id, sizeof id));
    esc_html_max(d->out, f->name, 60);
    fprintf(d->out, " (packet #%llu)</a>", (unsigned long long)f->first_pkt);
    const html_list *l = f->digest ? html_list_of(d, f->digest->sha256) : NULL;
    if (l) {
        char lbl[48];
        fprintf(d->out, "<a href=\"#%s\">%s trust file</a>",
                html_list_anchor(l->b->sha256, id, sizeof id), html_list_label(l, lbl, sizeof lbl));
    }
}

/* The earlier observation a finding refers to (ITL A, the list checked against). */
static void link_related(const html_doc *d, const finding *x)
{
    for (size_t i = 0; i < d->n_files; i++) {
        const obs_file *f = d->files[i];
        if (f->input == x->related->input && f->first_pkt == x->related->first_pkt &&
            (!f->digest || memcmp(f->digest->sha256, obs_sha256_or_zero(x->related), 32) == 0)) {
            char id[48];
            fprintf(d->out, "<a href=\"#%s\">%s: ", html_file_anchor(f, id, sizeof id),
                    strcmp(x->related_what, "previous_itl") == 0 ? "previous ITL"
                    : strcmp(x->related_what, "trust_list") == 0 ? "checked against"
                                                                 : "earlier request");
            esc_html_max(d->out, f->name, 60);
            fprintf(d->out, " (packet #%llu)</a>", (unsigned long long)f->first_pkt);
            return;
        }
    }
}

static void finding_links(const html_doc *d, const finding *x)
{
    FILE *out = d->out;
    fputs("<p class=\"links\">Evidence: ", out);
    if (x->file)
        link_file(d, x->file);
    if (x->tls) {
        char id[48];
        fprintf(out, "<a href=\"#%s\">TLS session %s (packet #%llu)</a>",
                html_tls_anchor(x->tls, id, sizeof id),
                x->tls->sport == 2445 ? "to the TVS" : "to the server",
                (unsigned long long)x->tls->pkt);
    }
    if (x->related)
        link_related(d, x);
    fprintf(out, "<a href=\"#in-%zu\">capture ", x->input);
    esc_html_max(out, d->r->inputs[x->input].path, 60);
    fputs(", packet", out);
    for (size_t i = 0; i < x->n_packets; i++)
        fprintf(out, "%s #%llu", i ? "," : (x->n_packets > 1 ? "s" : ""),
                (unsigned long long)finding_packet(x, i));
    fputs("</a>", out);
    if (x->occurrences > 1)
        fprintf(out, "<span class=\"note\">seen %llu times</span>",
                (unsigned long long)x->occurrences);
    fputs("</p>\n", out);
}

static void finding_card(const html_doc *d, size_t idx)
{
    const finding *x = &d->r->findings[idx];
    FILE *out = d->out;
    const char *sev = sbd_severity_name(sbd_rule_severity(x->rule));
    char when[40];
    fprintf(out, "<div class=\"finding %s\" id=\"f-%zu\">\n<div class=\"fh\">", sev, idx);
    html_badge(out, sev, sev);
    fprintf(out, "<span class=\"rule\">%s</span>", sbd_rule_id(x->rule));
    if (x->phone[0]) {
        fputs("<span class=\"who\">", out);
        esc_html(out, x->phone);
        fputs("</span>", out);
    }
    fprintf(out, "<span class=\"when\">%s UTC</span></div>\n",
            html_clock(x->ts_usec, when, sizeof when));
    fputs("<p class=\"meaning\">", out);
    esc_html(out, sbd_rule_meaning(x->rule));
    fputs("</p>\n<p class=\"msg\">", out);
    char msg[FINDING_MESSAGE_MAX];
    esc_html(out, finding_message(x, msg));
    fputs("</p>\n", out);
    finding_links(d, x);
    fputs("</div>\n", out);
}

static int cmp_by_time(const void *a, const void *b)
{
    const finding *x = *(const finding *const *)a, *y = *(const finding *const *)b;
    if (x->ts_usec != y->ts_usec)
        return x->ts_usec < y->ts_usec ? -1 : 1;
    return x < y ? -1 : x > y; /* creation order: both are in the run's findings */
}

/* One finding inside its rule's card: when, who, what, and where the evidence is. */
static void rule_instance(const html_doc *d, size_t idx)
{
    const finding *x = &d->r->findings[idx];
    FILE *out = d->out;
    char when[40];
    fprintf(out, "<li id=\"f-%zu\"><span class=\"nowrap\">%s</span> ", idx,
            html_clock(x->ts_usec, when, sizeof when));
    if (x->phone[0]) {
        fputs("<b>", out);
        esc_html(out, x->phone);
        fputs("</b> ", out);
    }
    char msg[FINDING_MESSAGE_MAX];
    esc_html_max(out, finding_message(x, msg), 240);
    finding_links(d, x);
    fputs("</li>\n", out);
}

/* The server a finding's evidence came from ("10.10.0.10:69"), "" when it names none. */
static const char *finding_server(const finding *x, char *out, size_t outsz)
{
    out[0] = '\0';
    if (x->tls)
        run_endpoint(x->tls->server, x->tls->sport, out, outsz);
    else if (x->file)
        run_endpoint(x->file->server, x->file->sport, out, outsz);
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "374 phones; servers 10.10.0.10:69, 10.10.0.11:6970": the distinct phones and servers of a
 * rule's findings (sorted copies, so the counts cost one sort). */
static void rule_spread(const html_doc *d, const finding **sorted, sbd_rule rule, uint64_t count)
{
    const run *r = d->r;
    FILE *out = d->out;
    const char **phones = calloc(count + 1, sizeof *phones);
    char(*srv)[80] = calloc(count + 1, sizeof *srv);
    const char **servers = calloc(count + 1, sizeof *servers);
    if (!phones || !srv || !servers) {
        free(phones);
        free(srv);
        free(servers);
        return;
    }
    size_t np = 0, ns = 0;
    for (size_t i = 0; i < r->n_findings && np < count && ns < count; i++) {
        const finding *x = sorted[i];
        if (x->rule != rule || !report_shown(r, x))
            continue;
        if (x->phone[0])
            phones[np++] = x->phone;
        if (finding_server(x, srv[ns], sizeof srv[0])[0]) {
            servers[ns] = srv[ns];
            ns++;
        }
    }
    qsort(phones, np, sizeof *phones, cmp_str);
    qsort(servers, ns, sizeof *servers, cmp_str);
    size_t dp = 0, ds = 0;
    for (size_t i = 0; i < np; i++)
        dp += i == 0 || strcmp(phones[i - 1], phones[i]) != 0;
    fprintf(out, "<p class=\"spread\">%zu phone%s", dp, dp == 1 ? "" : "s");
    for (size_t i = 0; i < ns; i++)
        if (i == 0 || strcmp(servers[i - 1], servers[i]) != 0) {
            if (ds < HTML_GROUP_SERVERS) {
                fputs(ds ? ", " : "; server(s) ", out);
                esc_html(out, servers[i]);
            }
            ds++;
        }
    if (ds > HTML_GROUP_SERVERS)
        fprintf(out, " and %zu more", ds - HTML_GROUP_SERVERS);
    fputs("</p>\n", out);
    free(phones);
    free(srv);
    free(servers);
}

/* Findings of one rule in one card with their count: a cluster-wide reset made one warning card
 * per phone (374 TRUST_VIA_TVS cards, 423 KB) and an info card per finding buried the rest. The
 * instances are listed collapsed, up to HTML_LISTED, and the page says how many it did not
 * list; an error card is open, so errors stay in sight. */
static void rule_card(const html_doc *d, const finding **sorted, sbd_rule rule, uint64_t count)
{
    const run *r = d->r;
    FILE *out = d->out;
    const char *sev = sbd_severity_name(sbd_rule_severity(rule));
    fprintf(out, "<div class=\"finding %s grouped\" id=\"rule-%s\">\n<div class=\"fh\">", sev,
            sbd_rule_id(rule));
    html_badge(out, sev, sev);
    fprintf(out, "<span class=\"rule\">%s</span><span class=\"who count\">%llu finding%s</span>",
            sbd_rule_id(rule), (unsigned long long)count, count == 1 ? "" : "s");
    fputs("</div>\n<p class=\"meaning\">", out);
    esc_html(out, sbd_rule_meaning(rule));
    fputs("</p>\n", out);
    if (sbd_rule_severity(rule) > SBD_SEV_INFO)
        rule_spread(d, sorted, rule, count);
    fprintf(out, "<details class=\"instances\"%s><summary>%s %llu finding%s</summary>\n<ul>\n",
            sbd_rule_severity(rule) == SBD_SEV_ERROR ? " open=\"open\"" : "",
            count > HTML_LISTED ? "the first of" : "the", (unsigned long long)count,
            count == 1 ? "" : "s");
    uint64_t listed = 0;
    for (size_t i = 0; i < r->n_findings && listed < HTML_LISTED; i++)
        if (sorted[i]->rule == rule && report_shown(r, sorted[i])) {
            rule_instance(d, (size_t)(sorted[i] - r->findings));
            listed++;
        }
    fputs("</ul>\n", out);
    if (count > listed)
        fprintf(out,
                "<p class=\"note more\">%llu more not listed here (the JSON and CSV reports "
                "list every finding).</p>\n",
                (unsigned long long)(count - listed));
    fputs("</details>\n</div>\n", out);
}

/* Errors, then warnings, in time order: a rule with more than HTML_GROUP_MIN findings gets one
 * card where its first finding falls, the others a card each. */
static void verdict_group(const html_doc *d, const finding **sorted, sbd_severity sev,
                          const uint64_t *counts)
{
    bool done[SBD_RULE_COUNT] = {false};
    for (size_t i = 0; i < d->r->n_findings; i++) {
        sbd_rule rule = sorted[i]->rule;
        if (sbd_rule_severity(rule) != sev || !report_shown(d->r, sorted[i]))
            continue;
        if ((int)rule >= SBD_RULE_COUNT || counts[rule] <= HTML_GROUP_MIN)
            finding_card(d, (size_t)(sorted[i] - d->r->findings));
        else if (!done[rule]) {
            done[rule] = true;
            rule_card(d, sorted, rule, counts[rule]);
        }
    }
}

static void section_verdict(const html_doc *d)
{
    const run *r = d->r;
    FILE *out = d->out;
    fputs("<section id=\"verdict\">\n<h2>Verdict</h2>\n", out);
    const finding **sorted = malloc((r->n_findings + 1) * sizeof *sorted);
    if (!sorted) {
        fputs("<p>out of memory: findings not listed</p></section>\n", out);
        return;
    }
    for (size_t i = 0; i < r->n_findings; i++)
        sorted[i] = &r->findings[i];
    qsort(sorted, r->n_findings, sizeof *sorted, cmp_by_time);
    if (!r->by_severity[SBD_SEV_ERROR] && !r->by_severity[SBD_SEV_WARNING])
        fputs("<p class=\"allclear\">No errors or warnings: as far as these captures show, the "
              "phones trust their cluster and will keep trusting it.</p>\n",
              out);
    /* Shown findings per rule: what decides grouping and what each rule's card counts. */
    uint64_t counts[SBD_RULE_COUNT] = {0};
    for (size_t i = 0; i < r->n_findings; i++)
        if (report_shown(r, sorted[i]) && (int)sorted[i]->rule < SBD_RULE_COUNT)
            counts[sorted[i]->rule]++;
    verdict_group(d, sorted, SBD_SEV_ERROR, counts);
    verdict_group(d, sorted, SBD_SEV_WARNING, counts);
    if (r->by_severity[SBD_SEV_INFO] && r->o->min_severity <= SBD_SEV_INFO) {
        fputs("<h3>For information</h3>\n", out);
        for (int rule = 0; rule < SBD_RULE_COUNT; rule++)
            if (sbd_rule_severity((sbd_rule)rule) == SBD_SEV_INFO && counts[rule])
                rule_card(d, sorted, (sbd_rule)rule, counts[rule]);
    }
    uint64_t hidden = 0;
    for (int s = SBD_SEV_INFO; s < r->o->min_severity && s <= SBD_SEV_ERROR; s++)
        hidden += r->by_severity[s];
    if (hidden) /* what --min-severity left out is said, not silently dropped */
        fprintf(out,
                "<details class=\"hidden\"><summary>%llu finding(s) below --min-severity %s "
                "not shown</summary><p>Run again without --min-severity to list them.</p>"
                "</details>\n",
                (unsigned long long)hidden, sbd_severity_name((sbd_severity)r->o->min_severity));
    free(sorted);
    fputs("</section>\n", out);
}

/* ---- the page -------------------------------------------------------------------------------- */

static void write_page(const html_doc *d)
{
    page_head(d);
    page_header(d);
    section_verdict(d);
    if (d->r->n_inputs > HTML_HEADER_INPUTS) {
        fputs("<section id=\"inputs\">\n<h2>Captures</h2>\n", d->out);
        inputs_table(d);
        fputs("</section>\n", d->out);
    }
    html_section_cluster(d);
    html_section_phones(d);
    html_section_trust_files(d);
    html_section_tls(d);
    fprintf(d->out,
            "<footer>Written by pcapscan %s. Self-contained page: no scripts, no external "
            "resources. Every name, subject and file name shown comes from the captures and is "
            "escaped.</footer>\n</main>\n</body>\n</html>\n",
            SBD_VERSION);
}

int report_html(const run *r, const char *path)
{
    html_doc d;
    memset(&d, 0, sizeof d);
    d.r = r;
    d.today = r->o->has_now ? r->o->now : (int64_t)time(NULL);
    if (build_refs(&d) != 0 || build_files(&d) != 0 || build_lists(&d) != 0) {
        doc_free(&d);
        fputs("pcapscan: --html: out of memory\n", stderr);
        return -1;
    }
    bool to_stdout = strcmp(path, "-") == 0;
    d.out = to_stdout ? stdout : util_create(path);
    if (!d.out) {
        fputs("pcapscan: --html ", stderr);
        esc_term(stderr, path);
        fprintf(stderr, ": cannot create: %s\n", util_create_error(errno));
        doc_free(&d);
        return -1;
    }
    write_page(&d);
    int rc = ferror(d.out) ? -1 : 0;
    int err = errno;
    if (to_stdout ? fflush(d.out) != 0 : fclose(d.out) != 0) {
        rc = -1;
        err = errno;
    }
    if (rc) {
        fputs("pcapscan: --html ", stderr);
        esc_term(stderr, path);
        fprintf(stderr, ": write error: %s\n", strerror(err));
    }
    doc_free(&d);
    return rc;
}
