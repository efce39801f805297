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
    if (p->indexed)
        kmap_free(&p->index);
    for (size_t i = 0; i < p->n_chunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
    memset(p, 0, sizeof *p);
}

void strpool_seal(strpool *p)
{
    if (p->indexed)
        kmap_free(&p->index);
    p->indexed = false;
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

const char *strpool_get(strpool *p, const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    if (!len)
        return "";
    if (!p->indexed) {
        kmap_init(&p->index);
        p->indexed = true;
    }
    size_t at = kmap_get(&p->index, s, len);
    if (at != SIZE_MAX)
        return (const char *)(uintptr_t)at;
    char *c = take(p, len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    if (kmap_put(&p->index, c, len, (size_t)(uintptr_t)c, NULL) == SIZE_MAX)
        return NULL; /* the copy stays in its chunk, unused */
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
