/* Trust lists seen in this capture, newest last. */
#include "cucm-store.h"

#include <epan/packet.h>

/* Lists live in file scope; the array itself is recreated for each capture by the init routine. */
static wmem_array_t *seen_lists;

static void store_init(void)
{
    seen_lists = wmem_array_new(wmem_file_scope(), sizeof(cucm_tl_seen));
}

/* File scope is gone after cleanup; forget the array so nothing touches freed memory. */
static void store_cleanup(void)
{
    seen_lists = NULL;
}

void cucm_store_register(void)
{
    register_init_routine(store_init);
    register_cleanup_routine(store_cleanup);
}

static gboolean already_seen(guint32 frame, const guint8 *buf, size_t len)
{
    guint n = wmem_array_get_count(seen_lists);
    for (guint i = 0; i < n; i++) {
        const cucm_tl_seen *s = (const cucm_tl_seen *)wmem_array_index(seen_lists, i);
        if (s->frame == frame && s->len == len && memcmp(s->buf, buf, len) == 0)
            return TRUE;
    }
    return FALSE;
}

void cucm_store_add_tl(packet_info *pinfo, const guint8 *buf, size_t len, gboolean is_ctl)
{
    if (!seen_lists || PINFO_FD_VISITED(pinfo) || !buf || !len)
        return;
    if (already_seen(pinfo->num, buf, len))
        return;
    cucm_tl_seen s = {pinfo->num, (const guint8 *)wmem_memdup(wmem_file_scope(), buf, len), len,
                      is_ctl};
    wmem_array_append_one(seen_lists, s);
}

const cucm_tl_seen *cucm_store_latest(guint32 before_or_at, gboolean want_ctl)
{
    if (!seen_lists)
        return NULL;
    const cucm_tl_seen *best = NULL;
    guint n = wmem_array_get_count(seen_lists);
    for (guint i = 0; i < n; i++) {
        const cucm_tl_seen *s = (const cucm_tl_seen *)wmem_array_index(seen_lists, i);
        if (s->is_ctl == want_ctl && s->frame <= before_or_at && (!best || s->frame >= best->frame))
            best = s;
    }
    return best;
}

gboolean cucm_store_parse(const cucm_tl_seen *s, sbd_file *f)
{
    sbd_error err;
    return s && sbd_file_parse(s->buf, s->len, SBD_KIND_TRUST_LIST, f, &err) == SBD_OK;
}
