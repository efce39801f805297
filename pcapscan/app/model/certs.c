/* Shared certificate chains (see certs.h). Two chained hash tables under one lock: distinct
 * certificates (DER, decoded facts) and distinct chains (arrays of obs_cert whose DER and error
 * text point into the certificate table). */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap/keyhash.h"
#include "model/certs.h"
#include "lib/util.h"

typedef struct cert_ent {
    uint64_t hash;
    obs_cert c; /* owns der and error */
    struct cert_ent *next;
} cert_ent;

typedef struct chain_ent {
    uint64_t hash;
    size_t n;
    obs_cert *certs; /* copies of the cert_ent facts; der/error borrowed from them */
    struct chain_ent *next;
} chain_ent;

typedef struct table {
    void **b; /* cert_ent * or chain_ent * */
    size_t nb, n;
} table;

struct obs_certs {
    pthread_mutex_t lock;
    cap_hkey key; /* certificates come from captures and results files: keyed hashing */
    table certs, chains;
    bool certs_full; /* certificates keyed by a hash of every byte, not of a sample */
};

obs_certs *obs_certs_new(void)
{
    obs_certs *t = calloc(1, sizeof *t);
    if (t) {
        pthread_mutex_init(&t->lock, NULL);
        t->key = cap_hkey_run();
    }
    return t;
}

void obs_certs_free(obs_certs *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->chains.nb; i++)
        for (chain_ent *e = t->chains.b[i], *nx; e; e = nx) {
            nx = e->next;
            free(e->certs);
            free(e);
        }
    for (size_t i = 0; i < t->certs.nb; i++)
        for (cert_ent *e = t->certs.b[i], *nx; e; e = nx) {
            nx = e->next;
            free(e->c.der);
            free(e->c.error);
            free(e);
        }
    free(t->certs.b);
    free(t->chains.b);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* Both entry kinds start with the hash and end with next: rehash through these accessors. */
static uint64_t ent_hash(const void *e, bool chain)
{
    return chain ? ((const chain_ent *)e)->hash : ((const cert_ent *)e)->hash;
}

static void **ent_next(void *e, bool chain)
{
    return chain ? (void **)&((chain_ent *)e)->next : (void **)&((cert_ent *)e)->next;
}

/* Room for one more entry (load factor 1); false when out of memory. */
static bool table_room(table *tb, bool chain)
{
    if (tb->n < tb->nb)
        return true;
    size_t nb = tb->nb ? tb->nb * 2 : 64;
    void **b = calloc(nb, sizeof *b);
    if (!b)
        return false;
    for (size_t i = 0; i < tb->nb; i++)
        for (void *e = tb->b[i], *nx; e; e = nx) {
            nx = *ent_next(e, chain);
            size_t k = ent_hash(e, chain) & (nb - 1);
            *ent_next(e, chain) = b[k];
            b[k] = e;
        }
    free(tb->b);
    tb->b = b;
    tb->nb = nb;
    return true;
}

static void table_add(table *tb, void *e, bool chain)
{
    size_t k = ent_hash(e, chain) & (tb->nb - 1);
    *ent_next(e, chain) = tb->b[k];
    tb->b[k] = e;
    tb->n++;
}

/* The same TVS certificate reaches every phone: a sampled key spares hashing all its bytes on
 * each session (memcmp confirms a match), until certificates built to share a sample are met. */
static uint64_t cert_hash(const obs_certs *t, const uint8_t *der, size_t len)
{
    return t->certs_full ? cap_khash(&t->key, der, len) : cap_khash_sample(&t->key, der, len);
}

static cert_ent *cert_probe(const obs_certs *t, uint64_t h, const cap_tls_cert *c,
                            unsigned *near_misses)
{
    for (cert_ent *e = t->certs.nb ? t->certs.b[h & (t->certs.nb - 1)] : NULL; e; e = e->next) {
        if (e->hash != h || e->c.len != c->len)
            continue;
        if (memcmp(e->c.der, c->der, c->len) == 0)
            return e;
        ++*near_misses;
    }
    return NULL;
}

/* Certificates sharing a sample would make each lookup compare them all: key every entry by
 * all its bytes, as before sampling (chains hash their certificates' addresses, not these). */
