/* Per-input pipeline (see scan.h). Only bookkeeping here: decoding lives in the capture layer
 * (pcapscan/include/cap) and in common/ (common/include/sbd). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cap/http.h"
#include "cap/keyhash.h"
#include "cap/tls_certs.h"
#include "model/certs.h"
#include "scan/extract.h"
#include "sbd/hash.h"
#include "sbd/trust.h"
#include "scan/scan.h"
#include "lib/util.h"

enum { PROGRESS_EVERY = 1 << 14 };

typedef struct live_tls {
    const cap_tls_session *s;
    size_t idx; /* into in->tls */
} live_tls;

/* A kept content, found again by a fast hash of its bytes: phones fetch the same ITL, CTL and
 * often the same configs, and MD5 + SHA-256 of each repeat cost more than the rest of the scan. */
typedef struct seen_content {
    uint64_t hash;
    blob *b; /* in the input's store */
} seen_content;

typedef struct worker {
    const scan_opts *o;
    obs_input *in;
    cap_tftp *tftp;
    cap_tcp_ctx *tcp;
    cap_tls_ctx *tls;
    cap_http_ctx *http;
    live_tls *live;
    size_t n_live, cap_live;
    seen_content *seen; /* open addressing, power-of-two capacity */
    size_t n_seen, cap_seen;
    bool seen_full;      /* contents keyed by a hash of all their bytes, not of a sample */
    size_t n_unanswered; /* unanswered requests listed so far */
    bool oom;
    bool input_ended;        /* the input has no more frames: what is still open is flushed */
    const scan_hooks *hooks; /* NULL in a batch scan */
} worker;

static int64_t usec_of(const cap_where *w)
{
    return w->ts_sec * 1000000 + w->ts_usec;
}

/* A content's key: sampled (cap_khash_sample), of every byte after files built to share a
 * sample were met. */
static uint64_t content_hash(const worker *w, const uint8_t *data, size_t len)
{
    cap_hkey k = cap_hkey_run();
    return w->seen_full ? cap_khash(&k, data, len) : cap_khash_sample(&k, data, len);
}

static void seen_insert(seen_content *t, size_t cap, uint64_t h, blob *b)
{
    size_t k = h & (cap - 1);
    while (t[k].b)
        k = (k + 1) & (cap - 1);
    t[k] = (seen_content){h, b};
}

/* Files built to share a sample (same length, edges and sampled words, different bytes between)
 * would make every lookup compare them all: after a few such near-misses in one lookup, the table
 * is keyed by the hash of every byte, as it was before sampling. */
static void seen_go_full(worker *w)
{
    seen_content *ns = calloc(w->cap_seen, sizeof *ns);
    w->seen_full = true;
    if (!ns) {
        memset(w->seen, 0, w->cap_seen * sizeof *w->seen); /* repeats are hashed again */
        w->n_seen = 0;
        return;
    }
    for (size_t i = 0; i < w->cap_seen; i++)
        if (w->seen[i].b)
            seen_insert(ns, w->cap_seen, cap_khash_run(w->seen[i].b->data, w->seen[i].b->len),
                        w->seen[i].b);
    free(w->seen);
    w->seen = ns;
}

static blob *seen_probe(const worker *w, uint64_t h, const uint8_t *data, size_t len,
                        unsigned *near_misses)
{
    for (size_t i = w->cap_seen ? h & (w->cap_seen - 1) : 0; w->cap_seen && w->seen[i].b;
         i = (i + 1) & (w->cap_seen - 1)) {
        const blob *b = w->seen[i].b;
        if (w->seen[i].hash != h || b->len != len)
            continue;
        if (memcmp(b->data, data, len) == 0)
            return w->seen[i].b;
        ++*near_misses;
    }
    return NULL;
}

