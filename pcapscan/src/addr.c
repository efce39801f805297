/* Address formatting for reports. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cap/pkt.h"

static char *put_dec(char *p, unsigned v)
{
    char d[10];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        *p++ = d[--n];
    return p;
}

/* IPv4 "a.b.c.d[:port]" by hand: the rules pass and the reports format an address per file and
 * per session, and inet_ntop + snprintf cost 40 times more. Same text as the general path. */
static char *ipv4_str(const cap_addr *a, uint16_t port, char *out, size_t outsz)
{
    char buf[24], *p = buf;
    for (int i = 0; i < 4; i++) {
        if (i)
            *p++ = '.';
        p = put_dec(p, a->a[i]);
    }
    if (port) {
        *p++ = ':';
        p = put_dec(p, port);
    }
    *p = 0;
    size_t n = (size_t)(p - buf);
    if (n < outsz)
        memcpy(out, buf, n + 1);
    else if (outsz)
        snprintf(out, outsz, "%s", buf);
    return out;
}

char *cap_addr_str(const cap_addr *a, uint16_t port, char *out, size_t outsz)
{
    if (a->family != 6)
        return ipv4_str(a, port, out, outsz);
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, ip, sizeof ip);
    if (port == 0)
        snprintf(out, outsz, "%s", ip);
    else if (a->family == 6)
        snprintf(out, outsz, "[%s]:%u", ip, port);
    else
        snprintf(out, outsz, "%s:%u", ip, port);
    return out;
}
