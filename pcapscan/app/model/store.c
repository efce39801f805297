/* Content store (see store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/keyhash.h"
#include "model/certs.h"
#include "model/store.h"

void store_init(store *s)
{
    memset(s, 0, sizeof *s);
}

static void blob_free(blob *b)
{
    if (!b)
        return;
    if (b->parsed)
        sbd_file_free(&b->f);
    free(b->rec_cert);
    free(b->data);
    free(b);
}

void store_free(store *s)
{
    for (size_t i = 0; i < s->cap; i++)
        blob_free(s->slots[i]);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static size_t slot_of(const store *s, const uint8_t sha256[32])
{
    /* Keyed: a capture's author can grind file contents whose SHA-256 share their low bits and
     * pile them into one probe run; under the run's secret key the slots are unpredictable. */
    uint64_t h = cap_khash_run(sha256, 32);
    size_t i = (size_t)h & (s->cap - 1);
    while (s->slots[i] && memcmp(s->slots[i]->sha256, sha256, 32) != 0)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int grow(store *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 64;
    store n = {calloc(ncap, sizeof(blob *)), ncap, 0};
    if (!n.slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i]) {
            n.slots[slot_of(&n, s->slots[i]->sha256)] = s->slots[i];
            n.count++;
        }
    free(s->slots);
    *s = n;
    return 0;
}

static blob *insert(store *s, blob *b)
{
    if ((s->count + 1) * 2 > s->cap && grow(s) != 0) {
        blob_free(b);
        return NULL;
    }
    size_t i = slot_of(s, b->sha256);
    if (s->slots[i]) {
        blob_free(b);
        return s->slots[i];
    }
    s->slots[i] = b;
    s->count++;
    return b;
}

blob *store_put(store *s, const uint8_t sha256[32], uint8_t *data, size_t len)
{
    blob *b = calloc(1, sizeof *b);
    if (!b) {
        free(data);
        return NULL;
    }
    memcpy(b->sha256, sha256, 32);
    b->data = data;
    b->len = len;
    return insert(s, b);
}

blob *store_get(const store *s, const uint8_t sha256[32])
{
    if (!s->cap)
        return NULL;
    return s->slots[slot_of(s, sha256)];
}

int store_move(store *dst, store *src)
{
    int rc = 0;
    for (size_t i = 0; i < src->cap; i++) {
        blob *b = src->slots[i];
        src->slots[i] = NULL;
        if (b && !insert(dst, b))
            rc = -1;
    }
    store_free(src);
    return rc;
}

static void decode_record_certs(blob *b, obs_certs *certs)
{
    size_t n = b->f.n_records;
    if (!certs || !(b->rec_cert = calloc(n ? n : 1, sizeof *b->rec_cert)))
        return;
    for (size_t i = 0; i < n; i++) {
        const sbd_elem *c = b->f.records[i].certificate;
        cap_tls_cert der = {c ? sbd_elem_value(&b->f, c) : NULL, c ? c->len : 0};
        b->rec_cert[i] = c ? obs_certs_chain(certs, &der, 1) : NULL;
    }
}

bool blob_analyse(blob *b, sbd_key_cache *keys, obs_certs *certs)
{
    if (b->analysed)
        return b->parsed;
    b->analysed = true;
    sbd_error err;
    memset(&err, 0, sizeof err);
    if (sbd_file_parse(b->data, b->len, SBD_KIND_AUTO, &b->f, &err) != SBD_OK) {
        snprintf(b->parse_error, sizeof b->parse_error, "%s at byte %zu: %s",
                 sbd_status_name(err.code), err.offset, err.msg);
        return false;
    }
    b->parsed = true;
    if (b->f.kind == SBD_KIND_TRUST_LIST) {
        sbd_verify_trust_list_cached(&b->f, keys, &b->self);
        decode_record_certs(b, certs);
    }
    return true;
}

const sbd_cert_info *blob_record_cert(const blob *b, size_t i)
{
    if (!b || !b->rec_cert || i >= b->f.n_records || !b->rec_cert[i] || !b->rec_cert[i]->info_ok)
        return NULL;
    return &b->rec_cert[i]->info;
}
