/* Per-capture caches of decoded certificates and signing keys (see cucm-cache.h). */
#include "cucm-cache.h"

#include <epan/packet.h>
#include <epan/tap.h>

/* Map key: a byte string (a certificate, a whole trust list). */
typedef struct blob_key {
    size_t len;
    const guint8 *bytes;
} blob_key;

typedef struct cert_entry {
    gboolean ok;
    sbd_cert_info info;
} cert_entry;

typedef struct list_entry {
    sbd_sig_status status;
    char detail[SBD_VERIFY_DETAIL_MAX];
} list_entry;

static wmem_map_t *certs; /* DER -> cert_entry, file scope */
static wmem_map_t *lists; /* trust list -> list_entry, file scope */
static sbd_key_cache *keys;
static int expert_tap = -1;

/* FNV-1a over the whole blob: a few KB at most, hashed once per transfer. */
static guint blob_hash(gconstpointer p)
{
    const blob_key *k = (const blob_key *)p;
    guint32 h = 2166136261u;
    for (size_t i = 0; i < k->len; i++)
        h = (h ^ k->bytes[i]) * 16777619u;
    return h;
}

static gboolean blob_equal(gconstpointer a, gconstpointer b)
{
    const blob_key *x = (const blob_key *)a, *y = (const blob_key *)b;
    return x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0;
}

static void blob_insert(wmem_map_t *map, const guint8 *bytes, size_t len, void *value)
{
    blob_key *k = wmem_new(wmem_file_scope(), blob_key);
    k->len = len;
    k->bytes = (const guint8 *)wmem_memdup(wmem_file_scope(), bytes, len);
    wmem_map_insert(map, k, value);
}

static void cache_init(void)
{
    certs = wmem_map_new(wmem_file_scope(), blob_hash, blob_equal);
    lists = wmem_map_new(wmem_file_scope(), blob_hash, blob_equal);
    sbd_key_cache_free(keys); /* in case a capture was opened without closing the last one */
    keys = sbd_key_cache_new();
}

static void cache_cleanup(void)
{
    certs = lists = NULL; /* their memory went with the file scope */
    sbd_key_cache_free(keys);
    keys = NULL;
}

void cucm_cache_register(void)
{
    register_init_routine(cache_init);
    register_cleanup_routine(cache_cleanup);
}

/* The maps exist from the init routine on, which runs before any packet is dissected; without them
 * (never while dissecting) the answer is computed into a static entry and not kept. */

const sbd_cert_info *cucm_cert_info(const guint8 *der, size_t len)
{
    static cert_entry uncached;
    if (!der || !len)
        return NULL;
    blob_key probe = {len, der};
    cert_entry *e = certs ? (cert_entry *)wmem_map_lookup(certs, &probe) : NULL;
    if (!e) {
        sbd_error err;
        e = certs ? wmem_new(wmem_file_scope(), cert_entry) : &uncached;
        e->ok = sbd_cert_info_from_der(der, len, &e->info, &err) == SBD_OK;
        if (certs)
            blob_insert(certs, der, len, e);
    }
    return e->ok ? &e->info : NULL;
}

sbd_sig_status cucm_verify_trust_list(const sbd_file *f, const char **detail)
{
    static list_entry uncached;
    blob_key probe = {f->len, f->buf};
    list_entry *e = lists ? (list_entry *)wmem_map_lookup(lists, &probe) : NULL;
    if (!e) {
        sbd_verify_result vr;
        memset(&vr, 0, sizeof(vr));
        e = lists ? wmem_new(wmem_file_scope(), list_entry) : &uncached;
        e->status = sbd_verify_trust_list_cached(f, keys, &vr);
        g_strlcpy(e->detail, vr.detail, sizeof(e->detail));
        if (lists)
            blob_insert(lists, f->buf, f->len, e);
    }
    *detail = e->detail;
    return e->status;
}

sbd_key_cache *cucm_key_cache(void)
{
    return keys;
}

gboolean cucm_want_details(const proto_tree *tree)
{
    if (tree)
        return TRUE;
    /* The expert tap exists once epan is up; look it up on first use. */
    if (expert_tap < 0)
        expert_tap = find_tap_id("expert");
    return expert_tap >= 0 && have_tap_listener(expert_tap);
}
