/* The progress line of a scan on a terminal (stderr): the current input's name, bytes and
 * percent, inputs done of total, the rate and the time left, redrawn in place a few times a
 * second and erased at the end. cmd_scan makes one only when stderr is a terminal and -q is not
 * given. Thread-safe: workers of -j report into it concurrently. */
#ifndef PCAPSCAN_PROGRESS_H
#define PCAPSCAN_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "model/observe.h"
#include "scan/scan.h"

typedef struct progress progress;

/* For the n inputs (their sizes are taken now, for the total and the time left); out is the
 * terminal. NULL when out of memory: no progress line, nothing else changes. */
progress *progress_new(FILE *out, const obs_input *inputs, size_t n);
/* Input i has read this far (from the scan's progress callback). */
void progress_update(progress *p, size_t i, const scan_progress *sp);
/* Input i is finished (read to its end, or could not be opened). */
void progress_done(progress *p, size_t i);
/* Erase the line and free. p may be NULL. */
void progress_free(progress *p);

#endif
