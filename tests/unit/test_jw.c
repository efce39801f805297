/* pcapscan/app/lib/jw.c, the streaming JSON writer, against jansson, its reference: the same
 * calls written as text and as a jansson tree dumped with the report's flags must give the same
 * bytes. First value by value (hostile strings, boundary numbers, nesting), then every report
 * pcapscan writes (every line kind, every option that changes them) for the scenario captures
 * and the pipeline fuzz seeds. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cmd_scan.h"
#include "lib/escape.h"
#include "lib/jw.h"
#include "report/report.h"

typedef void (*build_fn)(jw *w, const void *arg);

/* The line build() writes, as text (reference = false) or through jansson; caller frees. */
static char *line_of(build_fn build, const void *arg, bool reference)
{
    jw w;
    jw_init(&w, NULL, reference);
    build(&w, arg);
    char *s = malloc(w.n + 1);
    if (s) {
        memcpy(s, w.p, w.n);
        s[w.n] = '\0';
    }
    jw_free(&w);
    return s;
}

static bool same_both_ways(build_fn build, const void *arg, const char *what)
{
    char *text = line_of(build, arg, false), *ref = line_of(build, arg, true);
    bool same = text && ref && strcmp(text, ref) == 0;
    if (!same)
        fprintf(stderr, "%s:\n  jw:      %s  jansson: %s", what, text ? text : "(null)\n",
                ref ? ref : "(null)\n");
    CHECK(same);
    free(text);
    free(ref);
    return same;
}

static void one_string(jw *w, const void *arg)
{
    jw_obj(w);
    jw_kstr(w, "s", arg);
    jw_key(w, "in_array");
    jw_arr(w);
    jw_str(w, arg);
    jw_str(w, arg);
    jw_end(w);
    jw_end(w);
    jw_line(w);
}

