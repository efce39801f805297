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

/* A phone fetching its trust files from the TFTP node's HTTP service on 6970 (CTL, ITL, config on
 * one keep-alive connection, as phones with HTTP-capable loads do); a file the node lacks is 404.
 */
bool http6970_build_turn(gen_ctx *g, tcp_conv *c)
{
    (void)g;
    if (c->turn >= 6)
        return false;
    c->from_client = c->turn % 2 == 0;
    const blob *file = c->files[c->turn / 2];
    char head[256];
    if (c->from_client) {
        snprintf(head, sizeof head,
                 "GET /%s HTTP/1.1\r\nHost: %u.%u.%u.%u:6970\r\nUser-Agent: Cisco-CP8865/14.2\r\n"
                 "Connection: keep-alive\r\n\r\n",
                 c->names[c->turn / 2], (unsigned)(c->srv.ip >> 24),
                 (unsigned)(c->srv.ip >> 16 & 0xff), (unsigned)(c->srv.ip >> 8 & 0xff),
                 (unsigned)(c->srv.ip & 0xff));
        bytes_str(&c->buf, head);
        return true;
    }
    if (!file) {
        bytes_str(&c->buf, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return true;
    }
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
             "Content-Length: %zu\r\n\r\n",
             file->n);
    bytes_str(&c->buf, head);
    bytes_put(&c->buf, file->p, file->n);
    return true;
}
