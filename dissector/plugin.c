/* The four symbols Wireshark's plugin loader looks for; everything else stays hidden. */
#include <wireshark.h>
#include <epan/packet.h>

#include "cucm-plugin.h"

#ifndef CUCMSBD_VERSION
#define CUCMSBD_VERSION "0.1.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = CUCMSBD_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);

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
