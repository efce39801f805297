/* Sections of the HTML evidence report after the verdict: the cluster view (ITL versions and the
 * continuity between them), each phone's boot timeline, each trust file, each TLS server. */
#include <stdlib.h>
#include <string.h>

#include "cap/tls_certs.h"
#include "out_html.h"
#include "sbd/listing.h"

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
        esc_html(out, sbd_elem_string(f, h->signer_name, s, sizeof s));
    }
    if (h->signer_serial) {
        char serial[140];
        size_t n = h->signer_serial->len > 64 ? 64 : h->signer_serial->len;
        fprintf(
            out, "<br/><span class=\"mono\">serial %s</span>",
            sbd_hex_serial(sbd_elem_value(f, h->signer_serial), n, false, serial, sizeof serial));
    }
    fputs("</td>", out);
}

static void list_link(const html_doc *d, const html_list *l)
{
    char id[48], lbl[24], hex[17];
    fprintf(d->out, "<a href=\"#%s\">%s</a> <span class=\"hash\">%s&#8230;</span>",
            html_list_anchor(l->b->sha256, id, sizeof id), html_list_label(l, lbl, sizeof lbl),
            sbd_hex_lower(l->b->sha256, 8, hex, sizeof hex));
}

/* The CN of a subject ("CN=x;OU=y" in any order), else the whole subject. */
static const char *common_name(const sbd_cert_info *ci)
{
    const char *s = ci->subject;
    for (const char *p = s; *p; p++)
        if ((p == s || p[-1] == ';') && strncmp(p, "CN=", 3) == 0)
            return p + 3;
    return s;
}

/* ---- cluster view
 * -------------------------------------------------------------------------------- */

