/* pcapscan --live / --follow (live.h). The batch pass binds client addresses to MACs ahead and
 * feeds the engine in packet-time order; here the engine gets each observation when the scan
 * completes it (a transfer ended, a chain seen) and learns bindings as requests come. The
 * observations are kept as in a batch scan, so the report at the end is the batch report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cap/input.h"
#include "model/certs.h"
#include "lib/escape.h"
#include "lib/util.h"
#include "cli/live.h"
#include "model/run.h"
#include "report/report.h"
#include "rules/rules.h"
#include "sbd/smap.h"
#include "sbd/trust.h"
#include "scan/scan.h"

enum { STATUS_EVERY_MS = 500, STATS_EVERY_MS = 1000, EXPIRE_EVERY_MS = 10000 };

/* What the status line counts for one phone, from the engine's decisions. */
typedef struct phone {
    int64_t last_usec; /* packet time of its latest event */
    bool has_itl;
    uint8_t itl[32]; /* the ITL it holds */
    bool refused;    /* its latest trust-list decision was a refusal */
    bool tvs_bad;    /* its latest TVS certificate was not in the list it held */
} phone;

typedef struct phone_counts {
    uint64_t phones, new_itl, refused, tvs_bad;
} phone_counts;

typedef struct live {
    const scan_opts *o;
    run r;
    obs_input *in;
    sbd_trust *engine;
    FILE *out;
    sbd_smap dedupe; /* findings already written: "<phone>\x1f<rule>|<key>" */
    sbd_smap phones; /* phone label -> phone */
    sbd_smap itls;   /* SHA-256 (hex) of every ITL content seen */
    bool has_newest;
    uint8_t newest[32]; /* the ITL content seen first most recently: "the new ITL" */
    phone_counts expired;
    phone *expiring; /* the phone the engine is forgetting: its last decisions count for it */
    uint64_t frames, written, repeats, hidden, oom;
    cap_input *ci;
    cap_input_drops drops; /* as last reported */
    int64_t next_status, next_stats, next_expire;
    bool status_shown;
} live;

static volatile sig_atomic_t g_stop;
static cap_input *volatile g_input;

