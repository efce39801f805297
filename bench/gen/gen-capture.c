/* gen-capture: writes a deterministic synthetic capture of CUCM phone traffic of a requested size
 * for the benchmark (bench/run.sh). Same options and trust directory -> same bytes. Streaming:
 * memory is set by the concurrency options, not by --size. Knobs: bench/README.md.
 *
 *   gen-capture -o FILE --size 100M --trust-dir DIR [--seed N] [--phones N] ... */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

enum { DEFAULT_START = 1798794000 }; /* 2027-01-01T09:00:00Z */

typedef struct heap {
    flow **v;
    size_t n, cap;
} heap;

static heap g_heap;
static uint64_t g_flow_ids;

static bool earlier(const flow *a, const flow *b)
{
    return a->next_us < b->next_us || (a->next_us == b->next_us && a->id < b->id);
}

static void heap_push(heap *h, flow *f)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 256;
        flow **nv = realloc(h->v, cap * sizeof *nv);
        if (!nv)
            die("out of memory", NULL);
        h->v = nv;
        h->cap = cap;
    }
    size_t i = h->n++;
    for (; i > 0 && earlier(f, h->v[(i - 1) / 2]); i = (i - 1) / 2)
        h->v[i] = h->v[(i - 1) / 2];
    h->v[i] = f;
}

static flow *heap_pop(heap *h)
{
    flow *top = h->v[0], *last = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && earlier(h->v[c + 1], h->v[c]))
            c++;
        if (!earlier(h->v[c], last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return top;
}

flow *flow_new(gen_ctx *g, flow_step step, uint64_t at_us)
{
    (void)g;
    flow *f = xcalloc(1, sizeof *f);
    f->step = step;
    f->next_us = at_us;
    f->id = g_flow_ids++;
    heap_push(&g_heap, f);
    return f;
}

static void flow_free(flow *f)
{
    bytes_free(&f->tcp.buf);
    bytes_free(&f->tcp.scratch);
    free(f);
}

static void usage(void)
{
    fputs("usage: gen-capture -o FILE --size N[K|M|G] --trust-dir DIR [options]\n"
          "  --seed N         PRNG seed (default 1)\n"
          "  --phones N       phone population, booting in turn (default 1000)\n"
          "  --boots N        phones booting at the same time (default 32)\n"
          "  --calls N        concurrent RTP calls, two 50 packet/s streams each (default 300)\n"
          "  --http N         concurrent unrelated HTTP clients (default 4)\n"
          "  --loss N         per mille of TFTP DATA blocks lost and of TCP segments\n"
          "                   retransmitted (default 10)\n"
          "  --big-blksize N  per mille of phones asking blksize 1428 (default 333)\n"
          "  --tvs N          per mille of boots with a TLS session to TVS 2445 (default 600)\n"
          "  --https N        per mille of boots with a TLS session to 8443 (default 300)\n"
          "  --start UNIX     time of the first packet (default 1798794000)\n"
          "  --profile P      rtp (default): calls carry the bytes; reset: a cluster-wide\n"
          "                   reset seen at two TFTP nodes (no RTP, every boot to TVS, no CTL,\n"
          "                   node 0's phones get ITL B from DIR/regen after half the size)\n"
          "  --http6970 N     reset: per mille of boots fetching over HTTP 6970 (default 200)\n",
          stderr);
    exit(2);
}

static unsigned long long parse_num(const char *s, unsigned long long max, bool suffix)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *s == '-' || errno)
        die("bad number", s);
    unsigned long long mult = 1;
    if (suffix && *end) {
        switch (*end++) {
        case 'g':
        case 'G':
            mult = 1ull << 30;
            break;
        case 'm':
        case 'M':
            mult = 1ull << 20;
            break;
        case 'k':
        case 'K':
            mult = 1ull << 10;
            break;
        default:
            die("bad size (N, NK, NM or NG)", s);
        }
    }
    if (*end || v > max / mult)
        die("bad number", s);
    return v * mult;
}

typedef struct opts {
    const char *out, *trust_dir;
    uint64_t size, seed, start;
    gen_cfg cfg;
    bool set[128]; /* options given on the command line (the profile does not override them) */
} opts;

/* Bytes of capture one reset-profile boot makes on average (measured on mktrust.sh material). */
enum { RESET_BOOT_BYTES = 19000 };

/* The reset profile's defaults, for the options not given: no calls or unrelated HTTP, every boot
 * to TVS, and a phone population that boots about twice (before and after the regeneration). */
static void apply_profile(opts *o)
{
    if (!o->cfg.reset)
        return;
    if (!o->set['c'])
        o->cfg.calls = 0;
    if (!o->set['h'])
        o->cfg.http = 0;
    if (!o->set['b'])
        o->cfg.boots = 64;
    if (!o->set['v'])
        o->cfg.tvs = 1000;
    if (!o->set['H'])
        o->cfg.https = 0;
    if (!o->set['p']) {
        /* at least two lanes' worth, so a phone never boots twice at once */
        uint64_t n = o->size / (2 * RESET_BOOT_BYTES), least = 2 * (uint64_t)o->cfg.boots;
        o->cfg.phones = n < least ? (unsigned)least : n > 60000 ? 60000 : (unsigned)n;
    }
}

