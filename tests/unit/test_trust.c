/* The trust engine (sbd/trust.h) from event sequences, no capture: what each phone holds after
 * each event and which decision and rule the engine gives, on lists and certificates built by
 * sbdgen from the test PKI. Each case that makes a rule fire has a silent counterpart. */
#include "check.h"
#include "gen_fixture.h"
#include "sbd/trust.h"

#include <openssl/evp.h>

#define MAX_SEEN 64

typedef struct seen {
    sbd_trust_outcome outcome[MAX_SEEN];
    sbd_rule rule[MAX_SEEN];
    char phone[MAX_SEEN][64];
    char reason[MAX_SEEN][400];
    char key[MAX_SEEN][300];
    uint64_t packet[MAX_SEEN];
    size_t n;
} seen;

static void sink(void *ctx, const sbd_trust_decision *d)
{
    seen *s = ctx;
    if (s->n >= MAX_SEEN)
        return;
    s->outcome[s->n] = d->outcome;
    s->rule[s->n] = d->rule;
    s->packet[s->n] = d->at.packet;
    snprintf(s->phone[s->n], sizeof s->phone[0], "%s", d->phone);
    snprintf(s->reason[s->n], sizeof s->reason[0], "%s", d->reason);
    snprintf(s->key[s->n], sizeof s->key[0], "%s", d->key);
    s->n++;
}

static size_t count_rule(const seen *s, sbd_rule r)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->rule[i] == r;
    return n;
}

static size_t count_outcome(const seen *s, sbd_trust_outcome o)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->outcome[i] == o;
    return n;
}

static const char *reason_of(const seen *s, sbd_rule r)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->rule[i] == r)
            return s->reason[i];
    return "";
}

/* ---- material ---- */

typedef struct item {
    loaded l;
    uint8_t sha256[32];
} item;

typedef struct wire {
    uint8_t *der;
    size_t len;
    sbd_cert_info ci;
} wire;

static item lists[24];
static size_t n_items;

static const item *load_item(const char *name)
{
    item *it = &lists[n_items++];
    if (!fx_load(name, &it->l))
        return NULL;
    unsigned int n = 0;
    EVP_Digest(it->l.buf, it->l.len, it->sha256, &n, EVP_sha256(), NULL);
    return it;
}

static bool load_wire(const char *pem, wire *w)
{
    char der[1200];
    snprintf(der, sizeof der, "%s/%s.der", fx.work, pem);
    if (!fx_run("openssl x509 -in '%s/%s.pem' -outform DER -out '%s'", fx.pki, pem, der) ||
        !fx_read(der, &w->der, &w->len))
        return false;
    sbd_error err;
    return sbd_cert_info_from_der(w->der, w->len, &w->ci, &err) == SBD_OK;
}

#define CM "--signer callmanager.key:callmanager.pem "
#define CM2 "--signer callmanager2.key:callmanager2.pem "
#define REC "--signer itlrecovery.key:itlrecovery.pem "

