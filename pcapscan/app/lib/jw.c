/* Streaming JSON lines writer (see jw.h). */
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

static void put_escape(jw *w, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[6] = {'\\', 0, 0, 0, 0, 0};
    size_t len = 2;
    switch (c) {
    case '"':
    case '\\':
        e[1] = (char)c;
        break;
    case '\b':
        e[1] = 'b';
        break;
    case '\f':
        e[1] = 'f';
        break;
    case '\n':
        e[1] = 'n';
        break;
    case '\r':
        e[1] = 'r';
        break;
    case '\t':
        e[1] = 't';
        break;
    default:
        memcpy(e + 1, "u00", 3);
        e[4] = hex[c >> 4];
        e[5] = hex[c & 15];
        len = 6;
    }
    put(w, e, len);
}

/* s[0, n): what esc_json_str makes of it, as json_dumpb writes it. */
static void put_string(jw *w, const unsigned char *s, size_t n)
{
    if (!reserve(w, n + 2))
        return;
    w->p[w->n++] = '"';
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        for (;;) { /* the longest run written as is */
            while (i < n && byte_class[s[i]] == 0)
                i++;
            size_t len = i < n && byte_class[s[i]] == 2 ? sbd_utf8_len(s + i, n - i) : 0;
            if (!len)
                break;
            i += len;
        }
        put(w, s + run, i - run);
        if (i == n)
            break;
        if (byte_class[s[i]] == 1)
            put_escape(w, s[i]);
        else
            put(w, "\xEF\xBF\xBD", 3); /* not UTF-8: U+FFFD, as esc_json_str */
        i++;
    }
    put_c(w, '"');
}

void jw_key(jw *w, const char *key)
{
    if (w->reference) {
        size_t len = strlen(key);
        if (len >= sizeof w->key) {
            w->broken = true;
            len = 0;
        }
        memcpy(w->key, key, len);
        w->key[len] = '\0';
        return;
    }
    size_t len = strlen(key);
    if (!reserve(w, len + 4))
        return;
    char *start = w->p + w->n, *q = start;
    if (w->comma)
        *q++ = ',';
    *q++ = '"';
    for (size_t i = 0; i < len; i++) { /* the writer's own words: nothing to escape */
        unsigned char c = (unsigned char)key[i];
        if (byte_class[c]) { /* not one of those after all: the general way */
            w->n = (size_t)(start - w->p) + (w->comma ? 1 : 0);
            put_string(w, (const unsigned char *)key, len);
            put_c(w, ':');
            w->comma = false;
            return;
        }
        *q++ = (char)c;
    }
    *q++ = '"';
    *q++ = ':';
    w->n = (size_t)(q - w->p);
    w->comma = false;
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
    char buf[24], *q = buf + sizeof buf;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
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
