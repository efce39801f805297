/* mkcap: writes a synthetic capture of phone <-> CUCM traffic for pcapscan tests, from a small
 * script on stdin, so each test states its traffic explicitly (pcap output; the test driver makes
 * pcapng/gzip/truncated variants with editcap, gzip and head).
 *
 *   usage: mkcap OUT.pcap < SCRIPT
 * Script lines (# comments):
 *   link eth|vlan|qinq|sll2|raw|null      link type (default eth)
 *   client ADDR / server ADDR             IPv4 or IPv6 addresses (default 10.0.0.20 / 10.0.0.10)
 *   time UNIX                             time of the next packet (1 ms per packet after it)
 *   tftp NAME PATH [opts]                 RRQ + transfer of PATH's bytes as NAME; opts:
 *        blksize=N oack notfound frag cport=N sport=N
 *        reorder (blocks 2 and 3 swapped)  dup=K (DATA K twice)  drop=K (DATA K never sent)
 *        late=K (DATA K sent after K+1)    stop=K (nothing after DATA K)  noreply (RRQ only)
 *        bad=K (a DATA with block number 0, which no server sends, before DATA K)
 *   tls PORT [tls13] [cport=N] [seg=N] DER...   TCP + TLS handshake serving the DER chain
 *   http NAME PATH [status=N] [cport=N]   GET /NAME on 6970 answered with PATH's bytes */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

enum { LINK_ETH, LINK_VLAN, LINK_QINQ, LINK_SLL2, LINK_RAW, LINK_NULL };

typedef struct addr {
    int family; /* 4 or 6 */
    uint8_t a[16];
} addr;

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static struct {
    FILE *out;
    int link;
    addr client, server;
    uint64_t usec;
    uint16_t ip_id;
    uint16_t next_port;
} g;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "mkcap: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

static void put(buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        size_t nc = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, nc);
        if (!b->p)
            die("out of memory", NULL);
        b->cap = nc;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void u8(buf *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}
static void be16(buf *b, unsigned v)
{
    u8(b, v >> 8);
    u8(b, v & 0xff);
}
static void be24(buf *b, size_t v)
{
    u8(b, (unsigned)(v >> 16));
    be16(b, (unsigned)(v & 0xffff));
}
static void be32(buf *b, uint32_t v)
{
    be16(b, v >> 16);
    be16(b, v & 0xffff);
}
static void str0(buf *b, const char *s)
{
    put(b, s, strlen(s) + 1);
}

static addr parse_addr(const char *s)
{
    addr a;
    memset(&a, 0, sizeof a);
    if (inet_pton(AF_INET, s, a.a) == 1)
        a.family = 4;
    else if (inet_pton(AF_INET6, s, a.a) == 1)
        a.family = 6;
    else
        die("bad address", s);
    return a;
}

static uint32_t linktype_of(int link)
{
    static const uint32_t lt[] = {1, 1, 1, 276, 101, 0};
    return lt[link];
}

static void write_header(void)
{
    uint32_t magic = 0xa1b2c3d4u, zero = 0, snap = 262144, lt = linktype_of(g.link);
    uint16_t ver[2] = {2, 4};
    fwrite(&magic, 4, 1, g.out);
    fwrite(ver, 2, 2, g.out);
    fwrite(&zero, 4, 1, g.out);
    fwrite(&zero, 4, 1, g.out);
    fwrite(&snap, 4, 1, g.out);
    fwrite(&lt, 4, 1, g.out);
}

/* One link-layer frame around an IP packet. */
static void frame(const buf *ip, int family)
{
    buf f = {0};
    unsigned et = family == 6 ? 0x86dd : 0x0800;
    static const uint8_t macs[12] = {0x00, 0x11, 0x22, 0x33, 0x44, 0xa1,
                                     0x02, 0x00, 0x0a, 0x4d, 0x00, 0x0a};
    switch (g.link) {
    case LINK_ETH:
        put(&f, macs, 12);
        be16(&f, et);
        break;
    case LINK_VLAN:
        put(&f, macs, 12);
        be16(&f, 0x8100);
        be16(&f, 100);
        be16(&f, et);
        break;
    case LINK_QINQ:
        put(&f, macs, 12);
        be16(&f, 0x88a8);
        be16(&f, 200);
        be16(&f, 0x8100);
        be16(&f, 100);
        be16(&f, et);
        break;
    case LINK_SLL2:
        be16(&f, et);
        be16(&f, 0);
        be32(&f, 2); /* interface index */
        be16(&f, 1); /* ARPHRD_ETHER */
        u8(&f, 0);
        u8(&f, 6);
        put(&f, macs, 6);
        be16(&f, 0);
        break;
    case LINK_NULL: {
        uint32_t fam = family == 6 ? 30 : 2; /* host byte order, as BSD writes it */
        put(&f, &fam, 4);
        break;
    }
    default:
        break;
    }
    put(&f, ip->p, ip->n);
    uint32_t rh[4] = {(uint32_t)(g.usec / 1000000), (uint32_t)(g.usec % 1000000), (uint32_t)f.n,
                      (uint32_t)f.n};
    fwrite(rh, 4, 4, g.out);
    fwrite(f.p, 1, f.n, g.out);
    free(f.p);
    g.usec += 1000;
}

