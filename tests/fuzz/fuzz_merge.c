/* Fuzz `pcapscan merge`'s reader and everything after it: JSON lines of a shard's results ->
 * rebuilt observations (endpoints, base64 content checked against its SHA-256, certificate DER)
 * -> the rules pass -> JSON and text reports. obs_json_read takes a path: the bytes reach it
 * through fuzz_memfd.h. Seeds: corpus/merge/ (shard outputs of tests/scale). */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_memfd.h"
#include "report/obs_json.h"
#include "report/report.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    char *path = fuzz_memfd_path("results", data, size);
    if (!path)
        return 0;
    char err[512];
    obs_json_set set;
    memset(&set, 0, sizeof set);
    if (obs_json_read(path, 0, &set, err, sizeof err) == 0) {
        scan_opts o;
        memset(&o, 0, sizeof o);
        o.has_now = set.has_now;
        o.now = set.now;
        o.expiry_days = set.expiry_days;
        o.json_content = true; /* write the merge fields back too */
        run r;
        memset(&r, 0, sizeof r);
        r.o = &o;
        store_init(&r.content);
        if (obs_json_take(&set, &r) == 0)
            rules_run(&r);
        report_json(&r, sink);
        report_text(&r, sink);
        run_free(&r);
    }
    obs_json_set_free(&set);
    return 0;
}
