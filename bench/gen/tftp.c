/* One TFTP read as a phone does it against CUCM: RRQ to port 69, the server answers from a new
 * port (its TID); with a blksize option the server first sends an OACK that the phone ACKs with
 * block 0. Then DATA/ACK in lock step, the last block shorter than blksize (zero bytes when the
 * size is a multiple). A lost DATA block is retransmitted by the server after its 1 s timeout. */
#include <string.h>

#include "gen.h"

enum { T_RRQ, T_OACK, T_ACK0, T_DATA, T_ACK, T_ERROR };
enum { OP_RRQ = 1, OP_DATA = 3, OP_ACK = 4, OP_ERROR = 5, OP_OACK = 6 };
enum { BIG_BLKSIZE = 1428, DEFAULT_BLKSIZE = 512, SERVER_TIMEOUT_US = 1000000 };

void tftp_start(gen_ctx *g, tftp_xfer *x, const endpoint *client, unsigned node, const char *name,
                const blob *file, bool big_blksize)
{
    memset(x, 0, sizeof *x);
    x->client = *client;
    x->client.port = (uint16_t)rng_range(&g->r, 49152, 65535);
    x->server = node_endpoint(node, (uint16_t)rng_range(&g->r, 32768, 60999));
    x->listener = node_endpoint(node, 69);
    snprintf(x->name, sizeof x->name, "%s", name);
    x->file = file;
    x->options = big_blksize;
    x->blksize = big_blksize ? BIG_BLKSIZE : DEFAULT_BLKSIZE;
    x->n_blocks = file ? (uint32_t)(file->n / x->blksize + 1) : 0;
    x->block = 1;
    x->phase = T_RRQ;
}

static void send_rrq(gen_ctx *g, tftp_xfer *x, uint64_t now)
{
    uint8_t p[128];
    size_t n = 0;
    p[n++] = 0;
    p[n++] = OP_RRQ;
    n += (size_t)snprintf((char *)p + n, sizeof p - n, "%s", x->name) + 1;
    memcpy(p + n, "octet", 6);
    n += 6;
    if (x->options) {
        memcpy(p + n,
               "blksize\0"
               "1428",
               13);
        n += 13;
    }
    pcap_out_udp(&g->out, now, &x->client, &x->listener, p, n);
}

static void send_error(gen_ctx *g, tftp_xfer *x, uint64_t now)
{
    static const uint8_t p[] = "\0\5\0\1File not found"; /* the literal's NUL ends the text */
    pcap_out_udp(&g->out, now, &x->server, &x->client, p, sizeof p);
}

static void send_oack(gen_ctx *g, tftp_xfer *x, uint64_t now)
{
    static const uint8_t p[] = "\0\6blksize\0"
                               "1428";
    pcap_out_udp(&g->out, now, &x->server, &x->client, p, sizeof p);
}

static void send_ack(gen_ctx *g, tftp_xfer *x, uint64_t now, uint32_t block)
{
    uint8_t p[4] = {0, OP_ACK, (uint8_t)(block >> 8), (uint8_t)block};
    pcap_out_udp(&g->out, now, &x->client, &x->server, p, sizeof p);
}

static void send_data(gen_ctx *g, tftp_xfer *x, uint64_t now)
{
    uint8_t p[4 + BIG_BLKSIZE];
    size_t off = (size_t)(x->block - 1) * x->blksize;
    size_t n = x->file->n - off < x->blksize ? x->file->n - off : x->blksize;
    p[0] = 0;
    p[1] = OP_DATA;
    p[2] = (uint8_t)(x->block >> 8); /* block numbers wrap at 65536 */
    p[3] = (uint8_t)x->block;
    memcpy(p + 4, x->file->p + off, n);
    pcap_out_udp(&g->out, now, &x->server, &x->client, p, 4 + n);
}

/* Emits the packet due at *now and sets *now to the next one; false once the transfer is over. */
bool tftp_step(gen_ctx *g, tftp_xfer *x, uint64_t *now)
{
    rng *r = &g->r;
    switch (x->phase) {
    case T_RRQ:
        send_rrq(g, x, *now);
        x->phase = !x->file ? T_ERROR : x->options ? T_OACK : T_DATA;
        *now += rng_range(r, 300, 1500);
        return true;
    case T_ERROR:
        send_error(g, x, *now);
        return false;
    case T_OACK:
        send_oack(g, x, *now);
        x->phase = T_ACK0;
        *now += rng_range(r, 200, 900);
        return true;
    case T_ACK0:
        send_ack(g, x, *now, 0);
        x->phase = T_DATA;
        *now += rng_range(r, 80, 400);
        return true;
    case T_DATA:
        if (!x->dropped && rng_per_mille(r, g->cfg.loss)) {
            x->dropped = true; /* lost on the way: the capture never sees this copy */
            *now += SERVER_TIMEOUT_US + rng_range(r, 0, 5000);
            return true;
        }
        send_data(g, x, *now);
        x->dropped = false;
        x->phase = T_ACK;
        *now += rng_range(r, 200, 900);
        return true;
    default: /* T_ACK */
        send_ack(g, x, *now, x->block);
        if (x->block == x->n_blocks)
            return false;
        x->block++;
        x->phase = T_DATA;
        *now += rng_range(r, 80, 300);
        return true;
    }
}