static void ipv4_hdr(buf *b, const addr *s, const addr *d, unsigned proto, size_t body, uint16_t id,
                     unsigned frag)
{
    size_t start = b->n;
    u8(b, 0x45);
    u8(b, 0);
    be16(b, (unsigned)(20 + body));
    be16(b, id);
    be16(b, frag);
    u8(b, 64);
    u8(b, proto);
    be16(b, 0);
    put(b, s->a, 4);
    put(b, d->a, 4);
    uint32_t sum = 0;
    for (size_t i = 0; i < 20; i += 2)
        sum += (uint32_t)(b->p[start + i] << 8 | b->p[start + i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    b->p[start + 10] = (uint8_t)(~sum >> 8);
    b->p[start + 11] = (uint8_t)~sum;
}

static void ipv6_hdr(buf *b, const addr *s, const addr *d, unsigned next, size_t plen)
{
    be32(b, 0x60000000u);
    be16(b, (unsigned)plen);
    u8(b, next);
    u8(b, 64);
    put(b, s->a, 16);
    put(b, d->a, 16);
}

/* An IP packet carrying `l4`, split into fragments of at most `mtu` payload bytes when frag. */
static void ip_send(const addr *s, const addr *d, unsigned proto, const buf *l4, bool frag)
{
    size_t chunk = frag ? 1232 : l4->n; /* multiple of 8 */
    if (!chunk)
        chunk = 1;
    uint16_t id = ++g.ip_id;
    for (size_t off = 0; off < l4->n || off == 0; off += chunk) {
        size_t n = l4->n - off < chunk ? l4->n - off : chunk;
        bool more = off + n < l4->n;
        buf ip = {0};
        if (s->family == 4) {
            ipv4_hdr(&ip, s, d, proto, n, id,
                     frag ? (unsigned)((more ? 0x2000 : 0) | (off / 8)) : 0x4000);
        } else if (frag) {
            ipv6_hdr(&ip, s, d, 44, 8 + n);
            u8(&ip, proto);
            u8(&ip, 0);
            be16(&ip, (unsigned)(off | (more ? 1 : 0)));
            be32(&ip, id);
        } else {
            ipv6_hdr(&ip, s, d, proto, n);
        }
        put(&ip, l4->p + off, n);
        frame(&ip, s->family);
        free(ip.p);
        if (!more)
            break;
    }
}

static void udp_send(bool to_server, uint16_t cport, uint16_t sport, const buf *pl, bool frag)
{
    buf u = {0};
    be16(&u, to_server ? cport : sport);
    be16(&u, to_server ? sport : cport);
    be16(&u, (unsigned)(8 + pl->n));
    be16(&u, 0);
    put(&u, pl->p, pl->n);
    ip_send(to_server ? &g.client : &g.server, to_server ? &g.server : &g.client, 17, &u, frag);
    free(u.p);
}

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open", path);
    buf b = {0};
    uint8_t tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        put(&b, tmp, n);
    fclose(f);
    *len = b.n;
    return b.p ? b.p : calloc(1, 1);
}

/* ---- TFTP ---- */

typedef struct tftp_opts {
    unsigned blksize, cport, sport;
    bool oack, notfound, frag, reorder, noreply;
    long dup, drop, late, stop, bad;
} tftp_opts;

static long opt_num(const char *tok, const char *key)
{
    size_t k = strlen(key);
    return strncmp(tok, key, k) == 0 && tok[k] == '=' ? strtol(tok + k + 1, NULL, 10) : -1;
}

static void tftp_block(const tftp_opts *o, const uint8_t *data, size_t len, long k)
{
    size_t off = (size_t)(k - 1) * o->blksize;
    size_t n = off >= len ? 0 : len - off < o->blksize ? len - off : o->blksize;
    buf d = {0}, a = {0};
    be16(&d, 3);
    be16(&d, (unsigned)(k & 0xffff));
    put(&d, data + off, n);
    udp_send(false, (uint16_t)o->cport, (uint16_t)o->sport, &d, o->frag);
    be16(&a, 4);
    be16(&a, (unsigned)(k & 0xffff));
    udp_send(true, (uint16_t)o->cport, (uint16_t)o->sport, &a, false);
    free(d.p);
    free(a.p);
}

static void cmd_tftp(char **tok, int n)
{
    if (n < 3)
        die("tftp NAME PATH [opts]", NULL);
    tftp_opts o = {.blksize = 512, .cport = g.next_port++, .sport = g.next_port++};
    o.dup = o.drop = o.late = o.stop = o.bad = -1;
    bool ask_blksize = false;
    for (int i = 3; i < n; i++) {
        long v;
        if ((v = opt_num(tok[i], "blksize")) > 0) {
            o.blksize = (unsigned)v;
            ask_blksize = true;
        } else if ((v = opt_num(tok[i], "cport")) > 0) {
            o.cport = (unsigned)v;
        } else if ((v = opt_num(tok[i], "sport")) > 0) {
            o.sport = (unsigned)v;
        } else if ((v = opt_num(tok[i], "dup")) > 0) {
            o.dup = v;
        } else if ((v = opt_num(tok[i], "drop")) > 0) {
            o.drop = v;
        } else if ((v = opt_num(tok[i], "late")) > 0) {
            o.late = v;
        } else if ((v = opt_num(tok[i], "bad")) > 0) {
            o.bad = v;
        } else if ((v = opt_num(tok[i], "stop")) > 0) {
            o.stop = v;
        } else {
            bool *flag = strcmp(tok[i], "oack") == 0       ? &o.oack
                         : strcmp(tok[i], "notfound") == 0 ? &o.notfound
                         : strcmp(tok[i], "frag") == 0     ? &o.frag
                         : strcmp(tok[i], "reorder") == 0  ? &o.reorder
                         : strcmp(tok[i], "noreply") == 0  ? &o.noreply
                                                           : NULL;
            if (!flag)
                die("unknown tftp option", tok[i]);
            *flag = true;
        }
    }
    buf rrq = {0};
    be16(&rrq, 1);
    str0(&rrq, tok[1]);
    str0(&rrq, "octet");
    char num[16];
    snprintf(num, sizeof num, "%u", o.blksize);
    if (ask_blksize) {
        str0(&rrq, "blksize");
        str0(&rrq, num);
    }
    udp_send(true, (uint16_t)o.cport, 69, &rrq, false);
    free(rrq.p);
    if (o.noreply)
        return;
    if (o.notfound) {
        buf e = {0};
        be16(&e, 5);
        be16(&e, 1);
        str0(&e, "File not found");
        udp_send(false, (uint16_t)o.cport, (uint16_t)o.sport, &e, false);
        free(e.p);
        return;
    }
    size_t len;
    uint8_t *data = load(tok[2], &len);
    if (o.oack && ask_blksize) {
        buf x = {0}, a = {0};
        be16(&x, 6);
        str0(&x, "blksize");
        str0(&x, num);
        udp_send(false, (uint16_t)o.cport, (uint16_t)o.sport, &x, false);
        be16(&a, 4);
        be16(&a, 0);
        udp_send(true, (uint16_t)o.cport, (uint16_t)o.sport, &a, false);
        free(x.p);
        free(a.p);
    }
    long blocks = (long)(len / o.blksize) + 1;
    for (long k = 1; k <= blocks; k++) {
        long send = k;
        if (o.reorder && k == 2 && blocks >= 3)
            send = 3;
        else if (o.reorder && k == 3)
            send = 2;
        if (send == o.bad)
            tftp_block(&o, data, 0, 0);
        if (send == o.drop || send == o.late) {
            if (send == o.late && k + 1 <= blocks) {
                tftp_block(&o, data, len, k + 1);
                tftp_block(&o, data, len, k);
                k++;
            }
        } else {
            tftp_block(&o, data, len, send);
        }
        if (send == o.dup)
            tftp_block(&o, data, len, send);
        if (send == o.stop)
            break;
    }
    free(data);
}

/* ---- TCP (one connection at a time, in order) ---- */

typedef struct tcp {
    uint16_t cport, sport;
    uint32_t cseq, sseq;
} tcp;

static void tcp_seg(tcp *t, bool to_server, unsigned flags, const uint8_t *p, size_t n)
{
    buf s = {0};
    be16(&s, to_server ? t->cport : t->sport);
    be16(&s, to_server ? t->sport : t->cport);
    be32(&s, to_server ? t->cseq : t->sseq);
    be32(&s, (flags & 0x10) ? (to_server ? t->sseq : t->cseq) : 0);
    u8(&s, 5 << 4);
    u8(&s, flags);
    be16(&s, 65535);
    be16(&s, 0);
    be16(&s, 0);
    put(&s, p, n);
    ip_send(to_server ? &g.client : &g.server, to_server ? &g.server : &g.client, 6, &s, false);
    free(s.p);
    uint32_t adv = (uint32_t)n + ((flags & 0x03) ? 1 : 0); /* SYN and FIN take one number */
    if (to_server)
        t->cseq += adv;
    else
        t->sseq += adv;
}

static void tcp_open(tcp *t, uint16_t cport, uint16_t sport)
{
    t->cport = cport;
    t->sport = sport;
    t->cseq = 0x10000000u + cport;
    t->sseq = 0xfffff000u; /* wraps during the session */
    tcp_seg(t, true, 0x02, NULL, 0);
    tcp_seg(t, false, 0x12, NULL, 0);
    tcp_seg(t, true, 0x10, NULL, 0);
}

static void tcp_data(tcp *t, bool to_server, const buf *b, size_t seg)
{
    for (size_t off = 0; off < b->n; off += seg) {
        size_t n = b->n - off < seg ? b->n - off : seg;
        tcp_seg(t, to_server, 0x18, b->p + off, n);
    }
}

static void tcp_close(tcp *t)
{
    tcp_seg(t, false, 0x11, NULL, 0);
    tcp_seg(t, true, 0x11, NULL, 0);
    tcp_seg(t, false, 0x10, NULL, 0);
}

/* ---- TLS ---- */

static void tls_record(buf *out, unsigned type, const buf *body)
{
    u8(out, type);
    be16(out, 0x0303);
    be16(out, (unsigned)body->n);
    put(out, body->p, body->n);
}

static void handshake(buf *out, unsigned type, const buf *body)
{
    u8(out, type);
    be24(out, body->n);
    put(out, body->p, body->n);
}

static void hello_body(buf *b, bool server, bool tls13)
{
    be16(b, 0x0303);
    for (int i = 0; i < 32; i++)
        u8(b, (unsigned)(i * 7 + (server ? 1 : 0)));
    u8(b, 0); /* session id */
    if (!server) {
        be16(b, 4);
        be16(b, tls13 ? 0x1301 : 0xc02f);
        be16(b, 0x002f);
        u8(b, 1);
        u8(b, 0);
        be16(b, tls13 ? 7 : 0);
        if (tls13) { /* supported_versions: TLS 1.3 */
            be16(b, 0x002b);
            be16(b, 3);
            u8(b, 2);
            be16(b, 0x0304);
        }
        return;
    }
    be16(b, tls13 ? 0x1301 : 0xc02f);
    u8(b, 0);
    be16(b, tls13 ? 6 : 0);
    if (tls13) {
        be16(b, 0x002b);
        be16(b, 2);
        be16(b, 0x0304);
    }
}

static void cmd_tls(char **tok, int n)
{
    if (n < 2)
        die("tls PORT [tls13] DER...", NULL);
    unsigned port = (unsigned)strtoul(tok[1], NULL, 10);
    unsigned cport = g.next_port++;
    size_t seg = 1400;
    bool tls13 = false;
    buf certs = {0};
    for (int i = 2; i < n; i++) {
        long v;
        if (strcmp(tok[i], "tls13") == 0) {
            tls13 = true;
        } else if ((v = opt_num(tok[i], "cport")) > 0) {
            cport = (unsigned)v;
        } else if ((v = opt_num(tok[i], "seg")) > 0) {
            seg = (size_t)v;
        } else {
            size_t len;
            uint8_t *der = load(tok[i], &len);
            be24(&certs, len);
            put(&certs, der, len);
            free(der);
        }
    }
    tcp t;
    tcp_open(&t, (uint16_t)cport, (uint16_t)port);
    buf ch = {0}, hs = {0}, rec = {0};
    hello_body(&ch, false, tls13);
    handshake(&hs, 1, &ch);
    tls_record(&rec, 22, &hs);
    tcp_data(&t, true, &rec, seg);
    hs.n = rec.n = ch.n = 0;
    buf sh = {0};
    hello_body(&sh, true, tls13);
    handshake(&hs, 2, &sh);
    if (!tls13) {
        buf c = {0}, done = {0};
        be24(&c, certs.n);
        put(&c, certs.p, certs.n);
        handshake(&hs, 11, &c);
        handshake(&hs, 14, &done);
        free(c.p);
    }
    tls_record(&rec, 22, &hs);
    if (tls13) { /* the rest of the server's flight is encrypted */
        buf ccs = {0}, app = {0};
        u8(&ccs, 1);
        tls_record(&rec, 20, &ccs);
        for (int i = 0; i < 900; i++)
            u8(&app, (unsigned)(i * 31));
        tls_record(&rec, 23, &app);
        free(ccs.p);
        free(app.p);
    }
    tcp_data(&t, false, &rec, seg);
    tcp_close(&t);
    free(ch.p);
    free(hs.p);
    free(rec.p);
    free(sh.p);
    free(certs.p);
}

/* ---- HTTP on 6970 ---- */

static void cmd_http(char **tok, int n)
{
    if (n < 3)
        die("http NAME PATH [status=N]", NULL);
    long status = 200, v;
    unsigned cport = g.next_port++;
    for (int i = 3; i < n; i++) {
        if ((v = opt_num(tok[i], "status")) > 0)
            status = v;
        else if ((v = opt_num(tok[i], "cport")) > 0)
            cport = (unsigned)v;
        else
            die("unknown http option", tok[i]);
    }
    tcp t;
    tcp_open(&t, (uint16_t)cport, 6970);
    char head[512];
    buf req = {0}, resp = {0};
    snprintf(head, sizeof head, "GET /%s HTTP/1.1\r\nHost: cucm\r\nConnection: close\r\n\r\n",
             tok[1]);
    put(&req, head, strlen(head));
    tcp_data(&t, true, &req, 1400);
    size_t len = 0;
    uint8_t *body = status == 200 ? load(tok[2], &len) : NULL;
    snprintf(head, sizeof head, "HTTP/1.1 %ld %s\r\nContent-Length: %zu\r\n\r\n", status,
             status == 200 ? "OK" : "Not Found", len);
    put(&resp, head, strlen(head));
    put(&resp, body, len);
    tcp_data(&t, false, &resp, 1400);
    tcp_close(&t);
    free(body);
    free(req.p);
    free(resp.p);
}

static int split(char *line, char **tok, int max)
{
    int n = 0;
    for (char *s = strtok(line, " \t\r\n"); s && n < max; s = strtok(NULL, " \t\r\n"))
        tok[n++] = s;
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: mkcap OUT.pcap < SCRIPT", NULL);
    g.client = parse_addr("10.0.0.20");
    g.server = parse_addr("10.0.0.10");
    g.usec = 1796083200ull * 1000000;
    g.next_port = 40000;
    char line[4096], *tok[64];
    /* The link type goes in the file header: read the whole script first. */
    char **lines = NULL;
    size_t nl = 0;
    while (fgets(line, sizeof line, stdin)) {
        char **nls = realloc(lines, (nl + 1) * sizeof *lines);
        if (!nls)
            die("out of memory", NULL);
        lines = nls;
        lines[nl++] = strdup(line);
    }
    for (size_t i = 0; i < nl; i++) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", lines[i]);
        int n = split(tmp, tok, 64);
        if (n == 2 && strcmp(tok[0], "link") == 0) {
            static const char *names[] = {"eth", "vlan", "qinq", "sll2", "raw", "null"};
            for (int k = 0; k < 6; k++)
                if (strcmp(tok[1], names[k]) == 0)
                    g.link = k;
        }
    }
    g.out = fopen(argv[1], "wb");
    if (!g.out)
        die("cannot create", argv[1]);
    write_header();
    for (size_t i = 0; i < nl; i++) {
        int n = split(lines[i], tok, 64);
        if (n == 0 || tok[0][0] == '#' || strcmp(tok[0], "link") == 0)
            continue;
        if (strcmp(tok[0], "client") == 0 && n == 2)
            g.client = parse_addr(tok[1]);
        else if (strcmp(tok[0], "server") == 0 && n == 2)
            g.server = parse_addr(tok[1]);
        else if (strcmp(tok[0], "time") == 0 && n == 2)
            g.usec = strtoull(tok[1], NULL, 10) * 1000000;
        else if (strcmp(tok[0], "tftp") == 0)
            cmd_tftp(tok, n);
        else if (strcmp(tok[0], "tls") == 0)
            cmd_tls(tok, n);
        else if (strcmp(tok[0], "http") == 0)
            cmd_http(tok, n);
        else
            die("unknown command", tok[0]);
        free(lines[i]);
        lines[i] = NULL;
    }
    for (size_t i = 0; i < nl; i++)
        free(lines[i]);
    free(lines);
    return fclose(g.out) == 0 ? 0 : 2;
}
