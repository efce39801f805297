/* Address formatting for reports. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cap/pkt.h"

char *cap_addr_str(const cap_addr *a, uint16_t port, char *out, size_t outsz)
{
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

bool cap_addr_equal(const cap_addr *a, const cap_addr *b)
{
    size_t n = a->family == 6 ? 16 : 4;
    return a->family == b->family && memcmp(a->a, b->a, n) == 0;
}
