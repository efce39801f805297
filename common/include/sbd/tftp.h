/* TFTP transfer facts that pcapscan's tracker and the Wireshark plugin must derive alike: what an
 * OACK (or a WRQ's tsize) negotiates, and which absolute block a 16-bit block number is once a
 * transfer passes block 65535. The trust engine's sentence about an unfinished transfer (bytes so
 * far, blocks never seen, whether the capture's end cut it) is built on these, so one rule here
 * keeps both front ends to the same words. docs/formats.md ("TFTP transfer facts") gives the
 * reasons. */
#ifndef SBD_TFTP_H
#define SBD_TFTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBD_TFTP_BLKSIZE_DEFAULT 512u
#define SBD_TFTP_BLKSIZE_MIN 8u     /* RFC 2348 */
#define SBD_TFTP_BLKSIZE_MAX 65464u /* RFC 2348 */

/* What the server's OACK settled; an option it did not acknowledge keeps its default. */
typedef struct sbd_tftp_opts {
    uint32_t blksize;    /* 512 unless negotiated */
    int64_t tsize;       /* announced file size, -1 unknown */
    uint32_t timeout;    /* seconds, 0: not negotiated */
    uint32_t windowsize; /* 0: not negotiated (1 implied) */
} sbd_tftp_opts;

void sbd_tftp_opts_init(sbd_tftp_opts *o);

/* One option as sent (name and value of nlen and vlen bytes, NUL not needed). A value counts only
 * when it is decimal digits alone within the option's range (blksize 8..65464, timeout 0..255,
 * windowsize 1..65535, tsize below 2^63/10): anything else (" 5000", "5e3", "-1", "") leaves the
 * option as it was. Names are matched without case. blksize moves only while data_seen is false:
 * a late or repeated OACK must not move blocks already placed. A repeated option: the last wins. */
void sbd_tftp_apply_option(sbd_tftp_opts *o, const char *name, size_t nlen, const char *value,
                           size_t vlen, bool data_seen);

/* Every name/value pair of an OACK body (the bytes after its opcode), in order; a pair without
 * its terminating NUL ends the walk. */
void sbd_tftp_apply_oack(sbd_tftp_opts *o, const uint8_t *p, size_t n, bool data_seen);

/* Block numbers past 65535: servers roll over to 0 (tftpd-hpa's default, most servers) or to 1
 * (tftpd-hpa's "rollover 1", some embedded servers). Which one is decided by the first block
 * seen past the wrap: 1 means "to 1" unless the client acknowledged block 0 after block 32767
 * (sbd_tftp_ack). Zero-init is the start state. */
typedef struct sbd_tftp_wrap {
    uint8_t mode; /* 0 undecided, 1 to zero, 2 to one */
    bool ack0_after_high;
} sbd_tftp_wrap;

/* The absolute (1-based) number of wire block `wire`, given the highest absolute block placed so
 * far: the candidate nearest to it in the server's numbering; 0 when it cannot be placed (a block
 * 0 before any wrap, or 0 in a transfer that wraps to 1). */
uint64_t sbd_tftp_unwrap(sbd_tftp_wrap *w, uint64_t highest, uint16_t wire);

/* The receiver acknowledged wire block `wire` while `highest` was the highest block placed. */
void sbd_tftp_ack(sbd_tftp_wrap *w, uint64_t highest, uint16_t wire);

/* A DATA block of len bytes with wire number `wire`, for a transfer whose highest placed block is
 * `highest` and whose short last block is `last` (0: not seen): its absolute number, or 0 when it
 * is refused as malformed (a number that cannot be placed, longer than the block size, past the
 * last block, or short where it cannot be the last). While the block size may still be learnt
 * (no OACK seen, no block placed: size_open), a first block longer than *blksize and at most
 * 65464 bytes sets it: the OACK is missing from the capture. A block already placed is the
 * caller's to recognise. */
uint64_t sbd_tftp_admit_block(sbd_tftp_wrap *w, uint32_t *blksize, bool size_open, uint64_t highest,
                              uint64_t last, uint16_t wire, size_t len);

/* Blocks never seen, in runs; a finding names at most SBD_TFTP_MISSING_RUNS of them. */
#define SBD_TFTP_MISSING_RUNS 32
typedef struct sbd_tftp_run {
    uint64_t first, last;
} sbd_tftp_run;

/* The block up to which a transfer's missing blocks are counted: its short last block; when
 * that never came (*tail set), the highest block placed or the one the announced tsize ends with,
 * whichever is later (no further than max_bytes allows), and at least block 1. */
uint64_t sbd_tftp_missing_upto(uint64_t last, uint64_t highest, int64_t tsize, uint32_t blksize,
                               uint64_t max_bytes, bool *tail);

/* The missing blocks as a finding says them: "3-5,9", then ",..." when runs were left out
 * (more, or runs that do not fit in buf), then "last block never seen" (tail). "" when there is
 * nothing to say. */
void sbd_tftp_missing_text(const sbd_tftp_run *runs, size_t n, bool more, bool tail, char *buf,
                           size_t bufsz);

static inline bool sbd_tftp_wraps_to_one(const sbd_tftp_wrap *w)
{
    return w->mode == 2;
}

#endif