/* The kept content equal to DATA, or NULL; *h is its key for seen_add. */
static blob *seen_find(worker *w, const uint8_t *data, size_t len, uint64_t *h)
{
    unsigned near_misses = 0;
    *h = content_hash(w, data, len);
    blob *b = seen_probe(w, *h, data, len, &near_misses);
    if (b || w->seen_full || near_misses < CAP_SAMPLE_SUSPECT)
        return b;
    seen_go_full(w);
    *h = content_hash(w, data, len);
    return seen_probe(w, *h, data, len, &near_misses);
}

static void seen_add(worker *w, uint64_t h, blob *b)
{
    if ((w->n_seen + 1) * 2 > w->cap_seen) {
        size_t ncap = w->cap_seen ? w->cap_seen * 2 : 64;
        seen_content *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return; /* repeats are then hashed again */
        for (size_t i = 0; i < w->cap_seen; i++)
            if (w->seen[i].b)
                seen_insert(ns, ncap, w->seen[i].hash, w->seen[i].b);
        free(w->seen);
        w->seen = ns;
        w->cap_seen = ncap;
    }
    seen_insert(w->seen, w->cap_seen, h, b);
    w->n_seen++;
}

/* Digests, extraction and (for signed files) keeping the bytes, for a complete file. */
static void take_content(worker *w, obs_file *f, const uint8_t *data, size_t len, uint8_t *owned)
{
    bool keepable = len <= w->o->max_keep_bytes;
    /* Keyed: with the former unkeyed hash, files built to collide made every lookup compare
     * them all byte for byte. */
    uint64_t h = 0;
    blob *known = keepable ? seen_find(w, data, len, &h) : NULL;
    uint8_t md5[16], sha256[32];
    if (known) {
        memcpy(md5, known->md5, sizeof md5);
        memcpy(sha256, known->sha256, sizeof sha256);
    } else {
        sbd_md5_sha256(data, len, md5, sha256);
    }
    if (!(f->digest = obs_input_digest(w->in, sha256, md5))) {
        w->oom = true;
        free(owned);
        return;
    }
    f->looks_signed = known || sbd_file_looks_signed(data, len);
    if (w->o->extractor) {
        char name[EXTRACT_NAME_SIZE];
        obs_file_more *m = NULL;
        if (extract_content(w->o->extractor, sha256, f->name, "", data, len, name) == 0 &&
            (m = obs_more_make(f)) != NULL)
            m->extracted = obs_input_text(w->in, name);
        else
            w->in->counts.extract_errors++;
    }
    if (known) {
        f->in_store = true;
    } else if (f->looks_signed && keepable) {
        uint8_t *copy = owned;
        if (!copy && (copy = malloc(len ? len : 1)) != NULL)
            memcpy(copy, data, len);
        owned = NULL;
        blob *b = copy ? store_put(&w->in->content, sha256, copy, len) : NULL;
        f->in_store = b != NULL;
        if (b) {
            memcpy(b->md5, md5, sizeof b->md5);
            seen_add(w, h, b);
        }
    } else if (f->looks_signed) {
        w->in->counts.content_dropped++;
    }
    free(owned);
}

/* A capture's text made printable, kept once per distinct text of the input (NULL when out of
 * memory or s is NULL). */
static const char *input_text(obs_input *in, const char *s)
{
    char *p = s ? util_printable(s) : NULL;
    const char *kept = p ? obs_input_text(in, p) : NULL;
    free(p);
    return kept;
}

static void set_name(obs_input *in, obs_file *f, const char *name)
{
    f->name = input_text(in, name);
    char mac[16]; /* the rules pass finds it again (learn_macs) */
    f->name_kind = (uint8_t)sbd_audit_classify_name(f->name ? f->name : "", mac);
}

/* "3-5,9,..." from the tracker's missing ranges. */
static char *missing_text(const cap_tftp_transfer *t)
{
    char buf[1024];
    sbd_tftp_missing_text(t->missing, t->n_missing, t->missing_more, t->tail_missing, buf,
                          sizeof buf);
    return buf[0] ? strdup(buf) : NULL;
}

