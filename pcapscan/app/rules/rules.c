/* The rules pass: feeds the run's observations to the trust engine (sbd/trust.h) in packet-time
 * order across all inputs and records its decisions: findings, file verdicts, what each phone
 * moved to. Nothing is decided here. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "model/certs.h"
#include "lib/par.h"
#include "model/run.h"
#include "rules/rules.h"
#include "sbd/trust.h"

/* ---- state of the pass ---- */

/* One observation in the feeding order; the engine's decisions point back at it (user). 4 bytes:
 * the run's record number (inputs one after the other, each its files then its TLS sessions);
 * the sort reads time and order off the record itself. */
typedef uint32_t event;

/* Findings already made, by a keyed 128-bit digest of their dedupe key: the keys themselves (up
 * to 600 bytes of capture text each) are not kept. Two different keys share a digest with
 * probability about n^2 / 2^129 (SipHash under the run's random key: not choosable in a
 * capture). */
typedef struct dedupe {
    uint64_t (*dig)[2]; /* per finding made in this pass */
    size_t n_dig, cap_dig;
    uint32_t *slot; /* open addressing: 1 + index into dig, 0 empty; at most half full */
    size_t cap;
    cap_hkey key;
} dedupe;

typedef struct pass {
    run *r;
    sbd_trust *engine;
    dedupe dd;
    size_t base; /* r->n_findings when the pass began: dig[i] is finding base + i */
    event *ev;
    size_t n_ev;
    size_t *first;                        /* n_inputs + 1: the first record number of each input */
    const char *msg_base[SBD_RULE_COUNT]; /* per rule, the last message kept whole */
} pass;

/* ---- findings ---- */

/* Where record number e is: its input, and its index in the input's files (*tls false) or TLS
 * sessions. */
static size_t ev_where(const pass *p, event e, size_t *k, bool *tls)
{
    size_t lo = 0, hi = p->r->n_inputs; /* the last input whose first number is <= e */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->first[mid] <= e)
            lo = mid;
        else
            hi = mid;
    }
    size_t local = e - p->first[lo], nf = p->r->inputs[lo].n_files;
    *tls = local >= nf;
    *k = *tls ? local - nf : local;
    return lo;
}

static obs_file *ev_file(const pass *p, const event *e)
{
    size_t k;
    bool tls;
    size_t in = ev_where(p, *e, &k, &tls);
    return tls ? NULL : obs_file_at(&p->r->inputs[in], k);
}

static obs_tls *ev_tls(const pass *p, const event *e)
{
    size_t k;
    bool tls;
    size_t in = ev_where(p, *e, &k, &tls);
    return tls ? obs_tls_at(&p->r->inputs[in], k) : NULL;
}

static bool dedupe_grow(dedupe *d)
{
    size_t ncap = d->cap ? d->cap * 2 : 256;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < d->cap; i++) {
        if (!d->slot[i])
            continue;
        size_t k = (size_t)d->dig[d->slot[i] - 1][0] & (ncap - 1);
        while (ns[k])
            k = (k + 1) & (ncap - 1);
        ns[k] = d->slot[i];
    }
    free(d->slot);
    d->slot = ns;
    d->cap = ncap;
    return true;
}

/* The slot of the key whose digest is h: taken when it was seen before, else where to add it.
 * SIZE_MAX when out of memory. */
static size_t dedupe_slot(dedupe *d, const uint64_t h[2])
{
    if (((d->n_dig + 1) * 2 > d->cap && !dedupe_grow(d)) || d->n_dig >= UINT32_MAX - 1)
        return SIZE_MAX;
    size_t i = (size_t)h[0] & (d->cap - 1);
    for (; d->slot[i]; i = (i + 1) & (d->cap - 1)) {
        const uint64_t *o = d->dig[d->slot[i] - 1];
        if (o[0] == h[0] && o[1] == h[1])
            break;
    }
    return i;
}

static bool dedupe_add(dedupe *d, size_t slot, const uint64_t h[2])
{
    uint64_t(*e)[2] = obs_grow_one((void **)&d->dig, &d->n_dig, &d->cap_dig, sizeof *d->dig);
    if (!e)
        return false;
    memcpy(*e, h, sizeof *e);
    d->slot[slot] = (uint32_t)d->n_dig;
    return true;
}

