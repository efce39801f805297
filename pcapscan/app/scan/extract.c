/* --extract (extract.h): the folder the workers write rebuilt files into during the scan; the
 * report layer adds the server certificates and manifest.json (out_manifest.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/escape.h"
#include "sbd/cert.h" /* sbd_hex_lower */
#include "scan/extract.h"

struct extractor {
    int dfd;
    char *dir;
    pthread_mutex_t lock;
    char **done; /* names written this run: open addressing, power-of-two capacity */
    size_t n_done, cap_done;
};

extractor *extract_open(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "pcapscan: --extract %s: %s\n", dir, strerror(errno));
        return NULL;
    }
    /* Opened once: a later swap of DIR for a symlink changes nothing for this run. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    extractor *x = dfd >= 0 ? calloc(1, sizeof *x) : NULL;
    if (!x || !(x->dir = strdup(dir))) {
        fprintf(stderr, "pcapscan: --extract %s: %s\n", dir,
                dfd < 0 ? strerror(errno) : "out of memory");
        if (dfd >= 0)
            close(dfd);
        free(x);
        return NULL;
    }
    x->dfd = dfd;
    pthread_mutex_init(&x->lock, NULL);
    return x;
}

void extract_close(extractor *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->cap_done; i++)
        free(x->done[i]);
    free(x->done);
    pthread_mutex_destroy(&x->lock);
    close(x->dfd);
    free(x->dir);
    free(x);
}

_Static_assert(NAME_MAX < EXTRACT_NAME_SIZE, "a file name fits EXTRACT_NAME_SIZE");

static char *hash_only_name(const uint8_t sha256[32], const char *suffix, char *out)
{
    char hex[65];
    snprintf(out, EXTRACT_NAME_SIZE, "%s%s", sbd_hex_lower(sha256, 32, hex, sizeof hex), suffix);
    return out;
}

char *extract_name(const uint8_t sha256[32], const char *name, const char *suffix, char *out)
{
    name = name && *name ? name : "unnamed";
    /* Over NAME_MAX no file system takes it: the hash alone (the manifest keeps the name). */
    if (65 + strlen(name) + strlen(suffix) > NAME_MAX)
        return hash_only_name(sha256, suffix, out);
    hash_only_name(sha256, "-", out);
    size_t n = 65;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_' || c == '+';
        out[n++] = ok ? (char)c : '_';
    }
    out[n] = '\0';
    /* ".." anywhere becomes "._": no parent references, no hidden names after the prefix. */
    for (char *p = strstr(out, ".."); p; p = strstr(p, ".."))
        p[1] = '_';
    strcat(out, suffix);
    return out;
}

/* ---- names already written this run ---- */

static size_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static bool done_has(extractor *x, const char *name)
{
    pthread_mutex_lock(&x->lock);
    bool found = false;
    for (size_t i = x->cap_done ? name_hash(name) & (x->cap_done - 1) : 0;
         x->cap_done && x->done[i] && !found; i = (i + 1) & (x->cap_done - 1))
        found = strcmp(x->done[i], name) == 0;
    pthread_mutex_unlock(&x->lock);
    return found;
}

static void done_insert(char **tab, size_t cap, char *name)
{
    size_t i = name_hash(name) & (cap - 1);
    while (tab[i])
        i = (i + 1) & (cap - 1);
    tab[i] = name;
}

/* Out of memory only means writing the same name again later. */
static void done_add(extractor *x, const char *name)
{
    pthread_mutex_lock(&x->lock);
    if ((x->n_done + 1) * 2 > x->cap_done) {
        size_t ncap = x->cap_done ? x->cap_done * 2 : 64;
        char **nt = calloc(ncap, sizeof *nt);
        for (size_t i = 0; nt && i < x->cap_done; i++)
            if (x->done[i])
                done_insert(nt, ncap, x->done[i]);
        if (nt) {
            free(x->done);
            x->done = nt;
            x->cap_done = ncap;
        }
    }
    char *copy = (x->n_done + 1) * 2 <= x->cap_done ? strdup(name) : NULL;
    if (copy) {
        done_insert(x->done, x->cap_done, copy);
        x->n_done++;
    }
    pthread_mutex_unlock(&x->lock);
}

