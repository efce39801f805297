/* `pcapscan merge`: read shard results, rebuild the observations, run the same rules pass as a
 * scan (rules.c), write the same reports. Exit 0 no error finding, 1 error finding(s), 2 a results
 * file or an input could not be read (the other results are still merged), or a usage error. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_merge.h"
#include "cli/opts.h"
#include "lib/escape.h"
#include "report/obs_json.h"
#include "report/report.h"
#include "rules/rules.h"

void merge_usage(FILE *out)
{
    fputs("usage: pcapscan merge [OPTIONS] RESULTS.jsonl...\n"
          "  combine the outputs of `pcapscan --json --json-content [--shard K/N] ...` runs and\n"
          "  apply the rules again across all of their captures (ITL continuity, TVS, configs)\n"
          "options:\n"
          "  --json                JSON lines on stdout (default: the text report)\n"
          "  --json-content        with --json: keep the merge fields (the output can be merged\n"
          "                        again)\n"
          "  --json-inline         with --json: format 1 (records on every file line)\n"
          "  --csv FILE            findings as CSV\n"
          "  --html FILE           self-contained HTML evidence report\n"
          "  --now TIME            judge expiry at TIME (default: the shards' --now)\n"
          "  --expiry-days N       CERT_EXPIRES_SOON window (default: the shards' value)\n"
          "exit: 0 no error finding, 1 error finding(s), 2 a results file or an input could not\n"
          "      be read\n",
          out);
}

enum { M_JSON = 256, M_JSON_CONTENT, M_JSON_INLINE, M_CSV, M_HTML, M_NOW, M_EXPIRY };

typedef struct merge_args {
    scan_opts o;
    bool now_given, expiry_given;
    char **files;
    size_t n_files;
} merge_args;

static bool merge_apply(merge_args *a, int c, const char *arg)
{
    char *end;
    long v;
    switch (c) {
    case M_JSON:
        a->o.json = true;
        return true;
    case M_JSON_CONTENT:
        a->o.json_content = true;
        return true;
    case M_JSON_INLINE:
        a->o.json_inline = true;
        return true;
    case M_CSV:
        a->o.csv_path = arg;
        return true;
    case M_HTML:
        a->o.html_path = arg;
        return true;
    case M_NOW:
        a->now_given = a->o.has_now = true;
        return scan_parse_time(arg, &a->o.now);
    case M_EXPIRY:
        v = strtol(arg, &end, 10);
        a->expiry_given = true;
        a->o.expiry_days = (int)v;
        return *arg && !*end && v >= 0 && v <= 36500;
    default:
        return false;
    }
}

/* 0 ok, 1 help printed, -1 usage error (message on stderr). */
static int merge_parse(int argc, char **argv, merge_args *a)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, M_JSON},
        {"json-content", no_argument, NULL, M_JSON_CONTENT},
        {"json-inline", no_argument, NULL, M_JSON_INLINE},
        {"csv", required_argument, NULL, M_CSV},
        {"html", required_argument, NULL, M_HTML},
        {"now", required_argument, NULL, M_NOW},
        {"expiry-days", required_argument, NULL, M_EXPIRY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->o.expiry_days = 30;
    sbd_services_default(&a->o.services);
    a->o.jobs = 1;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            merge_usage(stdout);
            return 1;
        }
        if (c == '?' || !merge_apply(a, c, optarg)) {
            if (c != '?')
                fprintf(stderr, "pcapscan merge: bad value for %s: '%s'\n", argv[optind - 1],
                        optarg ? optarg : "");
            merge_usage(stderr);
            return -1;
        }
    }
    if (optind >= argc) {
        fputs("pcapscan merge: no results file (give the JSON-lines outputs of the shards)\n",
              stderr);
        merge_usage(stderr);
        return -1;
    }
    a->files = argv + optind;
    a->n_files = (size_t)(argc - optind);
    return 0;
}

/* The shards' --now/--expiry-days unless given here; -1 when they disagree. */
static int settle_judging(merge_args *a, const obs_json_set *set)
{
    if (set->opts_differ && (!a->now_given || !a->expiry_given)) {
        fputs("pcapscan merge: the results were judged with different --now/--expiry-days; "
              "give both to merge\n",
              stderr);
        return -1;
    }
    if (!a->now_given) {
        a->o.has_now = set->has_now;
        a->o.now = set->now;
    }
    if (!a->expiry_given && set->opts_seen)
        a->o.expiry_days = set->expiry_days;
    return 0;
}

int cmd_merge(int argc, char **argv)
{
    merge_args a;
    int prc = merge_parse(argc, argv, &a);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    obs_json_set set;
    memset(&set, 0, sizeof set);
    bool read_error = false;
    for (size_t i = 0; i < a.n_files; i++) {
        char err[512];
        if (obs_json_read(a.files[i], i, &set, err, sizeof err) != 0) {
            fputs("pcapscan merge: ", stderr);
            esc_term(stderr, err); /* quotes the results file */
            fputc('\n', stderr);
            read_error = true;
        }
    }
    if (settle_judging(&a, &set) != 0) {
        obs_json_set_free(&set);
        return 2;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.o = &a.o;
    store_init(&r.content);
    if (obs_json_take(&set, &r) != 0 || rules_run(&r) != 0)
        fputs("pcapscan merge: out of memory: results are incomplete\n", stderr);
    obs_json_set_free(&set);
    int rc = report_outputs(&r);
    run_free(&r);
    return read_error ? 2 : rc;
}
