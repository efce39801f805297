/* Text report: per input, per phone a timeline (CTL -> ITL -> fallback -> config) with sizes,
 * hashes and verdicts, the TLS certificates with the TVS check, the findings; then a summary
 * table across all inputs. Every string from a capture or a results file goes through esc_term. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap/tls_certs.h"
#include "lib/escape.h"
#include "lib/kmap.h"
#include "model/strpool.h"
#include "report/report.h"

static const char *clock_of(int64_t usec, char *out, size_t outsz)
{
    char iso[40];
    sbd_time_iso(usec / 1000000, iso, sizeof iso);
    snprintf(out, outsz, "%.10s %.8s.%03d UTC", iso, iso + 11, (int)((usec % 1000000) / 1000));
    return out;
}

/* ", signer serial 1A:2B:..." from the header: which certificate to look for in the list. */
static void print_signer_serial(const sbd_file *p, FILE *out)
{
    if (!p || !p->hdr.signer_serial)
        return;
    const uint8_t *v = sbd_elem_value(p, p->hdr.signer_serial);
    size_t n = p->hdr.signer_serial->len;
    while (v && n > 1 && v[0] == 0) { /* an unsigned integer, as x509 prints it */
        v++;
        n--;
    }
    char hex[SBD_SERIAL_TEXT_MAX];
    if (v && n)
        fprintf(out, ", signer serial %s", sbd_hex_serial(v, n, SBD_SERIAL_SHOWN, hex, sizeof hex));
}

static void print_file(const run *r, const obs_file *f, FILE *out)
{
    char t[48], srv[80];
    fprintf(out, "    %s #%-6llu %-4s %-9s ", clock_of(f->ts_usec, t, sizeof t),
            (unsigned long long)f->first_pkt, f->proto == OBS_TFTP ? "TFTP" : "HTTP",
            f->upload ? "upload" : obs_xfer_name(f->xfer));
    esc_term(out, f->name);
    fprintf(out, "  [%s from %s]\n", run_kind_word(r, f),
            run_endpoint(f->server, f->sport, srv, sizeof srv));
    if (f->outcome->error_msg) {
        fprintf(out, "        %s %d: ", f->proto == OBS_TFTP ? "TFTP error" : "HTTP",
                f->outcome->error_code);
        esc_term(out, f->outcome->error_msg);
        fputc('\n', out);
    }
    if (f->digest) {
        char md5[33], sha[65];
        fprintf(out, "        size %llu  md5 %s\n        sha256 %s\n", (unsigned long long)f->size,
                sbd_hex_lower(f->digest->md5, 16, md5, sizeof md5),
                sbd_hex_lower(f->digest->sha256, 32, sha, sizeof sha));
    } else if (!f->complete && f->size) {
        fprintf(out, "        %llu bytes received\n", (unsigned long long)f->size);
    }
    if (obs_more(f)->missing) {
        fputs("        missing: ", out);
        esc_term(out, obs_more(f)->missing);
        if (f->outcome->missing_blocks)
            fprintf(out, " (%llu blocks)", (unsigned long long)f->outcome->missing_blocks);
        fputc('\n', out);
    }
    if (f->cut_by_end)
        fputs("        cut by the end of the capture (still going on at the last packet)\n", out);
    if (f->complete && f->looks_signed) {
        fprintf(out, "        signature: %s", run_sig_word(f));
        print_signer_serial(run_parsed(r, f), out);
        fputs(obs_more(f)->sig_detail ? " - " : "", out);
        esc_term(out, obs_more(f)->sig_detail);
        if (f->verifier) {
            fputs(" (checked against ", out);
            esc_term(out, f->verifier->name);
            fprintf(out, " #%llu)", (unsigned long long)f->verifier->first_pkt);
        }
        fputc('\n', out);
    }
    if (obs_more(f)->parse_error) {
        fputs("        not parsed: ", out);
        esc_term(out, obs_more(f)->parse_error);
        fputc('\n', out);
    }
}

