/* JSON lines output (docs/output.md): "file", "tls_cert", "finding", then one "summary". */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap/tls_certs.h"
#include "lib/escape.h"
#include "report/obs_json.h"
#include "lib/par.h"
#include "report/report.h"
#include "lib/util.h"

static json_t *str_or_null(const char *s)
{
    return esc_json_str(s); /* null for NULL */
}

static json_t *hex_json(const uint8_t *p, size_t n)
{
    char buf[2 * 64 + 1];
    return esc_json_str(sbd_hex_lower(p, n, buf, sizeof buf));
}

/* Serial as an unsigned integer in uppercase hex: leading zero bytes are not part of it. */
static json_t *serial_json(const uint8_t *p, size_t n)
{
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    char buf[2 * 128 + 1];
    return esc_json_str(sbd_hex_serial(p, n > 128 ? 128 : n, false, buf, sizeof buf));
}

static json_t *time_json(int64_t usec)
{
    char iso[40];
    sbd_time_iso(usec / 1000000, iso, sizeof iso);
    return esc_json_str(iso);
}

static json_t *endpoint_json(const cap_addr *a, uint16_t port)
{
    char buf[80];
    return esc_json_str(run_endpoint(a, port, buf, sizeof buf));
}

static json_t *elem_str(const sbd_file *f, const sbd_elem *e)
{
    char s[1024];
    return e ? esc_json_str(sbd_elem_string(f, e, s, sizeof s)) : json_null();
}

static json_t *signer_json(const sbd_file *f)
{
    const sbd_header *h = &f->hdr;
    if (!h->signer_name && !h->signer_serial && !h->ca_name)
        return json_null();
    json_t *o = json_object();
    esc_json_set(o, "subject", elem_str(f, h->signer_name));
    esc_json_set(o, "issuer", elem_str(f, h->ca_name));
    esc_json_set(o, "serial",
                 h->signer_serial
                     ? serial_json(sbd_elem_value(f, h->signer_serial), h->signer_serial->len)
                     : json_null());
    return o;
}

static json_t *record_json(const sbd_file *f, const sbd_record *r, const sbd_cert_info *ci)
{
    json_t *o = json_object();
    const char *fn = r->function_elem ? sbd_function_name(r->function) : NULL;
    esc_json_set(o, "function",
                 fn                 ? esc_json_str(fn)
                 : r->function_elem ? json_sprintf("%u", r->function)
                                    : json_null());
    esc_json_set(o, "subject", elem_str(f, r->subject));
    esc_json_set(o, "issuer", elem_str(f, r->issuer));
    esc_json_set(o, "serial",
                 r->serial ? serial_json(sbd_elem_value(f, r->serial), r->serial->len)
                           : json_null());
    esc_json_set(o, "cert_sha1", ci ? hex_json(ci->sha1, 20) : json_null());
    esc_json_set(o, "not_after", ci ? time_json(ci->not_after * 1000000) : json_null());
    if (r->cert_hash)
        esc_json_set(o, "cert_hash", hex_json(sbd_elem_value(f, r->cert_hash), r->cert_hash->len));
    return o;
}

static json_t *records_json(const run *r, const obs_file *of, const sbd_file *f)
{
    json_t *a = json_array();
    for (size_t i = 0; i < f->n_records; i++)
        esc_json_append(a, record_json(f, &f->records[i], run_record_cert(r, of, i)));
    return a;
}

static json_t *ref_json(const run *r, const obs_file *f)
{
    if (!f)
        return json_null();
    json_t *o = json_object();
    esc_json_set(o, "pcap", esc_json_str(r->inputs[f->input].path));
    esc_json_set(o, "name", esc_json_str(f->name));
    esc_json_set(o, "first_packet", json_integer((json_int_t)f->first_pkt));
    esc_json_set(o, "sha256", f->has_digest ? hex_json(f->sha256, 32) : json_null());
    return o;
}

