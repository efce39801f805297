/* The traffic mix: phones booting (CTL, ITL and config over TFTP, then TLS to TVS 2445 and to
 * Tomcat 8443), RTP calls between phones or to a gateway, and unrelated HTTP clients. Each kind
 * is a "lane" that starts its next conversation when one ends, so the mix stays steady and the
 * number of live flows (and the memory) is fixed by the options, not by the capture size. */
#include <string.h>

#include "gen.h"

static const uint32_t CUCM_IP = 0x0a0a000a;         /* 10.10.0.10: TFTP, TVS, Tomcat */
static const uint32_t GATEWAY_IP = 0x0a0a0032;      /* 10.10.0.50: voice gateway */
static const uint32_t PHONE_NET = 0x0a140000;       /* 10.20.0.0/16 */
static const uint32_t HTTP_CLIENT_NET = 0x0a1e0000; /* 10.30.0.0/16 */
static const uint32_t HTTP_SERVER_NET = 0xcb007100; /* 203.0.113.0/24 */
enum { RTP_PAYLOAD = 160, RTP_HEADER = 12, RTP_PERIOD_US = 20000 };

static void mac_from(uint8_t mac[6], uint8_t oui0, uint32_t n)
{
    mac[0] = oui0;
    mac[1] = 0x50;
    mac[2] = 0x56;
    mac[3] = (uint8_t)(n >> 16);
    mac[4] = (uint8_t)(n >> 8);
    mac[5] = (uint8_t)n;
}

endpoint cucm_endpoint(uint16_t port)
{
    endpoint e = {.ip = CUCM_IP, .port = port};
    mac_from(e.mac, 0x00, 0xaa0010);
    return e;
}

/* Node 0 is the publisher (10.10.0.10, as in the default profile), node 1 a subscriber. */
endpoint node_endpoint(unsigned node, uint16_t port)
{
    endpoint e = cucm_endpoint(port);
    e.ip += node;
    e.mac[5] = (uint8_t)(e.mac[5] + node);
    return e;
}

enum { WANT_TVS = 1, WANT_HTTPS = 2, WANT_HTTP6970 = 4, SERVED_REGEN = 8 };

static const phone_files *phone_template(const gen_ctx *g, const flow *f)
{
    const material *m = f->opts & SERVED_REGEN ? &g->regen : &g->mat;
    return &m->phones[f->phone % m->n_phones];
}

/* Reset profile: a phone's TFTP and TVS node (DHCP option 150 splits the phones in two). */
static unsigned phone_node(const gen_ctx *g, uint32_t phone)
{
    return g->cfg.reset ? phone % 2 : 0;
}

/* Phones beyond the trust directory's reuse its files under MACs of their own. */
static void phone_mac(const gen_ctx *g, uint32_t phone, uint8_t mac[6])
{
    if (phone < g->mat.n_phones)
        memcpy(mac, g->mat.phones[phone].mac, 6);
    else {
        mac[0] = 0x0c;
        mac[1] = 0x11;
        mac[2] = 0x67;
        mac[3] = (uint8_t)(phone >> 16);
        mac[4] = (uint8_t)(phone >> 8);
        mac[5] = (uint8_t)phone;
    }
}

endpoint phone_endpoint(const gen_ctx *g, uint32_t phone)
{
    endpoint e = {.ip = PHONE_NET + 16 + phone};
    phone_mac(g, phone, e.mac);
    return e;
}

/* ---- phone boot ---- */

enum { B_START, B_CTL, B_ITL, B_CNF, B_TVS, B_HTTPS, B_END, B_HTTP6970 };

/* The three files a boot asks for, in order: CTL, ITL, signed config. The reset profile's cluster
 * is not in mixed mode (no CTL anywhere), and its phones with an encrypting security profile ask
 * for the .enc.sgn config. */
