/* The options of the scan and of merge: one table, one parser. Each row names an option, its
 * argument, what it accepts, its help and the commands that take it, so --help, the error lines
 * and the value checks are the same whichever command is given an option. The man page
 * (packaging/pcapscan.1) and the bash completion list the same options (tests/lint/options.sh). */
#define _GNU_SOURCE /* strptime */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/opts.h"
#include "sbd/audit.h"

bool scan_parse_time(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && *end == '\0' && errno == 0) {
        *out = v;
        return true;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) {
        memset(&tm, 0, sizeof tm);
        rest = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!rest || (*rest && strcmp(rest, "Z") != 0))
        return false;
    *out = (int64_t)timegm(&tm);
    return true;
}

static bool parse_size(const char *s, size_t min, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *s == '-' || errno || v < min || v > SIZE_MAX)
        return false;
    unsigned long long mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1024;
    else if (*end == 'm' || *end == 'M')
        mult = 1024 * 1024;
    else if (*end == 'g' || *end == 'G')
        mult = 1024ull * 1024 * 1024;
    if (mult != 1)
        end++;
    if (*end || v > SIZE_MAX / mult)
        return false;
    *out = (size_t)(v * mult);
    return true;
}

bool scan_parse_shard(const char *s, size_t *k, size_t *n)
{
    char kbuf[24];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof kbuf)
        return false;
    memcpy(kbuf, s, (size_t)(slash - s));
    kbuf[slash - s] = '\0';
    size_t kv, nv;
    if (!parse_size(kbuf, 1, &kv) || !parse_size(slash + 1, 1, &nv) || kv > nv || nv > 1000000)
        return false;
    *k = kv;
    *n = nv;
    return true;
}

/* PORT or PORT:SERVICE (tvs, capf, sip_tls, sccp_tls, https_tftp, https); a bare port is judged
 * as an HTTPS service. */
static bool add_tls_port(const char *s, sbd_service_table *t)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s", s);
    char *colon = strchr(buf, ':');
    sbd_service svc = SBD_SVC_HTTPS;
    if (colon) {
        *colon = '\0';
        if (!sbd_service_from_word(colon + 1, &svc) || svc == SBD_SVC_NONE)
            return false;
    }
    size_t v;
    return parse_size(buf, 1, &v) && v <= 65535 && sbd_services_set(t, (uint16_t)v, svc);
}

static bool add_port(const char *s, uint16_t *ports, size_t *n)
{
    size_t v;
    if (!parse_size(s, 1, &v) || v > 65535 || *n >= SCAN_MAX_EXTRA_PORTS)
        return false;
    ports[(*n)++] = (uint16_t)v;
    return true;
}

enum {
    OPT_JSON = 256,
    OPT_CSV,
    OPT_EXTRACT,
    OPT_NOW,
    OPT_EXPIRY,
    OPT_TLS_PORT,
    OPT_HTTP_PORT,
    OPT_MAX_TRANSFERS,
    OPT_MAX_STREAMS,
    OPT_MAX_STREAM_BYTES,
    OPT_MAX_FILE_BYTES,
    OPT_SHARD,
    OPT_JSON_CONTENT,
    OPT_JSON_INLINE,
    OPT_HTML,
    OPT_MAX_UNANSWERED,
    OPT_FOLLOW,
    OPT_FILTER,
    OPT_USER,
    OPT_MAX_PHONES,
    OPT_PHONE_IDLE,
    OPT_PRINT_FILTER,
    OPT_MIN_SEVERITY,
};

#define BOTH (OPTS_SCAN | OPTS_MERGE)
#define NUMBER "a number, at least 1 (k, m, g suffixes)"

/* One option. arg NULL: a switch. help: lines of the --help text, '\n' between them. live: listed
 * under the scan's "watch traffic as it comes" heading. */
typedef struct opt_row {
    int id;           /* getopt's value: the short option's letter, or an OPT_ */
    const char *name; /* long name, without the dashes */
    char letter;      /* short option, or 0 */
    const char *arg;
    unsigned cmds;
    bool live;
    const char *accepts; /* what the value may be, for the error line */
    const char *help;
} opt_row;

