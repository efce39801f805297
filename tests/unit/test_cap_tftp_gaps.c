/* TFTP tracker: the missing-block ranges of an incomplete transfer. compute_missing takes a
 * bitmap byte at once when its eight blocks agree, so gaps here start and end inside bytes, span
 * whole bytes, and end exactly on byte boundaries (block n is bit n-1). */
#include <string.h>

#include "cap/tftp.h"
#include "check.h"

static cap_tftp_transfer last;
static int n_finished;

static void on_finished(void *user, const cap_tftp_transfer *t, cap_tftp_status st)
{
    (void)user;
    if (st == CAP_TFTP_INCOMPLETE)
        last = *t;
    n_finished++;
}

static void udp(cap_tftp *trk, bool from_client, uint16_t cport, uint16_t sport,
                const uint8_t *payload, size_t len)
{
    static uint64_t no;
    cap_addr client = {4, {10, 0, 0, 1}}, server = {4, {10, 0, 0, 2}};
    cap_pkt p = {.where = {"gaps.pcap", ++no, 1000, 0},
                 .ip_proto = 17,
                 .payload = payload,
                 .payload_len = len};
    p.src = from_client ? client : server;
    p.dst = from_client ? server : client;
    p.sport = from_client ? cport : sport;
    p.dport = from_client ? sport : cport;
    cap_tftp_packet(trk, &p);
}

/* One transfer of 512-byte blocks: those listed in present[], the last one short. */
static void transfer(cap_tftp *trk, uint16_t cport, const unsigned *present, size_t n)
{
    static const uint8_t rrq[] = "\0\1SEPgaps.cnf.xml\0octet";
    static uint8_t data[4 + 512];
    udp(trk, true, cport, 69, rrq, sizeof rrq);
    for (size_t i = 0; i < n; i++) {
        data[0] = 0;
        data[1] = 3;
        data[2] = (uint8_t)(present[i] >> 8);
        data[3] = (uint8_t)present[i];
        udp(trk, false, cport, 50000, data, i + 1 < n ? sizeof data : 4 + 10);
    }
}

static void expect_ranges(const uint64_t (*want)[2], uint32_t n_want, uint64_t blocks)
{
    CHECK_EQ_INT(last.n_missing, n_want);
    for (uint32_t i = 0; i < n_want && i < last.n_missing; i++) {
        CHECK_EQ_INT(last.missing[i].first, want[i][0]);
        CHECK_EQ_INT(last.missing[i].last, want[i][1]);
    }
    CHECK_EQ_INT(last.missing_blocks, blocks);
    CHECK(!last.tail_missing);
}

static void run(const unsigned *present, size_t n, const uint64_t (*want)[2], uint32_t n_want,
                uint64_t blocks)
{
    cap_tftp_callbacks cb = {.on_finished = on_finished};
    cap_tftp *trk = cap_tftp_new(NULL, &cb);
    CHECK(trk != NULL);
    if (!trk)
        return;
    memset(&last, 0, sizeof last);
    n_finished = 0;
    transfer(trk, 3000, present, n);
    cap_tftp_finish(trk);
    CHECK_EQ_INT(n_finished, 1);
    expect_ranges(want, n_want, blocks);
    cap_tftp_free(trk);
}

/* Blocks 1-3, 20-40 and a short 100: gaps 4-19 (inside byte 0 to inside byte 2, byte 1 whole)
 * and 41-99 (bytes 5 to 11 whole, ending inside byte 12). */
static void test_gaps_inside_and_across_bytes(void)
{
    unsigned present[3 + 21 + 1];
    size_t n = 0;
    for (unsigned b = 1; b <= 3; b++)
        present[n++] = b;
    for (unsigned b = 20; b <= 40; b++)
        present[n++] = b;
    present[n++] = 100;
    static const uint64_t want[][2] = {{4, 19}, {41, 99}};
    run(present, n, want, 2, 16 + 59);
}

/* Blocks 1-8, 17-24 and a short 25: the gap is exactly byte 1 (blocks 9-16). */
static void test_gap_of_one_whole_byte(void)
{
    unsigned present[17];
    size_t n = 0;
    for (unsigned b = 1; b <= 8; b++)
        present[n++] = b;
    for (unsigned b = 17; b <= 25; b++)
        present[n++] = b;
    static const uint64_t want[][2] = {{9, 16}};
    run(present, n, want, 1, 8);
}

int main(void)
{
    test_gaps_inside_and_across_bytes();
    test_gap_of_one_whole_byte();
    return check_report();
}
