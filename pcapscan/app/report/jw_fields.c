/* Field writers shared by the JSON lines writers (see jw_fields.h). */
#include <stdio.h>
#include <string.h>

#include "cap/keyhash.h"
#include "report/jw_fields.h"
#include "sbd/cert.h"

static const jw_addr_memo *addr_text(jw_addrs *m, const cap_addr *a)
{
    size_t n = a->family == 6 ? 16 : 4;
    size_t i = (size_t)cap_khash_run(a->a, n) % (sizeof m->slot / sizeof m->slot[0]);
    jw_addr_memo *s = &m->slot[i];
    if (s->len && s->a.family == a->family && memcmp(s->a.a, a->a, n) == 0)
        return s;
    memset(s, 0, sizeof *s);
    s->a.family = a->family;
    memcpy(s->a.a, a->a, n);
    strcpy(s->ip, "?"); /* as cap_addr_str when inet_ntop refuses */
    inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, s->ip, sizeof s->ip);
    s->len = (unsigned char)strlen(s->ip);
    return s;
}

/* a.b.c.d as inet_ntop writes it; returns the end. */
static char *ipv4_text(char *q, const uint8_t a[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (i)
            *q++ = '.';
        if (v >= 100)
            *q++ = (char)('0' + v / 100);
        if (v >= 10)
            *q++ = (char)('0' + v / 10 % 10);
        *q++ = (char)('0' + v % 10);
    }
    return q;
}

void jwf_endpoint(jw *w, jw_addrs *m, const cap_addr *a, uint16_t port)
{
    char buf[INET6_ADDRSTRLEN + 8], *q = buf;
    bool v6 = a->family == 6;
    if (v6 && port)
        *q++ = '[';
    if (v6) { /* IPv4 is quicker to write than to look up */
        const jw_addr_memo *s = addr_text(m, a);
        memcpy(q, s->ip, s->len);
        q += s->len;
    } else {
        q = ipv4_text(q, a->a);
    }
    if (v6 && port)
        *q++ = ']';
    if (port) {
        char digits[6], *d = digits + sizeof digits;
        for (unsigned p = port; p; p /= 10)
            *--d = (char)('0' + p % 10);
        *q++ = ':';
        memcpy(q, d, (size_t)(digits + sizeof digits - d));
        q += digits + sizeof digits - d;
    }
    jw_plain(w, buf, (size_t)(q - buf)); /* digits, '.', ':', '[', ']', hex: nothing to escape */
}

void jwf_hex(jw *w, const uint8_t *p, size_t n)
{
    static const char pairs[513] = /* the two lowercase digits of each byte value */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    char buf[128];
    n = n > 64 ? 64 : n;
    for (size_t i = 0; i < n; i++)
        memcpy(buf + 2 * i, pairs + 2 * p[i], 2);
    jw_plain(w, buf, 2 * n);
}
