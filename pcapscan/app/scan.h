/* Per-input pipeline: cap_input -> cap_decoder -> cap_tftp / cap_tcp (+ cap_tls, cap_http),
 * recording observations. Each call is independent of every other (safe in parallel threads). */
#ifndef PCAPSCAN_SCAN_H
#define PCAPSCAN_SCAN_H

#include <stdint.h>

#include "observe.h"
#include "opts.h"

/* Called from the worker every few thousand frames (may be NULL); must be thread-safe. */
typedef void (*scan_progress_fn)(void *user, uint64_t frames_delta);

/* Scan one capture into `in` (initialised by obs_input_init; in->path is opened, "-" = stdin).
 * Returns 0, or -1 when the input could not be opened (in->open_failed, in->open_error). */
int scan_input(const scan_opts *o, obs_input *in, scan_progress_fn progress, void *user);

/* Copy of s (NULL = "") with control and non-ASCII bytes replaced by '?'; NULL on OOM. */
char *scan_printable(const char *s);

#endif
