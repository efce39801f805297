/* Bounded reader: every fetch is checked against the window; nothing reads past end. */
#ifndef SBD_RD_H
#define SBD_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sbd_rd {
    const uint8_t *buf; /* whole buffer; offsets are relative to it */
    size_t pos;
    size_t end; /* window end (<= buffer length) */
} sbd_rd;

static inline sbd_rd sbd_rd_make(const uint8_t *buf, size_t len)
{
    sbd_rd r = {buf, 0, len};
    return r;
}
static inline size_t sbd_rd_left(const sbd_rd *r)
{
    return r->pos < r->end ? r->end - r->pos : 0;
}
static inline bool sbd_rd_has(const sbd_rd *r, size_t n)
{
    return sbd_rd_left(r) >= n;
}

static inline bool sbd_rd_u8(sbd_rd *r, uint8_t *v)
{
    if (!sbd_rd_has(r, 1))
        return false;
    *v = r->buf[r->pos++];
    return true;
}
static inline bool sbd_rd_be16(sbd_rd *r, uint16_t *v)
{
    if (!sbd_rd_has(r, 2))
        return false;
    *v = (uint16_t)((r->buf[r->pos] << 8) | r->buf[r->pos + 1]);
    r->pos += 2;
    return true;
}
static inline bool sbd_rd_be32(sbd_rd *r, uint32_t *v)
{
    if (!sbd_rd_has(r, 4))
        return false;
    const uint8_t *p = r->buf + r->pos;
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    r->pos += 4;
    return true;
}
static inline bool sbd_rd_skip(sbd_rd *r, size_t n)
{
    if (!sbd_rd_has(r, n))
        return false;
    r->pos += n;
    return true;
}

static inline uint16_t sbd_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t sbd_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

#endif
