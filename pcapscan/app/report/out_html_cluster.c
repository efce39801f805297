/* Which trust lists of a run belong to one CUCM cluster, so that captures of different sites are
 * shown as different clusters (each with its own ITL v1, v2...) and not as one cluster whose ITL
 * changed four times. This is a grouping of what the run holds, not a trust decision: the
 * engine's decisions (run.moves) are one of its inputs, never recomputed.
 *
 * Two lists are of one cluster when (docs/output.md, "HTML evidence report"):
 *   - they are ITLs that share a node certificate: a SAST, CCM, CCM+TFTP or TFTP record
 *     (CallManager.pem of the cluster's nodes, ITLRecovery; each TFTP node's ITL lists the
 *     others', and such a certificate belongs to one cluster), or name the same header signer
 *     (issuer name and serial). Not CTLs: the USB eTokens that sign them may sign several
 *     clusters' CTLs, so a CTL joins its cluster by the next two links;
 *   - the engine had a phone holding one offered the other (run.moves, whatever it decided: a
 *     regenerated CallManager.pem gives a new signer but the same cluster);
 *   - one phone got both from the same server address in the same capture (a CTL and an ITL of
 *     one boot).
 * The server address alone links nothing: sites reuse private addresses (every bundled capture's
 * TFTP server is 10.77.0.10) and a centralized TFTP serves other clusters' files. */
#include <stdlib.h>
#include <string.h>

#include "report/out_html.h"
#include "sbd/tlv.h"

static size_t uf_find(size_t *parent, size_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* The earlier list stays the root, so a cluster is named by its first list. */
static void uf_union(size_t *parent, size_t a, size_t b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b;
}

/* Link list i to the first list that had the same key. -1 when out of memory. */
static int link_key(kmap *seen, size_t *parent, const void *key, size_t len, size_t i)
{
    bool added = false;
    size_t first = kmap_put(seen, key, len, i, &added);
    if (first == SIZE_MAX)
        return -1;
    if (!added)
        uf_union(parent, first, i);
    return 0;
}

/* The header signer as issuer name and serial bytes ("S" + name + NUL + serial). */
static size_t signer_key(const sbd_file *f, uint8_t *key, size_t cap)
{
    const sbd_header *h = &f->hdr;
    if (!h->signer_name || !h->signer_serial ||
        2 + (size_t)h->signer_name->len + (size_t)h->signer_serial->len > cap)
        return 0;
    size_t n = 0;
    key[n++] = 'S';
    memcpy(key + n, sbd_elem_value(f, h->signer_name), h->signer_name->len);
    n += h->signer_name->len;
    key[n++] = 0;
    memcpy(key + n, sbd_elem_value(f, h->signer_serial), h->signer_serial->len);
    return n + h->signer_serial->len;
}

/* Records whose certificate is one of the cluster's own nodes (not TVS or CAPF: an ITL may list
 * another cluster's TVS for phone migration or Extension Mobility Cross Cluster). */
static bool node_function(uint16_t fn)
{
    return fn == SBD_FN_SAST || fn == SBD_FN_CCM || fn == SBD_FN_CCM_TFTP || fn == SBD_FN_TFTP;
}

static int link_signers(const html_doc *d, size_t *parent)
{
    kmap seen;
    kmap_init(&seen);
    int rc = 0;
    for (size_t i = 0; i < d->n_lists && rc == 0; i++) {
        const blob *b = d->lists[i].b;
        if (d->lists[i].ctl) /* eTokens may sign several clusters' CTLs */
            continue;
        uint8_t key[1200];
        size_t n = signer_key(&b->f, key, sizeof key);
        if (n)
            rc = link_key(&seen, parent, key, n, i);
        for (size_t k = 0; k < b->f.n_records && rc == 0; k++) {
            const sbd_record *rec = &b->f.records[k];
            const sbd_cert_info *ci = blob_record_cert(b, k);
            if (rec->function_elem && node_function(rec->function) && ci)
                rc = link_key(&seen, parent, ci->sha256, sizeof ci->sha256, i);
        }
    }
    kmap_free(&seen);
    return rc;
}

static void link_moves(const html_doc *d, size_t *parent)
{
    for (size_t i = 0; i < d->r->n_moves; i++) {
        const run_move *m = &d->r->moves[i];
        const html_list *a =
            m->from && m->from->digest ? html_list_of(d, m->from->digest->sha256) : NULL;
        const html_list *b = m->to && m->to->digest ? html_list_of(d, m->to->digest->sha256) : NULL;
        if (a && b)
            uf_union(parent, (size_t)(a - d->lists), (size_t)(b - d->lists));
    }
}

/* Same capture, same phone, same server address (not port: TFTP answers from a new port). */
static int link_boots(const html_doc *d, size_t *parent)
{
    kmap seen;
    kmap_init(&seen);
    int rc = 0;
    for (size_t i = 0; i < d->n_files && rc == 0; i++) {
        const obs_file *f = d->files[i];
        const html_list *l = f->digest && !f->upload ? html_list_of(d, f->digest->sha256) : NULL;
        if (!l)
            continue;
        char key[200], addr[80];
        int n = snprintf(key, sizeof key, "%zu|%s|%s", (size_t)f->input,
                         cap_addr_str(f->server, 0, addr, sizeof addr), f->phone);
        if (n > 0 && (size_t)n < sizeof key)
            rc = link_key(&seen, parent, key, (size_t)n, (size_t)(l - d->lists));
    }
    kmap_free(&seen);
    return rc;
}

int html_build_clusters(html_doc *d)
{
    size_t *parent = malloc((d->n_lists + 1) * sizeof *parent);
    int *itls = calloc(d->n_lists + 1, sizeof *itls), *ctls = calloc(d->n_lists + 1, sizeof *ctls);
    int rc = parent && itls && ctls ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < d->n_lists; i++)
        parent[i] = i;
    if (rc == 0)
        rc = link_signers(d, parent);
    if (rc == 0) {
        link_moves(d, parent);
        rc = link_boots(d, parent);
    }
    /* Clusters numbered by their first list; versions numbered within each cluster. */
    for (size_t i = 0; rc == 0 && i < d->n_lists; i++) {
        html_list *l = &d->lists[i];
        size_t root = uf_find(parent, i);
        l->cluster = root == i ? d->n_clusters++ : d->lists[root].cluster;
        l->version = l->ctl ? ++ctls[l->cluster] : ++itls[l->cluster];
    }
    for (size_t i = 0; rc == 0 && i < d->n_lists; i++)
        d->lists[i].show_cluster = d->n_clusters > 1;
    free(parent);
    free(itls);
    free(ctls);
    return rc;
}

