/* Sections of the HTML evidence report after the verdict: the cluster view (ITL versions and the
 * continuity between them), each phone's boot timeline, each trust file, each TLS server. */
#include <stdlib.h>
#include <string.h>

#include "cap/tls_certs.h"
#include "report/out_html.h"
#include "sbd/listing.h"
#include "sbd/trust.h"

/* ---- small helpers --------------------------------------------------------------------------- */

static void td_text(FILE *out, const char *s, size_t max_chars)
{
    fputs("<td>", out);
    esc_html_max(out, s, max_chars);
    fputs("</td>", out);
}

static const char *sig_phrase(sbd_sig_status s)
{
    switch (s) {
    case SBD_SIG_VALID:
        return "signature valid";
    case SBD_SIG_INVALID:
    case SBD_SIG_BAD_KEY:
        return "signature invalid";
    case SBD_SIG_SIGNER_UNKNOWN:
        return "signer unknown";
    case SBD_SIG_NOT_SIGNED:
        return "not signed";
    default:
        return "signature not checked";
    }
}

static html_mark sig_mark(sbd_sig_status s)
{
    return s == SBD_SIG_VALID                                     ? HTML_MARK_OK
           : s == SBD_SIG_NOT_SIGNED                              ? HTML_MARK_OK
           : s == SBD_SIG_NOT_CHECKED || s == SBD_SIG_UNSUPPORTED ? HTML_MARK_NEUTRAL
                                                                  : HTML_MARK_FAIL;
}

static html_mark severity_mark(int sev)
{
    return sev == SBD_SEV_ERROR ? HTML_MARK_FAIL : HTML_MARK_WARN;
}

static void signer_cell(FILE *out, const sbd_file *f)
{
    const sbd_header *h = &f->hdr;
    fputs("<td>", out);
    if (h->signer_name) {
        char s[600];
        esc_html(out, sbd_elem_name(f, h->signer_name, s, sizeof s));
    }
    if (h->signer_serial) {
        char serial[SBD_SERIAL_TEXT_MAX];
        size_t n = h->signer_serial->len > 64 ? 64 : h->signer_serial->len;
        fprintf(out, "<br/><span class=\"mono\">serial %s</span>",
                sbd_hex_serial(sbd_elem_value(f, h->signer_serial), n, SBD_SERIAL_SHOWN, serial,
                               sizeof serial));
    }
    fputs("</td>", out);
}

static void list_link(const html_doc *d, const html_list *l)
{
    char id[48], lbl[48], hex[17];
    fprintf(d->out, "<a href=\"#%s\">%s</a> <span class=\"hash\">%s&#8230;</span>",
            html_list_anchor(l->b->sha256, id, sizeof id), html_list_label(l, lbl, sizeof lbl),
            sbd_hex_lower(l->b->sha256, 8, hex, sizeof hex));
}

static const char *cn_copy(const sbd_cert_info *ci, char *out, size_t outsz)
{
    return html_cn(ci->subject, out, outsz);
}

/* ---- cluster view
 * -------------------------------------------------------------------------------- */

static void versions_table(const html_doc *d, size_t cluster)
{
    FILE *out = d->out;
    char when[40];
    fputs("<table><tr><th>version</th><th>signer</th><th>records</th><th>signature</th>"
          "<th>served to</th><th>first served</th></tr>\n",
          out);
    for (size_t i = 0; i < d->n_lists; i++) {
        const html_list *l = &d->lists[i];
        if (l->cluster != cluster)
            continue;
        fputs("<tr><td>", out);
        list_link(d, l);
        fputs("</td>", out);
        signer_cell(out, &l->b->f);
        fprintf(out, "<td>%zu</td><td class=\"%s\">%s</td><td>%zu phone(s)</td><td>%s<br/>",
                l->b->f.n_records, html_mark_class(sig_mark(l->b->self.status)),
                sig_phrase(l->b->self.status), l->phones,
                html_clock(l->first->ts_usec, when, sizeof when));
        esc_html_max(out, d->r->inputs[l->first->input].path, 50);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* A change of trust list the engine decided for some phones, and how many phones made it. */
typedef struct transition {
    const html_list *a, *b;
    int outcome; /* sbd_trust_outcome */
    size_t phones;
} transition;

/* The engine's settled list decisions (run.moves), grouped by (held list, offered list,
 * outcome): the report shows them, it does not decide them again. */
static size_t collect_transitions(const html_doc *d, size_t cluster, transition *tr, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < d->r->n_moves && n < max; i++) {
        const run_move *m = &d->r->moves[i];
        if (!m->from || m->outcome == SBD_OUT_LIST_FIRST || m->outcome == SBD_OUT_LIST_SAME ||
            m->outcome == SBD_OUT_LIST_PENDING)
            continue;
        const html_list *a = m->from->digest ? html_list_of(d, m->from->digest->sha256) : NULL;
        const html_list *b = m->to->digest ? html_list_of(d, m->to->digest->sha256) : NULL;
        if (!a || !b || a->cluster != cluster)
            continue;
        size_t k = 0;
        while (k < n && !(tr[k].a == a && tr[k].b == b && tr[k].outcome == m->outcome))
            k++;
        if (k == n)
            tr[n++] = (transition){a, b, m->outcome, 0};
        tr[k].phones++;
    }
    return n;
}

static const char *outcome_class(int o)
{
    switch (o) {
    case SBD_OUT_LIST_DIRECT:
        return "ok";
    case SBD_OUT_LIST_VIA_TVS:
        return "warn";
    case SBD_OUT_LIST_REFUSED:
        return "fail";
    default:
        return "neutral";
    }
}

static void continuity_table(const html_doc *d, size_t cluster)
{
    FILE *out = d->out;
    size_t max = d->r->n_moves + 1;
    transition *tr = calloc(max, sizeof *tr);
    size_t n = tr ? collect_transitions(d, cluster, tr, max) : 0;
    if (!n) {
        fputs("<p class=\"note\">No phone was seen moving from one trust list to another.</p>\n",
              out);
        free(tr);
        return;
    }
    fputs("<table><tr><th>from</th><th>to</th><th>what the phones did</th><th>phones</th></tr>\n",
          out);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", out);
        list_link(d, tr[i].a);
        fputs("</td><td>", out);
        list_link(d, tr[i].b);
        fprintf(out, "</td><td class=\"%s\">%s</td><td>%zu</td></tr>\n",
                outcome_class(tr[i].outcome), sbd_trust_outcome_text(tr[i].outcome), tr[i].phones);
    }
    fputs("</table>\n", out);
    free(tr);
}

