/* Keyed string map (sbd/smap.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sbd/smap.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v); /* one load, not eight */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

uint64_t sbd_siphash(uint64_t k0, uint64_t k1, const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t full = n - n % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(p + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)(n & 0xff) << 56;
    for (size_t i = 0; i < n % 8; i++)
        last |= (uint64_t)p[full + i] << (8 * i);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static size_t slot(const sbd_smap *m, const void *key, size_t len)
{
    return (size_t)(sbd_siphash(m->k0, m->k1, key, len) & (m->nb - 1));
}

sbd_smap_ent *sbd_smap_findb(const sbd_smap *m, const void *key, size_t len)
{
    if (!m->nb || !key)
        return NULL;
    for (sbd_smap_ent *e = m->b[slot(m, key, len)]; e; e = e->next)
        if (e->key_len == len && memcmp(e->key, key, len) == 0)
            return e;
    return NULL;
}

sbd_smap_ent *sbd_smap_find(const sbd_smap *m, const char *key)
{
    return key ? sbd_smap_findb(m, key, strlen(key)) : NULL;
}

void *sbd_smap_get(const sbd_smap *m, const char *key)
{
    sbd_smap_ent *e = sbd_smap_find(m, key);
    return e ? e->val : NULL;
}

static void seed(sbd_smap *m)
{
    uint64_t k[2] = {0, 0};
    if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k) {
        /* No entropy at all is unusual; an address still differs between runs under ASLR. */
        k[0] = (uint64_t)(uintptr_t)m ^ 0x9e3779b97f4a7c15ULL;
        k[1] = (uint64_t)(uintptr_t)&k;
    }
    m->k0 = k[0];
    m->k1 = k[1] | 1;
}

static int grow(sbd_smap *m)
{
    size_t nb = m->nb ? m->nb * 2 : 64;
    sbd_smap_ent **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    if (!m->nb)
        seed(m);
    sbd_smap_ent **old = m->b;
    size_t old_nb = m->nb;
    m->b = b;
    m->nb = nb;
    for (size_t i = 0; i < old_nb; i++)
        for (sbd_smap_ent *e = old[i], *nx; e; e = nx) {
            nx = e->next;
            size_t k = slot(m, e->key, e->key_len);
            e->next = b[k];
            b[k] = e;
        }
    free(old);
    return 0;
}

sbd_smap_ent *sbd_smap_putb(sbd_smap *m, const void *key, size_t len)
{
    sbd_smap_ent *e = sbd_smap_findb(m, key, len);
    if (e || !key)
        return e;
    if (m->n + 1 > m->nb && grow(m) != 0)
        return NULL;
    e = calloc(1, sizeof *e);
    if (!e || len == SIZE_MAX || !(e->key = malloc(len + 1))) {
        free(e);
        return NULL;
    }
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->key_len = len;
    size_t k = slot(m, key, len);
    e->next = m->b[k];
    m->b[k] = e;
    m->n++;
    return e;
}

sbd_smap_ent *sbd_smap_put(sbd_smap *m, const char *key)
{
    return key ? sbd_smap_putb(m, key, strlen(key)) : NULL;
}

bool sbd_smap_remove(sbd_smap *m, const char *key, void (*free_val)(void *))
{
    if (!m->nb || !key)
        return false;
    size_t len = strlen(key);
    for (sbd_smap_ent **pp = &m->b[slot(m, key, len)]; *pp; pp = &(*pp)->next) {
        sbd_smap_ent *e = *pp;
        if (e->key_len != len || memcmp(e->key, key, len) != 0)
            continue;
        *pp = e->next;
        if (free_val)
            free_val(e->val);
        free(e->key);
        free(e);
        m->n--;
        return true;
    }
    return false;
}

void sbd_smap_free(sbd_smap *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->nb; i++)
        for (sbd_smap_ent *e = m->b[i], *nx; e; e = nx) {
            nx = e->next;
            if (free_val)
                free_val(e->val);
            free(e->key);
            free(e);
        }
    free(m->b);
    memset(m, 0, sizeof *m);
}