/* ---- what the page says identifies a cluster ---------------------------------------------- */

#define IDENTITY_LISTED 8 /* signers, servers listed per cluster; the rest counted */

static void identity_signers(const html_doc *d, size_t c)
{
    FILE *out = d->out;
    kmap seen;
    kmap_init(&seen);
    size_t n = 0;
    fputs("<tr><th>list signers (SAST)</th><td>", out);
    for (size_t i = 0; i < d->n_lists; i++) {
        const blob *b = d->lists[i].b;
        for (size_t k = 0; d->lists[i].cluster == c && k < b->f.n_records; k++) {
            const sbd_record *rec = &b->f.records[k];
            const sbd_cert_info *ci = blob_record_cert(b, k);
            bool added = false;
            if (!rec->function_elem || rec->function != SBD_FN_SAST || !ci ||
                kmap_put(&seen, ci->sha256, sizeof ci->sha256, 0, &added) == SIZE_MAX || !added)
                continue;
            if (n++ < IDENTITY_LISTED) {
                char cn[200], serial[SBD_SERIAL_TEXT_MAX];
                fputs(n > 1 ? "<br/>" : "", out);
                esc_html(out, html_cn(ci->subject, cn, sizeof cn));
                fprintf(out, " <span class=\"mono\">serial %s</span>",
                        sbd_hex_serial(ci->serial, ci->serial_len, SBD_SERIAL_SHOWN, serial,
                                       sizeof serial));
            }
        }
    }
    if (n > IDENTITY_LISTED)
        fprintf(out, "<br/>and %zu more", n - IDENTITY_LISTED);
    fputs(n ? "</td></tr>\n" : "<span class=\"note\">no SAST certificate</span></td></tr>\n", out);
    kmap_free(&seen);
}

/* The servers (protocol, address, capture) that served the cluster's lists, and its phones. */
static void identity_sources(const html_doc *d, size_t c)
{
    FILE *out = d->out;
    kmap seen, phones;
    kmap_init(&seen);
    kmap_init(&phones);
    size_t n = 0;
    fputs("<tr><th>served by</th><td>", out);
    for (size_t i = 0; i < d->n_files; i++) {
        const obs_file *f = d->files[i];
        const html_list *l = f->digest && !f->upload ? html_list_of(d, f->digest->sha256) : NULL;
        if (!l || l->cluster != c)
            continue;
        bool added = false;
        kmap_put_str(&phones, f->phone, 0, &added);
        char key[120], addr[80];
        int k = snprintf(key, sizeof key, "%zu|%d|%s", (size_t)f->input, (int)f->proto,
                         cap_addr_str(f->server, 0, addr, sizeof addr));
        if (k <= 0 || (size_t)k >= sizeof key ||
            kmap_put(&seen, key, (size_t)k, 0, &added) == SIZE_MAX || !added)
            continue;
        if (n++ < IDENTITY_LISTED) {
            fprintf(out, "%s<span class=\"mono\">%s %s</span> in <a href=\"#in-%zu\">",
                    n > 1 ? "<br/>" : "", f->proto == OBS_TFTP ? "TFTP" : "HTTP", addr,
                    (size_t)f->input);
            esc_html_max(out, d->r->inputs[f->input].path, 80);
            fputs("</a>", out);
        }
    }
    if (n > IDENTITY_LISTED)
        fprintf(out, "<br/>and %zu more (server, capture) pairs", n - IDENTITY_LISTED);
    fprintf(out, "</td></tr>\n<tr><th>phones</th><td>%zu got its lists</td></tr>\n", phones.n);
    kmap_free(&seen);
    kmap_free(&phones);
}

void html_cluster_identity(const html_doc *d, size_t c)
{
    fputs("<table class=\"kv\">\n", d->out);
    identity_signers(d, c);
    identity_sources(d, c);
    fputs("</table>\n", d->out);
}
