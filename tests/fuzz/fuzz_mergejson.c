/* Structure-aware fuzzing of `pcapscan merge`: the inputs are real results files (JSON lines of
 * `pcapscan --json --json-content`), and LLVMFuzzerCustomMutator changes them as a hostile host
 * would: a string value becomes markup, terminal escapes, a formula, bidi controls or bytes from
 * libFuzzer's own mutator; a number becomes a boundary; a key disappears; a line is repeated or
 * dropped. Byte-level mutation (fuzz_merge.c) rarely gets past the JSON parser; these mutants
 * reach the field checks, the rules pass and every writer.
 *
 * Every run also checks what each output promises (docs/output.md, "Escaping"): the text report
 * is terminal-safe, the HTML page has no markup from the input, no CSV cell starts a formula,
 * every JSON line parses. A broken promise aborts, so libFuzzer reports it like a crash.
 *
 * Without libFuzzer (the ctest replay) each corpus file is also mutated a fixed number of times
 * with fixed seeds, so the mutator and the checks run in every test run. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "lib/escape.h"
#include "fuzz_memfd.h"
#include "report/obs_json.h"
#include "report/report.h"
#include "rules/rules.h"

/* ---- output checks ---- */

static void broken(const char *what, const char *out, size_t len, size_t at)
{
    fprintf(stderr, "fuzz_mergejson: %s at byte %zu of %zu\n", what, at, len);
    size_t from = at > 80 ? at - 80 : 0;
    for (size_t i = from; i < len && i < at + 40; i++)
        fprintf(stderr,
                (unsigned char)out[i] >= 0x20 && (unsigned char)out[i] < 0x7F ? "%c" : "\\x%02X",
                (unsigned char)out[i]);
    fputc('\n', stderr);
    abort();
}

/* Only newline, printable ASCII and UTF-8 characters that are not C1 or bidi controls. */
static void check_terminal(const char *t, size_t n)
{
    const unsigned char *p = (const unsigned char *)t;
    for (size_t i = 0; i < n;) {
        size_t len = sbd_utf8_len(p + i, n - i);
        if (!len)
            broken("text report: invalid UTF-8", t, n, i);
        if (len == 1 && ((p[i] < 0x20 && p[i] != '\n') || p[i] == 0x7F))
            broken("text report: control byte", t, n, i);
        if (len == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0)
            broken("text report: C1 control", t, n, i);
        if (len == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 &&
            ((p[i + 2] >= 0xAA && p[i + 2] <= 0xAE) || p[i + 2] == 0x8E || p[i + 2] == 0x8F ||
             p[i + 2] == 0xA8 || p[i + 2] == 0xA9))
            broken("text report: bidi or line separator", t, n, i);
        if (len == 3 && p[i] == 0xE2 && p[i + 1] == 0x81 && p[i + 2] >= 0xA6 && p[i + 2] <= 0xA9)
            broken("text report: bidi isolate", t, n, i);
        i += len;
    }
}

static void check_html(const char *t, size_t n)
{
    for (size_t i = 0; i + 7 <= n; i++)
        if (t[i] == '<' && strncasecmp(t + i + 1, "script", 6) == 0)
            broken("HTML: <script", t, n, i);
    for (size_t i = 0; i < n;) {
        size_t len = sbd_utf8_len((const unsigned char *)t + i, n - i);
        if (!len)
            broken("HTML: invalid UTF-8", t, n, i);
        i += len;
    }
}

/* RFC 4180 as written by esc_csv: every field after the header quoted, none starting a formula. */
static void check_csv(const char *t, size_t n)
{
    const char *body = memchr(t, '\n', n);
    bool field_start = body && (size_t)(body + 1 - t) < n, quoted = false;
    for (size_t i = body ? (size_t)(body + 1 - t) : n; i < n; i++) {
        char c = t[i];
        if (field_start) {
            if (c != '"')
                broken("CSV: unquoted field", t, n, i);
            if (i + 1 < n && t[i + 1] && strchr("=+-@\t\r", t[i + 1]))
                broken("CSV: formula cell", t, n, i);
            field_start = false;
            quoted = true;
            continue;
        }
        if (quoted && c == '"') {
            if (i + 1 < n && t[i + 1] == '"')
                i++;
            else
                quoted = false;
        } else if (!quoted && c == ',') {
            field_start = true;
        } else if (!quoted && c == '\n') {
            field_start = i + 1 < n;
        }
    }
}

static void check_json(const char *t, size_t n)
{
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(t + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (t + i)) : n - i;
        json_error_t e;
        json_t *v = json_loadb(t + i, len, 0, &e);
        if (!v)
            broken("JSON: a line does not parse", t, n, i);
        json_decref(v);
        i += len + 1;
    }
}

/* ---- the target ---- */

/* A second memfd for the CSV and HTML writers, which take a path. */
static char *out_path(int *fd_out)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("out", 0);
        if (fd < 0)
            return NULL;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    *fd_out = fd;
    return path;
}

