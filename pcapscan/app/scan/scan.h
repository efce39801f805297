/* Per-input pipeline: cap_input -> cap_decoder -> cap_tftp / cap_tcp (+ cap_tls, cap_http),
 * recording observations. Each call is independent of every other (safe in parallel threads). */
#ifndef PCAPSCAN_SCAN_H
#define PCAPSCAN_SCAN_H

#include <stdint.h>

#include "model/observe.h"
#include "model/settings.h"

/* Where the scan of one input is: frames since the last call, and the input's byte position and
 * size (cap_input_position: size 0 when unknown). */
typedef struct scan_progress {
    uint64_t frames_delta;
    uint64_t pos, size;
} scan_progress;

/* Called from the worker every few thousand frames and at the input's end (may be NULL); must be
 * thread-safe. */
typedef void (*scan_progress_fn)(void *user, const scan_progress *p);

/* Scan one capture into `in` (initialised by obs_input_init; in->path is opened, "-" = stdin).
 * Returns 0, or -1 when the input could not be opened (in->open_failed, in->open_error). */
int scan_input(const scan_opts *o, obs_input *in, scan_progress_fn progress, void *user);

/* What a scan that keeps going (pcapscan --live, --follow) needs as soon as the scan knows it.
 * Indexes are into in->files / in->tls (the arrays may move as they grow: keep indexes). */
typedef struct scan_hooks {
    void *user;
    void (*on_file)(void *user, obs_input *in, size_t idx); /* a transfer or request ended */
    void (*on_tls)(void *user, obs_input *in, size_t idx); /* a chain was seen, or TLS 1.3 hid it */
    void (*on_frame)(void *user);                          /* after each frame */
} scan_hooks;

/* Scan an input opened by the caller (live or followed) until it ends, calling the hooks; the
 * caller closes ci. Same observations as scan_input over the same frames. */
int scan_stream(const scan_opts *o, obs_input *in, cap_input *ci, const scan_hooks *hooks);

#endif
