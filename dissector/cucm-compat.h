/* Every difference between the Wireshark releases the plugin is built for lives here, so the
 * other files are written against the newest API (4.6) and -Werror reports the next deprecation
 * the day a new release brings it. 4.0 gets fallbacks; 4.4 and 4.6 need none. Tested: 4.0.17
 * (Debian 12), 4.4.19 (Debian 13), 4.6.9 (Debian sid). How to add a release: dissector/README.md.
 */
#ifndef CUCM_COMPAT_H
#define CUCM_COMPAT_H

#include <stdbool.h>
#include <stdint.h>

#include <wireshark.h> /* ws_version.h: WIRESHARK_VERSION_MAJOR / _MINOR of the headers used */
#include <epan/packet.h>
/* 4.0's packet.h brought the unit strings (units_second_seconds ...) along; 4.4 does not. The
 * header exists in every supported release. */
#include <epan/unit_strings.h>

/* Feature test where one exists: wsutil/plugins.h (not shipped before 4.2) defines the plugin
 * description flags, and with them tshark -G plugins names the plugin's type. */
#if defined(__has_include)
/* cppcheck 2.10 cannot evaluate __has_include (and reads no system headers anyway). */
// cppcheck-suppress preprocessorErrorDirective
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif
#endif
#ifdef WS_PLUGIN_DESC_DISSECTOR
#define CUCM_HAVE_PLUGIN_DESCRIBE 1
#endif

/* True when the headers are release MAJ.MIN or newer. */
#define CUCM_WS_AT_LEAST(maj, min)                                                                 \
    (WIRESHARK_VERSION_MAJOR > (maj) ||                                                            \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

#if !CUCM_WS_AT_LEAST(4, 0)
#error "cucmsbd needs Wireshark 4.0 or newer"
#endif

/* Types of the API's callbacks and preference variables: bool since 4.2, gboolean before (a
 * function pointer type, so no preprocessor test can tell; the release number decides). */
#if CUCM_WS_AT_LEAST(4, 2)
typedef bool cucm_heur_result; /* heur_dissector_t's return type */
typedef bool cucm_pref_bool;   /* what prefs_register_bool_preference writes */
#else
typedef gboolean cucm_heur_result;
typedef gboolean cucm_pref_bool;
/* Renamed in 4.2 (the g-prefixed names are deprecated from then on). */
#define tvb_get_uint8 tvb_get_guint8
#define tvb_find_uint8 tvb_find_guint8
#endif

#endif
