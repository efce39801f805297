/* JSON lines output (docs/output.md): per input its "content" (format 2), "file", "tls_cert",
 * ("tls_session") and "finding" lines, then one "summary". Lines are written by the streaming
 * writer (lib/jw.h), byte-identical to jansson's dump of the same objects. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap/tls_certs.h"
#include "lib/escape.h"
#include "lib/jw.h"
#include "lib/kmap.h"
#include "lib/par.h"
#include "lib/util.h"
#include "report/jw_fields.h"
#include "report/obs_json.h"
#include "report/problems_json.h"
#include "report/report.h"

/* Format 2 writes what belongs to a content, a certificate or a rule once, in its own line, just
 * before the first line that refers to it. The references are numbered in output order (ord) and
 * each map holds the number of the first reference to each key, found before writing, so the
 * output is the same whatever -j is (inputs are written in parallel). */
typedef enum { DEF_CONTENT, DEF_CERT, DEF_RULE, DEF_KINDS } def_kind;

typedef struct defs {
    kmap map[DEF_KINDS]; /* file SHA-256, certificate SHA-256, rule ID */
    size_t *base;        /* per input: the number of its first reference */
    /* Per reference number: 1 when it is the first to its key. The writers read this instead of
     * looking each key up again. */
    unsigned char *first;
    size_t n_first, cap_first;
} defs;

/* What one writing thread needs. */
typedef struct jctx {
    const run *r;
    jw *w;
    obs_json_writer *ow; /* --json-content: certificates (and format 1 contents) written once */
    jw_addrs addrs;
    const defs *defs;    /* format 2; NULL for --json-inline (format 1) */
    size_t ord;          /* the number of the next reference */
    bool inline_records; /* --json-inline: format 1, everything on every line */
    int64_t time_sec;    /* the last time written, and its text */
    char time_text[40];
    size_t time_len;
    bool tls_version_set; /* the last TLS version written, and its name */
    uint16_t tls_version;
    char tls_version_text[32];
} jctx;

static void put_time(jctx *c, int64_t usec)
{
    int64_t sec = usec / 1000000;
    if (!c->time_text[0] || sec != c->time_sec) {
        sbd_time_iso(sec, c->time_text, sizeof c->time_text);
        c->time_sec = sec;
        c->time_len = strlen(c->time_text);
    }
    jw_plain(c->w, c->time_text, c->time_len); /* digits, '-', 'T', ':', 'Z' */
}

/* Whether this reference is the first to its key in the output (format 2; counts it). find_defs
 * met the references in this same order and noted which were first. */
static bool first_ref(jctx *c)
{
    if (!c->defs)
        return false;
    size_t ord = c->ord++;
    return ord < c->defs->n_first && c->defs->first[ord];
}

/* A key every line of its type has in format 2 (null when there is no value); format 1 writes it
 * only when set, as it always did. */
static void put_int_or_null(jctx *c, const char *key, bool set, int64_t v)
{
    if (set || !c->inline_records)
        jw_keyn(c->w, key, strlen(key));
    if (set)
        jw_int(c->w, v);
    else if (!c->inline_records)
        jw_null(c->w);
}

static void put_str_or_null(jctx *c, const char *key, const char *v)
{
    if (v || !c->inline_records) {
        jw_keyn(c->w, key, strlen(key));
        jw_str(c->w, v);
    }
}

static void put_hex_or_null(jw *w, const uint8_t *p, size_t n, bool set)
{
    if (set)
        jwf_hex(w, p, n);
    else
        jw_null(w);
}

/* Serial as an unsigned integer in uppercase hex: leading zero bytes are not part of it. */
static void put_serial(jw *w, const uint8_t *p, size_t n)
{
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    char buf[2 * 128 + 1];
    jw_str(w, sbd_hex_serial(p, n > 128 ? 128 : n, SBD_SERIAL_FIELD, buf, sizeof buf));
}

