/* What counts as text: the one UTF-8 check of the core, pcapscan's writers and the plugin. */
#ifndef SBD_UTF8_H
#define SBD_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the UTF-8 sequence at p, at most n bytes, when it encodes a Unicode scalar
 * value, else 0. Overlong forms, surrogates (U+D800-U+DFFF) and values past U+10FFFF are refused,
 * as JSON libraries (jansson) refuse them. Bytes are read one at a time and the first that does
 * not fit stops the check, so a NUL-terminated string may be passed with a larger n. */
size_t sbd_utf8_len(const uint8_t *p, size_t n);

#endif
