/* Observations as JSON (see obs_json.h): written with --json-content, read by `pcapscan merge`.
 * The reader treats the results files as untrusted: every field is type- and range-checked,
 * file content must match its SHA-256, and an error names the file and line. */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "model/certs.h"
#include "lib/escape.h"
#include "report/jw_fields.h"
#include "report/obs_json.h"
#include "report/problems_json.h"
#include "report/report.h"
#include "lib/util.h"

/* Decoded content larger than this is refused (the scan keeps signed files up to 16 MiB). */
#define OBS_JSON_MAX_CONTENT (64u * 1024 * 1024)

static const char *const tls_kind_words[] = {"none", "certs", "hidden", "error"};

/* ---- writing ---- */

/* Base64 of p[0, n) as a JSON string; a value that cannot be made is counted. */
static void put_b64(jw *w, const uint8_t *p, size_t n)
{
    char *buf = n <= (size_t)INT_MAX / 2 ? malloc(4 * ((n + 2) / 3) + 1) : NULL;
    if (!buf) {
        esc_json_fail();
        jw_null(w);
        return;
    }
    int len = EVP_EncodeBlock((unsigned char *)buf, p, (int)n);
    jw_strn(w, buf, len > 0 ? (size_t)len : 0);
    free(buf);
}

struct obs_json_writer {
    store content; /* SHA-256s already written (entries without bytes) */
    store certs;
};

obs_json_writer *obs_json_writer_new(void)
{
    obs_json_writer *w = calloc(1, sizeof *w);
    if (w) {
        store_init(&w->content);
        store_init(&w->certs);
    }
    return w;
}

void obs_json_writer_free(obs_json_writer *w)
{
    if (!w)
        return;
    store_free(&w->content);
    store_free(&w->certs);
    free(w);
}

/* True the first time sha is offered to seen (always without a writer). */
static bool first_time(store *seen, const uint8_t sha[32])
{
    if (!seen)
        return true;
    if (store_get(seen, sha))
        return false;
    store_put(seen, sha, NULL, 0); /* out of memory only means writing it again later */
    return true;
}

void obs_json_put_file(obs_json_writer *ow, jw *w, const run *r, const obs_file *f,
                       bool with_content)
{
    jw_kint(w, "input", (int64_t)r->inputs[f->input].listed);
    jw_kint(w, "seq", (int64_t)f->seq);
    jw_kint(w, "time_usec", f->ts_usec);
    const blob *b = with_content ? run_kept(r, f) : NULL;
    if (b && first_time(ow ? &ow->content : NULL, b->sha256)) {
        jw_key(w, "content");
        put_b64(w, b->data, b->len);
    } else if (b) {
        jw_kbool(w, "content_kept", true);
    }
}

void obs_json_put_content(jw *w, const blob *b)
{
    jw_key(w, "data");
    put_b64(w, b->data, b->len);
}

void obs_json_tls_line(obs_json_writer *ow, jw *w, jw_addrs *addrs, const run *r, const obs_tls *t)
{
    jw_obj(w);
    jw_kstr(w, "type", "tls_session");
    jw_kstr(w, "pcap", r->inputs[t->input].path);
    jw_kint(w, "input", (int64_t)r->inputs[t->input].listed);
    jw_kint(w, "seq", (int64_t)t->seq);
    jw_kstr(w, "kind", tls_kind_words[t->kind]);
    jw_key(w, "client");
    jwf_endpoint(w, addrs, t->client, t->cport);
    jw_key(w, "server");
    jwf_endpoint(w, addrs, t->server, t->sport);
    jw_kint(w, "first_packet", (int64_t)t->first_pkt);
    jw_kint(w, "packet", (int64_t)t->pkt);
    jw_kint(w, "time_usec", t->ts_usec);
    jw_kint(w, "version", t->version);
    jw_kstr(w, "sni", t->sni);
    jw_kstr(w, "error", t->error);
    jw_key(w, "certs");
    jw_arr(w);
    for (size_t i = 0; i < t->n_certs; i++) {
        uint8_t sha[32];
        unsigned int n = 0;
        EVP_Digest(t->certs[i].der, t->certs[i].len, sha, &n, EVP_sha256(), NULL);
        if (first_time(ow ? &ow->certs : NULL, sha)) {
            put_b64(w, t->certs[i].der, t->certs[i].len);
        } else {
            jw_obj(w);
            jw_key(w, "sha256");
            jwf_hex(w, sha, 32);
            jw_end(w);
        }
    }
    jw_end(w);
    jw_end(w);
    jw_line(w);
}

void obs_json_add_input(json_t *o, const obs_input *in)
{
    esc_json_set(o, "input", json_integer((json_int_t)in->listed));
    esc_json_set(o, "first_time_usec", json_integer((json_int_t)in->first_ts));
    esc_json_set(o, "last_time_usec", json_integer((json_int_t)in->last_ts));
    /* The capture file's identity where it was scanned: a merge on another host cannot read it. */
    char hex[65];
    esc_json_set(o, "sha256",
                 in->has_digest ? esc_json_str(sbd_hex_lower(in->sha256, 32, hex, sizeof hex))
                                : json_null());
    esc_json_set(o, "bytes", in->has_digest ? json_integer((json_int_t)in->bytes) : json_null());
}