static void put_elem(jw *w, const sbd_file *f, const sbd_elem *e)
{
    char s[1024];
    jw_str(w, e ? sbd_elem_string(f, e, s, sizeof s) : NULL);
}

static void put_signer(jw *w, const sbd_file *f)
{
    const sbd_header *h = &f->hdr;
    if (!h->signer_name && !h->signer_serial && !h->ca_name) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_key(w, "subject");
    put_elem(w, f, h->signer_name);
    jw_key(w, "issuer");
    put_elem(w, f, h->ca_name);
    jw_key(w, "serial");
    if (h->signer_serial)
        put_serial(w, sbd_elem_value(f, h->signer_serial), h->signer_serial->len);
    else
        jw_null(w);
    jw_end(w);
}

static void put_record(jw *w, const sbd_file *f, const sbd_record *r, const sbd_cert_info *ci,
                       bool fixed_keys)
{
    jw_obj(w);
    const char *fn = r->function_elem ? sbd_function_name(r->function) : NULL;
    char num[16];
    if (!fn && r->function_elem) {
        snprintf(num, sizeof num, "%u", (unsigned)r->function);
        fn = num;
    }
    jw_kstr(w, "function", fn);
    jw_key(w, "subject");
    put_elem(w, f, r->subject);
    jw_key(w, "issuer");
    put_elem(w, f, r->issuer);
    jw_key(w, "serial");
    if (r->serial)
        put_serial(w, sbd_elem_value(f, r->serial), r->serial->len);
    else
        jw_null(w);
    jw_key(w, "cert_sha1");
    if (ci)
        jwf_hex(w, ci->sha1, 20);
    else
        jw_null(w);
    jw_key(w, "not_after");
    if (ci) {
        char iso[40];
        jw_str(w, sbd_time_iso(ci->not_after, iso, sizeof iso));
    } else {
        jw_null(w);
    }
    if (r->cert_hash || fixed_keys) {
        jw_key(w, "cert_hash");
        if (r->cert_hash)
            jwf_hex(w, sbd_elem_value(f, r->cert_hash), r->cert_hash->len);
        else
            jw_null(w);
    }
    jw_end(w);
}

/* The records of a trust list (b parsed), or [] for any other content; fixed_keys: format 2, every
 * record has cert_hash (null when the record has none). */
static void put_records(jw *w, const blob *b, bool fixed_keys)
{
    jw_arr(w);
    for (size_t i = 0; b && b->f.kind == SBD_KIND_TRUST_LIST && i < b->f.n_records; i++)
        put_record(w, &b->f, &b->f.records[i], blob_record_cert(b, i), fixed_keys);
    jw_end(w);
}

/* The trust list transfer a file was checked against. Format 2 names it by what identifies it:
 * the transfer (pcap, first_packet) and its content (sha256); its name is on its own line. */
static void put_ref(jctx *c, const obs_file *f)
{
    jw *w = c->w;
    jw_key(w, "verified_with");
    if (!f) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    jw_kstr(w, "pcap", c->r->inputs[f->input].path);
    if (c->inline_records)
        jw_kstr(w, "name", f->name);
    jw_kint(w, "first_packet", (int64_t)f->first_pkt);
    jw_key(w, "sha256");
    put_hex_or_null(w, obs_sha256(f), 32, f->digest);
    jw_end(w);
}

/* A "content" line (format 2): what a complete file's bytes are and say, the same for every
 * transfer of them, written once per distinct SHA-256 before the first file line that names it.
 * b: the bytes when the scan kept them (signed files), else NULL. */
