/* Option parsing for the scan. */
#define _GNU_SOURCE /* strptime */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/opts.h"
#include "sbd/audit.h"

void scan_usage(FILE *out)
{
    fputs("usage: pcapscan [OPTIONS] INPUT...      audit captures (files, directories, .gz, -)\n"
          "       pcapscan show [OPTIONS] FILE...  list and verify ITL/CTL/.sgn/.enc.sgn files\n"
          "       pcapscan merge [OPTIONS] RESULTS.jsonl...  combine --json --json-content runs\n"
          "       pcapscan --version\n"
          "options:\n"
          "  --json                JSON lines on stdout (file, tls_cert, finding, summary)\n"
          "  --csv FILE            findings as CSV (- : on stdout, instead of the text report)\n"
          "  --html FILE           self-contained HTML evidence report (verdict, timelines)\n"
          "  --min-severity SEV    list only findings of SEV (info, warning, error) or worse in\n"
          "                        every output; the summary counts stay complete\n"
          "  --extract DIR         write rebuilt files (<sha256>-<name>), server certs (DER)\n"
          "                        and manifest.json to DIR\n"
          "  --now TIME            judge certificate expiry at TIME (ISO 8601 or Unix seconds)\n"
          "                        instead of the capture time\n"
          "  --expiry-days N       CERT_EXPIRES_SOON window (default 30)\n"
          "  --tls-port PORT[:SVC] also watch PORT for TLS server certificates, judged as SVC\n"
          "                        (tvs, capf, sip_tls, sccp_tls, https_tftp, https; default\n"
          "                        https); repeatable\n"
          "  --http-port PORT      also treat PORT as CUCM's HTTP file service (default 6970)\n"
          "  --max-transfers N     concurrent TFTP transfers per input (default 4096)\n"
          "  --max-streams N       concurrent TCP connections per input (default 4096)\n"
          "  --max-stream-bytes N  buffered bytes per TCP direction (default 1 MiB)\n"
          "  --max-file-bytes N    largest rebuilt file (default 64 MiB)\n"
          "  --max-unanswered N    requests no server answered listed per input (default\n"
          "                        4096); the rest are counted in skipped\n"
          "  -j, --jobs N          audit N inputs in parallel (default 1)\n"
          "  --shard K/N           audit only inputs i (0-based, after directory expansion)\n"
          "                        with i mod N = K-1; combine with `pcapscan merge`\n"
          "  --json-content        with --json: add what `pcapscan merge` needs (trust list and\n"
          "                        signed file bytes, certificates, exact times; docs/scale.md)\n"
          "  --json-inline         with --json: format 1, each file line carries its trust list's\n"
          "                        signer and records (no content lines; docs/output.md)\n"
          "  -q, --quiet           no progress line on stderr\n"
          "watch traffic as it comes (docs/live.md), instead of INPUT...:\n"
          "  -i, --live IFACE      capture on IFACE; findings are written as they are decided,\n"
          "                        the summary at SIGINT/SIGTERM (Ctrl-C)\n"
          "  --follow FILE         read a capture file another program is still writing\n"
          "  --filter EXPR         BPF filter for --live (default: TFTP and its data, HTTP 6970,\n"
          "                        the watched TLS ports)\n"
          "  --print-filter        write the default filter (for tcpdump -w alongside) and exit\n"
          "  --user NAME           drop privileges to NAME once the capture is open (default\n"
          "                        nobody)\n"
          "  --max-phones N        phones the status counts follow at once (default 100000)\n"
          "  --phone-idle SECONDS  a phone silent this long leaves the status counts, counted\n"
          "                        as expired (default 86400)\n"
          "exit: 0 no error finding, 1 error finding(s), 2 an input or output failed (2 wins\n"
          "      over 1: a run with error findings and an unreadable input exits 2)\n",
          out);
}

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

