/* Interned strings: one copy of each distinct string (a phone label, say), however many records
 * name it. The copies live in chunks that never move, so records keep plain pointers; the index
 * that finds a copy can be dropped once no more strings come (strpool_seal), the copies stay. */
#ifndef PCAPSCAN_STRPOOL_H
#define PCAPSCAN_STRPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "cap/keyhash.h"

typedef struct strpool {
    /* The copies by keyed hash: open addressing over pointers (8 bytes a slot, where a kmap
     * entry is 32), at most half full; NULL slots are empty. */
    const char **index;
    size_t index_cap, index_n;
    cap_hkey key;
    char **chunks;
    size_t n_chunks, cap_chunks;
    size_t used, room; /* in the last chunk */
} strpool;

/* A zeroed strpool is ready; strpool_free leaves it zeroed. */
void strpool_free(strpool *p);
/* The pool's copy of the first max bytes of s (the whole of a shorter s), or NULL when out of
 * memory. The empty string is a static "" (never NULL for s ""). */
const char *strpool_get(strpool *p, const char *s, size_t max);
/* A copy of s kept with the pool's strings, not looked up (for text that seldom repeats, such as
 * a finding's message); NULL when out of memory. */
const char *strpool_add(strpool *p, const char *s);
/* n bytes kept with the pool's strings (not aligned), or NULL when out of memory. */
char *strpool_alloc(strpool *p, size_t n);
/* No more strings will be asked for: free the index, keep the copies. A later strpool_get
 * rebuilds an index of only the strings it adds (so it may then keep a duplicate). */
void strpool_seal(strpool *p);

#endif