/* ---- writing ---- */

static int write_all(int fd, const uint8_t *data, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* A new file of ours: O_EXCL fails on anything already there, a planted symlink included. */
static int write_tmp(extractor *x, const uint8_t *data, size_t len, char tmp[64])
{
    static atomic_ulong counter;
    for (int tries = 0; tries < 32; tries++) {
        unsigned int rnd = 0;
        if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd)
            rnd = (unsigned int)tries;
        snprintf(tmp, 64, ".pcapscan-%ld-%lu-%08x.tmp", (long)getpid(),
                 atomic_fetch_add(&counter, 1), rnd);
        int fd = openat(x->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return -1;
        int rc = write_all(fd, data, len);
        int e = errno;
        if (close(fd) != 0 && rc == 0) {
            rc = -1;
            e = errno;
        }
        if (rc != 0) {
            unlinkat(x->dfd, tmp, 0);
            errno = e;
        }
        return rc;
    }
    errno = EEXIST;
    return -1;
}

/* Does DIR/name hold exactly data (a regular file, not followed through a symlink)? */
static bool holds(extractor *x, const char *name, const uint8_t *data, size_t len)
{
    int fd = openat(x->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    bool same = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
    uint8_t buf[65536];
    for (size_t off = 0; same && off < len;) {
        ssize_t n = read(fd, buf, len - off < sizeof buf ? len - off : sizeof buf);
        same = n > 0 && memcmp(buf, data + off, (size_t)n) == 0;
        off += n > 0 ? (size_t)n : 0;
    }
    if (fd >= 0)
        close(fd);
    return same;
}

/* Temporary file, then renameat over whatever has the name: the name's old entry (file, symlink)
 * is replaced, never written through. In a sticky directory another user's file cannot be
 * replaced: it is accepted only when it already holds exactly these bytes. */
static int place(extractor *x, const char *name, const uint8_t *data, size_t len)
{
    char tmp[64];
    if (write_tmp(x, data, len, tmp) != 0)
        return -1;
    if (renameat(x->dfd, tmp, x->dfd, name) == 0)
        return 0;
    int e = errno;
    unlinkat(x->dfd, tmp, 0);
    if ((e == EPERM || e == EACCES) && holds(x, name, data, len))
        return 0;
    errno = e;
    return -1;
}

static void cannot_write(const extractor *x, const char *name, int e)
{
    flockfile(stderr); /* one line, whatever the other workers write */
    fprintf(stderr, "pcapscan: --extract ");
    esc_term(stderr, x->dir);
    fputc('/', stderr);
    esc_term(stderr, name);
    fprintf(stderr, ": cannot write: %s\n", strerror(e));
    funlockfile(stderr);
}

int extract_write(extractor *x, const char *name, const uint8_t *data, size_t len)
{
    if (place(x, name, data, len) != 0) {
        cannot_write(x, name, errno);
        return -1;
    }
    return 0;
}

int extract_content(extractor *x, const uint8_t sha256[32], const char *name, const char *suffix,
                    const uint8_t *data, size_t len, char out[EXTRACT_NAME_SIZE])
{
    extract_name(sha256, name, suffix, out);
    if (done_has(x, out))
        return 0; /* content-addressed and written by us this run: same name, same bytes */
    int rc = place(x, out, data, len);
    if (rc != 0 && errno == ENAMETOOLONG) {
        hash_only_name(sha256, suffix, out);
        rc = done_has(x, out) ? 0 : place(x, out, data, len);
    }
    if (rc != 0) {
        cannot_write(x, out, errno);
        return -1;
    }
    done_add(x, out);
    return 0;
}