static const char *phone_of(pass *p, const char *label)
{
    const char *s = label ? strpool_get(&p->r->text, label, 63) : "";
    return s ? s : ""; /* 63: the label as the reports have always shown it (at most 63 bytes) */
}

/* One more packet of evidence (up to FINDING_MAX_PACKETS; the rest are counted in occurrences
 * only, as always). */
static void push_packet(finding *f, uint64_t pkt)
{
    if (f->n_packets >= FINDING_MAX_PACKETS)
        return;
    if (f->n_packets < FINDING_INLINE_PACKETS) {
        f->packets[f->n_packets++] = pkt;
        return;
    }
    if (!f->more_packets &&
        !(f->more_packets =
              malloc((FINDING_MAX_PACKETS - FINDING_INLINE_PACKETS) * sizeof *f->more_packets)))
        return; /* out of memory: the packet is not named */
    f->more_packets[f->n_packets++ - FINDING_INLINE_PACKETS] = pkt;
}

static finding *new_finding(pass *p, sbd_rule rule, size_t input, int64_t ts, uint64_t pkt,
                            const char *phone_label, const char *key)
{
    run *r = p->r;
    /* full[0] tells the digest's two halves apart: two hashes of distinct inputs under one key. */
    char full[601];
    /* The engine's rule of what is one finding (sbd_trust_finding_id), as every front end. */
    int len = sbd_trust_finding_id(rule, input, phone_label, key, full + 1, sizeof full - 1);
    size_t n = len < 0 ? 0 : (size_t)len < sizeof full - 1 ? (size_t)len : sizeof full - 2;
    uint64_t h[2];
    full[0] = 0;
    h[0] = cap_khash(&p->dd.key, full, n + 1);
    full[0] = 1;
    h[1] = cap_khash(&p->dd.key, full, n + 1);
    size_t slot = dedupe_slot(&p->dd, h);
    if (slot == SIZE_MAX)
        return NULL;
    if (p->dd.slot[slot]) {
        finding *old = &r->findings[p->base + p->dd.slot[slot] - 1];
        old->occurrences++;
        bool known = false;
        for (size_t i = 0; i < old->n_packets; i++)
            known = known || finding_packet(old, i) == pkt;
        if (!known && pkt)
            push_packet(old, pkt);
        return NULL;
    }
    finding *f = obs_grow_one((void **)&r->findings, &r->n_findings, &r->cap_findings, sizeof *f);
    if (!f)
        return NULL;
    if (!dedupe_add(&p->dd, slot, h)) {
        r->n_findings--;
        return NULL;
    }
    f->rule = rule;
    f->input = input;
    f->ts_usec = ts;
    f->occurrences = 1;
    f->phone = phone_of(p, phone_label);
    if (pkt)
        push_packet(f, pkt);
    return f;
}