void obs_json_add_summary(json_t *o, const run *r)
{
    const scan_opts *op = r->o;
    json_t *m = json_object();
    esc_json_set(m, "now", op->has_now ? json_integer((json_int_t)op->now) : json_null());
    esc_json_set(m, "expiry_days", json_integer(op->expiry_days));
    esc_json_set(m, "shard",
                 op->shard_n ? json_sprintf("%zu/%zu", op->shard_k, op->shard_n) : json_null());
    esc_json_set(o, "merge", m);
}

/* ---- reading ---- */

typedef struct reader {
    const char *path;
    size_t line;
    size_t file_no;
    obs_json_set *set;
    obs_input **mine; /* this file's inputs */
    bool *described;  /* mine[i] appeared in the summary's per_input */
    size_t n_mine, cap_mine;
    obs_input *last;
    bool summary_seen;
    store md5s; /* format 2: each content line's md5 by its sha256 (file lines name it) */
    char *err;
    size_t errsz;
} reader;

static bool fail(reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(reader *rd, const char *fmt, ...)
{
    if (rd->err[0])
        return false;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(rd->err, rd->errsz, "%s:%zu: %s", rd->path, rd->line, msg);
    return false;
}

/* Optional string: NULL when absent or null; false on a wrong type. */
static bool get_str(reader *rd, const json_t *o, const char *key, bool required, const char **out)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if ((!v || json_is_null(v)) && !required)
        return true;
    if (!json_is_string(v))
        return fail(rd, "\"%s\" must be a string", key);
    *out = json_string_value(v);
    return true;
}

static bool get_int(reader *rd, const json_t *o, const char *key, bool required, int64_t min,
                    int64_t max, int64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if ((!v || json_is_null(v)) && !required) /* format 2 writes null where format 1 has no key */
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return fail(rd, "\"%s\" must be an integer in [%lld, %lld]", key, (long long)min,
                    (long long)max);
    *out = json_integer_value(v);
    return true;
}

static bool get_u64(reader *rd, const json_t *o, const char *key, bool required, uint64_t *out)
{
    int64_t v = 0;
    if (!get_int(rd, o, key, required, 0, INT64_MAX, &v))
        return false;
    if (json_is_integer(json_object_get(o, key)))
        *out = (uint64_t)v;
    return true;
}