static obs_xfer tftp_xfer(const cap_tftp_transfer *t, cap_tftp_status st)
{
    switch (st) {
    case CAP_TFTP_COMPLETE:
        return OBS_XFER_COMPLETE;
    case CAP_TFTP_ERROR:
        return t->error_code == 1 ? OBS_XFER_NOT_FOUND : OBS_XFER_ERROR;
    case CAP_TFTP_EVICTED:
        return OBS_XFER_EVICTED;
    case CAP_TFTP_TOO_LARGE:
        return OBS_XFER_TOO_LARGE;
    default:
        return t->server_port == 0 && t->blocks == 0 ? OBS_XFER_NO_RESPONSE : OBS_XFER_INCOMPLETE;
    }
}

/* A request no server answered costs a file object and a finding (about 1.2 KiB), and a
 * capture can hold millions of them for a few bytes each: past --max-unanswered per input they
 * are counted (skipped.unanswered_not_listed) and the first ones named by packet. */
static bool list_unanswered(worker *w, const char *proto, const cap_where *req,
                            const cap_addr *client, uint16_t port)
{
    if (w->n_unanswered < w->o->max_unanswered) {
        w->n_unanswered++;
        return true;
    }
    w->in->counts.unanswered_not_listed++;
    char ep[80];
    problems_add(&w->in->problems, req->pkt_no, "unanswered", PROBLEM_NO_OFFSET,
                 "%s request from %s never answered; not listed (over --max-unanswered %zu)", proto,
                 cap_addr_str(client, port, ep, sizeof ep), w->o->max_unanswered);
    return false;
}

/* A transfer the input's end left unfinished: cut by the capture, or failed (the engine's rule). */
static bool cut_by_end(const obs_input *in, int64_t last_sent_usec, uint32_t timeout_sec)
{
    return sbd_trust_cut_by_capture_end(in->last_ts, last_sent_usec, timeout_sec);
}

static void tftp_finished(void *user, const cap_tftp_transfer *t, cap_tftp_status st)
{
    worker *w = user;
    bool unanswered =
        st != CAP_TFTP_COMPLETE && !t->has_error && t->server_port == 0 && t->blocks == 0;
    if (unanswered && !list_unanswered(w, "TFTP", &t->first, &t->client, t->client_port))
        return;
    obs_file *f = obs_add_file(w->in);
    if (!f) {
        w->oom = true;
        return;
    }
    f->proto = OBS_TFTP;
    set_name(w->in, f, t->filename);
    f->upload = t->opcode == 2;
    f->client = obs_input_addr(w->in, &t->client);
    f->server = obs_input_addr(w->in, &t->server);
    f->cport = t->client_port;
    f->sport = t->server_port;
    f->first_pkt = t->first.pkt_no;
    f->last_pkt = t->last.pkt_no;
    f->ts_usec = usec_of(&t->first);
    f->xfer = tftp_xfer(t, st);
    f->complete = st == CAP_TFTP_COMPLETE;
    f->size = t->len;
    obs_outcome oc;
    obs_outcome_init(&oc);
    oc.blksize = t->blksize;
    oc.oack = t->oack;
    oc.missing_blocks = t->missing_blocks;
    /* Data must have flowed: a request no server answered stays unanswered (a server answers in
     * milliseconds; the plugin says the same), and a gap before a last block that was seen is
     * loss, not the end of the capture. */
    f->cut_by_end = st == CAP_TFTP_INCOMPLETE && t->blocks && !t->last_block &&
                    cut_by_end(w->in, usec_of(&t->last_sent), t->timeout);
    char *missing = !f->complete && f->xfer != OBS_XFER_NOT_FOUND && f->xfer != OBS_XFER_ERROR
                        ? missing_text(t)
                        : NULL;
    /* Packet trouble is rare: only a transfer that had some gets the record's rare part. */
    if (missing || t->dup_blocks || t->out_of_order || t->conflict_blocks || t->bad_packets) {
        obs_file_more *m = obs_more_make(f);
        if (m) {
            *m = (obs_file_more){.missing = missing ? obs_input_text(w->in, missing) : NULL,
                                 .dup_blocks = t->dup_blocks,
                                 .out_of_order = t->out_of_order,
                                 .conflict_blocks = t->conflict_blocks,
                                 .bad_packets = t->bad_packets};
        } else {
            w->oom = true;
        }
    }
    free(missing);
    if (t->has_error) {
        oc.error_code = t->error_code;
        oc.error_msg = input_text(w->in, t->error_msg);
    }
    f->outcome = obs_input_outcome(w->in, &oc);
    if (f->complete && t->data) {
        size_t len = 0;
        uint8_t *own = cap_tftp_take_data(w->tftp, t, &len);
        if (own)
            take_content(w, f, own, len, own);
    }
    if (w->hooks && w->hooks->on_file)
        w->hooks->on_file(w->hooks->user, w->in, w->in->n_files - 1);
}

