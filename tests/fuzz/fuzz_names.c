/* libFuzzer target: distinguished names. The input is two name strings split at the first '\n'
 * (each also read as the DER of a Name). Checks what the comparison and the rendering promise:
 * a name equals itself and its own rendering, comparison is symmetric, the rendering is one
 * printable line that parses back to the same name, and nothing reads past the given length. */
#include <stdlib.h>
#include <string.h>

#include "sbd/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const sbd_dn *dn)
{
    static char out[4 * SBD_DN_MAX_TEXT + 4 * SBD_DN_MAX_AVAS + 16];
    bool whole = sbd_dn_render(dn, out, sizeof out);
    size_t n = strlen(out);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7F)
            __builtin_trap();
    if (!whole || !sbd_dn_same(dn, dn))
        __builtin_trap();
    sbd_dn back;
    if (sbd_dn_parse(out, n, &back) && !sbd_dn_same(dn, &back))
        __builtin_trap();
    char small[24];
    sbd_dn_render(dn, small, sizeof small);
    if (strlen(small) >= sizeof small)
        __builtin_trap();
}

static void one(const uint8_t *p, size_t n, sbd_dn *dn)
{
    /* A copy of exactly n bytes: ASan reports any read past them. */
    char *s = malloc(n ? n : 1);
    if (!s)
        return;
    if (n)
        memcpy(s, p, n);
    if (sbd_dn_parse(s, n, dn))
        check_name(dn);
    char out[256];
    sbd_dn_render_str(s, n, out, sizeof out);
    if (strlen(out) >= sizeof out)
        __builtin_trap();
    sbd_dn der;
    if (sbd_dn_from_der(p, n, &der))
        check_name(&der);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t alen = nl ? (size_t)(nl - data) : size;
    const uint8_t *b = nl ? nl + 1 : data + size;
    size_t blen = size - (size_t)(b - data);
    static sbd_dn da, db;
    one(data, alen, &da);
    one(b, blen, &db);
    bool ab = sbd_dn_equal_n((const char *)data, alen, (const char *)b, blen);
    bool ba = sbd_dn_equal_n((const char *)b, blen, (const char *)data, alen);
    if (ab != ba || !sbd_dn_equal_n((const char *)data, alen, (const char *)data, alen))
        __builtin_trap();
    return 0;
}
