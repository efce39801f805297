/* Per-capture caches: a capture repeats the same few certificates and signing keys in every
 * trust list and config it carries (each phone fetches the cluster's lists at every boot), so
 * decoding them once per capture instead of once per transfer keeps the plugin's cost near the
 * cost of TFTP itself. Both caches are emptied when a capture is closed. */
#ifndef CUCM_CACHE_H
#define CUCM_CACHE_H

#include <wireshark.h>
#include <epan/epan_dissect.h>
#include <epan/proto.h>

#include "sbd/cert.h"
#include "sbd/verify.h"

/* Decoded X.509 certificate, or NULL when it does not decode; the result lives until the
 * capture is closed. */
const sbd_cert_info *cucm_cert_info(const guint8 *der, size_t len);

/* sbd_verify_trust_list's verdict on f, computed once per capture for each distinct content (a
 * verdict depends on the bytes alone). *detail lives until the capture is closed. */
sbd_sig_status cucm_verify_trust_list(const sbd_file *f, const char **detail);

/* Signing keys of trust-list records, for sbd_verify_*_cached (NULL outside a capture). */
sbd_key_cache *cucm_key_cache(void);

/* TRUE when items or expert infos can be seen: a tree is built for someone (not one of the
 * hooks' private trees below), or an expert tap (tshark -z expert) listens. Work whose only
 * product is items and experts is skipped otherwise. */
gboolean cucm_want_details(const proto_tree *tree);

/* A hook's private dissection, whose tree only serves to read back the fields the hook asked
 * for (no tree wanted: tshark summary lines); its items are seen by nobody, so
 * cucm_want_details says no for it. Freed by cucm_hidden_dissect_free, also after an
 * exception. */
epan_dissect_t *cucm_hidden_dissect_new(packet_info *pinfo);
void cucm_hidden_dissect_free(epan_dissect_t *own);

/* Maps keyed by whole byte strings (file scope, emptied with the capture): the value for those
 * bytes (*found says whether there is one; the value may be NULL), and an insertion that keeps
 * its own copy of the bytes and returns it. */
wmem_map_t *cucm_blob_map_new(void);
void *cucm_blob_lookup(wmem_map_t *map, const guint8 *bytes, size_t len, gboolean *found);
const guint8 *cucm_blob_insert(wmem_map_t *map, const guint8 *bytes, size_t len, void *value);

void cucm_cache_register(void);

#endif
