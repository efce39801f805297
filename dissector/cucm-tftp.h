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

/* Watch TFTP read requests and their answers (file not found, unfinished transfers) for the trust
 * engine: a hook on udp.port 69 in front of TFTP. Call once from a handoff. */
void cucm_tftp_watch(void);
void cucm_tftp_register(int parent);

/* The transfer (cucm_trust_tftp_request) the packet being dissected belongs to, or NULL. */
void *cucm_tftp_xfer_of(packet_info *pinfo);

/* File name of the transfer, or NULL. */
static inline const char *cucm_tftp_filename(const void *data)
{
    const cucm_tftpinfo *ti = (const cucm_tftpinfo *)data;
    return ti ? ti->filename : NULL;
}

#endif
