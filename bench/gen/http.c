/* Unrelated plain HTTP/1.1 on port 80: keep-alive GETs answered with Content-Length bodies. */
#include <stdio.h>

#include "gen.h"

enum { MAX_BODY = 48 * 1024 };

bool http_build_turn(gen_ctx *g, tcp_conv *c)
{
    if (c->turn >= 2 * c->n_exchanges)
        return false;
    c->from_client = c->turn % 2 == 0;
    char head[256];
    if (c->from_client) {
        snprintf(head, sizeof head,
                 "GET /assets/%08x.bin HTTP/1.1\r\nHost: 203.0.113.%u\r\n"
                 "User-Agent: bench-gen/1\r\nAccept: */*\r\n\r\n",
                 (unsigned)rng_next(&g->r), (unsigned)(c->srv.ip & 0xff));
        bytes_str(&c->buf, head);
        return true;
    }
    size_t body = rng_range(&g->r, 200, MAX_BODY);
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: application/octet-stream\r\n"
             "Content-Length: %zu\r\n\r\n",
             body);
    bytes_str(&c->buf, head);
    bytes_random(&c->buf, &g->r, body);
    return true;
}
