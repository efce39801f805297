/* The symbols Wireshark's plugin loader looks for (four, plus plugin_describe where the release
 * has it); everything else stays hidden. */
#include "cucm-compat.h"
#include <epan/packet.h>

#include "cucm-plugin.h"

#ifndef CUCMSBD_VERSION
#define CUCMSBD_VERSION "0.1.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = CUCMSBD_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

#ifdef CUCM_HAVE_PLUGIN_DESCRIBE
/* Optional; without it tshark -G plugins and the About dialog show the type as "unknown". */
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

void plugin_register(void)
{
    /* cucmtl first: it owns the shared preferences and the per-capture trust-list store. */
    static proto_plugin tl = {proto_register_cucmtl, proto_reg_handoff_cucmtl};
    static proto_plugin sgn = {proto_register_cucmsgn, proto_reg_handoff_cucmsgn};
    static proto_plugin tvs = {proto_register_cucmtvs, proto_reg_handoff_cucmtvs};
    proto_register_plugin(&tl);
    proto_register_plugin(&sgn);
    proto_register_plugin(&tvs);
}
