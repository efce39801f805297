/* Status names and the error filler shared by every parser. */
#include <stdarg.h>
#include <stdio.h>

#include "sbd/status.h"

const char *sbd_status_name(sbd_status s)
{
    switch (s) {
#define SBD_STATUS_CASE(name, text)                                                                \
    case SBD_##name:                                                                               \
        return text;
        SBD_STATUS_MAP(SBD_STATUS_CASE)
#undef SBD_STATUS_CASE
    }
    return "unknown status";
}

sbd_status sbd_fail(sbd_error *err, sbd_status code, size_t offset, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}
