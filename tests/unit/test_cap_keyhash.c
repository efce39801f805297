/* The keyed hash of flow tables: cap_khash_words is SipHash-1-3 of the words' bytes, the same
 * function as cap_khash (so the flooding argument of docs/robustness.md covers both), and keys
 * that differ in one bit hash apart. The sampled key reads a short blob whole, and of a long one
 * its length, edges and sampled words but not the bytes between. */
#include <string.h>

#include "cap/keyhash.h"
#include "check.h"

int main(void)
{
    cap_hkey k = cap_hkey_run();
    uint64_t w[4] = {0x0123456789abcdefull, 0xfedcba9876543210ull, 42, 0};
    uint8_t b[sizeof w];
    memcpy(b, w, sizeof w);
    for (size_t n = 0; n <= 4; n++)
        CHECK(cap_khash_words(&k, w, n) == cap_khash(&k, b, 8 * n));
    /* SipHash-1-3 of message 00..0e under key 00..0f, from an independent implementation that
     * gives the SipHash paper's 2-4 vector (0xa129ca6149be45e5): both cannot drift together. */
    cap_hkey ref = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    uint8_t msg[15];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    CHECK(cap_khash(&ref, msg, sizeof msg) == 0xd320d86d2a519956ull);
    uint64_t w2[4];
    memcpy(w2, w, sizeof w);
    w2[1] ^= 1;
    CHECK(cap_khash_words(&k, w, 2) != cap_khash_words(&k, w2, 2));
    static uint8_t blob[4096];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 13 + 5);
    uint64_t h = cap_khash_sample(&k, blob, sizeof blob);
    CHECK(h != cap_khash_sample(&k, blob, sizeof blob - 1)); /* the length */
    blob[10] ^= 1;                                           /* the first 64 bytes */
    CHECK(h != cap_khash_sample(&k, blob, sizeof blob));
    blob[10] ^= 1;
    blob[sizeof blob - 1] ^= 1; /* the last 64 */
    CHECK(h != cap_khash_sample(&k, blob, sizeof blob));
    blob[sizeof blob - 1] ^= 1;
    blob[(sizeof blob - 8) / 17] ^= 1; /* the first sampled word */
    CHECK(h != cap_khash_sample(&k, blob, sizeof blob));
    blob[(sizeof blob - 8) / 17] ^= 1;
    blob[sizeof blob - 100] ^= 1; /* between the last word and the tail: not read */
    CHECK(h == cap_khash_sample(&k, blob, sizeof blob));
    blob[sizeof blob - 100] ^= 1;
    uint8_t small[8 + 40] = {40}; /* up to 264 bytes: the length (8 bytes LE), then every byte */
    memcpy(small + 8, blob, 40);
    CHECK(cap_khash_sample(&k, blob, 40) == cap_khash(&k, small, sizeof small));
    const uint8_t zero_len[8] = {0};
    CHECK(cap_khash_sample(&k, NULL, 0) == cap_khash(&k, zero_len, sizeof zero_len));
    return check_report();
}
