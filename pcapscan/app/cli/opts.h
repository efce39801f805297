/* Command-line options of the scan (`pcapscan [OPTIONS] INPUT...`) and of `pcapscan merge`: one
 * table (opts.c) fills the run's settings (model/settings.h) for both. */
#ifndef PCAPSCAN_OPTS_H
#define PCAPSCAN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/settings.h"

/* The commands that take options from the table (a row may serve both). */
typedef enum { OPTS_SCAN = 1u, OPTS_MERGE = 2u } opts_cmd;

/* Parse argv (argv[0] is the program or "merge") for cmd. Returns 0 ok, 1 when --help was
 * printed, -1 on a usage error (one line already on stderr). opts->inputs points into argv: the
 * captures, or merge's results files. In merge, expiry_days stays -1 unless given (the shards'
 * value applies). */
int opts_parse(opts_cmd cmd, int argc, char **argv, scan_opts *opts);
void opts_usage(opts_cmd cmd, FILE *out);
/* The same for the scan. */
int scan_opts_parse(int argc, char **argv, scan_opts *opts);
void scan_usage(FILE *out);

/* "2026-12-01T00:00:00Z", "2026-12-01" or Unix seconds. */
bool scan_parse_time(const char *s, int64_t *out);
/* "K/N" with 1 <= K <= N (--shard). */
bool scan_parse_shard(const char *s, size_t *k, size_t *n);

#endif