static void versions_table(const html_doc *d)
{
    FILE *out = d->out;
    char when[40];
    fputs("<table><tr><th>version</th><th>signer</th><th>records</th><th>signature</th>"
          "<th>served to</th><th>first served</th></tr>\n",
          out);
    for (size_t i = 0; i < d->n_lists; i++) {
        const html_list *l = &d->lists[i];
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

/* A change of ITL seen by a phone, and how many phones made it. */
typedef struct transition {
    const html_list *a, *b;
    sbd_continuity c;
    size_t phones;
} transition;

typedef struct held {
    const char *phone;
    const html_list *itl;
} held;

/* TVS sessions with a readable certificate, by time (input order among equal times), and the
 * same sorted by client: each "first one after" is then a binary search, not a scan of every
 * session per ITL change. */
typedef struct tvs_index {
    const obs_tls **by_time, **by_client;
    cap_addr *keys; /* by_client[i]'s client, unused address bytes zeroed */
    size_t n;
} tvs_index;

static cap_addr addr_key(const cap_addr *a)
{
    cap_addr k;
    memset(&k, 0, sizeof k);
    k.family = a->family;
    memcpy(k.a, a->a, a->family == 6 ? 16 : 4);
    return k;
}

static int cmp_tls_time(const void *a, const void *b)
{
    const obs_tls *x = *(const obs_tls *const *)a, *y = *(const obs_tls *const *)b;
    if (x->ts_usec != y->ts_usec)
        return x->ts_usec < y->ts_usec ? -1 : 1;
    if (x->input != y->input) /* then in input and session order, as a scan meets them */
        return x->input < y->input ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int cmp_tls_client(const void *a, const void *b)
{
    const obs_tls *x = *(const obs_tls *const *)a, *y = *(const obs_tls *const *)b;
    cap_addr kx = addr_key(&x->client), ky = addr_key(&y->client);
    int c = memcmp(&kx, &ky, sizeof kx);
    return c ? c : cmp_tls_time(a, b);
}

static bool tvs_index_build(const html_doc *d, tvs_index *x)
{
    memset(x, 0, sizeof *x);
    size_t n = 0;
    for (size_t i = 0; i < d->r->n_inputs; i++)
        n += d->r->inputs[i].n_tls;
    x->by_time = calloc(n + 1, sizeof *x->by_time);
    x->by_client = calloc(n + 1, sizeof *x->by_client);
    x->keys = calloc(n + 1, sizeof *x->keys);
    if (!x->by_time || !x->by_client || !x->keys)
        return false;
    for (size_t i = 0; i < d->r->n_inputs; i++)
        for (size_t k = 0; k < d->r->inputs[i].n_tls; k++) {
            const obs_tls *t = &d->r->inputs[i].tls[k];
            if (t->kind == OBS_TLS_CERTS && t->sport == 2445 && t->n_certs && t->certs[0].info_ok)
                x->by_time[x->n] = x->by_client[x->n] = t, x->n++;
        }
    qsort(x->by_time, x->n, sizeof *x->by_time, cmp_tls_time);
    qsort(x->by_client, x->n, sizeof *x->by_client, cmp_tls_client);
    for (size_t i = 0; i < x->n; i++)
        x->keys[i] = addr_key(&x->by_client[i]->client);
    return true;
}

static void tvs_index_free(tvs_index *x)
{
    free(x->by_time);
    free(x->by_client);
    free(x->keys);
}

/* The first of a[lo..hi) (sorted by time) at or after ts, or NULL. */
static const obs_tls *first_at(const obs_tls *const *a, size_t lo, size_t hi, int64_t ts)
{
    size_t end = hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid]->ts_usec < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < end ? a[lo] : NULL;
}

/* The first TVS certificate served after `after` (the same client preferred), as the rules
 * pass picks it for the continuity decision. */
static const obs_tls *tvs_after(const tvs_index *x, const obs_file *after)
{
    cap_addr key = addr_key(&after->client);
    size_t lo = 0, hi = x->n; /* the first (client, time) at or after (key, after's time) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(&x->keys[mid], &key, sizeof key);
        if (c < 0 || (c == 0 && x->by_client[mid]->ts_usec < after->ts_usec))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->n && memcmp(&x->keys[lo], &key, sizeof key) == 0)
        return x->by_client[lo];
    return first_at(x->by_time, 0, x->n, after->ts_usec);
}

static void note_transition(transition *tr, size_t *n, const html_list *a, const html_list *b,
                            sbd_continuity c)
{
    for (size_t i = 0; i < *n; i++)
        if (tr[i].a == a && tr[i].b == b) {
            tr[i].phones++;
            return;
        }
    tr[(*n)++] = (transition){a, b, c, 1};
}

/* Replays what each phone holds, in packet-time order: a validly signed ITL replaces the held
 * one unless the continuity rule says the phone rejects it. */
static size_t collect_transitions(const html_doc *d, transition *tr)
{
    held *h = calloc(d->n_files + 1, sizeof *h);
    size_t nh = 0, n = 0;
    kmap phones;
    kmap_init(&phones);
    tvs_index tvs;
    bool ok = tvs_index_build(d, &tvs);
    for (size_t i = 0; ok && h && i < d->n_files; i++) {
        const obs_file *f = d->files[i];
        const html_list *l = f->has_digest && !f->upload ? html_list_of(d, f->sha256) : NULL;
        if (!l || l->ctl || f->sig != SBD_SIG_VALID)
            continue;
        size_t k = kmap_put_str(&phones, f->phone, nh, NULL);
        if (k == SIZE_MAX)
            break;
        if (k == nh)
            h[nh++] = (held){f->phone, NULL};
        if (h[k].itl && h[k].itl != l) {
            const obs_tls *t = tvs_after(&tvs, f);
            sbd_cert_id id;
            if (t)
                id = sbd_cert_id_of(&t->certs[0].info);
            sbd_continuity c = sbd_audit_continuity(&h[k].itl->b->f, &l->b->f, t ? &id : NULL);
            note_transition(tr, &n, h[k].itl, l, c);
            if (c == SBD_CONT_BROKEN)
                continue; /* the phone keeps the ITL it had */
        }
        h[k].itl = l;
    }
    tvs_index_free(&tvs);
    kmap_free(&phones);
    free(h);
    return n;
}

static void continuity_words(sbd_continuity c, const char **cls, const char **text)
{
    switch (c) {
    case SBD_CONT_SAME:
        *cls = "ok", *text = "same signer: trusted directly";
        break;
    case SBD_CONT_DIRECT:
        *cls = "ok", *text = "trusted directly (new signer is in the old ITL)";
        break;
    case SBD_CONT_VIA_TVS:
        *cls = "warn", *text = "trusted via TVS (the TVS still matches the old ITL)";
        break;
    case SBD_CONT_BROKEN:
        *cls = "fail", *text = "BROKEN: phones reject it until the ITL is deleted by hand";
        break;
    default:
        *cls = "neutral", *text = "undecided: no TVS certificate seen after it";
    }
}

static void continuity_table(const html_doc *d)
{
    FILE *out = d->out;
    transition *tr = calloc(d->n_files + 1, sizeof *tr);
    size_t n = tr ? collect_transitions(d, tr) : 0;
    if (!n) {
        fputs("<p class=\"note\">No phone was seen moving from one ITL to another.</p>\n", out);
        free(tr);
        return;
    }
    fputs("<table><tr><th>from</th><th>to</th><th>continuity</th><th>phones</th></tr>\n", out);
    for (size_t i = 0; i < n; i++) {
        const char *cls, *text;
        continuity_words(tr[i].c, &cls, &text);
        fputs("<tr><td>", out);
        list_link(d, tr[i].a);
        fputs("</td><td>", out);
        list_link(d, tr[i].b);
        fprintf(out, "</td><td class=\"%s\">%s</td><td>%zu</td></tr>\n", cls, text, tr[i].phones);
    }
    fputs("</table>\n", out);
    free(tr);
}

void html_section_cluster(const html_doc *d)
{
    FILE *out = d->out;
    fputs("<section id=\"cluster\">\n<h2>Cluster view</h2>\n", out);
    if (!d->n_lists) {
        fputs("<p class=\"note\">No ITL or CTL was transferred whole in these captures.</p>\n"
              "</section>\n",
              out);
        return;
    }
    fputs("<h3>Trust list versions served</h3>\n", out);
    versions_table(d);
    fputs("<h3>Continuity between ITL versions (would a phone holding the first accept the "
          "second?)</h3>\n",
          out);
    continuity_table(d);
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
                 f->error_code);
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
             html_has_rule(d, t, SBD_RULE_TVS_CERT_MATCH) ? "certificate matches the ITL"
             : t->sport == 2445                           ? "certificate not checked (no ITL)"
                                                          : "certificate seen");
    return HTML_MARK_OK;
}

/* The TLS sessions of an input that belong to a phone: same client address as its files. */
static bool tls_of_group(const obs_tls *t, const phone_group *g)
{
    for (size_t i = 0; i < g->n_files; i++)
        if (cap_addr_equal(&t->client, &g->files[i]->client))
            return true;
    return false;
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

static void build_timeline(const html_doc *d, const obs_input *in, const phone_group *g,
                           timeline *tl)
{
    size_t cap = g->n_files + in->n_tls;
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
        html_file_anchor(f, e->anchor, sizeof e->anchor);
        tl->n++;
    }
    for (size_t k = 0; k < in->n_tls; k++) {
        const obs_tls *t = &in->tls[k];
        if (!tls_of_group(t, g))
            continue;
        html_event *e = &tl->ev[tl->n];
        e->ts_usec = t->ts_usec;
        e->what = t->sport == 2445 ? "TVS session" : "TLS session";
        e->name = run_endpoint(&t->server, t->sport, tl->server[tl->n], sizeof tl->server[0]);
        e->mark = tls_event(d, t, tl->status[tl->n], sizeof tl->status[0]);
        e->status = tl->status[tl->n];
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
    if (f->has_digest) {
        char md5[33];
        fprintf(out, "<br/><span class=\"hash\">%llu bytes, MD5 %s</span>",
                (unsigned long long)f->size, sbd_hex_lower(f->md5, 16, md5, sizeof md5));
    }
    fprintf(out, "</td><td class=\"mono\">%s %s</td><td class=\"%s\">%s",
            f->proto == OBS_TFTP ? "TFTP" : "HTTP",
            run_endpoint(&f->server, f->sport, srv, sizeof srv), html_mark_class(m), status);
    if (f->sig_detail) {
        fputs("<br/><span class=\"note\">", out);
        esc_html(out, f->sig_detail);
        fputs("</span>", out);
    }
    if (f->missing) {
        fputs("<br/><span class=\"note\">missing blocks ", out);
        esc_html(out, f->missing);
        fputs("</span>", out);
    }
    fputs("</td></tr>\n", out);
}

static void phone_card(const html_doc *d, const obs_input *in, const phone_group *g, size_t idx)
{
    FILE *out = d->out;
    char addr[80];
    fprintf(out, "<div class=\"card phone\" id=\"p-%zu-%zu\">\n<h3>", in->index, idx);
    esc_html(out, g->files[0]->phone);
    fprintf(out, " <span class=\"sub\">%s &#183; ",
            cap_addr_str(&g->files[0]->client, 0, addr, sizeof addr));
    esc_html_max(out, in->path, 80);
    fputs("</span></h3>\n", out);
    timeline tl;
    build_timeline(d, in, g, &tl);
    html_svg_timeline(out, tl.ev, tl.n);
    timeline_free(&tl);
    fputs("<p class=\"legend\"><span><b class=\"c-ok\">&#9679;</b> received / verified</span>"
          "<span><b class=\"c-warn\">&#9670;</b> warning</span><span><b class=\"c-fail\">&#10005;"
          "</b> failed</span><span><b class=\"c-neutral\">&#9675;</b> not found / not checked"
          "</span></p>\n",
          out);
    fputs("<table><tr><th>time (UTC)</th><th>packet</th><th>what</th><th>name</th>"
          "<th>server</th><th>result</th></tr>\n",
          out);
    for (size_t i = 0; i < g->n_files; i++)
        file_row(d, g->files[i], is_fallback(g, i));
    fputs("</table>\n</div>\n", out);
}

static void phones_of_input(const html_doc *d, const obs_input *in)
{
    const obs_file **files = malloc((in->n_files + 1) * sizeof *files);
    phone_group *groups = calloc(in->n_files + 1, sizeof *groups);
    if (!files || !groups) {
        free(files);
        free(groups);
        return;
    }
    for (size_t i = 0; i < in->n_files; i++)
        files[i] = &in->files[i];
    qsort(files, in->n_files, sizeof *files, cmp_phone_file);
    size_t ng = 0;
    for (size_t i = 0; i < in->n_files; i++) {
        if (!ng || strcmp(groups[ng - 1].files[0]->phone, files[i]->phone) != 0)
            groups[ng++] = (phone_group){&files[i], 0};
        groups[ng - 1].n_files++;
    }
    qsort(groups, ng, sizeof *groups, cmp_group_first);
    for (size_t g = 0; g < ng; g++)
        phone_card(d, in, &groups[g], g);
    free(groups);
    free(files);
}

void html_section_phones(const html_doc *d)
{
    fputs("<section id=\"phones\">\n<h2>Phones</h2>\n<p class=\"note\">Each phone's requests and "
          "TLS sessions in one capture, in time order: CTL, ITL, fallbacks to the cluster-wide "
          "files, the signed configuration, TVS.</p>\n",
          d->out);
    size_t shown = 0;
    for (size_t i = 0; i < d->r->n_inputs; i++) {
        phones_of_input(d, &d->r->inputs[i]);
        shown += d->r->inputs[i].n_files;
    }
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
        if (!f->has_digest || memcmp(f->sha256, l->b->sha256, 32) != 0)
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
        char s[600], serial[140], fnbuf[16];
        const char *fn = rec->function_elem ? sbd_function_name(rec->function) : NULL;
        if (!fn && rec->function_elem)
            snprintf(fnbuf, sizeof fnbuf, "%u", rec->function);
        fn = fn ? fn : rec->function_elem ? fnbuf : "-";
        fprintf(out, "<tr><td>%zu</td><td>%s</td>", i + 1, fn);
        td_text(out, rec->subject ? sbd_elem_string(f, rec->subject, s, sizeof s) : "-", 200);
        fprintf(out, "<td class=\"mono\">%s</td>",
                rec->serial ? sbd_hex_serial(sbd_elem_value(f, rec->serial),
                                             rec->serial->len > 64 ? 64 : rec->serial->len, false,
                                             serial, sizeof serial)
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
            const char *cn = common_name(&ci);
            snprintf(labels[*nv], sizeof labels[0], "%zu %s %.*s", i + 1,
                     rec->function_elem && rec->function == 0 ? "SAST" : fn, (int)strcspn(cn, ";"),
                     cn);
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
    char id[48], lbl[24], md5[33], sha[65];
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
            sbd_hex_lower(l->first->md5, 16, md5, sizeof md5),
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

/* Where this certificate stands in the validly signed trust lists seen. */
static void cert_trust_cell(const html_doc *d, const sbd_cert_info *ci, uint16_t port)
{
    FILE *out = d->out;
    sbd_cert_id id = sbd_cert_id_of(ci);
    size_t hits = 0;
    fputs("<td>", out);
    for (size_t i = 0; i < d->n_lists; i++) {
        const html_list *l = &d->lists[i];
        if (l->b->self.status != SBD_SIG_VALID || !sbd_audit_cert_in_list(&l->b->f, &id))
            continue;
        /* On the TVS port the record that matters is the TVS one (the phone's lookup). */
        const sbd_record *rec = NULL;
        if (port != 2445 || sbd_audit_tvs_cert(&l->b->f, &id, &rec) != SBD_TVS_MATCH)
            rec = sbd_find_by_issuer_serial(&l->b->f, ci->issuer, ci->serial, ci->serial_len, NULL);
        const char *fn = rec && rec->function_elem ? sbd_function_name(rec->function) : NULL;
        fputs(hits++ ? "<br/>" : "<span class=\"c-ok\">in ", out);
        list_link(d, l);
        if (fn)
            fprintf(out, " as %s", fn);
    }
    if (hits)
        fputs("</span>", out);
    else if (port == 2445)
        fputs("<strong class=\"c-fail\">in no ITL: phones cannot authenticate this TVS</strong>",
              out);
    else
        fputs("not in the CTL/ITL: phones ask the TVS", out);
    fputs("</td>", out);
}

static void cert_row(const html_doc *d, const obs_cert *c, size_t idx, uint16_t port)
{
    FILE *out = d->out;
    if (!c->info_ok) {
        fprintf(out, "<tr><td>%zu</td><td colspan=\"4\" class=\"note\">unreadable: ", idx);
        esc_html(out, c->error);
        fputs("</td></tr>\n", out);
        return;
    }
    char serial[140], a[32], b[32], sha[65];
    fprintf(out, "<tr><td>%zu</td>", idx);
    fputs("<td>", out);
    esc_html(out, c->info.subject);
    fputs("<br/><span class=\"note\">issuer ", out);
    esc_html(out, c->info.issuer);
    fprintf(out,
            "</span></td><td class=\"mono\">%s</td><td class=\"nowrap\">%s<br/>%s</td>"
            "<td class=\"hash\">%s</td>",
            sbd_hex_serial(c->info.serial, c->info.serial_len, false, serial, sizeof serial),
            sbd_time_iso(c->info.not_before, a, sizeof a),
            sbd_time_iso(c->info.not_after, b, sizeof b),
            sbd_hex_lower(c->info.sha256, 32, sha, sizeof sha));
    cert_trust_cell(d, &c->info, port);
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
            run_endpoint(&t->client, t->cport, cli, sizeof cli),
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
            idx, items[0].server,
            port == 2445                  ? "TVS"
            : port == 8443 || port == 443 ? "HTTPS"
            : port == 3804                ? "CAPF"
            : port == 5061                ? "SIP TLS"
                                          : "TLS");
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
                cert_row(d, oc, c, port);
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
            const obs_tls *t = &d->r->inputs[i].tls[k];
            items[n].t = t;
            run_endpoint(&t->server, t->sport, items[n].server, sizeof items[n].server);
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
