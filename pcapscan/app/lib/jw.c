/* Streaming JSON lines writer (see jw.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"
#include "lib/jw.h"

#define JW_DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)

enum { JW_FLUSH_AT = 1 << 16 };

void jw_init(jw *w, FILE *out, bool reference)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->reference = reference;
}

void jw_free(jw *w)
{
    json_decref(w->root);
    free(w->p);
    memset(w, 0, sizeof *w);
}

void jw_flush_to(jw *w, FILE *out)
{
    if (out && w->n)
        fwrite(w->p, 1, w->n, out);
    w->n = 0;
    w->line_start = 0;
}

/* Room for extra more bytes; false (and the line marked broken) when out of memory. */
static bool reserve(jw *w, size_t extra)
{
    if (w->broken)
        return false;
    if (w->cap - w->n >= extra)
        return true;
    size_t ncap = w->cap ? w->cap : JW_FLUSH_AT;
    while (ncap - w->n < extra) {
        if (ncap > SIZE_MAX / 2) {
            w->broken = true;
            return false;
        }
        ncap *= 2;
    }
    char *np = realloc(w->p, ncap);
    if (!np) {
        w->broken = true;
        return false;
    }
    w->p = np;
    w->cap = ncap;
    return true;
}

static void put(jw *w, const void *s, size_t len)
{
    if (reserve(w, len)) {
        memcpy(w->p + w->n, s, len);
        w->n += len;
    }
}

static void put_c(jw *w, char c)
{
    if (reserve(w, 1))
        w->p[w->n++] = c;
}

/* v as json_dumpb writes it; jansson allocates while dumping, so either call may fail. */
static void dump_into(jw *w, const json_t *v)
{
    size_t need = json_dumpb(v, NULL, 0, JW_DUMP_FLAGS);
    if (need == 0 || !reserve(w, need) || json_dumpb(v, w->p + w->n, need, JW_DUMP_FLAGS) != need)
        w->broken = true;
    else
        w->n += need;
}

/* ---- reference mode: the same calls as a jansson tree ---- */

static void tree_add(jw *w, json_t *v)
{
    if (w->depth == 0) {
        if (w->root || !v) {
            json_decref(v);
            esc_json_fail();
            return;
        }
        w->root = v;
        return;
    }
    json_t *top = w->tree[w->depth - 1];
    if (json_is_object(top))
        esc_json_set(top, w->key, v);
    else
        esc_json_append(top, v);
    w->key[0] = '\0';
}

static void tree_open(jw *w, json_t *c)
{
    json_t *top = w->depth ? w->tree[w->depth - 1] : NULL;
    int rc = !c || w->depth == JW_DEPTH ? -1
             : !top                     ? (w->root ? -1 : 0)
             : json_is_object(top)      ? json_object_set(top, w->key, c)
                                        : json_array_append(top, c);
    w->key[0] = '\0';
    if (rc != 0) {
        json_decref(c);
        esc_json_fail();
        w->broken = true;
        return;
    }
    if (!top)
        w->root = c; /* takes the new reference */
    else
        json_decref(c); /* the parent holds it; the stack borrows it */
    w->tree[w->depth++] = c;
}

static void tree_line(jw *w)
{
    json_t *root = w->root;
    w->root = NULL;
    if (!root || w->broken) {
        json_decref(root);
        return;
    }
    dump_into(w, root);
    json_decref(root);
}

/* ---- text ---- */

static void before_value(jw *w)
{
    if (w->comma)
        put_c(w, ',');
    w->comma = true;
}

static void open_c(jw *w, char open, char close)
{
    if (w->reference) {
        tree_open(w, open == '{' ? json_object() : json_array());
        return;
    }
    before_value(w);
    if (w->depth == JW_DEPTH) {
        w->broken = true;
        return;
    }
    w->close[w->depth++] = close;
    put_c(w, open);
    w->comma = false;
}

void jw_obj(jw *w)
{
    open_c(w, '{', '}');
}

void jw_arr(jw *w)
{
    open_c(w, '[', ']');
}