static bool get_u32(reader *rd, const json_t *o, const char *key, uint32_t *out)
{
    int64_t v = 0;
    if (!get_int(rd, o, key, false, 0, UINT32_MAX, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool get_bool(reader *rd, const json_t *o, const char *key, bool required, bool *out)
{
    const json_t *v = json_object_get(o, key);
    if ((!v || json_is_null(v)) && !required)
        return true;
    if (!json_is_boolean(v))
        return fail(rd, "\"%s\" must be true or false", key);
    *out = json_is_true(v);
    return true;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Lowercase hex of exactly n bytes. */
static bool parse_hex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* A name extract_name makes: 64 lowercase hex digits, alone or followed by '-' and a sanitized
 * name (ASCII letters, digits, . - _ +, never ".."), at most NAME_MAX bytes. */
static bool extracted_name_ok(const char *s)
{
    uint8_t sha[32];
    char hex[65];
    if (strlen(s) < 64 || strlen(s) > 255)
        return false;
    memcpy(hex, s, 64);
    hex[64] = '\0';
    if (!parse_hex(hex, sha, 32) || (s[64] && s[64] != '-') || strstr(s, ".."))
        return false;
    return strspn(s + 64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+") ==
           strlen(s + 64);
}

/* The inverse of cap_addr_str: "1.2.3.4:69", "[fd00::1]:2445", or an address alone (port 0). */
static bool parse_endpoint(const char *s, cap_addr *a, uint16_t *port)
{
    char host[64];
    const char *port_s = NULL;
    memset(a, 0, sizeof *a);
    *port = 0;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || (size_t)(close - s - 1) >= sizeof host || close[1] != ':')
            return false;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        port_s = close + 2;
        a->family = 6;
    } else {
        const char *colon = strchr(s, ':');
        bool v6 = colon && strchr(colon + 1, ':');
        size_t hl = colon && !v6 ? (size_t)(colon - s) : strlen(s);
        if (hl >= sizeof host)
            return false;
        memcpy(host, s, hl);
        host[hl] = '\0';
        port_s = colon && !v6 ? colon + 1 : NULL;
        a->family = v6 ? 6 : 4;
    }
    if (inet_pton(a->family == 6 ? AF_INET6 : AF_INET, host, a->a) != 1)
        return false;
    if (!port_s)
        return true;
    char *end;
    unsigned long p = strtoul(port_s, &end, 10);
    if (!*port_s || *end || p > 65535)
        return false;
    *port = (uint16_t)p;
    return true;
}

static bool get_endpoint(reader *rd, const json_t *o, const char *key, cap_addr *a, uint16_t *port)
{
    const char *s;
    if (!get_str(rd, o, key, true, &s))
        return false;
    if (!parse_endpoint(s, a, port))
        return fail(rd, "\"%s\": not an ip:port endpoint: '%.60s'", key, s);
    return true;
}

/* A record's "client" and "server", as the input's shared copies of the addresses. */
static bool get_endpoints(reader *rd, const json_t *o, obs_input *in, const cap_addr **client,
                          uint16_t *cport, const cap_addr **server, uint16_t *sport)
{
    cap_addr cli, srv;
    if (!get_endpoint(rd, o, "client", &cli, cport) || !get_endpoint(rd, o, "server", &srv, sport))
        return false;
    *client = obs_input_addr(in, &cli);
    *server = obs_input_addr(in, &srv);
    return true;
}

/* Base64 (no line breaks) into a new buffer; NULL on bad input or over max. */
static uint8_t *b64_decode(const char *s, size_t max, size_t *len)
{
    size_t n = strlen(s);
    if (n % 4 || n / 4 * 3 > max + 2 || n > (size_t)INT_MAX)
        return NULL;
    uint8_t *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return NULL;
    int k = n ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) : 0;
    size_t pad = n && s[n - 1] == '=' ? (n > 1 && s[n - 2] == '=' ? 2 : 1) : 0;
    if (k < 0 || (size_t)k < pad || (size_t)k - pad > max) {
        free(out);
        return NULL;
    }
    *len = (size_t)k - pad;
    return out;
}

/* ---- inputs ---- */

static obs_input *find_mine(reader *rd, size_t listed)
{
    if (rd->last && rd->last->listed == listed)
        return rd->last;
    for (size_t i = 0; i < rd->n_mine; i++)
        if (rd->mine[i]->listed == listed)
            return rd->last = rd->mine[i];
    return NULL;
}

/* The input an object belongs to ("input" list position + "pcap"), created on first sight;
 * mark_described when the object is the input's summary entry. */
static obs_input *input_of(reader *rd, const json_t *o, bool mark_described)
{
    int64_t listed = 0;
    const char *path;
    if (!get_int(rd, o, "input", true, 0, INT32_MAX, &listed) ||
        !get_str(rd, o, "pcap", true, &path))
        return NULL;
    obs_input *in = find_mine(rd, (size_t)listed);
    if (in) {
        if (strcmp(in->path, path) != 0)
            return fail(rd, "input %lld is '%s' here but '%s' earlier", (long long)listed, path,
                        in->path),
                   NULL;
    } else {
        if (rd->n_mine == rd->cap_mine) {
            size_t ncap = rd->cap_mine ? rd->cap_mine * 2 : 16;
            obs_input **nm = realloc(rd->mine, ncap * sizeof *nm);
            bool *nd = nm ? realloc(rd->described, ncap * sizeof *nd) : NULL;
            if (nm)
                rd->mine = nm;
            if (!nm || !nd)
                return fail(rd, "out of memory"), NULL;
            rd->described = nd;
            rd->cap_mine = ncap;
        }
        in = calloc(1, sizeof *in);
        if (!in)
            return fail(rd, "out of memory"), NULL;
        obs_input_init(in, 0, path);
        in->listed = (size_t)listed;
        rd->described[rd->n_mine] = false;
        rd->mine[rd->n_mine++] = rd->last = in;
    }
    if (mark_described)
        for (size_t i = 0; i < rd->n_mine; i++)
            if (rd->mine[i] == in)
                rd->described[i] = true;
    return in;
}

/* Observation numbers are shared by files and TLS sessions; keep the counter past them. */
static void note_seq(obs_input *in, uint64_t seq)
{
    if (seq >= in->next_seq)
        in->next_seq = seq + 1;
}

/* ---- "file" ---- */

/* Text from a results file made printable, kept once per distinct text of the input. */
static const char *input_text(obs_input *in, const char *s)
{
    char *p = util_printable(s);
    const char *kept = p ? obs_input_text(in, p) : NULL;
    free(p);
    return kept;
}

static bool read_xfer(reader *rd, const json_t *o, obs_file *f)
{
    const char *status, *proto, *dir;
    if (!get_str(rd, o, "status", true, &status) || !get_str(rd, o, "protocol", true, &proto) ||
        !get_str(rd, o, "direction", true, &dir))
        return false;
    bool found = false;
    for (int x = 0; x <= OBS_XFER_TOO_LARGE && !found; x++)
        if (strcmp(status, obs_xfer_name((obs_xfer)x)) == 0) {
            f->xfer = (obs_xfer)x;
            found = true;
        }
    if (!found)
        return fail(rd, "unknown file status '%.40s'", status);
    if (strcmp(proto, "tftp") != 0 && strcmp(proto, "http") != 0)
        return fail(rd, "unknown protocol '%.40s'", proto);
    f->proto = proto[0] == 't' ? OBS_TFTP : OBS_HTTP;
    if (strcmp(dir, "upload") != 0 && strcmp(dir, "download") != 0)
        return fail(rd, "unknown direction '%.40s'", dir);
    f->upload = strcmp(dir, "upload") == 0;
    int64_t code = -1;
    if (!get_int(rd, o, f->proto == OBS_TFTP ? "tftp_error" : "http_status", false, 0, 65535,
                 &code))
        return false;
    obs_outcome oc;
    obs_outcome_init(&oc);
    oc.error_code = (int32_t)code;
    const char *msg, *missing, *extracted;
    if (!get_str(rd, o, "error_message", false, &msg) ||
        !get_str(rd, o, "missing", false, &missing) ||
        !get_str(rd, o, "extracted", false, &extracted))
        return false;
    obs_input *in = rd->last;
    oc.error_msg = msg ? input_text(in, msg) : NULL;
    if (extracted && !extracted_name_ok(extracted))
        return fail(rd, "\"extracted\" is not a name --extract writes");
    obs_file_more m = {.missing = missing ? input_text(in, missing) : NULL,
                       .extracted = extracted ? obs_input_text(in, extracted) : NULL};
    bool cut = false;
    if (!get_bool(rd, o, "cut_by_capture_end", false, &cut) ||
        !get_u32(rd, o, "blksize", &oc.blksize) || !get_bool(rd, o, "oack", false, &oc.oack) ||
        !get_u32(rd, o, "duplicate_blocks", &m.dup_blocks) ||
        !get_u32(rd, o, "out_of_order_blocks", &m.out_of_order) ||
        !get_u32(rd, o, "conflicting_blocks", &m.conflict_blocks) ||
        !get_u32(rd, o, "bad_packets", &m.bad_packets) ||
        !get_u64(rd, o, "missing_blocks", false, &oc.missing_blocks))
        return false;
    f->cut_by_end = cut;
    f->outcome = obs_input_outcome(in, &oc);
    if (m.missing || m.extracted || m.dup_blocks || m.out_of_order || m.conflict_blocks ||
        m.bad_packets) {
        obs_file_more *more = obs_more_make(f);
        if (!more)
            return fail(rd, "out of memory");
        *more = m;
    }
    return true;
}

static bool read_digests(reader *rd, const json_t *o, obs_file *f)
{
    const char *md5, *sha, *sig;
    if (!get_str(rd, o, "md5", false, &md5) || !get_str(rd, o, "sha256", false, &sha) ||
        !get_str(rd, o, "signature", true, &sig))
        return false;
    uint8_t md5_b[16], sha_b[32];
    if (md5 && sha) {
        if (!parse_hex(md5, md5_b, 16) || !parse_hex(sha, sha_b, 32))
            return fail(rd, "md5/sha256 must be lowercase hex");
    } else if (sha) { /* format 2: the md5 is on the content line, which came before */
        if (!parse_hex(sha, sha_b, 32))
            return fail(rd, "sha256 must be lowercase hex");
        const blob *c = store_get(&rd->md5s, sha_b);
        if (!c)
            return fail(rd, "%s: no earlier content line has sha256 %.64s", f->name, sha);
        memcpy(md5_b, c->md5, 16);
    }
    if (sha && !(f->digest = obs_input_digest(rd->last, sha_b, md5_b)))
        return fail(rd, "out of memory");
    static const char *const sig_words[] = {"valid", "invalid", "signer_unknown", "not_signed",
                                            "not_checked"};
    size_t w = 0;
    while (w < sizeof sig_words / sizeof sig_words[0] && strcmp(sig, sig_words[w]) != 0)
        w++;
    if (w == sizeof sig_words / sizeof sig_words[0])
        return fail(rd, "unknown signature '%.40s'", sig);
    /* The scan says "not_signed" for exactly the complete files that do not look signed. */
    f->looks_signed = f->complete && strcmp(sig, "not_signed") != 0;
    return true;
}

/* A file without "content": format 1's "content_kept" (the bytes came earlier, required), or a
 * reference to a format 2 "content" line by sha256 (bytes over the scan's limit were not kept:
 * then there is none). */
static bool read_content_ref(reader *rd, const json_t *o, obs_file *f)
{
    bool kept = false;
    if (!get_bool(rd, o, "content_kept", false, &kept))
        return false;
    const blob *b =
        f->digest && f->complete ? store_get(&rd->set->content, f->digest->sha256) : NULL;
    if (kept && (!b || b->len != f->size))
        return fail(rd, "%s: \"content_kept\" but no earlier file object has its content", f->name);
    f->in_store = b && b->len == f->size;
    return true;
}

static bool keep_bytes(reader *rd, const char *b64, const uint8_t sha[32], uint64_t size,
                       const char *what);

static bool read_content(reader *rd, const json_t *o, obs_file *f)
{
    const char *b64;
    if (!get_str(rd, o, "content", false, &b64))
        return false;
    if (!b64)
        return read_content_ref(rd, o, f);
    if (!f->digest)
        return fail(rd, "\"content\" of %s does not match its sha256/size", f->name);
    f->in_store = keep_bytes(rd, b64, f->digest->sha256, f->size, f->name);
    return f->in_store;
}

/* Bytes in base64 that must hash to sha and be size long; stored. */
static bool keep_bytes(reader *rd, const char *b64, const uint8_t sha[32], uint64_t size,
                       const char *what)
{
    size_t len = 0;
    uint8_t *data = b64_decode(b64, OBS_JSON_MAX_CONTENT, &len);
    if (!data)
        return fail(rd, "\"content\" of %s is not base64 (or over %u bytes)", what,
                    OBS_JSON_MAX_CONTENT);
    uint8_t got[32];
    unsigned int n = 0;
    EVP_Digest(data, len, got, &n, EVP_sha256(), NULL);
    if (memcmp(got, sha, 32) != 0 || len != size) {
        free(data);
        return fail(rd, "\"content\" of %s does not match its sha256/size", what);
    }
    return store_put(&rd->set->content, got, data, len) != NULL || fail(rd, "out of memory");
}

/* Format 2: a "content" line; its md5 and its bytes ("data", with --json-content) are what file
 * lines with the same sha256 refer to. What it says about the bytes is recomputed from them. */
static bool read_content_line(reader *rd, const json_t *o)
{
    const char *sha_hex, *md5_hex, *data;
    uint64_t size = 0;
    uint8_t sha[32], md5[16];
    if (!get_str(rd, o, "sha256", true, &sha_hex) || !get_u64(rd, o, "size", true, &size) ||
        !get_str(rd, o, "md5", false, &md5_hex) || !get_str(rd, o, "data", false, &data))
        return false;
    if (!parse_hex(sha_hex, sha, 32))
        return fail(rd, "content sha256 must be 64 lowercase hex digits");
    if (md5_hex) { /* absent in the first format 2 files, whose file lines have it */
        if (!parse_hex(md5_hex, md5, 16))
            return fail(rd, "content md5 must be 32 lowercase hex digits");
        blob *b = store_put(&rd->md5s, sha, NULL, 0);
        if (!b)
            return fail(rd, "out of memory");
        memcpy(b->md5, md5, 16);
    }
    return !data || keep_bytes(rd, data, sha, size, sha_hex);
}

static bool read_file(reader *rd, const json_t *o)
{
    obs_input *in = input_of(rd, o, false);
    obs_file *f = in ? obs_add_file(in) : NULL;
    if (!f)
        return in ? fail(rd, "out of memory") : false;
    const char *name;
    int64_t ts = 0;
    if (!get_str(rd, o, "name", true, &name) || !get_u64(rd, o, "seq", true, &f->seq) ||
        !get_int(rd, o, "time_usec", true, INT64_MIN / 2, INT64_MAX / 2, &ts))
        return false;
    note_seq(in, f->seq);
    f->ts_usec = ts;
    f->name = input_text(in, name);
    if (!f->name)
        return fail(rd, "out of memory");
    char mac[16];
    f->name_kind = (uint8_t)sbd_audit_classify_name(f->name, mac);
    if (!get_endpoints(rd, o, in, &f->client, &f->cport, &f->server, &f->sport))
        return false;
    bool complete = false;
    if (!get_u64(rd, o, "first_packet", true, &f->first_pkt) ||
        !get_u64(rd, o, "last_packet", true, &f->last_pkt) ||
        !get_u64(rd, o, "size", true, &f->size) || !get_bool(rd, o, "complete", true, &complete))
        return false;
    f->complete = complete;
    return read_xfer(rd, o, f) && read_digests(rd, o, f) && read_content(rd, o, f);
}

/* ---- "tls_session" ---- */

/* A certificate the results files showed, under its SHA-256 (the key of set->cert_ids). */
typedef struct obs_json_cert {
    uint8_t sha256[32];
    const obs_cert *c; /* in set->certs */
} obs_json_cert;

static const obs_cert *cert_by_sha(const obs_json_set *s, const uint8_t sha[32])
{
    size_t id = s->certs ? kmap_get(&s->cert_ids, sha, 32) : SIZE_MAX;
    return id < s->n_certs ? s->cert_by_id[id]->c : NULL;
}

/* Adds der (not yet known) to the table and remembers it by sha; NULL when out of memory. */
static const obs_cert *cert_remember(obs_json_set *s, const uint8_t sha[32], const uint8_t *der,
                                     size_t len)
{
    obs_json_cert *e = calloc(1, sizeof *e);
    if (!e ||
        !obs_grow_one((void **)&s->cert_by_id, &s->n_certs, &s->cap_certs, sizeof *s->cert_by_id)) {
        free(e);
        return NULL;
    }
    s->n_certs--; /* obs_grow_one counted the slot; it is filled only on success */
    memcpy(e->sha256, sha, 32);
    e->c = obs_certs_cert(s->certs, der, len);
    bool added = false;
    if (!e->c || kmap_put(&s->cert_ids, e->sha256, 32, s->n_certs, &added) == SIZE_MAX) {
        free(e);
        return NULL;
    }
    s->cert_by_id[s->n_certs++] = e;
    return e->c;
}

/* A certificate: base64 DER, or {"sha256"} naming one read earlier (shared, not copied). */
static const obs_cert *read_cert(reader *rd, const json_t *v)
{
    obs_json_set *s = rd->set;
    if (!s->certs) {
        kmap_init(&s->cert_ids);
        if (!(s->certs = obs_certs_new()))
            return NULL;
    }
    uint8_t sha[32];
    if (json_is_object(v)) {
        const json_t *h = json_object_get(v, "sha256");
        return json_is_string(h) && parse_hex(json_string_value(h), sha, 32) ? cert_by_sha(s, sha)
                                                                             : NULL;
    }
    size_t len = 0;
    uint8_t *der = json_is_string(v) ? b64_decode(json_string_value(v), 1u << 20, &len) : NULL;
    if (!der)
        return NULL;
    unsigned int n = 0;
    EVP_Digest(der, len, sha, &n, EVP_sha256(), NULL);
    const obs_cert *c = cert_by_sha(s, sha);
    if (!c)
        c = cert_remember(s, sha, der, len);
    free(der);
    return c;
}

static bool read_certs(reader *rd, const json_t *o, obs_tls *t)
{
    const json_t *a = json_object_get(o, "certs");
    if (!json_is_array(a))
        return fail(rd, "\"certs\" must be an array");
    size_t n = json_array_size(a);
    if (!n)
        return true;
    const obs_cert **chain = calloc(n, sizeof *chain);
    if (!chain)
        return fail(rd, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!(chain[i] = read_cert(rd, json_array_get(a, i)))) {
            free(chain);
            return fail(rd, "certs[%zu] is neither base64 DER nor {\"sha256\"} of an earlier one",
                        i);
        }
    t->certs = (obs_cert *)obs_certs_chain_of(rd->set->certs, chain, n);
    free(chain);
    if (!t->certs)
        return fail(rd, "out of memory");
    t->certs_shared = true;
    t->n_certs = (uint32_t)n;
    return true;
}

static bool read_tls(reader *rd, const json_t *o)
{
    obs_input *in = input_of(rd, o, false);
    obs_tls *t = in ? obs_add_tls(in) : NULL;
    if (!t)
        return in ? fail(rd, "out of memory") : false;
    const char *kind, *sni, *error;
    int64_t ts = 0, version = 0;
    if (!get_u64(rd, o, "seq", true, &t->seq) || !get_str(rd, o, "kind", true, &kind) ||
        !get_int(rd, o, "time_usec", true, INT64_MIN / 2, INT64_MAX / 2, &ts) ||
        !get_int(rd, o, "version", true, 0, 65535, &version) ||
        !get_str(rd, o, "sni", false, &sni) || !get_str(rd, o, "error", false, &error))
        return false;
    note_seq(in, t->seq);
    t->ts_usec = ts;
    t->version = (uint16_t)version;
    t->sni = sni ? input_text(in, sni) : NULL;
    t->error = error ? input_text(in, error) : NULL;
    size_t k = 0;
    while (k < 4 && strcmp(kind, tls_kind_words[k]) != 0)
        k++;
    if (k == 4)
        return fail(rd, "unknown tls_session kind '%.40s'", kind);
    t->kind = (obs_tls_kind)k;
    if (!get_endpoints(rd, o, in, &t->client, &t->cport, &t->server, &t->sport))
        return false;
    return get_u64(rd, o, "first_packet", true, &t->first_pkt) &&
           get_u64(rd, o, "packet", true, &t->pkt) && read_certs(rd, o, t);
}

/* ---- "summary" ---- */

/* The per-input counters the report prints under "skipped" (the rest are recomputed). */
static uint64_t *skipped_field(obs_counts *c, const char *key)
{
    static const struct {
        const char *key;
        size_t off;
    } map[] = {
        {"not_ip", offsetof(obs_counts, decode.not_ip)},
        {"other_ip", offsetof(obs_counts, decode.other_ip)},
        {"unknown_link", offsetof(obs_counts, decode.unknown_link)},
        {"short_frames", offsetof(obs_counts, decode.short_frames)},
        {"malformed", offsetof(obs_counts, decode.malformed)},
        {"truncated_packets", offsetof(obs_counts, decode.truncated_pkts)},
        {"fragments_evicted", offsetof(obs_counts, defrag.evicted)},
        {"fragments_timed_out", offsetof(obs_counts, defrag.timed_out)},
        {"fragments_too_big", offsetof(obs_counts, defrag.too_big)},
        {"fragments_pending", offsetof(obs_counts, defrag.pending)},
        {"tftp_stray_packets", offsetof(obs_counts, tftp.stray_packets)},
        {"tftp_transfers_evicted", offsetof(obs_counts, tftp.by_status[CAP_TFTP_EVICTED])},
        {"tcp_streams_evicted", offsetof(obs_counts, tcp.conns_evicted)},
        {"tcp_streams_expired", offsetof(obs_counts, tcp.conns_expired)},
        {"tcp_forced_gaps", offsetof(obs_counts, tcp.forced_gaps)},
        {"tcp_pending_overflows", offsetof(obs_counts, tcp.pending_overflows)},
        {"http_errors", offsetof(obs_counts, http_errors)},
        {"tls_errors", offsetof(obs_counts, tls_errors)},
        {"signed_files_not_kept", offsetof(obs_counts, content_dropped)},
        {"extract_errors", offsetof(obs_counts, extract_errors)},
        {"unanswered_not_listed", offsetof(obs_counts, unanswered_not_listed)},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].key, key) == 0)
            return (uint64_t *)((char *)c + map[i].off);
    return NULL; /* unparsable_files: the rules pass counts it again */
}