/* "records" of a trust list as a placeholder the writer replaces with the content's records text,
 * made once per content: an ITL sent to every phone has the same records in every file line, and
 * building and dumping them was most of the JSON output's cost. */
#define RECORDS_SLOT 7355608000000001LL
static const char records_slot_text[] = ",\"records\":7355608000000001";

static json_t *file_json(const run *r, const obs_file *f, bool records_slot);

json_t *report_file_json(const run *r, const obs_file *f)
{
    return file_json(r, f, false);
}

static json_t *file_json(const run *r, const obs_file *f, bool records_slot)
{
    const sbd_file *p = run_parsed(r, f);
    json_t *o = json_object();
    esc_json_set(o, "type", esc_json_str("file"));
    esc_json_set(o, "pcap", esc_json_str(r->inputs[f->input].path));
    esc_json_set(o, "name", esc_json_str(f->name));
    esc_json_set(o, "client", endpoint_json(&f->client, f->cport));
    esc_json_set(o, "server", endpoint_json(&f->server, f->sport));
    esc_json_set(o, "first_packet", json_integer((json_int_t)f->first_pkt));
    esc_json_set(o, "size", json_integer((json_int_t)f->size));
    esc_json_set(o, "md5", f->has_digest ? hex_json(f->md5, 16) : json_null());
    esc_json_set(o, "sha256", f->has_digest ? hex_json(f->sha256, 32) : json_null());
    esc_json_set(o, "complete", json_boolean(f->complete));
    esc_json_set(o, "kind", esc_json_str(run_kind_word(r, f)));
    esc_json_set(o, "signature", esc_json_str(run_sig_word(f)));
    esc_json_set(o, "signer", p ? signer_json(p) : json_null());
    esc_json_set(o, "records",
                 p && p->kind == SBD_KIND_TRUST_LIST
                     ? (records_slot ? json_integer(RECORDS_SLOT) : records_json(r, f, p))
                     : json_array());
    /* Beyond the contract's minimum: how the transfer went and what was checked. */
    esc_json_set(o, "protocol", esc_json_str(f->proto == OBS_TFTP ? "tftp" : "http"));
    esc_json_set(o, "direction", esc_json_str(f->upload ? "upload" : "download"));
    esc_json_set(o, "status", esc_json_str(obs_xfer_name(f->xfer)));
    esc_json_set(o, "phone", esc_json_str(f->phone));
    esc_json_set(o, "last_packet", json_integer((json_int_t)f->last_pkt));
    esc_json_set(o, "time", time_json(f->ts_usec));
    esc_json_set(o, "signature_detail", str_or_null(f->sig_detail));
    esc_json_set(o, "verified_with", ref_json(r, f->verifier));
    if (f->error_code >= 0)
        esc_json_set(o, f->proto == OBS_TFTP ? "tftp_error" : "http_status",
                     json_integer(f->error_code));
    if (f->error_msg)
        esc_json_set(o, "error_message", esc_json_str(f->error_msg));
    if (f->proto == OBS_TFTP) {
        esc_json_set(o, "blksize", json_integer(f->blksize));
        esc_json_set(o, "oack", json_boolean(f->oack));
        esc_json_set(o, "duplicate_blocks", json_integer(f->dup_blocks));
        esc_json_set(o, "out_of_order_blocks", json_integer(f->out_of_order));
        esc_json_set(o, "conflicting_blocks", json_integer(f->conflict_blocks));
        esc_json_set(o, "bad_packets", json_integer(f->bad_packets));
        esc_json_set(o, "missing_blocks", json_integer((json_int_t)f->missing_blocks));
        esc_json_set(o, "missing", str_or_null(f->missing));
    }
    if (f->parse_error)
        esc_json_set(o, "parse_error", esc_json_str(f->parse_error));
    if (f->extracted)
        esc_json_set(o, "extracted", esc_json_str(f->extracted));
    return o;
}

