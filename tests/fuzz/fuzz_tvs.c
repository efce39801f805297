/* Fuzz the TVS parser the way a TCP stream consumer drives it: frame with sbd_tvs_pdu_len, parse,
 * advance by the consumed count, and check that framing and parsing agree. Invariant breaks abort
 * so the fuzzer reports them. Seeds: corpus/tvs/ (written by test_tvs, see its header). */
#include <stdint.h>
#include <stdlib.h>

#include "sbd/tvs.h"

static sbd_tvs_msg msg;

static void check_elements(const sbd_tvs_msg *m, size_t consumed)
{
    if (m->n_elems > SBD_TVS_MAX_ELEMS || m->n_elems > m->n_elems_total ||
        m->n_unknown > m->n_elems_total)
        abort();
    for (size_t i = 0; i < m->n_elems; i++) {
        const sbd_tvs_elem *el = &m->elems[i];
        if (el->off < SBD_TVS_HEADER_LEN || (size_t)el->off + 3 + el->len > consumed)
            abort();
        (void)sbd_tvs_elem_name(el->tag);
    }
    const sbd_tvs_elem *conv[] = {m->device_name, m->certificate, m->subject, m->issuer,
                                  m->serial,      m->status,      m->roles,   m->ttl};
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++)
        if (conv[i] && (conv[i] < m->elems || conv[i] >= m->elems + m->n_elems))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        size_t consumed = 0;
        sbd_error err = {0};
        long need = sbd_tvs_pdu_len(data + pos, size - pos);
        sbd_status st = sbd_tvs_parse(data + pos, size - pos, &msg, &consumed, &err);
        (void)sbd_tvs_msg_name(msg.type);
        if (st != SBD_OK) {
            if (consumed != 0 || err.offset > size - pos)
                abort();
            if (st == SBD_TRUNCATED && need == -1)
                abort();
            break;
        }
        if (need <= 0 || (size_t)need != consumed || consumed < SBD_TVS_HEADER_LEN)
            abort();
        check_elements(&msg, consumed);
        pos += consumed;
    }
    return 0;
}
