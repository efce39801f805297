/* libFuzzer target: X.509 facts from arbitrary DER (record tag 9, TLS and TVS certificates), and
 * the signature check of a fixed small .sgn with the input as record key material (tag 9 and
 * tag 7), so hostile keys reach the verifier. Seeds: make-seeds-enc.sh. */
#include <string.h>

#include "sbd/cert.h"
#include "sbd/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* docs/formats.md section 2 worked example layout: RSA-512 modulus code, SHA-1, 64-byte signature
 * (zeros: no key can verify it, which exercises every failure path). */
static const uint8_t *sample_sgn(size_t *len)
{
    static uint8_t buf[0xA1];
    static const uint8_t head[] = {0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x00, 0x02,
                                   0x00, 0x9C, 0x03, 0x00, 0x27, 0x04, 0x00, 0x05,
                                   'C',  'N',  '=',  'T',  0x00, 0x05, 0x00, 0x14};
    static const uint8_t mid[] = {0x06, 0x00, 0x05, 'C',  'N',  '=',  'T',  0x00, 0x07, 0x00,
                                  0x0F, 0x08, 0x00, 0x01, 0x01, 0x09, 0x00, 0x08, 0x0A, 0x00,
                                  0x01, 0x00, 0x0B, 0x00, 0x01, 0x00, 0x0C, 0x00, 0x40};
    static const uint8_t tail[] = {0x0E, 0x00, 0x06, 'a',  '.',  's',  'g',  'n',
                                   0x00, 0x0F, 0x00, 0x04, 0x5F, 0x5E, 0x10, 0x00,
                                   0x0D, 0x0D, 0x0D, '<',  'x',  '/',  '>',  '\n'};
    size_t o = 0;
    memcpy(buf, head, sizeof head);
    o = sizeof head + 20; /* serial bytes stay zero */
    memcpy(buf + o, mid, sizeof mid);
    o += sizeof mid + 64; /* signature bytes stay zero */
    memcpy(buf + o, tail, sizeof tail);
    o += sizeof tail;
    *len = o;
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sbd_cert_info ci;
    sbd_error err;
    if (sbd_cert_info_from_der(data, size, &ci, &err) == SBD_OK) {
        char s[160];
        sbd_hex_serial(ci.serial, ci.serial_len, SBD_SERIAL_SHOWN, s, sizeof s);
        sbd_time_iso(ci.not_before, s, sizeof s);
        sbd_time_iso(ci.not_after, s, sizeof s);
        if (strlen(ci.subject) >= sizeof ci.subject || strlen(ci.issuer) >= sizeof ci.issuer)
            __builtin_trap();
    }
    static sbd_file f;
    static int parsed = -1;
    size_t len = 0;
    const uint8_t *sgn = sample_sgn(&len);
    if (parsed < 0)
        parsed = sbd_file_parse(sgn, len, SBD_KIND_SGN, &f, &err) == SBD_OK;
    if (parsed) {
        char detail[200];
        if (sbd_verify_with_der(&f, data, size, NULL, 0, detail, sizeof detail) == SBD_SIG_VALID ||
            sbd_verify_with_der(&f, NULL, 0, data, size, detail, sizeof detail) == SBD_SIG_VALID)
            __builtin_trap(); /* an all-zero signature must never verify */
    }
    return 0;
}