json_t *report_cert_json(const run *r, const obs_tls *t, size_t i)
{
    const obs_cert *c = &t->certs[i];
    char ver[32];
    json_t *o = json_object();
    esc_json_set(o, "type", esc_json_str("tls_cert"));
    esc_json_set(o, "pcap", esc_json_str(r->inputs[t->input].path));
    esc_json_set(o, "server", endpoint_json(&t->server, t->sport));
    esc_json_set(o, "server_port", json_integer(t->sport));
    esc_json_set(o, "client", endpoint_json(&t->client, t->cport));
    const sbd_cert_info *ci = c->info_ok ? &c->info : NULL;
    esc_json_set(o, "subject", ci ? esc_json_str(ci->subject) : json_null());
    esc_json_set(o, "issuer", ci ? esc_json_str(ci->issuer) : json_null());
    esc_json_set(o, "serial", ci ? serial_json(ci->serial, ci->serial_len) : json_null());
    esc_json_set(o, "sha1", ci ? hex_json(ci->sha1, 20) : json_null());
    esc_json_set(o, "sha256", ci ? hex_json(ci->sha256, 32) : json_null());
    esc_json_set(o, "not_before", ci ? time_json(ci->not_before * 1000000) : json_null());
    esc_json_set(o, "not_after", ci ? time_json(ci->not_after * 1000000) : json_null());
    esc_json_set(o, "tls_version", esc_json_str(cap_tls_version_name(t->version, ver, sizeof ver)));
    esc_json_set(o, "packet", json_integer((json_int_t)t->pkt));
    esc_json_set(o, "chain_index", json_integer((json_int_t)i));
    esc_json_set(o, "chain_length", json_integer((json_int_t)t->n_certs));
    esc_json_set(o, "sni", str_or_null(t->sni));
    esc_json_set(o, "time", time_json(t->ts_usec));
    if (ci)
        esc_json_set(o, "key", json_sprintf("%s %d", ci->key_type, ci->key_bits));
    else
        esc_json_set(o, "cert_error", str_or_null(c->error));
    return o;
}

static json_t *evidence_json(const run *r, const finding *x)
{
    json_t *e = json_object();
    esc_json_set(e, "capture", esc_json_str(r->inputs[x->input].path));
    json_t *pk = json_array();
    for (size_t i = 0; i < x->n_packets; i++)
        esc_json_append(pk, json_integer((json_int_t)x->packets[i]));
    esc_json_set(e, "packets", pk);
    if (x->file) {
        esc_json_set(e, "file", esc_json_str(x->file->name));
        esc_json_set(e, "file_sha256",
                     x->file->has_digest ? hex_json(x->file->sha256, 32) : json_null());
    }
    if (x->tls)
        esc_json_set(e, "server", endpoint_json(&x->tls->server, x->tls->sport));
    if (x->cert && x->cert->info_ok) {
        const sbd_cert_info *ci = &x->cert->info;
        esc_json_set(e, "cert",
                     json_pack("{s:o, s:o, s:o, s:o}", "subject", esc_json_str(ci->subject),
                               "issuer", esc_json_str(ci->issuer), "serial",
                               serial_json(ci->serial, ci->serial_len), "sha256",
                               hex_json(ci->sha256, 32)));
    }
    if (x->related.set) {
        json_t *rel = json_object();
        esc_json_set(rel, "what", esc_json_str(x->related_what));
        esc_json_set(rel, "capture", esc_json_str(r->inputs[x->related.input].path));
        esc_json_set(rel, "packet", json_integer((json_int_t)x->related.pkt));
        esc_json_set(rel, "file", esc_json_str(x->related.file));
        esc_json_set(rel, "sha256", hex_json(x->related.sha256, 32));
        esc_json_set(e, "related", rel);
    }
    if (x->occurrences > 1)
        esc_json_set(e, "occurrences", json_integer((json_int_t)x->occurrences));
    return e;
}

