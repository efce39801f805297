/* Capture input end to end: pcap, pcapng (editcap), gzip, stdin, truncated and corrupt files,
 * directory expansion; frames go through decode and the TFTP tracker and the file must come
 * out byte-identical. */
#include <fcntl.h>
#include <pcap/dlt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cap/decode.h"
#include "cap/input.h"
#include "cap/tftp.h"
#include "cap_build.h"
#include "check.h"

static char dir[64];
static uint8_t file[9000];
static const size_t FLEN = 9000; /* blksize 4000: blocks 4000, 4000, 1000; each IP-fragmented */
static int nframes;

typedef struct result {
    int frames, complete, finished;
    size_t len;
    bool identical;
    uint64_t first_pkt, last_pkt;
    cap_input_status st;
    uint64_t last_good;
} result;

static void on_finished(void *u, const cap_tftp_transfer *t, cap_tftp_status st)
{
    result *r = u;
    r->finished++;
    if (st == CAP_TFTP_COMPLETE) {
        r->complete++;
        r->len = t->len;
        r->identical = t->len == FLEN && memcmp(t->data, file, FLEN) == 0;
        r->first_pkt = t->first.pkt_no;
        r->last_pkt = t->last.pkt_no;
    }
}

static result scan(const char *path)
{
    result r = {0};
    char err[256];
    cap_input *in = cap_input_open(path, path, err, sizeof err);
    if (!in) {
        r.st = (cap_input_status)-1;
        return r;
    }
    cap_decoder *d = cap_decoder_new(NULL);
    cap_tftp_callbacks cb = {.user = &r, .on_finished = on_finished};
    cap_tftp *t = cap_tftp_new(NULL, &cb);
    cap_frame f;
    cap_pkt p;
    while (cap_input_next(in, &f)) {
        r.frames++;
        if (f.where.pkt_no != (uint64_t)r.frames)
            r.frames = -1000;
        if (cap_decode_frame(d, &f, &p) == CAP_DECODE_PKT)
            cap_tftp_packet(t, &p);
    }
    cap_tftp_finish(t);
    const char *msg;
    r.st = cap_input_status_get(in, &r.last_good, &msg);
    cap_tftp_free(t);
    cap_decoder_free(d);
    cap_input_close(in);
    return r;
}

static void add_frame(FILE *fp, const bb *b)
{
    nframes++;
    pcap_record(fp, 1700000000u + (uint32_t)nframes, 1000u * (uint32_t)nframes, b->b,
                (uint32_t)b->n, (uint32_t)b->n);
}

/* One UDP datagram, cut into IPv4 fragments of at most 1480 bytes. */
static void add_udp_fragmented(FILE *fp, cap_addr s, uint16_t sp, cap_addr d, uint16_t dp,
                               const uint8_t *pl, size_t n, uint16_t id)
{
    static bb dg, b;
    dg.n = 0;
    bb_udp(&dg, sp, dp, pl, n);
    for (size_t off = 0; off < dg.n; off += 1480) {
        size_t len = dg.n - off < 1480 ? dg.n - off : 1480;
        b.n = 0;
        bb_eth(&b, 0x0800);
        bb_ipv4_hdr(&b, s, d, 17, len, id, (off + len < dg.n ? 0x2000 : 0) | (uint16_t)(off / 8));
        bb_put(&b, dg.b + off, len);
        add_frame(fp, &b);
    }
}

