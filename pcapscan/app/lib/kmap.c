/* Keyed string index (see kmap.h). */
#include <stdlib.h>
#include <string.h>

#include "lib/kmap.h"

void kmap_init(kmap *m)
{
    memset(m, 0, sizeof *m);
    m->key = cap_hkey_run();
}

void kmap_free(kmap *m)
{
    free(m->e);
    m->e = NULL;
    m->cap = m->n = 0;
}

static size_t slot_of(const kmap *m, uint64_t h, const void *key, size_t len)
{
    size_t i = (size_t)h & (m->cap - 1);
    while (m->e[i].key &&
           !(m->e[i].hash == h && m->e[i].len == len && memcmp(m->e[i].key, key, len) == 0))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static bool grow(kmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    kmap_ent *ne = calloc(ncap, sizeof *ne);
    if (!ne)
        return false;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->e[i].key)
            continue;
        size_t k = (size_t)m->e[i].hash & (ncap - 1);
        while (ne[k].key)
            k = (k + 1) & (ncap - 1);
        ne[k] = m->e[i];
    }
    free(m->e);
    m->e = ne;
    m->cap = ncap;
    return true;
}

size_t kmap_put(kmap *m, const void *key, size_t len, size_t val, bool *added)
{
    if (added)
        *added = false;
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return SIZE_MAX;
    /* An empty key still needs a non-NULL pointer to mark the slot used. */
    const void *k = key ? key : "";
    uint64_t h = cap_khash(&m->key, k, len);
    size_t i = slot_of(m, h, k, len);
    if (m->e[i].key)
        return m->e[i].val;
    m->e[i] = (kmap_ent){h, k, len, val};
    m->n++;
    if (added)
        *added = true;
    return val;
}

size_t kmap_get(const kmap *m, const void *key, size_t len)
{
    if (!m->cap)
        return SIZE_MAX;
    const void *k = key ? key : "";
    size_t i = slot_of(m, cap_khash(&m->key, k, len), k, len);
    return m->e[i].key ? m->e[i].val : SIZE_MAX;
}

size_t kmap_put_str(kmap *m, const char *key, size_t val, bool *added)
{
    return kmap_put(m, key, strlen(key), val, added);
}

size_t kmap_get_str(const kmap *m, const char *key)
{
    return kmap_get(m, key, strlen(key));
}