void jw_end(jw *w)
{
    if (w->depth == 0) {
        w->broken = true;
        return;
    }
    w->depth--;
    if (!w->reference)
        put_c(w, w->close[w->depth]);
    w->comma = true;
}

void jw_line(jw *w)
{
    if (w->reference)
        tree_line(w);
    if (w->depth != 0)
        w->broken = true; /* a caller's unclosed object: never write half a line */
    if (w->broken) {
        esc_json_fail();
        w->n = w->line_start;
    } else {
        put_c(w, '\n');
    }
    w->broken = false;
    w->comma = false;
    w->depth = 0;
    w->key[0] = '\0';
    if (w->out && w->n >= JW_FLUSH_AT)
        jw_flush_to(w, w->out);
    w->line_start = w->n;
}

/* Byte classes of a JSON string: 0 copied, 1 escaped, 2 the start of a UTF-8 sequence to check. */
static const unsigned char byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* The escape of byte c (class 1) at q; returns the end. */
static char *put_escape(char *q, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    static const char short_esc[32] = {
        ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};
    *q++ = '\\';
    if (c == '"' || c == '\\') {
        *q++ = (char)c;
    } else if (c < 32 && short_esc[c]) {
        *q++ = short_esc[c];
    } else {
        memcpy(q, "u00", 3);
        q[3] = hex[c >> 4];
        q[4] = hex[c & 15];
        q += 5;
    }
    return q;
}

/* Eight bytes at a time: nonzero when any of them is not copied as is (a control byte, '"',
 * '\\', or a byte >= 0x80, which may start UTF-8 to check). The classic exact "has a byte less
 * than / equal to" tests; which byte is left to the byte loop. */
static inline uint64_t special8(const unsigned char *s)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
    return (x | ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) |
            ((bslash - ones) & ~bslash)) &
           high;
}

/* Whether s[0, n) are all copied as is, by whole words (overlapping at the end): a key or a
 * short value costs a few word tests, not a loop per byte. False also for UTF-8 (checked by the
 * byte loop). */
static bool all_plain(const unsigned char *s, size_t n)
{
    if (n >= 8) {
        uint64_t m = 0;
        for (size_t i = 0; i + 8 < n; i += 8)
            m |= special8(s + i);
        return !(m | special8(s + n - 8));
    }
    if (n >= 4) {
        unsigned char x[8];
        memcpy(x, s, 4);
        memcpy(x + 4, s + n - 4, 4);
        return !special8(x);
    }
    for (size_t i = 0; i < n; i++)
        if (byte_class[s[i]])
            return false;
    return true;
}

/* Where the run of bytes copied as is, from i, ends (at most n). */
static size_t safe_run(const unsigned char *s, size_t i, size_t n)
{
    if (all_plain(s + i, n - i))
        return n;
    for (;;) {
        while (i + 8 <= n && !special8(s + i))
            i += 8;
        while (i < n && byte_class[s[i]] == 0)
            i++;
        size_t len = i < n && byte_class[s[i]] == 2 ? sbd_utf8_len(s + i, n - i) : 0;
        if (!len)
            return i;
        i += len;
    }
}

/* s[0, n): what esc_json_str makes of it, as json_dumpb writes it. A string with nothing to
 * escape (nearly all) is copied whole; otherwise room is taken a run at a time, so a long string
 * (base64 of a kept file) never reserves its worst case of six bytes a byte. */
static void put_string(jw *w, const unsigned char *s, size_t n)
{
    size_t i = safe_run(s, 0, n);
    if (n > SIZE_MAX - 8 || !reserve(w, i + 8))
        return;
    char *q = w->p + w->n;
    *q++ = '"';
    memcpy(q, s, i);
    w->n += 1 + i;
    while (i < n) {
        if (!reserve(w, 8)) /* one escape (6) or U+FFFD (3), and the closing quote */
            return;
        q = w->p + w->n;
        if (byte_class[s[i]] == 1)
            q = put_escape(q, s[i]);
        else {
            memcpy(q, "\xEF\xBF\xBD", 3); /* not UTF-8: U+FFFD, as esc_json_str */
            q += 3;
        }
        w->n = (size_t)(q - w->p);
        size_t run = ++i;
        i = safe_run(s, i, n);
        put(w, s + run, i - run);
    }
    put_c(w, '"');
}

