/* The trust engine (sbd/trust.h): per phone, the CTL and ITL it holds, and a decision for every
 * event. docs/trust-rules.md is the prose of this file; keep them together. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbd/names.h"
#include "sbd/smap.h"
#include "sbd/trust.h"

/* ---- contents: each distinct list or signed file analysed once ---- */

typedef struct content {
    const sbd_file *f;
    uint8_t sha256[32];
    bool is_list, is_ctl, rollback, too_large;
    sbd_sig_status self; /* lists: their own signature */
    char self_detail[SBD_VERIFY_DETAIL_MAX];
    sbd_cert_info *certs; /* lists: decoded record certificates (NULL entries: none) */
    bool *cert_ok;
} content;

/* What a phone holds of one kind (CTL or ITL). */
typedef struct holding {
    content *c;
    sbd_trust_list_ref ref;
} holding;

/* A signed file that arrived while the phone was asking the TVS about a new ITL: the phone
 * settles the ITL first (it asks the TVS as soon as it reads the list), so the file is judged
 * against whatever the phone holds then. */
typedef struct deferred {
    sbd_trust_at at;
    char *name;
    struct content *c;
} deferred;

#define MAX_DEFERRED 8

/* Allocated while in use: a phone waits on the TVS for moments, and a run holds every phone. */
typedef struct pending {
    bool set;
    deferred *later; /* MAX_DEFERRED of them, or NULL */
    size_t n_later;
    content *c;
    sbd_trust_list_ref ref;
    char *phone_key; /* the phone, for the "any client" fallback list */
    bool has_fallback;
    sbd_cert_info *fallback_cert; /* first TVS certificate served to another client after it */
    sbd_trust_at fallback_at;
} pending;

typedef struct phone {
    char *label;
    char *client; /* the address it was last seen from (its binding is forgotten with it) */
    holding itl, ctl;
    pending *pend; /* NULL unless the phone waits on the TVS (most phones, most of the run) */
    size_t not_found_input[2]; /* input + 1 of the last per-MAC CTL/ITL "not found" */
    sbd_trust_at not_found_at[2];
    size_t fallback_done_input[2];
    /* The CTL/ITL pair last checked for CTL_NOT_UPDATED (one content per SHA-256: the pointers
     * name the bytes), or NULL. */
    const content *compared[2];
    struct phone *next_waiting; /* phones whose pending list has no fallback TVS yet */
} phone;

typedef struct verdict {
    sbd_sig_status st;
    char detail[SBD_VERIFY_DETAIL_MAX];
    size_t signer;
} verdict;

/* A decision that depends on contents alone, made once per pair of contents (a cluster-wide
 * reset asks the same question of thousands of phones). */
typedef struct pair_answer {
    int answer;    /* continuity: 1 signed by a record allowed to sign; server: sbd_tvs_match */
    size_t record; /* the record that answered, or SBD_TRUST_NO_RECORD */
} pair_answer;

struct sbd_trust {
    sbd_trust_opts o;
    sbd_trust_sink sink;
    void *ctx;
    sbd_smap contents; /* sha256 (32 bytes) -> content */
    sbd_smap phones;   /* label -> phone */
    sbd_smap macs;     /* client -> MAC */
    /* Keyed by bytes: contents by address (one per SHA-256, kept until the end), certificates by
     * SHA-256. Hex text keys cost more to make and hash than the question they cache. */
    sbd_smap verdicts; /* (signed, list) -> verdict */
    sbd_smap chains;   /* (held, new) -> pair_answer: continuity of trust lists */
    sbd_smap matches;  /* (list, leaf SHA-256, roles) -> pair_answer: a server cert in a list */
    sbd_smap served;   /* server or "#input" or "*" -> holding[2] last accepted there */
    phone *waiting;
};

const char *sbd_trust_outcome_word(sbd_trust_outcome o)
{
    static const char *const w[] = {
#define SBD_OUTCOME_WORD(id, word, text) word,
        SBD_OUTCOME_MAP(SBD_OUTCOME_WORD)
#undef SBD_OUTCOME_WORD
    };
    return o < SBD_OUT_COUNT ? w[o] : "unknown";
}

const char *sbd_trust_outcome_text(sbd_trust_outcome o)
{
    static const char *const w[] = {
#define SBD_OUTCOME_TEXT(id, word, text) text,
        SBD_OUTCOME_MAP(SBD_OUTCOME_TEXT)
#undef SBD_OUTCOME_TEXT
    };
    return o < SBD_OUT_COUNT ? w[o] : "";
}

static void hex32(const uint8_t *p, char out[65])
{
    sbd_hex_lower(p, 32, out, 65);
}

static void free_content(void *v)
{
    content *c = v;
    if (c) {
        free(c->certs);
        free(c->cert_ok);
    }
    free(c);
}

static void free_ref(sbd_trust_list_ref *r)
{
    free((char *)r->name);
    memset(r, 0, sizeof *r);
}

static void free_phone(void *v)
{
    phone *p = v;
    if (!p)
        return;
    if (p->pend) {
        for (size_t i = 0; i < p->pend->n_later; i++)
            free(p->pend->later[i].name);
        free(p->pend->later);
        free(p->pend->fallback_cert);
        free_ref(&p->pend->ref);
        free(p->pend);
    }
    free(p->label);
    free(p->client);
    free_ref(&p->itl.ref);
    free_ref(&p->ctl.ref);
    free(p);
}

static void free_served(void *v)
{
    holding *h = v;
    if (h) {
        free_ref(&h[0].ref);
        free_ref(&h[1].ref);
    }
    free(h);
}

sbd_trust *sbd_trust_new(const sbd_trust_opts *opts, sbd_trust_sink sink, void *ctx)
{
    sbd_trust *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (opts)
        t->o = *opts;
    t->sink = sink;
    t->ctx = ctx;
    return t;
}

void sbd_trust_free(sbd_trust *t)
{
    if (!t)
        return;
    sbd_smap_free(&t->contents, free_content);
    sbd_smap_free(&t->phones, free_phone);
    sbd_smap_free(&t->macs, free);
    sbd_smap_free(&t->verdicts, free);
    sbd_smap_free(&t->chains, free);
    sbd_smap_free(&t->matches, free);
    sbd_smap_free(&t->served, free_served);
    free(t);
}

/* ---- record facts ---- */

bool sbd_trust_record_is_itl_recovery(const sbd_file *tl, const sbd_record *r)
{
    if (!r->function_elem || r->function != SBD_FN_SAST || !r->subject)
        return false;
    char subject[512];
    sbd_elem_string(tl, r->subject, subject, sizeof subject);
    for (char *p = subject; *p; p++)
        if (strncasecmp(p, "ITLRECOVERY", 11) == 0)
            return true;
    return false;
}

size_t sbd_trust_find_itl_recovery(const sbd_file *tl)
{
    for (size_t i = 0; i < tl->n_records; i++)
        if (sbd_trust_record_is_itl_recovery(tl, &tl->records[i]))
            return i;
    return SBD_TRUST_NO_RECORD;
}

static void decode_record_certs(content *c, const sbd_trust_file_ev *ev)
{
    size_t n = c->f->n_records;
    c->certs = calloc(n ? n : 1, sizeof *c->certs);
    c->cert_ok = calloc(n ? n : 1, sizeof *c->cert_ok);
    if (!c->certs || !c->cert_ok)
        return;
    for (size_t i = 0; i < n; i++) {
        /* The caller's decoding of the same bytes (OpenSSL's parse is most of the cost). */
        const sbd_cert_info *known =
            ev->record_cert ? ev->record_cert(ev->record_cert_ctx, i) : NULL;
        if (known) {
            c->certs[i] = *known;
            c->cert_ok[i] = true;
            continue;
        }
        const sbd_elem *e = c->f->records[i].certificate;
        sbd_error err;
        c->cert_ok[i] = e && sbd_cert_info_from_der(c->f->buf + e->value_off, e->len, &c->certs[i],
                                                    &err) == SBD_OK;
    }
}