static bool build(void)
{
    return fx_run("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 1825 "
                  "-keyout itlrecovery.key -out itlrecovery.pem -set_serial 0x1EC0 "
                  "-subj '/O=SBD Test/OU=VOICE/CN=ITLRECOVERY_cucm-pub' 2>/dev/null",
                  fx.pki) &&
           fx_gen("a.tlv", "tl " CM "--record SAST:callmanager.pem --record "
                           "CCM+TFTP:callmanager.pem --record TVS:tvs.pem:certhash "
                           "--record CAPF:capf.pem:certhash") &&
           fx_gen("b.tlv", "tl " CM2 "--record SAST:callmanager2.pem --record "
                           "CCM+TFTP:callmanager2.pem --record TVS:tvs.pem:certhash") &&
           fx_gen("c.tlv", "tl " CM2 "--record SAST:callmanager2.pem --record "
                           "CCM+TFTP:callmanager2.pem --record TVS:tvs2.pem:certhash") &&
           fx_gen("a-rec.tlv", "tl " REC "--record SAST:itlrecovery.pem --record "
                               "CCM+TFTP:callmanager.pem --record TVS:tvs.pem:certhash") &&
           fx_gen("d-rec.tlv", "tl " REC "--record SAST:itlrecovery.pem --record "
                               "CCM+TFTP:callmanager2.pem --record TVS:tvs2.pem:certhash") &&
           fx_gen("a-again.tlv",
                  "tl " CM "--timestamp 1700000999 --record SAST:callmanager.pem "
                  "--record CCM+TFTP:callmanager.pem --record TVS:tvs.pem:certhash") &&
           fx_gen("rollback.tlv", "tl " CM "--record SAST:callmanager.pem") &&
           fx_gen("a-tampered.tlv", "tl " CM "--tamper 400 --record SAST:callmanager.pem "
                                    "--record CCM+TFTP:callmanager.pem --record "
                                    "TVS:tvs2.pem:certhash") &&
           fx_gen("ctl1.tlv", "tl --ctl " CM "--record SAST:callmanager.pem --record "
                              "CCM+TFTP:callmanager.pem --record CAPF:capf.pem:certhash") &&
           fx_gen("ctl1b.tlv", "tl --ctl " CM "--timestamp 1700000999 --record "
                               "SAST:callmanager.pem --record CCM+TFTP:callmanager2.pem") &&
           fx_gen("ctl2.tlv", "tl --ctl " CM2 "--record SAST:callmanager2.pem --record "
                              "CCM+TFTP:callmanager2.pem") &&
           fx_gen("ctl-dns.tlv", "tl --ctl " CM "--record SAST:callmanager.pem --record "
                                 "CCM+TFTP:rsa2048.pem:full:cucm-pub.sbd.test") &&
           fx_gen("ctl-other.tlv", "tl --ctl " CM "--record SAST:callmanager.pem --record "
                                   "CCM+TFTP:rsa2048.pem") &&
           fx_gen("b-dns.tlv", "tl " CM2 "--record SAST:callmanager2.pem --record "
                               "CCM+TFTP:callmanager2.pem:full:cucm-pub.sbd.test --record "
                               "TVS:tvs.pem:certhash") &&
           fx_run("printf '<device/>' > '%s/cnf.xml'", fx.work) &&
           fx_run("cd '%s' && '%s' sgn " CM "--in '%s/cnf.xml' -o '%s/cnf.sgn'", fx.pki, fx.sbdgen,
                  fx.work, fx.work) &&
           fx_run("cd '%s' && '%s' sgn " CM2 "--in '%s/cnf.xml' -o '%s/cnf2.sgn'", fx.pki,
                  fx.sbdgen, fx.work, fx.work);
}

/* ---- event helpers ---- */

static uint64_t pkt;

/* The record certificates a caller hands over with its file events (NULL: none). */
static const sbd_cert_info *(*record_hook)(const void *ctx, size_t i);

static void file_ev(sbd_trust *t, const char *client, const char *name, const item *it)
{
    pkt++;
    sbd_trust_file_ev ev = {
        .at = {0, pkt, (int64_t)pkt * 1000000, NULL},
        .client = client,
        .server = "10.0.0.10",
        .name = name,
        .xfer = SBD_XFER_COMPLETE,
        .file = it ? &it->l.f : NULL,
        .sha256 = it ? it->sha256 : NULL,
        .signed_content = it != NULL,
        .record_cert = it ? record_hook : NULL,
        .record_cert_ctx = it,
    };
    sbd_trust_file(t, &ev);
}

static void missing_ev(sbd_trust *t, const char *client, const char *name, sbd_trust_xfer x)
{
    pkt++;
    sbd_trust_file_ev ev = {.at = {0, pkt, (int64_t)pkt * 1000000, NULL},
                            .client = client,
                            .server = "10.0.0.10",
                            .name = name,
                            .xfer = x};
    sbd_trust_file(t, &ev);
}

static void tls_ev(sbd_trust *t, const char *client, uint16_t port, const wire *w)
{
    pkt++;
    const sbd_cert_info *chain[1] = {&w->ci};
    sbd_trust_tls_ev ev = {.at = {0, pkt, (int64_t)pkt * 1000000, NULL},
                           .client = client,
                           .server = "10.0.0.10",
                           .port = port,
                           .service = sbd_service_of_port(NULL, port),
                           .chain = chain,
                           .n_chain = 1};
    sbd_trust_tls(t, &ev);
}

static sbd_trust *engine(seen *s)
{
    memset(s, 0, sizeof *s);
    sbd_trust_opts o = {true, 1800000000, 0, NULL, false}; /* 2027-01-15: every test cert valid */
    return sbd_trust_new(&o, sink, s);
}

#define PHONE "10.0.0.5"
#define ITL "ITLSEP001122334455.tlv"
#define CTL "CTLSEP001122334455.tlv"
#define CNF "SEP001122334455.cnf.xml.sgn"

