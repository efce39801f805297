/* A parallel loop for the per-input and per-content phases of a run (-j): the inputs' JSON lines,
 * the analysis of distinct contents. Results land by index, so the outcome does not depend on
 * scheduling. */
#ifndef PCAPSCAN_PAR_H
#define PCAPSCAN_PAR_H

#include <stddef.h>

typedef void (*par_fn)(void *ctx, size_t i);

/* Calls fn(ctx, i) for every i in [0, n) on up to jobs threads (on the calling thread alone when
 * jobs <= 1, n <= 1 or no thread starts). Items are taken in increasing order. When done is not
 * NULL, the calling thread calls done(ctx, i) for i = 0, 1, ... in order, each as soon as fn(ctx,
 * i) has returned, while later items may still run (so results can be written out in order
 * without keeping them all). */
void par_for(size_t n, int jobs, par_fn fn, par_fn done, void *ctx);

#endif