void html_section_cluster(const html_doc *d)
{
    FILE *out = d->out;
    fputs("<section id=\"cluster\">\n<h2>Clusters</h2>\n", out);
    if (!d->n_lists) {
        fputs("<p class=\"note\">No ITL or CTL was transferred whole in these captures.</p>\n"
              "</section>\n",
              out);
        return;
    }
    if (d->n_clusters > 1)
        fprintf(
            out,
            "<p class=\"note\">These captures hold %zu clusters: their trust lists share no "
            "list signer and no phone went from one to another. Each has its own versions.</p>\n",
            d->n_clusters);
    for (size_t c = 0; c < d->n_clusters; c++) {
        fprintf(out, "<div class=\"card cluster\" id=\"cl-%zu\">\n<h3>Cluster %zu</h3>\n", c + 1,
                c + 1);
        html_cluster_identity(d, c);
        fputs("<h3>Trust list versions served</h3>\n", out);
        versions_table(d, c);
        fputs("<h3>Continuity between ITL versions (would a phone holding the first accept the "
              "second?)</h3>\n",
              out);
        continuity_table(d, c);
        fputs("</div>\n", out);
    }
    fputs("</section>\n", out);
}

/* ---- phones ------------------------------------------------------------------------------------
 */

static int cmp_phone_file(const void *a, const void *b)
{
    const obs_file *x = *(const obs_file *const *)a, *y = *(const obs_file *const *)b;
    int c = strcmp(x->phone, y->phone);
    if (c)
        return c;
    return x->first_pkt < y->first_pkt ? -1 : x->first_pkt > y->first_pkt;
}

/* A phone of one input: a run of files (sorted by phone, then packet) and its TLS sessions. */
typedef struct phone_group {
    const obs_file **files;
    size_t n_files;
    const obs_tls **tls; /* the sessions from its files' client addresses, in time order */
    size_t n_tls;
} phone_group;

static int cmp_group_first(const void *a, const void *b)
{
    const phone_group *x = a, *y = b;
    uint64_t px = x->files[0]->first_pkt, py = y->files[0]->first_pkt;
    return px < py ? -1 : px > py;
}

static const char *file_what(const obs_file *f, bool fallback)
{
    if (f->upload)
        return "upload";
    switch (f->name_kind) {
    case SBD_NAME_CTL_PER_PHONE:
        return "CTL request";
    case SBD_NAME_CTL_FILE:
        return fallback ? "CTL fallback" : "CTL request";
    case SBD_NAME_ITL_PER_PHONE:
        return "ITL request";
    case SBD_NAME_ITL_FILE:
        return fallback ? "ITL fallback" : "ITL request";
    case SBD_NAME_CONFIG_SGN:
    case SBD_NAME_CONFIG_ENC:
    case SBD_NAME_CONFIG_PLAIN:
        return "config request";
    case SBD_NAME_OTHER_SGN:
        return "signed file";
    default:
        return "file request";
    }
}

/* Was the per-phone list of the same kind (CTL/ITL) not found earlier in this group? */
static bool is_fallback(const phone_group *g, size_t idx)
{
    sbd_name_kind k = g->files[idx]->name_kind, want;
    if (k == SBD_NAME_CTL_FILE)
        want = SBD_NAME_CTL_PER_PHONE;
    else if (k == SBD_NAME_ITL_FILE)
        want = SBD_NAME_ITL_PER_PHONE;
    else
        return false;
    for (size_t i = 0; i < idx; i++)
        if (g->files[i]->name_kind == want && g->files[i]->xfer == OBS_XFER_NOT_FOUND)
            return true;
    return false;
}

static html_mark file_event(const html_doc *d, const obs_file *f, char *status, size_t sz)
{
    sbd_rule rule = SBD_RULE_COUNT;
    int worst = html_worst(d, f, &rule);
    html_mark m;
    if (f->xfer == OBS_XFER_NOT_FOUND) {
        snprintf(status, sz, "not found (%s %d)", f->proto == OBS_TFTP ? "TFTP error" : "HTTP",
                 f->outcome->error_code);
        m = HTML_MARK_NEUTRAL;
    } else if (!f->complete) {
        snprintf(status, sz, "%s after %llu bytes", obs_xfer_name(f->xfer),
                 (unsigned long long)f->size);
        m = HTML_MARK_FAIL;
    } else if (f->looks_signed) {
        snprintf(status, sz, "received, %s", sig_phrase(f->sig));
        m = sig_mark(f->sig);
    } else {
        snprintf(status, sz, "received, %llu bytes", (unsigned long long)f->size);
        m = HTML_MARK_OK;
    }
    if (worst > SBD_SEV_INFO) {
        size_t used = strlen(status);
        snprintf(status + used, sz - used, "; %s", sbd_rule_id(rule));
        m = severity_mark(worst);
    }
    return m;
}

static html_mark tls_event(const html_doc *d, const obs_tls *t, char *status, size_t sz)
{
    sbd_rule rule = SBD_RULE_COUNT;
    int worst = html_worst(d, t, &rule);
    if (t->kind == OBS_TLS_HIDDEN) {
        snprintf(status, sz, "TLS 1.3: certificate not visible");
        return HTML_MARK_NEUTRAL;
    }
    if (t->kind != OBS_TLS_CERTS) {
        snprintf(status, sz, "TLS error");
        return HTML_MARK_NEUTRAL;
    }
    if (worst > SBD_SEV_INFO) {
        snprintf(status, sz, "%s", sbd_rule_id(rule));
        return severity_mark(worst);
    }
    snprintf(status, sz, "%s",
             t->judged ? sbd_trust_outcome_text(t->verdict) : "certificate seen (not judged)");
    return HTML_MARK_OK;
}