typedef struct mat {
    const item *a, *a_again, *b, *c, *a_rec, *d_rec, *rollback, *tampered, *ctl1, *ctl1b, *ctl2,
        *ctl_dns, *ctl_other, *b_dns, *cnf, *cnf2;
    wire tvs, tvs2, capf, tomcat, cm, cm2;
} mat;

static void test_first_same_valid(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, CNF, m->cnf);
    tls_ev(t, PHONE, 2445, &m->tvs);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_FIRST), 1);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_SAME), 1);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SIGNED_VALID), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_MATCH), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_NOT_IN_ITL), 0);
    CHECK_STREQ(s.phone[0], "SEP001122334455"); /* the MAC from the name, not the address */
    sbd_trust_free(t);
}

/* CallManager regenerated, TVS kept: the config that comes before the TVS session waits for it. */
static void test_via_tvs(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->b);
    file_ev(t, PHONE, CNF, m->cnf2);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_PENDING), 1);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SIGNED_SIGNER_UNKNOWN), 0); /* deferred */
    tls_ev(t, PHONE, 2445, &m->tvs);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_VIA_TVS), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_MATCH), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_CHAIN_BROKEN), 0);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_SGN_SIGNER_NOT_IN_ITL), 0);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SIGNED_VALID), 1); /* against b, now held */
    sbd_trust_free(t);
}

/* A new version signed by the same key; and back from b to a, which only the TVS can vouch for. */
static void test_direct_and_back(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->a_again);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_DIRECT), 1);
    sbd_trust_free(t);
    t = engine(&s);
    file_ev(t, PHONE, ITL, m->b);
    file_ev(t, PHONE, ITL, m->a);
    tls_ev(t, PHONE, 2445, &m->tvs);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_VIA_TVS), 1);
    sbd_trust_free(t);
}

/* CallManager and TVS regenerated together: the phone keeps a, and everything later is judged
 * against a, never against the refused c. */
static void test_chain_broken(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->c);
    tls_ev(t, PHONE, 2445, &m->tvs2);
    file_ev(t, PHONE, CNF, m->cnf2);
    tls_ev(t, PHONE, 2445, &m->tvs2);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_CHAIN_BROKEN), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_MATCH), 0);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_NOT_IN_ITL), 2);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_SGN_SIGNER_NOT_IN_ITL), 1);
    CHECK(strstr(reason_of(&s, SBD_RULE_TRUST_CHAIN_BROKEN), "delete the ITL") != NULL);
    /* The TVS finding names the record the phone would have accepted. */
    CHECK(strstr(reason_of(&s, SBD_RULE_TVS_CERT_NOT_IN_ITL), "expected record 3") != NULL);
    sbd_trust_free(t);
}

static void test_undecided(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->c);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_UNDECIDED), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_CHAIN_BROKEN), 0);
    sbd_trust_free(t);
}

/* Another client's TVS session settles a phone that was not seen talking to the TVS. */
static void test_fallback_tvs(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->c);
    tls_ev(t, "10.0.0.99", 2445, &m->tvs2);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_CHAIN_BROKEN), 1);
    sbd_trust_free(t);
}

static void test_itl_recovery(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a_rec);
    file_ev(t, PHONE, ITL, m->d_rec); /* bulk reset: signed by the held ITLRecovery */
    tls_ev(t, PHONE, 2445, &m->tvs2);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_DIRECT), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_ITL_RECOVERY_SIGNED), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_CHAIN_BROKEN), 0);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_MATCH), 1); /* judged against d-rec */
    sbd_trust_free(t);

    /* Silent counterpart: ITLRecovery listed, a CallManager-signed list refused: the remedy is
     * the remote reset. */
    t = engine(&s);
    file_ev(t, PHONE, ITL, m->a_rec);
    file_ev(t, PHONE, ITL, m->c);
    tls_ev(t, PHONE, 2445, &m->tvs2);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_ITL_RECOVERY_SIGNED), 0);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_CHAIN_BROKEN), 1);
    CHECK(strstr(reason_of(&s, SBD_RULE_TRUST_CHAIN_BROKEN), "utils itl reset") != NULL);
    sbd_trust_free(t);
}

