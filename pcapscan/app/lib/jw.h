/* Streaming JSON lines writer: appends each value's text to a growing buffer, with no tree per
 * line (building and dumping a jansson tree cost about 70k instructions per report line).
 *
 * Its bytes are jansson's: strings go through the same rules as esc_json_str (each byte that is
 * not valid UTF-8 becomes U+FFFD, NULL is null) and are escaped as json_dumpb escapes them with
 * JSON_COMPACT | JSON_PRESERVE_ORDER ('"', '\\', \b \f \n \r \t, other C0 as \u00XX; DEL, U+2028
 * and every other character as is); integers as "%lld". A writer made with reference = true
 * builds the same calls as a jansson tree and dumps it instead: tests compare the two byte for
 * byte (tests/unit/test_jw.c, tests/fuzz/fuzz_jsonwriter.c). */
#ifndef PCAPSCAN_JW_H
#define PCAPSCAN_JW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

enum { JW_DEPTH = 16 }; /* the report's objects nest 4 deep */

typedef struct jw {
    char *p;
    size_t n, cap;
    size_t line_start; /* where the line being written began */
    FILE *out;         /* written out at line ends past JW_FLUSH_AT; NULL keeps everything */
    bool comma;        /* a value was written at this level: the next one needs ',' */
    bool broken;       /* this line could not be written whole (out of memory): dropped */
    int depth;
    char close[JW_DEPTH]; /* '}' or ']' per open container */
    /* reference mode */
    bool reference;
    json_t *tree[JW_DEPTH];
    json_t *root;
    char key[128]; /* the key of the next value */
} jw;

/* out may be NULL (everything stays in w->p until jw_flush_to). */
void jw_init(jw *w, FILE *out, bool reference);
void jw_free(jw *w);
/* Write out (and drop) what is buffered, to out. */
void jw_flush_to(jw *w, FILE *out);

void jw_obj(jw *w); /* '{' */
void jw_arr(jw *w); /* '[' */
void jw_end(jw *w); /* closes the innermost object or array */
/* Ends the top-level value's line ('\n'); flushes when the buffer is large. A line that could
 * not be written whole is dropped and counted (esc_json_fail). */
void jw_line(jw *w);

/* Keys are the writer's own words (never capture text), values anything. A key that needs
 * escaping is escaped like any string. */
void jw_keyn(jw *w, const char *key, size_t len);
/* jw_key and the jw_k* forms take a string literal (a compile error otherwise): its length is
 * known when compiling, and whether it needs escaping is found out once per place in the code
 * (plain: 1, needs escaping: -1, not yet known: 0), not once per line written. */
void jw_key_at(jw *w, const char *key, size_t len, _Atomic signed char *plain);
/* Writes ,"key": where the caller made room for len + 4 bytes; the key needs no escaping. */
static inline void jw_put_plain_key(jw *w, const char *key, size_t len)
{
    char *q = w->p + w->n;
    if (w->comma)
        *q++ = ',';
    *q++ = '"';
    memcpy(q, key, len);
    q += len;
    *q++ = '"';
    *q++ = ':';
    w->n = (size_t)(q - w->p);
    w->comma = false;
}

/* The common case inline, where the literal's length makes the copy a few moves: a key known
 * to be plain, in text mode, with room for it. */
static inline void jw_key_lit(jw *w, const char *key, size_t len, _Atomic signed char *plain)
{
    if (atomic_load_explicit(plain, memory_order_relaxed) > 0 && !w->reference && !w->broken &&
        w->cap - w->n >= len + 4)
        jw_put_plain_key(w, key, len);
    else
        jw_key_at(w, key, len, plain);
}
#define jw_key(w, k)                                                                               \
    do {                                                                                           \
        static _Atomic signed char jw_plain_key_;                                                  \
        jw_key_lit((w), "" k "", sizeof(k) - 1, &jw_plain_key_);                                   \
    } while (0)
void jw_str(jw *w, const char *s);            /* NULL: null */
void jw_strn(jw *w, const char *s, size_t n); /* s holds no NUL */
/* A string the caller made of bytes that need no escaping (hex digits, an address with its
 * port): written as it is, without the escape scan. In reference mode it goes through jansson
 * like any string, so the writer's tests catch a caller breaking the promise. */
void jw_plain(jw *w, const char *s, size_t n);
void jw_int(jw *w, int64_t v);
void jw_bool(jw *w, bool v);
void jw_null(jw *w);
/* A jansson value built elsewhere (reference taken; NULL counts as a failure). */
void jw_json(jw *w, json_t *v);

#define jw_kstr(w, k, s)                                                                           \
    do {                                                                                           \
        jw_key(w, k);                                                                              \
        jw_str((w), (s));                                                                          \
    } while (0)
#define jw_kint(w, k, v)                                                                           \
    do {                                                                                           \
        jw_key(w, k);                                                                              \
        jw_int((w), (v));                                                                          \
    } while (0)
#define jw_kbool(w, k, v)                                                                          \
    do {                                                                                           \
        jw_key(w, k);                                                                              \
        jw_bool((w), (v));                                                                         \
    } while (0)
#define jw_knull(w, k)                                                                             \
    do {                                                                                           \
        jw_key(w, k);                                                                              \
        jw_null(w);                                                                                \
    } while (0)

#endif
