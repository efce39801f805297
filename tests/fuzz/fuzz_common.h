/* Shared body of the file-format fuzz targets: parse as `kind`, then exercise everything a front
 * end does with a parsed file (lookups, verification, listing) so all of it sees hostile input. */
#ifndef SBD_FUZZ_COMMON_H
#define SBD_FUZZ_COMMON_H

#include <stdio.h>

#include "sbd/file.h"
#include "sbd/listing.h"
#include "sbd/verify.h"

static inline void fuzz_exercise_file(const uint8_t *data, size_t size, sbd_kind kind)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    sbd_file f;
    sbd_error err;
    if (sbd_file_parse(data, size, kind, &f, &err) != SBD_OK)
        return;
    sbd_verify_result vr;
    if (f.kind == SBD_KIND_TRUST_LIST) {
        sbd_verify_trust_list(&f, &vr);
        sbd_verify_with(&f, &f, false, &vr);
    } else {
        vr.status = SBD_SIG_NOT_CHECKED;
        vr.signer = NULL;
        vr.detail[0] = '\0';
    }
    for (size_t i = 0; i < f.n_records; i++) {
        const sbd_record *r = &f.records[i];
        sbd_find_by_function(&f, r->function, r);
        if (r->serial)
            sbd_find_by_issuer_serial(&f, "CN=x", f.buf + r->serial->value_off, r->serial->len,
                                      NULL);
        if (r->cert_hash)
            sbd_find_by_cert_hash(&f, f.buf + r->cert_hash->value_off, r->cert_hash->len, NULL);
    }
    if (sink)
        sbd_listing_print(sink, &f, &vr, 0);
    sbd_file_free(&f);
}

#endif