typedef struct timeline {
    html_event *ev;
    char (*status)[120];
    char (*server)[80];
    size_t n;
} timeline;

static int cmp_event_time(const void *a, const void *b)
{
    const html_event *x = a, *y = b;
    return x->ts_usec < y->ts_usec ? -1 : x->ts_usec > y->ts_usec;
}

static void build_timeline(const html_doc *d, const phone_group *g, timeline *tl)
{
    size_t cap = g->n_files + g->n_tls;
    tl->ev = calloc(cap + 1, sizeof *tl->ev);
    tl->status = calloc(cap + 1, sizeof *tl->status);
    tl->server = calloc(cap + 1, sizeof *tl->server);
    tl->n = 0;
    if (!tl->ev || !tl->status || !tl->server)
        return;
    for (size_t i = 0; i < g->n_files; i++) {
        const obs_file *f = g->files[i];
        html_event *e = &tl->ev[tl->n];
        e->ts_usec = f->ts_usec;
        e->what = file_what(f, is_fallback(g, i));
        e->name = f->name;
        e->mark = file_event(d, f, tl->status[tl->n], sizeof tl->status[0]);
        e->status = tl->status[tl->n];
        e->pkt = f->first_pkt;
        html_file_anchor(f, e->anchor, sizeof e->anchor);
        tl->n++;
    }
    for (size_t k = 0; k < g->n_tls; k++) {
        const obs_tls *t = g->tls[k];
        html_event *e = &tl->ev[tl->n];
        e->ts_usec = t->ts_usec;
        e->what = t->sport == 2445 ? "TVS session" : "TLS session";
        e->name = run_endpoint(t->server, t->sport, tl->server[tl->n], sizeof tl->server[0]);
        e->mark = tls_event(d, t, tl->status[tl->n], sizeof tl->status[0]);
        e->status = tl->status[tl->n];
        e->pkt = t->pkt;
        e->tls = true;
        html_tls_anchor(t, e->anchor, sizeof e->anchor);
        tl->n++;
    }
    /* Stable enough: files are already in packet order and TLS sessions follow theirs. */
    qsort(tl->ev, tl->n, sizeof *tl->ev, cmp_event_time);
}

static void timeline_free(timeline *tl)
{
    free(tl->ev);
    free(tl->status);
    free(tl->server);
}

static void file_row(const html_doc *d, const obs_file *f, bool fallback)
{
    FILE *out = d->out;
    char id[48], when[40], status[120], srv[80];
    html_mark m = file_event(d, f, status, sizeof status);
    fprintf(out, "<tr id=\"%s\"><td>%s</td><td>#%llu</td><td>%s</td>",
            html_file_anchor(f, id, sizeof id), html_clock(f->ts_usec, when, sizeof when),
            (unsigned long long)f->first_pkt, file_what(f, fallback));
    fputs("<td>", out);
    esc_html_max(out, f->name, 80);
    if (f->digest) {
        char md5[33];
        fprintf(out, "<br/><span class=\"hash\">%llu bytes, MD5 %s</span>",
                (unsigned long long)f->size, sbd_hex_lower(f->digest->md5, 16, md5, sizeof md5));
    }
    fprintf(out, "</td><td class=\"mono\">%s %s</td><td class=\"%s\">%s",
            f->proto == OBS_TFTP ? "TFTP" : "HTTP",
            run_endpoint(f->server, f->sport, srv, sizeof srv), html_mark_class(m), status);
    if (obs_more(f)->sig_detail) {
        fputs("<br/><span class=\"note\">", out);
        esc_html(out, obs_more(f)->sig_detail);
        fputs("</span>", out);
    }
    if (obs_more(f)->missing) {
        fputs("<br/><span class=\"note\">missing blocks ", out);
        esc_html(out, obs_more(f)->missing);
        fputs("</span>", out);
    }
    fputs("</td></tr>\n", out);
}

/* A TLS session of the phone, as its timeline draws it: the engine's verdict on the server's
 * certificate, and the list it was judged against. The row links to the session's evidence. */
static void tls_row(const html_doc *d, const obs_tls *t)
{
    FILE *out = d->out;
    char id[48], when[40], status[120], srv[80];
    html_mark m = tls_event(d, t, status, sizeof status);
    fprintf(out, "<tr class=\"tls\"><td>%s</td><td>#%llu</td><td><a href=\"#%s\">%s</a></td><td>",
            html_clock(t->ts_usec, when, sizeof when), (unsigned long long)t->pkt,
            html_tls_anchor(t, id, sizeof id), t->sport == 2445 ? "TVS session" : "TLS session");
    if (t->n_certs && t->certs[0].info_ok) {
        char cn[200];
        esc_html_max(out, cn_copy(&t->certs[0].info, cn, sizeof cn), 80);
    } else
        fputs("-", out);
    fprintf(out, "</td><td class=\"mono\">TLS %s</td><td class=\"%s\">%s",
            run_endpoint(t->server, t->sport, srv, sizeof srv), html_mark_class(m), status);
    const html_list *l = t->judged && t->judged_against && t->judged_against->digest
                             ? html_list_of(d, t->judged_against->digest->sha256)
                             : NULL;
    if (l) {
        fputs("<br/><span class=\"note\">against ", out);
        list_link(d, l);
        fputs("</span>", out);
    }
    fputs("</td></tr>\n", out);
}

