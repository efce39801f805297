/* tls_certs: TLS records and handshake messages built in the test, fed through tcp_stream as
 * segments (split, reordered), checked for the exact certificate bytes and error offsets. */
#include <stdio.h>

#include "cap/tls_certs.h"
#include "cap_tcp_testutil.h"
#include "check.h"

/* ---- byte builder ---- */

typedef struct buf {
    uint8_t b[200000];
    size_t n;
} buf;

static void put8(buf *o, unsigned v)
{
    o->b[o->n++] = (uint8_t)v;
}
static void put16(buf *o, unsigned v)
{
    put8(o, v >> 8);
    put8(o, v);
}
static void put24(buf *o, size_t v)
{
    put8(o, (unsigned)(v >> 16));
    put16(o, (unsigned)(v & 0xffff));
}
static void putn(buf *o, const void *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

/* ServerHello body; supported_version 0 = no extension. */
static void server_hello(buf *hs, unsigned legacy, unsigned supported)
{
    put8(hs, 2);
    buf body = {.n = 0};
    put16(&body, legacy);
    for (int i = 0; i < 32; i++)
        put8(&body, (unsigned)i);
    put8(&body, 32);
    for (int i = 0; i < 32; i++)
        put8(&body, 0xaa);
    put16(&body, 0xc02f);
    put8(&body, 0);
    if (supported) {
        put16(&body, 5 + 6);
        put16(&body, 0xff01); /* renegotiation_info, empty */
        put16(&body, 1);
        put8(&body, 0);
        put16(&body, 43);
        put16(&body, 2);
        put16(&body, supported);
    }
    put24(hs, body.n);
    putn(hs, body.b, body.n);
}

static uint8_t certs[3][1500];
static const size_t cert_len[3] = {1200, 900, 1500};

static void certificate(buf *hs, size_t ncerts)
{
    size_t list = 0;
    for (size_t i = 0; i < ncerts; i++)
        list += 3 + cert_len[i];
    put8(hs, 11);
    put24(hs, list + 3);
    put24(hs, list);
    for (size_t i = 0; i < ncerts; i++) {
        put24(hs, cert_len[i]);
        putn(hs, certs[i], cert_len[i]);
    }
}

static void hello_done(buf *hs)
{
    put8(hs, 14);
    put24(hs, 0);
}

/* Wrap handshake bytes in records of at most rec_max bytes each. */
static void records(buf *out, const buf *hs, size_t rec_max, unsigned type)
{
    for (size_t i = 0; i < hs->n; i += rec_max) {
        size_t n = hs->n - i < rec_max ? hs->n - i : rec_max;
        put8(out, type);
        put16(out, 0x0303);
        put16(out, (unsigned)n);
        putn(out, hs->b + i, n);
    }
}

static void client_hello_sni(buf *out, const char *sni)
{
    buf hs = {.n = 0}, body = {.n = 0};
    put16(&body, 0x0303);
    for (int i = 0; i < 32; i++)
        put8(&body, 1);
    put8(&body, 0);
    put16(&body, 2);
    put16(&body, 0xc02f);
    put8(&body, 1);
    put8(&body, 0);
    size_t sl = strlen(sni);
    put16(&body, (unsigned)(4 + 5 + sl));
    put16(&body, 0);
    put16(&body, (unsigned)(5 + sl));
    put16(&body, (unsigned)(3 + sl));
    put8(&body, 0);
    put16(&body, (unsigned)sl);
    putn(&body, sni, sl);
    put8(&hs, 1);
    put24(&hs, body.n);
    putn(&hs, body.b, body.n);
    records(out, &hs, 16384, 22);
}

/* ---- event recorder ---- */

typedef struct events {
    int hellos, cert_events, hidden, errors, ends;
    uint16_t version;
    size_t ncerts;
    uint8_t der[3][1500];
    size_t der_len[3];
    uint64_t cert_pkt;
    cap_tls_err_kind err_kind;
    uint64_t err_offset;
    char err_msg[256];
    cap_tls_outcome outcome;
    char sni[256];
    uint16_t server_port;
} events;

static void ev_hello(void *u, const cap_tls_session *s, const cap_where *w)
{
    (void)w;
    events *e = u;
    e->hellos++;
    e->version = s->version;
}

static void ev_certs(void *u, const cap_tls_session *s, const cap_tls_cert *chain, size_t n,
                     const cap_where *w)
{
    events *e = u;
    e->cert_events++;
    e->ncerts = n;
    for (size_t i = 0; i < n && i < 3; i++) {
        e->der_len[i] = chain[i].len;
        if (chain[i].len <= sizeof e->der[i])
            memcpy(e->der[i], chain[i].der, chain[i].len);
    }
    e->cert_pkt = w->pkt_no;
    snprintf(e->sni, sizeof e->sni, "%s", s->sni);
    e->server_port = s->conn->sport;
}

static void ev_hidden(void *u, const cap_tls_session *s, const cap_where *w)
{
    (void)s;
    (void)w;
    ((events *)u)->hidden++;
}

static void ev_error(void *u, const cap_tls_session *s, const cap_tls_error *err)
{
    (void)s;
    events *e = u;
    e->errors++;
    e->err_kind = err->kind;
    e->err_offset = err->offset;
    snprintf(e->err_msg, sizeof e->err_msg, "%s", err->msg);
    fprintf(stderr, "  (expected?) tls error: %s\n", err->msg);
}

static void ev_end(void *u, const cap_tls_session *s, cap_tls_outcome o)
{
    (void)s;
    events *e = u;
    e->ends++;
    e->outcome = o;
}

static bool open_tls(void *user, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    return cap_tls_attach(user, conn, out);
}

typedef struct rig {
    events ev;
    cap_tls_ctx *tls;
    cap_tcp_ctx *tcp;
    tside c, s;
} rig;

static void rig_open(rig *r, const cap_tls_limits *lim, uint16_t port)
{
    memset(&r->ev, 0, sizeof r->ev);
    cap_tls_callbacks cb = {&r->ev, ev_hello, ev_certs, ev_hidden, ev_error, ev_end};
    r->tls = cap_tls_new(lim, &cb);
    cap_tcp_callbacks tcb = {r->tls, open_tls};
    r->tcp = cap_tcp_new(NULL, &tcb);
    r->c = tside_v4(1, 49152, 0xfffff000u);
    r->s = tside_v4(2, port, 0x12345678u);
    thandshake(r->tcp, &r->c, &r->s, 1);
}

static void rig_close(rig *r)
{
    cap_tcp_free(r->tcp);
    cap_tls_free(r->tls);
}

/* Send stream bytes from the server in segments of the given sizes (cycled). */
static uint64_t send_split(rig *r, const buf *b, const size_t *sizes, size_t nsizes)
{
    size_t i = 0, k = 0;
    while (i < b->n) {
        size_t n = sizes[k++ % nsizes];
        if (n > b->n - i)
            n = b->n - i;
        tsend(r->tcp, &r->s, &r->c, CAP_TCP_ACK, b->b + i, n, 1);
        i += n;
    }
    return tpkt_no;
}

static void init_certs(void)
{
    for (int c = 0; c < 3; c++) {
        certs[c][0] = 0x30; /* opaque to the parser: only the bytes matter */
        for (size_t i = 1; i < sizeof certs[c]; i++)
            certs[c][i] = (uint8_t)(c * 31 + i * 13);
    }
}

static void check_chain(const events *e, size_t n)
{
    CHECK_EQ_INT(e->cert_events, 1);
    CHECK_EQ_INT(e->ncerts, n);
    for (size_t i = 0; i < n && i < 3; i++) {
        CHECK_EQ_INT(e->der_len[i], cert_len[i]);
        CHECK(memcmp(e->der[i], certs[i], cert_len[i]) == 0);
    }
}

static void test_tls12_chain_split(void)
{
    rig r;
    rig_open(&r, NULL, 2445);
    buf cli = {.n = 0};
    client_hello_sni(&cli, "cucm-pub.example");
    tsend(r.tcp, &r.c, &r.s, CAP_TCP_ACK, cli.b, cli.n, 1);
    buf hs = {.n = 0}, wire = {.n = 0};
    server_hello(&hs, 0x0303, 0);
    certificate(&hs, 3);
    hello_done(&hs);
    records(&wire, &hs, 1000, 22); /* the Certificate spans 4 records */
    const size_t sizes[] = {7, 1448, 3, 500};
    uint64_t last = send_split(&r, &wire, sizes, 4);
    CHECK_EQ_INT(r.ev.hellos, 1);
    CHECK_EQ_INT(r.ev.version, 0x0303);
    check_chain(&r.ev, 3);
    CHECK_STREQ(r.ev.sni, "cucm-pub.example");
    CHECK_EQ_INT(r.ev.server_port, 2445);
    CHECK(r.ev.cert_pkt <= last && r.ev.cert_pkt > last - 3);
    CHECK_EQ_INT(r.ev.errors, 0);
    cap_tcp_stats st;
    cap_tcp_get_stats(r.tcp, &st);
    CHECK_EQ_INT(st.active, 0); /* both directions done: the connection costs nothing more */
    CHECK_EQ_INT(r.ev.ends, 1);
    CHECK_EQ_INT(r.ev.outcome, CAP_TLS_CERTS);
    rig_close(&r);
}

static void test_byte_by_byte_and_reordered(void)
{
    buf hs = {.n = 0}, wire = {.n = 0};
    server_hello(&hs, 0x0301, 0);
    certificate(&hs, 2);
    hello_done(&hs);
    records(&wire, &hs, 16384, 22);

    rig r;
    rig_open(&r, NULL, 8443);
    const size_t one[] = {1};
    send_split(&r, &wire, one, 1);
    CHECK_EQ_INT(r.ev.version, 0x0301);
    check_chain(&r.ev, 2);
    rig_close(&r);

    /* Segments of 600 bytes sent in reverse order: all delivered when the first arrives. */
    rig_open(&r, NULL, 8443);
    uint32_t base = r.s.seq;
    size_t nseg = (wire.n + 599) / 600;
    uint64_t first_pkt = 0;
    for (size_t k = nseg; k-- > 0;) {
        size_t off = k * 600, n = wire.n - off < 600 ? wire.n - off : 600;
        cap_pkt p = tseg_at(&r.s, &r.c, base + (uint32_t)off, CAP_TCP_ACK, wire.b + off, n, 1);
        cap_tcp_packet(r.tcp, &p);
        if (k == 0)
            first_pkt = p.where.pkt_no;
    }
    check_chain(&r.ev, 2);
    CHECK_EQ_INT(r.ev.cert_pkt, first_pkt); /* the packet that completed it */
    rig_close(&r);
}

static void test_tls13_hidden(void)
{
    rig r;
    rig_open(&r, NULL, 443);
    buf hs = {.n = 0}, wire = {.n = 0};
    server_hello(&hs, 0x0303, 0x0304);
    records(&wire, &hs, 16384, 22);
    const uint8_t ccs[] = {20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 3, 1, 2, 3};
    putn(&wire, ccs, sizeof ccs);
    const size_t sizes[] = {50};
    send_split(&r, &wire, sizes, 1);
    CHECK_EQ_INT(r.ev.hidden, 1);
    CHECK_EQ_INT(r.ev.version, 0x0304);
    CHECK_EQ_INT(r.ev.cert_events, 0);
    CHECK_EQ_INT(r.ev.errors, 0);
    cap_tcp_flush(r.tcp);
    CHECK_EQ_INT(r.ev.outcome, CAP_TLS_HIDDEN);
    char vn[16];
    CHECK_STREQ(cap_tls_version_name(r.ev.version, vn, sizeof vn), "TLS 1.3");
    rig_close(&r);
}

static void test_resumed_no_cert(void)
{
    rig r;
    rig_open(&r, NULL, 2445);
    buf hs = {.n = 0}, wire = {.n = 0};
    server_hello(&hs, 0x0303, 0);
    records(&wire, &hs, 16384, 22);
    const uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    putn(&wire, ccs, sizeof ccs);
    const size_t sizes[] = {1000};
    send_split(&r, &wire, sizes, 1);
    cap_tcp_flush(r.tcp);
    CHECK_EQ_INT(r.ev.hellos, 1);
    CHECK_EQ_INT(r.ev.cert_events, 0);
    CHECK_EQ_INT(r.ev.errors, 0);
    CHECK_EQ_INT(r.ev.outcome, CAP_TLS_NO_CERT);
    rig_close(&r);
}

/* One malformed server flight: expect one error of `kind` at stream offset `offset`. */
static void expect_error(const buf *wire, cap_tls_err_kind kind, uint64_t offset,
                         const cap_tls_limits *lim)
{
    rig r;
    rig_open(&r, lim, 2445);
    const size_t sizes[] = {333};
    send_split(&r, wire, sizes, 1);
    cap_tcp_flush(r.tcp);
    CHECK_EQ_INT(r.ev.errors, 1);
    CHECK_EQ_INT(r.ev.err_kind, kind);
    CHECK_EQ_INT(r.ev.err_offset, offset);
    CHECK_EQ_INT(r.ev.cert_events, 0);
    CHECK_EQ_INT(r.ev.outcome, CAP_TLS_ERROR);
    rig_close(&r);
}

static void test_malformed(void)
{
    buf hs = {.n = 0}, wire = {.n = 0};
    /* Record length over the TLS maximum. */
    const uint8_t big[] = {22, 3, 3, 0x48, 0x01, 2, 0, 0, 4};
    putn(&wire, big, sizeof big);
    expect_error(&wire, CAP_TLS_ERR_MALFORMED, 0, NULL);

    /* Not TLS at all. */
    wire.n = 0;
    putn(&wire, "HTTP/1.1 200 OK\r\n\r\n", 19);
    expect_error(&wire, CAP_TLS_ERR_NOT_TLS, 0, NULL);

    /* Certificate list length disagrees with the message length. */
    hs.n = wire.n = 0;
    server_hello(&hs, 0x0303, 0);
    size_t cert_at = hs.n;
    certificate(&hs, 1);
    hs.b[cert_at + 6] ^= 0x01; /* low byte of the list length */
    records(&wire, &hs, 16384, 22);
    expect_error(&wire, CAP_TLS_ERR_MALFORMED, 5 + cert_at, NULL);

    /* A certificate entry longer than what is left of the list. */
    hs.n = wire.n = 0;
    server_hello(&hs, 0x0303, 0);
    cert_at = hs.n;
    certificate(&hs, 2);
    hs.b[cert_at + 7 + 3 + cert_len[0]] = 0x7f; /* second entry's length, high byte */
    records(&wire, &hs, 1000, 22);
    /* Message start: 5 bytes of the first record header precede cert_at in the stream. */
    expect_error(&wire, CAP_TLS_ERR_MALFORMED, 5 + cert_at, NULL);

    /* A certificate over the configured size limit. */
    hs.n = wire.n = 0;
    server_hello(&hs, 0x0303, 0);
    cert_at = hs.n;
    certificate(&hs, 3);
    records(&wire, &hs, 16384, 22);
    cap_tls_limits lim;
    cap_tls_limits_default(&lim);
    lim.max_cert_len = 1000; /* the first cert (1200) does not fit */
    expect_error(&wire, CAP_TLS_ERR_LIMIT, 5 + cert_at, &lim);

    /* An alert in the middle of a handshake message. */
    hs.n = wire.n = 0;
    server_hello(&hs, 0x0303, 0);
    hs.n -= 10; /* the record ends early */
    records(&wire, &hs, 16384, 22);
    size_t alert_at = wire.n;
    const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
    putn(&wire, alert, sizeof alert);
    expect_error(&wire, CAP_TLS_ERR_MALFORMED, alert_at, NULL);

    /* The stream ends inside the Certificate. */
    hs.n = wire.n = 0;
    server_hello(&hs, 0x0303, 0);
    certificate(&hs, 3);
    records(&wire, &hs, 16384, 22);
    wire.n -= 100;
    expect_error(&wire, CAP_TLS_ERR_INCOMPLETE, wire.n, NULL);
}

static void test_gap_before_certificate(void)
{
    rig r;
    rig_open(&r, NULL, 3804);
    buf hs = {.n = 0}, wire = {.n = 0};
    server_hello(&hs, 0x0303, 0);
    certificate(&hs, 3);
    records(&wire, &hs, 16384, 22);
    uint32_t base = r.s.seq;
    cap_pkt a = tseg_at(&r.s, &r.c, base, CAP_TCP_ACK, wire.b, 1000, 1);
    cap_pkt b = tseg_at(&r.s, &r.c, base + 2000, CAP_TCP_ACK, wire.b + 2000, wire.n - 2000, 1);
    cap_tcp_packet(r.tcp, &a);
    cap_tcp_packet(r.tcp, &b);
    cap_tcp_flush(r.tcp);
    CHECK_EQ_INT(r.ev.hellos, 1);
    CHECK_EQ_INT(r.ev.errors, 1);
    CHECK_EQ_INT(r.ev.err_kind, CAP_TLS_ERR_GAP);
    CHECK_EQ_INT(r.ev.err_offset, 1000);
    CHECK_EQ_INT(r.ev.cert_events, 0);
    rig_close(&r);
}

static void test_ports(void)
{
    cap_tls_ctx *t = cap_tls_new(NULL, NULL);
    CHECK(cap_tls_is_port(t, 2445) && cap_tls_is_port(t, 8443) && cap_tls_is_port(t, 443));
    CHECK(cap_tls_is_port(t, 3804) && cap_tls_is_port(t, 5061));
    CHECK(!cap_tls_is_port(t, 9443));
    CHECK(cap_tls_add_port(t, 9443));
    CHECK(cap_tls_is_port(t, 9443));
    /* The watched port is the server even when the guess said otherwise. */
    cap_tcp_conn_info ci = {
        .client = {4, {10, 0, 0, 2}}, .cport = 2445, .server = {4, {10, 0, 0, 1}}, .sport = 60000};
    cap_tcp_consumer out = {0};
    CHECK(cap_tls_attach(t, &ci, &out));
    CHECK(out.swap_roles);
    cap_tcp_conn_stats st = {0};
    out.on_close(out.user, &st);
    ci.cport = 1234;
    CHECK(!cap_tls_attach(t, &ci, &out));
    cap_tls_free(t);
}

int main(void)
{
    init_certs();
    test_tls12_chain_split();
    test_byte_by_byte_and_reordered();
    test_tls13_hidden();
    test_resumed_no_cert();
    test_malformed();
    test_gap_before_certificate();
    test_ports();
    return check_report();
}