static bool read_skipped(reader *rd, const json_t *o, obs_counts *c)
{
    const json_t *sk = json_object_get(o, "skipped");
    if (!sk)
        return true;
    if (!json_is_object(sk))
        return fail(rd, "\"skipped\" must be an object");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)sk, key, v)
    {
        uint64_t *field = skipped_field(c, key);
        if (field && !get_u64(rd, sk, key, true, field))
            return false;
    }
    return true;
}

static bool read_input_status(reader *rd, const json_t *o, obs_input *in)
{
    const char *status, *error;
    if (!get_str(rd, o, "status", true, &status) || !get_str(rd, o, "error", false, &error))
        return false;
    if (strcmp(status, "failed") == 0) {
        in->open_failed = true;
        in->open_error = util_printable(error ? error : "cannot open");
        return true;
    }
    int s = 0;
    while (s <= CAP_INPUT_IO && strcmp(status, cap_input_status_name((cap_input_status)s)) != 0)
        s++;
    if (s > CAP_INPUT_IO)
        return fail(rd, "unknown input status '%.40s'", status);
    in->end_status = (cap_input_status)s;
    in->end_msg = error ? util_printable(error) : NULL;
    int64_t linktype = 0, first = 0, last = 0;
    if (!get_u64(rd, o, "last_good_packet", false, &in->last_good) ||
        !get_int(rd, o, "linktype", false, INT32_MIN, INT32_MAX, &linktype) ||
        !get_int(rd, o, "first_time_usec", true, INT64_MIN / 2, INT64_MAX / 2, &first) ||
        !get_int(rd, o, "last_time_usec", true, INT64_MIN / 2, INT64_MAX / 2, &last))
        return false;
    in->linktype = (int)linktype;
    const char *sha = NULL;
    uint64_t bytes = 0;
    if (!get_str(rd, o, "sha256", false, &sha) || !get_u64(rd, o, "bytes", false, &bytes))
        return false;
    if (sha) {
        if (strlen(sha) != 64 || !parse_hex(sha, in->sha256, 32))
            return fail(rd, "input sha256 is not 64 hex digits");
        in->has_digest = true;
        in->bytes = bytes;
    }
    in->first_ts = first;
    in->last_ts = last;
    const char *why = NULL;
    if (!problems_from_json(o, &in->problems, &why))
        return fail(rd, "%s", why);
    return get_u64(rd, o, "packets", true, &in->counts.decode.frames) &&
           get_u64(rd, o, "tls_sessions", false, &in->counts.tls_sessions) &&
           read_skipped(rd, o, &in->counts);
}

