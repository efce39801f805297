/* Files over HTTP: CUCM's TFTP service also answers HTTP on TCP 6970, where newer phones fetch
 * their files first. A hook on that port (cucm-http.c) follows requests and answers for the trust
 * engine; the file bodies reach cucmtl and cucmsgn through HTTP's media_type and http.port. */
#ifndef CUCM_HTTP_H
#define CUCM_HTTP_H

#include <wireshark.h>
#include <epan/packet.h>

#include <epan/prefs.h>

/* CUCM's HTTP file port (pcapscan's --http-port default), the default of the preference
 * cucmtl.http_ports; Decode As also puts the hook on a port. */
#define CUCM_HTTP_FILE_PORTS "6970"

/* The hook's protocol and the cucmtl.http_ports preference (in cucmtl's module); the watch runs
 * while owner (cucmtl) is enabled. */
void cucm_http_register(int owner, module_t *prefs);
/* Put the hooks on the HTTP file ports, in front of HTTP. Call once from a handoff. */
void cucm_http_watch(void);
/* The preference changed: the hooks move to its ports (cucmtl's preference callback). */
void cucm_http_apply_prefs(void);

/* What reads a file body: cucmtl and cucmsgn (each shows what it recognises); name is the file
 * the phone asked for, xfer its transfer (cucm-trust.h) on the first pass, NULL on later ones. */
typedef void (*cucm_http_reader)(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                 const char *name, void *xfer);
void cucm_http_add_reader(cucm_http_reader fn, int proto); /* run while proto is enabled */

#endif