static content *content_of(sbd_trust *t, const sbd_trust_file_ev *ev)
{
    const sbd_file *f = ev->file;
    const uint8_t *sha256 = ev->sha256;
    sbd_smap_ent *e = sbd_smap_putb(&t->contents, sha256, 32);
    if (!e)
        return NULL;
    if (e->val)
        return e->val;
    content *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    e->val = c;
    c->f = f;
    memcpy(c->sha256, sha256, 32);
    c->is_list = f->kind == SBD_KIND_TRUST_LIST;
    if (!c->is_list)
        return c;
    c->is_ctl = sbd_file_is_ctl(f);
    c->rollback = sbd_audit_is_rollback(f);
    c->too_large = !c->is_ctl && sbd_audit_itl_too_large(f);
    sbd_verify_result vr;
    memset(&vr, 0, sizeof vr);
    c->self = sbd_verify_trust_list_cached(f, t->o.keys, &vr);
    snprintf(c->self_detail, sizeof c->self_detail, "%s", vr.detail);
    decode_record_certs(c, ev);
    return c;
}

/* ---- phones ---- */

void sbd_trust_bind_client(sbd_trust *t, const char *client, const char *mac)
{
    if (!client || !mac || !mac[0])
        return;
    sbd_smap_ent *e = sbd_smap_put(&t->macs, client);
    if (!e || (e->val && strcmp(e->val, mac) == 0))
        return;
    char *copy = strdup(mac);
    if (!copy)
        return;
    free(e->val);
    e->val = copy;
}

/* The label of a phone at client whose requested name was classified k (mac: the MAC it names):
 * binding and reading the binding are one lookup. */
static const char *label_of(sbd_trust *t, const char *client, sbd_name_kind k, const char *mac)
{
    if (k != SBD_NAME_OTHER && mac[0] && client) {
        sbd_smap_ent *e = sbd_smap_put(&t->macs, client);
        if (e && !(e->val && strcmp(e->val, mac) == 0)) {
            char *copy = strdup(mac);
            if (copy) {
                free(e->val);
                e->val = copy;
            }
        }
        if (e && e->val)
            return e->val;
    }
    const char *mac_of = sbd_smap_get(&t->macs, client);
    return mac_of ? mac_of : client ? client : "";
}

const char *sbd_trust_phone_of(sbd_trust *t, const char *client, const char *name)
{
    char mac[16];
    return label_of(t, client, sbd_audit_classify_name(name, mac), mac);
}

static void note_client(phone *p, const char *client)
{
    if (!client || (p->client && strcmp(p->client, client) == 0))
        return;
    char *copy = strdup(client);
    if (!copy)
        return;
    free(p->client);
    p->client = copy;
}

static phone *phone_get(sbd_trust *t, const char *label)
{
    sbd_smap_ent *e = sbd_smap_put(&t->phones, label);
    if (!e)
        return NULL;
    if (!e->val) {
        phone *p = calloc(1, sizeof *p);
        if (!p || !(p->label = strdup(label))) {
            free(p);
            return NULL;
        }
        e->val = p;
    }
    return e->val;
}

/* ---- findings ---- */

bool sbd_trust_counted_per_capture(sbd_rule rule)
{
    return rule == SBD_RULE_CERT_EXPIRED || rule == SBD_RULE_CERT_EXPIRES_SOON ||
           rule == SBD_RULE_ITL_TOO_LARGE;
}

int sbd_trust_finding_id(sbd_rule rule, size_t input, const char *who, const char *key, char *out,
                         size_t outsz)
{
    if (sbd_trust_counted_per_capture(rule) || !who)
        who = "";
    return snprintf(out, outsz, "%s|%zu|%s|%s", sbd_rule_id(rule), input, who, key ? key : "");
}

/* ---- decisions ---- */

typedef struct dec {
    sbd_trust_decision d;
    bool quiet; /* opts.terse and no report uses its words: reason and key stay "" */
    char reason[1024];
    char key[256];
} dec;

/* What a report reads words from: findings, and the verdict detail of a signed file that is not
 * valid or of a list whose own signature fails. */
static bool has_words(sbd_trust_outcome o, sbd_rule rule)
{
    return rule != SBD_RULE_COUNT || o == SBD_OUT_LIST_INVALID ||
           (o >= SBD_OUT_SIGNED_INVALID && o <= SBD_OUT_SIGNED_NO_LIST);
}

static void dec_init(const sbd_trust *t, dec *x, sbd_trust_outcome o, sbd_rule rule,
                     const phone *ph, const sbd_trust_at *at, const char *file)
{
    x->d = (sbd_trust_decision){0}; /* reason and key: only their first byte (1.3 KB a decision) */
    x->reason[0] = x->key[0] = '\0';
    x->quiet = t->o.terse && !has_words(o, rule);
    x->d.outcome = o;
    x->d.rule = rule;
    x->d.phone = ph ? ph->label : "";
    x->d.at = *at;
    x->d.file = file;
    x->d.record = SBD_TRUST_NO_RECORD;
    /* Only lists whose own signature verifies reach an acceptance decision. */
    x->d.sig = o <= SBD_OUT_LIST_UNDECIDED ? SBD_SIG_VALID : SBD_SIG_NOT_CHECKED;
    x->d.reason = x->reason;
    x->d.key = x->key;
}

static void say_(dec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say_(dec *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->reason, sizeof x->reason, fmt, ap);
    va_end(ap);
}

/* A macro, so a quiet decision does not even make the labels its words would quote. */
#define say(x, ...) ((x)->quiet ? (void)0 : say_((x), __VA_ARGS__))

/* The key of a decision about content with this SHA-256. */
static void key_sha(dec *x, const uint8_t sha256[32])
{
    if (!x->quiet)
        hex32(sha256, x->key);
}

static void emit(sbd_trust *t, dec *x)
{
    if (t->sink)
        t->sink(t->ctx, &x->d);
}

static const char *cert_label(const sbd_cert_info *ci, char *out, size_t outsz)
{
    char serial[SBD_SERIAL_TEXT_MAX];
    snprintf(out, outsz, "%s (serial %s)", ci->subject,
             sbd_hex_serial(ci->serial, ci->serial_len, SBD_SERIAL_SHOWN, serial, sizeof serial));
    return out;
}

static const char *record_label(const content *c, size_t i, char *out, size_t outsz)
{
    if (i >= c->f->n_records) {
        snprintf(out, outsz, "-");
        return out;
    }
    const sbd_record *r = &c->f->records[i];
    char subject[512], serial[SBD_SERIAL_TEXT_MAX] = "";
    sbd_elem_name(c->f, r->subject, subject, sizeof subject); /* CN first, as every name */
    if (r->serial)
        sbd_hex_serial(c->f->buf + r->serial->value_off, r->serial->len, SBD_SERIAL_SHOWN, serial,
                       sizeof serial);
    snprintf(out, outsz, "record %zu %s (serial %s)", i + 1, subject[0] ? subject : "(no subject)",
             serial[0] ? serial : "-");
    return out;
}

static int64_t judge_time(const sbd_trust *t, const sbd_trust_at *at)
{
    return t->o.has_now ? t->o.now : at->ts_usec / 1000000;
}

/* Whether ci expired or expires soon at `at`: asked before the decision's words are made, as
 * nearly every certificate is fine. */
static bool expiring(const sbd_trust *t, const sbd_trust_at *at, const sbd_cert_info *ci)
{
    return sbd_audit_expiry(ci->not_after, judge_time(t, at), t->o.expiry_warn_days) != 0;
}