static void test_strings(void)
{
    static const char *const hostile[] = {
        "",
        "plain",
        "quote \" backslash \\ slash /",
        "\b\f\n\r\t",
        "\x01\x02\x1f\x7f",
        "\xc3\xa9t\xc3\xa9 \xe2\x80\xae bidi \xe2\x80\xa8 line sep \xe2\x80\xa9",
        "\xf0\x9f\x94\x92 lock, \xef\xbf\xbe\xef\xbf\xbf nonchars",
        "\xff lone, \xc0\xaf overlong, \xed\xa0\x80 surrogate, \xf4\x90\x80\x80 past U+10FFFF",
        "cut at the end \xe2\x80",
        "\x80\x80\x80 continuation only",
        "\xe2\x28\xa1 bad second byte",
        "</script><!-- =1+2 \x1b[31m red",
        "\xc2\x80\xc2\x9f C1",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
        same_both_ways(one_string, hostile[i], hostile[i]);
    char all[256];
    for (int c = 1; c < 256; c++)
        all[c - 1] = (char)c;
    all[255] = '\0';
    same_both_ways(one_string, all, "every byte value");
    /* Known text, so both ways cannot agree on something wrong. */
    char *t = line_of(one_string, "a\"\\\x01\xff\n", false);
    CHECK_STREQ(t, "{\"s\":\"a\\\"\\\\\\u0001\xef\xbf\xbd\\n\",\"in_array\":[\"a\\\"\\\\\\u0001"
                   "\xef\xbf\xbd\\n\",\"a\\\"\\\\\\u0001\xef\xbf\xbd\\n\"]}\n");
    free(t);
}

static void one_key(jw *w, const void *arg)
{
    jw_obj(w);
    jw_kint(w, "first", 1);
    jw_keyn(w, arg, strlen(arg));
    jw_int(w, 2);
    jw_end(w);
    jw_line(w);
}

/* The writer tests eight bytes at a time and copies plain runs whole: every special byte (and
 * UTF-8 sequence, valid or cut) at every place of strings and keys of every length around the
 * word size, so no word boundary or tail hides one. */
static void test_word_boundaries(void)
{
    /* UTF-8 ones first: jansson refuses a key that is not UTF-8 (the writer's keys are its words)
     */
    static const char *const special[] = {"\"",   "\\",   "\x01",     "\x1f",
                                          "\n",   "\x7f", "\xc3\xa9", "\xe2\x80\xa8",
                                          "\xff", "\x80", "\xe2\x80"};
    const size_t utf8_specials = 8;
    size_t failed = 0;
    for (size_t s = 0; s < sizeof special / sizeof special[0]; s++)
        for (size_t len = 0; len <= 26; len++)
            for (size_t at = 0; at <= len; at++) {
                char text[64];
                memset(text, 'a', len);
                size_t sl = strlen(special[s]);
                memcpy(text + at, special[s], sl);
                memset(text + at + sl, 'b', len - at);
                text[len + sl] = '\0';
                failed += !same_both_ways(one_string, text, "special byte in a string");
                if (s < utf8_specials)
                    failed += !same_both_ways(one_key, text, "special byte in a key");
            }
    for (size_t len = 0; len <= 26; len++) {
        char text[32];
        memset(text, 'k', len);
        text[len] = '\0';
        failed += !same_both_ways(one_string, text, "plain string");
        failed += !same_both_ways(one_key, text, "plain key");
    }
    CHECK(failed == 0);
}

static void numbers(jw *w, const void *arg)
{
    (void)arg;
    static const int64_t v[] = {0,         1,         -1,        9,         10,
                                -10,       99,        100,       65535,     4294967296,
                                INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX, INT64_MIN + 1};
    jw_obj(w);
    jw_key(w, "n");
    jw_arr(w);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        jw_int(w, v[i]);
    jw_end(w);
    jw_kint(w, "a key \"quoted\"\t", 7); /* the writer's keys never need it, but it works */
    jw_kbool(w, "t", true);
    jw_kbool(w, "f", false);
    jw_knull(w, "z");
    jw_kstr(w, "null_string", NULL);
    jw_key(w, "empty_object");
    jw_obj(w);
    jw_end(w);
    jw_key(w, "empty_array");
    jw_arr(w);
    jw_end(w);
    jw_key(w, "nested");
    jw_arr(w);
    jw_arr(w);
    jw_obj(w);
    jw_kint(w, "deep", -42);
    jw_end(w);
    jw_end(w);
    jw_obj(w);
    jw_end(w);
    jw_end(w);
    jw_key(w, "tree");
    jw_json(w, json_pack("{s:i, s:[s, n]}", "a", 1, "b", "x\ty"));
    jw_end(w);
    jw_line(w);
}

static void test_numbers_and_nesting(void)
{
    same_both_ways(numbers, NULL, "numbers and nesting");
    char *t = line_of(numbers, NULL, false);
    CHECK(t && strstr(t, "-9223372036854775808,9223372036854775807,"));
    CHECK(t && strstr(t, ",\"a key \\\"quoted\\\"\\t\":7,"));
    CHECK(t && strstr(t, "\"tree\":{\"a\":1,\"b\":[\"x\\ty\",null]}}\n"));
    free(t);
}

/* A line left open is dropped whole and counted, never written in part. */
static void unclosed(jw *w, const void *arg)
{
    (void)arg;
    jw_obj(w);
    jw_kstr(w, "a", "b");
    jw_line(w);
    jw_obj(w);
    jw_kint(w, "kept", 1);
    jw_end(w);
    jw_line(w);
}

static void test_broken_line(void)
{
    unsigned long before = esc_json_failures();
    char *t = line_of(unclosed, NULL, false);
    CHECK_STREQ(t, "{\"kept\":1}\n");
    CHECK(esc_json_failures() > before);
    free(t);
}

/* ---- whole reports ---- */

static char *report_of(const run *r, bool reference)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    if (!m)
        return NULL;
    report_json_as(r, m, reference);
    fclose(m);
    return text;
}

static size_t reports_checked;

/* Format 2: every content, cert and rule line comes once, before every line that refers to it. */
static bool defined(json_t *seen, const char *kind, const char *key)
{
    char k[200];
    snprintf(k, sizeof k, "%s %s", kind, key ? key : "");
    return json_object_get(seen, k) != NULL;
}

static bool define(json_t *seen, const char *kind, const char *key)
{
    char k[200];
    snprintf(k, sizeof k, "%s %s", kind, key ? key : "");
    bool fresh = json_object_get(seen, k) == NULL;
    json_object_set_new(seen, k, json_true());
    return fresh;
}

static const char *str_at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    return json_string_value(b ? json_object_get(v, b) : v);
}