static const opt_row rows[] = {
    {OPT_JSON, "json", 0, NULL, BOTH, false, NULL,
     "JSON lines on stdout (file, tls_cert, finding, summary)"},
    {OPT_CSV, "csv", 0, "FILE", BOTH, false, "a file name, or - for stdout",
     "findings as CSV (- : on stdout, instead of the text report)"},
    {OPT_HTML, "html", 0, "FILE", BOTH, false, "a file name, or - for stdout",
     "self-contained HTML evidence report (verdict, timelines;\n- : on stdout, instead of the text "
     "report)"},
    {OPT_MIN_SEVERITY, "min-severity", 0, "SEV", BOTH, false, "info, warning or error",
     "list only findings of SEV (info, warning, error) or worse in\n"
     "every output; the summary counts stay complete"},
    {OPT_EXTRACT, "extract", 0, "DIR", OPTS_SCAN, false, "a directory",
     "write rebuilt files (<sha256>-<name>), server certs (DER)\nand manifest.json to DIR"},
    {OPT_NOW, "now", 0, "TIME", BOTH, false,
     "a date (2026-12-01), a UTC time (2026-12-01T00:00:00Z) or Unix seconds",
     "judge certificate expiry at TIME (ISO 8601 or Unix seconds)\n"
     "instead of the capture time (merge: the shards' --now)"},
    {OPT_EXPIRY, "expiry-days", 0, "N", BOTH, false, "days, 0 to 36500",
     "CERT_EXPIRES_SOON window (default 30; merge: the shards')"},
    {OPT_TLS_PORT, "tls-port", 0, "PORT[:SVC]", BOTH, false,
     "PORT or PORT:SERVICE (tvs, capf, sip_tls, sccp_tls, https_tftp, https)",
     "also watch PORT for TLS server certificates, judged as SVC\n"
     "(tvs, capf, sip_tls, sccp_tls, https_tftp, https; default\n"
     "https); repeatable (merge: give the shards' own)"},
    {OPT_HTTP_PORT, "http-port", 0, "PORT", OPTS_SCAN, false, "a port, 1 to 65535",
     "also treat PORT as CUCM's HTTP file service (default 6970)"},
    {OPT_MAX_TRANSFERS, "max-transfers", 0, "N", OPTS_SCAN, false, NUMBER,
     "concurrent TFTP transfers per input (default 4096)"},
    {OPT_MAX_STREAMS, "max-streams", 0, "N", OPTS_SCAN, false, NUMBER,
     "concurrent TCP connections per input (default 4096)"},
    {OPT_MAX_STREAM_BYTES, "max-stream-bytes", 0, "N", OPTS_SCAN, false,
     "bytes, at least 1024 (k, m, g suffixes)", "buffered bytes per TCP direction (default 1 MiB)"},
    {OPT_MAX_FILE_BYTES, "max-file-bytes", 0, "N", OPTS_SCAN, false, NUMBER,
     "largest rebuilt file (default 64 MiB)"},
    {OPT_MAX_UNANSWERED, "max-unanswered", 0, "N", OPTS_SCAN, false, "a number (k, m, g suffixes)",
     "requests no server answered listed per input (default\n4096); the rest are counted in "
     "skipped"},
    {'j', "jobs", 'j', "N", OPTS_SCAN, false, "1 to 256", "audit N inputs in parallel (default 1)"},
    {OPT_SHARD, "shard", 0, "K/N", OPTS_SCAN, false, "K/N with 1 <= K <= N",
     "audit only inputs i (0-based, after directory expansion)\n"
     "with i mod N = K-1; combine with `pcapscan merge`"},
    {OPT_JSON_CONTENT, "json-content", 0, NULL, BOTH, false, NULL,
     "with --json: add what `pcapscan merge` needs (trust list and\n"
     "signed file bytes, certificates, exact times; docs/scale.md)"},
    {OPT_JSON_INLINE, "json-inline", 0, NULL, BOTH, false, NULL,
     "with --json: format 1, each file line carries its trust list's\n"
     "signer and records (no content lines; docs/output.md)"},
    {'q', "quiet", 'q', NULL, OPTS_SCAN, false, NULL, "no progress line on stderr"},
    {'h', "help", 'h', NULL, BOTH, false, NULL, "print this and exit"},
    {'i', "live", 'i', "IFACE", OPTS_SCAN, true, "an interface name",
     "capture on IFACE; findings are written as they are decided,\n"
     "the summary at SIGINT/SIGTERM (Ctrl-C)"},
    {OPT_FOLLOW, "follow", 0, "FILE", OPTS_SCAN, true, "a file name",
     "read a capture file another program is still writing"},
    {OPT_FILTER, "filter", 0, "EXPR", OPTS_SCAN, true, "a BPF expression",
     "BPF filter for --live (default: TFTP and its data, HTTP 6970,\nthe watched TLS ports)"},
    {OPT_PRINT_FILTER, "print-filter", 0, NULL, OPTS_SCAN, true, NULL,
     "write the default filter (for tcpdump -w alongside) and exit"},
    {OPT_USER, "user", 0, "NAME", OPTS_SCAN, true, "a user name",
     "drop privileges to NAME once the capture is open (default\nnobody)"},
    {OPT_MAX_PHONES, "max-phones", 0, "N", OPTS_SCAN, true, NUMBER,
     "phones the status counts follow at once (default 100000)"},
    {OPT_PHONE_IDLE, "phone-idle", 0, "SECONDS", OPTS_SCAN, true, "seconds, 1 to ten years",
     "a phone silent this long leaves the status counts, counted\nas expired (default 86400)"},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

static const opt_row *row_of(int id)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (rows[i].id == id)
            return &rows[i];
    return NULL;
}