/* A list whose own signature fails changes nothing the phone holds. */
static void test_invalid_list(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->tampered);
    tls_ev(t, PHONE, 2445, &m->tvs);
    file_ev(t, PHONE, CNF, m->cnf);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_INVALID), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_LIST_SIGNATURE_INVALID) +
                     count_rule(&s, SBD_RULE_TRUST_LIST_SIGNER_UNKNOWN),
                 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_MATCH), 1); /* a is still held */
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SIGNED_VALID), 1);
    sbd_trust_free(t);

    /* Nothing held but the invalid list: a config is not checked against it. */
    t = engine(&s);
    file_ev(t, PHONE, ITL, m->tampered);
    file_ev(t, PHONE, CNF, m->cnf);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SIGNED_NO_LIST), 1);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SIGNED_VALID), 0);
    sbd_trust_free(t);
}

static void test_ctl_chain(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, CTL, m->ctl1);
    file_ev(t, PHONE, CTL, m->ctl1b); /* signed by the held SAST */
    file_ev(t, PHONE, CTL, m->ctl2);  /* signed by a key the held CTL does not list */
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_DIRECT), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_CHAIN_BROKEN), 1);
    sbd_trust_free(t);
}

/* CallManager.pem regenerated: the ITL follows, the CTL keeps the old certificate until
 * utils ctl update CTLFile. Compared per node (CN, or DNS name), once per CTL/ITL pair. */
static void test_ctl_not_updated(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, CTL, m->ctl1); /* CCM+TFTP callmanager */
    file_ev(t, PHONE, ITL, m->a);    /* the same: silent */
    file_ev(t, PHONE, CTL, m->ctl1);
    file_ev(t, PHONE, ITL, m->b); /* callmanager2, vouched for by the TVS */
    tls_ev(t, PHONE, 2445, &m->tvs);
    file_ev(t, PHONE, CTL, m->ctl1);
    file_ev(t, PHONE, ITL, m->b); /* the same pair again: no second finding */
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_VIA_TVS), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_NOT_UPDATED), 1);
    CHECK(strstr(reason_of(&s, SBD_RULE_CTL_NOT_UPDATED), "cucm-pub.sbd.test") != NULL);
    CHECK(strstr(reason_of(&s, SBD_RULE_CTL_NOT_UPDATED), "1A:2B:3C:4D:5E:6F:70:81") != NULL);
    CHECK(strstr(reason_of(&s, SBD_RULE_CTL_NOT_UPDATED), "1A:2B:3C:4D:5E:6F:70:82") != NULL);
    sbd_trust_free(t);

    /* The CTL updated (signed by the held SAST, CCM+TFTP callmanager2) in the same boot as the new
     * ITL: the updated CTL meets the old ITL a for a moment, which is no finding. */
    t = engine(&s);
    file_ev(t, PHONE, CTL, m->ctl1);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, CTL, m->ctl1b);
    file_ev(t, PHONE, ITL, m->b); /* signed by the CCM+TFTP record of the updated CTL */
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_NOT_UPDATED), 0);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_DIRECT), 2);
    sbd_trust_free(t);
    /* A stale CTL is reported when the ITL is read again, whichever came first. */
    t = engine(&s);
    file_ev(t, PHONE, ITL, m->b);
    file_ev(t, PHONE, CTL, m->ctl1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_NOT_UPDATED), 0);
    file_ev(t, PHONE, ITL, m->b);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_NOT_UPDATED), 1);
    sbd_trust_free(t);
    t = engine(&s);
    file_ev(t, PHONE, CTL, m->ctl2);
    file_ev(t, PHONE, ITL, m->b);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_NOT_UPDATED), 0);
    sbd_trust_free(t);

    /* Same node by DNS name although the CNs differ: fires; another node: silent. */
    t = engine(&s);
    file_ev(t, PHONE, CTL, m->ctl_dns);
    file_ev(t, PHONE, ITL, m->b_dns);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_NOT_UPDATED), 1);
    sbd_trust_free(t);
    t = engine(&s);
    file_ev(t, PHONE, CTL, m->ctl_other);
    file_ev(t, PHONE, ITL, m->a);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CTL_NOT_UPDATED), 0);
    sbd_trust_free(t);
}

static void test_rollback(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->rollback);
    file_ev(t, PHONE, CNF, m->cnf2);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_ITL_ROLLBACK), 1);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SIGNED_ANY_SIGNER), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_SGN_SIGNER_NOT_IN_ITL), 0);
    sbd_trust_free(t);
}