static void boot_files(const gen_ctx *g, const flow *f, const uint8_t mac6[6], char names[3][64],
                       const blob *files[3])
{
    const phone_files *pf = phone_template(g, f);
    char mac[13];
    for (int i = 0; i < 6; i++)
        snprintf(mac + 2 * i, 3, "%02X", mac6[i]);
    bool enc = g->cfg.reset && pf->enc.p;
    snprintf(names[0], 64, "CTLSEP%s.tlv", mac);
    snprintf(names[1], 64, "ITLSEP%s.tlv", mac);
    snprintf(names[2], 64, "SEP%s.cnf.xml%s", mac, enc ? ".enc.sgn" : ".sgn");
    files[0] = pf->ctl.p && !g->cfg.reset ? &pf->ctl : NULL;
    files[1] = &pf->itl;
    files[2] = enc ? &pf->enc : &pf->cnf;
}

static void start_stage(gen_ctx *g, flow *f)
{
    endpoint ph = phone_endpoint(g, f->phone);
    char names[3][64];
    const blob *files[3];
    boot_files(g, f, ph.mac, names, files);
    unsigned node = phone_node(g, f->phone);
    /* a phone keeps its blksize habit from boot to boot */
    bool big = (f->phone * 2654435761u) % 1000 < g->cfg.big_blksize;
    endpoint srv;
    switch (f->stage) {
    case B_CTL:
    case B_ITL:
    case B_CNF:
        tftp_start(g, &f->u.tftp, &ph, node, names[f->stage - B_CTL], files[f->stage - B_CTL], big);
        break;
    case B_HTTP6970:
        srv = node_endpoint(node, 6970);
        tcp_start(g, &f->tcp, &ph, &srv, CONV_HTTP6970);
        memcpy(f->tcp.names, names, sizeof names);
        memcpy(f->tcp.files, files, sizeof files);
        break;
    case B_TVS:
        srv = node_endpoint(node, 2445);
        tcp_start(g, &f->tcp, &ph, &srv, CONV_TLS);
        f->tcp.chain = g->mat.chain_2445;
        f->tcp.chain_len = g->mat.n_2445;
        break;
    default: /* B_HTTPS */
        srv = cucm_endpoint(8443);
        tcp_start(g, &f->tcp, &ph, &srv, CONV_TLS);
        f->tcp.chain = g->mat.chain_8443;
        f->tcp.chain_len = g->mat.n_8443;
        f->tcp.sni = "cucm-pub.sbd.test";
        break;
    }
}

/* The next stage this boot goes through after STAGE (skipping TLS sessions it does not open). */
static int next_stage(const flow *f, int stage)
{
    stage = stage == B_HTTP6970 ? B_TVS : stage + 1;
    if (stage == B_TVS && !(f->opts & WANT_TVS))
        stage++;
    if (stage == B_HTTPS && !(f->opts & WANT_HTTPS))
        stage++;
    return stage;
}

bool boot_step(gen_ctx *g, flow *f)
{
    if (f->stage == B_START) {
        if (g->stopping)
            return false;
        f->phone = g->next_phone++ % g->cfg.phones;
        f->opts = (rng_per_mille(&g->r, g->cfg.tvs) ? WANT_TVS : 0) |
                  (rng_per_mille(&g->r, g->cfg.https) ? WANT_HTTPS : 0);
        if (g->cfg.reset && rng_per_mille(&g->r, g->cfg.http6970))
            f->opts |= WANT_HTTP6970;
        /* node 0 was regenerated: its phones get ITL B from now on, node 1 still serves A */
        if (g->regenerated && phone_node(g, f->phone) == 0)
            f->opts |= SERVED_REGEN;
        f->stage = f->opts & WANT_HTTP6970 ? B_HTTP6970 : B_CTL;
        start_stage(g, f);
    }
    bool more = f->stage <= B_CNF ? tftp_step(g, &f->u.tftp, &f->next_us)
                                  : tcp_step(g, &f->tcp, &f->next_us);
    if (more)
        return true;
    if (g->stopping)
        return false;
    f->stage = next_stage(f, f->stage);
    if (f->stage == B_END) {
        f->stage = B_START; /* this lane boots another phone after a pause */
        f->next_us += rng_range(&g->r, 200000, 3000000);
        return true;
    }
    start_stage(g, f);
    f->next_us += rng_range(&g->r, 20000, 300000);
    return true;
}

