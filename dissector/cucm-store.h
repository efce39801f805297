/* Per-capture memory of the trust lists seen so far, so later files (.sgn) and the TLS server
 * certificate on the TVS port can be judged against "the ITL the phone holds". Filled on the first
 * pass only (frames arrive in order then); callers store per-frame verdicts with p_add_proto_data
 * so re-dissection in any order gives the same tree. */
#ifndef CUCM_STORE_H
#define CUCM_STORE_H

#include <wireshark.h>
#include <epan/packet_info.h>

#include "sbd/file.h"

typedef struct cucm_tl_seen {
    guint32 frame;     /* frame whose dissection delivered the complete file */
    const guint8 *buf; /* wmem_file_scope copy of the file */
    size_t len;
    gboolean is_ctl;
} cucm_tl_seen;

/* Remember a trust list delivered in this frame (no-op after the first pass or for duplicates). */
void cucm_store_add_tl(packet_info *pinfo, const guint8 *buf, size_t len, gboolean is_ctl);

/* The most recent ITL (is_ctl FALSE) or CTL seen in an earlier or this frame, or NULL. */
const cucm_tl_seen *cucm_store_latest(guint32 before_or_at, gboolean want_ctl);

/* Parse a stored list; caller frees with sbd_file_free. */
gboolean cucm_store_parse(const cucm_tl_seen *s, sbd_file *f);

void cucm_store_register(void);

#endif
