/* Small I/O helpers for the pcapscan front end. */
#ifndef PCAPSCAN_UTIL_H
#define PCAPSCAN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Read a whole file (at most max bytes; larger is an error). mtime may be NULL. "-" = stdin.
 * Returns 0 or -1 with a one-line reason in err. */
int util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, long long *mtime,
                   char *err, size_t errsz);
int util_write_file(const char *path, const uint8_t *buf, size_t len, char *err, size_t errsz);
/* Create or truncate an output file the user named, for writing. A symbolic link at path is
 * refused, never followed (a link planted where a report is written would redirect it). NULL
 * with errno set (ELOOP for a link). */
FILE *util_create(const char *path);
/* strerror, with ELOOP said as what util_create means by it. */
const char *util_create_error(int err);
/* A copy of s (NULL: "") in which control and non-ASCII bytes are '?': how the scan and the merge
 * reader store names and messages from a capture or a results file. NULL when out of memory. */
char *util_printable(const char *s);
/* One JSON value on one line (JSON lines), keys in insertion order. */
void util_print_json_line(FILE *out, const json_t *v);

#endif
