/* Keyed hashing for tables whose keys come from a capture or a results file (endpoints, file
 * bytes, certificates, names). With an unkeyed hash an attacker can choose keys that all land in
 * one bucket and make every lookup walk them all; SipHash-1-3 under a random key drawn once per
 * process (getrandom) makes such keys impossible to pick in advance.
 *
 * Hash values differ between runs: nothing may depend on table order for its output. */
#ifndef CAP_KEYHASH_H
#define CAP_KEYHASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct cap_hkey {
    uint64_t k0, k1;
} cap_hkey;

/* The run's key (the same for every caller of this process; thread-safe). */
cap_hkey cap_hkey_run(void);

/* SipHash-1-3 of n bytes under key k. */
uint64_t cap_khash(const cap_hkey *k, const void *p, size_t n);

/* cap_khash under the run's key, for callers that do not keep a copy of it. */
uint64_t cap_khash_run(const void *p, size_t n);

/* ---- sampled keys (tables of large, often repeated blobs: files, certificates) ----
 * cap_khash of the length, the first and last CAP_SAMPLE_EDGE bytes and CAP_SAMPLE_POINTS words
 * spread over the bytes (all of them when shorter than that): hashing every byte of each repeat
 * cost more than the rest of a lookup, and a table confirms a match by memcmp anyway. Blobs can
 * be built to share a sample and differ between the sampled bytes; a table that meets
 * CAP_SAMPLE_SUSPECT such near-misses (same key and length, different bytes) in one lookup
 * should key every entry by cap_khash of all the bytes from then on. */
enum { CAP_SAMPLE_EDGE = 64, CAP_SAMPLE_POINTS = 16, CAP_SAMPLE_WORD = 8, CAP_SAMPLE_SUSPECT = 4 };

uint64_t cap_khash_sample(const cap_hkey *k, const void *p, size_t n);

/* ---- fixed-size keys (flow tables: one or more lookups on every packet) ----
 * The same SipHash-1-3 under the same key, of n words (on a little-endian host, the value
 * cap_khash gives their 8n bytes; unit.test_cap_keyhash checks it). Inline, so that a constant n
 * unrolls and a 4-tuple costs no byte assembly, no tail loop and no call; the keys stay as hard
 * to pick as with cap_khash (the function is the same, only the packing of the key differs, and
 * each caller packs its key injectively). */

#define CAP_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void cap_sipround(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = CAP_SIP_ROTL(v[1], 13);
    v[1] ^= v[0];
    v[0] = CAP_SIP_ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = CAP_SIP_ROTL(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = CAP_SIP_ROTL(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = CAP_SIP_ROTL(v[1], 17);
    v[1] ^= v[2];
    v[2] = CAP_SIP_ROTL(v[2], 32);
}

/* SipHash's state under key k, one message word taken in, and the last word (the length in its
 * top byte) with the finalization: the steps cap_khash and cap_khash_words share. */
static inline void cap_sip_init(uint64_t v[4], const cap_hkey *k)
{
    v[0] = k->k0 ^ 0x736f6d6570736575ull;
    v[1] = k->k1 ^ 0x646f72616e646f6dull;
    v[2] = k->k0 ^ 0x6c7967656e657261ull;
    v[3] = k->k1 ^ 0x7465646279746573ull;
}

static inline void cap_sip_absorb(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    cap_sipround(v);
    v[0] ^= m;
}

static inline uint64_t cap_sip_finish(uint64_t v[4], uint64_t last)
{
    cap_sip_absorb(v, last);
    v[2] ^= 0xff;
    cap_sipround(v);
    cap_sipround(v);
    cap_sipround(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static inline uint64_t cap_khash_words(const cap_hkey *k, const uint64_t *w, size_t n)
{
    uint64_t v[4];
    cap_sip_init(v, k);
    for (size_t i = 0; i < n; i++)
        cap_sip_absorb(v, w[i]);
    return cap_sip_finish(v, (uint64_t)(8 * n) << 56);
}

#endif