static void test_services(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, CTL, m->ctl1);
    file_ev(t, PHONE, ITL, m->a);
    tls_ev(t, PHONE, 5061, &m->cm);     /* CCM+TFTP of the CTL: silent */
    tls_ev(t, PHONE, 2443, &m->tvs);    /* no CCM record: fires */
    tls_ev(t, PHONE, 3804, &m->capf);   /* CAPF record: silent */
    tls_ev(t, PHONE, 3804, &m->tvs);    /* fires */
    tls_ev(t, PHONE, 6971, &m->cm);     /* TFTP role of the ITL: silent */
    tls_ev(t, PHONE, 6972, &m->tomcat); /* fires */
    tls_ev(t, PHONE, 8443, &m->tomcat); /* HTTPS not in the lists: info */
    tls_ev(t, PHONE, 443, &m->cm);      /* in the lists: silent */
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_SIGNALING_CERT_NOT_IN_CTL), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_CAPF_CERT_NOT_IN_TRUST_LIST), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TFTP_HTTPS_CERT_NOT_IN_ITL), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_HTTPS_CERT_NOT_IN_TRUST_LIST), 1);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_SERVER_IN_LIST), 4);
    sbd_trust_free(t);

    /* Without a CTL the phone does no secure signalling: nothing to say on 5061. */
    t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    tls_ev(t, PHONE, 5061, &m->tvs);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_SIGNALING_CERT_NOT_IN_CTL), 0);
    CHECK_EQ_INT(sbd_service_of_port(NULL, 2445), SBD_SVC_TVS);
    CHECK_EQ_INT(sbd_service_of_port(NULL, 12345), SBD_SVC_NONE);
    sbd_trust_free(t);
}

/* Many kinds of decision: lists taken, kept, waiting on the TVS and rejected, signed files valid,
 * deferred and unchecked, servers in and out of the lists, a failed transfer. */
static void every_kind(sbd_trust *t, const mat *m)
{
    pkt = 0;
    file_ev(t, PHONE, CTL, m->ctl1);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, CNF, m->cnf);
    tls_ev(t, PHONE, 2445, &m->tvs);
    tls_ev(t, PHONE, 5061, &m->cm);
    tls_ev(t, PHONE, 6972, &m->tomcat);
    file_ev(t, PHONE, ITL, m->b);
    file_ev(t, PHONE, CNF, m->cnf2);
    tls_ev(t, PHONE, 2445, &m->tvs);
    file_ev(t, "10.0.0.6", "ITLSEP00AABBCCDD06.tlv", m->tampered);
    file_ev(t, "10.0.0.7", "SEP00AABBCCDD07.cnf.xml.sgn", m->cnf);
    missing_ev(t, PHONE, CNF, SBD_XFER_FAILED);
    sbd_trust_finish(t);
}

/* opts.terse leaves out the words (reason and key) of exactly the decisions no report reads
 * them from, and changes nothing else. */
static void test_terse(const mat *m)
{
    static seen full, terse; /* large */
    sbd_trust *t = engine(&full);
    every_kind(t, m);
    sbd_trust_free(t);
    memset(&terse, 0, sizeof terse);
    sbd_trust_opts o = {true, 1800000000, 0, NULL, true};
    t = sbd_trust_new(&o, sink, &terse);
    every_kind(t, m);
    sbd_trust_free(t);
    CHECK_EQ_INT(terse.n, full.n);
    size_t quiet = 0, worded = 0;
    for (size_t i = 0; i < full.n && i < terse.n; i++) {
        CHECK_EQ_INT(terse.outcome[i], full.outcome[i]);
        CHECK_EQ_INT(terse.rule[i], full.rule[i]);
        CHECK_EQ_INT(terse.packet[i], full.packet[i]);
        CHECK_STREQ(terse.phone[i], full.phone[i]);
        sbd_trust_outcome o_i = full.outcome[i];
        bool words = full.rule[i] != SBD_RULE_COUNT || o_i == SBD_OUT_LIST_INVALID ||
                     (o_i >= SBD_OUT_SIGNED_INVALID && o_i <= SBD_OUT_SIGNED_NO_LIST);
        CHECK(full.reason[i][0]);
        if (words) {
            worded++;
            CHECK_STREQ(terse.reason[i], full.reason[i]);
            CHECK_STREQ(terse.key[i], full.key[i]);
        } else {
            quiet++;
            CHECK_STREQ(terse.reason[i], "");
            CHECK_STREQ(terse.key[i], "");
        }
    }
    CHECK(quiet >= 5 && worded >= 5); /* both kinds were met */
    CHECK(count_outcome(&full, SBD_OUT_SIGNED_NO_LIST) == 1 &&
          count_outcome(&full, SBD_OUT_LIST_INVALID) == 1 &&
          count_rule(&full, SBD_RULE_TVS_CERT_MATCH) >= 1);
}

