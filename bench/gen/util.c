/* PRNG and byte buffers for gen-capture. */
#include <stdlib.h>
#include <string.h>

#include "gen.h"

_Noreturn void die(const char *msg, const char *arg)
{
    fprintf(stderr, "gen-capture: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        die("out of memory", NULL);
    return p;
}

/* splitmix64: tiny, fast, and the same sequence on every platform. */
uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)((rng_next(r) >> 32) * n >> 32);
}

uint32_t rng_range(rng *r, uint32_t lo, uint32_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

bool rng_per_mille(rng *r, unsigned per_mille)
{
    return rng_below(r, 1000) < per_mille;
}

void rng_fill(rng *r, uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, n);
    }
}

void bytes_put(bytes *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            die("out of memory", NULL);
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

void bytes_u8(bytes *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    bytes_put(b, &x, 1);
}

void bytes_be16(bytes *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    bytes_put(b, x, 2);
}

void bytes_be24(bytes *b, size_t v)
{
    uint8_t x[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    bytes_put(b, x, 3);
}

void bytes_be32(bytes *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    bytes_put(b, x, 4);
}

void bytes_str(bytes *b, const char *s)
{
    bytes_put(b, s, strlen(s));
}

void bytes_random(bytes *b, rng *r, size_t n)
{
    static const uint8_t zero[256];
    size_t at = b->n;
    for (size_t left = n; left;) {
        size_t k = left < sizeof zero ? left : sizeof zero;
        bytes_put(b, zero, k);
        left -= k;
    }
    rng_fill(r, b->p + at, n);
}

void bytes_free(bytes *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
