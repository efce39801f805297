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
/* A copy of s (NULL: "") in which control and non-ASCII bytes are '?': how the scan and the merge
 * reader store names and messages from a capture or a results file. NULL when out of memory. */
char *util_printable(const char *s);
/* One JSON value on one line (JSON lines), keys in insertion order. */
void util_print_json_line(FILE *out, const json_t *v);

#endif
