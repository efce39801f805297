/* Fuzz `pcapscan merge`'s reader and everything after it: JSON lines of a shard's results ->
 * rebuilt observations (endpoints, base64 content checked against its SHA-256, certificate DER)
 * -> the rules pass -> JSON and text reports. The bytes go into a memfd opened by path, exactly
 * as a results file on disk would be. Seeds: corpus/merge/ (shard outputs of tests/scale). */
#define _GNU_SOURCE /* memfd_create */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "obs_json.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        return 0;
    int fd = memfd_create("results", 0);
    if (fd < 0)
        return 0;
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    char path[64], err[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
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
    close(fd);
    return 0;
}
