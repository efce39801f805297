/* Escaping per output context (see escape.h). One classifier decides what a character is; each
 * context decides how to show it. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"

typedef enum {
    CH_PLAIN,   /* printable ASCII or a valid non-control code point */
    CH_BAD,     /* one byte that is not valid UTF-8 */
    CH_C0,      /* U+0000-U+001F, U+007F */
    CH_C1,      /* U+0080-U+009F */
    CH_FORMAT,  /* bidi controls, U+2028/U+2029: reorder or break a line */
    CH_NONCHAR, /* U+FFFE/U+FFFF: not XML characters */
} ch_class;

/* Class of the character at p; *len its length in bytes, *cp its code point (CH_BAD: the byte). */
static ch_class classify(const unsigned char *p, size_t *len, uint32_t *cp)
{
    size_t n = sbd_utf8_len(p, 4);
    *len = n ? n : 1;
    if (!n) {
        *cp = p[0];
        return CH_BAD;
    }
    uint32_t c = p[0];
    if (n == 2)
        c = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    else if (n == 3)
        c = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    else if (n == 4)
        c = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
            (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    *cp = c;
    if (c < 0x20 || c == 0x7F)
        return CH_C0;
    if (c >= 0x80 && c <= 0x9F)
        return CH_C1;
    if (c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
        (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029)
        return CH_FORMAT;
    if (c == 0xFFFE || c == 0xFFFF)
        return CH_NONCHAR;
    return CH_PLAIN;
}

/* ---- HTML ---- */

static void html_char(FILE *out, const unsigned char *p, size_t len, ch_class k, uint32_t cp)
{
    static const char *const refs[] = {
        ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&#39;"};
    switch (k) {
    case CH_PLAIN:
        if (cp < sizeof refs / sizeof refs[0] && refs[cp])
            fputs(refs[cp], out);
        else
            fwrite(p, 1, len, out);
        break;
    case CH_C0:
        fputc(cp == '\n' || cp == '\t' ? (int)cp : '?', out);
        break;
    case CH_C1:
        fputc('?', out);
        break;
    case CH_FORMAT:
        fprintf(out, "\\u%04X", (unsigned)cp);
        break;
    default:
        fputs("\xEF\xBF\xBD", out); /* U+FFFD */
    }
}

void esc_html_max(FILE *out, const char *s, size_t max_chars)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t chars = 0; p && *p; chars++) {
        if (chars == max_chars) {
            fputs("\xE2\x80\xA6", out); /* U+2026 */
            return;
        }
        size_t len;
        uint32_t cp;
        ch_class k = classify(p, &len, &cp);
        html_char(out, p, len, k, cp);
        p += len;
    }
}

void esc_html(FILE *out, const char *s)
{
    esc_html_max(out, s, SIZE_MAX);
}

/* ---- terminal ---- */

/* Where terminal text goes: a stream, or a buffer that stops taking pieces once one does not fit.
 */
typedef struct sink {
    FILE *f;
    char *buf;
    size_t n, cap;
    bool full;
} sink;

/* A plain run may be cut (at a character boundary); an escape is written whole or not at all. */
static void sink_put(sink *k, const void *p, size_t len, bool cuttable)
{
    if (k->f) {
        fwrite(p, 1, len, k->f);
        return;
    }
    if (k->full)
        return;
    size_t room = k->cap - 1 - k->n;
    if (len > room) {
        k->full = true;
        len = cuttable ? room : 0;
        while (len > 0 && (((const unsigned char *)p)[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(k->buf + k->n, p, len);
    k->n += len;
}

static void term_to(sink *k, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p && !k->full) {
        const unsigned char *run = p;
        size_t len;
        uint32_t cp;
        ch_class c = CH_PLAIN;
        while (*p && (c = classify(p, &len, &cp)) == CH_PLAIN)
            p += len;
        sink_put(k, run, (size_t)(p - run), true);
        if (!*p)
            break;
        char e[16];
        int en = c == CH_BAD || c == CH_C0 ? snprintf(e, sizeof e, "\\x%02X", (unsigned)cp)
                                           : snprintf(e, sizeof e, "\\u%04X", (unsigned)cp);
        sink_put(k, e, (size_t)en, false);
        p += len;
    }
}

void esc_term(FILE *out, const char *s)
{
    sink k = {.f = out};
    term_to(&k, s);
}

char *esc_term_buf(const char *s, char *buf, size_t bufsz)
{
    if (!bufsz)
        return buf;
    sink k = {.buf = buf, .cap = bufsz};
    term_to(&k, s);
    buf[k.n] = '\0';
    return buf;
}

/* ---- CSV ---- */

void esc_csv(FILE *out, const char *s)
{
    s = s ? s : "";
    fputc('"', out);
    if (*s && strchr("=+-@\t\r", *s))
        fputc('\'', out);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        fwrite(s, 1, (size_t)(q - s + 1), out);
        fputc('"', out);
    }
    fputs(s, out);
    fputc('"', out);
}

/* ---- JSON ---- */

static atomic_ulong json_failures;

void esc_json_fail(void)
{
    atomic_fetch_add(&json_failures, 1);
}

unsigned long esc_json_failures(void)
{
    return atomic_load(&json_failures);
}

json_t *esc_json_str(const char *s)
{
    if (!s)
        return json_null();
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, len;
    while (i < n && (len = sbd_utf8_len(p + i, n - i)) != 0)
        i += len;
    json_t *v;
    if (i == n) {
        v = json_stringn_nocheck(s, n);
    } else {
        /* Each bad byte becomes the 3 bytes of U+FFFD. */
        char *d = n <= (SIZE_MAX - 1) / 3 ? malloc(3 * n + 1) : NULL;
        size_t o = 0;
        for (i = 0; d && i < n;) {
            len = sbd_utf8_len(p + i, n - i);
            if (len) {
                memcpy(d + o, p + i, len);
                o += len;
                i += len;
            } else {
                memcpy(d + o, "\xEF\xBF\xBD", 3);
                o += 3;
                i++;
            }
        }
        v = d ? json_stringn_nocheck(d, o) : NULL;
        free(d);
    }
    if (!v)
        esc_json_fail();
    return v;
}

void esc_json_set(json_t *o, const char *key, json_t *v)
{
    if (!v || json_object_set_new(o, key, v) != 0)
        esc_json_fail();
}

void esc_json_append(json_t *a, json_t *v)
{
    if (!v || json_array_append_new(a, v) != 0)
        esc_json_fail();
}