json_t *report_finding_json(const run *r, const finding *x)
{
    json_t *o = json_object();
    esc_json_set(o, "type", esc_json_str("finding"));
    esc_json_set(o, "pcap", esc_json_str(r->inputs[x->input].path));
    esc_json_set(o, "rule", esc_json_str(sbd_rule_id(x->rule)));
    esc_json_set(o, "severity", esc_json_str(sbd_severity_name(sbd_rule_severity(x->rule))));
    esc_json_set(o, "phone", x->phone[0] ? esc_json_str(x->phone) : json_null());
    esc_json_set(o, "message", esc_json_str(x->message ? x->message : ""));
    esc_json_set(o, "evidence", evidence_json(r, x));
    esc_json_set(o, "time", time_json(x->ts_usec));
    esc_json_set(o, "meaning", esc_json_str(sbd_rule_meaning(x->rule)));
    return o;
}

void report_totals_of(const run *r, size_t input, report_totals *t)
{
    memset(t, 0, sizeof *t);
    size_t first = input == SIZE_MAX ? 0 : input;
    size_t end = input == SIZE_MAX ? r->n_inputs : input < r->n_inputs ? input + 1 : 0;
    for (size_t i = first; i < end; i++) { /* one input: no walk over the others */
        const obs_input *in = &r->inputs[i];
        t->inputs_failed += in->open_failed;
        t->inputs_truncated += !in->open_failed && in->end_status != CAP_INPUT_OK;
        t->packets += in->counts.decode.frames;
        t->files += in->n_files;
        t->files_unparsable += in->counts.unparsable_files;
        t->tls_sessions += in->counts.tls_sessions;
        for (size_t k = 0; k < in->n_files; k++) {
            t->files_complete += in->files[k].complete;
            t->files_not_found += in->files[k].xfer == OBS_XFER_NOT_FOUND;
            t->files_incomplete += !in->files[k].complete &&
                                   in->files[k].xfer != OBS_XFER_NOT_FOUND &&
                                   in->files[k].xfer != OBS_XFER_ERROR;
        }
        for (size_t k = 0; k < in->n_tls; k++) {
            t->certs += in->tls[k].kind == OBS_TLS_CERTS ? in->tls[k].n_certs : 0;
            t->tls_hidden += in->tls[k].kind == OBS_TLS_HIDDEN;
        }
    }
}

/* Everything skipped or dropped in one input, so nothing disappears silently. */
static json_t *skipped_json(const obs_counts *c)
{
    json_t *o = json_object();
    esc_json_set(o, "not_ip", json_integer((json_int_t)c->decode.not_ip));
    esc_json_set(o, "other_ip", json_integer((json_int_t)c->decode.other_ip));
    esc_json_set(o, "unknown_link", json_integer((json_int_t)c->decode.unknown_link));
    esc_json_set(o, "short_frames", json_integer((json_int_t)c->decode.short_frames));
    esc_json_set(o, "malformed", json_integer((json_int_t)c->decode.malformed));
    esc_json_set(o, "truncated_packets", json_integer((json_int_t)c->decode.truncated_pkts));
    esc_json_set(o, "fragments_evicted", json_integer((json_int_t)c->defrag.evicted));
    esc_json_set(o, "fragments_timed_out", json_integer((json_int_t)c->defrag.timed_out));
    esc_json_set(o, "fragments_too_big", json_integer((json_int_t)c->defrag.too_big));
    esc_json_set(o, "fragments_pending", json_integer((json_int_t)c->defrag.pending));
    esc_json_set(o, "tftp_stray_packets", json_integer((json_int_t)c->tftp.stray_packets));
    esc_json_set(o, "tftp_transfers_evicted",
                 json_integer((json_int_t)c->tftp.by_status[CAP_TFTP_EVICTED]));
    esc_json_set(o, "tcp_streams_evicted", json_integer((json_int_t)c->tcp.conns_evicted));
    esc_json_set(o, "tcp_streams_expired", json_integer((json_int_t)c->tcp.conns_expired));
    esc_json_set(o, "tcp_forced_gaps", json_integer((json_int_t)c->tcp.forced_gaps));
    esc_json_set(o, "tcp_pending_overflows", json_integer((json_int_t)c->tcp.pending_overflows));
    esc_json_set(o, "http_errors", json_integer((json_int_t)c->http_errors));
    esc_json_set(o, "tls_errors", json_integer((json_int_t)c->tls_errors));
    esc_json_set(o, "unparsable_files", json_integer((json_int_t)c->unparsable_files));
    esc_json_set(o, "signed_files_not_kept", json_integer((json_int_t)c->content_dropped));
    esc_json_set(o, "extract_errors", json_integer((json_int_t)c->extract_errors));
    esc_json_set(o, "unanswered_not_listed", json_integer((json_int_t)c->unanswered_not_listed));
    return o;
}

