/* Command-line options of the scan (`pcapscan [OPTIONS] INPUT...`). */
#ifndef PCAPSCAN_OPTS_H
#define PCAPSCAN_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/settings.h"

/* Parse argv (argv[0] is the program). Returns 0 ok, 1 when --help was printed, -1 on a usage
 * error (message already on stderr). opts->inputs points into argv. */
int scan_opts_parse(int argc, char **argv, scan_opts *opts);
void scan_usage(FILE *out);

/* "2026-12-01T00:00:00Z", "2026-12-01" or Unix seconds. */
bool scan_parse_time(const char *s, int64_t *out);
/* "K/N" with 1 <= K <= N (--shard). */
bool scan_parse_shard(const char *s, size_t *k, size_t *n);

#endif