static void parse_opts(int argc, char **argv, opts *o)
{
    static const struct option longopts[] = {{"size", required_argument, NULL, 's'},
                                             {"seed", required_argument, NULL, 'S'},
                                             {"phones", required_argument, NULL, 'p'},
                                             {"trust-dir", required_argument, NULL, 't'},
                                             {"boots", required_argument, NULL, 'b'},
                                             {"calls", required_argument, NULL, 'c'},
                                             {"http", required_argument, NULL, 'h'},
                                             {"loss", required_argument, NULL, 'l'},
                                             {"big-blksize", required_argument, NULL, 'B'},
                                             {"tvs", required_argument, NULL, 'v'},
                                             {"https", required_argument, NULL, 'H'},
                                             {"start", required_argument, NULL, 'T'},
                                             {"profile", required_argument, NULL, 'P'},
                                             {"http6970", required_argument, NULL, 'W'},
                                             {NULL, 0, NULL, 0}};
    *o = (opts){.seed = 1,
                .start = DEFAULT_START,
                .cfg = {.phones = 1000,
                        .boots = 32,
                        .calls = 300,
                        .http = 4,
                        .loss = 10,
                        .big_blksize = 333,
                        .tvs = 600,
                        .https = 300,
                        .http6970 = 200}};
    for (int c; (c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1;) {
        if (c > 0 && c < 128)
            o->set[c] = true;
        switch (c) {
        case 'o':
            o->out = optarg;
            break;
        case 's':
            o->size = parse_num(optarg, 1ull << 50, true);
            break;
        case 'S':
            o->seed = parse_num(optarg, UINT64_MAX, false);
            break;
        case 'p':
            o->cfg.phones = (unsigned)parse_num(optarg, 60000, false);
            break;
        case 't':
            o->trust_dir = optarg;
            break;
        case 'b':
            o->cfg.boots = (unsigned)parse_num(optarg, 10000, false);
            break;
        case 'c':
            o->cfg.calls = (unsigned)parse_num(optarg, 100000, false);
            break;
        case 'h':
            o->cfg.http = (unsigned)parse_num(optarg, 10000, false);
            break;
        case 'l':
            o->cfg.loss = (unsigned)parse_num(optarg, 1000, false);
            break;
        case 'B':
            o->cfg.big_blksize = (unsigned)parse_num(optarg, 1000, false);
            break;
        case 'v':
            o->cfg.tvs = (unsigned)parse_num(optarg, 1000, false);
            break;
        case 'H':
            o->cfg.https = (unsigned)parse_num(optarg, 1000, false);
            break;
        case 'T':
            o->start = parse_num(optarg, 4000000000ull, false);
            break;
        case 'P':
            if (strcmp(optarg, "reset") != 0 && strcmp(optarg, "rtp") != 0)
                die("bad --profile (rtp or reset)", optarg);
            o->cfg.reset = strcmp(optarg, "reset") == 0;
            break;
        case 'W':
            o->cfg.http6970 = (unsigned)parse_num(optarg, 1000, false);
            break;
        default:
            usage();
        }
    }
    if (optind != argc || !o->out || !o->trust_dir || !o->size || !o->cfg.phones)
        usage();
    apply_profile(o);
}

/* The lanes at time 0: calls already in progress (random remaining time), boots and HTTP
 * clients starting within the first seconds. */
static void seed_lanes(gen_ctx *g, uint64_t t0)
{
    for (unsigned i = 0; i < g->cfg.calls; i++)
        rtp_start_call(g, t0 + rng_below(&g->r, 20000), rng_range(&g->r, 1, 180) * 1000000ull);
    for (unsigned i = 0; i < g->cfg.boots; i++)
        flow_new(g, boot_step, t0 + rng_below(&g->r, 2000000));
    for (unsigned i = 0; i < g->cfg.http; i++)
        flow_new(g, http_step, t0 + rng_below(&g->r, 1000000));
}

int main(int argc, char **argv)
{
    opts o;
    parse_opts(argc, argv, &o);
    static gen_ctx g;
    g.cfg = o.cfg;
    g.r.s = o.seed;
    material_load(&g.mat, o.trust_dir);
    if (g.cfg.reset)
        material_load_regen(&g.regen, o.trust_dir);
    pcap_out_open(&g.out, o.out);
    uint64_t t0 = o.start * 1000000ull;
    seed_lanes(&g, t0);
    while (g_heap.n) {
        flow *f = heap_pop(&g_heap);
        if (f->step(&g, f))
            heap_push(&g_heap, f);
        else
            flow_free(f);
        if (g.cfg.reset && !g.regenerated && g.out.bytes >= o.size / 2) {
            /* CallManager regenerated on node 0: from now on its phones boot into ITL B */
            g.regenerated = true;
        }
        if (g.out.bytes >= o.size)
            g.stopping = true;
    }
    pcap_out_close(&g.out);
    fprintf(stderr, "gen-capture: %s: %llu packets, %llu bytes, %.1f s of traffic\n", o.out,
            (unsigned long long)g.out.packets, (unsigned long long)g.out.bytes,
            (double)(g.out.last_us - g.out.first_us) / 1e6);
    if (g.cfg.reset)
        fprintf(stderr, "gen-capture: reset profile: %u phones on 2 nodes\n", g.cfg.phones);
    material_free(&g.mat);
    if (g.cfg.reset)
        material_free(&g.regen);
    free(g_heap.v);
    return 0;
}
