/* Fuzz target: TCP reassembly + HTTP 6970 downloads, both directions (framing in
 * cap_frames.h). Callbacks read every byte and string they are given. */
#include <stdint.h>
#include <string.h>

#include "cap/http.h"
#include "cap_frames.h"

static volatile unsigned sink;

static void on_file(void *u, const cap_http_file *f)
{
    (void)u;
    unsigned s = (unsigned)(strlen(f->name) + strlen(f->path) + strlen(f->method) +
                            strlen(f->reason) + (unsigned)f->status);
    for (size_t i = 0; i < f->len; i++)
        s += f->body[i];
    sink += s;
}

static void on_error(void *u, const cap_tcp_conn_info *c, const cap_http_error *e)
{
    (void)u;
    (void)c;
    sink += (unsigned)strlen(e->msg);
}

static bool on_open(void *user, const cap_tcp_conn_info *conn, cap_tcp_consumer *out)
{
    return cap_http_attach(user, conn, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cap_http_limits hl;
    cap_http_limits_default(&hl);
    hl.max_header = 512;
    hl.max_body = 4096;
    hl.max_pipeline = 4;
    cap_http_callbacks cb = {.on_file = on_file, .on_error = on_error};
    cap_http_ctx *http = cap_http_new(&hl, &cb);
    cap_tcp_limits lim;
    cap_frames_limits(&lim);
    cap_tcp_callbacks tcb = {http, on_open};
    cap_tcp_ctx *tcp = cap_tcp_new(&lim, &tcb);
    if (http && tcp)
        cap_frames_feed(tcp, 6970, data, size);
    cap_tcp_free(tcp);
    cap_http_free(http);
    return 0;
}