static obs_xfer http_xfer(const cap_http_file *h)
{
    if (h->status == 0)
        return h->has_request ? OBS_XFER_NO_RESPONSE : OBS_XFER_INCOMPLETE;
    if (h->status == 404)
        return OBS_XFER_NOT_FOUND;
    if (h->status < 200 || h->status > 299)
        return OBS_XFER_ERROR;
    if (h->over_limit)
        return OBS_XFER_TOO_LARGE;
    return h->complete ? OBS_XFER_COMPLETE : OBS_XFER_INCOMPLETE;
}

static void http_file(void *user, const cap_http_file *h)
{
    worker *w = user;
    if (h->has_request && h->status == 0 &&
        !list_unanswered(w, "HTTP", &h->request, &h->conn->client, h->conn->cport))
        return;
    obs_file *f = obs_add_file(w->in);
    if (!f) {
        w->oom = true;
        return;
    }
    f->proto = OBS_HTTP;
    set_name(w->in, f, h->name && *h->name ? h->name : h->path);
    f->client = obs_input_addr(w->in, &h->conn->client);
    f->server = obs_input_addr(w->in, &h->conn->server);
    f->cport = h->conn->cport;
    f->sport = h->conn->sport;
    const cap_where *first = h->has_request ? &h->request : &h->first;
    f->first_pkt = first->pkt_no;
    f->last_pkt = h->last.pkt_no ? h->last.pkt_no : first->pkt_no;
    f->ts_usec = usec_of(first);
    f->xfer = http_xfer(h);
    f->complete = f->xfer == OBS_XFER_COMPLETE;
    f->cut_by_end = w->input_ended && h->status && f->xfer == OBS_XFER_INCOMPLETE &&
                    cut_by_end(w->in, usec_of(h->last.pkt_no ? &h->last : &h->first), 0);
    f->size = h->len;
    if (h->status) {
        obs_outcome oc;
        obs_outcome_init(&oc);
        oc.error_code = h->status;
        if (h->status != 200)
            oc.error_msg = input_text(w->in, h->reason);
        f->outcome = obs_input_outcome(w->in, &oc);
    }
    if (f->complete)
        take_content(w, f, h->body ? h->body : (const uint8_t *)"", h->len, NULL);
    if (w->hooks && w->hooks->on_file)
        w->hooks->on_file(w->hooks->user, w->in, w->in->n_files - 1);
}

static const char *stream_side(cap_tcp_dir dir)
{
    return dir == CAP_TCP_S2C ? "server" : "client";
}

static void http_error(void *user, const cap_tcp_conn_info *conn, const cap_http_error *e)
{
    (void)conn;
    obs_input *in = ((worker *)user)->in;
    in->counts.http_errors++;
    problems_add(&in->problems, e->where ? e->where->pkt_no : 0, "http", e->offset,
                 "HTTP %s stream, byte %llu: %s", stream_side(e->dir),
                 (unsigned long long)e->offset, e->msg ? e->msg : "");
}

