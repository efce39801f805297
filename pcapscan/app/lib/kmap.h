/* A growing hash index from byte strings to numbers, keyed with the run's secret key
 * (cap/keyhash.h): for names, addresses and other keys that come from a capture or a results
 * file, where a fixed hash lets an attacker put every key in one chain. Keys are borrowed: the
 * caller keeps them alive and unchanged while the map is used. */
#ifndef PCAPSCAN_KMAP_H
#define PCAPSCAN_KMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cap/keyhash.h"

typedef struct kmap_ent {
    uint64_t hash;
    const void *key; /* NULL: empty slot */
    size_t len;
    size_t val;
} kmap_ent;

typedef struct kmap {
    kmap_ent *e; /* open addressing, power-of-two capacity, at most half full */
    size_t cap, n;
    cap_hkey key;
} kmap;

void kmap_init(kmap *m);
void kmap_free(kmap *m);
/* The value under key; when absent, val is stored and returned (*added set). SIZE_MAX when out
 * of memory. */
size_t kmap_put(kmap *m, const void *key, size_t len, size_t val, bool *added);
/* The value under key, or SIZE_MAX. */
size_t kmap_get(const kmap *m, const void *key, size_t len);
/* Shorthands for NUL-terminated keys. */
size_t kmap_put_str(kmap *m, const char *key, size_t val, bool *added);
size_t kmap_get_str(const kmap *m, const char *key);

#endif