static void certs_go_full(obs_certs *t)
{
    cert_ent *all = NULL;
    t->certs_full = true;
    for (size_t i = 0; i < t->certs.nb; i++) {
        for (cert_ent *e = t->certs.b[i], *nx; e; e = nx) {
            nx = e->next;
            e->next = all;
            all = e;
        }
        t->certs.b[i] = NULL;
    }
    for (cert_ent *e = all, *nx; e; e = nx) {
        nx = e->next;
        e->hash = cert_hash(t, e->c.der, e->c.len);
        size_t k = e->hash & (t->certs.nb - 1);
        e->next = t->certs.b[k];
        t->certs.b[k] = e;
    }
}

static cert_ent *cert_of(obs_certs *t, const cap_tls_cert *c)
{
    unsigned near_misses = 0;
    uint64_t h = cert_hash(t, c->der, c->len);
    cert_ent *found = cert_probe(t, h, c, &near_misses);
    if (found)
        return found;
    if (!t->certs_full && near_misses >= CAP_SAMPLE_SUSPECT) {
        certs_go_full(t);
        h = cert_hash(t, c->der, c->len);
    }
    cert_ent *e = calloc(1, sizeof *e);
    if (!e || !table_room(&t->certs, false) || !(e->c.der = malloc(c->len ? c->len : 1))) {
        free(e);
        return NULL;
    }
    memcpy(e->c.der, c->der, c->len);
    e->c.len = c->len;
    e->hash = h;
    sbd_error err;
    memset(&err, 0, sizeof err);
    e->c.info_ok = sbd_cert_info_from_der(e->c.der, e->c.len, &e->c.info, &err) == SBD_OK;
    if (!e->c.info_ok)
        e->c.error = util_printable(err.msg);
    table_add(&t->certs, e, false);
    return e;
}

static bool same_chain(const chain_ent *e, uint64_t h, cert_ent *const *ents, size_t n)
{
    if (e->hash != h || e->n != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (e->certs[i].der != ents[i]->c.der)
            return false;
    return true;
}

/* The chain of these table certificates, made on first sight. */
static const obs_cert *chain_of_ents(obs_certs *t, cert_ent *const *ents, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t pair[2] = {h, (uint64_t)(uintptr_t)ents[i]}; /* stable when certs_go_full */
        h = cap_khash(&t->key, pair, sizeof pair);
    }
    chain_ent *e = t->chains.nb ? t->chains.b[h & (t->chains.nb - 1)] : NULL;
    while (e && !same_chain(e, h, ents, n))
        e = e->next;
    if (!e && (e = calloc(1, sizeof *e)) != NULL) {
        e->hash = h;
        e->n = n;
        e->certs = calloc(n ? n : 1, sizeof *e->certs);
        if (!e->certs || !table_room(&t->chains, true)) {
            free(e->certs);
            free(e);
            e = NULL;
        } else {
            for (size_t i = 0; i < n; i++)
                e->certs[i] = ents[i]->c;
            table_add(&t->chains, e, true);
        }
    }
    return e ? e->certs : NULL;
}

static const obs_cert *chain_locked(obs_certs *t, const cap_tls_cert *chain, size_t n)
{
    cert_ent **ents = calloc(n ? n : 1, sizeof *ents);
    if (!ents)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(ents[i] = cert_of(t, &chain[i]))) {
            free(ents);
            return NULL;
        }
    const obs_cert *c = chain_of_ents(t, ents, n);
    free(ents);
    return c;
}

const obs_cert *obs_certs_chain(obs_certs *t, const cap_tls_cert *chain, size_t n)
{
    pthread_mutex_lock(&t->lock);
    const obs_cert *c = chain_locked(t, chain, n);
    pthread_mutex_unlock(&t->lock);
    return c;
}

const obs_cert *obs_certs_cert(obs_certs *t, const uint8_t *der, size_t len)
{
    cap_tls_cert c = {der, len};
    pthread_mutex_lock(&t->lock);
    cert_ent *e = cert_of(t, &c);
    pthread_mutex_unlock(&t->lock);
    return e ? &e->c : NULL;
}

const obs_cert *obs_certs_chain_of(obs_certs *t, const obs_cert *const *certs, size_t n)
{
    cert_ent **ents = calloc(n ? n : 1, sizeof *ents);
    if (!ents)
        return NULL;
    for (size_t i = 0; i < n; i++) /* each is the c member of a cert_ent of t */
        ents[i] = (cert_ent *)((char *)certs[i] - offsetof(cert_ent, c));
    pthread_mutex_lock(&t->lock);
    const obs_cert *c = chain_of_ents(t, ents, n);
    pthread_mutex_unlock(&t->lock);
    free(ents);
    return c;
}