static bool read_merge_opts(reader *rd, const json_t *m)
{
    int64_t now = 0, days = 0;
    bool has_now = json_is_integer(json_object_get(m, "now"));
    if ((has_now && !get_int(rd, m, "now", true, INT64_MIN / 2, INT64_MAX / 2, &now)) ||
        !get_int(rd, m, "expiry_days", true, 0, 36500, &days))
        return false;
    obs_json_set *s = rd->set;
    if (!s->opts_seen) {
        s->opts_seen = true;
        s->has_now = has_now;
        s->now = now;
        s->expiry_days = (int)days;
    } else if (s->has_now != has_now || (has_now && s->now != now) || s->expiry_days != days) {
        s->opts_differ = true;
    }
    return true;
}

static bool read_summary(reader *rd, const json_t *o)
{
    const json_t *m = json_object_get(o, "merge");
    if (!json_is_object(m))
        return fail(rd, "summary has no \"merge\" object: run the scan with --json --json-content");
    int64_t version = 0; /* absent: read as a version this reader knows */
    if (!get_int(rd, o, "format_version", false, 1, REPORT_FORMAT_VERSION, &version) ||
        !read_merge_opts(rd, m))
        return false;
    const json_t *per = json_object_get(o, "per_input");
    if (!json_is_array(per))
        return fail(rd, "summary \"per_input\" must be an array");
    for (size_t i = 0; i < json_array_size(per); i++) {
        const json_t *e = json_array_get(per, i);
        obs_input *in = json_is_object(e) ? input_of(rd, e, true) : NULL;
        if (!in)
            return fail(rd, "per_input[%zu] is not an input object", i);
        if (!read_input_status(rd, e, in))
            return false;
    }
    rd->summary_seen = true;
    return true;
}

