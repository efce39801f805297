/* --extract's last step, once the rules pass has named every file's kind: the server
 * certificates (DER) and manifest.json describing everything the folder holds. */
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"
#include "report/report.h"
#include "scan/extract.h"

static json_t *file_entry(const run *r, const obs_file *f)
{
    char md5[33], sha[65], cli[80], srv[80];
    return json_pack("{s:o, s:o, s:s, s:s, s:I, s:o, s:I, s:s, s:s, s:s, s:s}", "file",
                     esc_json_str(obs_more(f)->extracted), "name", esc_json_str(f->name), "sha256",
                     sbd_hex_lower(f->digest->sha256, 32, sha, sizeof sha), "md5",
                     sbd_hex_lower(f->digest->md5, 16, md5, sizeof md5), "size",
                     (json_int_t)f->size, "pcap", esc_json_str(r->inputs[f->input].path),
                     "first_packet", (json_int_t)f->first_pkt, "client",
                     run_endpoint(f->client, f->cport, cli, sizeof cli), "server",
                     run_endpoint(f->server, f->sport, srv, sizeof srv), "kind",
                     run_kind_word(r, f), "protocol", f->proto == OBS_TFTP ? "tftp" : "http");
}

static json_t *cert_entry(const run *r, size_t input, const obs_tls *t, size_t c, const char *name)
{
    char sha[65], srv[80];
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:I}", "file", name, "sha256",
                     sbd_hex_lower(t->certs[c].info.sha256, 32, sha, sizeof sha), "subject",
                     esc_json_str(t->certs[c].info.subject), "pcap",
                     esc_json_str(r->inputs[input].path), "server",
                     run_endpoint(t->server, t->sport, srv, sizeof srv), "packet",
                     (json_int_t)t->pkt, "chain_index", (json_int_t)c);
}

static int add_certs(const run *r, extractor *x, json_t *certs)
{
    int rc = 0;
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t k = 0; k < r->inputs[i].n_tls; k++) {
            const obs_tls *t = obs_tls_at(&r->inputs[i], k);
            for (size_t c = 0; t->kind == OBS_TLS_CERTS && c < t->n_certs; c++) {
                char name[EXTRACT_NAME_SIZE];
                const obs_cert *oc = &t->certs[c];
                if (!oc->info_ok)
                    continue;
                if (extract_content(x, oc->info.sha256, oc->info.subject, ".der", oc->der, oc->len,
                                    name) != 0) {
                    rc = -1;
                    continue;
                }
                esc_json_append(certs, cert_entry(r, i, t, c, name));
            }
        }
    return rc;
}

int report_extract_finish(const run *r, extractor *x)
{
    unsigned long lost = esc_json_failures();
    json_t *files = json_array(), *certs = json_array();
    int rc = 0;
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t k = 0; k < r->inputs[i].n_files; k++) {
            const obs_file *f = obs_file_at(&r->inputs[i], k);
            if (obs_more(f)->extracted)
                esc_json_append(files, file_entry(r, f));
            if (f->complete && !obs_more(f)->extracted)
                rc = -1; /* counted as extract_errors in the summary, said on stderr */
        }
    if (add_certs(r, x, certs) != 0)
        rc = -1;
    json_t *m = json_pack("{s:i, s:o, s:o}", "format_version", MANIFEST_FORMAT_VERSION, "files",
                          files, "certs", certs);
    char *text = m ? json_dumps(m, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    if (!text || esc_json_failures() != lost) {
        fputs("pcapscan: --extract: manifest.json incomplete (out of memory)\n", stderr);
        rc = -1;
    }
    if (text && extract_write(x, "manifest.json", (const uint8_t *)text, strlen(text)) != 0)
        rc = -1;
    free(text);
    json_decref(m);
    return rc;
}