/* "  -j, --jobs N          audit N inputs ...": the help column starts at 24. */
static void print_row(FILE *out, const opt_row *r)
{
    char left[40];
    if (r->letter)
        snprintf(left, sizeof left, "-%c, --%s%s%s", r->letter, r->name, r->arg ? " " : "",
                 r->arg ? r->arg : "");
    else
        snprintf(left, sizeof left, "--%s%s%s", r->name, r->arg ? " " : "", r->arg ? r->arg : "");
    fprintf(out, "  %-21s ", left);
    for (const char *h = r->help; *h; h++) {
        fputc(*h, out);
        if (*h == '\n')
            fputs("                        ", out);
    }
    fputc('\n', out);
}

static const char *cmd_name(opts_cmd cmd)
{
    return cmd == OPTS_MERGE ? "pcapscan merge" : "pcapscan";
}

void opts_usage(opts_cmd cmd, FILE *out)
{
    if (cmd == OPTS_MERGE)
        fputs(
            "usage: pcapscan merge [OPTIONS] RESULTS.jsonl...\n"
            "  combine the outputs of `pcapscan --json --json-content [--shard K/N] ...` runs and\n"
            "  apply the rules again across all of their captures (ITL continuity, TVS, configs)\n",
            out);
    else
        fputs(
            "usage: pcapscan [OPTIONS] INPUT...      audit captures (files, directories, .gz, -)\n"
            "       pcapscan show [OPTIONS] FILE...  list and verify ITL/CTL/.sgn/.enc.sgn files\n"
            "       pcapscan merge [OPTIONS] RESULTS.jsonl...  combine --json --json-content runs\n"
            "       pcapscan --version\n",
            out);
    fputs("options:\n", out);
    for (size_t i = 0; i < N_ROWS; i++)
        if ((rows[i].cmds & cmd) && !rows[i].live)
            print_row(out, &rows[i]);
    if (cmd == OPTS_SCAN) {
        fputs("watch traffic as it comes (docs/live.md), instead of INPUT...:\n", out);
        for (size_t i = 0; i < N_ROWS; i++)
            if ((rows[i].cmds & cmd) && rows[i].live)
                print_row(out, &rows[i]);
    }
    fputs(
        cmd == OPTS_MERGE
            ? "exit: 0 no error finding, 1 error finding(s), 2 a results file or an input could\n"
              "      not be read, or an output failed (2 wins over 1)\n"
            : "exit: 0 no error finding, 1 error finding(s), 2 an input or output failed (2 wins\n"
              "      over 1: a run with error findings and an unreadable input exits 2)\n",
        out);
}

void scan_usage(FILE *out)
{
    opts_usage(OPTS_SCAN, out);
}

static void set_defaults(scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->expiry_days = 30;
    sbd_services_default(&o->services);
    o->max_transfers = 4096;
    o->max_streams = 4096;
    o->max_stream_bytes = 1024 * 1024;
    o->max_file_bytes = 64u * 1024 * 1024;
    o->max_keep_bytes = 16u * 1024 * 1024;
    o->max_unanswered = 4096;
    o->jobs = 1;
    o->progress = isatty(STDERR_FILENO);
    o->user = "nobody";
    o->max_phones = 100000;
    o->phone_idle_sec = 86400;
}