static void write_transfer_pcap(const char *path)
{
    cap_addr cl = v4(192, 168, 1, 50), sv = v4(192, 168, 1, 10);
    FILE *fp = pcap_create(path, DLT_EN10MB);
    static bb b, pl;
    nframes = 0;
    pl.n = 0;
    bb_be16(&pl, 1);
    bb_str(&pl, "ITLSEP001122334455.tlv");
    bb_str(&pl, "octet");
    bb_str(&pl, "blksize");
    bb_str(&pl, "4000");
    b.n = 0;
    bb_eth_udp(&b, cl, 3333, sv, 69, pl.b, pl.n);
    add_frame(fp, &b);
    pl.n = 0;
    bb_be16(&pl, 6);
    bb_str(&pl, "blksize");
    bb_str(&pl, "4000");
    b.n = 0;
    bb_eth_udp(&b, sv, 41000, cl, 3333, pl.b, pl.n);
    add_frame(fp, &b);
    for (uint16_t blk = 1; blk <= 3; blk++) {
        size_t off = (size_t)(blk - 1) * 4000, n = FLEN - off < 4000 ? FLEN - off : 4000;
        pl.n = tftp_data(pl.b, blk, file + off, n);
        add_udp_fragmented(fp, sv, 41000, cl, 3333, pl.b, pl.n, (uint16_t)(100 + blk));
        uint8_t a[4] = {0, 4, 0, (uint8_t)blk};
        b.n = 0;
        bb_eth_udp(&b, cl, 3333, sv, 41000, a, 4);
        add_frame(fp, &b);
    }
    fclose(fp);
}

static size_t read_all(const char *path, uint8_t **out)
{
    FILE *fp = fopen(path, "rb");
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    *out = malloc((size_t)n);
    size_t got = fread(*out, 1, (size_t)n, fp);
    fclose(fp);
    return got;
}

static void write_bytes(const char *path, const uint8_t *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(b, 1, n, fp);
    fclose(fp);
}

static void check_whole(const result *r, const char *what)
{
    printf("%s: frames %d complete %d status %d\n", what, r->frames, r->complete, (int)r->st);
    CHECK_EQ_INT(r->frames, nframes);
    CHECK_EQ_INT(r->complete, 1);
    CHECK(r->identical);
    CHECK_EQ_INT(r->first_pkt, 1);
    CHECK_EQ_INT(r->last_pkt, nframes - 1); /* the last DATA fragment; the final ACK follows */
    CHECK_EQ_INT(r->st, CAP_INPUT_OK);
}

static void test_formats(void)
{
    char pcap[128], ng[128], gz[128], cmd[400];
    snprintf(pcap, sizeof pcap, "%s/a.pcap", dir);
    write_transfer_pcap(pcap);
    CHECK_EQ_INT(nframes, 2 + (3 + 1) + (3 + 1) + (1 + 1)); /* RRQ OACK, then DATA frags + ACK */
    result r = scan(pcap);
    check_whole(&r, "pcap");

    /* pcapng written by editcap from our pcap */
    snprintf(ng, sizeof ng, "%s/b.pcapng", dir);
    snprintf(cmd, sizeof cmd, "editcap -F pcapng '%s' '%s' 2>/dev/null", pcap, ng);
    CHECK_EQ_INT(system(cmd), 0);
    uint8_t *bytes;
    size_t n = read_all(ng, &bytes);
    CHECK(n > 4 && bytes[0] == 0x0a && bytes[1] == 0x0d); /* SHB */
    free(bytes);
    r = scan(ng);
    check_whole(&r, "pcapng");

    /* gzip, named without .gz: detected by magic */
    snprintf(gz, sizeof gz, "%s/c.cap", dir);
    n = read_all(pcap, &bytes);
    gzFile g = gzopen(gz, "wb");
    gzwrite(g, bytes, (unsigned)n);
    gzclose(g);
    r = scan(gz);
    check_whole(&r, "gzip");

    /* stdin */
    int saved = dup(STDIN_FILENO);
    int fd = open(gz, O_RDONLY);
    dup2(fd, STDIN_FILENO);
    close(fd);
    r = scan("-");
    check_whole(&r, "stdin");
    dup2(saved, STDIN_FILENO);
    close(saved);

    /* cut 10 bytes before the end: the last frame (an ACK) is lost, mid-record */
    char cut[128];
    snprintf(cut, sizeof cut, "%s/d.pcap", dir);
    write_bytes(cut, bytes, n - 10);
    r = scan(cut);
    CHECK_EQ_INT(r.st, CAP_INPUT_TRUNCATED);
    CHECK_EQ_INT(r.last_good, nframes - 1);
    CHECK_EQ_INT(r.frames, nframes - 1);
    CHECK_EQ_INT(r.complete, 1);

    /* gzip stream cut in the middle */
    uint8_t *gzb;
    size_t gn = read_all(gz, &gzb);
    write_bytes(cut, gzb, gn / 2);
    r = scan(cut);
    CHECK_EQ_INT(r.st, CAP_INPUT_TRUNCATED);
    CHECK(r.last_good < (uint64_t)nframes);
    CHECK_EQ_INT(r.complete, 0);
    CHECK_EQ_INT(r.finished, 1); /* still reported, as incomplete */
    free(gzb);

    /* corrupt record header: frame 3 claims a 2 GB capture length */
    size_t off = 24;
    for (int i = 0; i < 2; i++) {
        uint32_t caplen;
        memcpy(&caplen, bytes + off + 8, 4);
        off += 16 + caplen;
    }
    uint32_t huge = 0x7ffffff0u;
    memcpy(bytes + off + 8, &huge, 4);
    write_bytes(cut, bytes, n);
    r = scan(cut);
    CHECK_EQ_INT(r.st, CAP_INPUT_CORRUPT);
    CHECK_EQ_INT(r.last_good, 2);
    free(bytes);

    /* not a capture at all */
    write_bytes(cut, (const uint8_t *)"hello world, not a pcap", 23);
    char err[256] = "";
    CHECK(cap_input_open(cut, "x", err, sizeof err) == NULL);
    CHECK(strstr(err, "d.pcap") != NULL);
    CHECK(cap_input_open("/nonexistent/x.pcap", "x", err, sizeof err) == NULL);
}

