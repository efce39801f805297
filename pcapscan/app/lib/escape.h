/* One escaping function per output context. Every string taken from a capture or a results file
 * is hostile (docs/robustness.md, "Threat model"); every writer, scan and merge alike, passes such
 * strings through these and through nothing else (docs/output.md, "Escaping"). */
#ifndef PCAPSCAN_ESCAPE_H
#define PCAPSCAN_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "sbd/utf8.h" /* sbd_utf8_len: what counts as text */

/* HTML/XHTML text or a quoted attribute value: & < > " ' as references; C0 (but tab and newline),
 * DEL and C1 controls as '?'; bidi and line-separator controls as visible "\u202E"; invalid UTF-8
 * and U+FFFE/U+FFFF (not XML characters) as U+FFFD. NULL writes nothing. */
void esc_html(FILE *out, const char *s);
/* The same, cut to at most max_chars characters (an ellipsis marks the cut). */
void esc_html_max(FILE *out, const char *s, size_t max_chars);

/* Terminal text: C0 controls (newline and tab too), DEL and bytes that are not valid UTF-8 as
 * "\xNN"; C1 controls, bidi controls and U+2028/U+2029 as "\uNNNN". Nothing written can move the
 * cursor, change colours, start a new line or reorder the line. NULL writes nothing. */
void esc_term(FILE *out, const char *s);
/* The same into buf (NUL-terminated; cut before an escape or character that does not fit).
 * Returns buf. For fixed-width columns. */
char *esc_term_buf(const char *s, char *buf, size_t bufsz);

/* One CSV field (RFC 4180), always quoted, '"' doubled; a value starting with = + - @ tab or CR
 * gets a leading ' so a spreadsheet shows it as text (OWASP "CSV injection"). NULL = empty. */
void esc_csv(FILE *out, const char *s);

/* A JSON string of s with every invalid UTF-8 byte replaced by U+FFFD (jansson refuses invalid
 * UTF-8, and json_object_set_new with the resulting NULL silently drops the key). NULL s gives
 * json null. Returns NULL only when out of memory, and counts that (esc_json_failures). */
json_t *esc_json_str(const char *s);
/* Set / append v, taking the reference; a NULL v or a failed call is counted, never silent. */
void esc_json_set(json_t *o, const char *key, json_t *v);
void esc_json_append(json_t *a, json_t *v);
/* Count a JSON value that could not be made or written (out of memory). */
void esc_json_fail(void);
/* JSON values lost so far in this process (all threads). A writer compares the count before and
 * after and reports the difference as an error. */
unsigned long esc_json_failures(void);

#endif