static json_t *totals_json(json_t *o, const report_totals *t)
{
    esc_json_set(o, "packets", json_integer((json_int_t)t->packets));
    esc_json_set(o, "files", json_integer((json_int_t)t->files));
    esc_json_set(o, "files_complete", json_integer((json_int_t)t->files_complete));
    esc_json_set(o, "files_not_found", json_integer((json_int_t)t->files_not_found));
    esc_json_set(o, "files_incomplete", json_integer((json_int_t)t->files_incomplete));
    esc_json_set(o, "files_unparsable", json_integer((json_int_t)t->files_unparsable));
    esc_json_set(o, "certs", json_integer((json_int_t)t->certs));
    esc_json_set(o, "tls_sessions", json_integer((json_int_t)t->tls_sessions));
    esc_json_set(o, "tls_hidden", json_integer((json_int_t)t->tls_hidden));
    return o;
}

static json_t *input_json(const run *r, size_t i)
{
    const obs_input *in = &r->inputs[i];
    json_t *o = json_object();
    esc_json_set(o, "pcap", esc_json_str(in->path));
    if (in->open_failed) {
        esc_json_set(o, "status", esc_json_str("failed"));
        esc_json_set(o, "error", esc_json_str(in->open_error));
        if (r->o->json_content)
            obs_json_add_input(o, in);
        return o;
    }
    esc_json_set(o, "status", esc_json_str(cap_input_status_name(in->end_status)));
    if (in->end_status != CAP_INPUT_OK) {
        esc_json_set(o, "last_good_packet", json_integer((json_int_t)in->last_good));
        esc_json_set(o, "error", str_or_null(in->end_msg));
    }
    esc_json_set(o, "linktype", json_integer(in->linktype));
    report_totals t;
    report_totals_of(r, i, &t);
    totals_json(o, &t);
    esc_json_set(o, "skipped", skipped_json(&in->counts));
    problems_to_json(o, &in->problems);
    if (r->o->json_content)
        obs_json_add_input(o, in);
    return o;
}

json_t *report_summary_json(const run *r)
{
    report_totals t;
    report_totals_of(r, SIZE_MAX, &t);
    json_t *o = json_object();
    esc_json_set(o, "type", esc_json_str("summary"));
    esc_json_set(o, "format_version", json_integer(REPORT_FORMAT_VERSION));
    esc_json_set(o, "inputs", json_integer((json_int_t)r->n_inputs));
    esc_json_set(o, "inputs_failed", json_integer((json_int_t)t.inputs_failed));
    esc_json_set(o, "inputs_truncated", json_integer((json_int_t)t.inputs_truncated));
    totals_json(o, &t);
    esc_json_set(o, "findings",
                 json_pack("{s:I, s:I, s:I}", "error", (json_int_t)r->by_severity[2], "warning",
                           (json_int_t)r->by_severity[1], "info", (json_int_t)r->by_severity[0]));
    json_t *rules = json_object();
    for (int k = 0; k < SBD_RULE_COUNT; k++)
        if (r->by_rule[k])
            esc_json_set(rules, sbd_rule_id((sbd_rule)k), json_integer((json_int_t)r->by_rule[k]));
    esc_json_set(o, "rules", rules);
    json_t *per = json_array();
    for (size_t i = 0; i < r->n_inputs; i++)
        esc_json_append(per, input_json(r, i));
    esc_json_set(o, "per_input", per);
    if (r->o->json_content)
        obs_json_add_summary(o, r);
    return o;
}

