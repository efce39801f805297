/* A string-keyed map for capture-controlled keys (phone MACs, client addresses): keyed SipHash with
 * a random key per map and a table that grows, so no input can pile its keys into one chain. */
#ifndef SBD_SMAP_H
#define SBD_SMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sbd_smap_ent {
    char *key; /* NUL-terminated copy (a byte key may hold NULs: key_len says how long) */
    size_t key_len;
    void *val;
    struct sbd_smap_ent *next;
} sbd_smap_ent;

typedef struct sbd_smap {
    sbd_smap_ent **b;
    size_t nb, n;
    uint64_t k0, k1;
} sbd_smap;

/* SipHash-2-4 of p[0..n) under (k0, k1). */
uint64_t sbd_siphash(uint64_t k0, uint64_t k1, const void *p, size_t n);

void *sbd_smap_get(const sbd_smap *m, const char *key);
sbd_smap_ent *sbd_smap_find(const sbd_smap *m, const char *key);
/* The entry for key, created with val NULL when absent; NULL when out of memory. */
sbd_smap_ent *sbd_smap_put(sbd_smap *m, const char *key);
/* The same for a key of len bytes (any bytes: a digest, a pair of pointers). A map holds string
 * keys or byte keys; a string key is its bytes without the NUL. */
sbd_smap_ent *sbd_smap_findb(const sbd_smap *m, const void *key, size_t len);
sbd_smap_ent *sbd_smap_putb(sbd_smap *m, const void *key, size_t len);
/* Removes key (its value handed to free_val first); false when absent. */
bool sbd_smap_remove(sbd_smap *m, const char *key, void (*free_val)(void *));
/* Frees keys and entries; each value is handed to free_val first (may be NULL). */
void sbd_smap_free(sbd_smap *m, void (*free_val)(void *));

#endif