static int cmp_tls_time(const void *a, const void *b)
{
    const obs_tls *x = *(const obs_tls *const *)a, *y = *(const obs_tls *const *)b;
    if (x->ts_usec != y->ts_usec)
        return x->ts_usec < y->ts_usec ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The phone's requests and TLS sessions in time order: the rows the timeline draws. */
static void phone_table(const html_doc *d, const phone_group *g)
{
    const obs_tls *const *tls = g->tls;
    size_t nt = g->n_tls;
    fputs("<table><tr><th>time (UTC)</th><th>packet</th><th>what</th><th>name / certificate</th>"
          "<th>server</th><th>result</th></tr>\n",
          d->out);
    for (size_t i = 0, k = 0; i < g->n_files || k < nt;) {
        if (k == nt || (i < g->n_files && g->files[i]->ts_usec <= tls[k]->ts_usec)) {
            file_row(d, g->files[i], is_fallback(g, i));
            i++;
        } else {
            tls_row(d, tls[k++]);
        }
    }
    fputs("</table>\n", d->out);
}

static void phone_card(const html_doc *d, const obs_input *in, const phone_group *g, size_t idx,
                       const timeline *tl)
{
    FILE *out = d->out;
    char addr[80];
    fprintf(out, "<div class=\"card phone\" id=\"p-%zu-%zu\">\n<h3>", in->index, idx);
    esc_html(out, g->files[0]->phone);
    fprintf(out, " <span class=\"sub\">%s &#183; ",
            cap_addr_str(g->files[0]->client, 0, addr, sizeof addr));
    esc_html_max(out, in->path, 80);
    fputs("</span></h3>\n", out);
    html_svg_timeline(out, tl->ev, tl->n);
    fputs("<p class=\"legend\"><span><b class=\"c-ok\">&#9679;</b> received / verified</span>"
          "<span><b class=\"c-warn\">&#9670;</b> warning</span><span><b class=\"c-fail\">&#10005;"
          "</b> failed</span><span><b class=\"c-neutral\">&#9675;</b> not found / not checked"
          "</span></p>\n",
          out);
    phone_table(d, g);
    fputs("</div>\n", out);
}

static int cmp_addr(const cap_addr *x, const cap_addr *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return memcmp(x->a, y->a, x->family == 6 ? 16 : 4);
}

static int cmp_tls_client(const void *a, const void *b)
{
    const obs_tls *x = *(const obs_tls *const *)a, *y = *(const obs_tls *const *)b;
    int c = cmp_addr(x->client, y->client);
    return c ? c : cmp_tls_time(a, b);
}

/* First session from addr in ix (sorted by client address). */
static size_t tls_lower(const obs_tls *const *ix, size_t n, const cap_addr *addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_addr(ix[mid]->client, addr) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A phone's TLS sessions: those from its files' client addresses, found in the input's sessions
 * sorted by address (a scan of every session for every phone was quadratic, and a cluster-wide
 * reset has a TVS session per boot). Returns false when out of memory. */
static bool group_tls(const obs_tls *const *ix, size_t n, phone_group *g)
{
    size_t cap = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < g->n_files; i++) {
            const cap_addr *addr = g->files[i]->client;
            size_t k = 0;
            while (k < i && !cap_addr_equal(g->files[k]->client, addr))
                k++;
            if (k < i) /* an address seen before in this group */
                continue;
            for (size_t t = tls_lower(ix, n, addr); t < n && cap_addr_equal(ix[t]->client, addr);
                 t++) {
                if (pass == 1)
                    g->tls[g->n_tls++] = ix[t];
                else
                    cap++;
            }
        }
        if (pass == 0) {
            g->tls = cap ? malloc(cap * sizeof *g->tls) : NULL;
            if (cap && !g->tls)
                return false;
        }
    }
    if (g->n_tls > 1)
        qsort(g->tls, g->n_tls, sizeof *g->tls, cmp_tls_time);
    return true;
}

/* Up to this many phones in an input, every phone has its card (a timeline each is readable);
 * beyond it, only those a warning or error names do and the others are a table row each (1,000
 * cards of 6.5 KB made most of a 7 MB page). */
#define HTML_CARDS_ALL 20
/* Cards for phones that only warnings name, per input; the others are rows naming their rule
 * (a cluster-wide reset warns 12,677 phones of the 1 GB capture, a 130 MB page of cards). Phones
 * with an error always have their card. */
#define HTML_WARNED_CARDS 100

/* What the phones section looks up once: the phones some warning or error names, and the engine's
 * list decision for each list offered (run.moves, by the offered file). */
typedef struct phones_ctx {
    kmap flagged; /* phone name -> 0: a warning or error names it */
    kmap errored; /* phone name -> 0: an error names it */
    kmap move_of; /* address of an offered obs_file -> index into run.moves (the last decision) */
} phones_ctx;

static void phones_ctx_init(const html_doc *d, phones_ctx *c)
{
    const run *r = d->r;
    kmap_init(&c->flagged);
    kmap_init(&c->errored);
    kmap_init(&c->move_of);
    bool added;
    for (size_t i = 0; i < r->n_findings; i++)
        if (sbd_rule_severity(r->findings[i].rule) > SBD_SEV_INFO && r->findings[i].phone[0]) {
            kmap_put_str(&c->flagged, r->findings[i].phone, 0, &added);
            if (sbd_rule_severity(r->findings[i].rule) == SBD_SEV_ERROR)
                kmap_put_str(&c->errored, r->findings[i].phone, 0, &added);
        }
    /* Backwards, so the first put for a file is the engine's last decision on it. */
    for (size_t i = r->n_moves; i-- > 0;)
        if (r->moves[i].to)
            kmap_put(&c->move_of, &r->moves[i].to, sizeof r->moves[i].to, i, &added);
}

static void phones_ctx_free(phones_ctx *c)
{
    kmap_free(&c->flagged);
    kmap_free(&c->errored);
    kmap_free(&c->move_of);
}

/* How bad the engine's findings on a phone are: PHONE_ERROR / PHONE_WARNING when an error / a
 * warning names it or one of its files or sessions (or its timeline marks one failed / warned),
 * PHONE_OK otherwise; *rule gets the worst rule naming a file or session. */
enum { PHONE_OK, PHONE_WARNING, PHONE_ERROR };

