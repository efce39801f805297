/* Fuzz the whole pcapscan pipeline from raw capture bytes (pcap, pcapng, or gzip of either):
 * input -> link/IP/defrag -> TFTP / TCP (TLS certificates, HTTP 6970) -> observations -> audit
 * rules -> JSON and text reports. cap_input_open takes paths: the bytes reach it through
 * fuzz_memfd.h. The JSON report is written twice, by the streaming writer and through jansson
 * (its reference): any difference aborts. */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_scan.h"
#include "fuzz_memfd.h"
#include "report/report.h"

static char *json_of(const run *r, bool reference, size_t *len)
{
    char *text = NULL;
    FILE *m = open_memstream(&text, len);
    if (!m)
        return NULL;
    report_json_as(r, m, reference);
    fclose(m);
    return text;
}

static void json_both_ways(const run *r)
{
    size_t n1 = 0, n2 = 0;
    char *text = json_of(r, false, &n1), *ref = json_of(r, true, &n2);
    if (text && ref && (n1 != n2 || memcmp(text, ref, n1) != 0)) {
        fprintf(stderr, "fuzz_pipeline: the JSON writer and jansson differ\n%s\n---\n%s\n", text,
                ref);
        abort();
    }
    free(text);
    free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    char *path = fuzz_memfd_path("capture", data, size);
    if (!path)
        return 0;
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
        json_both_ways(&r);
        report_text(&r, sink);
        run_free(&r);
    }
    return 0;
}
