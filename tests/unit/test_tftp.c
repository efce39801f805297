/* The TFTP facts both front ends take from common/ (sbd/tftp.h): which OACK values count, and
 * where a block number lands past 65535. The plugin and pcapscan's tracker agree on a transfer's
 * bytes and missing blocks only because both follow these; captures/tftp-odd-server.pcap and
 * captures/tftp-wrap.pcap show them on real traffic. */
#include <string.h>

#include "check.h"
#include "sbd/tftp.h"

/* An OACK body from "name", "value" pairs (NULs included). */
static size_t oack(uint8_t *out, const char *const *kv, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(kv[i]) + 1;
        memcpy(out + len, kv[i], k);
        len += k;
    }
    return len;
}

static sbd_tftp_opts apply(const char *const *kv, size_t n, bool data_seen)
{
    uint8_t buf[512];
    sbd_tftp_opts o;
    sbd_tftp_opts_init(&o);
    sbd_tftp_apply_oack(&o, buf, oack(buf, kv, n), data_seen);
    return o;
}

static void test_values(void)
{
    const char *ok[] = {"BlkSize", "1428", "tsize", "10000", "timeout", "255", "windowsize", "4"};
    sbd_tftp_opts o = apply(ok, 8, false);
    CHECK_EQ_INT(o.blksize, 1428);
    CHECK_EQ_INT(o.tsize, 10000);
    CHECK_EQ_INT(o.timeout, 255);
    CHECK_EQ_INT(o.windowsize, 4);
    /* Not numbers, or out of range: nothing is taken (a prefix neither). */
    const char *odd[] = {"tsize",   " 10000", "tsize",   "1e4",  "blksize",    "7",
                         "blksize", "65465",  "timeout", "1000", "windowsize", "0",
                         "tsize",   "-1",     "blksize", "",     "timeout",    "+5"};
    o = apply(odd, 18, false);
    CHECK_EQ_INT(o.tsize, -1);
    CHECK_EQ_INT(o.blksize, 512);
    CHECK_EQ_INT(o.timeout, 0);
    CHECK_EQ_INT(o.windowsize, 0);
    const char *big[] = {"tsize", "0000000000000000000000000000000000005000", "tsize",
                         "99999999999999999999"};
    o = apply(big, 2, false);
    CHECK_EQ_INT(o.tsize, 5000); /* leading zeros: the whole value, not its first 31 bytes */
    o = apply(big, 4, false);
    CHECK_EQ_INT(o.tsize, 5000); /* over the range: the earlier value stays */
    /* Repeated: the last wins; blksize stays once data was placed. */
    const char *rep[] = {"tsize", "1", "tsize", "2", "blksize", "1024"};
    o = apply(rep, 6, true);
    CHECK_EQ_INT(o.tsize, 2);
    CHECK_EQ_INT(o.blksize, 512);
    /* A pair without its NUL ends the walk; nothing is read past n. */
    uint8_t cut[] = {'t', 's', 'i', 'z', 'e', 0, '7', '7'};
    sbd_tftp_opts_init(&o);
    sbd_tftp_apply_oack(&o, cut, sizeof cut, false);
    CHECK_EQ_INT(o.tsize, -1);
    sbd_tftp_apply_oack(&o, cut, 0, false);
    CHECK_EQ_INT(o.tsize, -1);
}

/* Walks a transfer of `count` blocks numbered as a server rolling over to `to` sends them. */
static void walk(uint16_t to, bool ack0)
{
    sbd_tftp_wrap w = {0, false};
    uint64_t hi = 0;
    uint16_t wire = 1;
    for (uint64_t n = 1; n <= 70000; n++) {
        uint64_t got = sbd_tftp_unwrap(&w, hi, wire);
        CHECK(got == n);
        if (got != n) {
            fprintf(stderr, "  rollover to %u: block %llu placed at %llu\n", to,
                    (unsigned long long)n, (unsigned long long)got);
            return;
        }
        hi = n;
        if (ack0 || wire != 0)
            sbd_tftp_ack(&w, hi, wire);
        wire = wire == 65535 ? to : (uint16_t)(wire + 1);
    }
    CHECK(sbd_tftp_wraps_to_one(&w) == (to == 1));
}

