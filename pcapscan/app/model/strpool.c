/* Interned strings (see strpool.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/strpool.h"

/* Small enough that a run with a few phones stays small, large enough to make the per-chunk
 * bookkeeping negligible. */
#define STRPOOL_CHUNK 16384

void strpool_free(strpool *p)
{
    free(p->index);
    for (size_t i = 0; i < p->n_chunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
    memset(p, 0, sizeof *p);
}

void strpool_seal(strpool *p)
{
    free(p->index);
    p->index = NULL;
    p->index_cap = p->index_n = 0;
}

/* Room for n bytes that never move: the current chunk, a new one, or a chunk of their own. */
static char *take(strpool *p, size_t n)
{
    if (n > p->room) {
        if (p->n_chunks == p->cap_chunks) {
            size_t ncap = p->cap_chunks ? p->cap_chunks * 2 : 8;
            char **nc = realloc(p->chunks, ncap * sizeof *nc);
            if (!nc)
                return NULL;
            p->chunks = nc;
            p->cap_chunks = ncap;
        }
        size_t sz = n > STRPOOL_CHUNK / 4 ? n : STRPOOL_CHUNK;
        char *c = malloc(sz);
        if (!c)
            return NULL;
        if (sz == n && p->n_chunks) {
            /* A big string gets its own chunk, placed before the current one so that one's
             * remaining room stays usable. */
            p->chunks[p->n_chunks] = p->chunks[p->n_chunks - 1];
            p->chunks[p->n_chunks++ - 1] = c;
            return c;
        }
        p->chunks[p->n_chunks++] = c;
        p->used = 0;
        p->room = sz;
    }
    char *at = p->chunks[p->n_chunks - 1] + p->used;
    p->used += n;
    p->room -= n;
    return at;
}

static size_t slot_of(const strpool *p, const char *s, size_t len)
{
    size_t mask = p->index_cap - 1, i = (size_t)cap_khash(&p->key, s, len) & mask;
    while (p->index[i] && !(strncmp(p->index[i], s, len) == 0 && p->index[i][len] == '\0'))
        i = (i + 1) & mask;
    return i;
}

static bool grow_index(strpool *p)
{
    if (!p->index_cap)
        p->key = cap_hkey_run();
    size_t ncap = p->index_cap ? p->index_cap * 2 : 256;
    const char **old = p->index;
    size_t old_cap = p->index_cap;
    if (!(p->index = calloc(ncap, sizeof *p->index))) {
        p->index = old;
        return false;
    }
    p->index_cap = ncap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            p->index[slot_of(p, old[i], strlen(old[i]))] = old[i];
    free(old);
    return true;
}

const char *strpool_get(strpool *p, const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    if (!len)
        return "";
    if ((p->index_n + 1) * 2 > p->index_cap && !grow_index(p))
        return NULL;
    size_t i = slot_of(p, s, len);
    if (p->index[i])
        return p->index[i];
    char *c = take(p, len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    p->index[i] = c;
    p->index_n++;
    return c;
}

const char *strpool_add(strpool *p, const char *s)
{
    size_t len = strlen(s);
    char *c = take(p, len + 1);
    if (c)
        memcpy(c, s, len + 1);
    return c;
}

char *strpool_alloc(strpool *p, size_t n)
{
    return take(p, n ? n : 1);
}
