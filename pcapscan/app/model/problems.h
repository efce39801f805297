/* The skipped or unparsable items of one input, named by packet number and byte offset.
 * The first PROBLEMS_LISTED are kept for the report; the rest are only counted, so a capture full
 * of garbage cannot grow the report (the per-kind totals are in the input's "skipped" counters). */
#ifndef PCAPSCAN_PROBLEMS_H
#define PCAPSCAN_PROBLEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBLEMS_LISTED 16
#define PROBLEM_NO_OFFSET UINT64_MAX

typedef struct problem {
    uint64_t packet;
    uint64_t offset; /* byte offset (in the frame or the stream, see detail); PROBLEM_NO_OFFSET */
    char what[24];   /* stable kind: malformed, short_frame, fragment, tls, not_tls, http */
    char detail[136];
} problem;

typedef struct problem_list {
    problem item[PROBLEMS_LISTED];
    size_t n;
    uint64_t not_listed;
} problem_list;

__attribute__((format(printf, 5, 6))) void problems_add(problem_list *l, uint64_t packet,
                                                        const char *what, uint64_t offset,
                                                        const char *fmt, ...);

#endif