static void check_expiry(sbd_trust *t, const phone *ph, const sbd_trust_at *at, const char *file,
                         const sbd_cert_info *ci, const char *where, sbd_service svc)
{
    int e = sbd_audit_expiry(ci->not_after, judge_time(t, at), t->o.expiry_warn_days);
    if (e == 0)
        return;
    dec x;
    dec_init(t, &x, e == 2 ? SBD_OUT_CERT_EXPIRED : SBD_OUT_CERT_EXPIRING,
             e == 2 ? SBD_RULE_CERT_EXPIRED : SBD_RULE_CERT_EXPIRES_SOON, ph, at, file);
    x.d.cert = ci;
    x.d.service = svc;
    hex32(ci->sha256, x.key);
    char label[700], iso[32];
    sbd_time_iso(ci->not_after, iso, sizeof iso);
    say(&x, "%s %s %s (%s)", cert_label(ci, label, sizeof label),
        e == 2 ? "expired on" : "expires on", iso, where);
    emit(t, &x);
}

static void set_ref(sbd_trust_list_ref *r, const sbd_trust_file_ev *ev, const content *c)
{
    const char *name = ev->name ? ev->name : "";
    if (!r->name || strcmp(r->name, name) != 0) { /* a phone mostly fetches the same name again */
        free((char *)r->name);
        r->name = strdup(name);
    }
    r->set = true;
    r->at = ev->at;
    r->sha256 = c->sha256;
    r->is_ctl = c->is_ctl;
}

/* ---- where lists were served: the fallback for phones seen only on TLS ---- */

/* "#<input>", the key of a capture's last served lists. */
static const char *input_key(char out[24], size_t input)
{
    char digits[24], *d = digits + sizeof digits;
    *--d = '\0';
    do
        *--d = (char)('0' + input % 10);
    while ((input /= 10) != 0);
    out[0] = '#';
    memcpy(out + 1, d, (size_t)(digits + sizeof digits - d));
    return out;
}

static holding *served_slot(sbd_trust *t, const char *key)
{
    sbd_smap_ent *e = sbd_smap_put(&t->served, key);
    if (e && !e->val)
        e->val = calloc(2, sizeof(holding));
    return e ? e->val : NULL;
}

static void note_served(sbd_trust *t, const sbd_trust_file_ev *ev, content *c)
{
    char ik[24];
    const char *keys[] = {ev->server, input_key(ik, ev->at.input), "*"};
    for (size_t i = 0; i < 3; i++) {
        holding *h = keys[i] ? served_slot(t, keys[i]) : NULL;
        if (!h)
            continue;
        h[c->is_ctl].c = c;
        set_ref(&h[c->is_ctl].ref, ev, c);
    }
}

/* The lists a TLS client is judged with: its own, else those last accepted from that server's
 * address, that capture, or the run (a phone seen only on TLS). */
static void lists_for(sbd_trust *t, const phone *ph, const sbd_trust_tls_ev *ev, holding out[2],
                      bool *assumed)
{
    memset(out, 0, 2 * sizeof *out);
    *assumed = false;
    if (ph && (ph->itl.c || ph->ctl.c)) {
        out[0] = ph->itl;
        out[1] = ph->ctl;
        return;
    }
    char ik[24];
    const char *keys[] = {ev->server, input_key(ik, ev->at.input), "*"};
    for (size_t i = 0; i < 3; i++) {
        const holding *h = keys[i] ? sbd_smap_get(&t->served, keys[i]) : NULL;
        if (h && (h[0].c || h[1].c)) {
            out[0] = h[0];
            out[1] = h[1];
            *assumed = true;
            return;
        }
    }
}

/* ---- trust lists ---- */

static bool may_sign(const content *held, const sbd_record *r, bool for_ctl)
{
    if (!r->function_elem)
        return false;
    if (for_ctl)
        return r->function == SBD_FN_SAST;
    (void)held;
    return r->function == SBD_FN_SAST || r->function == SBD_FN_CCM_TFTP ||
           r->function == SBD_FN_TFTP;
}

/* The cached answer for KEY, or a new zeroed one for the caller to fill (*fresh set); NULL when
 * out of memory. */
static pair_answer *pair_get(sbd_smap *m, const void *key, size_t len, bool *fresh)
{
    sbd_smap_ent *e = sbd_smap_putb(m, key, len);
    *fresh = false;
    if (!e)
        return NULL;
    if (!e->val) {
        pair_answer *a = calloc(1, sizeof *a);
        if (!a)
            return NULL;
        a->record = SBD_TRUST_NO_RECORD;
        e->val = a;
        *fresh = true;
    }
    return e->val;
}

static bool verify_continuity(sbd_trust *t, const content *held, const content *next,
                              size_t *record)
{
    sbd_verify_result vr;
    memset(&vr, 0, sizeof vr);
    if (sbd_verify_with_cached(next->f, held->f, false, t->o.keys, &vr) != SBD_SIG_VALID ||
        !vr.signer)
        return false;
    if (!may_sign(held, vr.signer, next->is_ctl))
        return false;
    *record = vr.signer_index;
    return true;
}

/* Does a record of `held` with a role allowed to sign new lists verify `next`? Both are whole
 * contents, so the answer holds for every phone: verified once per pair. */
static bool signed_by_record_of(sbd_trust *t, const content *held, const content *next,
                                size_t *record)
{
    const content *key[2] = {held, next};
    bool fresh;
    pair_answer *a = pair_get(&t->chains, key, sizeof key, &fresh);
    if (!a)
        return verify_continuity(t, held, next, record);
    if (fresh)
        a->answer = verify_continuity(t, held, next, &a->record);
    if (a->answer)
        *record = a->record;
    return a->answer;
}

static void list_findings(sbd_trust *t, const phone *ph, const sbd_trust_file_ev *ev, content *c)
{
    for (size_t i = 0; c->cert_ok && i < c->f->n_records; i++)
        if (c->cert_ok[i] && expiring(t, &ev->at, &c->certs[i])) {
            char where[400];
            snprintf(where, sizeof where, "record %zu of %s", i + 1, ev->name);
            check_expiry(t, ph, &ev->at, ev->name, &c->certs[i], where, SBD_SVC_NONE);
        }
    if (c->too_large) {
        dec x;
        dec_init(t, &x, SBD_OUT_LIST_TOO_LARGE, SBD_RULE_ITL_TOO_LARGE, ph, &ev->at, ev->name);
        hex32(c->sha256, x.key);
        say(&x, "%s is %zu bytes with %zu records", ev->name, c->f->len, c->f->n_records);
        emit(t, &x);
    }
}

static bool list_invalid(sbd_trust *t, const phone *ph, const sbd_trust_file_ev *ev, content *c)
{
    if (c->self == SBD_SIG_VALID)
        return false;
    sbd_rule rule =
        c->self == SBD_SIG_SIGNER_UNKNOWN ? SBD_RULE_TRUST_LIST_SIGNER_UNKNOWN
        : c->self == SBD_SIG_INVALID || c->self == SBD_SIG_BAD_KEY || c->self == SBD_SIG_NOT_SIGNED
            ? SBD_RULE_TRUST_LIST_SIGNATURE_INVALID
            : SBD_RULE_COUNT;
    dec x;
    dec_init(t, &x, SBD_OUT_LIST_INVALID, rule, ph, &ev->at, ev->name);
    x.d.sig = c->self;
    hex32(c->sha256, x.key);
    say(&x, "%s from %s: %s", ev->name, ph->label,
        c->self_detail[0] ? c->self_detail : sbd_sig_status_name(c->self));
    emit(t, &x);
    return true;
}

static void check_ctl_itl(sbd_trust *t, phone *ph, const sbd_trust_list_ref *now);

/* The phone now holds c. The CTL is compared with the ITL when the phone takes (or reads again)
 * its ITL: it fetches the CTL first, so an updated CTL and the old ITL meet for a moment in every
 * correct update, and only the ITL that follows settles the pair. */
