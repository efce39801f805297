/* Growable byte buffer with big-endian and TLV writers for the test-material builder. Allocation
 * failure aborts: sbdgen is a test tool, and a half-written sample would be worse than none. */
#ifndef SBDGEN_GEN_BUF_H
#define SBDGEN_GEN_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct gen_buf {
    uint8_t *p;
    size_t len, cap;
} gen_buf;

void gb_free(gen_buf *b);
void gb_put(gen_buf *b, const void *data, size_t n);
void gb_u8(gen_buf *b, uint8_t v);
void gb_be16(gen_buf *b, uint16_t v);
void gb_be32(gen_buf *b, uint32_t v);

/* tag:u8 | len:u16 | value. */
void gb_tlv(gen_buf *b, uint8_t tag, const void *value, size_t n);
void gb_tlv_u8(gen_buf *b, uint8_t tag, uint8_t v);
void gb_tlv_be16(gen_buf *b, uint8_t tag, uint16_t v);
void gb_tlv_be32(gen_buf *b, uint8_t tag, uint32_t v);
/* Value = the string plus its NUL terminator (Cisco strings count the NUL). */
void gb_tlv_str(gen_buf *b, uint8_t tag, const char *s);
/* Containers: open writes tag + a placeholder length and returns its offset; close patches the
 * length to the number of bytes written since. */
size_t gb_open(gen_buf *b, uint8_t tag);
void gb_close(gen_buf *b, size_t open_off);
/* Overwrite a big-endian u16 at off (HeaderLength, RECORDLENGTH fix-ups). */
void gb_patch_be16(gen_buf *b, size_t off, uint16_t v);

#endif
