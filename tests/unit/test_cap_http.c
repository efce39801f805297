/* http: downloads on TCP 6970 through tcp_stream: Content-Length, chunked, 404, keep-alive and
 * pipelining, limits, gaps, unanswered requests. */
#include <stdio.h>

#include "cap/http.h"
#include "cap_tcp_testutil.h"
#include "check.h"

typedef struct file_ev {
    char name[256], path[1024];
    int status;
    uint8_t body[4096];
    size_t len;
    uint64_t seen;
    bool complete, over, has_request;
    uint64_t req_pkt, first_pkt, last_pkt;
    uint16_t sport;
} file_ev;

typedef struct events {
    file_ev f[8];
    int nfiles, errors;
    char err[256];
} events;

static void ev_file(void *u, const cap_http_file *f)
{
    events *e = u;
    if (e->nfiles == 8)
        return;
    file_ev *o = &e->f[e->nfiles++];
    snprintf(o->name, sizeof o->name, "%s", f->name);
    snprintf(o->path, sizeof o->path, "%s", f->path);
    o->status = f->status;
    o->len = f->len < sizeof o->body ? f->len : sizeof o->body;
    if (f->body)
        memcpy(o->body, f->body, o->len);
    o->seen = f->body_seen;
    o->complete = f->complete;
    o->over = f->over_limit;
    o->has_request = f->has_request;
    o->req_pkt = f->request.pkt_no;
    o->first_pkt = f->first.pkt_no;
    o->last_pkt = f->last.pkt_no;
    o->sport = f->conn->sport;
}

static void ev_error(void *u, const cap_tcp_conn_info *c, const cap_http_error *e)
{
    (void)c;
    events *ev = u;
    ev->errors++;
    snprintf(ev->err, sizeof ev->err, "%s", e->msg);
    fprintf(stderr, "  (expected?) http error: %s\n", e->msg);
}

static bool open_http(void *user, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    return cap_http_attach(user, conn, out);
}

typedef struct rig {
    events ev;
    cap_http_ctx *http;
    cap_tcp_ctx *tcp;
    tside c, s;
} rig;

static void rig_open(rig *r, const cap_http_limits *lim)
{
    memset(&r->ev, 0, sizeof r->ev);
    cap_http_callbacks cb = {&r->ev, ev_file, ev_error};
    r->http = cap_http_new(lim, &cb);
    cap_tcp_callbacks tcb = {r->http, open_http};
    r->tcp = cap_tcp_new(NULL, &tcb);
    r->c = tside_v4(5, 50123, 100);
    r->s = tside_v4(9, 6970, 0xfffffff0u);
    thandshake(r->tcp, &r->c, &r->s, 1);
}

static void rig_close(rig *r)
{
    cap_tcp_free(r->tcp);
    cap_http_free(r->http);
}

static void c_send(rig *r, const char *s)
{
    tsend(r->tcp, &r->c, &r->s, CAP_TCP_ACK, s, strlen(s), 1);
}

static void s_send(rig *r, const void *p, size_t n)
{
    tsend(r->tcp, &r->s, &r->c, CAP_TCP_ACK, p, n, 1);
}

static void s_str(rig *r, const char *s)
{
    s_send(r, s, strlen(s));
}

static uint8_t itl[3000];

