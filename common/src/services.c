/* The service table (sbd/services.h). */
#include <string.h>

#include "sbd/services.h"

static const struct {
    const char *word, *text;
} names[] = {
#define SBD_SERVICE_ROW(id, word, text) {word, text},
    SBD_SERVICE_MAP(SBD_SERVICE_ROW)
#undef SBD_SERVICE_ROW
};

static const sbd_service_port defaults[] = {
    {2445, SBD_SVC_TVS},      {3804, SBD_SVC_CAPF},       {5061, SBD_SVC_SIP_TLS},
    {2443, SBD_SVC_SCCP_TLS}, {6971, SBD_SVC_HTTPS_TFTP}, {6972, SBD_SVC_HTTPS_TFTP},
    {8443, SBD_SVC_HTTPS},    {443, SBD_SVC_HTTPS},
};

const char *sbd_service_word(sbd_service s)
{
    return s < SBD_SVC_COUNT ? names[s].word : "none";
}

const char *sbd_service_text(sbd_service s)
{
    return s < SBD_SVC_COUNT ? names[s].text : names[0].text;
}

bool sbd_service_from_word(const char *word, sbd_service *out)
{
    for (size_t i = 0; word && i < SBD_SVC_COUNT; i++)
        if (strcmp(names[i].word, word) == 0) {
            *out = (sbd_service)i;
            return true;
        }
    return false;
}

void sbd_services_default(sbd_service_table *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        t->ports[t->n++] = defaults[i];
}

bool sbd_services_set(sbd_service_table *t, uint16_t port, sbd_service s)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->ports[i].port == port) {
            t->ports[i].service = s;
            return true;
        }
    if (t->n >= SBD_SERVICE_MAX_PORTS)
        return false;
    t->ports[t->n++] = (sbd_service_port){port, s};
    return true;
}

sbd_service sbd_service_of_port(const sbd_service_table *t, uint16_t port)
{
    if (!t) {
        for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
            if (defaults[i].port == port)
                return defaults[i].service;
        return SBD_SVC_NONE;
    }
    for (size_t i = 0; i < t->n; i++)
        if (t->ports[i].port == port)
            return t->ports[i].service;
    return SBD_SVC_NONE;
}