static void test_paths(void)
{
    char p[160];
    snprintf(p, sizeof p, "%s/tree", dir);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/tree/sub", dir);
    mkdir(p, 0700);
    /* Captures are told by their magic number (pcap, pcapng), not their name: the notes are
     * skipped and counted. */
    const char *names[] = {"tree/z.pcap", "tree/a.pcap", "tree/sub/m.pcap", "tree/notes.pcap"};
    static const uint8_t pcap_magic[] = {0xd4, 0xc3, 0xb2, 0xa1, 0},
                         ng_magic[] = {10, 13, 13, 10, 0};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        write_bytes(p, i == 3 ? (const uint8_t *)"notes" : i == 2 ? ng_magic : pcap_magic, 5);
    }
    char tree[128];
    snprintf(tree, sizeof tree, "%s/tree/", dir); /* the trailing '/' gives no "//" */
    const char *in[] = {"-", tree, "/nonexistent"};
    cap_paths ps;
    CHECK_EQ_INT(cap_paths_expand(in, 3, &ps), 0);
    CHECK_EQ_INT(ps.count, 5);
    CHECK_EQ_INT(ps.skipped, 1);
    CHECK(ps.empty_dir == NULL);
    for (size_t i = 0; i < ps.count; i++)
        CHECK(strstr(ps.items[i], "//") == NULL);
    if (ps.count == 5) {
        CHECK_STREQ(ps.items[0], "-");
        CHECK(strstr(ps.items[1], "tree/a.pcap") != NULL);
        CHECK(strstr(ps.items[2], "tree/sub/m.pcap") != NULL);
        CHECK(strstr(ps.items[3], "tree/z.pcap") != NULL);
        CHECK_STREQ(ps.items[4], "/nonexistent");
    }
    cap_paths_free(&ps);
}

int main(void)
{
    for (size_t i = 0; i < FLEN; i++)
        file[i] = (uint8_t)(i * 37 + 11);
    snprintf(dir, sizeof dir, "/tmp/capinput-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_formats();
    test_paths();
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_STREQ(cap_input_status_name(CAP_INPUT_TRUNCATED), "truncated");
    return check_report();
}