/* The obs_tls of a live session, created on its first event. */
static obs_tls *tls_obs(worker *w, const cap_tls_session *s, const cap_where *where, size_t *idx)
{
    for (size_t i = 0; i < w->n_live; i++)
        if (w->live[i].s == s) {
            *idx = w->live[i].idx;
            return obs_tls_at(w->in, *idx);
        }
    live_tls *l = obs_grow_one((void **)&w->live, &w->n_live, &w->cap_live, sizeof *l);
    obs_tls *t = l ? obs_add_tls(w->in) : NULL;
    if (!t) {
        w->n_live -= l != NULL;
        return NULL;
    }
    *l = (live_tls){s, w->in->n_tls - 1};
    *idx = l->idx;
    t->client = obs_input_addr(w->in, &s->conn->client);
    t->server = obs_input_addr(w->in, &s->conn->server);
    t->cport = s->conn->cport;
    t->sport = s->conn->sport;
    t->first_pkt = s->conn->first.pkt_no;
    t->pkt = where ? where->pkt_no : t->first_pkt;
    t->ts_usec = usec_of(where ? where : &s->conn->first);
    t->version = s->version;
    if (s->sni[0])
        t->sni = input_text(w->in, s->sni);
    return t;
}

static void tls_certs(void *user, const cap_tls_session *s, const cap_tls_cert *chain, size_t n,
                      const cap_where *where)
{
    worker *w = user;
    size_t idx;
    obs_tls *t = tls_obs(w, s, where, &idx);
    if (!t || t->n_certs)
        return;
    /* Read-only from here on: the chain belongs to the shared table. */
    t->certs = (obs_cert *)obs_certs_chain(w->in->certs, chain, n);
    if (!t->certs) {
        w->oom = true;
        return;
    }
    t->certs_shared = true;
    t->n_certs = (uint32_t)n;
    t->kind = OBS_TLS_CERTS;
    t->version = s->version;
    t->pkt = where->pkt_no;
    t->ts_usec = usec_of(where);
    if (w->hooks && w->hooks->on_tls)
        w->hooks->on_tls(w->hooks->user, w->in, idx);
}

static void tls_hidden(void *user, const cap_tls_session *s, const cap_where *where)
{
    worker *w = user;
    size_t idx;
    obs_tls *t = tls_obs(w, s, where, &idx);
    if (t && t->kind != OBS_TLS_CERTS) {
        bool news = t->kind != OBS_TLS_HIDDEN;
        t->kind = OBS_TLS_HIDDEN;
        t->version = s->version;
        if (news && w->hooks && w->hooks->on_tls)
            w->hooks->on_tls(w->hooks->user, w->in, idx);
    }
}

static void tls_error(void *user, const cap_tls_session *s, const cap_tls_error *e)
{
    worker *w = user;
    w->in->counts.tls_errors++;
    problems_add(&w->in->problems, e->where ? e->where->pkt_no : 0,
                 e->kind == CAP_TLS_ERR_NOT_TLS ? "not_tls" : "tls", e->offset,
                 "TLS %s stream, byte %llu: %s: %s", stream_side(e->dir),
                 (unsigned long long)e->offset, cap_tls_err_name(e->kind), e->msg ? e->msg : "");
    if (e->kind == CAP_TLS_ERR_NOT_TLS)
        return; /* plain traffic on a watched port: counted, nothing to audit */
    size_t idx;
    obs_tls *t = tls_obs(w, s, e->where, &idx);
    if (t && !t->error) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s at byte %llu of the %s stream: %s", cap_tls_err_name(e->kind),
                 (unsigned long long)e->offset, stream_side(e->dir), e->msg ? e->msg : "");
        t->error = input_text(w->in, msg);
        if (t->kind != OBS_TLS_CERTS && t->kind != OBS_TLS_HIDDEN)
            t->kind = OBS_TLS_ERROR;
    }
}

static void tls_end(void *user, const cap_tls_session *s, cap_tls_outcome outcome)
{
    worker *w = user;
    w->in->counts.tls_sessions++;
    if (outcome == CAP_TLS_NO_CERT)
        w->in->counts.tls_no_cert++;
    else if (outcome == CAP_TLS_NO_DATA)
        w->in->counts.tls_no_data++;
    for (size_t i = 0; i < w->n_live; i++)
        if (w->live[i].s == s) {
            obs_tls *t = obs_tls_at(w->in, w->live[i].idx);
            if (outcome == CAP_TLS_ERROR && t->kind == OBS_TLS_ERROR && !t->error)
                t->error = obs_input_text(w->in, "TLS handshake error");
            w->live[i] = w->live[--w->n_live];
            return;
        }
}