static int phone_level(const html_doc *d, const phones_ctx *c, const timeline *tl,
                       const phone_group *g, sbd_rule *rule)
{
    int worst = -1;
    for (size_t i = 0; i < g->n_files; i++) {
        sbd_rule ru = SBD_RULE_COUNT;
        int w = html_worst(d, g->files[i], &ru);
        if (w > worst) {
            worst = w;
            *rule = ru;
        }
    }
    for (size_t i = 0; i < g->n_tls; i++) {
        sbd_rule ru = SBD_RULE_COUNT;
        int w = html_worst(d, g->tls[i], &ru);
        if (w > worst) {
            worst = w;
            *rule = ru;
        }
    }
    bool fail = false, warn = false;
    for (size_t i = 0; i < tl->n; i++) {
        fail |= tl->ev[i].mark == HTML_MARK_FAIL;
        warn |= tl->ev[i].mark == HTML_MARK_WARN;
    }
    const char *name = g->files[0]->phone;
    if (worst == SBD_SEV_ERROR || fail || kmap_get_str(&c->errored, name) != SIZE_MAX)
        return PHONE_ERROR;
    if (worst == SBD_SEV_WARNING || warn || kmap_get_str(&c->flagged, name) != SIZE_MAX)
        return PHONE_WARNING;
    return PHONE_OK;
}

/* The ITL the phone holds after its last list decision (the engine's run.moves): the list offered
 * when it was accepted or the same, the one held before otherwise. */
static const html_list *held_itl(const html_doc *d, const phones_ctx *c, const phone_group *g)
{
    const obs_file *held = NULL;
    for (size_t i = 0; i < g->n_files; i++) {
        const obs_file *f = g->files[i];
        if (f->name_kind != SBD_NAME_ITL_PER_PHONE && f->name_kind != SBD_NAME_ITL_FILE)
            continue;
        size_t k = kmap_get(&c->move_of, &f, sizeof f);
        if (k >= d->r->n_moves)
            continue;
        const run_move *m = &d->r->moves[k];
        bool took = m->outcome == SBD_OUT_LIST_FIRST || m->outcome == SBD_OUT_LIST_SAME ||
                    m->outcome == SBD_OUT_LIST_DIRECT || m->outcome == SBD_OUT_LIST_VIA_TVS;
        held = took ? m->to : m->from;
    }
    return held && held->digest ? html_list_of(d, held->digest->sha256) : NULL;
}

/* A boot starts with the CTL request (the ITL request when the phone asked for no CTL). */
static int64_t last_boot(const phone_group *g)
{
    int64_t ctl = -1, itl = -1;
    for (size_t i = 0; i < g->n_files; i++) {
        sbd_name_kind k = g->files[i]->name_kind;
        if (k == SBD_NAME_CTL_PER_PHONE || k == SBD_NAME_CTL_FILE)
            ctl = g->files[i]->ts_usec;
        else if (k == SBD_NAME_ITL_PER_PHONE || k == SBD_NAME_ITL_FILE)
            itl = g->files[i]->ts_usec;
    }
    return ctl >= 0 ? ctl : itl >= 0 ? itl : g->files[0]->ts_usec;
}

/* The phone's events as a short list; each file line keeps its evidence id, so every link into
 * the phone (from the verdict, the trust files) still lands. */
static void compact_events(FILE *out, const timeline *tl)
{
    char when[40]; /* the time of day: the row's last boot gives the date */
    fprintf(out, "<details><summary>%zu event%s</summary><ul class=\"ev\">\n", tl->n,
            tl->n == 1 ? "" : "s");
    for (size_t i = 0; i < tl->n; i++) {
        const html_event *e = &tl->ev[i];
        if (e->tls)
            fprintf(out, "<li>%s #%llu <a href=\"#%s\">%s</a> ",
                    html_clock(e->ts_usec, when, sizeof when) + 11, (unsigned long long)e->pkt,
                    e->anchor, e->what);
        else
            fprintf(out, "<li id=\"%s\">%s #%llu %s ", e->anchor,
                    html_clock(e->ts_usec, when, sizeof when) + 11, (unsigned long long)e->pkt,
                    e->what);
        fputs("<span class=\"mono\">", out);
        esc_html_max(out, e->name, 80);
        fprintf(out, "</span>: <span class=\"c-%s\">%s</span></li>\n", html_mark_class(e->mark),
                e->status);
    }
    fputs("</ul></details>", out);
}

/* A phone no warning or error names: its held ITL, its last TVS verdict and last boot, with its
 * events one click away. */
static void phone_row(const html_doc *d, const phones_ctx *c, const obs_input *in,
                      const phone_group *g, size_t idx, const timeline *tl, bool warned,
                      sbd_rule rule)
{
    FILE *out = d->out;
    char addr[80], when[40];
    fprintf(out, "<tr class=\"%s\" id=\"p-%zu-%zu\"><td>", warned ? "warned" : "healthy", in->index,
            idx);
    esc_html(out, g->files[0]->phone);
    fprintf(out, "<br/><span class=\"note\">%s</span>",
            cap_addr_str(g->files[0]->client, 0, addr, sizeof addr));
    if (warned)
        fprintf(out, "<br/><span class=\"c-warn\">%s</span>",
                rule < SBD_RULE_COUNT ? sbd_rule_id(rule) : "warning");
    fputs("</td><td>", out);
    const html_list *l = held_itl(d, c, g);
    if (l)
        list_link(d, l);
    else
        fputs("-", out);
    const html_event *tvs = NULL;
    for (size_t i = 0; i < tl->n; i++)
        if (tl->ev[i].tls && strcmp(tl->ev[i].what, "TVS session") == 0)
            tvs = &tl->ev[i];
    if (tvs)
        fprintf(out, "</td><td class=\"%s\">%s", html_mark_class(tvs->mark), tvs->status);
    else
        fputs("</td><td class=\"neutral\">no TVS session seen", out);
    fprintf(out, "</td><td class=\"nowrap\">%s</td><td>",
            html_clock(last_boot(g), when, sizeof when));
    compact_events(out, tl);
    fputs("</td></tr>\n", out);
}