/* What an option accepts, for the one-line complaint about a bad value. */
static const char *accepted(int c)
{
    switch (c) {
    case OPT_NOW:
        return "a date (2026-12-01), a UTC time (2026-12-01T00:00:00Z) or Unix seconds";
    case OPT_EXPIRY:
        return "days, 0 to 36500";
    case OPT_TLS_PORT:
        return "PORT or PORT:SERVICE (tvs, capf, sip_tls, sccp_tls, https_tftp, https)";
    case OPT_HTTP_PORT:
        return "a port, 1 to 65535";
    case OPT_MAX_STREAM_BYTES:
        return "bytes, at least 1024 (k, m, g suffixes)";
    case OPT_MAX_TRANSFERS:
    case OPT_MAX_STREAMS:
    case OPT_MAX_FILE_BYTES:
    case OPT_MAX_PHONES:
        return "a number, at least 1 (k, m, g suffixes)";
    case OPT_MAX_UNANSWERED:
        return "a number (k, m, g suffixes)";
    case OPT_SHARD:
        return "K/N with 1 <= K <= N";
    case 'j':
        return "1 to 256";
    case OPT_PHONE_IDLE:
        return "seconds, 1 to ten years";
    case OPT_MIN_SEVERITY:
        return "info, warning or error";
    default:
        return "a non-empty value";
    }
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

int scan_opts_parse(int argc, char **argv, scan_opts *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"csv", required_argument, NULL, OPT_CSV},
        {"extract", required_argument, NULL, OPT_EXTRACT},
        {"html", required_argument, NULL, OPT_HTML},
        {"now", required_argument, NULL, OPT_NOW},
        {"expiry-days", required_argument, NULL, OPT_EXPIRY},
        {"tls-port", required_argument, NULL, OPT_TLS_PORT},
        {"http-port", required_argument, NULL, OPT_HTTP_PORT},
        {"max-transfers", required_argument, NULL, OPT_MAX_TRANSFERS},
        {"max-unanswered", required_argument, NULL, OPT_MAX_UNANSWERED},
        {"max-streams", required_argument, NULL, OPT_MAX_STREAMS},
        {"max-stream-bytes", required_argument, NULL, OPT_MAX_STREAM_BYTES},
        {"max-file-bytes", required_argument, NULL, OPT_MAX_FILE_BYTES},
        {"jobs", required_argument, NULL, 'j'},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"json-content", no_argument, NULL, OPT_JSON_CONTENT},
        {"json-inline", no_argument, NULL, OPT_JSON_INLINE},
        {"min-severity", required_argument, NULL, OPT_MIN_SEVERITY},
        {"quiet", no_argument, NULL, 'q'},
        {"live", required_argument, NULL, 'i'},
        {"follow", required_argument, NULL, OPT_FOLLOW},
        {"filter", required_argument, NULL, OPT_FILTER},
        {"user", required_argument, NULL, OPT_USER},
        {"print-filter", no_argument, NULL, OPT_PRINT_FILTER},
        {"max-phones", required_argument, NULL, OPT_MAX_PHONES},
        {"phone-idle", required_argument, NULL, OPT_PHONE_IDLE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    set_defaults(o);
    optind = 1;
    int c, li = -1;
    while ((c = getopt_long(argc, argv, "j:qhi:", longopts, &li)) != -1) {
        if (c == 'h') {
            scan_usage(stdout);
            return 1;
        }
        if (c == '?') { /* getopt named the option already */
            fputs("pcapscan: see pcapscan --help\n", stderr);
            return -1;
        }
        if (!apply(o, c, optarg)) {
            /* One line naming the option and what it takes: the usage would bury it. */
            fprintf(stderr, "pcapscan: bad value for %s%s: '%s' (expected %s)\n",
                    li >= 0 ? "--" : "-", li >= 0 ? longopts[li].name : (const char[]){(char)c, 0},
                    optarg ? optarg : "", accepted(c));
            return -1;
        }
        li = -1;
    }
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
    o->inputs = (const char **)(argv + optind);
    o->n_inputs = (size_t)(argc - optind);
    return 0;
}
