/* Observation records (see observe.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/certs.h"
#include "model/observe.h"

const char *obs_xfer_name(obs_xfer x)
{
    static const char *const names[] = {
#define OBS_XFER_NAME(name, text) text,
        OBS_XFER_MAP(OBS_XFER_NAME)
#undef OBS_XFER_NAME
    };
    return (size_t)x < sizeof names / sizeof names[0] ? names[x] : "?";
}

const obs_file_more obs_more_none;
static const cap_addr obs_addr_none;
static const obs_outcome obs_outcome_none = {.error_code = -1};

void obs_input_init(obs_input *in, size_t index, const char *path)
{
    memset(in, 0, sizeof *in);
    in->index = index;
    in->listed = index;
    in->path = strdup(path);
    store_init(&in->content);
}

obs_file_more *obs_more_make(obs_file *f)
{
    if (!f->more)
        f->more = calloc(1, sizeof *f->more);
    return f->more;
}

static void free_tls(obs_tls *t)
{
    for (size_t i = 0; !t->certs_shared && i < t->n_certs; i++) {
        free(t->certs[i].der);
        free(t->certs[i].error);
    }
    if (!t->certs_shared)
        free(t->certs);
}

static void interned_seal(obs_interned *t)
{
    if (t->indexed)
        kmap_free(&t->index);
    t->indexed = false;
}

static void interned_free(obs_interned *t)
{
    interned_seal(t);
    for (size_t i = 0; i < t->n_chunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
}

void obs_input_free(obs_input *in)
{
    for (size_t i = 0; i < in->n_files; i++)
        free(obs_file_at(in, i)->more);
    for (size_t i = 0; i < in->n_tls; i++)
        free_tls(obs_tls_at(in, i));
    for (size_t i = 0; i < in->n_file_chunks; i++)
        free(in->file_chunks[i]);
    for (size_t i = 0; i < in->n_tls_chunks; i++)
        free(in->tls_chunks[i]);
    free(in->file_chunks);
    free(in->tls_chunks);
    obs_input_seal(in);
    interned_free(&in->digests);
    interned_free(&in->outcomes);
    interned_free(&in->addrs);
    strpool_free(&in->text);
    free(in->path);
    free(in->open_error);
    free(in->end_msg);
    store_free(&in->content);
    if (in->owns_certs)
        obs_certs_free(in->certs);
    memset(in, 0, sizeof *in);
}

void obs_input_seal(obs_input *in)
{
    interned_seal(&in->digests);
    interned_seal(&in->outcomes);
    interned_seal(&in->addrs);
    strpool_seal(&in->text);
}

void *obs_grow_one(void **arr, size_t *n, size_t *cap, size_t elsz)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        void *na = realloc(*arr, ncap * elsz);
        if (!na)
            return NULL;
        *arr = na;
        *cap = ncap;
    }
    void *el = (char *)*arr + (*n)++ * elsz;
    memset(el, 0, elsz);
    return el;
}

/* Element n of a chunked array (chunks of OBS_CHUNK elements of elsz bytes), zeroed; a new chunk
 * when n starts one. NULL when out of memory (nothing changed). */
static void *chunk_slot(void ***chunks, size_t *n_chunks, size_t n, size_t elsz)
{
    if (n % OBS_CHUNK == 0) {
        void **nc = realloc(*chunks, (*n_chunks + 1) * sizeof *nc);
        if (!nc)
            return NULL;
        *chunks = nc;
        if (!(nc[*n_chunks] = malloc(OBS_CHUNK * elsz)))
            return NULL;
        ++*n_chunks;
    }
    void *el = (char *)(*chunks)[n / OBS_CHUNK] + (n % OBS_CHUNK) * elsz;
    memset(el, 0, elsz);
    return el;
}

obs_file *obs_add_file(obs_input *in)
{
    obs_file *f =
        chunk_slot((void ***)&in->file_chunks, &in->n_file_chunks, in->n_files, sizeof *f);
    if (f) {
        in->n_files++;
        f->input = (uint32_t)in->index;
        f->seq = in->next_seq++;
        f->outcome = &obs_outcome_none;
        f->phone = "";
        f->client = f->server = &obs_addr_none;
    }
    return f;
}

obs_tls *obs_add_tls(obs_input *in)
{
    obs_tls *t = chunk_slot((void ***)&in->tls_chunks, &in->n_tls_chunks, in->n_tls, sizeof *t);
    if (t) {
        in->n_tls++;
        t->input = (uint32_t)in->index;
        t->seq = in->next_seq++;
        t->client = t->server = &obs_addr_none;
    }
    return t;
}

/* The copy of the size bytes at v kept in t, made on first sight; NULL when out of memory. */
static const void *intern(obs_interned *t, const void *v, size_t size)
{
    if (!t->indexed) {
        kmap_init(&t->index);
        t->indexed = true;
    }
    size_t at = kmap_get(&t->index, v, size);
    if (at != SIZE_MAX)
        return (const void *)(uintptr_t)at;
    void *c = chunk_slot(&t->chunks, &t->n_chunks, t->n, size);
    if (!c)
        return NULL;
    t->n++;
    memcpy(c, v, size);
    kmap_put(&t->index, c, size, (size_t)(uintptr_t)c, NULL); /* a miss later: a copy more */
    return c;
}

const obs_digest *obs_input_digest(obs_input *in, const uint8_t sha256[32], const uint8_t md5[16])
{
    /* Keyed by both digests: a results file may pair one sha256 with another md5. */
    obs_digest d;
    memcpy(d.sha256, sha256, 32);
    memcpy(d.md5, md5, 16);
    return intern(&in->digests, &d, sizeof d);
}

const cap_addr *obs_input_addr(obs_input *in, const cap_addr *a)
{
    const cap_addr *c = intern(&in->addrs, a, sizeof *a);
    return c ? c : &obs_addr_none;
}

void obs_outcome_init(obs_outcome *o)
{
    memset(o, 0, sizeof *o); /* padding too: the input's copies are found by their bytes */
    o->error_code = -1;
}

const obs_outcome *obs_input_outcome(obs_input *in, const obs_outcome *o)
{
    const obs_outcome *c = intern(&in->outcomes, o, sizeof *o);
    return c ? c : &obs_outcome_none;
}

const char *obs_input_text(obs_input *in, const char *s)
{
    return strpool_get(&in->text, s, SIZE_MAX);
}
