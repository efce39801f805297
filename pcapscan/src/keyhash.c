/* SipHash-1-3 (Aumasson and Bernstein; the 1-3 round variant is what Rust's HashMap uses) and
 * the run's random key. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cap/keyhash.h"

static cap_hkey run_key;
static pthread_once_t run_key_once = PTHREAD_ONCE_INIT;

static bool fill_random(void *p, size_t n)
{
    uint8_t *b = p;
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom(b + got, n - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    if (got == n)
        return true;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    while (got < n) {
        ssize_t k = read(fd, b + got, n - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    return got == n;
}

static void draw_key(void)
{
    if (fill_random(&run_key, sizeof run_key))
        return;
    /* No kernel randomness (a seccomp jail without getrandom and /dev): still not a constant. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    run_key.k0 = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
    run_key.k1 = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts;
}

cap_hkey cap_hkey_run(void)
{
    pthread_once(&run_key_once, draw_key);
    return run_key;
}

/* One load (the byte loop was not folded into one and doubled the cost per byte: content
 * hashing of every received file is most of a reset capture's scan). */
static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

uint64_t cap_khash(const cap_hkey *k, const void *p, size_t n)
{
    const uint8_t *in = p;
    uint64_t v[4];
    cap_sip_init(v, k);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        cap_sip_absorb(v, load_le64(in + i));
    uint64_t b = (uint64_t)n << 56;
    for (size_t j = 0; i + j < n; j++)
        b |= (uint64_t)in[i + j] << (8 * j);
    return cap_sip_finish(v, b);
}

uint64_t cap_khash_run(const void *p, size_t n)
{
    cap_hkey k = cap_hkey_run();
    return cap_khash(&k, p, n);
}

uint64_t cap_khash_sample(const cap_hkey *k, const void *p, size_t n)
{
    const uint8_t *data = p;
    uint8_t key[8 + 2 * CAP_SAMPLE_EDGE + CAP_SAMPLE_POINTS * CAP_SAMPLE_WORD];
    size_t m = 0;
    for (int i = 0; i < 8; i++)
        key[m++] = (uint8_t)((uint64_t)n >> (8 * i));
    if (n <= sizeof key - m) {
        if (n)
            memcpy(key + m, data, n);
        return cap_khash(k, key, m + n);
    }
    memcpy(key + m, data, CAP_SAMPLE_EDGE);
    memcpy(key + m + CAP_SAMPLE_EDGE, data + n - CAP_SAMPLE_EDGE, CAP_SAMPLE_EDGE);
    m += 2 * CAP_SAMPLE_EDGE;
    for (size_t i = 0; i < CAP_SAMPLE_POINTS; i++, m += CAP_SAMPLE_WORD)
        memcpy(key + m, data + (n - CAP_SAMPLE_WORD) * (i + 1) / (CAP_SAMPLE_POINTS + 1),
               CAP_SAMPLE_WORD);
    return cap_khash(k, key, m);
}