static void print_tls(const obs_tls *t, FILE *out)
{
    char ts[48], srv[80], cli[80], ver[32];
    fprintf(out, "    %s #%-6llu TLS  %s -> %s %s", clock_of(t->ts_usec, ts, sizeof ts),
            (unsigned long long)t->pkt, run_endpoint(t->client, t->cport, cli, sizeof cli),
            run_endpoint(t->server, t->sport, srv, sizeof srv),
            cap_tls_version_name(t->version, ver, sizeof ver));
    if (t->kind == OBS_TLS_HIDDEN) {
        fputs(": certificate not visible (TLS 1.3)\n", out);
        return;
    }
    if (t->kind == OBS_TLS_ERROR) {
        fputs(": ", out);
        esc_term(out, t->error ? t->error : "error");
        fputc('\n', out);
        return;
    }
    fputc('\n', out);
    for (size_t i = 0; i < t->n_certs; i++) {
        const obs_cert *c = &t->certs[i];
        if (!c->info_ok) {
            fprintf(out, "        cert %zu: unreadable (", i);
            esc_term(out, c->error ? c->error : "?");
            fputs(")\n", out);
            continue;
        }
        char serial[SBD_SERIAL_TEXT_MAX], na[32];
        fprintf(out, "        cert %zu: ", i);
        esc_term(out, c->info.subject);
        fprintf(out, "  serial %s  not after %s\n",
                sbd_hex_serial(c->info.serial, c->info.serial_len, SBD_SERIAL_SHOWN, serial,
                               sizeof serial),
                sbd_time_iso(c->info.not_after, na, sizeof na));
    }
}

static void print_finding(const run *r, const finding *x, FILE *out)
{
    fprintf(out, "    %-7s %-28s ", sbd_severity_name(sbd_rule_severity(x->rule)),
            sbd_rule_id(x->rule));
    char msg[FINDING_MESSAGE_MAX];
    esc_term(out, finding_message(x, msg));
    fputs(" [packets", out);
    for (size_t i = 0; i < x->n_packets; i++)
        fprintf(out, " #%llu", (unsigned long long)finding_packet(x, i));
    if (x->occurrences > 1)
        fprintf(out, "; seen %llu times", (unsigned long long)x->occurrences);
    if (x->related && x->related->input != x->input) {
        fprintf(out, "; %s in ", x->related_what);
        esc_term(out, r->inputs[x->related->input].path);
    }
    fputs("]\n", out);
}

static void print_problems(const problem_list *l, FILE *out)
{
    if (!l->n)
        return;
    fputs("  skipped (by packet):\n", out);
    for (size_t k = 0; k < l->n; k++) {
        fprintf(out, "    #%-6llu ", (unsigned long long)l->item[k].packet);
        esc_term(out, l->item[k].what);
        fputs(": ", out);
        esc_term(out, l->item[k].detail);
        fputc('\n', out);
    }
    if (l->not_listed)
        fprintf(out, "    and %llu more, counted in the JSON summary's \"skipped\"\n",
                (unsigned long long)l->not_listed);
}

/* With --min-severity above info the detail follows the findings it lists: only the phones and
 * TLS sessions they name (a healthy 1 GB capture printed 54,497 lines of timelines under a verdict
 * of nothing). */
static bool phone_listed(const run *r, const size_t *idx, size_t n, const char *phone)
{
    for (size_t k = 0; k < n; k++)
        if (report_shown(r, &r->findings[idx[k]]) && strcmp(r->findings[idx[k]].phone, phone) == 0)
            return true;
    return false;
}

static bool tls_listed(const run *r, const size_t *idx, size_t n, const obs_tls *t)
{
    for (size_t k = 0; k < n; k++)
        if (report_shown(r, &r->findings[idx[k]]) && r->findings[idx[k]].tls == t)
            return true;
    return false;
}

