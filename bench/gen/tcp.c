/* A TCP conversation driven by turns: handshake, then each turn's bytes cut into MSS segments
 * with a delayed ACK every second segment and one when the turn is complete, then FIN/FIN/ACK.
 * Some segments are retransmitted after a 200 ms RTO: either the first copy was seen too (a
 * duplicate) or it was lost before the capture point (a hole that the retransmission fills). */
#include <string.h>

#include "gen.h"

enum { C_SYN, C_SYNACK, C_ACK, C_TURN, C_FIN_CLIENT, C_FIN_SERVER, C_LAST_ACK };
enum { MSS = 1460, RTO_US = 200000 };

void tcp_start(gen_ctx *g, tcp_conv *c, const endpoint *cli, const endpoint *srv, int kind)
{
    bytes keep = c->buf, keep_scratch = c->scratch;
    memset(c, 0, sizeof *c);
    c->buf = keep;
    c->scratch = keep_scratch;
    c->cli = *cli;
    c->cli.port = (uint16_t)rng_range(&g->r, 32768, 60999);
    c->srv = *srv;
    c->seq[0] = (uint32_t)rng_next(&g->r);
    c->seq[1] = (uint32_t)rng_next(&g->r);
    c->kind = kind;
    c->n_exchanges = (int)rng_range(&g->r, 1, 4);
    c->phase = C_SYN;
}

static const endpoint *sender(const tcp_conv *c)
{
    return c->from_client ? &c->cli : &c->srv;
}
static const endpoint *receiver(const tcp_conv *c)
{
    return c->from_client ? &c->srv : &c->cli;
}

/* What the receiver has in order: up to the hole, if a segment is missing. */
static uint32_t contiguous(const tcp_conv *c)
{
    return c->turn_seq + (uint32_t)(c->has_hole ? c->hole_off : c->sent);
}

static void send_receiver_ack(gen_ctx *g, tcp_conv *c, uint64_t now)
{
    int rd = c->from_client ? 1 : 0;
    pcap_out_tcp(&g->out, now, receiver(c), sender(c), c->seq[rd], contiguous(c), TCP_ACK, NULL, 0);
}

static void send_piece(gen_ctx *g, tcp_conv *c, uint64_t now, size_t off, size_t len)
{
    int sd = c->from_client ? 0 : 1;
    unsigned flags = TCP_ACK | (off + len == c->buf.n ? TCP_PSH : 0);
    pcap_out_tcp(&g->out, now, sender(c), receiver(c), c->turn_seq + (uint32_t)off, c->seq[1 - sd],
                 flags, c->buf.p + off, len);
}

static void send_segment(gen_ctx *g, tcp_conv *c, uint64_t *now)
{
    size_t len = c->buf.n - c->sent < MSS ? c->buf.n - c->sent : MSS;
    bool retx = !c->has_hole && !c->has_dup && rng_per_mille(&g->r, g->cfg.loss);
    if (retx && rng_below(&g->r, 2)) {
        c->has_hole = true; /* lost before the capture point */
        c->hole_off = c->sent;
        c->hole_len = len;
    } else {
        send_piece(g, c, *now, c->sent, len);
        if (retx) {
            c->has_dup = true; /* lost after it: the sender repeats what we saw */
            c->dup_off = c->sent;
            c->dup_len = len;
        }
    }
    if (retx)
        c->retx_due = *now + RTO_US + rng_range(&g->r, 0, 20000);
    c->sent += len;
    c->ack_pending = ++c->since_ack % 2 == 0 && c->sent < c->buf.n;
    *now += rng_range(&g->r, 15, 120);
}

static void retransmit(gen_ctx *g, tcp_conv *c, uint64_t now)
{
    if (c->has_hole)
        send_piece(g, c, now, c->hole_off, c->hole_len);
    else
        send_piece(g, c, now, c->dup_off, c->dup_len);
    c->has_hole = c->has_dup = false;
}