/* JSON lines gathered in memory: json_dumpf writes each token through stdio (about 100
 * instructions per output byte), json_dumpb into a buffer a fraction of that. */
typedef struct lines {
    char *p;
    size_t n, cap;
    FILE *out; /* written out past FLUSH_AT when set; kept whole (one input, -j) when NULL */
} lines;

enum { FLUSH_AT = 1 << 16 };

static void lines_flush(lines *b)
{
    if (b->out && b->n)
        fwrite(b->p, 1, b->n, b->out);
    b->n = 0;
}

/* Appends o as one line and releases it (no flush). */
static void lines_dump(lines *b, json_t *o)
{
    for (;;) {
        size_t room = b->cap - b->n;
        size_t need =
            json_dumpb(o, room ? b->p + b->n : NULL, room, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (need == 0) {
            esc_json_fail(); /* jansson could not dump it (out of memory) */
            break;
        }
        if (need < room) {
            b->n += need;
            b->p[b->n++] = '\n';
            break;
        }
        size_t ncap = b->cap * 2 > b->n + need + FLUSH_AT ? b->cap * 2 : b->n + need + FLUSH_AT;
        char *np = realloc(b->p, ncap);
        if (!np) {
            esc_json_fail();
            break;
        }
        b->p = np;
        b->cap = ncap;
    }
    json_decref(o);
}

static void lines_add(lines *b, json_t *o)
{
    lines_dump(b, o);
    if (b->out && b->n >= FLUSH_AT)
        lines_flush(b);
}

enum { SLOT_KEY_LEN = sizeof ",\"records\":" - 1 };

static char *find_slot(char *p, size_t n)
{
    const size_t len = sizeof records_slot_text - 1;
    for (size_t i = 0; i + len <= n; i++)
        if (p[i] == ',' && memcmp(p + i, records_slot_text, len) == 0)
            return p + i;
    return NULL;
}

/* Room for extra more bytes; false when out of memory. */
static bool lines_reserve(lines *b, size_t extra)
{
    if (b->cap - b->n >= extra)
        return true;
    size_t ncap = b->n + extra + FLUSH_AT;
    char *np = realloc(b->p, ncap);
    if (!np)
        return false;
    b->p = np;
    b->cap = ncap;
    return true;
}

/* The records text of f's content, made on first use (threads share the contents). */
static const char *records_text(const run *r, const obs_file *f)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    blob *b = f->in_store ? store_get(&r->content, f->sha256) : NULL;
    if (!b || !b->parsed || b->f.kind != SBD_KIND_TRUST_LIST)
        return NULL;
    pthread_mutex_lock(&lock);
    if (!b->records_json) {
        json_t *a = records_json(r, f, &b->f);
        b->records_json = a ? json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(a);
    }
    pthread_mutex_unlock(&lock);
    return b->records_json;
}

/* A file line with its records spliced in from the content's text. The placeholder can only be
 * the object's own key: inside a JSON string every quote is escaped. */