/* ---- one results file ---- */

static bool read_object(reader *rd, const json_t *o)
{
    const char *type;
    if (!json_is_object(o) || !get_str(rd, o, "type", true, &type))
        return fail(rd, "not a pcapscan JSON object");
    if (rd->summary_seen)
        return fail(rd, "an object after the summary line (two outputs in one file?)");
    bool observation = strcmp(type, "file") == 0 || strcmp(type, "tls_session") == 0;
    if (observation && !json_object_get(o, "seq"))
        return fail(rd, "a \"%s\" without merge fields: run the scan with --json --json-content",
                    type);
    if (strcmp(type, "file") == 0)
        return read_file(rd, o);
    if (strcmp(type, "tls_session") == 0)
        return read_tls(rd, o);
    if (strcmp(type, "content") == 0)
        return read_content_line(rd, o);
    if (strcmp(type, "summary") == 0)
        return read_summary(rd, o);
    return true; /* tls_cert, finding and future types: recomputed or not needed */
}

static bool read_lines(reader *rd, FILE *fp)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool ok = true;
    while (ok && (n = getline(&line, &cap, fp)) >= 0) {
        rd->line++;
        if (n == 0 || line[0] == '\n')
            continue;
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)n, 0, &je);
        ok = o ? read_object(rd, o) : fail(rd, "not JSON: %s", je.text);
        json_decref(o);
    }
    free(line);
    return ok;
}