static void rows_head(FILE *out, const obs_input *in, size_t n, bool warned)
{
    if (warned)
        fprintf(out,
                "<h3>More phones with warnings <span class=\"sub\">%zu beyond the first %d cards "
                "in ",
                n, HTML_WARNED_CARDS);
    else
        fprintf(out, "<h3>Phones without warnings <span class=\"sub\">%zu in ", n);
    esc_html_max(out, in->path, 80);
    fprintf(out, "</span></h3>\n<table class=\"%s\">", warned ? "warned" : "healthy");
    fputs("<tr><th>phone</th><th>holds</th><th>last TVS "
          "verdict</th><th>last boot (UTC)</th><th>requests and sessions</th></tr>\n",
          out);
}

static void phones_of_input(const html_doc *d, const phones_ctx *c, const obs_input *in)
{
    const obs_file **files = malloc((in->n_files + 1) * sizeof *files);
    phone_group *groups = calloc(in->n_files + 1, sizeof *groups);
    if (!files || !groups) {
        free(files);
        free(groups);
        return;
    }
    for (size_t i = 0; i < in->n_files; i++)
        files[i] = obs_file_at(in, i);
    qsort(files, in->n_files, sizeof *files, cmp_phone_file);
    size_t ng = 0;
    for (size_t i = 0; i < in->n_files; i++) {
        if (!ng || strcmp(groups[ng - 1].files[0]->phone, files[i]->phone) != 0)
            groups[ng++] = (phone_group){&files[i], 0, NULL, 0};
        groups[ng - 1].n_files++;
    }
    qsort(groups, ng, sizeof *groups, cmp_group_first);
    const obs_tls **ix = malloc((in->n_tls + 1) * sizeof *ix);
    for (size_t k = 0; ix && k < in->n_tls; k++)
        ix[k] = obs_tls_at(in, k);
    if (ix)
        qsort(ix, in->n_tls, sizeof *ix, cmp_tls_client);
    bool tls_ok = ix != NULL;
    for (size_t g = 0; g < ng && tls_ok; g++)
        tls_ok = group_tls(ix, in->n_tls, &groups[g]);
    free(ix);
    if (!tls_ok && in->n_tls)
        fputs("<p class=\"note\">out of memory: TLS sessions not listed</p>\n", d->out);
    /* Cards first (errors all, warnings up to HTML_WARNED_CARDS), then a table of the other
     * warned phones, then one of the healthy ones. row[g]: 0 card, 1 healthy row, 2 warned row. */
    unsigned char *row = calloc(ng + 1, sizeof *row);
    sbd_rule *rule = calloc(ng + 1, sizeof *rule);
    size_t n_rows[3] = {0}, warned_cards = 0;
    for (size_t g = 0; g < ng; g++) {
        timeline tl;
        build_timeline(d, &groups[g], &tl);
        if (rule)
            rule[g] = SBD_RULE_COUNT;
        int level = !row || !rule || ng <= HTML_CARDS_ALL
                        ? PHONE_ERROR
                        : phone_level(d, c, &tl, &groups[g], &rule[g]);
        if (level == PHONE_WARNING && warned_cards < HTML_WARNED_CARDS)
            warned_cards++;
        else if (level != PHONE_ERROR)
            n_rows[row[g] = level == PHONE_OK ? 1 : 2]++;
        if (!row || !row[g])
            phone_card(d, in, &groups[g], g, &tl);
        timeline_free(&tl);
    }
    for (int kind = 2; kind >= 1; kind--) {
        if (!n_rows[kind])
            continue;
        rows_head(d->out, in, n_rows[kind], kind == 2);
        for (size_t g = 0; g < ng; g++)
            if (row[g] == kind) {
                timeline tl;
                build_timeline(d, &groups[g], &tl);
                phone_row(d, c, in, &groups[g], g, &tl, kind == 2, rule[g]);
                timeline_free(&tl);
            }
        fputs("</table>\n", d->out);
    }
    free(row);
    free(rule);
    for (size_t g = 0; g < ng; g++)
        free(groups[g].tls);
    free(groups);
    free(files);
}

void html_section_phones(const html_doc *d)
{
    fputs("<section id=\"phones\">\n<h2>Phones</h2>\n<p class=\"note\">Each phone's requests and "
          "TLS sessions in one capture, in time order: CTL, ITL, fallbacks to the cluster-wide "
          "files, the signed configuration, TVS. Beyond 20 phones in a capture, only a phone that "
          "a warning or error names has its own card with its timeline; the others share one "
          "table, a row each.</p>\n",
          d->out);
    phones_ctx c;
    phones_ctx_init(d, &c);
    size_t shown = 0;
    for (size_t i = 0; i < d->r->n_inputs; i++) {
        phones_of_input(d, &c, &d->r->inputs[i]);
        shown += d->r->inputs[i].n_files;
    }
    phones_ctx_free(&c);
    if (!shown)
        fputs("<p class=\"note\">No file request was seen.</p>\n", d->out);
    fputs("</section>\n", d->out);
}

/* ---- trust files ------------------------------------------------------------------------------
 */

static void served_as(const html_doc *d, const html_list *l)
{
    FILE *out = d->out;
    size_t shown = 0, total = 0;
    fputs("<td>", out);
    for (size_t i = 0; i < d->n_files; i++) {
        const obs_file *f = d->files[i];
        if (!f->digest || memcmp(f->digest->sha256, l->b->sha256, 32) != 0)
            continue;
        total++;
        if (shown == 12)
            continue;
        char id[48];
        fprintf(out, "%s<a href=\"#%s\">", shown++ ? ", " : "", html_file_anchor(f, id, sizeof id));
        esc_html_max(out, f->name, 60);
        fputs("</a> to ", out);
        esc_html(out, f->phone);
    }
    if (total > shown)
        fprintf(out, " and %zu more", total - shown);
    fputs("</td>", out);
}