static void test_wrap(void)
{
    walk(0, true);
    walk(1, false);
    /* Rolled over to 0, block 0 lost: the client's ACK 0 was seen, so block 1 is the 65537th. */
    sbd_tftp_wrap w = {0, false};
    sbd_tftp_ack(&w, 65535, 0);
    CHECK_EQ_INT(sbd_tftp_unwrap(&w, 65535, 1), 65537);
    /* A late block from before the wrap lands before it, not a cycle later. */
    w = (sbd_tftp_wrap){0, false};
    CHECK_EQ_INT(sbd_tftp_unwrap(&w, 65535, 0), 65536);
    CHECK_EQ_INT(sbd_tftp_unwrap(&w, 65540, 65534), 65534);
    /* Block 0 before any wrap, and 0 in a transfer that rolls over to 1: not placeable. */
    w = (sbd_tftp_wrap){0, false};
    CHECK_EQ_INT(sbd_tftp_unwrap(&w, 5, 0), 0);
    CHECK_EQ_INT(sbd_tftp_unwrap(&w, 65535, 1), 65536);
    CHECK_EQ_INT(sbd_tftp_unwrap(&w, 65536, 0), 0);
}

/* Which DATA blocks a transfer takes: the same rule decides for pcapscan and the plugin. */
static void test_admit(void)
{
    sbd_tftp_wrap w = {0};
    uint32_t bs = SBD_TFTP_BLKSIZE_DEFAULT;
    /* No OACK in the capture: a first block of 1428 bytes is the block size. */
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &bs, true, 0, 0, 1, 1428), 1);
    CHECK_EQ_INT(bs, 1428);
    /* Once set, a longer block is malformed, and so is one longer than the limit at the start. */
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &bs, false, 1, 0, 2, 1500), 0);
    uint32_t fresh = SBD_TFTP_BLKSIZE_DEFAULT;
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &fresh, true, 0, 0, 1, 65465), 0);
    CHECK_EQ_INT(fresh, SBD_TFTP_BLKSIZE_DEFAULT);
    /* A short block below the highest cannot be the last one; past the last one nothing goes. */
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &bs, false, 5, 0, 3, 100), 0);
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &bs, false, 5, 0, 6, 100), 6);
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &bs, false, 6, 6, 7, 1428), 0);
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &bs, false, 6, 6, 4, 1428), 4);
    /* Block 0 before any wrap has no place. */
    CHECK_EQ_INT(sbd_tftp_admit_block(&w, &bs, false, 6, 6, 0, 1428), 0);
}

/* The missing blocks' words, as both front ends write them into a finding. */
static void test_missing(void)
{
    bool tail;
    CHECK_EQ_INT(sbd_tftp_missing_upto(7, 9, -1, 512, 64u << 20, &tail), 7);
    CHECK(!tail);
    /* The end never came: the block tsize ends with, when it is past the highest. */
    CHECK_EQ_INT(sbd_tftp_missing_upto(0, 3, 5000, 512, 64u << 20, &tail), 10);
    CHECK(tail);
    CHECK_EQ_INT(sbd_tftp_missing_upto(0, 0, -1, 512, 64u << 20, &tail), 1);
    char buf[1024];
    sbd_tftp_run runs[SBD_TFTP_MISSING_RUNS];
    runs[0] = (sbd_tftp_run){3, 5};
    runs[1] = (sbd_tftp_run){9, 9};
    sbd_tftp_missing_text(runs, 2, false, false, buf, sizeof buf);
    CHECK_STREQ(buf, "3-5,9");
    sbd_tftp_missing_text(runs, 2, true, true, buf, sizeof buf);
    CHECK_STREQ(buf, "3-5,9,...; last block never seen");
    sbd_tftp_missing_text(runs, 0, false, true, buf, sizeof buf);
    CHECK_STREQ(buf, "last block never seen");
    sbd_tftp_missing_text(runs, 0, false, false, buf, sizeof buf);
    CHECK_STREQ(buf, "");
    /* 32 runs are all said, with no ",..."; what does not fit is said to be cut. */
    for (uint64_t i = 0; i < SBD_TFTP_MISSING_RUNS; i++)
        runs[i] = (sbd_tftp_run){2 * i + 1, 2 * i + 1};
    sbd_tftp_missing_text(runs, SBD_TFTP_MISSING_RUNS, false, false, buf, sizeof buf);
    CHECK(strstr(buf, "63") != NULL && strstr(buf, "...") == NULL);
    char small[40];
    sbd_tftp_missing_text(runs, SBD_TFTP_MISSING_RUNS, false, true, small, sizeof small);
    CHECK(strstr(small, ",...") != NULL && strlen(small) < sizeof small);
}

int main(void)
{
    test_missing();
    test_values();
    test_wrap();
    test_admit();
    return check_report();
}