static void hold(sbd_trust *t, phone *ph, holding *h, const sbd_trust_file_ev *ev, content *c)
{
    h->c = c;
    set_ref(&h->ref, ev, c);
    if (h == &ph->itl)
        check_ctl_itl(t, ph, &h->ref);
}

static void accept_ctl(sbd_trust *t, phone *ph, const sbd_trust_file_ev *ev, content *c)
{
    dec x;
    size_t rec = SBD_TRUST_NO_RECORD;
    if (!ph->ctl.c) {
        dec_init(t, &x, SBD_OUT_LIST_FIRST, SBD_RULE_COUNT, ph, &ev->at, ev->name);
        say(&x, "%s takes %s as its CTL", ph->label, ev->name);
    } else if (memcmp(ph->ctl.c->sha256, c->sha256, 32) == 0) {
        dec_init(t, &x, SBD_OUT_LIST_SAME, SBD_RULE_COUNT, ph, &ev->at, ev->name);
        say(&x, "%s already holds this CTL", ph->label);
    } else if (signed_by_record_of(t, ph->ctl.c, c, &rec)) {
        dec_init(t, &x, SBD_OUT_LIST_DIRECT, SBD_RULE_COUNT, ph, &ev->at, ev->name);
        x.d.held = ph->ctl.ref;
        x.d.record = rec;
        char lbl[700];
        say(&x, "%s accepts %s: signed by %s of the CTL it holds", ph->label, ev->name,
            record_label(ph->ctl.c, rec, lbl, sizeof lbl));
    } else {
        dec_init(t, &x, SBD_OUT_LIST_REFUSED, SBD_RULE_CTL_CHAIN_BROKEN, ph, &ev->at, ev->name);
        x.d.held = ph->ctl.ref;
        char ha[65], hb[65];
        hex32(ph->ctl.c->sha256, ha);
        hex32(c->sha256, hb);
        snprintf(x.key, sizeof x.key, "%s>%s", ha, hb);
        say(&x,
            "%s refuses %s: its signer is no SAST record of the CTL it holds (%s, packet %llu); "
            "it keeps that CTL",
            ph->label, ev->name, ph->ctl.ref.name, (unsigned long long)ph->ctl.ref.at.packet);
        emit(t, &x);
        return;
    }
    emit(t, &x);
    hold(t, ph, &ph->ctl, ev, c);
    note_served(t, ev, c);
}

static void recovery_note(sbd_trust *t, phone *ph, const sbd_trust_file_ev *ev, content *c,
                          const holding *by, size_t rec)
{
    if (!sbd_trust_record_is_itl_recovery(by->c->f, &by->c->f->records[rec]))
        return;
    dec x;
    dec_init(t, &x, SBD_OUT_RECOVERY_SIGNED, SBD_RULE_ITL_RECOVERY_SIGNED, ph, &ev->at, ev->name);
    x.d.held = by->ref;
    x.d.record = rec;
    hex32(c->sha256, x.key);
    char lbl[700];
    say(&x, "%s is signed by the ITLRecovery %s of %s; %s accepts it", ev->name,
        record_label(by->c, rec, lbl, sizeof lbl), by->ref.name, ph->label);
    emit(t, &x);
}

static void settle_pending(sbd_trust *t, phone *ph, const sbd_cert_info *tvs,
                           const sbd_trust_at *tvs_at);
static void judge_signed(sbd_trust *t, phone *ph, const sbd_trust_at *at, const char *name,
                         content *c);

static void run_deferred(sbd_trust *t, phone *ph)
{
    pending *p = ph->pend;
    size_t n = p->n_later;
    p->n_later = 0;
    for (size_t i = 0; i < n; i++) {
        judge_signed(t, ph, &p->later[i].at, p->later[i].name, p->later[i].c);
        free(p->later[i].name);
    }
    free(p->later);
    p->later = NULL;
}

/* again: the phone fetched the list it is already asking the TVS about. */
static void start_pending(sbd_trust *t, phone *ph, const sbd_trust_file_ev *ev, content *c,
                          bool again)
{
    if (!again && (ph->pend = calloc(1, sizeof *ph->pend)) != NULL) { /* else not followed */
        ph->pend->set = true;
        ph->pend->c = c;
        set_ref(&ph->pend->ref, ev, c);
        ph->next_waiting = t->waiting;
        t->waiting = ph;
    }
    dec x;
    dec_init(t, &x, SBD_OUT_LIST_PENDING, SBD_RULE_COUNT, ph, &ev->at, ev->name);
    x.d.held = ph->itl.ref;
    say(&x, "%s got %s, whose signer is no record of the ITL it holds (%s): it asks the TVS",
        ph->label, ev->name, ph->itl.ref.name);
    emit(t, &x);
}

static void accept_itl(sbd_trust *t, phone *ph, const sbd_trust_file_ev *ev, content *c)
{
    if (c->rollback) {
        dec x;
        dec_init(t, &x, SBD_OUT_ROLLBACK_SERVED, SBD_RULE_ITL_ROLLBACK, ph, &ev->at, ev->name);
        hex32(c->sha256, x.key);
        say(&x, "%s served to %s is a rollback ITL (%zu records, none CCM+TFTP, TFTP or TVS)",
            ev->name, ph->label, c->f->n_records);
        emit(t, &x);
    }
    bool again = ph->pend && memcmp(ph->pend->c->sha256, c->sha256, 32) == 0;
    if (ph->pend && !again)
        settle_pending(t, ph, NULL, NULL); /* superseded before a TVS session of its own */
    dec x;
    size_t rec = SBD_TRUST_NO_RECORD;
    const holding *by = NULL;
    if (!ph->itl.c) {
        dec_init(t, &x, SBD_OUT_LIST_FIRST, SBD_RULE_COUNT, ph, &ev->at, ev->name);
        say(&x, "%s takes %s as its ITL", ph->label, ev->name);
    } else if (memcmp(ph->itl.c->sha256, c->sha256, 32) == 0) {
        dec_init(t, &x, SBD_OUT_LIST_SAME, SBD_RULE_COUNT, ph, &ev->at, ev->name);
        say(&x, "%s already holds this ITL", ph->label);
    } else if ((signed_by_record_of(t, ph->itl.c, c, &rec) && (by = &ph->itl)) ||
               (ph->ctl.c && signed_by_record_of(t, ph->ctl.c, c, &rec) && (by = &ph->ctl))) {
        dec_init(t, &x, SBD_OUT_LIST_DIRECT, SBD_RULE_COUNT, ph, &ev->at, ev->name);
        x.d.held = by->ref;
        x.d.record = rec;
        char lbl[700];
        say(&x, "%s accepts %s: signed by %s of %s", ph->label, ev->name,
            record_label(by->c, rec, lbl, sizeof lbl), by->ref.name);
    } else {
        start_pending(t, ph, ev, c, again);
        return;
    }
    emit(t, &x);
    if (by)
        recovery_note(t, ph, ev, c, by, rec);
    hold(t, ph, &ph->itl, ev, c);
    note_served(t, ev, c);
}

static void on_list(sbd_trust *t, phone *ph, const sbd_trust_file_ev *ev, content *c)
{
    list_findings(t, ph, ev, c);
    if (list_invalid(t, ph, ev, c))
        return; /* the phone rejects it: it changes nothing the phone holds */
    if (c->is_ctl)
        accept_ctl(t, ph, ev, c);
    else
        accept_itl(t, ph, ev, c);
}

/* ---- CTL against ITL: CallManager.pem regenerated, CTL not updated ---- */

