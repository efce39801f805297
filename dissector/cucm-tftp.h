/* What Wireshark's TFTP dissector hands to its "tftp" heuristic list. packet-tftp.h is not shipped
 * in libwireshark-dev 4.0, so the one-member struct is restated here (same layout). */
#ifndef CUCM_TFTP_H
#define CUCM_TFTP_H

#include <wireshark.h>
#include <epan/packet.h>

typedef struct cucm_tftpinfo {
    const char *filename;
} cucm_tftpinfo;

/* Make TFTP reassemble multi-block files so the heuristics see whole ITLs (off by default). */
void cucm_tftp_force_defragment(void);

/* Watch TFTP read requests and their error answers for the trust engine (file not found,
 * unfinished transfers): a hook in front of UDP that only reads what TFTP dissected. Register
 * once from a proto_register routine, watch once from a handoff. */
void cucm_tftp_register(int owner);
void cucm_tftp_watch(void);

/* Called when a whole file arrives in this packet (server -> client): the read request it answers
 * (the transfer cucm_trust_tftp_request returned), which counts as answered from now on; NULL
 * when no watched read asked for it (an upload, or a request outside the capture). */
void *cucm_tftp_xfer_of(packet_info *pinfo);

/* File name of the transfer, or NULL. */
static inline const char *cucm_tftp_filename(const void *data)
{
    const cucm_tftpinfo *ti = (const cucm_tftpinfo *)data;
    return ti ? ti->filename : NULL;
}

#endif
