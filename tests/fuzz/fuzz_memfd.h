/* Hands a fuzz input to code that only reads files by path (cap_input_open, obs_json_read): the
 * bytes go into one memfd per process, opened by its /proc/self/fd/N path exactly as a file on
 * disk would be. The memfd is created once and rewritten in place per exec (then cut to the new
 * size), so an exec costs one pwrite and one ftruncate instead of memfd_create, write and close
 * with the shmem pages freed and faulted in again every time. */
#ifndef SBD_FUZZ_MEMFD_H
#define SBD_FUZZ_MEMFD_H

/* memfd_create needs _GNU_SOURCE before the first system header: define it at the top of the
 * including file. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* Returns the path holding exactly data[0..size), or NULL when the memfd cannot be written. The
 * path stays the same for the life of the process; the reader opens its own file offset. */
static inline char *fuzz_memfd_path(const char *name, const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create(name, 0);
        if (fd < 0)
            return NULL;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    for (size_t off = 0; off < size;) {
        ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
        if (w <= 0)
            return NULL;
        off += (size_t)w;
    }
    if (ftruncate(fd, (off_t)size) != 0)
        return NULL;
    return path;
}

#endif
