/* A small set of TCP server ports a stream consumer watches (TLS, HTTP 6970). */
#ifndef CAP_PORTSET_H
#define CAP_PORTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_PORTSET_MAX 64

typedef struct cap_portset {
    uint16_t ports[CAP_PORTSET_MAX];
    size_t n;
} cap_portset;

static inline bool cap_portset_has(const cap_portset *s, uint16_t port)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->ports[i] == port)
            return true;
    return false;
}

/* False when the set is full or port is 0; adding a member again is fine. */
static inline bool cap_portset_add(cap_portset *s, uint16_t port)
{
    if (cap_portset_has(s, port))
        return true;
    if (s->n == CAP_PORTSET_MAX || port == 0)
        return false;
    s->ports[s->n++] = port;
    return true;
}

#endif