/* ---- RTP calls ---- */

static flow *rtp_stream_new(gen_ctx *g, const endpoint *src, const endpoint *dst, uint64_t at,
                            uint64_t end, bool leader)
{
    flow *f = flow_new(g, rtp_step, at);
    rtp_stream *s = &f->u.rtp;
    s->src = *src;
    s->dst = *dst;
    s->ssrc = (uint32_t)rng_next(&g->r);
    s->ts = (uint32_t)rng_next(&g->r);
    s->seq = (uint16_t)rng_next(&g->r);
    s->start_us = at;
    s->end_us = end;
    s->leader = leader;
    return f;
}

void rtp_start_call(gen_ctx *g, uint64_t at_us, uint64_t duration_us)
{
    uint32_t a = rng_below(&g->r, g->cfg.phones);
    endpoint ea = phone_endpoint(g, a), eb;
    if (g->cfg.phones > 1 && rng_below(&g->r, 2)) {
        uint32_t b = (a + 1 + rng_below(&g->r, g->cfg.phones - 1)) % g->cfg.phones;
        eb = phone_endpoint(g, b);
    } else {
        eb = (endpoint){.ip = GATEWAY_IP};
        mac_from(eb.mac, 0x00, 0xaa0050);
    }
    ea.port = (uint16_t)(16384 + 2 * rng_below(&g->r, 8192));
    eb.port = (uint16_t)(16384 + 2 * rng_below(&g->r, 8192));
    uint64_t end = at_us + duration_us;
    rtp_stream_new(g, &ea, &eb, at_us, end, true);
    rtp_stream_new(g, &eb, &ea, at_us + rng_range(&g->r, 0, RTP_PERIOD_US), end, false);
}

bool rtp_step(gen_ctx *g, flow *f)
{
    rtp_stream *s = &f->u.rtp;
    if (g->stopping || f->next_us >= s->end_us) {
        if (s->leader && !g->stopping) /* hang up; someone else calls soon */
            rtp_start_call(g, f->next_us + rng_range(&g->r, 100000, 2000000),
                           rng_range(&g->r, 20, 180) * 1000000ull);
        return false;
    }
    uint8_t p[RTP_HEADER + RTP_PAYLOAD];
    p[0] = 0x80;
    p[1] = s->n == 0 ? 0x80 : 0x00; /* marker on the first packet, payload type 0 (PCMU) */
    p[2] = (uint8_t)(s->seq >> 8);
    p[3] = (uint8_t)s->seq;
    for (int i = 0; i < 4; i++) {
        p[4 + i] = (uint8_t)(s->ts >> (24 - 8 * i));
        p[8 + i] = (uint8_t)(s->ssrc >> (24 - 8 * i));
    }
    rng_fill(&g->r, p + RTP_HEADER, RTP_PAYLOAD);
    pcap_out_udp(&g->out, f->next_us, &s->src, &s->dst, p, sizeof p);
    s->n++;
    s->seq++;
    s->ts += RTP_PAYLOAD;
    f->next_us = s->start_us + (uint64_t)s->n * RTP_PERIOD_US + rng_range(&g->r, 0, 400);
    return true;
}

/* ---- unrelated HTTP ---- */

bool http_step(gen_ctx *g, flow *f)
{
    if (f->stage == 0) {
        if (g->stopping)
            return false;
        uint32_t k = g->next_conv++;
        endpoint cli = {.ip = HTTP_CLIENT_NET + 16 + k % 4000};
        endpoint srv = {.ip = HTTP_SERVER_NET + 1 + rng_below(&g->r, 50), .port = 80};
        mac_from(cli.mac, 0x02, k % 4000);
        mac_from(srv.mac, 0x00, 0xaa00fe); /* the router */
        tcp_start(g, &f->tcp, &cli, &srv, CONV_HTTP);
        f->stage = 1;
    }
    if (tcp_step(g, &f->tcp, &f->next_us))
        return true;
    f->stage = 0;
    f->next_us += rng_range(&g->r, 100000, 2000000);
    return !g->stopping;
}
