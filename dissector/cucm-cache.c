/* Per-capture caches of decoded certificates and signing keys (see cucm-cache.h). */
#include "cucm-cache.h"

#include <epan/epan_dissect.h>
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

/* Over the whole blob, a word at a time: every transfer's file is hashed (a few KB each, tens of
 * MB in a reset capture), and a byte loop costs about five times as many instructions. Lookups
 * compare the whole bytes, so the hash only has to spread. */
static guint blob_hash(gconstpointer p)
{
    const blob_key *k = (const blob_key *)p;
    guint64 h = 0x9e3779b97f4a7c15u ^ (guint64)k->len;
    size_t i = 0;
    for (; i + 8 <= k->len; i += 8) {
        guint64 w;
        memcpy(&w, k->bytes + i, sizeof(w));
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 29;
    }
    for (; i < k->len; i++)
        h = (h ^ k->bytes[i]) * 0x100000001b3u;
    return (guint)(h ^ (h >> 32));
}

static gboolean blob_equal(gconstpointer a, gconstpointer b)
{
    const blob_key *x = (const blob_key *)a, *y = (const blob_key *)b;
    return x->len == y->len && memcmp(x->bytes, y->bytes, x->len) == 0;
}

/* The key keeps its own copy of the bytes (file scope), returned. */
static const guint8 *blob_insert(wmem_map_t *map, const guint8 *bytes, size_t len, void *value)
{
    blob_key *k = wmem_new(wmem_file_scope(), blob_key);
    k->len = len;
    k->bytes = (const guint8 *)wmem_memdup(wmem_file_scope(), bytes, len);
    wmem_map_insert(map, k, value);
    return k->bytes;
}

wmem_map_t *cucm_blob_map_new(void)
{
    return wmem_map_new(wmem_file_scope(), blob_hash, blob_equal);
}

void *cucm_blob_lookup(wmem_map_t *map, const guint8 *bytes, size_t len, gboolean *found)
{
    blob_key probe = {len, bytes};
    const void *orig = NULL;
    void *value = NULL;
    *found = map && wmem_map_lookup_extended(map, &probe, &orig, &value);
    return value;
}

const guint8 *cucm_blob_insert(wmem_map_t *map, const guint8 *bytes, size_t len, void *value)
{
    return blob_insert(map, bytes, len, value);
}

static void cache_init(void)
{
    certs = cucm_blob_map_new();
    lists = cucm_blob_map_new();
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

/* The trees of the private dissections in progress (a hook's own epan_dissect; the TLS and HTTP
 * hooks sit on different ports, so they do not nest today), known by the tree data that every
 * node of a tree points to. */
#define CUCM_HIDDEN_MAX 4
static const void *hidden[CUCM_HIDDEN_MAX];
static guint n_hidden;

epan_dissect_t *cucm_hidden_dissect_new(packet_info *pinfo)
{
    epan_dissect_t *own = epan_dissect_new(pinfo->epan, TRUE, FALSE);
    if (n_hidden < CUCM_HIDDEN_MAX)
        hidden[n_hidden] = PTREE_DATA(own->tree);
    n_hidden++;
    return own;
}

void cucm_hidden_dissect_free(epan_dissect_t *own)
{
    if (n_hidden)
        n_hidden--;
    epan_dissect_free(own);
}

static gboolean is_hidden(const proto_tree *tree)
{
    for (guint i = 0; i < MIN(n_hidden, CUCM_HIDDEN_MAX); i++)
        if (PTREE_DATA(tree) == hidden[i])
            return TRUE;
    return FALSE;
}

gboolean cucm_want_details(const proto_tree *tree)
{
    if (tree && !is_hidden(tree))
        return TRUE;
    /* The expert tap exists once epan is up; look it up on first use. */
    if (expert_tap < 0)
        expert_tap = find_tap_id("expert");
    return expert_tap >= 0 && have_tap_listener(expert_tap);
}