/* A key known to need no escaping. */
static void put_plain_key(jw *w, const char *key, size_t len)
{
    if (len > SIZE_MAX - 4 || !reserve(w, len + 4))
        return;
    jw_put_plain_key(w, key, len);
}

void jw_keyn(jw *w, const char *key, size_t len)
{
    if (w->reference) {
        if (len >= sizeof w->key) {
            w->broken = true;
            len = 0;
        }
        memcpy(w->key, key, len);
        w->key[len] = '\0';
        return;
    }
    const unsigned char *k = (const unsigned char *)key;
    if (all_plain(k, len) || safe_run(k, 0, len) == len) {
        put_plain_key(w, key, len);
        return;
    }
    /* Not one of the writer's plain words after all: the general way. */
    before_value(w);
    w->comma = false;
    put_string(w, k, len);
    put_c(w, ':');
}

void jw_key_at(jw *w, const char *key, size_t len, _Atomic signed char *plain)
{
    /* Relaxed: writers on other threads may each find it out once more, all the same. */
    signed char known = atomic_load_explicit(plain, memory_order_relaxed);
    if (!known) {
        const unsigned char *k = (const unsigned char *)key;
        known = all_plain(k, len) || safe_run(k, 0, len) == len ? 1 : -1;
        atomic_store_explicit(plain, known, memory_order_relaxed);
    }
    if (known > 0 && !w->reference)
        put_plain_key(w, key, len);
    else
        jw_keyn(w, key, len);
}

void jw_strn(jw *w, const char *s, size_t n)
{
    if (w->reference) {
        char *copy = malloc(n + 1);
        if (copy) {
            memcpy(copy, s, n);
            copy[n] = '\0';
        }
        tree_add(w, copy ? esc_json_str(copy) : NULL);
        free(copy);
        return;
    }
    before_value(w);
    put_string(w, (const unsigned char *)s, n);
}

void jw_plain(jw *w, const char *s, size_t n)
{
    if (w->reference) {
        jw_strn(w, s, n);
        return;
    }
    before_value(w);
    if (n > SIZE_MAX - 2 || !reserve(w, n + 2))
        return;
    char *q = w->p + w->n;
    *q++ = '"';
    memcpy(q, s, n);
    q[n] = '"';
    w->n += n + 2;
}

void jw_str(jw *w, const char *s)
{
    if (!s)
        jw_null(w);
    else if (w->reference)
        tree_add(w, esc_json_str(s));
    else
        jw_strn(w, s, strlen(s));
}

void jw_int(jw *w, int64_t v)
{
    if (w->reference) {
        tree_add(w, json_integer((json_int_t)v));
        return;
    }
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    char buf[24], *q = buf + sizeof buf;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    for (; u >= 100; u /= 100) { /* two digits a step */
        q -= 2;
        memcpy(q, pairs + 2 * (u % 100), 2);
    }
    if (u >= 10) {
        q -= 2;
        memcpy(q, pairs + 2 * u, 2);
    } else {
        *--q = (char)('0' + u);
    }
    if (v < 0)
        *--q = '-';
    before_value(w);
    put(w, q, (size_t)(buf + sizeof buf - q));
}

void jw_bool(jw *w, bool v)
{
    if (w->reference) {
        tree_add(w, json_boolean(v));
        return;
    }
    before_value(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw *w)
{
    if (w->reference) {
        tree_add(w, json_null());
        return;
    }
    before_value(w);
    put(w, "null", 4);
}

void jw_json(jw *w, json_t *v)
{
    if (w->reference) {
        tree_add(w, v);
        return;
    }
    before_value(w);
    if (v)
        dump_into(w, v);
    else
        w->broken = true;
    json_decref(v);
}