/* Append this file's inputs to the set; the same input read twice is refused. */
static bool adopt_inputs(reader *rd)
{
    obs_json_set *s = rd->set;
    for (size_t i = 0; i < rd->n_mine; i++) {
        if (!rd->described[i])
            return fail(rd, "input %zu (%s) is missing from the summary", rd->mine[i]->listed,
                        rd->mine[i]->path);
        for (size_t k = 0; k < s->n; k++)
            if (s->inputs[k]->listed == rd->mine[i]->listed &&
                strcmp(s->inputs[k]->path, rd->mine[i]->path) == 0)
                return fail(rd,
                            "input %zu (%s) was already read from another results file: merge "
                            "each shard once",
                            rd->mine[i]->listed, rd->mine[i]->path);
    }
    if (s->n + rd->n_mine > s->cap) {
        size_t ncap = (s->n + rd->n_mine) * 2;
        obs_input **ni = realloc(s->inputs, ncap * sizeof *ni);
        size_t *ns = ni ? realloc(s->source, ncap * sizeof *ns) : NULL;
        if (ni)
            s->inputs = ni;
        if (!ni || !ns)
            return fail(rd, "out of memory");
        s->source = ns;
        s->cap = ncap;
    }
    for (size_t i = 0; i < rd->n_mine; i++) {
        s->source[s->n] = rd->file_no;
        s->inputs[s->n++] = rd->mine[i];
    }
    rd->n_mine = 0;
    return true;
}