/* One option with its argument; false on a bad value. */
static bool apply(scan_opts *o, int c, const char *arg)
{
    size_t v;
    switch (c) {
    case OPT_JSON:
        o->json = true;
        return true;
    case OPT_CSV:
        o->csv_path = arg;
        return true;
    case OPT_HTML:
        o->html_path = arg;
        return true;
    case OPT_EXTRACT:
        o->extract_dir = arg;
        return true;
    case OPT_NOW:
        o->has_now = true;
        return scan_parse_time(arg, &o->now);
    case OPT_EXPIRY:
        if (!parse_size(arg, 0, &v) || v > 36500)
            return false;
        o->expiry_days = (int)v;
        return true;
    case OPT_TLS_PORT:
        return add_tls_port(arg, &o->services);
    case OPT_HTTP_PORT:
        return add_port(arg, o->http_ports, &o->n_http_ports);
    case OPT_MAX_TRANSFERS:
        return parse_size(arg, 1, &o->max_transfers);
    case OPT_MAX_STREAMS:
        return parse_size(arg, 1, &o->max_streams);
    case OPT_MAX_STREAM_BYTES:
        return parse_size(arg, 1024, &o->max_stream_bytes);
    case OPT_MAX_FILE_BYTES:
        return parse_size(arg, 1, &o->max_file_bytes);
    case OPT_MAX_UNANSWERED:
        return parse_size(arg, 0, &o->max_unanswered);
    case OPT_SHARD:
        return scan_parse_shard(arg, &o->shard_k, &o->shard_n);
    case OPT_JSON_CONTENT:
        o->json_content = true;
        return true;
    case OPT_JSON_INLINE:
        o->json_inline = true;
        return true;
    case OPT_MIN_SEVERITY:
        for (int s = SBD_SEV_INFO; s <= SBD_SEV_ERROR; s++)
            if (strcmp(arg, sbd_severity_name((sbd_severity)s)) == 0)
                return (o->min_severity = s), true;
        return false;
    case 'j':
        if (!parse_size(arg, 1, &v) || v > 256)
            return false;
        o->jobs = (int)v;
        return true;
    case 'q':
        o->progress = false;
        return true;
    case 'h':
        return true;
    case 'i':
        o->live_iface = arg;
        return *arg != '\0';
    case OPT_FOLLOW:
        o->follow_path = arg;
        return *arg != '\0';
    case OPT_FILTER:
        o->filter = arg;
        return true;
    case OPT_PRINT_FILTER:
        o->print_filter = true;
        return true;
    case OPT_USER:
        o->user = arg;
        return *arg != '\0';
    case OPT_MAX_PHONES:
        return parse_size(arg, 1, &o->max_phones);
    case OPT_PHONE_IDLE:
        if (!parse_size(arg, 1, &v) || v > 10u * 365 * 86400)
            return false;
        o->phone_idle_sec = (int64_t)v;
        return true;
    default:
        return false;
    }
}

/* "--now" or "-j", as the user wrote it. */
static const char *spelled(const opt_row *r, bool as_long, char *buf, size_t size)
{
    if (as_long || !r->letter)
        snprintf(buf, size, "--%s", r->name);
    else
        snprintf(buf, size, "-%c", r->letter);
    return buf;
}

/* getopt_long's view of the table; every row is known to every command, so an option of the
 * other command is named as such rather than as unknown. */
static void build_getopt(struct option *longopts, char *shorts)
{
    char *s = shorts;
    *s++ = ':'; /* a missing value comes back as ':' (our message), not getopt's */
    for (size_t i = 0; i < N_ROWS; i++) {
        longopts[i] = (struct option){rows[i].name, rows[i].arg ? required_argument : no_argument,
                                      NULL, rows[i].id};
        if (rows[i].letter) {
            *s++ = rows[i].letter;
            if (rows[i].arg)
                *s++ = ':';
        }
    }
    longopts[N_ROWS] = (struct option){NULL, 0, NULL, 0};
    *s = '\0';
}

/* One bad option, in one line naming it and what it takes: the usage would bury it. */
static int refuse(opts_cmd cmd, int c, int li, char **argv, const char *arg)
{
    const char *who = cmd_name(cmd);
    char name[40];
    const opt_row *r = c == ':' ? row_of(optopt) : li >= 0 ? &rows[li] : row_of(c);
    if (c == '?' || !r) { /* unknown, or an ambiguous abbreviation */
        fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", who, argv[optind - 1], who);
        return -1;
    }
    if (c == ':') /* argv[optind - 1] is the option itself: no value followed it */
        fprintf(stderr, "%s: %s needs a value (expected %s)\n", who, argv[optind - 1],
                r->accepts ? r->accepts : "a value");
    else if (!(r->cmds & cmd))
        fprintf(stderr, "%s: %s is an option of %s only (see %s --help)\n", who,
                spelled(r, li >= 0, name, sizeof name), cmd == OPTS_MERGE ? "the scan" : "merge",
                who);
    else
        fprintf(stderr, "%s: bad value for %s: '%s' (expected %s)\n", who,
                spelled(r, li >= 0, name, sizeof name), arg ? arg : "", r->accepts);
    return -1;
}

