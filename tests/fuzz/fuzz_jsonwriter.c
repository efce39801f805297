/* Fuzz the streaming JSON writer (pcapscan/app/lib/jw.c) against jansson: the input is a small
 * program (open object/array, close, string of raw bytes, integer, boolean, null, end of line)
 * run through a text writer and a reference writer (a jansson tree dumped with the report's
 * flags); any difference in their bytes aborts. Strings are the fuzzer's bytes: control
 * characters, invalid UTF-8, U+2028, quotes and backslashes all come up.
 * Seeds: corpus/jsonwriter/ (made by make-seeds.sh's jsonwriter section, or by hand). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jw.h"

enum { MAX_DEPTH = 12 };

typedef struct prog {
    const uint8_t *p;
    size_t n, i;
} prog;

static int next(prog *g)
{
    return g->i < g->n ? g->p[g->i++] : -1;
}

/* Keys are the writer's own words: unique within each object, like the report's. */
static void key(jw *w, const bool *is_obj, unsigned *count, int depth)
{
    if (depth > 0 && is_obj[depth - 1]) {
        char k[24];
        snprintf(k, sizeof k, "k%u", count[depth - 1]++);
        jw_keyn(w, k, strlen(k));
    }
}

static void close_all(jw *w, int *depth)
{
    while (*depth > 0) {
        jw_end(w);
        (*depth)--;
    }
    jw_line(w);
}

static void run_prog(jw *w, const uint8_t *data, size_t size)
{
    prog g = {data, size, 0};
    bool is_obj[MAX_DEPTH + 1];
    unsigned count[MAX_DEPTH + 1];
    int depth = 0, op;
    char s[256];
    jw_obj(w);
    is_obj[depth] = true;
    count[depth++] = 0;
    while ((op = next(&g)) >= 0) {
        switch (op % 8) {
        case 0:
        case 1:
            if (depth == MAX_DEPTH)
                break;
            key(w, is_obj, count, depth);
            if (op % 8 == 0)
                jw_obj(w);
            else
                jw_arr(w);
            is_obj[depth] = op % 8 == 0;
            count[depth++] = 0;
            break;
        case 2:
            if (depth > 1) {
                jw_end(w);
                depth--;
            }
            break;
        case 3: {
            int len = next(&g);
            size_t k = 0;
            for (int b; len > 0 && k < (size_t)len && (b = next(&g)) >= 0;)
                s[k++] = (char)b;
            s[k] = '\0'; /* a capture's strings are C strings: cut at the first NUL */
            key(w, is_obj, count, depth);
            jw_str(w, s);
            break;
        }
        case 4: {
            uint64_t v = 0;
            for (int b = 0, c; b < 8 && (c = next(&g)) >= 0; b++)
                v = v << 8 | (uint64_t)c;
            key(w, is_obj, count, depth);
            jw_int(w, (int64_t)v);
            break;
        }
        case 5:
            key(w, is_obj, count, depth);
            jw_bool(w, next(&g) & 1);
            break;
        case 6:
            key(w, is_obj, count, depth);
            jw_null(w);
            break;
        default:
            close_all(w, &depth);
            jw_obj(w);
            is_obj[depth] = true;
            count[depth++] = 0;
        }
    }
    close_all(w, &depth);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jw text, ref;
    jw_init(&text, NULL, false);
    jw_init(&ref, NULL, true);
    run_prog(&text, data, size);
    run_prog(&ref, data, size);
    if (text.n != ref.n || memcmp(text.p, ref.p, text.n) != 0) {
        size_t at = 0;
        while (at < text.n && at < ref.n && text.p[at] == ref.p[at])
            at++;
        fprintf(stderr,
                "fuzz_jsonwriter: jw and jansson differ at byte %zu\n  jw:      %.*s\n"
                "  jansson: %.*s\n",
                at, (int)(text.n - at < 200 ? text.n - at : 200), text.p + at,
                (int)(ref.n - at < 200 ? ref.n - at : 200), ref.p + at);
        abort();
    }
    jw_free(&text);
    jw_free(&ref);
    return 0;
}