static void on_signal(int sig)
{
    if (g_stop) { /* a second Ctrl-C: no summary, now */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    g_stop = 1;
    cap_input *in = g_input;
    if (in)
        cap_input_stop(in);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the default filter ---- */

char *live_default_filter(const scan_opts *o)
{
    /* TFTP data flows between two ephemeral ports, so no port names it: UDP whose first payload
     * bytes are a TFTP opcode (RTP starts 0x80) is kept. proto[] does not reach into IPv6, whose
     * UDP is kept whole, nor into later fragments, kept whole too. */
    const char *udp = "udp port 69 or (ip and udp and udp[8:2] >= 1 and udp[8:2] <= 6) or "
                      "(ip and ip[6:2] & 0x3fff != 0) or (ip6 and udp)";
    size_t ports = 1 + o->n_http_ports + o->services.n, tcpsz = 24 * ports;
    char *tcp = malloc(tcpsz);
    if (!tcp)
        return NULL;
    size_t n = (size_t)snprintf(tcp, tcpsz, "tcp port 6970");
    for (size_t i = 0; i < o->n_http_ports; i++)
        n += (size_t)snprintf(tcp + n, tcpsz - n, " or tcp port %u", o->http_ports[i]);
    for (size_t i = 0; i < o->services.n; i++)
        n += (size_t)snprintf(tcp + n, tcpsz - n, " or tcp port %u", o->services.ports[i].port);
    size_t len = 2 * (strlen(udp) + n) + 64;
    char *f = malloc(len);
    if (f)
        snprintf(f, len, "(%s or %s) or (vlan and (%s or %s))", udp, tcp, udp, tcp);
    free(tcp);
    return f;
}

/* ---- privileges ---- */

static int clear_capabilities(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    return (int)syscall(SYS_capset, &hdr, data);
}

void live_drop_file_caps(void)
{
    if (geteuid() != 0)
        (void)clear_capabilities(); /* failing leaves what a plain user has anyway */
}

/* After the capture is open nothing needs privileges: become `user` when root, and give up every
 * capability (the package's file capability cap_net_raw included) either way. */
static int drop_privileges(const char *user, const char *html_path)
{
    if (geteuid() == 0) {
        errno = 0;
        struct passwd *pw = getpwnam(user);
        if (!pw) {
            fprintf(stderr, "pcapscan: --user %s: %s\n", user,
                    errno ? strerror(errno) : "no such user");
            return -1;
        }
        /* --html is written at the end, by `user`: create it now so it can be. */
        FILE *html = html_path ? util_create(html_path) : NULL;
        if (html && fchown(fileno(html), pw->pw_uid, pw->pw_gid) != 0)
            fprintf(stderr, "pcapscan: %s: %s\n", html_path, strerror(errno));
        if (html)
            fclose(html);
        if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
            fprintf(stderr, "pcapscan: cannot become %s: %s\n", user, strerror(errno));
            return -1;
        }
        if (pw->pw_uid != 0 && setuid(0) == 0) {
            fputs("pcapscan: could regain root after dropping it; stopping\n", stderr);
            return -1;
        }
    }
    if (clear_capabilities() != 0) {
        fprintf(stderr, "pcapscan: cannot drop capabilities: %s\n", strerror(errno));
        return -1;
    }
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return 0;
}

/* ---- phones, for the status line ---- */

static phone *phone_of(live *L, const char *label)
{
    sbd_smap_ent *e = sbd_smap_put(&L->phones, label);
    if (e && !e->val)
        e->val = calloc(1, sizeof(phone));
    if (!e || !e->val) {
        L->oom++;
        return NULL;
    }
    return e->val;
}

static void count_phone(const live *L, const phone *p, phone_counts *c)
{
    c->phones++;
    c->new_itl += p->has_itl && L->has_newest && memcmp(p->itl, L->newest, 32) == 0;
    c->refused += p->refused;
    c->tvs_bad += p->tvs_bad;
}

static phone_counts count_phones(const live *L)
{
    phone_counts c = {0};
    for (size_t i = 0; i < L->phones.nb; i++)
        for (const sbd_smap_ent *e = L->phones.b[i]; e; e = e->next)
            count_phone(L, e->val, &c);
    return c;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Phones silent for --phone-idle (packet time), or the least recently seen when over
 * --max-phones, leave the table and the engine (which settles a list still waiting for TVS
 * first, so that decision is written and counted); what they held is added to the expired
 * counts. Their written findings are forgotten too, so a phone that comes back is reported
 * again, judged from nothing as in a new run. */
static void expire_phones(live *L)
{
    int64_t now = L->in->last_ts, horizon = now - L->o->phone_idle_sec * 1000000;
    bool any = false;
    if (L->phones.n > L->o->max_phones) { /* the oldest tenth goes, whatever its age */
        int64_t *ages = malloc(L->phones.n * sizeof *ages);
        size_t k = 0;
        for (size_t i = 0; ages && i < L->phones.nb; i++)
            for (const sbd_smap_ent *e = L->phones.b[i]; e; e = e->next)
                ages[k++] = ((const phone *)e->val)->last_usec;
        if (ages) {
            qsort(ages, k, sizeof *ages, cmp_i64);
            if (ages[k / 10] + 1 > horizon)
                horizon = ages[k / 10] + 1;
        }
        free(ages);
    }
    for (size_t i = 0; !any && i < L->phones.nb; i++)
        for (const sbd_smap_ent *e = L->phones.b[i]; !any && e; e = e->next)
            any = ((const phone *)e->val)->last_usec < horizon;
    if (!any)
        return;
    sbd_smap keep = {0}, gone = {0};
    for (size_t i = 0; i < L->phones.nb; i++)
        for (sbd_smap_ent *e = L->phones.b[i]; e; e = e->next) {
            phone *p = e->val;
            bool old = p->last_usec < horizon;
            sbd_smap_ent *ne = sbd_smap_put(old ? &gone : &keep, e->key);
            if (!ne) { /* out of memory: keep everything as it was */
                sbd_smap_free(&keep, NULL);
                sbd_smap_free(&gone, NULL);
                L->oom++;
                return;
            }
            ne->val = p;
        }
    sbd_smap_free(&L->phones, NULL);
    L->phones = keep;
    for (size_t i = 0; i < gone.nb; i++)
        for (sbd_smap_ent *e = gone.b[i]; e; e = e->next) {
            L->expiring = e->val;
            sbd_trust_forget(L->engine, e->key);
            L->expiring = NULL;
            count_phone(L, e->val, &L->expired);
            free(e->val);
        }
    sbd_smap nd = {0};
    for (size_t i = 0; gone.n && i < L->dedupe.nb; i++)
        for (sbd_smap_ent *e = L->dedupe.b[i]; e; e = e->next) {
            char label[128];
            const char *sep = strchr(e->key, '\x1f');
            size_t len = sep ? (size_t)(sep - e->key) : 0;
            snprintf(label, sizeof label, "%.*s", (int)len, e->key);
            if (!sbd_smap_find(&gone, label) && !sbd_smap_put(&nd, e->key))
                L->oom++;
        }
    if (gone.n) {
        sbd_smap_free(&L->dedupe, NULL);
        L->dedupe = nd;
    }
    sbd_smap_free(&gone, NULL);
}

static void touch(live *L, const char *label, int64_t usec)
{
    phone *p = phone_of(L, label);
    if (p && usec > p->last_usec)
        p->last_usec = usec;
}

static void track(live *L, const sbd_trust_decision *d)
{
    phone *p = L->expiring ? L->expiring : phone_of(L, d->phone);
    if (!p)
        return;
    if (d->at.ts_usec > p->last_usec)
        p->last_usec = d->at.ts_usec;
    const blob *b = d->at.user; /* file events carry their content */
    switch (d->outcome) {
    case SBD_OUT_LIST_FIRST:
    case SBD_OUT_LIST_SAME:
    case SBD_OUT_LIST_DIRECT:
    case SBD_OUT_LIST_VIA_TVS:
        p->refused = false;
        if (b && b->parsed && !sbd_file_is_ctl(&b->f)) {
            p->has_itl = true;
            memcpy(p->itl, b->sha256, 32);
        }
        break;
    case SBD_OUT_LIST_REFUSED:
        p->refused = true;
        break;
    case SBD_OUT_SERVER_IN_LIST:
        p->tvs_bad = d->service == SBD_SVC_TVS ? false : p->tvs_bad;
        break;
    case SBD_OUT_SERVER_NOT_IN_LIST:
    case SBD_OUT_SERVER_HASH_DIFFERS:
        p->tvs_bad = d->service == SBD_SVC_TVS ? true : p->tvs_bad;
        break;
    default:
        break;
    }
}

/* ---- output ---- */

static void status_clear(live *L)
{
    if (L->status_shown) {
        fputs("\r\033[K", stderr);
        L->status_shown = false;
    }
}

static void status_draw(live *L)
{
    phone_counts c = count_phones(L);
    fprintf(stderr,
            "\r\033[Kpcapscan: %llu phones, %llu hold the new ITL, %llu refused it, %llu TVS "
            "mismatch | %llu packets, %llu dropped",
            (unsigned long long)c.phones, (unsigned long long)c.new_itl,
            (unsigned long long)c.refused, (unsigned long long)c.tvs_bad,
            (unsigned long long)L->frames,
            (unsigned long long)(L->drops.dropped + L->drops.if_dropped));
    fflush(stderr);
    L->status_shown = true;
}

static const char *clock_of(int64_t usec, char *out, size_t outsz)
{
    char iso[40];
    sbd_time_iso(usec / 1000000, iso, sizeof iso);
    snprintf(out, outsz, "%.10s %.8s.%03d", iso, iso + 11, (int)((usec % 1000000) / 1000));
    return out;
}

static void json_line(live *L, json_t *o)
{
    if (!o || json_dumpf(o, L->out, JSON_COMPACT) != 0)
        esc_json_fail();
    fputc('\n', L->out);
    json_decref(o);
}

/* Every live_finding carries one key set (docs/live.md): the drop counters are null on the
 * engine's findings, the phone and evidence keys null on CAPTURE_DROPS. */
static void set_drops(json_t *o, const cap_input_drops *d)
{
    esc_json_set(o, "dropped", d ? json_integer((json_int_t)d->dropped) : json_null());
    esc_json_set(o, "if_dropped", d ? json_integer((json_int_t)d->if_dropped) : json_null());
    esc_json_set(o, "received", d ? json_integer((json_int_t)d->received) : json_null());
}

static void write_json(live *L, const sbd_trust_decision *d)
{
    char iso[40], hex[65];
    json_t *o = json_object();
    esc_json_set(o, "type", esc_json_str("live_finding"));
    esc_json_set(o, "pcap", esc_json_str(L->in->path));
    esc_json_set(o, "rule", esc_json_str(sbd_rule_id(d->rule)));
    esc_json_set(o, "severity", esc_json_str(sbd_severity_name(sbd_rule_severity(d->rule))));
    esc_json_set(o, "phone", esc_json_str(d->phone));
    esc_json_set(o, "outcome", esc_json_str(sbd_trust_outcome_word(d->outcome)));
    esc_json_set(o, "message", esc_json_str(d->reason));
    esc_json_set(o, "time", esc_json_str(sbd_time_iso(d->at.ts_usec / 1000000, iso, sizeof iso)));
    esc_json_set(o, "packet", json_integer((json_int_t)d->at.packet));
    esc_json_set(o, "file", d->file ? esc_json_str(d->file) : json_null());
    esc_json_set(o, "held",
                 d->held.set
                     ? json_pack("{s:o, s:I, s:o}", "file", esc_json_str(d->held.name), "packet",
                                 (json_int_t)d->held.at.packet, "sha256",
                                 esc_json_str(sbd_hex_lower(d->held.sha256, 32, hex, sizeof hex)))
                     : json_null());
    esc_json_set(o, "settled_by_packet",
                 d->has_cause ? json_integer((json_int_t)d->cause.packet) : json_null());
    esc_json_set(o, "cert",
                 d->cert
                     ? json_pack("{s:o, s:o}", "subject", esc_json_str(d->cert->subject), "sha256",
                                 esc_json_str(sbd_hex_lower(d->cert->sha256, 32, hex, sizeof hex)))
                     : json_null());
    set_drops(o, NULL);
    json_line(L, o);
}

static void write_text(live *L, const sbd_trust_decision *d)
{
    char t[48];
    fprintf(L->out, "%s #%llu %s %s ", clock_of(d->at.ts_usec, t, sizeof t),
            (unsigned long long)d->at.packet, sbd_severity_name(sbd_rule_severity(d->rule)),
            sbd_rule_id(d->rule));
    esc_term(L->out, d->phone);
    fputs(": ", L->out);
    esc_term(L->out, d->reason);
    if (d->file) {
        fputs(" [", L->out);
        esc_term(L->out, d->file);
        fputc(']', L->out);
    }
    fputc('\n', L->out);
}

/* The batch pass counts a repeat of the same finding as one; so does the stream. */
static bool first_time(live *L, const sbd_trust_decision *d)
{
    char key[700];
    sbd_trust_finding_id(d->rule, d->at.input, d->phone, d->key, key, sizeof key);
    sbd_smap_ent *e = sbd_smap_put(&L->dedupe, key);
    if (!e) {
        L->oom++;
        return true; /* written twice rather than lost */
    }
    if (e->val) {
        L->repeats++;
        return false;
    }
    e->val = e;
    return true;
}

static void on_decision(void *ctx, const sbd_trust_decision *d)
{
    live *L = ctx;
    track(L, d);
    if (d->rule == SBD_RULE_COUNT || !first_time(L, d))
        return;
    if ((int)sbd_rule_severity(d->rule) < L->o->min_severity) {
        L->hidden++; /* counted in the status, left out of the lines like the report's */
        return;
    }
    status_clear(L);
    if (L->o->json)
        write_json(L, d);
    else
        write_text(L, d);
    fflush(L->out);
    L->written++;
}

/* The kernel's drop counters, as a finding each time they grow. */
static void check_drops(live *L)
{
    cap_input_drops now;
    if (!L->ci || cap_input_stats(L->ci, &now) != 0)
        return;
    if (now.dropped == L->drops.dropped && now.if_dropped == L->drops.if_dropped) {
        L->drops.received = now.received;
        return;
    }
    status_clear(L);
    char msg[320], iso[40];
    snprintf(msg, sizeof msg,
             "packets lost before pcapscan saw them: %llu dropped by the kernel (buffer full), "
             "%llu by the interface, of %llu received; verdicts may miss transfers",
             (unsigned long long)now.dropped, (unsigned long long)now.if_dropped,
             (unsigned long long)now.received);
    if (L->o->json) {
        json_t *o = json_object();
        esc_json_set(o, "type", esc_json_str("live_finding"));
        esc_json_set(o, "pcap", esc_json_str(L->in->path));
        esc_json_set(o, "rule", esc_json_str("CAPTURE_DROPS"));
        esc_json_set(o, "severity", esc_json_str("warning"));
        esc_json_set(o, "phone", json_null());
        esc_json_set(o, "outcome", json_null());
        esc_json_set(o, "message", esc_json_str(msg));
        esc_json_set(o, "time", esc_json_str(sbd_time_iso(time(NULL), iso, sizeof iso)));
        static const char *const none[] = {"packet", "file", "held", "settled_by_packet", "cert"};
        for (size_t i = 0; i < sizeof none / sizeof *none; i++)
            esc_json_set(o, none[i], json_null());
        set_drops(o, &now);
        json_line(L, o);
    } else {
        fprintf(L->out, "%s warning CAPTURE_DROPS: %s\n", sbd_time_iso(time(NULL), iso, sizeof iso),
                msg);
    }
    fflush(L->out);
    L->drops = now;
}

static void tick(live *L)
{
    int64_t now = now_ms();
    if (now >= L->next_stats) {
        check_drops(L);
        L->next_stats = now + STATS_EVERY_MS;
    }
    if (now >= L->next_expire || L->phones.n > L->o->max_phones) {
        expire_phones(L);
        L->next_expire = now + EXPIRE_EVERY_MS;
    }
    if (L->o->progress && now >= L->next_status) {
        status_draw(L);
        L->next_status = now + STATUS_EVERY_MS;
    }
}

/* ---- observations to the engine ---- */

static void on_file(void *user, obs_input *in, size_t idx)
{
    live *L = user;
    const obs_file *f = obs_file_at(in, idx);
    if (f->upload)
        return;
    blob *b = f->complete && f->looks_signed && f->in_store && f->digest
                  ? store_get(&in->content, f->digest->sha256)
                  : NULL;
    if (b && !blob_analyse(b, L->r.keys, in->certs))
        b = NULL;
    if (b && b->f.kind == SBD_KIND_TRUST_LIST && !sbd_file_is_ctl(&b->f)) {
        char hex[65];
        sbd_hex_lower(b->sha256, 32, hex, sizeof hex);
        sbd_smap_ent *e = sbd_smap_put(&L->itls, hex);
        if (e && !e->val) { /* a content never seen before: the newest ITL */
            e->val = e;
            memcpy(L->newest, b->sha256, 32);
            L->has_newest = true;
        }
    }
    run_ev_buf buf;
    sbd_trust_file_ev ev;
    if (!run_file_event(f, b, (sbd_trust_at){0, f->first_pkt, f->ts_usec, b}, &buf, &ev))
        return;
    sbd_trust_file(L->engine, &ev);
    touch(L, sbd_trust_phone_of(L->engine, buf.client, f->name), f->ts_usec);
}

static void on_tls(void *user, obs_input *in, size_t idx)
{
    live *L = user;
    const obs_tls *t = obs_tls_at(in, idx);
    run_ev_buf buf;
    sbd_trust_tls_ev ev;
    if (run_tls_event(t, &L->o->services, (sbd_trust_at){0, t->pkt, t->ts_usec, NULL}, &buf, &ev))
        sbd_trust_tls(L->engine, &ev);
    touch(L, sbd_trust_phone_of(L->engine, buf.client, NULL), t->ts_usec);
}

static void on_frame(void *user)
{
    live *L = user;
    L->frames++;
    tick(L);
}

static bool on_idle(void *user)
{
    if (!g_stop)
        tick(user);
    return !g_stop;
}

/* ---- the run ---- */

static void summary_line(live *L)
{
    phone_counts c = count_phones(L);
    char msg[800];
    snprintf(msg, sizeof msg,
             "%llu phones followed: %llu hold the new ITL, %llu refused a list, %llu TVS "
             "mismatch; %llu expired earlier (%llu held the new ITL, %llu refused, %llu TVS "
             "mismatch); %llu findings written live (%llu repeats, %llu below --min-severity); "
             "%llu packets, %llu dropped by the kernel, %llu by the interface",
             (unsigned long long)c.phones, (unsigned long long)c.new_itl,
             (unsigned long long)c.refused, (unsigned long long)c.tvs_bad,
             (unsigned long long)L->expired.phones, (unsigned long long)L->expired.new_itl,
             (unsigned long long)L->expired.refused, (unsigned long long)L->expired.tvs_bad,
             (unsigned long long)L->written, (unsigned long long)L->repeats,
             (unsigned long long)L->hidden, (unsigned long long)L->frames,
             (unsigned long long)L->drops.dropped, (unsigned long long)L->drops.if_dropped);
    if (L->o->json) {
        json_t *o = json_object();
        esc_json_set(o, "type", esc_json_str("live_summary"));
        esc_json_set(o, "pcap", esc_json_str(L->in->path));
        esc_json_set(o, "phones", json_integer((json_int_t)c.phones));
        esc_json_set(o, "new_itl", json_integer((json_int_t)c.new_itl));
        esc_json_set(o, "refused", json_integer((json_int_t)c.refused));
        esc_json_set(o, "tvs_mismatch", json_integer((json_int_t)c.tvs_bad));
        esc_json_set(o, "expired",
                     json_pack("{s:I, s:I, s:I, s:I}", "phones", (json_int_t)L->expired.phones,
                               "new_itl", (json_int_t)L->expired.new_itl, "refused",
                               (json_int_t)L->expired.refused, "tvs_mismatch",
                               (json_int_t)L->expired.tvs_bad));
        esc_json_set(o, "findings_written", json_integer((json_int_t)L->written));
        esc_json_set(o, "findings_hidden", json_integer((json_int_t)L->hidden));
        esc_json_set(o, "packets", json_integer((json_int_t)L->frames));
        esc_json_set(o, "dropped", json_integer((json_int_t)L->drops.dropped));
        esc_json_set(o, "if_dropped", json_integer((json_int_t)L->drops.if_dropped));
        esc_json_set(o, "out_of_memory", json_integer((json_int_t)L->oom));
        json_line(L, o);
    } else {
        fprintf(L->out, "live: %s\n", msg);
        if (L->oom)
            fprintf(L->out, "live: out of memory %llu times: counts are incomplete\n",
                    (unsigned long long)L->oom);
    }
    fflush(L->out);
}

static cap_input *open_input(live *L, char *err, size_t errsz)
{
    const scan_opts *o = L->o;
    if (o->follow_path)
        return cap_input_open_follow(o->follow_path, L->in->path, on_idle, L, err, errsz);
    char *def = o->filter ? NULL : live_default_filter(o);
    cap_input *ci = cap_input_open_live(o->live_iface, o->filter ? o->filter : def, err, errsz);
    free(def);
    if (ci)
        cap_input_set_idle(ci, on_idle, L);
    return ci;
}

static void handle_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked read returns to see the stop */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int live_setup(live *L, const scan_opts *o)
{
    memset(L, 0, sizeof *L);
    L->o = o;
    L->out = stdout;
    L->r.o = o;
    store_init(&L->r.content);
    L->r.inputs = calloc(1, sizeof *L->r.inputs);
    L->r.certs = obs_certs_new();
    L->r.keys = sbd_key_cache_new();
    if (!L->r.inputs || !L->r.certs)
        return -1;
    L->r.n_inputs = 1;
    L->in = &L->r.inputs[0];
    obs_input_init(L->in, 0, o->live_iface ? o->live_iface : o->follow_path);
    L->in->certs = L->r.certs;
    sbd_trust_opts to = {o->has_now, o->now, o->expiry_days, L->r.keys, false};
    L->engine = sbd_trust_new(&to, on_decision, L);
    return L->engine ? 0 : -1;
}

int cmd_live(const scan_opts *o)
{
    if (o->print_filter) {
        char *f = live_default_filter(o);
        if (f)
            puts(f);
        free(f);
        return f ? 0 : 2;
    }
    live L;
    if (live_setup(&L, o) != 0) {
        fputs("pcapscan: out of memory\n", stderr);
        sbd_trust_free(L.engine);
        run_free(&L.r);
        return 2;
    }
    handle_signals();
    char err[600] = "";
    cap_input *ci = open_input(&L, err, sizeof err);
    if (!ci || drop_privileges(o->user, o->html_path) != 0) {
        if (!ci) {
            fputs("pcapscan: ", stderr);
            esc_term(stderr, err);
            fputc('\n', stderr);
        }
        cap_input_close(ci);
        sbd_trust_free(L.engine);
        run_free(&L.r);
        return 2;
    }
    L.ci = o->live_iface ? ci : NULL;
    g_input = ci;
    if (g_stop) /* a signal before the input was published */
        cap_input_stop(ci);
    if (o->progress)
        fprintf(stderr, "pcapscan: watching %s; Ctrl-C ends with the summary\n",
                o->live_iface ? o->live_iface : o->follow_path);
    scan_hooks h = {.user = &L, .on_file = on_file, .on_tls = on_tls, .on_frame = on_frame};
    scan_stream(o, L.in, ci, &h);
    check_drops(&L);
    g_input = NULL;
    cap_input_close(ci);
    sbd_trust_finish(L.engine); /* lists still waiting for a TVS session are decided now */
    status_clear(&L);
    sbd_trust_free(L.engine);
    summary_line(&L);
    /* The report of everything seen, made by the batch pass: what an offline audit gives. */
    if (rules_run(&L.r) != 0)
        fputs("pcapscan: out of memory: results are incomplete\n", stderr);
    int rc = report_outputs(&L.r);
    sbd_smap_free(&L.dedupe, NULL);
    sbd_smap_free(&L.phones, free);
    sbd_smap_free(&L.itls, NULL);
    run_free(&L.r);
    return rc;
}
