/* What one run was asked to do: the settings every layer reads (scan limits, judging time,
 * outputs, live capture). cli/opts.c fills them from the command line; nothing below cli/ parses
 * an option. */
#ifndef PCAPSCAN_SETTINGS_H
#define PCAPSCAN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbd/services.h"

#define SCAN_MAX_EXTRA_PORTS 32

typedef struct scan_opts {
    bool json;
    const char *csv_path;
    const char *html_path; /* --html FILE */
    const char *extract_dir;
    struct extractor *extractor; /* extract_dir opened (extract.h), set by cmd_scan */
    bool has_now;
    int64_t now; /* Unix seconds; when !has_now each check uses the evidence's packet time */
    int expiry_days;
    sbd_service_table services; /* watched TLS ports and what each serves (--tls-port) */
    uint16_t http_ports[SCAN_MAX_EXTRA_PORTS];
    size_t n_http_ports;
    size_t max_transfers;    /* concurrent TFTP transfers per input */
    size_t max_streams;      /* concurrent TCP connections per input */
    size_t max_stream_bytes; /* buffered bytes per TCP direction */
    size_t max_file_bytes;   /* one rebuilt file (TFTP or HTTP body) */
    size_t max_keep_bytes;   /* signed files larger than this are hashed but not verified */
    size_t max_unanswered;   /* unanswered requests listed per input; the rest are counted */
    int jobs;
    bool progress;           /* stderr is a TTY and not --quiet */
    bool json_content;       /* --json-content: what `pcapscan merge` needs to re-run the rules */
    bool json_inline;        /* --json-inline: format 1, records on every file line */
    int min_severity;        /* --min-severity: findings below it are left out of the outputs */
    size_t shard_k, shard_n; /* --shard K/N (1-based K); shard_n 0 = all inputs */
    const char **inputs;
    size_t n_inputs;
    /* Watching traffic as it comes (live.c, docs/live.md). */
    const char *live_iface;  /* --live / -i IFACE */
    const char *follow_path; /* --follow FILE */
    const char *filter;      /* --filter EXPR; NULL = the default (live_default_filter) */
    bool print_filter;       /* --print-filter: write the default --live filter and exit */
    const char *user;        /* --user NAME: privileges dropped to it after the capture opened */
    size_t max_phones;       /* --max-phones: phones followed at once by the status counts */
    int64_t phone_idle_sec;  /* --phone-idle: a phone silent this long is summarised, then freed */
} scan_opts;

#endif