/* The CN of a subject, read by the project's one name parser (sbd/names.h): any DN style. */
static void cn_of(const char *subject, char *out, size_t outsz)
{
    static const char cn_oid[] = "2.5.4.3";
    sbd_dn *dn = malloc(sizeof *dn); /* ~5 KB: not on the stack */
    out[0] = '\0';
    if (dn && sbd_dn_parse(subject, strlen(subject), dn))
        for (size_t i = 0; i < dn->n; i++) {
            const sbd_dn_ava *a = &dn->ava[i];
            if (a->key_len == sizeof cn_oid - 1 &&
                memcmp(dn->text + a->key_off, cn_oid, sizeof cn_oid - 1) == 0) {
                snprintf(out, outsz, "%.*s", (int)a->val_len, dn->text + a->val_off);
                break;
            }
        }
    free(dn);
}

/* A node as a record names it: its DNS name and the CN of its certificate (or SUBJECTNAME). */
typedef struct node_id {
    char dns[256], cn[256];
    const char *key_type; /* "" when the certificate is not decoded */
} node_id;

static void node_of(const content *c, size_t i, node_id *n)
{
    const sbd_record *r = &c->f->records[i];
    char subject[512] = "";
    n->dns[0] = '\0';
    if (r->dns_name)
        sbd_elem_string(c->f, r->dns_name, n->dns, sizeof n->dns);
    bool ok = c->cert_ok && c->cert_ok[i];
    if (ok)
        snprintf(subject, sizeof subject, "%s", c->certs[i].subject);
    else if (r->subject)
        sbd_elem_string(c->f, r->subject, subject, sizeof subject);
    cn_of(subject, n->cn, sizeof n->cn);
    n->key_type = ok ? c->certs[i].key_type : "";
}

/* Same node and same kind of key (an RSA CallManager and its ECDSA sibling are two records). */
static bool same_node(const node_id *a, const node_id *b)
{
    if (a->key_type[0] && b->key_type[0] && strcmp(a->key_type, b->key_type) != 0)
        return false;
    return (a->dns[0] && strcasecmp(a->dns, b->dns) == 0) ||
           (a->cn[0] && strcasecmp(a->cn, b->cn) == 0);
}

/* 1 same certificate, 0 different, -1 cannot tell (neither certificate nor serial). */
static int same_cert(const content *a, size_t i, const content *b, size_t j)
{
    if (a->cert_ok && a->cert_ok[i] && b->cert_ok && b->cert_ok[j])
        return memcmp(a->certs[i].sha256, b->certs[j].sha256, 32) == 0;
    const sbd_elem *sa = a->f->records[i].serial, *sb = b->f->records[j].serial;
    if (!sa || !sb)
        return -1;
    return sa->len == sb->len &&
           memcmp(a->f->buf + sa->value_off, b->f->buf + sb->value_off, sa->len) == 0;
}

static bool is_ccm_tftp(const sbd_record *r)
{
    return r->function_elem && r->function == SBD_FN_CCM_TFTP;
}

static void report_stale(sbd_trust *t, const phone *ph, const sbd_trust_list_ref *now, size_t i,
                         size_t j, const node_id *n)
{
    const content *ctl = ph->ctl.c, *itl = ph->itl.c;
    dec x;
    dec_init(t, &x, SBD_OUT_CTL_STALE, SBD_RULE_CTL_NOT_UPDATED, ph, &now->at, now->name);
    x.d.held = ph->ctl.ref;
    x.d.record = i;
    x.d.cert = itl->cert_ok && itl->cert_ok[j] ? &itl->certs[j] : NULL;
    char hc[65], hi[65], lc[700], li[700];
    hex32(ctl->sha256, hc);
    hex32(itl->sha256, hi);
    snprintf(x.key, sizeof x.key, "%s>%s#%zu", hc, hi, i);
    say(&x,
        "%s holds CTL %s (packet %llu) and ITL %s (packet %llu) with different CCM+TFTP "
        "certificates for node %s: CTL %s, ITL %s; CallManager.pem changed and the CTL was not "
        "updated (utils ctl update CTLFile)",
        ph->label, ph->ctl.ref.name, (unsigned long long)ph->ctl.ref.at.packet, ph->itl.ref.name,
        (unsigned long long)ph->itl.ref.at.packet, n->dns[0] ? n->dns : n->cn,
        record_label(ctl, i, lc, sizeof lc), record_label(itl, j, li, sizeof li));
    emit(t, &x);
}

/* For each CCM+TFTP record of the held CTL, the ITL's CCM+TFTP records of the same node: when the
 * ITL has some and none is the CTL's certificate, the CTL is stale. Each pair is compared once. */
static void check_ctl_itl(sbd_trust *t, phone *ph, const sbd_trust_list_ref *now)
{
    const content *ctl = ph->ctl.c, *itl = ph->itl.c;
    if (!ctl || !itl)
        return;
    if (ph->compared[0] == ctl && ph->compared[1] == itl)
        return;
    ph->compared[0] = ctl;
    ph->compared[1] = itl;
    for (size_t i = 0; i < ctl->f->n_records; i++) {
        if (!is_ccm_tftp(&ctl->f->records[i]))
            continue;
        node_id a, b;
        node_of(ctl, i, &a);
        size_t differs = SBD_TRUST_NO_RECORD;
        bool matched = false;
        for (size_t j = 0; j < itl->f->n_records && !matched; j++) {
            if (!is_ccm_tftp(&itl->f->records[j]))
                continue;
            node_of(itl, j, &b);
            if (!same_node(&a, &b))
                continue;
            int same = same_cert(ctl, i, itl, j);
            matched = same != 0; /* "cannot tell" is no evidence of a stale CTL */
            if (same == 0 && differs == SBD_TRUST_NO_RECORD)
                differs = j;
        }
        if (!matched && differs != SBD_TRUST_NO_RECORD)
            report_stale(t, ph, now, i, differs, &a);
    }
}

/* ---- pending ITLs: the TVS decides ---- */

static void drop_fallback(pending *p)
{
    free(p->fallback_cert);
    p->fallback_cert = NULL;
    p->has_fallback = false;
}

static sbd_tvs_match match_uncached(const content *c, const sbd_cert_info *leaf, uint32_t roles,
                                    size_t *rec)
{
    sbd_cert_id id = sbd_cert_id_of(leaf);
    const sbd_record *r = NULL;
    sbd_tvs_match m;
    if (roles == SBD_ROLES_ANY) /* any record at all, also one found by hash alone */
        m = sbd_audit_cert_in_list(c->f, &id) ? SBD_TVS_MATCH : SBD_TVS_NOT_IN_LIST;
    else
        m = sbd_audit_cert_role(c->f, &id, roles, &r);
    *rec = r ? (size_t)(r - c->f->records) : SBD_TRUST_NO_RECORD;
    return m;
}

/* Is the server certificate LEAF in list C with one of ROLES? A function of the two contents and
 * the roles: every phone of a cluster asks it of the same TVS certificate, so it is answered once
 * per (list, certificate, roles). */
static sbd_tvs_match cert_in_list(sbd_trust *t, const content *c, const sbd_cert_info *leaf,
                                  uint32_t roles, size_t *rec)
{
    unsigned char key[sizeof c + 32 + sizeof roles];
    memcpy(key, &c, sizeof c);
    memcpy(key + sizeof c, leaf->sha256, 32);
    memcpy(key + sizeof c + 32, &roles, sizeof roles);
    bool fresh;
    pair_answer *a = pair_get(&t->matches, key, sizeof key, &fresh);
    if (!a)
        return match_uncached(c, leaf, roles, rec);
    if (fresh)
        a->answer = (int)match_uncached(c, leaf, roles, &a->record);
    *rec = a->record;
    return (sbd_tvs_match)a->answer;
}

static void unlink_waiting(sbd_trust *t, phone *ph)
{
    for (phone **pp = &t->waiting; *pp; pp = &(*pp)->next_waiting)
        if (*pp == ph) {
            *pp = ph->next_waiting;
            break;
        }
    ph->next_waiting = NULL;
}