static bool next_turn(gen_ctx *g, tcp_conv *c, uint64_t *now)
{
    int sd = c->from_client ? 0 : 1;
    if (c->turn >= 0 && c->buf.n)
        c->seq[sd] = c->turn_seq + (uint32_t)c->buf.n;
    c->turn++;
    c->buf.n = 0;
    bool more = c->kind == CONV_TLS        ? tls_build_turn(g, c)
                : c->kind == CONV_HTTP6970 ? http6970_build_turn(g, c)
                                           : http_build_turn(g, c);
    if (!more) {
        c->phase = C_FIN_CLIENT;
        *now += rng_range(&g->r, 200, 3000);
        return true;
    }
    c->turn_seq = c->seq[c->from_client ? 0 : 1];
    c->sent = 0;
    c->since_ack = 0;
    c->final_acked = c->ack_pending = false;
    /* client think time vs server processing */
    *now += c->from_client ? rng_range(&g->r, 500, 20000) : rng_range(&g->r, 150, 3000);
    return true;
}

static bool turn_step(gen_ctx *g, tcp_conv *c, uint64_t *now)
{
    if (c->ack_pending) {
        send_receiver_ack(g, c, *now);
        c->ack_pending = false;
        *now += rng_range(&g->r, 5, 60);
        return true;
    }
    if (c->sent < c->buf.n) {
        send_segment(g, c, now);
        return true;
    }
    if (c->has_hole || c->has_dup) {
        if (!c->final_acked) { /* the receiver acknowledges what it has, then waits */
            send_receiver_ack(g, c, *now);
            c->final_acked = true;
            *now = c->retx_due > *now ? c->retx_due : *now + 1;
            return true;
        }
        retransmit(g, c, *now);
        c->final_acked = false;
        *now += rng_range(&g->r, 100, 600);
        return true;
    }
    if (!c->final_acked) {
        send_receiver_ack(g, c, *now);
        c->final_acked = true;
        return next_turn(g, c, now);
    }
    return next_turn(g, c, now);
}

/* Emits the packet due at *now and sets *now to the next one; false once the connection closed. */
bool tcp_step(gen_ctx *g, tcp_conv *c, uint64_t *now)
{
    rng *r = &g->r;
    switch (c->phase) {
    case C_SYN:
        pcap_out_tcp(&g->out, *now, &c->cli, &c->srv, c->seq[0], 0, TCP_SYN, NULL, 0);
        c->seq[0]++;
        c->phase = C_SYNACK;
        *now += rng_range(r, 100, 800);
        return true;
    case C_SYNACK:
        pcap_out_tcp(&g->out, *now, &c->srv, &c->cli, c->seq[1], c->seq[0], TCP_SYN | TCP_ACK, NULL,
                     0);
        c->seq[1]++;
        c->phase = C_ACK;
        *now += rng_range(r, 100, 800);
        return true;
    case C_ACK:
        pcap_out_tcp(&g->out, *now, &c->cli, &c->srv, c->seq[0], c->seq[1], TCP_ACK, NULL, 0);
        c->phase = C_TURN;
        c->turn = -1;
        c->buf.n = 0;
        return next_turn(g, c, now);
    case C_TURN:
        return turn_step(g, c, now);
    case C_FIN_CLIENT:
        pcap_out_tcp(&g->out, *now, &c->cli, &c->srv, c->seq[0], c->seq[1], TCP_FIN | TCP_ACK, NULL,
                     0);
        c->seq[0]++;
        c->phase = C_FIN_SERVER;
        *now += rng_range(r, 100, 800);
        return true;
    case C_FIN_SERVER:
        pcap_out_tcp(&g->out, *now, &c->srv, &c->cli, c->seq[1], c->seq[0], TCP_FIN | TCP_ACK, NULL,
                     0);
        c->seq[1]++;
        c->phase = C_LAST_ACK;
        *now += rng_range(r, 100, 800);
        return true;
    default:
        pcap_out_tcp(&g->out, *now, &c->cli, &c->srv, c->seq[0], c->seq[1], TCP_ACK, NULL, 0);
        return false;
    }
}
