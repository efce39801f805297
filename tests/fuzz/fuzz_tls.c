/* Fuzz target: TCP reassembly + TLS certificate extraction, fed segment by segment in both
 * directions (framing in cap_frames.h). Callbacks read every byte they are given. */
#include <stdint.h>
#include <string.h>

#include "cap/tls_certs.h"
#include "cap_frames.h"

static volatile unsigned sink;

static void touch(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    sink += s;
}

static void on_hello(void *u, const cap_tls_session *s, const cap_where *w)
{
    (void)u;
    sink += s->version + (unsigned)w->pkt_no;
}

static void on_certs(void *u, const cap_tls_session *s, const cap_tls_cert *chain, size_t n,
                     const cap_where *w)
{
    (void)u;
    (void)w;
    for (size_t i = 0; i < n; i++)
        touch(chain[i].der, chain[i].len);
    sink += (unsigned)strlen(s->sni);
}

static void on_error(void *u, const cap_tls_session *s, const cap_tls_error *e)
{
    (void)u;
    (void)s;
    sink += (unsigned)strlen(e->msg) + (unsigned)e->offset;
}

static bool on_open(void *user, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    return cap_tls_attach(user, conn, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cap_tls_limits tl;
    cap_tls_limits_default(&tl);
    tl.max_cert_len = 2048;
    tl.max_chain = 4;
    tl.max_handshake_len = 8192;
    cap_tls_callbacks cb = {
        .on_server_hello = on_hello, .on_certs = on_certs, .on_error = on_error};
    cap_tls_ctx *tls = cap_tls_new(&tl, &cb);
    cap_tcp_limits lim;
    cap_frames_limits(&lim);
    cap_tcp_callbacks tcb = {tls, on_open};
    cap_tcp_ctx *tcp = cap_tcp_new(&lim, &tcb);
    if (tls && tcp)
        cap_frames_feed(tcp, 2445, data, size);
    cap_tcp_free(tcp);
    cap_tls_free(tls);
    return 0;
}