static void set_message(pass *p, finding *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_message(pass *p, finding *f, const char *fmt, ...)
{
    char buf[FINDING_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    f->msg = finding_keep_message(&p->r->text, &p->msg_base[f->rule], buf);
}

static void add_packet(finding *f, uint64_t pkt)
{
    if (pkt && (!f->n_packets || finding_packet(f, f->n_packets - 1) != pkt))
        push_packet(f, pkt);
}

static void set_related(finding *f, const obs_file *a, const char *what)
{
    f->related = a;
    f->related_what = what;
}

/* ---- per-file preparation: content analysis and the default verdict ---- */

/* A verdict's text, kept once per distinct text (a reset repeats a few reasons for every
 * phone); NULL clears it. */
static void set_detail(pass *p, obs_file *f, const char *text)
{
    if (!text && !f->more)
        return;
    obs_file_more *m = obs_more_make(f);
    if (m)
        m->sig_detail = text ? strpool_get(&p->r->text, text, SIZE_MAX) : NULL;
}

static void prepare_file(pass *p, obs_file *f)
{
    run *r = p->r;
    f->sig = SBD_SIG_NOT_CHECKED;
    if (!f->complete)
        return;
    if (!f->looks_signed) {
        f->sig = SBD_SIG_NOT_SIGNED;
        return;
    }
    blob *b = f->in_store && f->digest ? store_get(&r->content, f->digest->sha256) : NULL;
    if (!b) {
        set_detail(p, f, "not kept: larger than the verification size limit");
        return;
    }
    if (blob_analyse(b, r->keys, r->certs)) {
        f->parsed = true;
        return;
    }
    obs_file_more *m = obs_more_make(f);
    if (m)
        m->parse_error = strpool_get(&r->text, b->parse_error, SIZE_MAX);
    r->inputs[f->input].counts.unparsable_files++;
}

typedef struct blobs {
    run *r;
    blob **b;
} blobs;

static void analyse_one(void *ctx, size_t i)
{
    blobs *bs = ctx;
    blob_analyse(bs->b[i], bs->r->keys, bs->r->certs);
}

/* Every distinct content parsed and self-verified once, on the -j threads. */
static void analyse_contents(run *r)
{
    blobs bs = {r, calloc(r->content.count ? r->content.count : 1, sizeof *bs.b)};
    size_t n = 0;
    for (size_t i = 0; bs.b && i < r->content.cap; i++)
        if (r->content.slots[i])
            bs.b[n++] = r->content.slots[i];
    par_for(n, r->o->jobs, analyse_one, NULL, &bs);
    free(bs.b);
}

/* ---- the engine's decisions, recorded ---- */

bool run_counted_per_capture(sbd_rule rule)
{
    return sbd_trust_counted_per_capture(rule);
}

static const char *related_word(const sbd_trust_decision *d)
{
    switch (d->outcome) {
    case SBD_OUT_LIST_VIA_TVS:
    case SBD_OUT_LIST_REFUSED:
    case SBD_OUT_LIST_DIRECT:
    case SBD_OUT_RECOVERY_SIGNED:
        return d->held.is_ctl ? "previous_ctl" : "previous_itl";
    case SBD_OUT_FALLBACK:
        return "not_found_request";
    default:
        return "trust_list";
    }
}

static void record_finding(pass *p, const sbd_trust_decision *d, obs_file *f, obs_tls *t)
{
    const event *held = d->held.set ? d->held.at.user : NULL;
    const event *cause = d->has_cause ? d->cause.user : NULL;
    obs_file *held_f = held ? ev_file(p, held) : NULL;
    obs_file *cause_f = cause ? ev_file(p, cause) : NULL;
    obs_tls *cause_t = cause ? ev_tls(p, cause) : NULL;
    finding *x =
        new_finding(p, d->rule, d->at.input, d->at.ts_usec, d->at.packet, d->phone, d->key);
    if (!x)
        return;
    x->phone = phone_of(p, d->phone);
    x->file = f;
    x->tls = t ? t : cause_t;
    if (d->cert && x->tls)
        for (size_t i = 0; i < x->tls->n_certs; i++)
            if (x->tls->certs[i].info_ok &&
                memcmp(x->tls->certs[i].info.sha256, d->cert->sha256, 32) == 0)
                x->cert = &x->tls->certs[i];
    if (held_f)
        set_related(x, held_f, related_word(d));
    if (d->outcome == SBD_OUT_FALLBACK && cause_f) {
        x->file = cause_f;
        add_packet(x, cause_f->first_pkt);
    } else if (cause)
        add_packet(x, cause_t ? cause_t->pkt : cause_f->first_pkt);
    if (f && (d->outcome == SBD_OUT_XFER_FAILED || d->outcome == SBD_OUT_XFER_CUT))
        add_packet(x, f->last_pkt);
    x->msg = finding_keep_message(&p->r->text, &p->msg_base[x->rule], d->reason);
}

static bool is_list_outcome(sbd_trust_outcome o)
{
    return o <= SBD_OUT_LIST_INVALID;
}

static bool is_signed_outcome(sbd_trust_outcome o)
{
    return o >= SBD_OUT_SIGNED_VALID && o <= SBD_OUT_SIGNED_NO_LIST;
}

static bool is_server_outcome(sbd_trust_outcome o)
{
    return o >= SBD_OUT_SERVER_IN_LIST && o <= SBD_OUT_SERVER_HIDDEN;
}

static void record_file_verdict(pass *p, const sbd_trust_decision *d, obs_file *f)
{
    const event *held = d->held.set ? d->held.at.user : NULL;
    obs_file *held_f = held ? ev_file(p, held) : NULL;
    if (is_signed_outcome(d->outcome)) {
        f->sig = d->sig;
        f->verifier = held_f;
        set_detail(p, f, d->outcome == SBD_OUT_SIGNED_VALID ? NULL : d->reason);
    } else if (is_list_outcome(d->outcome)) {
        f->sig = d->sig;
        if (d->outcome == SBD_OUT_LIST_INVALID && !obs_more(f)->sig_detail)
            set_detail(p, f, d->reason);
    }
    if (!is_list_outcome(d->outcome) || d->outcome == SBD_OUT_LIST_INVALID || !p->r->o->html_path)
        return;
    run_move *m = obs_grow_one((void **)&p->r->moves, &p->r->n_moves, &p->r->cap_moves, sizeof *m);
    if (!m)
        return;
    memset(m, 0, sizeof *m);
    m->outcome = d->outcome;
    m->to = f;
    m->from = held_f;
    m->phone = phone_of(p, d->phone);
    const event *cause = d->has_cause ? d->cause.user : NULL;
    m->tvs = cause ? ev_tls(p, cause) : NULL;
}

static void on_decision(void *ctx, const sbd_trust_decision *d)
{
    pass *p = ctx;
    const event *e = d->at.user;
    obs_file *f = e ? ev_file(p, e) : NULL;
    obs_tls *t = e ? ev_tls(p, e) : NULL;
    if (f)
        record_file_verdict(p, d, f);
    if (t && is_server_outcome(d->outcome) && d->outcome != SBD_OUT_SERVER_HIDDEN) {
        const event *held = d->held.set ? d->held.at.user : NULL;
        t->verdict = d->outcome;
        t->judged = true;
        t->judged_against = held ? ev_file(p, held) : NULL;
        t->judged_record = d->record < OBS_NO_RECORD ? (uint32_t)d->record : OBS_NO_RECORD;
    }
    if (d->rule != SBD_RULE_COUNT)
        record_finding(p, d, f, t);
}

/* ---- events in packet-time order, fed to the engine ---- */

/* The pass being sorted: qsort has no context argument, and rules_run runs on one thread. */
static const pass *sort_pass;

static size_t event_key(const event *e, int64_t *ts, uint64_t *seq)
{
    size_t k;
    bool tls;
    size_t i = ev_where(sort_pass, *e, &k, &tls);
    const obs_input *in = &sort_pass->r->inputs[i];
    if (tls) {
        const obs_tls *t = obs_tls_at(in, k);
        *ts = t->ts_usec;
        *seq = t->seq;
    } else {
        const obs_file *f = obs_file_at(in, k);
        *ts = f->ts_usec;
        *seq = f->seq;
    }
    return i;
}

static int cmp_event(const void *a, const void *b)
{
    int64_t tx, ty;
    uint64_t sx, sy;
    size_t ix = event_key(a, &tx, &sx), iy = event_key(b, &ty, &sy);
    return run_cmp_order(tx, ix, sx, ty, iy, sy);
}

static int build_events(pass *p)
{
    size_t n = 0;
    p->first = malloc((p->r->n_inputs + 1) * sizeof *p->first);
    if (!p->first)
        return -1;
    for (size_t i = 0; i < p->r->n_inputs; i++) {
        p->first[i] = n;
        n += p->r->inputs[i].n_files + p->r->inputs[i].n_tls;
    }
    p->first[p->r->n_inputs] = n;
    if (n >= UINT32_MAX)
        return -1; /* far beyond what memory holds */
    p->ev = malloc((n ? n : 1) * sizeof *p->ev);
    if (!p->ev)
        return -1;
    for (size_t i = 0; i < n; i++)
        p->ev[i] = (event)i;
    p->n_ev = n;
    sort_pass = p;
    qsort(p->ev, p->n_ev, sizeof *p->ev, cmp_event);
    sort_pass = NULL;
    return 0;
}

static sbd_trust_xfer trust_xfer(const obs_file *f)
{
    if (f->complete)
        return SBD_XFER_COMPLETE;
    switch (f->xfer) {
    case OBS_XFER_NOT_FOUND:
        return SBD_XFER_NOT_FOUND;
    case OBS_XFER_INCOMPLETE:
    case OBS_XFER_NO_RESPONSE:
    case OBS_XFER_EVICTED:
    case OBS_XFER_TOO_LARGE:
        return SBD_XFER_FAILED;
    default:
        return SBD_XFER_OTHER;
    }
}

/* A list's record certificates as the store decoded them (blob_analyse), so the engine does not
 * parse them again. */
static const sbd_cert_info *record_cert_of(const void *b, size_t i)
{
    return blob_record_cert(b, i);
}

bool run_file_event(const obs_file *f, const blob *b, sbd_trust_at at, run_ev_buf *buf,
                    sbd_trust_file_ev *ev)
{
    if (f->upload)
        return false;
    cap_addr_str(f->client, 0, buf->client, sizeof buf->client);
    cap_addr_str(f->server, 0, buf->server, sizeof buf->server);
    *ev = (sbd_trust_file_ev){
        .at = at,
        .client = buf->client,
        .server = buf->server,
        .name = f->name,
        .xfer = trust_xfer(f),
        .file = b ? &b->f : NULL,
        .sha256 = b ? b->sha256 : NULL,
        .signed_content = f->looks_signed,
        .cut_by_capture_end = f->cut_by_end,
        .record_cert = b ? record_cert_of : NULL,
        .record_cert_ctx = b,
    };
    if (ev->xfer == SBD_XFER_FAILED) { /* the facts of the engine's sentence about it */
        ev->proto = f->proto == OBS_TFTP ? "TFTP" : "HTTP";
        ev->failure = obs_xfer_name(f->xfer);
        ev->has_bytes = true;
        ev->bytes = f->size;
        ev->missing = obs_more(f)->missing;
    }
    return true;
}

/* The decoded chain (leaf first, undecodable entries NULL); a chain without a usable leaf is
 * still handed over for the expiry of the rest. */
static size_t tls_chain(const obs_tls *t, const sbd_cert_info **chain)
{
    size_t n = t->n_certs < RUN_MAX_CHAIN ? t->n_certs : RUN_MAX_CHAIN;
    for (size_t i = 0; i < n; i++)
        chain[i] = t->certs[i].info_ok ? &t->certs[i].info : NULL;
    return n;
}

bool run_tls_event(const obs_tls *t, const sbd_service_table *svc, sbd_trust_at at, run_ev_buf *buf,
                   sbd_trust_tls_ev *ev)
{
    cap_addr_str(t->client, 0, buf->client, sizeof buf->client);
    cap_addr_str(t->server, 0, buf->server, sizeof buf->server);
    if (t->kind != OBS_TLS_CERTS && t->kind != OBS_TLS_HIDDEN)
        return false;
    *ev = (sbd_trust_tls_ev){
        .at = at,
        .client = buf->client,
        .server = buf->server,
        .port = t->sport,
        .service = sbd_service_of_port(svc, t->sport),
        .hidden = t->kind == OBS_TLS_HIDDEN,
        .chain = buf->chain,
        .n_chain = tls_chain(t, buf->chain),
    };
    return true;
}

static void feed_file(pass *p, event *e)
{
    run_ev_buf buf;
    sbd_trust_file_ev ev;
    const obs_file *f = ev_file(p, e);
    const blob *b = f->parsed ? run_blob(p->r, f) : NULL;
    if (!run_file_event(f, b, (sbd_trust_at){f->input, f->first_pkt, f->ts_usec, e}, &buf, &ev))
        return;
    ev.last_packet = p->r->inputs[f->input].counts.decode.frames; /* a batch knows its end */
    sbd_trust_file(p->engine, &ev);
}

static void feed_tls(pass *p, event *e)
{
    run_ev_buf buf;
    sbd_trust_tls_ev ev;
    const obs_tls *t = ev_tls(p, e);
    if (run_tls_event(t, &p->r->o->services, (sbd_trust_at){t->input, t->pkt, t->ts_usec, e}, &buf,
                      &ev))
        sbd_trust_tls(p->engine, &ev);
}

/* A batch knows every request of its captures: bind each client address to the MAC it first
 * asked for, so TLS sessions before its first named request still belong to the phone. */
/* The phone a file's name names ("SEP" + 12 hex digits), found again from the name rather than
 * kept in every record. */
static bool mac_of(const obs_file *f, char mac[16])
{
    sbd_audit_classify_name(f->name ? f->name : "", mac);
    return mac[0] != '\0';
}

static void learn_macs(pass *p)
{
    /* A file whose name names a phone is that phone's; its client address is bound to it. */
    for (size_t i = 0; i < p->r->n_inputs; i++) {
        obs_input *in = &p->r->inputs[i];
        for (size_t k = 0; k < in->n_files; k++) {
            obs_file *f = obs_file_at(in, k);
            char mac[16];
            if (!mac_of(f, mac))
                continue;
            f->phone = phone_of(p, mac);
            if (f->upload)
                continue;
            char addr[64];
            cap_addr_str(f->client, 0, addr, sizeof addr);
            sbd_trust_bind_client(p->engine, addr, mac);
        }
    }
    /* The others belong to the phone their client is bound to, once every binding is known. */
    for (size_t i = 0; i < p->r->n_inputs; i++)
        for (size_t k = 0; k < p->r->inputs[i].n_files; k++) {
            obs_file *f = obs_file_at(&p->r->inputs[i], k);
            if (f->phone[0])
                continue;
            char addr[64];
            cap_addr_str(f->client, 0, addr, sizeof addr);
            f->phone = phone_of(p, sbd_trust_phone_of(p->engine, addr, NULL));
        }
}

/* ---- per input ---- */

static void capture_truncated(pass *p, obs_input *in)
{
    if (in->open_failed ||
        (in->end_status != CAP_INPUT_TRUNCATED && in->end_status != CAP_INPUT_CORRUPT))
        return;
    /* The evidence is the last packet read: the cut one is in no tool's packet list. */
    finding *x =
        new_finding(p, SBD_RULE_CAPTURE_TRUNCATED, in->index, in->last_ts, in->last_good, NULL, "");
    if (x)
        set_message(p, x, "%s: %s after packet %llu: %s", in->path,
                    cap_input_status_name(in->end_status), (unsigned long long)in->last_good,
                    in->end_msg ? in->end_msg : "");
}

int rules_run(run *r)
{
    pass p;
    memset(&p, 0, sizeof p);
    p.r = r;
    p.dd.key = cap_hkey_run();
    p.base = r->n_findings;
    int rc = 0;
    for (size_t i = 0; i < r->n_inputs; i++)
        obs_input_seal(&r->inputs[i]); /* nothing adds to them from here on */
    if (!r->keys)
        r->keys = sbd_key_cache_new(); /* NULL: keys are decoded per verification */
    if (!r->certs)
        r->certs = obs_certs_new(); /* after merge; NULL: record certificates are not shown */
    for (size_t i = 0; i < r->n_inputs; i++)
        if (store_move(&r->content, &r->inputs[i].content) != 0)
            rc = -1;
    analyse_contents(r);
    /* terse: the pass reads words of findings and verdict details only (record_finding,
     * record_file_verdict); making a sentence for every decision was a quarter of its work. */
    sbd_trust_opts to = {r->o->has_now, r->o->now, r->o->expiry_days, r->keys, .terse = true};
    p.engine = sbd_trust_new(&to, on_decision, &p);
    if (!p.engine)
        return -1;
    learn_macs(&p);
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t k = 0; k < r->inputs[i].n_files; k++)
            prepare_file(&p, obs_file_at(&r->inputs[i], k));
    if (build_events(&p) != 0)
        rc = -1;
    for (size_t i = 0; i < p.n_ev; i++) {
        if (ev_file(&p, &p.ev[i]))
            feed_file(&p, &p.ev[i]);
        else
            feed_tls(&p, &p.ev[i]);
    }
    sbd_trust_finish(p.engine);
    for (size_t i = 0; i < r->n_inputs; i++) {
        capture_truncated(&p, &r->inputs[i]);
    }
    for (size_t i = 0; i < r->n_findings; i++) {
        r->by_severity[sbd_rule_severity(r->findings[i].rule)]++;
        r->by_rule[r->findings[i].rule]++;
    }
    sbd_trust_free(p.engine);
    free(p.dd.slot);
    free(p.dd.dig);
    free(p.ev);
    free(p.first);
    strpool_seal(&r->text);
    /* The reports only read the findings: give back the array's growth room. */
    if (r->findings && r->n_findings && r->n_findings < r->cap_findings) {
        finding *fit = realloc(r->findings, r->n_findings * sizeof *fit);
        if (fit) {
            r->findings = fit;
            r->cap_findings = r->n_findings;
        }
    }
#ifdef __GLIBC__
    /* The engine's state and the event list were the high-water mark: give their pages back
     * before the reports allocate theirs (glibc keeps freed small blocks resident otherwise). */
    malloc_trim(0);
#endif
    return rc;
}
