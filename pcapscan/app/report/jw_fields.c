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

void jwf_endpoint(jw *w, jw_addrs *m, const cap_addr *a, uint16_t port)
{
    const jw_addr_memo *s = addr_text(m, a);
    char buf[INET6_ADDRSTRLEN + 8], *q = buf;
    bool v6 = a->family == 6 && port;
    if (v6)
        *q++ = '[';
    memcpy(q, s->ip, s->len);
    q += s->len;
    if (v6)
        *q++ = ']';
    if (port) {
        char digits[6], *d = digits + sizeof digits;
        for (unsigned p = port; p; p /= 10)
            *--d = (char)('0' + p % 10);
        *q++ = ':';
        memcpy(q, d, (size_t)(digits + sizeof digits - d));
        q += digits + sizeof digits - d;
    }
    jw_strn(w, buf, (size_t)(q - buf));
}

void jwf_hex(jw *w, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char buf[128];
    n = n > 64 ? 64 : n;
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = hex[p[i] >> 4];
        buf[2 * i + 1] = hex[p[i] & 15];
    }
    jw_strn(w, buf, 2 * n);
}