static void content_line(jctx *c, const obs_file *f, const blob *b)
{
    jw *w = c->w;
    const bool parsed = b && b->parsed;
    jw_obj(w);
    jw_kstr(w, "type", "content");
    jw_key(w, "sha256");
    jwf_hex(w, f->digest->sha256, 32);
    jw_kint(w, "size", (int64_t)f->size);
    jw_key(w, "md5");
    jwf_hex(w, f->digest->md5, 16);
    jw_kstr(w, "kind",
            !parsed                            ? NULL
            : b->f.kind == SBD_KIND_TRUST_LIST ? (sbd_file_is_ctl(&b->f) ? "ctl" : "itl")
            : b->f.kind == SBD_KIND_ENC_SGN    ? "enc_sgn"
                                               : "sgn");
    jw_key(w, "signer");
    if (parsed)
        put_signer(w, &b->f);
    else
        jw_null(w);
    jw_key(w, "records");
    put_records(w, parsed ? b : NULL, true);
    if (c->r->o->json_content && b)
        obs_json_put_content(w, b);
    else if (c->r->o->json_content)
        jw_knull(w, "data");
    jw_end(w);
    jw_line(w);
}

/* Format 1 has both digests on the file line; format 2 has the md5 on the content line. */
static void file_digests(jctx *c, const obs_file *f)
{
    jw *w = c->w;
    if (c->inline_records) {
        jw_key(w, "md5");
        put_hex_or_null(w, obs_md5(f), 16, f->digest);
    }
    jw_key(w, "sha256");
    put_hex_or_null(w, obs_sha256(f), 32, f->digest);
}

static void file_tftp(jctx *c, const obs_file *f)
{
    jw *w = c->w;
    jw_kint(w, "blksize", f->outcome->blksize);
    jw_kbool(w, "oack", f->outcome->oack);
    jw_kint(w, "duplicate_blocks", obs_more(f)->dup_blocks);
    jw_kint(w, "out_of_order_blocks", obs_more(f)->out_of_order);
    jw_kint(w, "conflicting_blocks", obs_more(f)->conflict_blocks);
    jw_kint(w, "bad_packets", obs_more(f)->bad_packets);
    jw_kint(w, "missing_blocks", (int64_t)f->outcome->missing_blocks);
    jw_kstr(w, "missing", obs_more(f)->missing);
}

/* Format 2: an HTTP transfer has the TFTP keys too, null (no blocks were counted). */
static void file_no_tftp(jw *w)
{
    static const char *const keys[] = {"blksize",
                                       "oack",
                                       "duplicate_blocks",
                                       "out_of_order_blocks",
                                       "conflicting_blocks",
                                       "bad_packets",
                                       "missing_blocks",
                                       "missing"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        jw_keyn(w, keys[i], strlen(keys[i]));
        jw_null(w);
    }
}

static void file_line(jctx *c, const obs_file *f)
{
    const run *r = c->r;
    jw *w = c->w;
    const blob *kept = run_kept(r, f);
    if (f->digest && first_ref(c))
        content_line(c, f, kept);
    const blob *b = kept && kept->parsed ? kept : NULL; /* parsed_blob's answer, looked up once */
    jw_obj(w);
    jw_kstr(w, "type", "file");
    jw_kstr(w, "pcap", r->inputs[f->input].path);
    jw_kstr(w, "name", f->name);
    jw_key(w, "client");
    jwf_endpoint(w, &c->addrs, f->client, f->cport);
    jw_key(w, "server");
    jwf_endpoint(w, &c->addrs, f->server, f->sport);
    jw_kint(w, "first_packet", (int64_t)f->first_pkt);
    jw_kint(w, "size", (int64_t)f->size);
    file_digests(c, f);
    jw_kbool(w, "complete", f->complete);
    jw_kstr(w, "kind", run_kind_word(r, f));
    jw_kstr(w, "signature", run_sig_word(f));
    if (c->inline_records) {
        jw_key(w, "signer");
        if (b)
            put_signer(w, &b->f);
        else
            jw_null(w);
        jw_key(w, "records");
        put_records(w, b, false);
    }
    /* Beyond the contract's minimum: how the transfer went and what was checked. */
    jw_kstr(w, "protocol", f->proto == OBS_TFTP ? "tftp" : "http");
    jw_kstr(w, "direction", f->upload ? "upload" : "download");
    jw_kstr(w, "status", obs_xfer_name(f->xfer));
    jw_kstr(w, "phone", f->phone);
    jw_kint(w, "last_packet", (int64_t)f->last_pkt);
    jw_key(w, "time");
    put_time(c, f->ts_usec);
    jw_kstr(w, "signature_detail", obs_more(f)->sig_detail);
    put_ref(c, f->verifier);
    if (c->inline_records && f->outcome->error_code >= 0) {
        if (f->proto == OBS_TFTP)
            jw_kint(w, "tftp_error", f->outcome->error_code);
        else
            jw_kint(w, "http_status", f->outcome->error_code);
    } else if (!c->inline_records) {
        put_int_or_null(c, "tftp_error", f->proto == OBS_TFTP && f->outcome->error_code >= 0,
                        f->outcome->error_code);
        put_int_or_null(c, "http_status", f->proto == OBS_HTTP && f->outcome->error_code >= 0,
                        f->outcome->error_code);
    }
    put_str_or_null(c, "error_message", f->outcome->error_msg);
    if (f->proto == OBS_TFTP)
        file_tftp(c, f);
    else if (!c->inline_records)
        file_no_tftp(w);
    if (f->cut_by_end || !c->inline_records) /* format 1: only when true, as it was */
        jw_kbool(w, "cut_by_capture_end", f->cut_by_end);
    put_str_or_null(c, "parse_error", obs_more(f)->parse_error);
    put_str_or_null(c, "extracted", obs_more(f)->extracted);
    if (r->o->json_content)
        obs_json_put_file(c->ow, w, r, f, c->inline_records);
    jw_end(w);
    jw_line(w);
}

