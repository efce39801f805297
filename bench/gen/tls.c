/* TLS 1.2 conversation bytes with valid record framing: ClientHello; ServerHello + Certificate
 * (the real DER chain) + ServerHelloDone; ClientKeyExchange + ChangeCipherSpec + Finished;
 * ChangeCipherSpec + Finished; then application data both ways and a close_notify alert. The
 * encrypted parts are random bytes of the size AES-GCM would give (8-byte nonce, 16-byte tag). */
#include <string.h>

#include "gen.h"

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23 };
enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_CERTIFICATE = 11,
    HS_SERVER_HELLO_DONE = 14,
    HS_CLIENT_KEY_EXCHANGE = 16
};
enum { GCM_OVERHEAD = 8 + 16, MAX_FRAGMENT = 16384 };
enum { TLS_RSA_WITH_AES_128_GCM_SHA256 = 0x009c };

static void patch24(bytes *b, size_t at, size_t v)
{
    b->p[at] = (uint8_t)(v >> 16);
    b->p[at + 1] = (uint8_t)(v >> 8);
    b->p[at + 2] = (uint8_t)v;
}

static void patch16(bytes *b, size_t at, size_t v)
{
    b->p[at] = (uint8_t)(v >> 8);
    b->p[at + 1] = (uint8_t)v;
}

/* Frames p[0..n) as records of TYPE, cut at the 16 KiB fragment limit. */
static void records(bytes *out, unsigned type, const uint8_t *p, size_t n)
{
    do {
        size_t k = n < MAX_FRAGMENT ? n : MAX_FRAGMENT;
        bytes_u8(out, type);
        bytes_be16(out, 0x0303);
        bytes_be16(out, (unsigned)k);
        bytes_put(out, p, k);
        p += k;
        n -= k;
    } while (n);
}

static void encrypted_record(gen_ctx *g, bytes *out, unsigned type, size_t plain_len)
{
    bytes_u8(out, type);
    bytes_be16(out, 0x0303);
    bytes_be16(out, (unsigned)(plain_len + GCM_OVERHEAD));
    bytes_random(out, &g->r, plain_len + GCM_OVERHEAD);
}

static void handshake_start(bytes *hs, unsigned type)
{
    hs->n = 0;
    bytes_u8(hs, type);
    bytes_be24(hs, 0); /* patched by handshake_end */
}

static void handshake_end(bytes *out, bytes *hs)
{
    patch24(hs, 1, hs->n - 4);
    records(out, REC_HANDSHAKE, hs->p, hs->n);
}

static void client_hello(gen_ctx *g, tcp_conv *c)
{
    static const uint16_t suites[] = {0xc02f, 0xc030, 0x009c, 0x009d, 0x002f, 0x0035};
    bytes *hs = &c->scratch;
    handshake_start(hs, HS_CLIENT_HELLO);
    bytes_be16(hs, 0x0303);
    bytes_random(hs, &g->r, 32);
    bytes_u8(hs, 0); /* no session id */
    bytes_be16(hs, sizeof suites);
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        bytes_be16(hs, suites[i]);
    bytes_u8(hs, 1);
    bytes_u8(hs, 0); /* null compression */
    size_t ext_at = hs->n;
    bytes_be16(hs, 0);
    if (c->sni) { /* server_name */
        size_t n = strlen(c->sni);
        bytes_be16(hs, 0);
        bytes_be16(hs, (unsigned)n + 5);
        bytes_be16(hs, (unsigned)n + 3);
        bytes_u8(hs, 0);
        bytes_be16(hs, (unsigned)n);
        bytes_str(hs, c->sni);
    }
    static const uint8_t sig_algs[] = {0x00, 0x0d, 0x00, 0x08, 0x00, 0x06,
                                       0x04, 0x01, 0x05, 0x01, 0x02, 0x01};
    static const uint8_t renegotiation_info[] = {0xff, 0x01, 0x00, 0x01, 0x00};
    bytes_put(hs, sig_algs, sizeof sig_algs);
    bytes_put(hs, renegotiation_info, sizeof renegotiation_info);
    patch16(hs, ext_at, hs->n - ext_at - 2);
    handshake_end(&c->buf, hs);
}

static void server_flight(gen_ctx *g, tcp_conv *c)
{
    bytes *hs = &c->scratch;
    handshake_start(hs, HS_SERVER_HELLO);
    bytes_be16(hs, 0x0303);
    bytes_random(hs, &g->r, 32);
    bytes_u8(hs, 32);
    bytes_random(hs, &g->r, 32); /* session id */
    bytes_be16(hs, TLS_RSA_WITH_AES_128_GCM_SHA256);
    bytes_u8(hs, 0);
    static const uint8_t renegotiation_info[] = {0x00, 0x05, 0xff, 0x01, 0x00, 0x01, 0x00};
    bytes_put(hs, renegotiation_info, sizeof renegotiation_info);
    handshake_end(&c->buf, hs);

    handshake_start(hs, HS_CERTIFICATE);
    size_t list_at = hs->n;
    bytes_be24(hs, 0);
    for (size_t i = 0; i < c->chain_len; i++) {
        bytes_be24(hs, c->chain[i].n);
        bytes_put(hs, c->chain[i].p, c->chain[i].n);
    }
    patch24(hs, list_at, hs->n - list_at - 3);
    handshake_end(&c->buf, hs);

    handshake_start(hs, HS_SERVER_HELLO_DONE);
    handshake_end(&c->buf, hs);
}

static void client_finish(gen_ctx *g, tcp_conv *c)
{
    bytes *hs = &c->scratch;
    handshake_start(hs, HS_CLIENT_KEY_EXCHANGE);
    bytes_be16(hs, 256);
    bytes_random(hs, &g->r, 256); /* RSA-encrypted premaster secret */
    handshake_end(&c->buf, hs);
    static const uint8_t ccs = 1;
    records(&c->buf, REC_CCS, &ccs, 1);
    encrypted_record(g, &c->buf, REC_HANDSHAKE, 16); /* Finished */
}

static void server_finish(gen_ctx *g, tcp_conv *c)
{
    static const uint8_t ccs = 1;
    records(&c->buf, REC_CCS, &ccs, 1);
    encrypted_record(g, &c->buf, REC_HANDSHAKE, 16);
}

static void app_data(gen_ctx *g, tcp_conv *c, bool from_client)
{
    unsigned n_records = from_client || g->cfg.reset ? 1 : rng_range(&g->r, 1, 3);
    /* the reset profile's sessions are TVS queries: a certificate hash asked, a status answered */
    size_t max_server = g->cfg.reset ? 1200 : 6000;
    for (unsigned i = 0; i < n_records; i++) {
        size_t len = from_client ? rng_range(&g->r, 80, 700) : rng_range(&g->r, 150, max_server);
        encrypted_record(g, &c->buf, REC_APPDATA, len);
    }
}

bool tls_build_turn(gen_ctx *g, tcp_conv *c)
{
    int t = c->turn;
    int last = 4 + 2 * c->n_exchanges;
    if (t > last)
        return false;
    c->from_client = t % 2 == 0;
    if (t == 0)
        client_hello(g, c);
    else if (t == 1)
        server_flight(g, c);
    else if (t == 2)
        client_finish(g, c);
    else if (t == 3)
        server_finish(g, c);
    else if (t == last)
        encrypted_record(g, &c->buf, REC_ALERT, 2); /* close_notify */
    else
        app_data(g, c, c->from_client);
    return true;
}
