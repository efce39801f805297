/* Status codes and the error record every parser in common/ fills. */
#ifndef SBD_STATUS_H
#define SBD_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* One list, two uses (enum and names): keep them in step by construction. */
#define SBD_STATUS_MAP(X)                                                                          \
    X(OK, "ok")                                                                                    \
    X(TRUNCATED, "truncated")                                                                      \
    X(MALFORMED, "malformed")                                                                      \
    X(UNSUPPORTED, "unsupported")                                                                  \
    X(NOMEM, "out of memory")                                                                      \
    X(CRYPTO, "crypto failure")                                                                    \
    X(IO, "i/o error")                                                                             \
    X(LIMIT, "resource limit reached")

typedef enum {
#define SBD_STATUS_ENUM(name, text) SBD_##name,
    SBD_STATUS_MAP(SBD_STATUS_ENUM)
#undef SBD_STATUS_ENUM
} sbd_status;

/* Where and why a parse failed; offset is a byte offset into the parsed buffer. */
typedef struct sbd_error {
    sbd_status code;
    size_t offset;
    char msg[200];
} sbd_error;

const char *sbd_status_name(sbd_status s);

/* Fill err (may be NULL) and return code; printf-style message. */
sbd_status sbd_fail(sbd_error *err, sbd_status code, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
