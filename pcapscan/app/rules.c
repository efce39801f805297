/* The rules pass: applies the audit.h predicates to the run's observations in packet-time order
 * across all inputs. Decisions are the predicates'; this file only decides which observations
 * they are applied to (phones, clusters, "the ITL most recently delivered") and words findings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "certs.h"
#include "par.h"
#include "run.h"

/* ---- a small string map (phones, IP -> MAC, dedupe keys, verdict cache) ---- */

typedef struct strmap_ent {
    char *key;
    void *val;
    struct strmap_ent *next;
} strmap_ent;

typedef struct strmap {
    strmap_ent **b;
    size_t nb, n;
} strmap;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static strmap_ent *map_find(const strmap *m, const char *key)
{
    if (!m->nb)
        return NULL;
    for (strmap_ent *e = m->b[fnv(key) & (m->nb - 1)]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void *map_get(const strmap *m, const char *key)
{
    strmap_ent *e = map_find(m, key);
    return e ? e->val : NULL;
}

static int map_rehash(strmap *m)
{
    size_t nb = m->nb ? m->nb * 2 : 256;
    strmap_ent **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < m->nb; i++)
        for (strmap_ent *e = m->b[i], *nx; e; e = nx) {
            nx = e->next;
            size_t k = fnv(e->key) & (nb - 1);
            e->next = b[k];
            b[k] = e;
        }
    free(m->b);
    m->b = b;
    m->nb = nb;
    return 0;
}

/* Insert key -> val unless present; returns the entry (existing or new), NULL on OOM. */
static strmap_ent *map_put(strmap *m, const char *key, void *val)
{
    strmap_ent *e = map_find(m, key);
    if (e)
        return e;
    if (m->n + 1 > m->nb && map_rehash(m) != 0)
        return NULL;
    e = calloc(1, sizeof *e);
    if (!e || !(e->key = strdup(key))) {
        free(e);
        return NULL;
    }
    e->val = val;
    size_t k = fnv(key) & (m->nb - 1);
    e->next = m->b[k];
    m->b[k] = e;
    m->n++;
    return e;
}

static void map_free(strmap *m, bool free_vals)
{
    for (size_t i = 0; i < m->nb; i++)
        for (strmap_ent *e = m->b[i], *nx; e; e = nx) {
            nx = e->next;
            if (free_vals)
                free(e->val);
            free(e->key);
            free(e);
        }
    free(m->b);
    memset(m, 0, sizeof *m);
}

/* ---- state of the pass ---- */

typedef struct tl_ref {
    obs_file *f;
    blob *b;
} tl_ref;

/* A validly signed trust list delivered, with the facts cluster_lists filters on. */
typedef struct listed {
    tl_ref ref;
    bool is_ctl, rollback;
} listed;

typedef struct phone {
    tl_ref itl, ctl; /* what the phone holds now */
    size_t *lists;   /* indexes into pass.lists of those delivered to this phone */
    size_t n_lists, cap_lists;
    size_t not_found_input[2]; /* input + 1 where CTLSEP/ITLSEP was not found (0 = none) */
    obs_file *not_found_file[2];
    size_t fallback_done_input[2];
} phone;

typedef struct event {
    int64_t ts;
    size_t input;
    uint64_t seq;
    obs_file *f;
    obs_tls *t;
} event;

typedef struct verdict {
    sbd_sig_status st;
    char detail[200];
} verdict;

typedef struct pass {
    run *r;
    strmap phones;   /* label -> phone */
    strmap ip_mac;   /* "input|addr" -> static MAC string (borrowed from an obs_file) */
    strmap dedupe;   /* finding key -> index + 1 */
    strmap verdicts; /* "sgnsha|tlsha" -> verdict */
    strmap in_list;  /* "certsha|tlsha" -> 1 + sbd_audit_cert_in_list */
    listed *lists;   /* validly signed trust lists delivered, in time order */
    size_t n_lists, cap_lists;
    event *ev;
    size_t n_ev;
} pass;

char *run_endpoint(const cap_addr *a, uint16_t port, char *out, size_t outsz)
{
    return cap_addr_str(a, port, out, outsz);
}

static void hex32(const uint8_t *p, char out[65])
{
    sbd_hex_lower(p, 32, out, 65);
}

static blob *blob_of(const run *r, const obs_file *f)
{
    if (!f || !f->in_store)
        return NULL;
    blob *b = store_get(&r->content, f->sha256);
    return b && b->parsed ? b : NULL;
}

const sbd_file *run_parsed(const run *r, const obs_file *f)
{
    blob *b = blob_of(r, f);
    return b ? &b->f : NULL;
}

const sbd_cert_info *run_record_cert(const run *r, const obs_file *f, size_t i)
{
    return blob_record_cert(blob_of(r, f), i);
}

const char *run_sig_word(const obs_file *f)
{
    switch (f->sig) {
    case SBD_SIG_VALID:
        return "valid";
    case SBD_SIG_INVALID:
    case SBD_SIG_BAD_KEY:
        return "invalid";
    case SBD_SIG_SIGNER_UNKNOWN:
        return "signer_unknown";
    case SBD_SIG_NOT_SIGNED:
        return "not_signed";
    default:
        return "not_checked";
    }
}

const char *run_kind_word(const run *r, const obs_file *f)
{
    const sbd_file *p = run_parsed(r, f);
    if (p) {
        if (p->kind == SBD_KIND_TRUST_LIST)
            return sbd_file_is_ctl(p) ? "ctl" : "itl";
        return p->kind == SBD_KIND_ENC_SGN ? "enc_sgn" : "sgn";
    }
    switch (f->name_kind) {
    case SBD_NAME_CTL_PER_PHONE:
    case SBD_NAME_CTL_FILE:
        return "ctl";
    case SBD_NAME_ITL_PER_PHONE:
    case SBD_NAME_ITL_FILE:
        return "itl";
    case SBD_NAME_CONFIG_SGN:
        return "sgn";
    case SBD_NAME_CONFIG_ENC:
        return "enc_sgn";
    case SBD_NAME_OTHER_SGN: {
        size_t n = strlen(f->name);
        return n >= 8 && strcasecmp(f->name + n - 8, ".enc.sgn") == 0 ? "enc_sgn" : "sgn";
    }
    default:
        return "other";
    }
}

/* ---- findings ---- */

static finding *new_finding(pass *p, sbd_rule rule, size_t input, int64_t ts, uint64_t pkt,
                            const char *phone_label, const char *key)
{
    run *r = p->r;
    char full[600];
    snprintf(full, sizeof full, "%s|%zu|%s|%s", sbd_rule_id(rule), input,
             phone_label ? phone_label : "", key ? key : "");
    strmap_ent *e = map_find(&p->dedupe, full);
    if (e) {
        finding *old = &r->findings[(size_t)(uintptr_t)e->val - 1];
        old->occurrences++;
        bool known = false;
        for (size_t i = 0; i < old->n_packets; i++)
            known = known || old->packets[i] == pkt;
        if (!known && pkt && old->n_packets < FINDING_MAX_PACKETS)
            old->packets[old->n_packets++] = pkt;
        return NULL;
    }
    finding *f = obs_grow_one((void **)&r->findings, &r->n_findings, &r->cap_findings, sizeof *f);
    if (!f)
        return NULL;
    if (!map_put(&p->dedupe, full, (void *)(uintptr_t)r->n_findings)) {
        r->n_findings--;
        return NULL;
    }
    f->rule = rule;
    f->input = input;
    f->ts_usec = ts;
    f->order = r->n_findings - 1;
    f->occurrences = 1;
    snprintf(f->phone, sizeof f->phone, "%s", phone_label ? phone_label : "");
    if (pkt)
        f->packets[f->n_packets++] = pkt;
    return f;
}

static void set_message(finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(finding *f, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    f->message = strdup(buf);
}

static void add_packet(finding *f, uint64_t pkt)
{
    if (pkt && f->n_packets < FINDING_MAX_PACKETS && f->packets[f->n_packets - 1] != pkt)
        f->packets[f->n_packets++] = pkt;
}

static void set_related(finding *f, const obs_file *a, const char *what)
{
    f->related.set = true;
    f->related.input = a->input;
    f->related.pkt = a->first_pkt;
    f->related.file = a->name;
    memcpy(f->related.sha256, a->sha256, 32);
    f->related_what = what;
}

static const char *cert_label(const sbd_cert_info *ci, char *out, size_t outsz)
{
    char serial[140];
    snprintf(out, outsz, "%s (serial %s)", ci->subject,
             sbd_hex_serial(ci->serial, ci->serial_len, false, serial, sizeof serial));
    return out;
}

/* ---- phones ---- */

static const char *phone_label(pass *p, obs_file *f)
{
    if (!f->phone[0]) {
        char key[96], addr[64];
        cap_addr_str(&f->client, 0, addr, sizeof addr);
        snprintf(key, sizeof key, "%zu|%s", f->input, addr);
        const char *mac = f->mac[0] ? f->mac : map_get(&p->ip_mac, key);
        snprintf(f->phone, sizeof f->phone, "%s", mac ? mac : addr);
    }
    return f->phone;
}

static const char *tls_client_label(pass *p, const obs_tls *t, char *out, size_t outsz)
{
    char key[96], addr[64];
    cap_addr_str(&t->client, 0, addr, sizeof addr);
    snprintf(key, sizeof key, "%zu|%s", t->input, addr);
    const char *mac = map_get(&p->ip_mac, key);
    snprintf(out, outsz, "%s", mac ? mac : addr);
    return out;
}

static phone *phone_of(pass *p, const char *label)
{
    strmap_ent *e = map_find(&p->phones, label);
    if (e)
        return e->val;
    phone *ph = calloc(1, sizeof *ph);
    if (!ph || !map_put(&p->phones, label, ph)) {
        free(ph);
        return NULL;
    }
    return ph;
}

static void learn_macs(pass *p)
{
    for (size_t i = 0; i < p->r->n_inputs; i++) {
        obs_input *in = &p->r->inputs[i];
        for (size_t k = 0; k < in->n_files; k++) {
            obs_file *f = &in->files[k];
            if (!f->mac[0] || f->upload)
                continue;
            char key[96], addr[64];
            cap_addr_str(&f->client, 0, addr, sizeof addr);
            snprintf(key, sizeof key, "%zu|%s", i, addr);
            map_put(&p->ip_mac, key, f->mac);
        }
    }
}

/* ---- events in packet-time order ---- */

static int cmp_event(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int build_events(pass *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->r->n_inputs; i++)
        n += p->r->inputs[i].n_files + p->r->inputs[i].n_tls;
    p->ev = calloc(n ? n : 1, sizeof *p->ev);
    if (!p->ev)
        return -1;
    for (size_t i = 0; i < p->r->n_inputs; i++) {
        obs_input *in = &p->r->inputs[i];
        for (size_t k = 0; k < in->n_files; k++)
            p->ev[p->n_ev++] =
                (event){in->files[k].ts_usec, i, in->files[k].seq, &in->files[k], NULL};
        for (size_t k = 0; k < in->n_tls; k++)
            p->ev[p->n_ev++] = (event){in->tls[k].ts_usec, i, in->tls[k].seq, NULL, &in->tls[k]};
    }
    qsort(p->ev, p->n_ev, sizeof *p->ev, cmp_event);
    return 0;
}

/* ---- per-file preparation: content analysis and the default verdict ---- */

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
    blob *b = f->in_store ? store_get(&r->content, f->sha256) : NULL;
    if (!b) {
        free(f->sig_detail);
        f->sig_detail = strdup("not kept: larger than the verification size limit");
        return;
    }
    if (blob_analyse(b, r->keys, r->certs)) {
        f->parsed = true;
        return;
    }
    f->parse_error = strdup(b->parse_error);
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

/* ---- expiry ---- */

static int64_t judge_time(const run *r, int64_t ts_usec)
{
    return r->o->has_now ? r->o->now : ts_usec / 1000000;
}

static void check_expiry(pass *p, const sbd_cert_info *ci, size_t input, int64_t ts, uint64_t pkt,
                         const char *phone_lbl, const char *where, const obs_file *file,
                         const obs_tls *tls, const obs_cert *cert)
{
    int e = sbd_audit_expiry(ci->not_after, judge_time(p->r, ts), p->r->o->expiry_days);
    if (e == 0)
        return;
    char key[80], label[700], iso[32];
    hex32(ci->sha256, key);
    finding *f = new_finding(p, e == 2 ? SBD_RULE_CERT_EXPIRED : SBD_RULE_CERT_EXPIRES_SOON, input,
                             ts, pkt, NULL, key);
    if (!f)
        return;
    snprintf(f->phone, sizeof f->phone, "%s", phone_lbl ? phone_lbl : "");
    f->file = file;
    f->tls = tls;
    f->cert = cert;
    sbd_time_iso(ci->not_after, iso, sizeof iso);
    set_message(f, "%s %s %s (%s)", cert_label(ci, label, sizeof label),
                e == 2 ? "expired on" : "expires on", iso, where);
}

static void check_list_expiry(pass *p, obs_file *f, const blob *b)
{
    char where[400];
    snprintf(where, sizeof where, "record of %s", f->name);
    for (size_t i = 0; i < b->f.n_records; i++) {
        const sbd_cert_info *ci = blob_record_cert(b, i);
        if (ci)
            check_expiry(p, ci, f->input, f->ts_usec, f->first_pkt, f->phone, where, f, NULL, NULL);
    }
}

/* ---- trust lists ---- */

static void note_list(pass *p, phone *ph, obs_file *f, blob *b)
{
    listed *l = obs_grow_one((void **)&p->lists, &p->n_lists, &p->cap_lists, sizeof *l);
    if (!l)
        return;
    *l = (listed){{f, b}, sbd_file_is_ctl(&b->f), sbd_audit_is_rollback(&b->f)};
    size_t *ix =
        ph ? obs_grow_one((void **)&ph->lists, &ph->n_lists, &ph->cap_lists, sizeof *ix) : NULL;
    if (ix)
        *ix = p->n_lists - 1;
}

static void trust_list_verdict(pass *p, obs_file *f, blob *b)
{
    f->sig = b->self.status;
    if (b->self.detail[0])
        f->sig_detail = strdup(b->self.detail);
    sbd_rule rule;
    if (b->self.status == SBD_SIG_SIGNER_UNKNOWN)
        rule = SBD_RULE_TRUST_LIST_SIGNER_UNKNOWN;
    else if (b->self.status == SBD_SIG_INVALID || b->self.status == SBD_SIG_BAD_KEY ||
             b->self.status == SBD_SIG_NOT_SIGNED)
        rule = SBD_RULE_TRUST_LIST_SIGNATURE_INVALID;
    else
        return;
    char key[65];
    hex32(f->sha256, key);
    finding *x = new_finding(p, rule, f->input, f->ts_usec, f->first_pkt, f->phone, key);
    if (!x)
        return;
    x->file = f;
    set_message(x, "%s from %s: %s", f->name, f->phone,
                b->self.detail[0] ? b->self.detail : sbd_sig_status_name(b->self.status));
}

/* The first TVS certificate served after `after` (the same client preferred). */
static const obs_tls *tvs_after(const pass *p, const obs_file *after)
{
    const obs_tls *any = NULL;
    for (size_t i = 0; i < p->n_ev; i++) {
        const obs_tls *t = p->ev[i].t;
        if (!t || t->kind != OBS_TLS_CERTS || t->sport != 2445 || !t->n_certs ||
            !t->certs[0].info_ok || p->ev[i].ts < after->ts_usec)
            continue;
        if (cap_addr_equal(&t->client, &after->client))
            return t;
        if (!any)
            any = t;
    }
    return any;
}

static void continuity(pass *p, phone *ph, obs_file *f, blob *b)
{
    tl_ref a = ph->itl;
    if (!a.b || memcmp(a.b->sha256, b->sha256, 32) == 0) {
        ph->itl = (tl_ref){f, b};
        return;
    }
    const obs_tls *tvs = tvs_after(p, f);
    sbd_cert_id id;
    if (tvs)
        id = sbd_cert_id_of(&tvs->certs[0].info);
    sbd_continuity c = sbd_audit_continuity(&a.b->f, &b->f, tvs ? &id : NULL);
    if (c == SBD_CONT_BROKEN || c == SBD_CONT_VIA_TVS) {
        sbd_rule rule = c == SBD_CONT_BROKEN ? SBD_RULE_TRUST_CHAIN_BROKEN : SBD_RULE_TRUST_VIA_TVS;
        char key[140], ha[65], hb[65];
        hex32(a.b->sha256, ha);
        hex32(b->sha256, hb);
        snprintf(key, sizeof key, "%s>%s", ha, hb);
        finding *x = new_finding(p, rule, f->input, f->ts_usec, f->first_pkt, f->phone, key);
        if (x) {
            char lbl[700];
            x->file = f;
            x->tls = tvs;
            x->cert = &tvs->certs[0];
            set_related(x, a.f, "previous_itl");
            add_packet(x, tvs->pkt);
            set_message(x,
                        "%s got %s (signer not in the ITL it held, %s of %s #%llu); TVS served %s "
                        "%s the old ITL's TVS record",
                        f->phone, f->name, a.f->name, p->r->inputs[a.f->input].path,
                        (unsigned long long)a.f->first_pkt,
                        cert_label(&tvs->certs[0].info, lbl, sizeof lbl),
                        c == SBD_CONT_BROKEN ? "which is not" : "which still matches");
        }
    }
    if (c != SBD_CONT_BROKEN) /* the phone keeps A when it cannot verify B */
        ph->itl = (tl_ref){f, b};
}

static void on_trust_list(pass *p, phone *ph, obs_file *f, blob *b)
{
    trust_list_verdict(p, f, b);
    bool is_ctl = sbd_file_is_ctl(&b->f);
    if (!is_ctl && sbd_audit_itl_too_large(&b->f)) {
        char key[65];
        hex32(f->sha256, key);
        finding *x =
            new_finding(p, SBD_RULE_ITL_TOO_LARGE, f->input, f->ts_usec, f->first_pkt, NULL, key);
        if (x) {
            x->file = f;
            snprintf(x->phone, sizeof x->phone, "%s", f->phone);
            set_message(x, "%s is %zu bytes with %zu records", f->name, b->len, b->f.n_records);
        }
    }
    check_list_expiry(p, f, b);
    if (f->sig != SBD_SIG_VALID)
        return; /* phones reject it: it changes nothing they hold */
    note_list(p, ph, f, b);
    if (is_ctl) {
        if (ph)
            ph->ctl = (tl_ref){f, b};
        return;
    }
    if (sbd_audit_is_rollback(&b->f)) {
        char key[65];
        hex32(f->sha256, key);
        finding *x = new_finding(p, SBD_RULE_ITL_ROLLBACK, f->input, f->ts_usec, f->first_pkt,
                                 f->phone, key);
        if (x) {
            x->file = f;
            set_message(x,
                        "%s served to %s is a rollback ITL (%zu records, none CCM+TFTP, TFTP "
                        "or TVS)",
                        f->name, f->phone, b->f.n_records);
        }
    }
    if (ph)
        continuity(p, ph, f, b);
}

/* ---- signed configs ---- */

static char *verdict_key(const blob *sgn, const blob *tl, char key[140])
{
    char hs[65], ht[65];
    hex32(sgn->sha256, hs);
    hex32(tl->sha256, ht);
    snprintf(key, 140, "%s|%s", hs, ht);
    return key;
}

static void compute_verdict(run *r, blob *sgn, blob *tl, verdict *v)
{
    sbd_verify_result vr;
    memset(&vr, 0, sizeof vr);
    v->st = sbd_verify_with_cached(&sgn->f, &tl->f, true, r->keys, &vr);
    snprintf(v->detail, sizeof v->detail, "%s", vr.detail);
}

/* Each (signed content, trust list content) pair is verified once per run. */
static verdict *verify_cached(pass *p, blob *sgn, blob *tl)
{
    char key[140];
    verdict *v = map_get(&p->verdicts, verdict_key(sgn, tl, key));
    if (v)
        return v;
    v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    compute_verdict(p->r, sgn, tl, v);
    if (!map_put(&p->verdicts, key, v)) {
        free(v);
        return NULL;
    }
    return v;
}

/* ---- verdicts computed ahead, on the -j threads ----
 * The rules pass decides which trust list a phone holds in packet-time order across inputs, one
 * event at a time. Ahead of it, each input guesses the pairs it will verify (a signed file against
 * the validly signed ITL, else CTL, last delivered to the same client in the same input), and the
 * distinct pairs are verified in parallel. A wrong guess costs one extra verification; the pass
 * verifies what it needs on a miss, so verdicts never depend on the guess. */

typedef struct vpair {
    blob *sgn, *tl;
    verdict *v;
} vpair;

typedef struct predict {
    run *r;
    vpair **pairs; /* per input, at most one per file */
    size_t *n_pairs;
    vpair *todo;
} predict;

typedef struct held {
    blob *itl, *ctl;
} held;

static blob *valid_list(run *r, const obs_file *f)
{
    blob *b = f->upload ? NULL : blob_of(r, f);
    return b && b->f.kind == SBD_KIND_TRUST_LIST && b->self.status == SBD_SIG_VALID ? b : NULL;
}

static void predict_input(void *ctx, size_t i)
{
    predict *pr = ctx;
    obs_input *in = &pr->r->inputs[i];
    const obs_file **files = run_sorted_files(in);
    pr->pairs[i] = calloc(in->n_files ? in->n_files : 1, sizeof **pr->pairs);
    strmap clients = {0}; /* client address -> held */
    for (size_t k = 0; files && pr->pairs[i] && k < in->n_files; k++) {
        const obs_file *f = files[k];
        blob *b = f->upload ? NULL : blob_of(pr->r, f);
        if (!b)
            continue;
        char addr[64];
        cap_addr_str(&f->client, 0, addr, sizeof addr);
        strmap_ent *e = map_put(&clients, addr, NULL);
        if (!e || (!e->val && !(e->val = calloc(1, sizeof(held)))))
            continue;
        held *h = e->val;
        blob *tl = valid_list(pr->r, f);
        if (tl && sbd_file_is_ctl(&tl->f))
            h->ctl = tl;
        else if (tl)
            h->itl = tl;
        else if (b->f.kind != SBD_KIND_TRUST_LIST && (h->itl || h->ctl))
            pr->pairs[i][pr->n_pairs[i]++] = (vpair){b, h->itl ? h->itl : h->ctl, NULL};
    }
    map_free(&clients, true);
    free(files);
}

static void verify_pair(void *ctx, size_t i)
{
    predict *pr = ctx;
    compute_verdict(pr->r, pr->todo[i].sgn, pr->todo[i].tl, pr->todo[i].v);
}

static void predict_verdicts(pass *p)
{
    run *r = p->r;
    predict pr = {r, calloc(r->n_inputs ? r->n_inputs : 1, sizeof *pr.pairs),
                  calloc(r->n_inputs ? r->n_inputs : 1, sizeof *pr.n_pairs), NULL};
    if (pr.pairs && pr.n_pairs)
        par_for(r->n_inputs, r->o->jobs, predict_input, NULL, &pr);
    size_t total = 0, n_todo = 0;
    for (size_t i = 0; pr.n_pairs && i < r->n_inputs; i++)
        total += pr.n_pairs[i];
    pr.todo = calloc(total ? total : 1, sizeof *pr.todo);
    for (size_t i = 0; pr.todo && i < r->n_inputs; i++)
        for (size_t k = 0; k < pr.n_pairs[i]; k++) {
            vpair *q = &pr.pairs[i][k];
            char key[140];
            verdict_key(q->sgn, q->tl, key);
            if (map_get(&p->verdicts, key) || !(q->v = calloc(1, sizeof *q->v)))
                continue;
            if (!map_put(&p->verdicts, key, q->v)) {
                free(q->v);
                continue;
            }
            pr.todo[n_todo++] = *q;
        }
    par_for(n_todo, r->o->jobs, verify_pair, NULL, &pr);
    for (size_t i = 0; pr.pairs && i < r->n_inputs; i++)
        free(pr.pairs[i]);
    free(pr.pairs);
    free(pr.n_pairs);
    free(pr.todo);
}

static void on_signed(pass *p, phone *ph, obs_file *f, blob *b)
{
    tl_ref by = ph && ph->itl.b ? ph->itl : ph ? ph->ctl : (tl_ref){NULL, NULL};
    if (!by.b) {
        f->sig_detail = strdup("no ITL or CTL delivered to this phone before it");
        return;
    }
    verdict *v = verify_cached(p, b, by.b);
    if (!v)
        return;
    f->sig = v->st;
    f->verifier = by.f;
    if (v->detail[0])
        f->sig_detail = strdup(v->detail);
    bool rollback = !sbd_file_is_ctl(&by.b->f) && sbd_audit_is_rollback(&by.b->f);
    sbd_rule rule;
    if (v->st == SBD_SIG_INVALID || v->st == SBD_SIG_BAD_KEY)
        rule = SBD_RULE_SGN_SIGNATURE_INVALID;
    else if (v->st == SBD_SIG_SIGNER_UNKNOWN && !rollback)
        rule = SBD_RULE_SGN_SIGNER_NOT_IN_ITL;
    else
        return; /* valid, or a rollback ITL that makes the phone accept any signer */
    char key[65];
    hex32(f->sha256, key);
    finding *x = new_finding(p, rule, f->input, f->ts_usec, f->first_pkt, f->phone, key);
    if (!x)
        return;
    x->file = f;
    set_related(x, by.f, "trust_list");
    set_message(x, "%s for %s checked against %s: %s", f->name, f->phone, by.f->name,
                v->detail[0] ? v->detail : sbd_sig_status_name(v->st));
}

/* ---- transfers: incomplete, not found, fallback ---- */

static int per_phone_slot(sbd_name_kind k)
{
    return k == SBD_NAME_CTL_PER_PHONE || k == SBD_NAME_CTL_FILE ? 0 : 1;
}

static void on_transfer(pass *p, phone *ph, obs_file *f)
{
    bool matters = sbd_audit_name_is_trust_or_signed(f->name_kind) || f->looks_signed;
    if (!f->complete && matters &&
        (f->xfer == OBS_XFER_INCOMPLETE || f->xfer == OBS_XFER_NO_RESPONSE ||
         f->xfer == OBS_XFER_EVICTED || f->xfer == OBS_XFER_TOO_LARGE)) {
        char key[40];
        snprintf(key, sizeof key, "%llu", (unsigned long long)f->first_pkt);
        finding *x = new_finding(p, SBD_RULE_TFTP_TRANSFER_INCOMPLETE, f->input, f->ts_usec,
                                 f->first_pkt, f->phone, key);
        if (x) {
            x->file = f;
            add_packet(x, f->last_pkt);
            set_message(x, "%s to %s over %s: %s after %llu bytes%s%s", f->name, f->phone,
                        f->proto == OBS_TFTP ? "TFTP" : "HTTP", obs_xfer_name(f->xfer),
                        (unsigned long long)f->size, f->missing ? "; missing blocks " : "",
                        f->missing ? f->missing : "");
        }
    }
    if (!ph)
        return;
    sbd_name_kind k = f->name_kind;
    int slot = per_phone_slot(k);
    if ((k == SBD_NAME_CTL_PER_PHONE || k == SBD_NAME_ITL_PER_PHONE) &&
        f->xfer == OBS_XFER_NOT_FOUND) {
        ph->not_found_input[slot] = f->input + 1;
        ph->not_found_file[slot] = f;
    } else if ((k == SBD_NAME_CTL_FILE || k == SBD_NAME_ITL_FILE) &&
               ph->not_found_input[slot] == f->input + 1 &&
               ph->fallback_done_input[slot] != f->input + 1) {
        ph->fallback_done_input[slot] = f->input + 1;
        finding *x = new_finding(p, SBD_RULE_TRUST_FILE_FALLBACK, f->input, f->ts_usec,
                                 ph->not_found_file[slot]->first_pkt, f->phone, f->name);
        if (x) {
            x->file = f;
            add_packet(x, f->first_pkt);
            set_related(x, ph->not_found_file[slot], "not_found_request");
            set_message(x, "%s: %s not found, then %s requested (%s)", f->phone,
                        ph->not_found_file[slot]->name, f->name, obs_xfer_name(f->xfer));
        }
    }
}

static void on_file(pass *p, obs_file *f)
{
    if (f->upload)
        return;
    phone *ph = phone_of(p, f->phone);
    on_transfer(p, ph, f);
    blob *b = f->parsed ? blob_of(p->r, f) : NULL;
    if (!b)
        return;
    if (b->f.kind == SBD_KIND_TRUST_LIST)
        on_trust_list(p, ph, f, b);
    else
        on_signed(p, ph, f, b);
}

/* ---- TLS ---- */

/* Trust lists of "the cluster" a TLS session belongs to: those delivered to that client, else
 * those served by that server's address, else those of the same input, else all of the run. */
/* Appends l to out (n entries) unless filtered out or its content is already there. */
static size_t add_listed(const listed *l, bool itl_only, tl_ref *out, size_t n)
{
    if (itl_only && (l->is_ctl || l->rollback))
        return n;
    for (size_t k = 0; k < n; k++)
        if (out[k].b == l->ref.b)
            return n;
    out[n] = l->ref;
    return n + 1;
}

static size_t cluster_lists(pass *p, const obs_tls *t, bool itl_only, tl_ref *out, size_t max)
{
    char label[64];
    tls_client_label(p, t, label, sizeof label);
    size_t n = 0;
    /* Scope 0 through the phone's own index: scanning every list delivered for every session
     * made this pass quadratic in the capture's length. */
    const phone *ph = map_get(&p->phones, label);
    for (size_t i = 0; ph && i < ph->n_lists && n < max; i++)
        n = add_listed(&p->lists[ph->lists[i]], itl_only, out, n);
    for (int scope = 1; scope < 4 && n == 0; scope++)
        for (size_t i = 0; i < p->n_lists && n < max; i++) {
            const listed *l = &p->lists[i];
            bool in_scope = scope == 1   ? cap_addr_equal(&l->ref.f->server, &t->server)
                            : scope == 2 ? l->ref.f->input == t->input
                                         : true;
            if (in_scope)
                n = add_listed(l, itl_only, out, n);
        }
    return n;
}

/* sbd_audit_cert_in_list, once per (certificate, list content): it digests every record. */
static bool cert_in_list(pass *p, const obs_cert *leaf, const blob *tl, const sbd_cert_id *id)
{
    char key[140];
    hex32(leaf->info.sha256, key);
    key[64] = '|';
    hex32(tl->sha256, key + 65);
    uintptr_t v = (uintptr_t)map_get(&p->in_list, key);
    if (v)
        return v == 2;
    bool in = sbd_audit_cert_in_list(&tl->f, id);
    map_put(&p->in_list, key, (void *)(uintptr_t)(in ? 2 : 1));
    return in;
}

static void tvs_check(pass *p, obs_tls *t, const obs_cert *leaf, const char *client)
{
    tl_ref lists[64];
    size_t n = cluster_lists(p, t, true, lists, 64);
    if (!n)
        return; /* no ITL seen for this cluster: nothing to compare with */
    sbd_cert_id id = sbd_cert_id_of(&leaf->info);
    const tl_ref *hit = NULL;
    sbd_tvs_match why = SBD_TVS_NOT_IN_LIST;
    for (size_t i = 0; i < n && !hit; i++) {
        const sbd_record *rec = NULL;
        sbd_tvs_match m = sbd_audit_tvs_cert(&lists[i].b->f, &id, &rec);
        if (m == SBD_TVS_MATCH)
            hit = &lists[i];
        else if (m == SBD_TVS_HASH_MISMATCH)
            why = m;
    }
    char key[200], lbl[700], srv[80];
    hex32(leaf->info.sha256, key);
    run_endpoint(&t->server, t->sport, srv, sizeof srv);
    snprintf(key + 64, sizeof key - 64, "@%s", srv);
    finding *x = new_finding(p, hit ? SBD_RULE_TVS_CERT_MATCH : SBD_RULE_TVS_CERT_NOT_IN_ITL,
                             t->input, t->ts_usec, t->pkt, client, key);
    if (!x)
        return;
    x->tls = t;
    x->cert = leaf;
    const tl_ref *ref = hit ? hit : &lists[n - 1];
    set_related(x, ref->f, "trust_list");
    cert_label(&leaf->info, lbl, sizeof lbl);
    if (hit)
        set_message(x, "TVS %s served %s, the TVS record of %s", srv, lbl, hit->f->name);
    else
        set_message(x, "TVS %s served %s: %s the %zu ITL(s) delivered to this cluster (last %s)",
                    srv, lbl,
                    why == SBD_TVS_HASH_MISMATCH ? "issuer+serial found but the hash differs in"
                                                 : "no TVS record matches it in",
                    n, ref->f->name);
}

static void https_check(pass *p, obs_tls *t, const obs_cert *leaf, const char *client)
{
    tl_ref lists[64];
    size_t n = cluster_lists(p, t, false, lists, 64);
    if (!n)
        return;
    sbd_cert_id id = sbd_cert_id_of(&leaf->info);
    for (size_t i = 0; i < n; i++)
        if (cert_in_list(p, leaf, lists[i].b, &id))
            return;
    char key[200], lbl[700], srv[80];
    hex32(leaf->info.sha256, key);
    run_endpoint(&t->server, t->sport, srv, sizeof srv);
    snprintf(key + 64, sizeof key - 64, "@%s", srv);
    finding *x = new_finding(p, SBD_RULE_HTTPS_CERT_NOT_IN_TRUST_LIST, t->input, t->ts_usec, t->pkt,
                             client, key);
    if (!x)
        return;
    x->tls = t;
    x->cert = leaf;
    set_related(x, lists[n - 1].f, "trust_list");
    set_message(x, "%s served %s, which is in none of the %zu CTL/ITL(s) seen: phones ask TVS", srv,
                cert_label(&leaf->info, lbl, sizeof lbl), n);
}

static void on_tls(pass *p, obs_tls *t)
{
    char client[64], srv[80];
    tls_client_label(p, t, client, sizeof client);
    run_endpoint(&t->server, t->sport, srv, sizeof srv);
    if (t->kind == OBS_TLS_HIDDEN) {
        finding *x =
            new_finding(p, SBD_RULE_TLS_CERT_HIDDEN, t->input, t->ts_usec, t->pkt, client, srv);
        if (x) {
            x->tls = t;
            set_message(x, "TLS 1.3 session %s -> %s: the server certificate is encrypted", client,
                        srv);
        }
        return;
    }
    if (t->kind != OBS_TLS_CERTS)
        return;
    for (size_t i = 0; i < t->n_certs; i++)
        if (t->certs[i].info_ok) {
            char where[120];
            snprintf(where, sizeof where, "served by %s", srv);
            check_expiry(p, &t->certs[i].info, t->input, t->ts_usec, t->pkt, client, where, NULL, t,
                         &t->certs[i]);
        }
    if (!t->n_certs || !t->certs[0].info_ok)
        return;
    if (t->sport == 2445)
        tvs_check(p, t, &t->certs[0], client);
    else if (t->sport == 8443 || t->sport == 443)
        https_check(p, t, &t->certs[0], client);
}

/* ---- per input ---- */

static void capture_truncated(pass *p, obs_input *in)
{
    if (in->open_failed ||
        (in->end_status != CAP_INPUT_TRUNCATED && in->end_status != CAP_INPUT_CORRUPT))
        return;
    finding *x = new_finding(p, SBD_RULE_CAPTURE_TRUNCATED, in->index, in->last_ts,
                             in->last_good + 1, NULL, "");
    if (x)
        set_message(x, "%s: %s after frame %llu: %s", in->path,
                    cap_input_status_name(in->end_status), (unsigned long long)in->last_good,
                    in->end_msg ? in->end_msg : "");
}

int rules_run(run *r)
{
    pass p;
    memset(&p, 0, sizeof p);
    p.r = r;
    int rc = 0;
    if (!r->keys)
        r->keys = sbd_key_cache_new(); /* NULL: keys are decoded per verification */
    if (!r->certs)
        r->certs = obs_certs_new(); /* after merge; NULL: record certificates are not shown */
    for (size_t i = 0; i < r->n_inputs; i++)
        if (store_move(&r->content, &r->inputs[i].content) != 0)
            rc = -1;
    analyse_contents(r);
    learn_macs(&p);
    for (size_t i = 0; i < r->n_inputs; i++)
        for (size_t k = 0; k < r->inputs[i].n_files; k++) {
            phone_label(&p, &r->inputs[i].files[k]);
            prepare_file(&p, &r->inputs[i].files[k]);
        }
    predict_verdicts(&p);
    if (build_events(&p) != 0)
        rc = -1;
    for (size_t i = 0; i < p.n_ev; i++) {
        if (p.ev[i].f)
            on_file(&p, p.ev[i].f);
        else
            on_tls(&p, p.ev[i].t);
    }
    for (size_t i = 0; i < r->n_inputs; i++)
        capture_truncated(&p, &r->inputs[i]);
    for (size_t i = 0; i < r->n_findings; i++) {
        r->by_severity[sbd_rule_severity(r->findings[i].rule)]++;
        r->by_rule[r->findings[i].rule]++;
    }
    for (size_t i = 0; i < p.phones.nb; i++)
        for (strmap_ent *e = p.phones.b[i]; e; e = e->next)
            free(((phone *)e->val)->lists);
    map_free(&p.phones, true);
    map_free(&p.in_list, false);
    map_free(&p.ip_mac, false);
    map_free(&p.dedupe, false);
    map_free(&p.verdicts, true);
    free(p.lists);
    free(p.ev);
    return rc;
}

void run_free(run *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        free(r->findings[i].message);
    }
    free(r->findings);
    for (size_t i = 0; i < r->n_inputs; i++)
        obs_input_free(&r->inputs[i]);
    free(r->inputs);
    store_free(&r->content);
    obs_certs_free(r->certs);
    sbd_key_cache_free(r->keys);
    memset(r, 0, sizeof *r);
}

static int cmp_finding(const void *a, const void *b)
{
    const finding *x = *(finding *const *)a, *y = *(finding *const *)b;
    if (x->ts_usec != y->ts_usec)
        return x->ts_usec < y->ts_usec ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

size_t run_findings_of(const run *r, size_t input, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings && n < max; i++)
        if (r->findings[i].input == input)
            out[n++] = i;
    /* Sort by time then creation, through a pointer array. */
    const finding **tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return n;
    for (size_t i = 0; i < n; i++)
        tmp[i] = &r->findings[out[i]];
    qsort(tmp, n, sizeof *tmp, cmp_finding);
    for (size_t i = 0; i < n; i++)
        out[i] = (size_t)(tmp[i] - r->findings);
    free(tmp);
    return n;
}

static int cmp_file(const void *a, const void *b)
{
    const obs_file *x = *(const obs_file *const *)a, *y = *(const obs_file *const *)b;
    if (x->first_pkt != y->first_pkt)
        return x->first_pkt < y->first_pkt ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

const obs_file **run_sorted_files(const obs_input *in)
{
    const obs_file **a = malloc((in->n_files ? in->n_files : 1) * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < in->n_files; i++)
        a[i] = &in->files[i];
    qsort(a, in->n_files, sizeof *a, cmp_file);
    return a;
}
