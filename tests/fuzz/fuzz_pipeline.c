/* Fuzz the whole pcapscan pipeline from raw capture bytes (pcap, pcapng, or gzip of either):
 * input -> link/IP/defrag -> TFTP / TCP (TLS certificates, HTTP 6970) -> observations -> audit
 * rules -> JSON and text reports. The bytes go into a memfd opened by path, exactly as a capture
 * file on disk would be (cap_input_open takes paths; /proc/self/fd/N is one). */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cmd_scan.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    int fd = memfd_create("capture", 0);
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    /* Small limits so eviction and limit paths are reached by small inputs too. */
    char *argv[] = {"pcapscan",
                    "-q",
                    "--max-transfers",
                    "4",
                    "--max-streams",
                    "4",
                    "--max-stream-bytes",
                    "4096",
                    "--max-file-bytes",
                    "256k",
                    "--now",
                    "1796083200",
                    path,
                    NULL};
    scan_opts o;
    if (scan_opts_parse((int)(sizeof argv / sizeof argv[0]) - 1, argv, &o) == 0) {
        o.progress = false;
        run r;
        run_scan(&o, &r);
        report_json(&r, sink);
        report_text(&r, sink);
        run_free(&r);
    }
    close(fd);
    return 0;
}