/* Record certificates decoded by the caller: what the engine would decode itself, or one made to
 * expire in 2020. */
static size_t hook_calls;
static bool hook_expired;
static sbd_cert_info hook_cert;

static const sbd_cert_info *decoded_record(const void *ctx, size_t i)
{
    const item *it = ctx;
    const sbd_elem *e = i < it->l.f.n_records ? it->l.f.records[i].certificate : NULL;
    sbd_error err;
    hook_calls++;
    if (!e ||
        sbd_cert_info_from_der(it->l.f.buf + e->value_off, e->len, &hook_cert, &err) != SBD_OK)
        return NULL;
    if (hook_expired)
        hook_cert.not_after = 1577836800; /* 2020-01-01 */
    return &hook_cert;
}

/* The engine takes the record certificates it is handed instead of decoding them again, with the
 * same decisions when they are the same certificates. */
static void test_record_certs_handed(const mat *m)
{
    static seen own, handed;
    sbd_trust *t = engine(&own);
    every_kind(t, m);
    sbd_trust_free(t);
    record_hook = decoded_record;
    hook_calls = 0;
    t = engine(&handed);
    every_kind(t, m);
    sbd_trust_free(t);
    CHECK(hook_calls > 0);
    CHECK_EQ_INT(handed.n, own.n);
    for (size_t i = 0; i < own.n && i < handed.n; i++) {
        CHECK_EQ_INT(handed.outcome[i], own.outcome[i]);
        CHECK_STREQ(handed.reason[i], own.reason[i]);
    }
    CHECK_EQ_INT(count_outcome(&own, SBD_OUT_CERT_EXPIRED), 0);
    hook_expired = true; /* the engine's answer follows what it is handed */
    t = engine(&handed);
    every_kind(t, m);
    sbd_trust_free(t);
    CHECK(count_outcome(&handed, SBD_OUT_CERT_EXPIRED) > 0);
    hook_expired = false;
    record_hook = NULL;
}

static void test_phones_and_transfers(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    missing_ev(t, PHONE, ITL, SBD_XFER_NOT_FOUND);
    file_ev(t, PHONE, "ITLFile.tlv", m->a);
    tls_ev(t, PHONE, 2445, &m->tvs);       /* bound to the MAC by the earlier request */
    tls_ev(t, "10.0.0.77", 2445, &m->tvs); /* unknown phone: judged with the served list */
    missing_ev(t, PHONE, CNF, SBD_XFER_FAILED);
    sbd_trust_finish(t);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_FILE_FALLBACK), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TFTP_TRANSFER_INCOMPLETE), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TVS_CERT_MATCH), 2);
    bool saw_mac = false, saw_addr = false;
    for (size_t i = 0; i < s.n; i++) {
        if (s.rule[i] != SBD_RULE_TVS_CERT_MATCH)
            continue;
        saw_mac = saw_mac || strcmp(s.phone[i], "SEP001122334455") == 0;
        saw_addr = saw_addr || strcmp(s.phone[i], "10.0.0.77") == 0;
    }
    CHECK(saw_mac && saw_addr);
    sbd_trust_free(t);
}

/* The front end observes whether the capture's end cut an unfinished transfer; the engine turns
 * that fact into the warning, and an unfinished transfer without it stays the error. */
/* Equal texts, both shown when they differ. */
#define CHECK_SAME(a, b)                                                                           \
    do {                                                                                           \
        if (strcmp((a), (b)) != 0)                                                                 \
            fprintf(stderr, "got  '%s'\nwant '%s'\n", (a), (b));                                   \
        CHECK(strcmp((a), (b)) == 0);                                                              \
    } while (0)

/* The engine writes the one sentence of an unfinished transfer from the facts the front end
 * knows; each fact left out drops its words only. */