static void print_input(const run *r, size_t i, FILE *out, const report_index *ix)
{
    const obs_input *in = &r->inputs[i];
    fputs("== ", out);
    esc_term(out, in->path);
    fputc('\n', out);
    if (in->open_failed) {
        fputs("  could not be read: ", out);
        esc_term(out, in->open_error);
        fputs("\n\n", out);
        return;
    }
    fprintf(out, "  %llu packets", (unsigned long long)in->counts.decode.frames);
    if (in->end_status != CAP_INPUT_OK) {
        fprintf(out, ", %s after packet %llu: ", cap_input_status_name(in->end_status),
                (unsigned long long)in->last_good);
        esc_term(out, in->end_msg);
    }
    fputc('\n', out);
    const size_t *idx;
    size_t n = report_index_findings(ix, i, &idx);
    bool filtered = r->o && r->o->min_severity > SBD_SEV_INFO;
    size_t phones_hidden = 0, tls_hidden = 0, tls_shown = 0;
    const obs_file **files = report_files_by_phone(in);
    bool listed = true;
    for (size_t k = 0; files && k < in->n_files; k++) {
        if (k == 0 || strcmp(files[k]->phone, files[k - 1]->phone) != 0) {
            listed = !filtered || phone_listed(r, idx, n, files[k]->phone);
            phones_hidden += !listed;
            if (listed) {
                fputs("  phone ", out);
                esc_term(out, files[k]->phone);
                fputc('\n', out);
            }
        }
        if (listed)
            print_file(r, files[k], out);
    }
    for (size_t k = 0; k < in->n_tls; k++) {
        if (filtered && !tls_listed(r, idx, n, obs_tls_at(in, k))) {
            tls_hidden++;
            continue;
        }
        if (!tls_shown++)
            fputs("  TLS sessions\n", out);
        print_tls(obs_tls_at(in, k), out);
    }
    if (phones_hidden || tls_hidden)
        fprintf(out,
                "  %zu phone(s) and %zu TLS session(s) without a finding at or above "
                "--min-severity not shown\n",
                phones_hidden, tls_hidden);
    size_t shown = 0;
    for (size_t k = 0; k < n; k++)
        shown += report_shown(r, &r->findings[idx[k]]);
    fprintf(out, "  findings: %zu", shown);
    if (shown < n)
        fprintf(out, " (and %zu below --min-severity, not listed)", n - shown);
    fputc('\n', out);
    for (size_t k = 0; k < n; k++)
        if (report_shown(r, &r->findings[idx[k]]))
            print_finding(r, &r->findings[idx[k]], out);
    print_problems(&in->problems, out);
    if (in->counts.extract_errors)
        fprintf(out,
                "  %llu rebuilt file(s) not written to the --extract folder (reasons on stderr)\n",
                (unsigned long long)in->counts.extract_errors);
    fputc('\n', out);
    free(files);
}

static void summary_row(FILE *out, const char *name, const report_totals *t, const uint64_t sev[3])
{
    char shown[41];
    fprintf(out, "%-40s %9llu %6llu %6llu %6llu %6llu %6llu %6llu %6llu\n",
            esc_term_buf(name, shown, sizeof shown), (unsigned long long)t->packets,
            (unsigned long long)t->files, (unsigned long long)t->files_complete,
            (unsigned long long)(t->files_incomplete + t->files_unparsable),
            (unsigned long long)t->certs, (unsigned long long)sev[2], (unsigned long long)sev[1],
            (unsigned long long)sev[0]);
}

/* Distinct phones across all inputs, as the trust engine names them: a file's phone (the MAC of
 * its name, else its client's), and for a TLS session the phone of a file request from the same
 * client address, else that address: a phone seen only on the TVS or HTTPS port counts too.
 * Tables of distinct addresses and names only (a sorted copy of every record's address was
 * 80 bytes a record). SIZE_MAX when out of memory. */
