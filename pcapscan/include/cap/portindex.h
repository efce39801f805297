/* Entries of a flow table counted per client port (the TFTP and TCP trackers). A lookup on a port
 * no entry uses is answered without hashing: that is most packets of a capture (RTP, and every
 * packet towards a server port). While a port has had one entry only since its count was 0, that
 * entry is the answer or nothing; once two share it, the keyed table answers (cap_port_sole gives
 * NULL). The entries are the caller's; this only keeps pointers to them. */
#ifndef CAP_PORTINDEX_H
#define CAP_PORTINDEX_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cap_port_index {
    uint32_t *live; /* entries per port */
    void **sole;    /* the entry while it is the only one its port has had since live was 0 */
} cap_port_index;

/* false when out of memory (nothing to free then). */
bool cap_port_index_init(cap_port_index *ix);
void cap_port_index_free(cap_port_index *ix);

static inline bool cap_port_used(const cap_port_index *ix, uint16_t port)
{
    return ix->live[port] != 0;
}

/* The only entry of a used port, or NULL when the port is shared (ask the table). */
static inline void *cap_port_sole(const cap_port_index *ix, uint16_t port)
{
    return ix->sole[port];
}

static inline void cap_port_add(cap_port_index *ix, uint16_t port, void *entry)
{
    ix->sole[port] = ix->live[port]++ == 0 ? entry : NULL;
}

static inline void cap_port_remove(cap_port_index *ix, uint16_t port, const void *entry)
{
    if (--ix->live[port] == 0 || ix->sole[port] == entry)
        ix->sole[port] = NULL;
}

#endif
