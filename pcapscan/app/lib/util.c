/* File and JSON-line helpers. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

int util_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, long long *mtime,
                   char *err, size_t errsz)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(err, errsz, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (mtime)
        *mtime = !is_stdin && fstat(fileno(fp), &st) == 0 ? (long long)st.st_mtime : -1;
    size_t cap = 65536, n = 0;
    uint8_t *b = malloc(cap);
    while (b) {
        if (n == cap) {
            if (cap >= max) {
                snprintf(err, errsz, "larger than %zu bytes: not a trust or signed file", max);
                free(b);
                b = NULL;
                break;
            }
            cap = cap * 2 > max ? max : cap * 2;
            uint8_t *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                b = NULL;
                snprintf(err, errsz, "out of memory");
                break;
            }
            b = nb;
        }
        size_t r = fread(b + n, 1, cap - n, fp);
        n += r;
        if (r == 0) {
            if (ferror(fp)) {
                snprintf(err, errsz, "read error: %s", strerror(errno));
                free(b);
                b = NULL;
            }
            break;
        }
    }
    if (!is_stdin)
        fclose(fp);
    if (!b)
        return -1;
    *buf = b;
    *len = n;
    return 0;
}

FILE *util_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return NULL;
    FILE *fp = fdopen(fd, "w");
    if (!fp) {
        int err = errno;
        close(fd);
        errno = err;
    }
    return fp;
}

const char *util_create_error(int err)
{
    return err == ELOOP ? "is a symbolic link (not followed)" : strerror(err);
}

int util_write_file(const char *path, const uint8_t *buf, size_t len, char *err, size_t errsz)
{
    FILE *fp = util_create(path);
    if (!fp) {
        snprintf(err, errsz, "cannot write: %s", util_create_error(errno));
        return -1;
    }
    bool ok = fwrite(buf, 1, len, fp) == len;
    int werr = errno;
    if (fclose(fp) != 0) {
        ok = false;
        werr = errno;
    }
    if (!ok)
        snprintf(err, errsz, "cannot write: %s", strerror(werr));
    return ok ? 0 : -1;
}

void util_print_json_line(FILE *out, const json_t *v)
{
    json_dumpf(v, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    fputc('\n', out);
}

char *util_printable(const char *s)
{
    char *d = strdup(s ? s : "");
    for (char *p = d; p && *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return d;
}