static size_t count_phones(const run *r)
{
    kmap file_addrs, names;
    strpool keep; /* the addresses' text, which the maps borrow */
    memset(&keep, 0, sizeof keep);
    kmap_init(&file_addrs);
    kmap_init(&names);
    bool ok = true;
    char addr[64];
    for (size_t i = 0; ok && i < r->n_inputs; i++) {
        const obs_input *in = &r->inputs[i];
        for (size_t j = 0; ok && j < in->n_files; j++) {
            const obs_file *f = obs_file_at(in, j);
            const char *a = strpool_get(&keep, cap_addr_str(f->client, 0, addr, sizeof addr), 64);
            ok = a && kmap_put_str(&file_addrs, a, 0, NULL) != SIZE_MAX &&
                 kmap_put_str(&names, f->phone, 0, NULL) != SIZE_MAX;
        }
    }
    /* A session's client that requested files is one of their phones, already counted. */
    for (size_t i = 0; ok && i < r->n_inputs; i++) {
        const obs_input *in = &r->inputs[i];
        for (size_t j = 0; ok && j < in->n_tls; j++) {
            cap_addr_str(obs_tls_at(in, j)->client, 0, addr, sizeof addr);
            if (kmap_get_str(&file_addrs, addr) != SIZE_MAX ||
                kmap_get_str(&names, addr) != SIZE_MAX)
                continue;
            const char *a = strpool_get(&keep, addr, 64);
            ok = a && kmap_put_str(&names, a, 0, NULL) != SIZE_MAX;
        }
    }
    size_t distinct = ok ? names.n : SIZE_MAX;
    kmap_free(&file_addrs);
    kmap_free(&names);
    strpool_free(&keep);
    return distinct;
}

static void print_explained(const run *r, const finding *x, FILE *out)
{
    char t[48];
    fprintf(out, "%-7s %s  ", sbd_severity_name(sbd_rule_severity(x->rule)), sbd_rule_id(x->rule));
    char msg[FINDING_MESSAGE_MAX];
    esc_term(out, finding_message(x, msg));
    fputs("\n        in ", out);
    esc_term(out, r->inputs[x->input].path);
    if (x->n_packets)
        fprintf(out, " #%llu", (unsigned long long)finding_packet(x, 0));
    fprintf(out, " at %s", clock_of(x->ts_usec, t, sizeof t));
    if (x->phone[0]) {
        fputs(", phone ", out);
        esc_term(out, x->phone);
    }
    fprintf(out, "\n        meaning: %s\n        remedy:  %s\n", sbd_rule_meaning(x->rule),
            sbd_rule_remedy(x->rule));
}

/* The verdict an engineer reads first: counts, then every error and warning explained. */
static void print_verdict(const run *r, FILE *out)
{
    size_t phones = count_phones(r);
    fprintf(out, "verdict: %llu errors, %llu warnings (", (unsigned long long)r->by_severity[2],
            (unsigned long long)r->by_severity[1]);
    if (phones == SIZE_MAX)
        fputs("? phones", out);
    else
        fprintf(out, "%zu phones", phones);
    fprintf(out, ", %zu captures)\n", r->n_inputs);
    for (int sev = SBD_SEV_ERROR; sev >= SBD_SEV_WARNING; sev--)
        for (size_t i = 0; i < r->n_findings; i++)
            if ((int)sbd_rule_severity(r->findings[i].rule) == sev &&
                report_shown(r, &r->findings[i]))
                print_explained(r, &r->findings[i], out);
    fputc('\n', out);
}

void report_text(const run *r, FILE *out)
{
    report_index ix;
    if (report_index_build(r, &ix) != 0) {
        fputs("pcapscan: text report: out of memory\n", stderr);
        return;
    }
    print_verdict(r, out);
    for (size_t i = 0; i < r->n_inputs; i++)
        print_input(r, i, out, &ix);
    fputs("== summary\n", out);
    fprintf(out, "%-40s %9s %6s %6s %6s %6s %6s %6s %6s\n", "input", "packets", "files", "ok",
            "bad", "certs", "error", "warn", "info");
    for (size_t i = 0; i < r->n_inputs; i++) {
        report_totals t;
        report_totals_of(r, i, &t);
        summary_row(out, r->inputs[i].path, &t, ix.sev[i]);
    }
    report_totals all;
    report_totals_of(r, SIZE_MAX, &all);
    summary_row(out, "TOTAL", &all, r->by_severity);
    if (all.inputs_failed || all.inputs_truncated)
        fprintf(out, "%llu input(s) unreadable, %llu truncated or corrupt\n",
                (unsigned long long)all.inputs_failed, (unsigned long long)all.inputs_truncated);
    for (size_t i = 0; i < r->n_inputs; i++) /* the table cuts long paths: name them whole */
        if (r->inputs[i].open_failed) {
            fputs("unreadable: ", out);
            esc_term(out, r->inputs[i].open_error);
            fputc('\n', out);
        }
    report_index_free(&ix);
}