static void records_table(const html_doc *d, const html_list *l, html_validity *v, size_t *nv,
                          char (*labels)[700])
{
    FILE *out = d->out;
    const sbd_file *f = &l->b->f;
    fputs("<table><tr><th>#</th><th>function</th><th>subject</th><th>serial</th>"
          "<th>valid from / until</th></tr>\n",
          out);
    for (size_t i = 0; i < f->n_records; i++) {
        const sbd_record *rec = &f->records[i];
        char s[600], serial[SBD_SERIAL_TEXT_MAX], fnbuf[16];
        const char *fn = rec->function_elem ? sbd_function_name(rec->function) : NULL;
        if (!fn && rec->function_elem)
            snprintf(fnbuf, sizeof fnbuf, "%u", rec->function);
        fn = fn ? fn : rec->function_elem ? fnbuf : "-";
        fprintf(out, "<tr><td>%zu</td><td>%s</td>", i + 1, fn);
        td_text(out, rec->subject ? sbd_elem_name(f, rec->subject, s, sizeof s) : "-", 200);
        fprintf(out, "<td class=\"mono\">%s</td>",
                rec->serial ? sbd_hex_serial(sbd_elem_value(f, rec->serial),
                                             rec->serial->len > 64 ? 64 : rec->serial->len,
                                             SBD_SERIAL_SHOWN, serial, sizeof serial)
                            : "-");
        sbd_cert_info ci;
        sbd_error err;
        if (rec->certificate &&
            sbd_cert_info_from_der(sbd_elem_value(f, rec->certificate), rec->certificate->len, &ci,
                                   &err) == SBD_OK) {
            char a[32], b[32];
            fprintf(out, "<td class=\"nowrap\">%s<br/>%s</td></tr>\n",
                    sbd_time_iso(ci.not_before, a, sizeof a),
                    sbd_time_iso(ci.not_after, b, sizeof b));
            char cn[200];
            snprintf(labels[*nv], sizeof labels[0], "%zu %s %s", i + 1,
                     rec->function_elem && rec->function == 0 ? "SAST" : fn,
                     cn_copy(&ci, cn, sizeof cn));
            v[*nv] = (html_validity){labels[*nv], ci.not_before, ci.not_after};
            (*nv)++;
        } else {
            fputs("<td class=\"note\">no certificate in the record</td></tr>\n", out);
        }
    }
    fputs("</table>\n", out);
}

static void listing_block(const html_doc *d, const html_list *l)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return;
    sbd_listing_print(mem, &l->b->f, &l->b->self, -1);
    if (fclose(mem) != 0) {
        free(text);
        return;
    }
    fputs("<details><summary>CUCM-style listing (as <code>show itl</code> / "
          "<code>pcapscan show</code>)</summary>\n<pre>",
          d->out);
    esc_html(d->out, text);
    fputs("</pre></details>\n", d->out);
    free(text);
}

static void trust_card(const html_doc *d, const html_list *l)
{
    FILE *out = d->out;
    const sbd_file *f = &l->b->f;
    char id[48], lbl[48], md5[33], sha[65];
    html_mark m = sig_mark(l->b->self.status);
    fprintf(out, "<div class=\"card tfile\" id=\"%s\">\n<h3>%s &#183; ",
            html_list_anchor(l->b->sha256, id, sizeof id), html_list_label(l, lbl, sizeof lbl));
    esc_html_max(out, l->first->name, 80);
    fputs(" ", out);
    html_badge(out, html_mark_class(m), sig_phrase(l->b->self.status));
    fputs("</h3>\n<table class=\"kv\">\n<tr><th>served</th>", out);
    served_as(d, l);
    fprintf(out, "</tr>\n<tr><th>size</th><td>%zu bytes, %zu records</td></tr>\n", l->b->len,
            f->n_records);
    fprintf(out,
            "<tr><th>MD5</th><td class=\"hash\">%s</td></tr>\n"
            "<tr><th>SHA-256</th><td class=\"hash\">%s</td></tr>\n<tr><th>signer</th>",
            sbd_hex_lower(l->first->digest->md5, 16, md5, sizeof md5),
            sbd_hex_lower(l->b->sha256, 32, sha, sizeof sha));
    signer_cell(out, f);
    fprintf(out, "</tr>\n<tr><th>verification</th><td class=\"%s\">", html_mark_class(m));
    esc_html(out, l->b->self.detail[0] ? l->b->self.detail : sig_phrase(l->b->self.status));
    fputs("</td></tr>\n</table>\n", out);
    html_validity *v = calloc(f->n_records + 1, sizeof *v);
    char(*labels)[700] = calloc(f->n_records + 1, sizeof *labels);
    size_t nv = 0;
    if (v && labels) {
        records_table(d, l, v, &nv, labels);
        html_svg_validity(out, v, nv, l->first->ts_usec / 1000000, d->today, d->r->o->expiry_days);
    }
    free(v);
    free(labels);
    listing_block(d, l);
    fputs("</div>\n", out);
}

void html_section_trust_files(const html_doc *d)
{
    fputs("<section id=\"trust\">\n<h2>Trust files</h2>\n<p class=\"note\">Each distinct ITL/CTL "
          "(by content). Compare MD5 with the phone's Settings &gt; Security &gt; Trust List "
          "screen. Validity bars: green valid at capture time, amber expiring soon, red "
          "expired.</p>\n",
          d->out);
    for (size_t i = 0; i < d->n_lists; i++)
        trust_card(d, &d->lists[i]);
    if (!d->n_lists)
        fputs("<p class=\"note\">No trust list was transferred whole.</p>\n", d->out);
    fputs("</section>\n", d->out);
}

/* ---- TLS servers
 * ---------------------------------------------------------------------------------- */

typedef struct tls_item {
    const obs_tls *t;
    char server[80];
} tls_item;

static int cmp_tls_item(const void *a, const void *b)
{
    const tls_item *x = a, *y = b;
    int c = strcmp(x->server, y->server);
    if (c)
        return c;
    return x->t->ts_usec < y->t->ts_usec ? -1 : x->t->ts_usec > y->t->ts_usec;
}

