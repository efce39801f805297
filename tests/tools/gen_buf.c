/* Byte buffer and TLV writers for sbdgen (see gen_buf.h). */
#include "gen_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gb_free(gen_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

static void gb_reserve(gen_buf *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        fprintf(stderr, "sbdgen: out of memory\n");
        exit(2);
    }
    b->p = p;
    b->cap = cap;
}

void gb_put(gen_buf *b, const void *data, size_t n)
{
    if (n == 0)
        return;
    gb_reserve(b, n);
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

void gb_u8(gen_buf *b, uint8_t v)
{
    gb_put(b, &v, 1);
}

void gb_be16(gen_buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    gb_put(b, x, 2);
}

void gb_be32(gen_buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    gb_put(b, x, 4);
}

void gb_tlv(gen_buf *b, uint8_t tag, const void *value, size_t n)
{
    if (n > 0xFFFF) {
        fprintf(stderr, "sbdgen: element tag %u too long (%zu bytes)\n", tag, n);
        exit(2);
    }
    gb_u8(b, tag);
    gb_be16(b, (uint16_t)n);
    gb_put(b, value, n);
}

void gb_tlv_u8(gen_buf *b, uint8_t tag, uint8_t v)
{
    gb_tlv(b, tag, &v, 1);
}

void gb_tlv_be16(gen_buf *b, uint8_t tag, uint16_t v)
{
    gb_u8(b, tag);
    gb_be16(b, 2);
    gb_be16(b, v);
}

void gb_tlv_be32(gen_buf *b, uint8_t tag, uint32_t v)
{
    gb_u8(b, tag);
    gb_be16(b, 4);
    gb_be32(b, v);
}

void gb_tlv_str(gen_buf *b, uint8_t tag, const char *s)
{
    gb_tlv(b, tag, s, strlen(s) + 1);
}

size_t gb_open(gen_buf *b, uint8_t tag)
{
    size_t off = b->len;
    gb_u8(b, tag);
    gb_be16(b, 0);
    return off;
}

void gb_close(gen_buf *b, size_t open_off)
{
    size_t n = b->len - open_off - 3;
    if (n > 0xFFFF) {
        fprintf(stderr, "sbdgen: container tag %u too long (%zu bytes)\n", b->p[open_off], n);
        exit(2);
    }
    gb_patch_be16(b, open_off + 1, (uint16_t)n);
}

void gb_patch_be16(gen_buf *b, size_t off, uint16_t v)
{
    b->p[off] = (uint8_t)(v >> 8);
    b->p[off + 1] = (uint8_t)v;
}