static bool tcp_open(void *user, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    worker *w = user;
    return cap_tls_attach(w->tls, conn, out) || cap_http_attach(w->http, conn, out);
}

static const char *notice_what(cap_notice kind)
{
    switch (kind) {
    case CAP_NOTICE_MALFORMED:
        return "malformed";
    case CAP_NOTICE_SHORT_FRAME:
        return "short_frame";
    case CAP_NOTICE_UNKNOWN_LINKTYPE:
        return "link";
    default:
        return "fragment";
    }
}

static void on_notice(void *user, const cap_where *where, cap_notice kind, const char *msg)
{
    obs_input *in = user;
    if ((size_t)kind < sizeof in->counts.notices / sizeof in->counts.notices[0])
        in->counts.notices[kind]++;
    problems_add(&in->problems, where ? where->pkt_no : 0, notice_what(kind), PROBLEM_NO_OFFSET,
                 "%s", msg);
}

static int worker_open(worker *w)
{
    const scan_opts *o = w->o;
    cap_tftp_limits tl = {.max_transfers = o->max_transfers, .max_bytes = o->max_file_bytes};
    cap_tftp_callbacks tcb = {.user = w, .on_finished = tftp_finished};
    w->tftp = cap_tftp_new(&tl, &tcb);

    cap_tls_callbacks lcb = {.user = w,
                             .on_certs = tls_certs,
                             .on_hidden = tls_hidden,
                             .on_error = tls_error,
                             .on_end = tls_end};
    w->tls = cap_tls_new(NULL, &lcb);
    cap_http_limits hl;
    cap_http_limits_default(&hl);
    hl.max_body = o->max_file_bytes;
    cap_http_callbacks hcb = {.user = w, .on_file = http_file, .on_error = http_error};
    w->http = cap_http_new(&hl, &hcb);
    if (!w->tftp || !w->tls || !w->http)
        return -1;
    for (size_t i = 0; i < o->services.n; i++)
        cap_tls_add_port(w->tls, o->services.ports[i].port);
    for (size_t i = 0; i < o->n_http_ports; i++)
        cap_http_add_port(w->http, o->http_ports[i]);

    cap_tcp_limits cl;
    cap_tcp_limits_default(&cl);
    cl.max_conns = o->max_streams;
    cl.max_ooo_bytes = o->max_stream_bytes;
    if (cl.max_pending < o->max_stream_bytes)
        cl.max_pending = o->max_stream_bytes;
    cap_tcp_callbacks ccb = {.user = w, .on_open = tcp_open};
    w->tcp = cap_tcp_new(&cl, &ccb);
    return w->tcp ? 0 : -1;
}

static void worker_close(worker *w)
{
    cap_tcp_free(w->tcp); /* flushes: TLS/HTTP consumers report before their contexts go */
    cap_tftp_free(w->tftp);
    cap_tls_free(w->tls);
    cap_http_free(w->http);
    free(w->live);
    free(w->seen);
}

static void tell_progress(const cap_input *ci, scan_progress_fn progress, void *user,
                          uint64_t frames)
{
    scan_progress p = {.frames_delta = frames};
    cap_input_position(ci, &p.pos, &p.size);
    progress(user, &p);
}