static const char *recovery_advice(const content *held, char *out, size_t outsz)
{
    size_t r = held ? sbd_trust_find_itl_recovery(held->f) : SBD_TRUST_NO_RECORD;
    if (r == SBD_TRUST_NO_RECORD)
        snprintf(out, outsz,
                 "the held ITL lists no ITLRecovery certificate: delete the ITL on "
                 "each phone by hand");
    else {
        char lbl[700];
        snprintf(out, outsz,
                 "the held ITL lists ITLRecovery (%s): utils itl reset recovers the "
                 "phones remotely",
                 record_label(held, r, lbl, sizeof lbl));
    }
    return out;
}

/* The pending list is decided: the files it held back are judged, and its state goes. */
static void end_pending(sbd_trust *t, phone *ph)
{
    pending *p = ph->pend;
    free_ref(&p->ref);
    p->set = false;
    drop_fallback(p);
    run_deferred(t, ph);
    ph->pend = NULL;
    free(p);
}

/* tvs NULL: no TVS session of the phone itself; the fallback (another client's) or nothing. */
static void settle_pending(sbd_trust *t, phone *ph, const sbd_cert_info *tvs,
                           const sbd_trust_at *tvs_at)
{
    pending *p = ph->pend;
    if (!p)
        return;
    unlink_waiting(t, ph);
    if (!tvs && p->has_fallback) {
        tvs = p->fallback_cert;
        tvs_at = &p->fallback_at;
    }
    dec x;
    if (!tvs) {
        dec_init(t, &x, SBD_OUT_LIST_UNDECIDED, SBD_RULE_COUNT, ph, &p->ref.at, p->ref.name);
        x.d.held = ph->itl.ref;
        say(&x, "%s: no TVS session followed %s, so whether the phone took it is not known",
            ph->label, p->ref.name);
        emit(t, &x);
        /* As before the engine existed: without evidence against it, the phone is taken to have
         * moved on (most phones do, through a TVS session the capture missed). */
        hold(t, ph, &ph->itl, &(sbd_trust_file_ev){.at = p->ref.at, .name = p->ref.name}, p->c);
        end_pending(t, ph);
        return;
    }
    size_t rec_i = SBD_TRUST_NO_RECORD;
    bool ok = cert_in_list(t, ph->itl.c, tvs, SBD_ROLE(SBD_FN_TVS), &rec_i) == SBD_TVS_MATCH;
    dec_init(t, &x, ok ? SBD_OUT_LIST_VIA_TVS : SBD_OUT_LIST_REFUSED,
             ok ? SBD_RULE_TRUST_VIA_TVS : SBD_RULE_TRUST_CHAIN_BROKEN, ph, &p->ref.at,
             p->ref.name);
    x.d.held = ph->itl.ref;
    x.d.record = rec_i;
    x.d.has_cause = true;
    x.d.cause = *tvs_at;
    x.d.cert = tvs;
    x.d.service = SBD_SVC_TVS;
    char ha[65], hb[65];
    hex32(ph->itl.c->sha256, ha);
    hex32(p->c->sha256, hb);
    snprintf(x.key, sizeof x.key, "%s>%s", ha, hb);
    char lbl[700], advice[900];
    if (ok)
        say(&x,
            "%s got %s (signer not in the ITL it held, %s of packet %llu); TVS served %s, which "
            "still matches the held ITL's TVS record: accepted through TVS",
            ph->label, p->ref.name, ph->itl.ref.name, (unsigned long long)ph->itl.ref.at.packet,
            cert_label(tvs, lbl, sizeof lbl));
    else
        say(&x,
            "%s got %s (signer not in the ITL it held, %s of packet %llu); TVS served %s, which "
            "is not the held ITL's TVS record: refused, the phone keeps the old ITL; %s",
            ph->label, p->ref.name, ph->itl.ref.name, (unsigned long long)ph->itl.ref.at.packet,
            cert_label(tvs, lbl, sizeof lbl), recovery_advice(ph->itl.c, advice, sizeof advice));
    emit(t, &x);
    if (ok)
        hold(t, ph, &ph->itl, &(sbd_trust_file_ev){.at = p->ref.at, .name = p->ref.name}, p->c);
    end_pending(t, ph);
}

static void offer_fallback(sbd_trust *t, const phone *from, const sbd_cert_info *tvs,
                           const sbd_trust_at *at)
{
    for (phone **pp = &t->waiting; *pp;) {
        phone *w = *pp;
        if (w == from || w->pend->ref.at.ts_usec > at->ts_usec) {
            pp = &w->next_waiting;
            continue;
        }
        if (!w->pend->fallback_cert && !(w->pend->fallback_cert = malloc(sizeof *tvs))) {
            pp = &w->next_waiting; /* out of memory: it stays without a fallback */
            continue;
        }
        w->pend->has_fallback = true;
        *w->pend->fallback_cert = *tvs;
        w->pend->fallback_at = *at;
        *pp = w->next_waiting;
        w->next_waiting = NULL;
    }
}

/* ---- signed files ---- */

static verdict *verify_cached(sbd_trust *t, const content *s, const content *by)
{
    const content *key[2] = {s, by};
    sbd_smap_ent *e = sbd_smap_putb(&t->verdicts, key, sizeof key);
    if (!e)
        return NULL;
    if (e->val)
        return e->val;
    verdict *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    sbd_verify_result vr;
    memset(&vr, 0, sizeof vr);
    v->st = sbd_verify_with_cached(s->f, by->f, true, t->o.keys, &vr);
    v->signer = vr.signer ? vr.signer_index : SBD_TRUST_NO_RECORD;
    snprintf(v->detail, sizeof v->detail, "%s", vr.detail);
    e->val = v;
    return v;
}

static void on_signed(sbd_trust *t, phone *ph, const sbd_trust_file_ev *ev, content *c)
{
    pending *p = ph->pend;
    if (p && !p->later)
        p->later = calloc(MAX_DEFERRED, sizeof *p->later);
    if (p && p->later && p->n_later < MAX_DEFERRED) {
        deferred *d = &p->later[p->n_later];
        d->name = strdup(ev->name ? ev->name : "");
        if (d->name) {
            d->at = ev->at;
            d->c = c;
            p->n_later++;
            return;
        }
    }
    judge_signed(t, ph, &ev->at, ev->name, c);
}

static void judge_signed(sbd_trust *t, phone *ph, const sbd_trust_at *at, const char *name,
                         content *c)
{
    const holding *by = ph->itl.c ? &ph->itl : ph->ctl.c ? &ph->ctl : NULL;
    dec x;
    if (!by) {
        dec_init(t, &x, SBD_OUT_SIGNED_NO_LIST, SBD_RULE_COUNT, ph, at, name);
        say(&x, "no ITL or CTL delivered to this phone before it");
        emit(t, &x);
        return;
    }
    verdict *v = verify_cached(t, c, by->c);
    if (!v)
        return;
    bool rollback = !by->c->is_ctl && by->c->rollback;
    sbd_trust_outcome o = SBD_OUT_SIGNED_NO_LIST;
    sbd_rule rule = SBD_RULE_COUNT;
    if (v->st == SBD_SIG_VALID)
        o = SBD_OUT_SIGNED_VALID;
    else if (v->st == SBD_SIG_INVALID || v->st == SBD_SIG_BAD_KEY) {
        o = SBD_OUT_SIGNED_INVALID;
        rule = SBD_RULE_SGN_SIGNATURE_INVALID;
    } else if (v->st == SBD_SIG_SIGNER_UNKNOWN && rollback)
        o = SBD_OUT_SIGNED_ANY_SIGNER;
    else if (v->st == SBD_SIG_SIGNER_UNKNOWN) {
        o = SBD_OUT_SIGNED_SIGNER_UNKNOWN;
        rule = SBD_RULE_SGN_SIGNER_NOT_IN_ITL;
    }
    dec_init(t, &x, o, rule, ph, at, name);
    x.d.sig = v->st;
    x.d.held = by->ref;
    x.d.record = v->signer;
    key_sha(&x, c->sha256);
    if (o == SBD_OUT_SIGNED_ANY_SIGNER)
        say(&x, "%s for %s: signer not in %s, a rollback ITL, so the phone accepts any signer",
            name, ph->label, by->ref.name);
    else
        say(&x, "%s for %s checked against %s: %s", name, ph->label, by->ref.name,
            v->detail[0] ? v->detail : sbd_sig_status_name(v->st));
    emit(t, &x);
}