static void file_line(lines *b, const run *r, const obs_file *f, obs_json_writer *w)
{
    const char *text = records_text(r, f);
    json_t *o = file_json(r, f, text != NULL);
    if (r->o->json_content)
        obs_json_add_file(w, o, r, f);
    size_t start = b->n;
    lines_dump(b, o);
    size_t tlen = text ? strlen(text) : 0;
    char *at = text ? find_slot(b->p + start, b->n - start) : NULL;
    if (at && !lines_reserve(b, tlen)) {
        b->n = start; /* out of memory: the whole object again, the slow way */
        o = file_json(r, f, false);
        if (r->o->json_content)
            obs_json_add_file(w, o, r, f);
        lines_dump(b, o);
    } else if (at) {
        at = find_slot(b->p + start, b->n - start) + SLOT_KEY_LEN; /* the buffer may have moved */
        size_t num = sizeof records_slot_text - 1 - SLOT_KEY_LEN;
        memmove(at + tlen, at + num, (size_t)(b->p + b->n - (at + num)));
        memcpy(at, text, tlen);
        b->n = b->n + tlen - num;
    }
    if (b->out && b->n >= FLUSH_AT)
        lines_flush(b);
}

/* Every line of input i: files by first packet, server certificates, (sessions), findings. */
static void input_lines(const run *r, const report_index *ix, size_t i, obs_json_writer *w,
                        lines *b)
{
    const obs_input *in = &r->inputs[i];
    const obs_file **files = run_sorted_files(in);
    for (size_t k = 0; files && k < in->n_files; k++)
        file_line(b, r, files[k], w);
    free(files);
    for (size_t k = 0; k < in->n_tls; k++)
        for (size_t c = 0; in->tls[k].kind == OBS_TLS_CERTS && c < in->tls[k].n_certs; c++)
            lines_add(b, report_cert_json(r, &in->tls[k], c));
    for (size_t k = 0; r->o->json_content && k < in->n_tls; k++)
        lines_add(b, obs_json_tls_session(w, r, &in->tls[k]));
    const size_t *idx;
    size_t n = report_index_findings(ix, i, &idx);
    for (size_t k = 0; k < n; k++)
        if (report_shown(r, &r->findings[idx[k]]))
            lines_add(b, report_finding_json(r, &r->findings[idx[k]]));
}

typedef struct par_json {
    const run *r;
    const report_index *ix;
    lines *per_input;
    FILE *out;
} par_json;

static void par_input(void *ctx, size_t i)
{
    par_json *pj = ctx;
    input_lines(pj->r, pj->ix, i, NULL, &pj->per_input[i]);
}

static void par_write(void *ctx, size_t i)
{
    par_json *pj = ctx;
    lines *b = &pj->per_input[i];
    b->out = pj->out;
    lines_flush(b);
    free(b->p);
    memset(b, 0, sizeof *b);
}

int report_json(const run *r, FILE *out)
{
    unsigned long lost = esc_json_failures();
    lines b = {.out = out};
    report_index ix;
    if (report_index_build(r, &ix) != 0) {
        fputs("pcapscan: --json: out of memory\n", stderr);
        return -1;
    }
    /* --json-content writes each distinct content once per output: one writer, in order. */
    par_json pj = {r, &ix, NULL, out};
    if (!r->o->json_content && r->o->jobs > 1 && r->n_inputs > 1)
        pj.per_input = calloc(r->n_inputs, sizeof *pj.per_input);
    if (pj.per_input) {
        par_for(r->n_inputs, r->o->jobs, par_input, par_write, &pj);
        free(pj.per_input);
    } else {
        obs_json_writer *w = r->o->json_content ? obs_json_writer_new() : NULL;
        for (size_t i = 0; i < r->n_inputs; i++)
            input_lines(r, &ix, i, w, &b);
        obs_json_writer_free(w);
    }
    report_index_free(&ix);
    lines_add(&b, report_summary_json(r));
    lines_flush(&b);
    free(b.p);
    lost = esc_json_failures() - lost;
    if (lost)
        fprintf(stderr,
                "pcapscan: --json: %lu value(s) could not be written (out of memory): the "
                "output is incomplete\n",
                lost);
    return lost ? -1 : 0;
}