static void test_unfinished_sentence(void)
{
    seen s;
    sbd_trust *t = engine(&s);
    pkt++; /* not inside the initializer: its parts are not sequenced */
    sbd_trust_file_ev ev = {.at = {0, pkt, (int64_t)pkt * 1000000, NULL},
                            .client = PHONE,
                            .server = "10.0.0.10",
                            .name = ITL,
                            .xfer = SBD_XFER_FAILED,
                            .proto = "TFTP",
                            .failure = "incomplete",
                            .has_bytes = true,
                            .bytes = 1024,
                            .missing = "3-5"};
    sbd_trust_file(t, &ev);
    CHECK_SAME(s.reason[s.n - 1], ITL " to SEP001122334455 over TFTP: incomplete after 1024 "
                                      "bytes; missing blocks 3-5");
    pkt++;
    ev = (sbd_trust_file_ev){.at = {0, pkt, (int64_t)pkt * 1000000, NULL},
                             .client = PHONE,
                             .name = ITL,
                             .xfer = SBD_XFER_FAILED};
    sbd_trust_file(t, &ev);
    CHECK_SAME(s.reason[s.n - 1], ITL " to SEP001122334455: did not finish");
    ev.at.packet = ++pkt;
    ev.cut_by_capture_end = true;
    ev.proto = "HTTP";
    ev.last_packet = 21;
    ev.has_bytes = true;
    ev.bytes = 2896;
    sbd_trust_file(t, &ev);
    CHECK_SAME(s.reason[s.n - 1], ITL " to SEP001122334455 over HTTP: the capture ends at packet "
                                      "21 while the transfer was still going on (2896 bytes so "
                                      "far)");
    ev.at.packet = ++pkt;
    ev.has_bytes = false;
    ev.last_packet = 0;
    ev.missing = "last block never seen";
    sbd_trust_file(t, &ev);
    CHECK_SAME(s.reason[s.n - 1], ITL " to SEP001122334455 over HTTP: the capture ends while the "
                                      "transfer was still going on (last block never seen)");
    sbd_trust_free(t);
}

/* One finding, however many decisions: the identity every front end dedupes by. */
static void test_finding_id(void)
{
    char a[128], b[128];
    sbd_trust_finding_id(SBD_RULE_CERT_EXPIRED, 0, "SEP001122334455", "ab", a, sizeof a);
    sbd_trust_finding_id(SBD_RULE_CERT_EXPIRED, 0, "SEP001122334466", "ab", b, sizeof b);
    CHECK_SAME(a, b); /* counted per capture: the phone does not part them */
    sbd_trust_finding_id(SBD_RULE_TVS_CERT_MATCH, 0, "SEP001122334455", "ab", a, sizeof a);
    sbd_trust_finding_id(SBD_RULE_TVS_CERT_MATCH, 0, "SEP001122334466", "ab", b, sizeof b);
    CHECK(strcmp(a, b) != 0);
    sbd_trust_finding_id(SBD_RULE_TVS_CERT_MATCH, 1, "SEP001122334455", "ab", b, sizeof b);
    CHECK(strcmp(a, b) != 0); /* another capture */
    sbd_trust_finding_id(SBD_RULE_TVS_CERT_MATCH, 0, "SEP001122334455", "ac", b, sizeof b);
    CHECK(strcmp(a, b) != 0);
}

static void test_cut_by_capture_end(void)
{
    seen s;
    sbd_trust *t = engine(&s);
    pkt++;
    sbd_trust_file_ev ev = {.at = {0, pkt, (int64_t)pkt * 1000000, NULL},
                            .client = PHONE,
                            .server = "10.0.0.10",
                            .name = ITL,
                            .xfer = SBD_XFER_FAILED,
                            .cut_by_capture_end = true};
    sbd_trust_file(t, &ev);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRANSFER_CUT_BY_CAPTURE_END), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TFTP_TRANSFER_INCOMPLETE), 0);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_XFER_CUT), 1);
    CHECK_EQ_INT(sbd_rule_severity(SBD_RULE_TRANSFER_CUT_BY_CAPTURE_END), SBD_SEV_WARNING);
    ev.cut_by_capture_end = false;
    ev.at.packet = ++pkt;
    sbd_trust_file(t, &ev);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRANSFER_CUT_BY_CAPTURE_END), 1);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TFTP_TRANSFER_INCOMPLETE), 1);
    /* A file that is no trust or signed file matters to neither rule. */
    ev.cut_by_capture_end = true;
    ev.name = "dialplan.xml";
    ev.at.packet = ++pkt;
    sbd_trust_file(t, &ev);
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRANSFER_CUT_BY_CAPTURE_END), 1);
    sbd_trust_finish(t);
    sbd_trust_free(t);
}