static char *read_fd(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    char *b = end >= 0 ? malloc((size_t)end + 1) : NULL;
    if (b && pread(fd, b, (size_t)end, 0) != (ssize_t)end) {
        free(b);
        b = NULL;
    }
    *len = b ? (size_t)end : 0;
    return b;
}

static void check_file_output(int (*write)(const run *, const char *), const run *r,
                              void (*check)(const char *, size_t))
{
    int fd;
    char *path = out_path(&fd);
    if (!path || write(r, path) != 0)
        return;
    size_t len;
    char *t = read_fd(fd, &len);
    if (t)
        check(t, len);
    free(t);
}

static void check_stream_output(const run *r, bool json)
{
    char *t = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&t, &len);
    if (!m)
        return;
    if (json)
        report_json(r, m);
    else
        report_text(r, m);
    if (fclose(m) == 0)
        (json ? check_json : check_terminal)(t, len);
    free(t);
}

static void merge_and_check(const uint8_t *data, size_t size)
{
    char *path = fuzz_memfd_path("results", data, size);
    if (!path)
        return;
    char err[512];
    obs_json_set set;
    memset(&set, 0, sizeof set);
    if (obs_json_read(path, 0, &set, err, sizeof err) == 0) {
        scan_opts o;
        memset(&o, 0, sizeof o);
        o.has_now = set.has_now;
        o.now = set.now;
        o.expiry_days = set.expiry_days;
        o.json_content = true;
        run r;
        memset(&r, 0, sizeof r);
        r.o = &o;
        store_init(&r.content);
        if (obs_json_take(&set, &r) == 0)
            rules_run(&r);
        check_stream_output(&r, true);
        check_stream_output(&r, false);
        check_file_output(report_csv, &r, check_csv);
        check_file_output(report_html, &r, check_html);
        run_free(&r);
    } else {
        /* The one-line error quotes the results file: stderr gets it through esc_term. */
        char shown[2048];
        esc_term_buf(err, shown, sizeof shown);
        check_terminal(shown, strlen(shown));
    }
    obs_json_set_free(&set);
}

/* ---- the mutator ---- */

/* libFuzzer's byte mutator; absent in the replay build, where the custom mutator is called by
 * the replay itself and falls back to its own changes. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max) __attribute__((weak));
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*s >> 33);
}

static const char *const hostile[] = {
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "\x1b]0;owned\x07\x1b[2J\x1b[31m",
    "\xc2\x9b"
    "31m",
    "\xe2\x80\xae"
    "gnp.exe",
    "\xe2\x81\xa6isolate\xe2\x81\xa9",
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "line\nbreak",
    "../../etc/passwd",
    "",
    "malformed",
    "/dev/zero",
    "10.0.0.1:69",
    "[fd00::1]:2445",
    "0000000000000000000000000000000000000000000000000000000000000000",
};

static const json_int_t numbers[] = {0,         1,         -1,
                                     2,         255,       65535,
                                     65536,     INT32_MAX, (json_int_t)INT32_MAX + 1,
                                     INT64_MAX, INT64_MIN, INT64_MAX / 2 + 1};

/* A scalar of the tree: its container and the key or index that holds it. */
typedef struct slot {
    json_t *parent;
    const char *key; /* NULL: array index */
    size_t index;
    json_t *value;
} slot;

enum { MAX_SLOTS = 4096, MAX_DEPTH = 32 };

/* Every string and integer under root, breadth first (no recursion on input depth). */
static size_t collect(json_t *root, slot *out)
{
    json_t *queue[MAX_SLOTS];
    size_t depth[MAX_SLOTS], head = 0, tail = 0, n = 0;
    queue[tail] = root;
    depth[tail++] = 0;
    while (head < tail && n < MAX_SLOTS) {
        json_t *c = queue[head];
        size_t d = depth[head++];
        const char *key;
        json_t *v;
        size_t i = 0;
        bool obj = json_is_object(c);
        void *iter = obj ? json_object_iter(c) : NULL;
        for (;; i++) {
            if (obj) {
                if (!iter)
                    break;
                key = json_object_iter_key(iter);
                v = json_object_iter_value(iter);
                iter = json_object_iter_next(c, iter);
            } else {
                if (i >= json_array_size(c))
                    break;
                key = NULL;
                v = json_array_get(c, i);
            }
            if ((json_is_object(v) || json_is_array(v)) && d < MAX_DEPTH && tail < MAX_SLOTS) {
                queue[tail] = v;
                depth[tail++] = d + 1;
            }
            if (n < MAX_SLOTS)
                out[n++] = (slot){c, key, i, v};
        }
    }
    return n;
}

static void put(const slot *s, json_t *v)
{
    if (s->key)
        json_object_set_new(s->parent, s->key, v);
    else
        json_array_set_new(s->parent, s->index, v);
}

