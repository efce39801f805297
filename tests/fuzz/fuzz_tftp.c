/* Fuzz the TFTP tracker packet by packet. Input framing, repeated:
 *   flags:u8 len:u16be payload[len]
 * flags bit 0: sent by the client (else by the server); bit 1: to UDP 69; bits 2-3: which of
 * four server ports; bit 4: which of two client ports; bit 5: advance capture time by 70 s.
 * Each payload is copied into its own allocation so an over-read hits ASan.
 * Bit 7 of the first flags byte picks the mode for the whole input: clear, the tracker keeps the
 * file bytes with a 64 KiB limit; set, it keeps only the block bitmap (on_request declines the
 * data) with a 1 MiB limit, so block numbers past the 16-bit wrap stay reachable at blksize 8.
 * Why not 1 MiB with the data kept: every far block then costs a zeroed buffer of up to 1 MiB
 * (grow() clears the gap, ASan maps it fresh), which held the target at ~1,400 exec/s. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap/tftp.h"

static void on_finished(void *user, const cap_tftp_transfer *t, cap_tftp_status st)
{
    const bool *bitmap_only = user;
    /* invariants a consumer relies on */
    if (*bitmap_only && t->data)
        abort();
    if (st == CAP_TFTP_COMPLETE && (t->n_missing != 0 || !t->complete))
        abort();
    if (t->data && t->len) {
        volatile uint8_t ends = (uint8_t)(t->data[0] ^ t->data[t->len - 1]); /* must be readable */
        (void)ends;
    }
    if (t->n_missing > CAP_TFTP_MAX_RANGES || strlen(t->filename) > 511)
        abort();
}

static bool decline_data(void *user, const cap_tftp_transfer *t)
{
    (void)user;
    (void)t;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool bitmap_only = size > 0 && (data[0] & 0x80);
    cap_tftp_limits lim = {.max_transfers = 4,
                           .max_bytes = bitmap_only ? 1u << 20 : 64u << 10,
                           .idle_timeout_usec = 60000000};
    cap_tftp_callbacks cb = {.on_finished = on_finished,
                             .on_request = bitmap_only ? decline_data : NULL,
                             .user = &bitmap_only};
    cap_tftp *t = cap_tftp_new(&lim, &cb);
    if (!t)
        return 0;
    cap_addr client = {4, {10, 0, 0, 1}}, server = {4, {10, 0, 0, 2}};
    int64_t sec = 1000;
    uint64_t no = 0;
    size_t pos = 0;
    while (pos + 3 <= size) {
        uint8_t flags = data[pos];
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        uint8_t *pl = malloc(len ? len : 1);
        if (!pl)
            break;
        memcpy(pl, data + pos, len);
        pos += len;
        bool from_client = flags & 1;
        uint16_t sport_srv = (flags & 2) ? 69 : (uint16_t)(50000 + ((flags >> 2) & 3));
        uint16_t cport = (flags & 16) ? 3001 : 3000;
        if (flags & 32)
            sec += 70;
        cap_pkt p = {
            .where = {"fuzz", ++no, sec, 0}, .ip_proto = 17, .payload = pl, .payload_len = len};
        p.src = from_client ? client : server;
        p.dst = from_client ? server : client;
        p.sport = from_client ? cport : sport_srv;
        p.dport = from_client ? sport_srv : cport;
        cap_tftp_packet(t, &p);
        free(pl);
    }
    cap_tftp_finish(t);
    cap_tftp_free(t);
    return 0;
}