static void check_refs(const char *text, const char *what)
{
    json_t *seen = json_object();
    size_t bad = 0, lines = 0;
    for (const char *p = text; p && *p; lines++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        json_t *o = json_loadb(p, len, 0, NULL);
        const char *type = str_at(o, "type", NULL), *sha = str_at(o, "sha256", NULL);
        if (!type)
            bad++;
        else if (strcmp(type, "content") == 0)
            bad += !define(seen, "content", sha) || defined(seen, "file", sha);
        else if (strcmp(type, "cert") == 0 || strcmp(type, "rule") == 0)
            bad += !define(seen, type, type[0] == 'c' ? sha : str_at(o, "id", NULL));
        else if (strcmp(type, "file") == 0 && sha)
            define(seen, "file", sha);
        else if (strcmp(type, "tls_cert") == 0)
            bad += sha && !defined(seen, "cert", sha);
        else if (strcmp(type, "finding") == 0) {
            const json_t *cert = json_object_get(json_object_get(o, "evidence"), "cert");
            bad += !defined(seen, "rule", str_at(o, "rule", NULL)) ||
                   (json_is_object(cert) && !defined(seen, "cert", str_at(cert, "sha256", NULL)));
        }
        json_decref(o);
        p = nl ? nl + 1 : NULL;
    }
    if (bad)
        fprintf(stderr, "%s: %zu line(s) of %zu refer to what no earlier line defines\n", what, bad,
                lines);
    CHECK(bad == 0);
    json_decref(seen);
}

static void compare_reports(char **paths, size_t n_paths, const char *const *extra)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "pcapscan";
    argv[argc++] = "-q";
    argv[argc++] = "--json";
    argv[argc++] = "--now";
    argv[argc++] = "2026-12-01T00:00:00Z";
    for (size_t i = 0; extra[i]; i++)
        argv[argc++] = (char *)extra[i];
    for (size_t i = 0; i < n_paths && argc < 63; i++)
        argv[argc++] = paths[i];
    argv[argc] = NULL;
    scan_opts o;
    if (scan_opts_parse(argc, argv, &o) != 0) {
        CHECK(!"options refused");
        return;
    }
    o.progress = false;
    run r;
    run_scan(&o, &r);
    char *text = report_of(&r, false), *ref = report_of(&r, true);
    bool same = text && ref && strcmp(text, ref) == 0;
    CHECK(same);
    if (!same) {
        size_t at = 0;
        while (text && ref && text[at] && text[at] == ref[at])
            at++;
        fprintf(stderr,
                "%s %s...: reports differ at byte %zu:\n  jw:      %.200s\n  jansson: %.200s\n",
                paths[0], extra[0] ? extra[0] : "", at, text ? text + at : "(null)",
                ref ? ref + at : "(null)");
    }
    CHECK(text && strstr(text, "\"type\":\"summary\""));
    if (!o.json_inline)
        check_refs(text, paths[0]);
    reports_checked++;
    free(text);
    free(ref);
    run_free(&r);
}

/* Every file of dir (sorted) into paths; returns how many. */
static size_t files_in(const char *dir, const char *suffix, char **paths, size_t max)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (names[i]->d_name[0] != '.' && k < max &&
            (!suffix || (len > strlen(suffix) &&
                         strcmp(names[i]->d_name + len - strlen(suffix), suffix) == 0))) {
            size_t sz = strlen(dir) + len + 2;
            paths[k] = malloc(sz);
            snprintf(paths[k++], sz, "%s/%s", dir, names[i]->d_name);
        }
        free(names[i]);
    }
    free(n >= 0 ? names : NULL);
    return k;
}

static void test_reports(void)
{
    const char *src = getenv("SBD_SOURCE_DIR");
    if (!src) {
        fputs("SBD_SOURCE_DIR not set: whole reports not compared\n", stderr);
        CHECK(!"SBD_SOURCE_DIR");
        return;
    }
    static const char *const variants[][4] = {{NULL},
                                              {"--json-content", NULL},
                                              {"--json-inline", NULL},
                                              {"--json-inline", "--json-content", NULL},
                                              {"-j", "2", NULL},
                                              {"--min-severity", "error", NULL}};
    char dir[4096], *paths[256];
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/captures", src);
    n += files_in(dir, ".pcap", paths + n, 200);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/pipeline", src);
    n += files_in(dir, NULL, paths + n, 50);
    CHECK(n >= 10);
    for (size_t i = 0; i < n; i++)
        for (size_t v = 0; v < 2; v++)
            compare_reports(paths + i, 1, variants[v]);
    /* All at once: contents shared across inputs, -j, every option. */
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
        compare_reports(paths, n < 60 ? n : 60, variants[v]);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    fprintf(stderr, "%zu reports compared\n", reports_checked);
}

int main(void)
{
    test_strings();
    test_word_boundaries();
    test_numbers_and_nesting();
    test_broken_line();
    test_reports();
    return check_report();
}