int obs_json_read(const char *path, size_t file_no, obs_json_set *set, char *err, size_t errsz)
{
    err[0] = '\0';
    reader rd = {.path = path, .file_no = file_no, .set = set, .err = err, .errsz = errsz};
    store_init(&rd.md5s);
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "r");
    if (!fp) {
        snprintf(err, errsz, "%s: cannot open", path);
        return -1;
    }
    bool ok = read_lines(&rd, fp);
    if (ok && !rd.summary_seen)
        ok = fail(&rd, "no summary line: the results file is incomplete (did the shard finish?)");
    if (ok)
        ok = adopt_inputs(&rd);
    if (!is_stdin)
        fclose(fp);
    for (size_t i = 0; i < rd.n_mine; i++) {
        obs_input_free(rd.mine[i]);
        free(rd.mine[i]);
    }
    free(rd.mine);
    free(rd.described);
    store_free(&rd.md5s);
    return ok ? 0 : -1;
}

/* ---- into a run ---- */

static const obs_json_set *sort_set;

static int cmp_listed(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const obs_input *ix = sort_set->inputs[x], *iy = sort_set->inputs[y];
    if (ix->listed != iy->listed)
        return ix->listed < iy->listed ? -1 : 1;
    if (sort_set->source[x] != sort_set->source[y])
        return sort_set->source[x] < sort_set->source[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

int obs_json_take(obs_json_set *set, run *r)
{
    size_t *order = malloc((set->n ? set->n : 1) * sizeof *order);
    r->inputs = calloc(set->n ? set->n : 1, sizeof *r->inputs);
    if (!order || !r->inputs) {
        free(order);
        return -1;
    }
    for (size_t i = 0; i < set->n; i++)
        order[i] = i;
    sort_set = set; /* single-threaded: merge reads and sorts before any rule runs */
    qsort(order, set->n, sizeof *order, cmp_listed);
    for (size_t i = 0; i < set->n; i++) {
        obs_input *in = &r->inputs[i];
        *in = *set->inputs[order[i]];
        free(set->inputs[order[i]]);
        in->index = i;
        for (size_t k = 0; k < in->n_files; k++)
            obs_file_at(in, k)->input = (uint32_t)i;
        for (size_t k = 0; k < in->n_tls; k++)
            obs_tls_at(in, k)->input = (uint32_t)i;
    }
    r->n_inputs = set->n;
    set->n = 0;
    free(order);
    if (set->certs) { /* the sessions point into it: the run keeps it (run_free frees it) */
        obs_certs_free(r->certs);
        r->certs = set->certs;
        set->certs = NULL;
    }
    return store_move(&r->content, &set->content);
}

void obs_json_set_free(obs_json_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        obs_input_free(set->inputs[i]);
        free(set->inputs[i]);
    }
    free(set->inputs);
    free(set->source);
    store_free(&set->content);
    obs_certs_free(set->certs);
    kmap_free(&set->cert_ids);
    for (size_t i = 0; i < set->n_certs; i++)
        free(set->cert_by_id[i]);
    free(set->cert_by_id);
    memset(set, 0, sizeof *set);
}