static void cert_facts(jw *w, const sbd_cert_info *ci)
{
    char iso[40];
    jw_kstr(w, "subject", ci ? ci->subject : NULL);
    jw_kstr(w, "issuer", ci ? ci->issuer : NULL);
    jw_key(w, "serial");
    if (ci)
        put_serial(w, ci->serial, ci->serial_len);
    else
        jw_null(w);
    jw_key(w, "sha1");
    if (ci)
        jwf_hex(w, ci->sha1, 20);
    else
        jw_null(w);
    jw_key(w, "sha256");
    if (ci)
        jwf_hex(w, ci->sha256, 32);
    else
        jw_null(w);
    jw_kstr(w, "not_before", ci ? sbd_time_iso(ci->not_before, iso, sizeof iso) : NULL);
    jw_kstr(w, "not_after", ci ? sbd_time_iso(ci->not_after, iso, sizeof iso) : NULL);
}

static void put_key_words(jw *w, const sbd_cert_info *ci)
{
    char key[64];
    snprintf(key, sizeof key, "%s %d", ci->key_type, ci->key_bits);
    jw_kstr(w, "key", key);
}

/* A "cert" line (format 2): a certificate's facts, once per distinct certificate. */
static void cert_def_line(jctx *c, const sbd_cert_info *ci)
{
    jw *w = c->w;
    char iso[40];
    jw_obj(w);
    jw_kstr(w, "type", "cert");
    jw_key(w, "sha256");
    jwf_hex(w, ci->sha256, 32);
    jw_kstr(w, "subject", ci->subject);
    jw_kstr(w, "issuer", ci->issuer);
    jw_key(w, "serial");
    put_serial(w, ci->serial, ci->serial_len);
    jw_key(w, "sha1");
    jwf_hex(w, ci->sha1, 20);
    jw_kstr(w, "not_before", sbd_time_iso(ci->not_before, iso, sizeof iso));
    jw_kstr(w, "not_after", sbd_time_iso(ci->not_after, iso, sizeof iso));
    put_key_words(w, ci);
    jw_end(w);
    jw_line(w);
}

/* The certificate's line first when this is the first reference to it. */
static void cert_ref(jctx *c, const obs_cert *oc)
{
    if (oc && oc->info_ok && first_ref(c))
        cert_def_line(c, &oc->info);
}