/* ---- transfers ---- */

static int slot_of(sbd_name_kind k)
{
    return k == SBD_NAME_CTL_PER_PHONE || k == SBD_NAME_CTL_FILE ? 0 : 1;
}

/* "3-5" reads "missing blocks 3-5"; "last block never seen" reads as it is. */
static const char *missing_lead(const char *m)
{
    return m[0] >= '0' && m[0] <= '9' ? "missing blocks " : "";
}

/* The sentence about a transfer that did not finish, from the facts the front end knows: each
 * one it leaves out drops its words, the rest still reads. */
static void say_unfinished(dec *x, const sbd_trust_file_ev *ev, const char *who)
{
    char over[32] = "", bytes[48] = "", miss[640] = "", at[48] = "";
    const char *m = ev->missing && ev->missing[0] ? ev->missing : NULL;
    if (ev->proto && ev->proto[0])
        snprintf(over, sizeof over, " over %.16s", ev->proto);
    if (ev->cut_by_capture_end) {
        if (ev->last_packet)
            snprintf(at, sizeof at, " at packet %llu", (unsigned long long)ev->last_packet);
        if (ev->has_bytes)
            snprintf(bytes, sizeof bytes, "%llu bytes so far", (unsigned long long)ev->bytes);
        if (m)
            snprintf(miss, sizeof miss, "%s%s%.600s", bytes[0] ? "; " : "", missing_lead(m), m);
        say(x, "%s to %s%s: the capture ends%s while the transfer was still going on%s%s%s%s",
            ev->name, who, over, at, bytes[0] || m ? " (" : "", bytes, miss,
            bytes[0] || m ? ")" : "");
        return;
    }
    if (ev->has_bytes)
        snprintf(bytes, sizeof bytes, " after %llu bytes", (unsigned long long)ev->bytes);
    if (m)
        snprintf(miss, sizeof miss, "; %s%.600s", missing_lead(m), m);
    say(x, "%s to %s%s: %s%s%s", ev->name, who, over,
        ev->failure && ev->failure[0] ? ev->failure : "did not finish", bytes, miss);
}

static void on_transfer(sbd_trust *t, phone *ph, const sbd_trust_file_ev *ev, sbd_name_kind k)
{
    bool matters = sbd_audit_name_is_trust_or_signed(k) || ev->signed_content;
    if (ev->xfer == SBD_XFER_FAILED && matters) {
        /* A capture that stopped mid-transfer says nothing about the phone: a warning only. */
        bool cut = ev->cut_by_capture_end;
        dec x;
        dec_init(t, &x, cut ? SBD_OUT_XFER_CUT : SBD_OUT_XFER_FAILED,
                 cut ? SBD_RULE_TRANSFER_CUT_BY_CAPTURE_END : SBD_RULE_TFTP_TRANSFER_INCOMPLETE, ph,
                 &ev->at, ev->name);
        snprintf(x.key, sizeof x.key, "%llu", (unsigned long long)ev->at.packet);
        say_unfinished(&x, ev, ph->label);
        emit(t, &x);
    }
    int slot = slot_of(k);
    if ((k == SBD_NAME_CTL_PER_PHONE || k == SBD_NAME_ITL_PER_PHONE) &&
        ev->xfer == SBD_XFER_NOT_FOUND) {
        ph->not_found_input[slot] = ev->at.input + 1;
        ph->not_found_at[slot] = ev->at;
    } else if ((k == SBD_NAME_CTL_FILE || k == SBD_NAME_ITL_FILE) &&
               ph->not_found_input[slot] == ev->at.input + 1 &&
               ph->fallback_done_input[slot] != ev->at.input + 1) {
        ph->fallback_done_input[slot] = ev->at.input + 1;
        dec x;
        dec_init(t, &x, SBD_OUT_FALLBACK, SBD_RULE_TRUST_FILE_FALLBACK, ph, &ph->not_found_at[slot],
                 ev->name);
        x.d.has_cause = true;
        x.d.cause = ev->at;
        snprintf(x.key, sizeof x.key, "%s", ev->name);
        say(&x, "%s: %s not found, then %s requested", ph->label, slot ? "ITLSEP" : "CTLSEP",
            ev->name);
        emit(t, &x);
    }
}

void sbd_trust_file(sbd_trust *t, const sbd_trust_file_ev *ev)
{
    char mac[16];
    sbd_name_kind k = sbd_audit_classify_name(ev->name, mac);
    phone *ph = phone_get(t, label_of(t, ev->client, k, mac));
    if (!ph)
        return;
    note_client(ph, ev->client);
    on_transfer(t, ph, ev, k);
    if (ev->xfer != SBD_XFER_COMPLETE || !ev->file || !ev->sha256)
        return;
    content *c = content_of(t, ev);
    if (!c)
        return;
    if (c->is_list)
        on_list(t, ph, ev, c);
    else
        on_signed(t, ph, ev, c);
}

/* ---- TLS servers ---- */

typedef struct server_rule {
    uint32_t roles;
    bool itl_only, need_ctl;
    sbd_rule miss;
    const char *expected;
} server_rule;

static bool server_rule_of(sbd_service s, server_rule *out)
{
    switch (s) {
    case SBD_SVC_TVS:
        *out = (server_rule){SBD_ROLE(SBD_FN_TVS), false, false, SBD_RULE_TVS_CERT_NOT_IN_ITL,
                             "TVS record"};
        return true;
    case SBD_SVC_CAPF:
        *out = (server_rule){SBD_ROLE(SBD_FN_CAPF), false, false,
                             SBD_RULE_CAPF_CERT_NOT_IN_TRUST_LIST, "CAPF record"};
        return true;
    case SBD_SVC_SIP_TLS:
    case SBD_SVC_SCCP_TLS:
        *out = (server_rule){SBD_ROLES_SIGNALING, false, true, SBD_RULE_SIGNALING_CERT_NOT_IN_CTL,
                             "CCM or CCM+TFTP record of the CTL"};
        return true;
    case SBD_SVC_HTTPS_TFTP:
        *out = (server_rule){SBD_ROLES_TFTP, true, false, SBD_RULE_TFTP_HTTPS_CERT_NOT_IN_ITL,
                             "CCM+TFTP or TFTP record of the ITL"};
        return true;
    case SBD_SVC_HTTPS:
        *out = (server_rule){SBD_ROLES_ANY, false, false, SBD_RULE_HTTPS_CERT_NOT_IN_TRUST_LIST,
                             "record of the CTL or ITL"};
        return true;
    default:
        return false;
    }
}

static int match_rank(sbd_tvs_match m)
{
    return m == SBD_TVS_MATCH           ? 3
           : m == SBD_TVS_HASH_MISMATCH ? 2
           : m == SBD_TVS_NOT_IN_LIST   ? 1
                                        : 0;
}

/* Judge the leaf against the held lists for what the service needs; the phone looks in the CTL
 * first, then the ITL. *used: the list that gave the answer (NULL: none has such records). */
static sbd_tvs_match judge_leaf(sbd_trust *t, const holding lists[2], const server_rule *sr,
                                const sbd_cert_info *leaf, const holding **used, size_t *rec)
{
    sbd_tvs_match best = SBD_TVS_NO_TVS_RECORDS;
    *used = NULL;
    *rec = SBD_TRUST_NO_RECORD;
    const holding *order[2] = {&lists[1], &lists[0]};
    for (size_t i = 0; i < 2; i++) {
        const holding *h = order[i];
        if (!h->c || (sr->itl_only && h->c->is_ctl) || (sr->need_ctl && !h->c->is_ctl))
            continue;
        size_t r;
        sbd_tvs_match m = cert_in_list(t, h->c, leaf, sr->roles, &r);
        if (match_rank(m) > match_rank(best)) {
            best = m;
            *used = h;
            *rec = r;
        }
    }
    return best;
}

