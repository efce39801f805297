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
    for (size_t i = 0; i < in->n_digest_chunks; i++)
        free(in->digest_chunks[i]);
    for (size_t i = 0; i < in->n_addr_chunks; i++)
        free(in->addr_chunks[i]);
    for (size_t i = 0; i < in->n_outcome_chunks; i++)
        free(in->outcome_chunks[i]);
    free(in->outcome_chunks);
    free(in->addr_chunks);
    free(in->file_chunks);
    free(in->tls_chunks);
    free(in->digest_chunks);
    obs_input_seal(in);
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
    if (in->digest_indexed)
        kmap_free(&in->digest_index);
    in->digest_indexed = false;
    if (in->addr_indexed)
        kmap_free(&in->addr_index);
    in->addr_indexed = false;
    if (in->outcome_indexed)
        kmap_free(&in->outcome_index);
    in->outcome_indexed = false;
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

const obs_digest *obs_input_digest(obs_input *in, const uint8_t sha256[32], const uint8_t md5[16])
{
    if (!in->digest_indexed) {
        kmap_init(&in->digest_index);
        in->digest_indexed = true;
    }
    size_t at = kmap_get(&in->digest_index, sha256, 32);
    if (at != SIZE_MAX) {
        const obs_digest *d = (const obs_digest *)(uintptr_t)at;
        if (memcmp(d->md5, md5, 16) == 0)
            return d;
        /* Same sha256, other md5: only a results file can say so; keep this one apart. */
    }
    obs_digest *d =
        chunk_slot((void ***)&in->digest_chunks, &in->n_digest_chunks, in->n_digests, sizeof *d);
    if (!d)
        return NULL;
    in->n_digests++;
    memcpy(d->sha256, sha256, 32);
    memcpy(d->md5, md5, 16);
    if (at == SIZE_MAX)
        kmap_put(&in->digest_index, d->sha256, 32, (size_t)(uintptr_t)d, NULL); /* a miss later
                                                                                   only costs a
                                                                                   copy */
    return d;
}

const cap_addr *obs_input_addr(obs_input *in, const cap_addr *a)
{
    if (!in->addr_indexed) {
        kmap_init(&in->addr_index);
        in->addr_indexed = true;
    }
    size_t at = kmap_get(&in->addr_index, a, sizeof *a);
    if (at != SIZE_MAX)
        return (const cap_addr *)(uintptr_t)at;
    cap_addr *c =
        chunk_slot((void ***)&in->addr_chunks, &in->n_addr_chunks, in->n_addrs, sizeof *c);
    if (!c)
        return &obs_addr_none;
    in->n_addrs++;
    *c = *a;
    kmap_put(&in->addr_index, c, sizeof *c, (size_t)(uintptr_t)c, NULL); /* a miss: a copy more */
    return c;
}

void obs_outcome_init(obs_outcome *o)
{
    memset(o, 0, sizeof *o); /* padding too: the input's copies are found by their bytes */
    o->error_code = -1;
}

const obs_outcome *obs_input_outcome(obs_input *in, const obs_outcome *o)
{
    if (!in->outcome_indexed) {
        kmap_init(&in->outcome_index);
        in->outcome_indexed = true;
    }
    size_t at = kmap_get(&in->outcome_index, o, sizeof *o);
    if (at != SIZE_MAX)
        return (const obs_outcome *)(uintptr_t)at;
    obs_outcome *c =
        chunk_slot((void ***)&in->outcome_chunks, &in->n_outcome_chunks, in->n_outcomes, sizeof *c);
    if (!c)
        return &obs_outcome_none;
    in->n_outcomes++;
    memcpy(c, o, sizeof *c);
    kmap_put(&in->outcome_index, c, sizeof *c, (size_t)(uintptr_t)c, NULL); /* a miss: a copy */
    return c;
}

const char *obs_input_text(obs_input *in, const char *s)
{
    return strpool_get(&in->text, s, SIZE_MAX);
}