/* The engine's verdict on the leaf, against the list the phone held (run by the rules pass). */
static void cert_trust_cell(const html_doc *d, const obs_tls *t, size_t idx)
{
    FILE *out = d->out;
    fputs("<td>", out);
    if (idx != 0 || !t->judged) {
        fputs(idx ? "" : "<span class=\"note\">not judged</span>", out);
        fputs("</td>", out);
        return;
    }
    const char *cls = t->verdict == SBD_OUT_SERVER_IN_LIST   ? "c-ok"
                      : t->verdict == SBD_OUT_SERVER_NO_LIST ? "note"
                                                             : "c-fail";
    fprintf(out, "<span class=\"%s\">%s</span>", cls, sbd_trust_outcome_text(t->verdict));
    const html_list *l = t->judged_against && t->judged_against->digest
                             ? html_list_of(d, t->judged_against->digest->sha256)
                             : NULL;
    if (l) {
        fputs("<br/><span class=\"note\">against ", out);
        list_link(d, l);
        if (t->judged_record != OBS_NO_RECORD && t->judged_record < l->b->f.n_records) {
            const sbd_record *rec = &l->b->f.records[t->judged_record];
            if (rec->function_elem)
                fprintf(out, " (record %zu, %s)", (size_t)t->judged_record + 1,
                        sbd_function_name(rec->function));
        }
        fputs("</span>", out);
    }
    fputs("</td>", out);
}

static void cert_row(const html_doc *d, const obs_tls *t, const obs_cert *c, size_t idx)
{
    FILE *out = d->out;
    if (!c->info_ok) {
        fprintf(out, "<tr><td>%zu</td><td colspan=\"4\" class=\"note\">unreadable: ", idx);
        esc_html(out, c->error);
        fputs("</td></tr>\n", out);
        return;
    }
    char serial[SBD_SERIAL_TEXT_MAX], a[32], b[32], sha[65];
    fprintf(out, "<tr><td>%zu</td>", idx);
    fputs("<td>", out);
    esc_html(out, c->info.subject);
    fputs("<br/><span class=\"note\">issuer ", out);
    esc_html(out, c->info.issuer);
    fprintf(
        out,
        "</span></td><td class=\"mono\">%s</td><td class=\"nowrap\">%s<br/>%s</td>"
        "<td class=\"hash\">%s</td>",
        sbd_hex_serial(c->info.serial, c->info.serial_len, SBD_SERIAL_SHOWN, serial, sizeof serial),
        sbd_time_iso(c->info.not_before, a, sizeof a), sbd_time_iso(c->info.not_after, b, sizeof b),
        sbd_hex_lower(c->info.sha256, 32, sha, sizeof sha));
    cert_trust_cell(d, t, idx);
    fputs("</tr>\n", out);
}

static void session_row(const html_doc *d, const obs_tls *t)
{
    FILE *out = d->out;
    char id[48], when[40], ver[32], cli[80], status[120];
    html_mark m = tls_event(d, t, status, sizeof status);
    fprintf(out, "<tr id=\"%s\"><td>%s</td><td>", html_tls_anchor(t, id, sizeof id),
            html_clock(t->ts_usec, when, sizeof when));
    esc_html_max(out, d->r->inputs[t->input].path, 50);
    fprintf(out, " #%llu</td><td class=\"mono\">%s</td><td>%s</td><td>", (unsigned long long)t->pkt,
            run_endpoint(t->client, t->cport, cli, sizeof cli),
            cap_tls_version_name(t->version, ver, sizeof ver));
    esc_html_max(out, t->sni ? t->sni : "-", 80);
    fprintf(out, "</td><td class=\"%s\">%s</td></tr>\n", html_mark_class(m), status);
}

static void server_card(const html_doc *d, const tls_item *items, size_t n, size_t idx)
{
    FILE *out = d->out;
    uint16_t port = items[0].t->sport;
    fprintf(out,
            "<div class=\"card server\" id=\"srv-%zu\">\n<h3><span class=\"mono\">%s</span> "
            "<span class=\"sub\">%s</span></h3>\n",
            idx, items[0].server, sbd_service_text(sbd_service_of_port(&d->r->o->services, port)));
    fputs("<table><tr><th>time (UTC)</th><th>capture, packet</th><th>client</th><th>version</th>"
          "<th>SNI</th><th>result</th></tr>\n",
          out);
    for (size_t i = 0; i < n; i++)
        session_row(d, items[i].t);
    fputs("</table>\n<table><tr><th>chain</th><th>certificate</th><th>serial</th>"
          "<th>valid from / until</th><th>SHA-256</th><th>in the trust lists?</th></tr>\n",
          out);
    /* Each distinct certificate once, with its position in the first chain that showed it
     * (a keyed map of the DER seen: comparing with every earlier chain was quadratic). */
    kmap seen;
    kmap_init(&seen);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < items[i].t->n_certs; c++) {
            const obs_cert *oc = &items[i].t->certs[c];
            bool added = false; /* out of memory: shown again rather than lost */
            if (kmap_put(&seen, oc->der, oc->len, 0, &added) == SIZE_MAX || added)
                cert_row(d, items[i].t, oc, c);
        }
    kmap_free(&seen);
    fputs("</table>\n</div>\n", out);
}

void html_section_tls(const html_doc *d)
{
    FILE *out = d->out;
    size_t n = 0;
    for (size_t i = 0; i < d->r->n_inputs; i++)
        n += d->r->inputs[i].n_tls;
    fputs("<section id=\"tls\">\n<h2>TLS servers</h2>\n", out);
    tls_item *items = calloc(n + 1, sizeof *items);
    if (!n || !items) {
        fputs("<p class=\"note\">No TLS session on a watched port (2445 TVS, 8443/443 HTTPS, "
              "3804 CAPF, 5061 SIP).</p>\n</section>\n",
              out);
        free(items);
        return;
    }
    n = 0;
    for (size_t i = 0; i < d->r->n_inputs; i++)
        for (size_t k = 0; k < d->r->inputs[i].n_tls; k++) {
            const obs_tls *t = obs_tls_at(&d->r->inputs[i], k);
            items[n].t = t;
            run_endpoint(t->server, t->sport, items[n].server, sizeof items[n].server);
            n++;
        }
    qsort(items, n, sizeof *items, cmp_tls_item);
    for (size_t i = 0, g = 0; i < n; g++) {
        size_t j = i + 1;
        while (j < n && strcmp(items[j].server, items[i].server) == 0)
            j++;
        server_card(d, items + i, j - i, g);
        i = j;
    }
    free(items);
    fputs("</section>\n", out);
}