static void judge_server(sbd_trust *t, phone *ph, const sbd_trust_tls_ev *ev,
                         const sbd_cert_info *leaf, const char *srv)
{
    server_rule sr;
    if (!server_rule_of(ev->service, &sr))
        return;
    holding lists[2];
    bool assumed;
    lists_for(t, ph, ev, lists, &assumed);
    const holding *used = NULL;
    size_t rec = SBD_TRUST_NO_RECORD;
    sbd_tvs_match m = judge_leaf(t, lists, &sr, leaf, &used, &rec);
    dec x;
    char lbl[700], rl[700];
    if (!used) {
        dec_init(t, &x, SBD_OUT_SERVER_NO_LIST, SBD_RULE_COUNT, ph, &ev->at, NULL);
        say(&x, "%s served %s: no list %s holds has a %s", srv, cert_label(leaf, lbl, sizeof lbl),
            ph->label, sr.expected);
    } else {
        bool hit = m == SBD_TVS_MATCH;
        sbd_rule rule =
            hit ? (ev->service == SBD_SVC_TVS ? SBD_RULE_TVS_CERT_MATCH : SBD_RULE_COUNT) : sr.miss;
        dec_init(t, &x,
                 hit                          ? SBD_OUT_SERVER_IN_LIST
                 : m == SBD_TVS_HASH_MISMATCH ? SBD_OUT_SERVER_HASH_DIFFERS
                                              : SBD_OUT_SERVER_NOT_IN_LIST,
                 rule, ph, &ev->at, NULL);
        x.d.held = used->ref;
        x.d.record = rec;
        const char *whose = assumed ? "the list last served here" : "the list the phone holds";
        if (hit)
            say(&x, "%s served %s, the %s of %s (%s%s)", srv, cert_label(leaf, lbl, sizeof lbl),
                sr.expected, used->ref.name, whose,
                assumed ? ": the phone was not seen fetching a list" : "");
        else
            say(&x, "%s served %s: %s %s of %s (%s%s)", srv, cert_label(leaf, lbl, sizeof lbl),
                m == SBD_TVS_HASH_MISMATCH ? "issuer and serial match but the hash differs from the"
                                           : "it is no",
                sr.expected, used->ref.name, whose,
                assumed ? ": the phone was not seen fetching a list" : "");
        if (!hit && ev->service != SBD_SVC_HTTPS) {
            /* Say what the phone would have accepted. */
            size_t used_len = strlen(x.reason);
            const sbd_file *f = used->c->f;
            int n = 0;
            for (size_t i = 0; i < f->n_records && used_len + 1 < sizeof x.reason; i++) {
                const sbd_record *r = &f->records[i];
                if (!r->function_elem || r->function >= 32 || !(sr.roles & SBD_ROLE(r->function)))
                    continue;
                snprintf(x.reason + used_len, sizeof x.reason - used_len, "%s%s",
                         n++ ? ", " : "; expected ", record_label(used->c, i, rl, sizeof rl));
                used_len = strlen(x.reason);
            }
        }
    }
    x.d.cert = leaf;
    x.d.service = ev->service;
    if (!x.quiet) {
        char h[65];
        hex32(leaf->sha256, h);
        snprintf(x.key, sizeof x.key, "%s@%s", h, srv);
    }
    emit(t, &x);
}

/* "server:port" as snprintf into 160 bytes would write it (cut at 159), without its cost per
 * TLS session. */
static void server_port(char out[160], const char *server, unsigned port)
{
    char tail[8], *d = tail + sizeof tail;
    do
        *--d = (char)('0' + port % 10);
    while ((port /= 10) != 0);
    *--d = ':';
    size_t n = strlen(server), m = (size_t)(tail + sizeof tail - d);
    n = n > 159 ? 159 : n;
    m = n + m > 159 ? 159 - n : m;
    memcpy(out, server, n);
    memcpy(out + n, d, m);
    out[n + m] = '\0';
}

void sbd_trust_tls(sbd_trust *t, const sbd_trust_tls_ev *ev)
{
    phone *ph = phone_get(t, sbd_trust_phone_of(t, ev->client, NULL));
    if (!ph || ev->service == SBD_SVC_NONE)
        return;
    note_client(ph, ev->client);
    char srv[160];
    server_port(srv, ev->server ? ev->server : "?", ev->port);
    if (ev->hidden) {
        dec x;
        dec_init(t, &x, SBD_OUT_SERVER_HIDDEN, SBD_RULE_TLS_CERT_HIDDEN, ph, &ev->at, NULL);
        x.d.service = ev->service;
        snprintf(x.key, sizeof x.key, "%s", srv);
        say(&x, "TLS 1.3 session %s -> %s: the server certificate is encrypted", ph->label, srv);
        emit(t, &x);
        return;
    }
    char where[200] = "";
    for (size_t i = 0; i < ev->n_chain; i++)
        if (ev->chain[i] && expiring(t, &ev->at, ev->chain[i])) {
            if (!where[0])
                snprintf(where, sizeof where, "served by %s", srv);
            check_expiry(t, ph, &ev->at, NULL, ev->chain[i], where, ev->service);
        }
    const sbd_cert_info *leaf = ev->n_chain ? ev->chain[0] : NULL;
    if (!leaf)
        return;
    judge_server(t, ph, ev, leaf, srv);
    if (ev->service != SBD_SVC_TVS)
        return;
    if (ph->pend)
        settle_pending(t, ph, leaf, &ev->at);
    offer_fallback(t, ph, leaf, &ev->at);
}

void sbd_trust_forget(sbd_trust *t, const char *label)
{
    phone *ph = sbd_smap_get(&t->phones, label);
    if (!ph)
        return;
    if (ph->pend)
        settle_pending(t, ph, NULL, NULL);
    unlink_waiting(t, ph);
    const char *mac = ph->client ? sbd_smap_get(&t->macs, ph->client) : NULL;
    if (mac && strcmp(mac, label) == 0)
        sbd_smap_remove(&t->macs, ph->client, free);
    sbd_smap_remove(&t->phones, label, free_phone);
}

static int cmp_phone_label(const void *a, const void *b)
{
    return strcmp((*(phone *const *)a)->label, (*(phone *const *)b)->label);
}

void sbd_trust_finish(sbd_trust *t)
{
    /* Settle in a stable order: the phones map's order is random per run. */
    size_t n = 0;
    for (size_t i = 0; i < t->phones.nb; i++)
        for (sbd_smap_ent *e = t->phones.b[i]; e; e = e->next)
            n += ((phone *)e->val)->pend != NULL;
    phone **list = calloc(n ? n : 1, sizeof *list);
    if (!list)
        return;
    size_t k = 0;
    for (size_t i = 0; i < t->phones.nb; i++)
        for (sbd_smap_ent *e = t->phones.b[i]; e; e = e->next)
            if (((phone *)e->val)->pend)
                list[k++] = e->val;
    qsort(list, k, sizeof *list, cmp_phone_label);
    for (size_t i = 0; i < k; i++)
        settle_pending(t, list[i], NULL, NULL);
    free(list);
}

bool sbd_trust_cut_by_capture_end(int64_t capture_end_usec, int64_t last_sent_usec,
                                  uint32_t timeout_sec)
{
    const int64_t min_window_usec = 5 * 1000000LL;
    int64_t window = 2LL * timeout_sec * 1000000LL;
    if (window < min_window_usec)
        window = min_window_usec;
    return capture_end_usec - last_sent_usec < window;
}
