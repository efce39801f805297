/* TFTP option values and block-number wrap-around, one rule for both front ends (sbd/tftp.h). */
#include "sbd/tftp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum { WRAP_UNKNOWN, WRAP_TO_ZERO, WRAP_TO_ONE };

void sbd_tftp_opts_init(sbd_tftp_opts *o)
{
    o->blksize = SBD_TFTP_BLKSIZE_DEFAULT;
    o->tsize = -1;
    o->timeout = 0;
    o->windowsize = 0;
}

/* Digits only, at least one, at most max: what a size or a count can be. A server that writes
 * " 5000" or "5e3" announced no number a phone can rely on, so nothing is taken from it. */
static bool number(const char *v, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
        if (x > max)
            return false;
    }
    *out = x;
    return true;
}

static bool name_is(const char *name, size_t nlen, const char *want)
{
    size_t k = strlen(want);
    if (nlen != k)
        return false;
    for (size_t i = 0; i < k; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != want[i])
            return false;
    }
    return true;
}

void sbd_tftp_apply_option(sbd_tftp_opts *o, const char *name, size_t nlen, const char *value,
                           size_t vlen, bool data_seen)
{
    uint64_t v;
    if (name_is(name, nlen, "blksize")) {
        if (!data_seen && number(value, vlen, SBD_TFTP_BLKSIZE_MAX, &v) &&
            v >= SBD_TFTP_BLKSIZE_MIN)
            o->blksize = (uint32_t)v;
    } else if (name_is(name, nlen, "tsize")) {
        if (number(value, vlen, INT64_MAX / 10, &v))
            o->tsize = (int64_t)v;
    } else if (name_is(name, nlen, "timeout")) {
        if (number(value, vlen, 255, &v))
            o->timeout = (uint32_t)v;
    } else if (name_is(name, nlen, "windowsize")) {
        if (number(value, vlen, 65535, &v) && v >= 1)
            o->windowsize = (uint32_t)v;
    }
}

void sbd_tftp_apply_oack(sbd_tftp_opts *o, const uint8_t *p, size_t n, bool data_seen)
{
    size_t pos = 0;
    while (pos < n) {
        const uint8_t *nend = memchr(p + pos, 0, n - pos);
        if (!nend)
            return;
        size_t vpos = (size_t)(nend - p) + 1;
        const uint8_t *vend = vpos < n ? memchr(p + vpos, 0, n - vpos) : NULL;
        if (!vend)
            return;
        sbd_tftp_apply_option(o, (const char *)p + pos, (size_t)(nend - (p + pos)),
                              (const char *)p + vpos, (size_t)(vend - (p + vpos)), data_seen);
        pos = (size_t)(vend - p) + 1;
    }
}

/* The absolute block number with this wire value nearest to hi, for a cycle of length len. */
static uint64_t nearest(uint64_t hi, uint16_t wire, uint64_t len)
{
    int64_t t = (int64_t)hi - (int64_t)wire + (int64_t)(len / 2);
    uint64_t k = t < 0 ? 0 : (uint64_t)t / len;
    return k * len + wire;
}

uint64_t sbd_tftp_unwrap(sbd_tftp_wrap *w, uint64_t highest, uint16_t wire)
{
    /* Below half a cycle no number can be from the next round yet. */
    if (highest < 32768)
        return wire;
    if (w->mode == WRAP_UNKNOWN) {
        uint64_t c = nearest(highest, wire, 65536);
        if (c <= 65535)
            return c;
        w->mode = (wire == 0 || w->ack0_after_high || wire != 1) ? WRAP_TO_ZERO : WRAP_TO_ONE;
    }
    if (w->mode == WRAP_TO_ONE)
        return wire == 0 ? 0 : nearest(highest, wire, 65535);
    return nearest(highest, wire, 65536);
}

void sbd_tftp_ack(sbd_tftp_wrap *w, uint64_t highest, uint16_t wire)
{
    if (wire == 0 && highest >= 32768)
        w->ack0_after_high = true;
}

uint64_t sbd_tftp_admit_block(sbd_tftp_wrap *w, uint32_t *blksize, bool size_open, uint64_t highest,
                              uint64_t last, uint16_t wire, size_t len)
{
    uint64_t n = sbd_tftp_unwrap(w, highest, wire);
    if (n == 0)
        return 0;
    if (size_open && len > *blksize && len <= SBD_TFTP_BLKSIZE_MAX)
        *blksize = (uint32_t)len;
    uint32_t bs = *blksize;
    if (len > bs || (last && n > last) || (len < bs && ((last && n != last) || highest > n)))
        return 0;
    return n;
}

uint64_t sbd_tftp_missing_upto(uint64_t last, uint64_t highest, int64_t tsize, uint32_t blksize,
                               uint64_t max_bytes, bool *tail)
{
    *tail = last == 0;
    if (last)
        return last;
    uint64_t upto = highest;
    if (tsize >= 0 && blksize) {
        uint64_t cap = max_bytes / blksize + 1, expect = (uint64_t)tsize / blksize + 1;
        expect = expect < cap ? expect : cap;
        upto = expect > upto ? expect : upto;
    }
    return upto ? upto : 1;
}

void sbd_tftp_missing_text(const sbd_tftp_run *runs, size_t n, bool more, bool tail, char *buf,
                           size_t bufsz)
{
    static const char tail_text[] = "; last block never seen";
    size_t len = 0;
    if (!bufsz)
        return;
    buf[0] = '\0';
    /* Room kept for ",..." and the tail, so that what is cut is said to be cut. */
    size_t room = bufsz > sizeof tail_text + 4 ? bufsz - sizeof tail_text - 4 : 0;
    for (size_t i = 0; i < n; i++) {
        char one[48];
        int k = runs[i].first == runs[i].last
                    ? snprintf(one, sizeof one, "%s%" PRIu64, i ? "," : "", runs[i].first)
                    : snprintf(one, sizeof one, "%s%" PRIu64 "-%" PRIu64, i ? "," : "",
                               runs[i].first, runs[i].last);
        if (k < 0 || len + (size_t)k >= room) {
            more = true;
            break;
        }
        memcpy(buf + len, one, (size_t)k + 1);
        len += (size_t)k;
    }
    if (more && len + 4 < bufsz) {
        memcpy(buf + len, ",...", 5);
        len += 4;
    }
    if (tail && len + sizeof tail_text <= bufsz)
        memcpy(buf + len, len ? tail_text : tail_text + 2,
               len ? sizeof tail_text : sizeof tail_text - 2);
}