static void cert_line(jctx *c, const obs_tls *t, size_t i)
{
    const obs_cert *oc = &t->certs[i];
    jw *w = c->w;
    const sbd_cert_info *ci = oc->info_ok ? &oc->info : NULL;
    cert_ref(c, oc);
    jw_obj(w);
    jw_kstr(w, "type", "tls_cert");
    jw_kstr(w, "pcap", c->r->inputs[t->input].path);
    jw_key(w, "server");
    jwf_endpoint(w, &c->addrs, t->server, t->sport);
    jw_kint(w, "server_port", t->sport);
    jw_key(w, "client");
    jwf_endpoint(w, &c->addrs, t->client, t->cport);
    if (c->inline_records) {
        cert_facts(w, ci);
    } else {
        jw_key(w, "sha256");
        put_hex_or_null(w, ci ? ci->sha256 : NULL, 32, ci != NULL);
    }
    if (!c->tls_version_set || c->tls_version != t->version) { /* one or two versions a run */
        cap_tls_version_name(t->version, c->tls_version_text, sizeof c->tls_version_text);
        c->tls_version = t->version;
        c->tls_version_set = true;
    }
    jw_kstr(w, "tls_version", c->tls_version_text);
    jw_kint(w, "packet", (int64_t)t->pkt);
    jw_kint(w, "chain_index", (int64_t)i);
    jw_kint(w, "chain_length", (int64_t)t->n_certs);
    jw_kstr(w, "sni", t->sni);
    jw_key(w, "time");
    put_time(c, t->ts_usec);
    if (!ci)
        jw_kstr(w, "cert_error", oc->error);
    else if (c->inline_records)
        put_key_words(w, ci);
    else
        jw_knull(w, "cert_error");
    jw_end(w);
    jw_line(w);
}

/* The finding's related observation: format 2 names it by input, packet and content (its name is
 * on its file line). */
static void evidence_related(jctx *c, const finding *x)
{
    jw *w = c->w;
    if (!x->related) {
        if (!c->inline_records)
            jw_knull(w, "related");
        return;
    }
    jw_key(w, "related");
    jw_obj(w);
    jw_kstr(w, "what", x->related_what);
    jw_kstr(w, "capture", c->r->inputs[x->related->input].path);
    jw_kint(w, "packet", (int64_t)x->related->first_pkt);
    if (c->inline_records)
        jw_kstr(w, "file", x->related->name);
    jw_key(w, "sha256");
    jwf_hex(w, obs_sha256_or_zero(x->related), 32);
    jw_end(w);
}

/* Format 2 has every key (null when the finding has no such evidence) and no "capture": it is the
 * finding's "pcap". */
static void evidence(jctx *c, const finding *x)
{
    jw *w = c->w;
    const bool fixed = !c->inline_records;
    jw_obj(w);
    if (!fixed)
        jw_kstr(w, "capture", c->r->inputs[x->input].path);
    jw_key(w, "packets");
    jw_arr(w);
    for (size_t i = 0; i < x->n_packets; i++)
        jw_int(w, (int64_t)finding_packet(x, i));
    jw_end(w);
    if (x->file || fixed) {
        jw_kstr(w, "file", x->file ? x->file->name : NULL);
        jw_key(w, "file_sha256");
        put_hex_or_null(w, x->file ? obs_sha256(x->file) : NULL, 32, x->file && x->file->digest);
    }
    if (x->tls) {
        jw_key(w, "server");
        jwf_endpoint(w, &c->addrs, x->tls->server, x->tls->sport);
    } else if (fixed) {
        jw_knull(w, "server");
    }
    if (fixed && !(x->cert && x->cert->info_ok))
        jw_knull(w, "cert");
    if (x->cert && x->cert->info_ok) {
        const sbd_cert_info *ci = &x->cert->info;
        jw_key(w, "cert");
        jw_obj(w);
        if (c->inline_records) { /* format 2: the facts are in the "cert" line */
            jw_kstr(w, "subject", ci->subject);
            jw_kstr(w, "issuer", ci->issuer);
            jw_key(w, "serial");
            put_serial(w, ci->serial, ci->serial_len);
        }
        jw_key(w, "sha256");
        jwf_hex(w, ci->sha256, 32);
        jw_end(w);
    }
    evidence_related(c, x);
    if (x->occurrences > 1 || fixed)
        jw_kint(w, "occurrences", x->occurrences ? (int64_t)x->occurrences : 1);
    jw_end(w);
}