static bool is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

/* Two outputs on stdout would be interleaved: refused, naming both, in one line. The JSON lines,
 * and the lines of a watch (which end with its report), own stdout; so does `--csv -` or
 * `--html -` alone, instead of the text report. */
static int stdout_check(opts_cmd cmd, const scan_opts *o)
{
    const char *owner = o->live_iface    ? "--live"
                        : o->follow_path ? "--follow"
                        : o->json        ? "--json"
                                         : NULL;
    const char *file = is_stdout(o->csv_path) ? "--csv" : NULL;
    const char *other = is_stdout(o->html_path) ? "--html" : NULL;
    if (!file) {
        file = other;
        other = NULL;
    }
    if (!file || (!owner && !other))
        return 0;
    fprintf(stderr, "%s: %s and %s - both write to stdout: give %s a file name\n", cmd_name(cmd),
            owner ? owner : "--csv -", owner ? file : other, owner ? file : "one of them");
    return -1;
}

/* The scan's combinations: watching traffic excludes inputs and a few options. 1: go on with the
 * inputs; 0: nothing to read (--live, --follow, --print-filter); -1: refused (said on stderr). */
static int scan_check(int argc, scan_opts *o)
{
    if (o->print_filter && !o->live_iface && !o->follow_path)
        return optind < argc ? (fputs("pcapscan: --print-filter takes no input\n", stderr), -1) : 0;
    if (o->live_iface || o->follow_path) {
        const char *bad = o->live_iface && o->follow_path ? "--live with --follow"
                          : optind < argc                 ? "capture files with --live or --follow"
                          : o->shard_n || o->json_content
                              ? "--shard or --json-content when watching"
                          : o->jobs > 1                 ? "-j when watching"
                          : o->extract_dir              ? "--extract when watching"
                          : o->filter && !o->live_iface ? "--filter with --follow (a file was "
                                                          "filtered by its writer)"
                                                        : NULL;
        if (bad) {
            fprintf(stderr, "pcapscan: %s: not supported\n", bad);
            return -1;
        }
        return 0;
    }
    if (o->filter) {
        fputs("pcapscan: --filter needs --live\n", stderr);
        return -1;
    }
    if (optind >= argc) {
        fputs("pcapscan: no input (give capture files, directories or -)\n", stderr);
        scan_usage(stderr);
        return -1;
    }
    return 1;
}

int opts_parse(opts_cmd cmd, int argc, char **argv, scan_opts *o)
{
    struct option longopts[N_ROWS + 1];
    char shorts[2 * N_ROWS + 2];
    build_getopt(longopts, shorts);
    set_defaults(o);
    if (cmd == OPTS_MERGE)
        o->expiry_days = -1; /* the shards' value unless given (cmd_merge.c) */
    optind = 1;
    opterr = 0;
    int c, li = -1;
    while ((c = getopt_long(argc, argv, shorts, longopts, &li)) != -1) {
        const opt_row *r = li >= 0 ? &rows[li] : row_of(c);
        if (c == '?' || c == ':' || !r || !(r->cmds & cmd) || !apply(o, c, optarg))
            return refuse(cmd, c, li, argv, optarg);
        if (c == 'h') {
            opts_usage(cmd, stdout);
            return 1;
        }
        li = -1;
    }
    if (stdout_check(cmd, o) != 0)
        return -1;
    if (cmd == OPTS_SCAN) {
        int rc = scan_check(argc, o);
        if (rc <= 0)
            return rc;
    } else if (optind >= argc) {
        fputs("pcapscan merge: no results file (give the JSON-lines outputs of the shards)\n",
              stderr);
        opts_usage(OPTS_MERGE, stderr);
        return -1;
    }
    o->inputs = (const char **)(argv + optind);
    o->n_inputs = (size_t)(argc - optind);
    return 0;
}

int scan_opts_parse(int argc, char **argv, scan_opts *o)
{
    return opts_parse(OPTS_SCAN, argc, argv, o);
}
