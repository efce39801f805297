/* Findings as CSV (RFC 4180, every field through esc_csv), one row per finding, inputs in order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"
#include "lib/util.h"
#include "report/report.h"

static void csv_field(FILE *out, const char *s, bool last)
{
    esc_csv(out, s);
    fputs(last ? "\r\n" : ",", out);
}

static void csv_row(const run *r, const finding *x, FILE *out)
{
    char iso[40], pk[200] = "", sha[65] = "", serial[140] = "";
    sbd_time_iso(x->ts_usec / 1000000, iso, sizeof iso);
    for (size_t i = 0, n = 0; i < x->n_packets && n < sizeof pk - 24; i++)
        n += (size_t)snprintf(pk + n, sizeof pk - n, "%s%llu", i ? " " : "",
                              (unsigned long long)finding_packet(x, i));
    if (x->file && x->file->digest)
        sbd_hex_lower(x->file->digest->sha256, 32, sha, sizeof sha);
    const sbd_cert_info *ci = x->cert && x->cert->info_ok ? &x->cert->info : NULL;
    if (ci)
        sbd_hex_serial(ci->serial, ci->serial_len, SBD_SERIAL_FIELD, serial, sizeof serial);
    csv_field(out, r->inputs[x->input].path, false);
    csv_field(out, iso, false);
    csv_field(out, sbd_rule_id(x->rule), false);
    csv_field(out, sbd_severity_name(sbd_rule_severity(x->rule)), false);
    csv_field(out, x->phone, false);
    csv_field(out, pk, false);
    csv_field(out, x->file ? x->file->name : "", false);
    csv_field(out, sha, false);
    csv_field(out, ci ? ci->subject : "", false);
    csv_field(out, serial, false);
    char msg[FINDING_MESSAGE_MAX];
    csv_field(out, finding_message(x, msg), true);
}

int report_csv(const run *r, const char *path)
{
    FILE *out = strcmp(path, "-") == 0 ? stdout : util_create(path);
    if (!out) {
        fputs("pcapscan: --csv ", stderr);
        esc_term(stderr, path);
        fprintf(stderr, ": %s\n", util_create_error(errno));
        return -1;
    }
    fputs("pcap,time,rule,severity,phone,packets,file,file_sha256,cert_subject,cert_serial,"
          "message\r\n",
          out);
    report_index ix;
    bool indexed = report_index_build(r, &ix) == 0;
    for (size_t i = 0; indexed && i < r->n_inputs; i++) {
        const size_t *idx;
        size_t n = report_index_findings(&ix, i, &idx);
        for (size_t k = 0; k < n; k++)
            if (report_shown(r, &r->findings[idx[k]]))
                csv_row(r, &r->findings[idx[k]], out);
    }
    if (indexed)
        report_index_free(&ix);
    else
        fprintf(stderr, "pcapscan: --csv %s: out of memory\n", path);
    if (out == stdout)
        return fflush(out) == 0 && indexed ? 0 : -1;
    if (fclose(out) != 0) {
        fprintf(stderr, "pcapscan: --csv %s: %s\n", path, strerror(errno));
        return -1;
    }
    return indexed ? 0 : -1;
}
