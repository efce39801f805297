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

#endif