/* libFuzzer's bytes in a string, or a few flipped bytes without it; invalid UTF-8 -> U+FFFD. */
static json_t *mutate_bytes(const char *s, uint64_t *st)
{
    size_t n = strlen(s), cap = n * 2 + 16;
    uint8_t *b = malloc(cap + 1);
    if (!b)
        return NULL;
    memcpy(b, s, n);
    if (LLVMFuzzerMutate) {
        n = LLVMFuzzerMutate(b, n, cap);
    } else {
        for (int k = 0; k < 3 && n; k++)
            b[rnd(st) % n] = (uint8_t)rnd(st);
    }
    b[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!b[i])
            b[i] = '\x1b';
    json_t *v = esc_json_str((char *)b);
    free(b);
    return v;
}

static json_t *hostile_string(uint64_t *st)
{
    return json_string(hostile[rnd(st) % (sizeof hostile / sizeof hostile[0])]);
}

/* Mostly what a results file from a hostile host keeps parseable (a string or a number of the
 * right type with a hostile value), sometimes a lost key, a wrong type or a moved line. */
static void mutate_value(json_t *root, json_t *line_array, size_t line, uint64_t *st)
{
    static slot slots[MAX_SLOTS];
    size_t n = collect(root, slots);
    if (!n)
        return;
    const slot *s = &slots[rnd(st) % n];
    /* Half the time a field the reader takes as free text (names, paths, messages): the values
     * that reach every writer. */
    static const char *const text_keys[] = {"pcap", "name",    "error",   "error_message", "detail",
                                            "sni",  "missing", "subject", "issuer"};
    for (size_t tries = rnd(st) % 2 ? 64 : 0; tries; tries--) {
        const slot *t = &slots[rnd(st) % n];
        bool text = false;
        for (size_t i = 0; t->key && i < sizeof text_keys / sizeof text_keys[0]; i++)
            text = text || strcmp(t->key, text_keys[i]) == 0;
        if (text) {
            s = t;
            break;
        }
    }
    unsigned k = rnd(st) % 20;
    json_t *v = NULL;
    if (k < 17 && json_is_string(s->value))
        v = k < 11 ? hostile_string(st) : mutate_bytes(json_string_value(s->value), st);
    else if (k < 17 && json_is_integer(s->value))
        v = json_integer(k < 11 ? numbers[rnd(st) % (sizeof numbers / sizeof numbers[0])]
                                : (json_int_t)((uint64_t)json_integer_value(s->value) +
                                               (uint64_t)(rnd(st) % 5) - 2));
    else if (k == 17 && s->key)
        json_object_del(s->parent, s->key);
    else if (k == 18)
        v = hostile_string(st); /* whatever type was there */
    else if (rnd(st) % 2)       /* a line twice, or one line less */
        json_array_insert(line_array, line, json_array_get(line_array, line));
    else
        json_array_remove(line_array, line);
    if (v)
        put(s, v);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max, unsigned int seed)
{
    uint64_t st = seed * 2654435761u + 1;
    json_t *lines = json_array();
    for (size_t i = 0; lines && i < size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
        json_t *v = json_loadb((const char *)data + i, len, 0, NULL);
        if (v)
            json_array_append_new(lines, v);
        i += len + 1;
    }
    size_t out = 0;
    if (lines && json_array_size(lines)) {
        for (unsigned k = 1 + rnd(&st) % 3; k && json_array_size(lines); k--) {
            size_t line = rnd(&st) % json_array_size(lines);
            mutate_value(json_array_get(lines, line), lines, line, &st);
        }
        for (size_t i = 0; i < json_array_size(lines); i++) {
            size_t need =
                json_dumpb(json_array_get(lines, i), NULL, 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (!need || out + need + 1 > max) {
                out = 0;
                break;
            }
            json_dumpb(json_array_get(lines, i), (char *)data + out, need,
                       JSON_COMPACT | JSON_PRESERVE_ORDER);
            out += need;
            data[out++] = '\n';
        }
    }
    json_decref(lines);
    if (out)
        return out;
    return LLVMFuzzerMutate ? LLVMFuzzerMutate(data, size, max) : size;
}

/* Mutants per corpus file in the replay build (deterministic seeds). */
enum { REPLAY_MUTANTS = 40 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    merge_and_check(data, size);
    if (LLVMFuzzerMutate)
        return 0; /* libFuzzer calls the mutator itself */
    size_t max = size * 2 + 65536;
    uint8_t *buf = malloc(max);
    for (unsigned seed = 1; buf && seed <= REPLAY_MUTANTS; seed++) {
        memcpy(buf, data, size);
        size_t n = size;
        for (unsigned step = 0; step < 1 + seed % 2; step++)
            n = LLVMFuzzerCustomMutator(buf, n, max, seed * 7919 + step);
        merge_and_check(buf, n);
    }
    free(buf);
    return 0;
}
