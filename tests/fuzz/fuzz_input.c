/* Fuzz the capture reader (cap_input) against libpcap itself. cap_input reads plain pcap files
 * on its own and leaves every other case to libpcap, from the first record it does not take;
 * whatever the bytes, it must hand out exactly the frames libpcap hands out (time stamps, lengths,
 * bytes, link type), end where libpcap ends and report libpcap's message. Any difference aborts.
 * gzip'd input has no reference (libpcap does not read gzip) and is only read. */
#define _GNU_SOURCE /* memfd_create */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap/input.h"
#include "fuzz_memfd.h"

static void differ(const char *what, uint64_t frame)
{
    fprintf(stderr, "fuzz_input: cap_input and libpcap differ at frame %llu: %s\n",
            (unsigned long long)frame, what);
    abort();
}

static void compare_frame(const cap_frame *f, const struct pcap_pkthdr *h, const u_char *d,
                          int linktype, uint64_t n)
{
    if (f->where.pkt_no != n)
        differ("frame number", n);
    if (f->where.ts_sec != (int64_t)h->ts.tv_sec || f->where.ts_usec != (int32_t)h->ts.tv_usec)
        differ("time stamp", n);
    if (f->linktype != linktype)
        differ("link type", n);
    if (f->caplen != h->caplen || f->len != (h->len < h->caplen ? h->caplen : h->len))
        differ("lengths", n);
    if (h->caplen && memcmp(f->data, d, h->caplen) != 0)
        differ("bytes", n);
}

static void read_both(const char *path)
{
    char err[512], pe[PCAP_ERRBUF_SIZE] = "";
    cap_input *in = cap_input_open(path, "fuzz", err, sizeof err);
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, pe);
    if (!in || !p) {
        /* An empty file is refused by both, with cap_input's own words. */
        if ((in != NULL) != (p != NULL))
            differ("one opened the file, the other did not", 0);
        if (in)
            cap_input_close(in);
        if (p)
            pcap_close(p);
        return;
    }
    int linktype = pcap_datalink(p);
    cap_frame f;
    uint64_t n = 0;
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *d;
        int rc = pcap_next_ex(p, &h, &d);
        int got = cap_input_next(in, &f);
        if (rc == 1) {
            if (!got)
                differ("cap_input ended early", n + 1);
            compare_frame(&f, h, d, linktype, ++n);
            continue;
        }
        if (got)
            differ("cap_input went on after libpcap's end", n + 1);
        uint64_t last_good = 0;
        const char *msg = NULL;
        cap_input_status st = cap_input_status_get(in, &last_good, &msg);
        if (last_good != n)
            differ("last good frame", n);
        if (rc == PCAP_ERROR_BREAK && st != CAP_INPUT_OK)
            differ("cap_input reports an error at a clean end", n);
        if (rc == PCAP_ERROR && (st == CAP_INPUT_OK || strcmp(msg, pcap_geterr(p)) != 0))
            differ("end status or message", n);
        break;
    }
    cap_input_close(in);
    pcap_close(p);
}

static void read_only(const char *path)
{
    char err[512];
    cap_input *in = cap_input_open(path, "fuzz", err, sizeof err);
    cap_frame f;
    while (in && cap_input_next(in, &f) == 1) {
    }
    cap_input_close(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = fuzz_memfd_path("capture", data, size);
    if (!path)
        return 0;
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b)
        read_only(path);
    else
        read_both(path);
    return 0;
}
