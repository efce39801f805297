/* --extract DIR: files written under a directory other people may also write to. The directory is
 * opened once; every file is made under a fresh temporary name (O_CREAT|O_EXCL|O_NOFOLLOW) and
 * renamed into place inside that directory, so nothing planted in DIR (a symlink, a file with the
 * right name and the wrong bytes) is followed or trusted. Thread-safe. */
#ifndef PCAPSCAN_EXTRACT_H
#define PCAPSCAN_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

typedef struct extractor extractor;

/* Create DIR if missing and open it. NULL with a one-line message on stderr. */
extractor *extract_open(const char *dir);
void extract_close(extractor *x);

/* Name for content with this SHA-256: "<sha256>-<name><suffix>" where every byte of name other
 * than ASCII letters, digits, '.', '-', '_', '+' becomes '_' and ".." becomes "._"; "<sha256>
 * <suffix>" when that is longer than a file name may be. out holds at least EXTRACT_NAME_SIZE. */
#define EXTRACT_NAME_SIZE 256
char *extract_name(const uint8_t sha256[32], const char *name, const char *suffix, char *out);

/* Write data as DIR/<extract_name(sha256, name, suffix)>, replacing whatever DIR held under that
 * name (once per name and run); the hash-only name when the file system refuses the long one
 * (ENAMETOOLONG). The name written goes to out. 0, or -1 with a one-line reason on stderr. */
int extract_content(extractor *x, const uint8_t sha256[32], const char *name, const char *suffix,
                    const uint8_t *data, size_t len, char out[EXTRACT_NAME_SIZE]);
/* Write data as DIR/name (a name of ours, such as manifest.json), the same way. 0 or -1. */
int extract_write(extractor *x, const char *name, const uint8_t *data, size_t len);

#endif
