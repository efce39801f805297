/* Per-capture caches of decoded certificates and signing keys (see cucm-cache.h). */
#include "cucm-cache.h"

#include <epan/packet.h>
#include <epan/tap.h>

typedef struct cert_key {
    size_t len;
    const guint8 *der;
} cert_key;

typedef struct cert_entry {
    gboolean ok;
    sbd_cert_info info;
} cert_entry;

static wmem_map_t *certs; /* cert_key -> cert_entry, file scope */
static sbd_key_cache *keys;
static int expert_tap = -1;

/* FNV-1a: certificates differ early (serial) and are a few hundred bytes long. */
static guint cert_key_hash(gconstpointer p)
{
    const cert_key *k = (const cert_key *)p;
    guint32 h = 2166136261u;
    for (size_t i = 0; i < k->len; i++)
        h = (h ^ k->der[i]) * 16777619u;
    return h;
}

static gboolean cert_key_equal(gconstpointer a, gconstpointer b)
{
    const cert_key *x = (const cert_key *)a, *y = (const cert_key *)b;
    return x->len == y->len && memcmp(x->der, y->der, x->len) == 0;
}

static void cache_init(void)
{
    certs = wmem_map_new(wmem_file_scope(), cert_key_hash, cert_key_equal);
    sbd_key_cache_free(keys); /* in case a capture was opened without closing the last one */
    keys = sbd_key_cache_new();
}

static void cache_cleanup(void)
{
    certs = NULL; /* its memory went with the file scope */
    sbd_key_cache_free(keys);
    keys = NULL;
}

void cucm_cache_register(void)
{
    register_init_routine(cache_init);
    register_cleanup_routine(cache_cleanup);
}

const sbd_cert_info *cucm_cert_info(const guint8 *der, size_t len)
{
    /* certs exists from the init routine on, which runs before any packet is dissected. */
    if (!der || !len || !certs)
        return NULL;
    cert_key probe = {len, der};
    cert_entry *e = (cert_entry *)wmem_map_lookup(certs, &probe);
    if (!e) {
        sbd_error err;
        e = wmem_new(wmem_file_scope(), cert_entry);
        e->ok = sbd_cert_info_from_der(der, len, &e->info, &err) == SBD_OK;
        cert_key *k = wmem_new(wmem_file_scope(), cert_key);
        k->len = len;
        k->der = (const guint8 *)wmem_memdup(wmem_file_scope(), der, len);
        wmem_map_insert(certs, k, e);
    }
    return e->ok ? &e->info : NULL;
}

sbd_key_cache *cucm_key_cache(void)
{
    return keys;
}

gboolean cucm_want_details(proto_tree *tree)
{
    if (tree)
        return TRUE;
    /* The expert tap exists once epan is up; look it up on first use. */
    if (expert_tap < 0)
        expert_tap = find_tap_id("expert");
    return expert_tap >= 0 && have_tap_listener(expert_tap);
}
