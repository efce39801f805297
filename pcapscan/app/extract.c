/* --extract: rebuilt files were written by the workers; here the server certificates (DER) and
 * manifest.json describing everything in the folder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "scan.h"
#include "util.h"

static json_t *file_entry(const run *r, const obs_file *f)
{
    char md5[33], sha[65], cli[80], srv[80];
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:s}", "file",
                     f->extracted, "name", f->name, "sha256",
                     sbd_hex_lower(f->sha256, 32, sha, sizeof sha), "md5",
                     sbd_hex_lower(f->md5, 16, md5, sizeof md5), "size", (json_int_t)f->size,
                     "pcap", r->inputs[f->input].path, "first_packet", (json_int_t)f->first_pkt,
                     "client", run_endpoint(&f->client, f->cport, cli, sizeof cli), "server",
                     run_endpoint(&f->server, f->sport, srv, sizeof srv), "kind",
                     run_kind_word(r, f), "protocol", f->proto == OBS_TFTP ? "tftp" : "http");
}

/* Write one certificate as <sha256>-<subject>.der; returns the name or NULL. */
static const char *write_cert(const char *dir, const obs_cert *c, char *name, size_t namesz)
{
    scan_extract_name(c->info.sha256, c->info.subject, name, namesz - 4);
    strcat(name, ".der");
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, F_OK) == 0)
        return name;
    return util_write_file(path, c->der, c->len, err, sizeof err) == 0 ? name : NULL;
}

static int add_certs(const run *r, const char *dir, json_t *certs)
{
    int rc = 0;
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t k = 0; k < r->inputs[i].n_tls; k++) {
            const obs_tls *t = &r->inputs[i].tls[k];
            for (size_t c = 0; t->kind == OBS_TLS_CERTS && c < t->n_certs; c++) {
                char name[320], sha[65], srv[80];
                if (!t->certs[c].info_ok)
                    continue;
                if (!write_cert(dir, &t->certs[c], name, sizeof name)) {
                    fprintf(stderr, "pcapscan: --extract: cannot write %s: %s\n", name,
                            strerror(errno));
                    rc = -1;
                    continue;
                }
                json_array_append_new(
                    certs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "file", name, "sha256",
                                     sbd_hex_lower(t->certs[c].info.sha256, 32, sha, sizeof sha),
                                     "subject", t->certs[c].info.subject, "pcap", r->inputs[i].path,
                                     "server", run_endpoint(&t->server, t->sport, srv, sizeof srv),
                                     "packet", (json_int_t)t->pkt, "chain_index", (json_int_t)c));
            }
        }
    return rc;
}

int report_extract_finish(const run *r, const char *dir)
{
    json_t *files = json_array(), *certs = json_array();
    int rc = 0;
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t k = 0; k < r->inputs[i].n_files; k++) {
            const obs_file *f = &r->inputs[i].files[k];
            if (f->extracted)
                json_array_append_new(files, file_entry(r, f));
            if (f->complete && !f->extracted)
                rc = -1; /* counted as extract_errors in the summary */
        }
    if (add_certs(r, dir, certs) != 0)
        rc = -1;
    json_t *m = json_pack("{s:i, s:o, s:o}", "format_version", REPORT_FORMAT_VERSION, "files",
                          files, "certs", certs);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    if (json_dump_file(m, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
        fprintf(stderr, "pcapscan: --extract: cannot write %s\n", path);
        rc = -1;
    }
    json_decref(m);
    return rc;
}