static void test_content_length(void)
{
    rig r;
    rig_open(&r, NULL);
    c_send(&r, "GET /ITLSEP001122334455.tlv HTTP/1.1\r\nHost: cucm:6970\r\n\r\n");
    uint64_t req_pkt = tpkt_no;
    s_str(&r, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length:");
    s_str(&r, " 3000\r\n\r\n");
    uint64_t first = tpkt_no;
    s_send(&r, itl, 1000);
    s_send(&r, itl + 1000, 1000);
    CHECK_EQ_INT(r.ev.nfiles, 0);
    s_send(&r, itl + 2000, 1000);
    CHECK_EQ_INT(r.ev.nfiles, 1);
    file_ev *f = &r.ev.f[0];
    CHECK_STREQ(f->name, "ITLSEP001122334455.tlv");
    CHECK_STREQ(f->path, "/ITLSEP001122334455.tlv");
    CHECK_EQ_INT(f->status, 200);
    CHECK_EQ_INT(f->len, 3000);
    CHECK(memcmp(f->body, itl, 3000) == 0);
    CHECK(f->complete && !f->over && f->has_request);
    CHECK_EQ_INT(f->req_pkt, req_pkt);
    CHECK_EQ_INT(f->first_pkt, first);
    CHECK_EQ_INT(f->last_pkt, tpkt_no);
    CHECK_EQ_INT(f->sport, 6970);
    CHECK_EQ_INT(r.ev.errors, 0);
    rig_close(&r);
}

static void test_chunked_and_404_keepalive(void)
{
    rig r;
    rig_open(&r, NULL);
    /* Pipelined: both requests before any response. */
    c_send(&r, "GET /SEP001122334455.cnf.xml.sgn?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"
               "GET /CTLSEP001122334455.tlv HTTP/1.1\r\nHost: a\r\n\r\n");
    s_str(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    s_str(&r, "a;ext=1\r\n0123456789\r\n");
    s_str(&r, "5\r\nabc");
    s_str(&r, "de\r\n0\r\nX-Trailer: 1\r\n\r\n");
    s_str(&r, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
    CHECK_EQ_INT(r.ev.nfiles, 2);
    CHECK_STREQ(r.ev.f[0].name, "SEP001122334455.cnf.xml.sgn");
    CHECK_EQ_INT(r.ev.f[0].status, 200);
    CHECK_EQ_INT(r.ev.f[0].len, 15);
    CHECK(memcmp(r.ev.f[0].body, "0123456789abcde", 15) == 0);
    CHECK(r.ev.f[0].complete);
    CHECK_STREQ(r.ev.f[1].name, "CTLSEP001122334455.tlv");
    CHECK_EQ_INT(r.ev.f[1].status, 404);
    CHECK(r.ev.f[1].complete);
    /* A third request on the same connection, answered; then one never answered. */
    c_send(&r, "GET /dir/ITLFile.tlv HTTP/1.1\r\n\r\n");
    s_str(&r, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    c_send(&r, "GET /lost%2Eone.tlv HTTP/1.1\r\n\r\n");
    CHECK_EQ_INT(r.ev.nfiles, 3);
    CHECK_STREQ(r.ev.f[2].name, "ITLFile.tlv");
    CHECK_EQ_INT(r.ev.f[2].len, 0);
    CHECK(r.ev.f[2].complete);
    cap_tcp_flush(r.tcp);
    CHECK_EQ_INT(r.ev.nfiles, 4);
    CHECK_STREQ(r.ev.f[3].name, "lost.one.tlv");
    CHECK_EQ_INT(r.ev.f[3].status, 0);
    CHECK(!r.ev.f[3].complete);
    CHECK_EQ_INT(r.ev.errors, 0);
    rig_close(&r);
}

static void test_body_limit_and_close_delimited(void)
{
    cap_http_limits lim;
    cap_http_limits_default(&lim);
    lim.max_body = 1000;
    rig r;
    rig_open(&r, &lim);
    c_send(&r, "GET /big.bin HTTP/1.0\r\n\r\n");
    s_str(&r, "HTTP/1.0 200 OK\r\n\r\n"); /* no length: the body ends with the connection */
    s_send(&r, itl, 1500);
    s_send(&r, itl + 1500, 500);
    tsend(r.tcp, &r.s, &r.c, CAP_TCP_ACK | CAP_TCP_FIN, NULL, 0, 1);
    CHECK_EQ_INT(r.ev.nfiles, 1);
    CHECK_EQ_INT(r.ev.f[0].len, 1000);
    CHECK_EQ_INT(r.ev.f[0].seen, 2000);
    CHECK(r.ev.f[0].over);
    CHECK(r.ev.f[0].complete);
    CHECK(memcmp(r.ev.f[0].body, itl, 1000) == 0);
    rig_close(&r);
}

static void test_gap_in_body(void)
{
    rig r;
    rig_open(&r, NULL);
    c_send(&r, "GET /ITLFile.tlv HTTP/1.1\r\n\r\n");
    s_str(&r, "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n");
    s_send(&r, itl, 1000);
    r.s.seq += 1000; /* lost in the capture */
    s_send(&r, itl + 2000, 1000);
    tsend(r.tcp, &r.c, &r.s, CAP_TCP_ACK, NULL, 0, 1); /* the client acknowledges all */
    s_str(&r, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    CHECK_EQ_INT(r.ev.nfiles, 2);
    CHECK(!r.ev.f[0].complete);
    CHECK_EQ_INT(r.ev.f[0].len, 2000);
    CHECK_EQ_INT(r.ev.f[0].seen, 3000);
    CHECK(!r.ev.f[1].has_request); /* only one request was captured */
    CHECK_EQ_INT(r.ev.f[1].len, 2);
    CHECK(r.ev.f[1].complete);
    rig_close(&r);
}

static void test_header_limit_and_bad(void)
{
    cap_http_limits lim;
    cap_http_limits_default(&lim);
    lim.max_header = 64;
    rig r;
    rig_open(&r, &lim);
    c_send(&r, "GET /a HTTP/1.1\r\n\r\n");
    s_str(&r,
          "HTTP/1.1 200 OK\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n");
    CHECK_EQ_INT(r.ev.errors, 1);
    CHECK(strstr(r.ev.err, "over 64 bytes") != NULL);
    cap_tcp_flush(r.tcp);
    CHECK_EQ_INT(r.ev.nfiles, 1); /* the request is still reported, unanswered */
    CHECK_EQ_INT(r.ev.f[0].status, 0);
    rig_close(&r);

    rig_open(&r, NULL);
    c_send(&r, "GET /a HTTP/1.1\r\n\r\n");
    s_str(&r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello");
    CHECK_EQ_INT(r.ev.errors, 1);
    CHECK(strstr(r.ev.err, "bad HTTP response head at stream offset 0") != NULL);
    rig_close(&r);

    rig_open(&r, NULL);
    c_send(&r, "GET /a HTTP/1.1\r\n\r\n");
    s_str(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    CHECK_EQ_INT(r.ev.errors, 1);
    CHECK(strstr(r.ev.err, "bad chunk size") != NULL);
    rig_close(&r);
}

int main(void)
{
    for (size_t i = 0; i < sizeof itl; i++)
        itl[i] = (uint8_t)(i * 11 + 3);
    test_content_length();
    test_chunked_and_404_keepalive();
    test_body_limit_and_close_delimited();
    test_gap_in_body();
    test_header_limit_and_bad();
    return check_report();
}