static void read_frames(worker *w, cap_input *ci, cap_decoder *dec, scan_progress_fn progress,
                        void *user)
{
    obs_input *in = w->in;
    cap_frame fr;
    cap_pkt pkt;
    uint64_t since = 0;
    while (cap_input_next(ci, &fr)) {
        int64_t ts = usec_of(&fr.where);
        if (!in->first_ts || ts < in->first_ts)
            in->first_ts = ts;
        if (ts > in->last_ts)
            in->last_ts = ts;
        if (cap_decode_frame(dec, &fr, &pkt) == CAP_DECODE_PKT) {
            if (pkt.ip_proto == 17)
                cap_tftp_packet(w->tftp, &pkt);
            else if (pkt.ip_proto == 6)
                cap_tcp_packet(w->tcp, &pkt);
        }
        if (w->hooks && w->hooks->on_frame)
            w->hooks->on_frame(w->hooks->user);
        if (progress && ++since == PROGRESS_EVERY) {
            tell_progress(ci, progress, user, since);
            since = 0;
        }
    }
    if (progress)
        tell_progress(ci, progress, user, since);
}

/* SHA-256 of the capture file as it is on this host, for reports that identify the evidence
 * (HTML, and results files that a merge turns into HTML on another host). */
static void digest_input(obs_input *in)
{
    if (strcmp(in->path, "-") == 0)
        return;
    int fd = open(in->path, O_RDONLY | O_CLOEXEC);
    EVP_MD_CTX *ctx = fd >= 0 ? EVP_MD_CTX_new() : NULL;
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    uint64_t bytes = 0;
    static __thread unsigned char buf[1 << 16];
    for (ssize_t n; ok && (n = read(fd, buf, sizeof buf)) != 0;) {
        ok = n > 0 && EVP_DigestUpdate(ctx, buf, (size_t)n);
        bytes += n > 0 ? (uint64_t)n : 0;
    }
    in->has_digest = ok && EVP_DigestFinal_ex(ctx, in->sha256, NULL);
    in->bytes = bytes;
    EVP_MD_CTX_free(ctx);
    if (fd >= 0)
        close(fd);
}

static int scan_frames(const scan_opts *o, obs_input *in, cap_input *ci, const scan_hooks *hooks,
                       scan_progress_fn progress, void *user)
{
    in->linktype = cap_input_linktype(ci);
    if (!in->certs)
        in->owns_certs = (in->certs = obs_certs_new()) != NULL;
    worker w = {.o = o, .in = in, .hooks = hooks};
    cap_decode_config dc = {.on_notice = on_notice, .user = in};
    cap_decoder *dec = cap_decoder_new(&dc);
    if (!dec || !in->certs || worker_open(&w) != 0) {
        in->open_failed = true;
        in->open_error = strdup("out of memory");
        cap_decoder_free(dec);
        worker_close(&w);
        return -1;
    }
    read_frames(&w, ci, dec, progress, user);
    w.input_ended = true;
    cap_decoder_finish(dec);
    cap_tftp_finish(w.tftp);
    cap_tcp_flush(w.tcp);
    in->counts.decode = *cap_decoder_stats(dec);
    in->counts.defrag = *cap_decoder_defrag_stats(dec);
    in->counts.tftp = *cap_tftp_get_stats(w.tftp);
    cap_tcp_get_stats(w.tcp, &in->counts.tcp);
    const char *msg = NULL;
    in->end_status = cap_input_status_get(ci, &in->last_good, &msg);
    if (in->end_status != CAP_INPUT_OK)
        in->end_msg = util_printable(msg ? msg : "");
    cap_decoder_free(dec);
    worker_close(&w);
    return 0;
}

int scan_stream(const scan_opts *o, obs_input *in, cap_input *ci, const scan_hooks *hooks)
{
    return scan_frames(o, in, ci, hooks, NULL, NULL);
}

int scan_input(const scan_opts *o, obs_input *in, scan_progress_fn progress, void *user)
{
    char err[512] = "";
    cap_input *ci = cap_input_open(in->path, in->path, err, sizeof err);
    if (!ci) {
        in->open_failed = true;
        in->open_error = strdup(err[0] ? err : "cannot open");
        return -1;
    }
    int rc = scan_frames(o, in, ci, NULL, progress, user);
    cap_input_close(ci);
    if (rc == 0 && (o->html_path || o->json_content))
        digest_input(in);
    return rc;
}