/* A forgotten phone starts from nothing: its next ITL is a first contact, not a change. */
static void test_forget(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    file_ev(t, PHONE, ITL, m->a);
    file_ev(t, PHONE, ITL, m->c); /* pending */
    sbd_trust_forget(t, "SEP001122334455");
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_UNDECIDED), 1); /* settled before forgetting */
    tls_ev(t, PHONE, 2445, &m->tvs2); /* the address no longer names the phone */
    CHECK_EQ_INT(count_rule(&s, SBD_RULE_TRUST_CHAIN_BROKEN), 0);
    file_ev(t, PHONE, ITL, m->c);
    CHECK_EQ_INT(count_outcome(&s, SBD_OUT_LIST_FIRST), 2);
    sbd_trust_forget(t, "nobody");
    sbd_trust_finish(t);
    sbd_trust_free(t);
}

/* Many phones with hostile names: the engine stays linear (no per-phone scans). */
static void test_many_phones(const mat *m)
{
    seen s;
    sbd_trust *t = engine(&s);
    char client[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(client, sizeof client, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        file_ev(t, client, "ITLFile.tlv", m->a);
        file_ev(t, client, "ITLFile.tlv", m->c);
    }
    tls_ev(t, "10.99.99.99", 2445, &m->tvs2);
    sbd_trust_finish(t);
    CHECK(s.n == MAX_SEEN); /* the sink kept the first 64 */
    sbd_trust_free(t);
}

/* Cut by the capture's end, or stopped: the window both front ends judge an unfinished transfer by.
 */
static void test_cut_window(void)
{
    const int64_t s = 1000000;
    CHECK(sbd_trust_cut_by_capture_end(100 * s, 96 * s, 0));
    CHECK(!sbd_trust_cut_by_capture_end(100 * s, 95 * s, 0));
    CHECK(sbd_trust_cut_by_capture_end(100 * s, 81 * s, 10)); /* twice a longer TFTP timeout */
    CHECK(!sbd_trust_cut_by_capture_end(100 * s, 80 * s, 10));
    CHECK(!sbd_trust_cut_by_capture_end(100 * s, 90 * s, 1)); /* a short timeout: still 5 s */
}

int main(void)
{
    test_cut_window();
    if (!fx_setup("trust") || !build()) {
        CHECK(!"fixture");
        return check_report();
    }
    mat m;
    memset(&m, 0, sizeof m);
    m.a = load_item("a.tlv");
    m.b = load_item("b.tlv");
    m.a_again = load_item("a-again.tlv");
    m.c = load_item("c.tlv");
    m.a_rec = load_item("a-rec.tlv");
    m.d_rec = load_item("d-rec.tlv");
    m.rollback = load_item("rollback.tlv");
    m.tampered = load_item("a-tampered.tlv");
    m.ctl1 = load_item("ctl1.tlv");
    m.ctl1b = load_item("ctl1b.tlv");
    m.ctl2 = load_item("ctl2.tlv");
    m.ctl_dns = load_item("ctl-dns.tlv");
    m.ctl_other = load_item("ctl-other.tlv");
    m.b_dns = load_item("b-dns.tlv");
    m.cnf = load_item("cnf.sgn");
    m.cnf2 = load_item("cnf2.sgn");
    CHECK(m.a && m.a_again && m.b && m.c && m.a_rec && m.d_rec && m.rollback && m.ctl1 && m.ctl1b &&
          m.ctl2 && m.ctl_dns && m.ctl_other && m.b_dns && m.cnf && m.cnf2);
    CHECK(load_wire("tvs", &m.tvs) && load_wire("tvs2", &m.tvs2) && load_wire("capf", &m.capf) &&
          load_wire("tomcat", &m.tomcat) && load_wire("callmanager", &m.cm) &&
          load_wire("callmanager2", &m.cm2));
    if (check_failed == 0) {
        test_first_same_valid(&m);
        test_via_tvs(&m);
        test_direct_and_back(&m);
        test_chain_broken(&m);
        test_undecided(&m);
        test_fallback_tvs(&m);
        test_itl_recovery(&m);
        test_invalid_list(&m);
        test_ctl_chain(&m);
        test_ctl_not_updated(&m);
        test_rollback(&m);
        test_services(&m);
        test_phones_and_transfers(&m);
        test_cut_by_capture_end();
        test_unfinished_sentence();
        test_finding_id();
        test_forget(&m);
        test_many_phones(&m);
        test_terse(&m);
        test_record_certs_handed(&m);
    }
    for (size_t i = 0; i < n_items; i++)
        fx_unload(&lists[i].l);
    wire *w[] = {&m.tvs, &m.tvs2, &m.capf, &m.tomcat, &m.cm, &m.cm2};
    for (size_t i = 0; i < 6; i++)
        free(w[i]->der);
    fx_teardown();
    return check_report();
}
