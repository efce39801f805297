#include "model/problems.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void problems_add(problem_list *l, uint64_t packet, const char *what, uint64_t offset,
                  const char *fmt, ...)
{
    if (l->n == PROBLEMS_LISTED) {
        l->not_listed++;
        return;
    }
    problem *p = &l->item[l->n++];
    p->packet = packet;
    p->offset = offset;
    snprintf(p->what, sizeof p->what, "%s", what);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
}