/* A "rule" line (format 2): what a rule's findings mean, once per rule that has one. */
static void rule_line(jctx *c, sbd_rule rule)
{
    jw *w = c->w;
    jw_obj(w);
    jw_kstr(w, "type", "rule");
    jw_kstr(w, "id", sbd_rule_id(rule)); /* not "rule" nor "severity": select(.rule == X) and
                                          * select(.severity == X) keep finding findings only */
    jw_kstr(w, "title", sbd_rule_title(rule));
    jw_kstr(w, "meaning", sbd_rule_meaning(rule));
    jw_end(w);
    jw_line(w);
}

static void finding_line(jctx *c, const finding *x)
{
    jw *w = c->w;
    cert_ref(c, x->cert);
    if (first_ref(c))
        rule_line(c, x->rule);
    jw_obj(w);
    jw_kstr(w, "type", "finding");
    jw_kstr(w, "pcap", c->r->inputs[x->input].path);
    jw_kstr(w, "rule", sbd_rule_id(x->rule));
    jw_kstr(w, "severity", sbd_severity_name(sbd_rule_severity(x->rule)));
    jw_kstr(w, "phone", x->phone[0] ? x->phone : NULL);
    char msg[FINDING_MESSAGE_MAX];
    jw_kstr(w, "message", finding_message(x, msg));
    jw_key(w, "evidence");
    evidence(c, x);
    jw_key(w, "time");
    put_time(c, x->ts_usec);
    if (c->inline_records)
        jw_kstr(w, "meaning", sbd_rule_meaning(x->rule));
    jw_end(w);
    jw_line(w);
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
            t->files_complete += obs_file_at(in, k)->complete;
            t->files_not_found += obs_file_at(in, k)->xfer == OBS_XFER_NOT_FOUND;
            t->files_incomplete += !obs_file_at(in, k)->complete &&
                                   obs_file_at(in, k)->xfer != OBS_XFER_NOT_FOUND &&
                                   obs_file_at(in, k)->xfer != OBS_XFER_ERROR;
        }
        for (size_t k = 0; k < in->n_tls; k++) {
            t->certs += obs_tls_at(in, k)->kind == OBS_TLS_CERTS ? obs_tls_at(in, k)->n_certs : 0;
            t->tls_hidden += obs_tls_at(in, k)->kind == OBS_TLS_HIDDEN;
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

/* Format 2: an input that could not be opened has every key of the others, null. */
static void failed_input_keys(json_t *o)
{
    static const char *const keys[] = {"linktype",         "packets",         "files",
                                       "files_complete",   "files_not_found", "files_incomplete",
                                       "files_unparsable", "certs",           "tls_sessions",
                                       "tls_hidden",       "skipped"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        esc_json_set(o, keys[k], json_null());
    esc_json_set(o, "problems", json_array());
    esc_json_set(o, "problems_not_listed", json_integer(0));
}

static json_t *input_json(const run *r, size_t i)
{
    const obs_input *in = &r->inputs[i];
    const bool fixed = !r->o->json_inline;
    json_t *o = json_object();
    esc_json_set(o, "pcap", esc_json_str(in->path));
    if (in->open_failed) {
        esc_json_set(o, "status", esc_json_str("failed"));
        if (fixed)
            esc_json_set(o, "last_good_packet", json_null());
        esc_json_set(o, "error", esc_json_str(in->open_error));
        if (fixed)
            failed_input_keys(o);
        if (r->o->json_content)
            obs_json_add_input(o, in);
        return o;
    }
    esc_json_set(o, "status", esc_json_str(cap_input_status_name(in->end_status)));
    if (in->end_status != CAP_INPUT_OK) {
        esc_json_set(o, "last_good_packet", json_integer((json_int_t)in->last_good));
        esc_json_set(o, "error", esc_json_str(in->end_msg));
    } else if (fixed) {
        esc_json_set(o, "last_good_packet", json_null());
        esc_json_set(o, "error", json_null());
    }
    esc_json_set(o, "linktype", json_integer(in->linktype));
    report_totals t;
    report_totals_of(r, i, &t);
    totals_json(o, &t);
    esc_json_set(o, "skipped", skipped_json(&in->counts));
    problems_to_json(o, &in->problems, fixed);
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
    esc_json_set(o, "format_version", json_integer(r->o->json_inline ? 1 : REPORT_FORMAT_VERSION));
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

/* The references of the output, in the order the writers meet them (input_lines, file_line,
 * cert_line, finding_line): the first of each key is where its definition line goes. */
static bool note_ref(defs *d, def_kind k, const void *key, size_t len, size_t *ord)
{
    bool added = false;
    bool ok = kmap_put(&d->map[k], key, len, (*ord)++, &added) != SIZE_MAX;
    unsigned char *slot = obs_grow_one((void **)&d->first, &d->n_first, &d->cap_first, 1);
    if (!slot)
        return false;
    *slot = ok && added;
    return ok;
}

static bool find_defs(const run *r, const report_index *ix, const obs_file ***sorted, defs *d)
{
    bool ok = true;
    size_t ord = 0;
    for (size_t i = 0; i < r->n_inputs; i++) {
        const obs_input *in = &r->inputs[i];
        d->base[i] = ord;
        for (size_t k = 0; sorted[i] && k < in->n_files; k++) {
            const obs_file *f = sorted[i][k];
            ok &= !f->digest || note_ref(d, DEF_CONTENT, f->digest->sha256, 32, &ord);
        }
        for (size_t k = 0; k < in->n_tls; k++)
            for (size_t n = 0;
                 obs_tls_at(in, k)->kind == OBS_TLS_CERTS && n < obs_tls_at(in, k)->n_certs; n++) {
                const obs_cert *oc = &obs_tls_at(in, k)->certs[n];
                ok &= !oc->info_ok || note_ref(d, DEF_CERT, oc->info.sha256, 32, &ord);
            }
        const size_t *idx;
        size_t n = report_index_findings(ix, i, &idx);
        for (size_t k = 0; k < n; k++) {
            const finding *x = &r->findings[idx[k]];
            if (!report_shown(r, x))
                continue;
            if (x->cert && x->cert->info_ok)
                ok &= note_ref(d, DEF_CERT, x->cert->info.sha256, 32, &ord);
            const char *id = sbd_rule_id(x->rule);
            ok &= note_ref(d, DEF_RULE, id, strlen(id), &ord);
        }
    }
    return ok;
}

/* Every line of input i: files by first packet (each preceded by its content's line when it is
 * the first to name it), server certificates, (sessions), findings. */
static void input_lines(jctx *c, const report_index *ix, size_t i, const obs_file **files)
{
    const run *r = c->r;
    const obs_input *in = &r->inputs[i];
    if (!files && in->n_files)
        esc_json_fail(); /* out of memory: the input's file lines are missing */
    c->ord = c->defs ? c->defs->base[i] : 0;
    for (size_t k = 0; files && k < in->n_files; k++)
        file_line(c, files[k]);
    for (size_t k = 0; k < in->n_tls; k++)
        for (size_t n = 0;
             obs_tls_at(in, k)->kind == OBS_TLS_CERTS && n < obs_tls_at(in, k)->n_certs; n++)
            cert_line(c, obs_tls_at(in, k), n);
    for (size_t k = 0; r->o->json_content && k < in->n_tls; k++)
        obs_json_tls_line(c->ow, c->w, &c->addrs, r, obs_tls_at(in, k));
    const size_t *idx;
    size_t n = report_index_findings(ix, i, &idx);
    for (size_t k = 0; k < n; k++)
        if (report_shown(r, &r->findings[idx[k]]))
            finding_line(c, &r->findings[idx[k]]);
}

typedef struct par_json {
    const run *r;
    const report_index *ix;
    const obs_file ***sorted;
    const defs *defs;
    bool reference;
    jw *per_input;
    FILE *out;
} par_json;

static void par_input(void *ctx, size_t i)
{
    par_json *pj = ctx;
    jctx *c = calloc(1, sizeof *c);
    if (!c) {
        esc_json_fail();
        return;
    }
    *c = (jctx){.r = pj->r,
                .w = &pj->per_input[i],
                .defs = pj->defs,
                .inline_records = pj->r->o->json_inline};
    jw_init(c->w, NULL, pj->reference);
    input_lines(c, pj->ix, i, pj->sorted[i]);
    free(c);
}

static void par_write(void *ctx, size_t i)
{
    par_json *pj = ctx;
    jw_flush_to(&pj->per_input[i], pj->out);
    jw_free(&pj->per_input[i]);
}

int report_json_as(const run *r, FILE *out, bool reference)
{
    unsigned long lost = esc_json_failures();
    report_index ix;
    const obs_file ***sorted = calloc(r->n_inputs ? r->n_inputs : 1, sizeof *sorted);
    if (!sorted || report_index_build(r, &ix) != 0) {
        free(sorted);
        fputs("pcapscan: --json: out of memory\n", stderr);
        return -1;
    }
    for (size_t i = 0; i < r->n_inputs; i++)
        sorted[i] = run_sorted_files(&r->inputs[i]);
    defs d;
    for (int k = 0; k < DEF_KINDS; k++)
        kmap_init(&d.map[k]);
    d.base = calloc(r->n_inputs ? r->n_inputs : 1, sizeof *d.base);
    d.first = NULL;
    d.n_first = d.cap_first = 0;
    if (!r->o->json_inline && (!d.base || !find_defs(r, &ix, sorted, &d)))
        esc_json_fail(); /* out of memory: definition lines may be missing */
    /* --json-content writes each certificate once per output: one writer, in order. */
    par_json pj = {r, &ix, sorted, r->o->json_inline || !d.base ? NULL : &d, reference, NULL, out};
    if (!r->o->json_content && r->o->jobs > 1 && r->n_inputs > 1)
        pj.per_input = calloc(r->n_inputs, sizeof *pj.per_input);
    jw w;
    jw_init(&w, out, reference);
    if (pj.per_input) {
        par_for(r->n_inputs, r->o->jobs, par_input, par_write, &pj);
        free(pj.per_input);
    } else {
        jctx *c = calloc(1, sizeof *c);
        if (c) {
            *c = (jctx){.r = r, .w = &w, .defs = pj.defs, .inline_records = r->o->json_inline};
            c->ow = r->o->json_content ? obs_json_writer_new() : NULL;
            for (size_t i = 0; i < r->n_inputs; i++)
                input_lines(c, &ix, i, sorted[i]);
            obs_json_writer_free(c->ow);
        } else {
            esc_json_fail();
        }
        free(c);
    }
    for (int k = 0; k < DEF_KINDS; k++)
        kmap_free(&d.map[k]);
    free(d.base);
    free(d.first);
    for (size_t i = 0; i < r->n_inputs; i++)
        free(sorted[i]);
    free(sorted);
    report_index_free(&ix);
    jw_json(&w, report_summary_json(r));
    jw_line(&w);
    jw_flush_to(&w, out);
    jw_free(&w);
    lost = esc_json_failures() - lost;
    if (lost)
        fprintf(stderr,
                "pcapscan: --json: %lu value(s) could not be written (out of memory): the "
                "output is incomplete\n",
                lost);
    return lost ? -1 : 0;
}

int report_json(const run *r, FILE *out)
{
    return report_json_as(r, out, false);
}
