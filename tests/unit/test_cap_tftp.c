/* TFTP tracker: transfers fed as cap_pkt, checking the rebuilt bytes and every counter. */
#include "cap/tftp.h"
#include "cap_build.h"
#include "check.h"

#define MAX_DONE 16

typedef struct done {
    cap_tftp_transfer t; /* copy; data/filename pointers replaced below */
    cap_tftp_status st;
    char name[64];
    uint8_t *data;
    size_t len;
} done;

typedef struct rec {
    done d[MAX_DONE];
    int n, requests;
    bool decline;
    cap_tftp *trk;
} rec;

static bool on_request(void *u, const cap_tftp_transfer *t)
{
    rec *r = u;
    r->requests++;
    (void)t;
    return !r->decline;
}

static void on_finished(void *u, const cap_tftp_transfer *t, cap_tftp_status st)
{
    rec *r = u;
    if (r->n == MAX_DONE)
        return;
    done *d = &r->d[r->n++];
    d->t = *t;
    d->st = st;
    snprintf(d->name, sizeof d->name, "%s", t->filename);
    d->data = cap_tftp_take_data(r->trk, t, &d->len);
}

static void rec_free(rec *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->d[i].data);
}

static cap_addr CLIENT, SERVER;
static int64_t now_sec = 1000;
static uint64_t frame_no;

static void send_pkt(cap_tftp *t, cap_addr s, uint16_t sp, cap_addr d, uint16_t dp,
                     const uint8_t *pl, size_t n)
{
    cap_pkt p = {0};
    p.where.capture = "t.pcap";
    p.where.pkt_no = ++frame_no;
    p.where.ts_sec = now_sec;
    p.src = s;
    p.dst = d;
    p.sport = sp;
    p.dport = dp;
    p.ip_proto = 17;
    p.payload = pl;
    p.payload_len = n;
    cap_tftp_packet(t, &p);
}

static void rrq(cap_tftp *t, uint16_t cport, const char *name, const char *opts[], int nopt)
{
    bb b = {.n = 0};
    bb_be16(&b, 1);
    bb_str(&b, name);
    bb_str(&b, "octet");
    for (int i = 0; i < nopt; i++)
        bb_str(&b, opts[i]);
    send_pkt(t, CLIENT, cport, SERVER, 69, b.b, b.n);
}

static uint8_t file[600000];

/* DATA block `wire` from the server port, carrying file bytes of absolute block abs. */
static void data(cap_tftp *t, uint16_t sport, uint16_t cport, uint16_t wire, uint64_t abs,
                 size_t blksize, size_t flen)
{
    static uint8_t pkt[70000];
    size_t off = (size_t)(abs - 1) * blksize;
    size_t n = off >= flen ? 0 : (flen - off < blksize ? flen - off : blksize);
    size_t len = tftp_data(pkt, wire, file + off, n);
    send_pkt(t, SERVER, sport, CLIENT, cport, pkt, len);
}

static void ack(cap_tftp *t, uint16_t sport, uint16_t cport, uint16_t block)
{
    uint8_t a[4] = {0, 4, (uint8_t)(block >> 8), (uint8_t)block};
    send_pkt(t, CLIENT, cport, SERVER, sport, a, 4);
}

static cap_tftp *tracker(rec *r, const cap_tftp_limits *lim)
{
    memset(r, 0, sizeof *r);
    cap_tftp_callbacks cb = {r, on_request, on_finished};
    r->trk = cap_tftp_new(lim, &cb);
    return r->trk;
}

static void test_simple_and_reordered(void)
{
    rec r;
    cap_tftp *t = tracker(&r, NULL);
    size_t flen = 1300; /* 512 + 512 + 276 */
    rrq(t, 2000, "ITLSEP001122334455.tlv", NULL, 0);
    rrq(t, 2000, "ITLSEP001122334455.tlv", NULL, 0); /* client retry */
    data(t, 50001, 2000, 1, 1, 512, flen);
    ack(t, 50001, 2000, 1);
    data(t, 50001, 2000, 3, 3, 512, flen); /* 3 before 2 */
    data(t, 50001, 2000, 1, 1, 512, flen); /* retransmitted 1 */
    data(t, 50002, 2000, 2, 2, 512, flen); /* wrong server port: not ours */
    CHECK_EQ_INT(r.n, 0);
    data(t, 50001, 2000, 2, 2, 512, flen);
    CHECK_EQ_INT(r.n, 1);
    done *d = &r.d[0];
    CHECK_EQ_INT(d->st, CAP_TFTP_COMPLETE);
    CHECK(d->t.complete);
    CHECK_STREQ(d->name, "ITLSEP001122334455.tlv");
    CHECK_STREQ(d->t.mode, "octet");
    CHECK_EQ_INT(d->len, flen);
    CHECK(d->data && memcmp(d->data, file, flen) == 0);
    CHECK_EQ_INT(d->t.dup_blocks, 1);
    CHECK_EQ_INT(d->t.out_of_order, 1);
    CHECK_EQ_INT(d->t.dup_requests, 1);
    CHECK_EQ_INT(d->t.server_port, 50001);
    CHECK_EQ_INT(d->t.client_port, 2000);
    CHECK_EQ_INT(d->t.first.pkt_no, frame_no - 7);
    CHECK_EQ_INT(d->t.last.pkt_no, frame_no);
    CHECK_EQ_INT(d->t.n_missing, 0);
    CHECK_EQ_INT(r.requests, 1);
    cap_tftp_finish(t);
    CHECK_EQ_INT(r.n, 1);
    cap_tftp_free(t);
    rec_free(&r);
}

static void test_oack_zero_length_last_and_dropped(void)
{
    rec r;
    cap_tftp *t = tracker(&r, NULL);
    const char *opts[] = {"blksize", "1428", "tsize", "0"};
    /* 2856 bytes = exactly 2 blocks of 1428: a zero-length block 3 ends it */
    rrq(t, 2001, "ITLFile.tlv", opts, 4);
    bb o = {.n = 0};
    bb_be16(&o, 6);
    bb_str(&o, "blksize");
    bb_str(&o, "1428");
    bb_str(&o, "tsize");
    bb_str(&o, "2856");
    send_pkt(t, SERVER, 50010, CLIENT, 2001, o.b, o.n);
    ack(t, 50010, 2001, 0);
    data(t, 50010, 2001, 1, 1, 1428, 2856);
    data(t, 50010, 2001, 2, 2, 1428, 2856);
    data(t, 50010, 2001, 3, 3, 1428, 2856);
    CHECK_EQ_INT(r.n, 1);
    CHECK_EQ_INT(r.d[0].st, CAP_TFTP_COMPLETE);
    CHECK_EQ_INT(r.d[0].len, 2856);
    CHECK(memcmp(r.d[0].data, file, 2856) == 0);
    CHECK_EQ_INT(r.d[0].t.blksize, 1428);
    CHECK_EQ_INT(r.d[0].t.tsize, 2856);
    CHECK(r.d[0].t.oack);
    CHECK_EQ_INT(r.d[0].t.n_req_options, 2);
    CHECK_STREQ(r.d[0].t.req_options[0].name, "blksize");
    CHECK_STREQ(r.d[0].t.req_options[1].value, "0");

    /* dropped blocks 2 and 4..5 of 7, then the capture ends */
    rrq(t, 2002, "SEP001122334455.cnf.xml.sgn", NULL, 0);
    size_t flen = 6 * 512 + 100;
    for (uint16_t b = 1; b <= 7; b++)
        if (b != 2 && b != 4 && b != 5)
            data(t, 50011, 2002, b, b, 512, flen);
    cap_tftp_finish(t);
    CHECK_EQ_INT(r.n, 2);
    done *d = &r.d[1];
    CHECK_EQ_INT(d->st, CAP_TFTP_INCOMPLETE);
    CHECK(!d->t.complete);
    CHECK_EQ_INT(d->t.n_missing, 2);
    CHECK_EQ_INT(d->t.missing[0].first, 2);
    CHECK_EQ_INT(d->t.missing[0].last, 2);
    CHECK_EQ_INT(d->t.missing[1].first, 4);
    CHECK_EQ_INT(d->t.missing[1].last, 5);
    CHECK_EQ_INT(d->t.missing_blocks, 3);
    CHECK(!d->t.tail_missing);
    CHECK_EQ_INT(d->t.last_block, 7);
    cap_tftp_free(t);
    rec_free(&r);
}

/* 65536+ blocks of 8 bytes: the block number wraps; wrap_to selects 65535 -> 0 or -> 1. */
static void run_wrap(int wrap_to)
{
    rec r;
    cap_tftp *t = tracker(&r, NULL);
    const char *opts[] = {"blksize", "8"};
    uint64_t nblocks = 65536 + 40; /* last one short */
    size_t flen = (size_t)(nblocks - 1) * 8 + 5;
    rrq(t, 2100, "big.bin", opts, 2);
    bb o = {.n = 0};
    bb_be16(&o, 6);
    bb_str(&o, "blksize");
    bb_str(&o, "8");
    send_pkt(t, SERVER, 50100, CLIENT, 2100, o.b, o.n);
    for (uint64_t abs = 1; abs <= nblocks; abs++) {
        uint16_t wire =
            abs <= 65535 ? (uint16_t)abs : (uint16_t)(wrap_to == 0 ? abs - 65536 : abs - 65535);
        data(t, 50100, 2100, wire, abs, 8, flen);
        if (abs == 65540) /* a late duplicate from before the wrap */
            data(t, 50100, 2100, 65530, 65530, 8, flen);
    }
    CHECK_EQ_INT(r.n, 1);
    CHECK_EQ_INT(r.d[0].st, CAP_TFTP_COMPLETE);
    CHECK_EQ_INT(r.d[0].len, flen);
    CHECK(r.d[0].data && memcmp(r.d[0].data, file, flen) == 0);
    CHECK_EQ_INT(r.d[0].t.wrap_to_one, wrap_to == 1);
    CHECK_EQ_INT(r.d[0].t.dup_blocks, 1);
    CHECK_EQ_INT(r.d[0].t.blocks, nblocks);
    cap_tftp_free(t);
    rec_free(&r);
}

static void test_error_and_no_data(void)
{
    rec r;
    cap_tftp *t = tracker(&r, NULL);
    rrq(t, 2200, "CTLSEP001122334455.tlv", NULL, 0);
    bb e = {.n = 0};
    bb_be16(&e, 5);
    bb_be16(&e, 1);
    bb_str(&e, "File not found");
    send_pkt(t, SERVER, 50200, CLIENT, 2200, e.b, e.n);
    CHECK_EQ_INT(r.n, 1);
    CHECK_EQ_INT(r.d[0].st, CAP_TFTP_ERROR);
    CHECK(r.d[0].t.has_error);
    CHECK(!r.d[0].t.error_from_client);
    CHECK_EQ_INT(r.d[0].t.error_code, 1);
    CHECK_STREQ(r.d[0].t.error_msg, "File not found");
    CHECK_EQ_INT(r.d[0].t.server_port, 50200);

    /* a request nobody answers is still reported by name; the same name again from another
     * port is its own transfer */
    rrq(t, 2201, "ITLFile.tlv", NULL, 0);
    rrq(t, 2202, "ITLFile.tlv", NULL, 0);
    cap_tftp_finish(t);
    CHECK_EQ_INT(r.n, 3);
    CHECK_STREQ(r.d[1].name, "ITLFile.tlv");
    CHECK_EQ_INT(r.d[1].st, CAP_TFTP_INCOMPLETE);
    CHECK_EQ_INT(r.d[1].t.server_port, 0);
    CHECK(r.d[1].t.tail_missing);
    CHECK_EQ_INT(r.d[1].t.blocks, 0);
    CHECK_EQ_INT(r.d[2].t.client_port, 2202);
    CHECK(r.d[1].t.id != r.d[2].t.id);
    cap_tftp_free(t);
    rec_free(&r);
}

static void test_limits_idle_and_wrq(void)
{
    rec r;
    cap_tftp_limits lim = {.max_transfers = 2, .max_bytes = 1024, .idle_timeout_usec = 5000000};
    cap_tftp *t = tracker(&r, &lim);
    rrq(t, 2300, "a", NULL, 0);
    rrq(t, 2301, "b", NULL, 0);
    rrq(t, 2302, "c", NULL, 0); /* evicts a */
    CHECK_EQ_INT(r.n, 1);
    CHECK_STREQ(r.d[0].name, "a");
    CHECK_EQ_INT(r.d[0].st, CAP_TFTP_EVICTED);
    /* c grows past 1024 bytes */
    data(t, 50300, 2302, 1, 1, 512, 5000);
    data(t, 50300, 2302, 2, 2, 512, 5000);
    data(t, 50300, 2302, 3, 3, 512, 5000);
    CHECK_EQ_INT(r.n, 2);
    CHECK_STREQ(r.d[1].name, "c");
    CHECK_EQ_INT(r.d[1].st, CAP_TFTP_TOO_LARGE);
    /* b goes idle: 10 s later any packet expires it */
    now_sec += 10;
    rrq(t, 2303, "d", NULL, 0);
    CHECK_EQ_INT(r.n, 3);
    CHECK_STREQ(r.d[2].name, "b");
    CHECK_EQ_INT(r.d[2].st, CAP_TFTP_IDLE);
    cap_tftp_free(t); /* d dropped without callback */
    CHECK_EQ_INT(r.n, 3);
    rec_free(&r);

    /* WRQ: the client sends the data after the server's ACK 0 */
    t = tracker(&r, NULL);
    bb w = {.n = 0};
    bb_be16(&w, 2);
    bb_str(&w, "upload.txt");
    bb_str(&w, "octet");
    bb_str(&w, "tsize");
    bb_str(&w, "600");
    send_pkt(t, CLIENT, 2400, SERVER, 69, w.b, w.n);
    uint8_t a0[4] = {0, 4, 0, 0};
    send_pkt(t, SERVER, 50400, CLIENT, 2400, a0, 4);
    uint8_t pkt[1024];
    size_t n = tftp_data(pkt, 1, file, 512);
    send_pkt(t, CLIENT, 2400, SERVER, 50400, pkt, n);
    n = tftp_data(pkt, 2, file + 512, 88);
    send_pkt(t, CLIENT, 2400, SERVER, 50400, pkt, n);
    CHECK_EQ_INT(r.n, 1);
    CHECK_EQ_INT(r.d[0].st, CAP_TFTP_COMPLETE);
    CHECK_EQ_INT(r.d[0].t.opcode, 2);
    CHECK_EQ_INT(r.d[0].t.tsize, 600);
    CHECK_EQ_INT(r.d[0].len, 600);
    CHECK(memcmp(r.d[0].data, file, 600) == 0);
    cap_tftp_free(t);
    rec_free(&r);
}

static void test_declined_data_and_conflict(void)
{
    rec r;
    cap_tftp *t = tracker(&r, NULL);
    r.decline = true;
    rrq(t, 2500, "firmware.loads", NULL, 0);
    data(t, 50500, 2500, 1, 1, 512, 700);
    uint8_t pkt[1024];
    size_t n = tftp_data(pkt, 1, file + 1, 512); /* same block, other bytes: length only */
    send_pkt(t, SERVER, 50500, CLIENT, 2500, pkt, n);
    data(t, 50500, 2500, 2, 2, 512, 700);
    CHECK_EQ_INT(r.n, 1);
    CHECK_EQ_INT(r.d[0].st, CAP_TFTP_COMPLETE);
    CHECK(r.d[0].data == NULL);
    CHECK_EQ_INT(r.d[0].t.len, 700);
    CHECK_EQ_INT(r.d[0].t.dup_blocks, 1); /* without data only lengths can be compared */
    cap_tftp_free(t);
    rec_free(&r);

    t = tracker(&r, NULL);
    rrq(t, 2501, "x", NULL, 0);
    data(t, 50501, 2501, 1, 1, 512, 700);
    send_pkt(t, SERVER, 50501, CLIENT, 2501, pkt, n); /* conflicting copy of block 1 */
    n = tftp_data(pkt, 9, file, 600);                 /* longer than blksize: ignored */
    send_pkt(t, SERVER, 50501, CLIENT, 2501, pkt, n);
    data(t, 50501, 2501, 2, 2, 512, 700);
    CHECK_EQ_INT(r.n, 1);
    CHECK_EQ_INT(r.d[0].t.conflict_blocks, 1);
    CHECK_EQ_INT(r.d[0].t.bad_packets, 1);
    CHECK(memcmp(r.d[0].data, file, 700) == 0); /* first copy kept */
    cap_tftp_free(t);
    rec_free(&r);
}

/* The end never came: tsize says 6 blocks, blocks 1 and 3 arrived. */
static void test_tail_missing_by_tsize(void)
{
    rec r;
    cap_tftp *t = tracker(&r, NULL);
    const char *opts[] = {"tsize", "0"};
    rrq(t, 2600, "t.tlv", opts, 2);
    bb o = {.n = 0};
    bb_be16(&o, 6);
    bb_str(&o, "tsize");
    bb_str(&o, "3000");
    send_pkt(t, SERVER, 50600, CLIENT, 2600, o.b, o.n);
    data(t, 50600, 2600, 1, 1, 512, 3000);
    data(t, 50600, 2600, 3, 3, 512, 3000);
    cap_tftp_finish(t);
    CHECK_EQ_INT(r.n, 1);
    CHECK(r.d[0].t.tail_missing);
    CHECK_EQ_INT(r.d[0].t.n_missing, 2);
    CHECK_EQ_INT(r.d[0].t.missing[0].first, 2);
    CHECK_EQ_INT(r.d[0].t.missing[0].last, 2);
    CHECK_EQ_INT(r.d[0].t.missing[1].first, 4);
    CHECK_EQ_INT(r.d[0].t.missing[1].last, 6);
    CHECK_EQ_INT(r.d[0].t.missing_blocks, 4);
    CHECK_EQ_INT(r.d[0].len, 3 * 512);
    cap_tftp_free(t);
    rec_free(&r);
}

/* Clients on different addresses with the same port: the tracker's shortcut for a port with one
 * transfer must hand each packet to its own transfer, while two share the port, after one of
 * them ends, and for the next client on that port. */
static void xfer_from(cap_tftp *t, cap_addr c, uint16_t sport, uint16_t wire, size_t at, size_t n)
{
    static uint8_t pkt[2000];
    send_pkt(t, SERVER, sport, c, 2000, pkt, tftp_data(pkt, wire, file + at, n));
}

static void rrq_from(cap_tftp *t, cap_addr c, const char *name)
{
    bb b = {.n = 0};
    bb_be16(&b, 1);
    bb_str(&b, name);
    bb_str(&b, "octet");
    send_pkt(t, c, 2000, SERVER, 69, b.b, b.n);
}

static void test_shared_client_port(void)
{
    rec r;
    cap_tftp *t = tracker(&r, NULL);
    cap_addr a = v4(10, 1, 1, 60), b = v4(10, 1, 1, 61), c = v4(10, 1, 1, 62);
    rrq_from(t, a, "a.tlv");
    rrq_from(t, b, "b.tlv");
    xfer_from(t, a, 40001, 1, 0, 512);
    xfer_from(t, b, 40002, 1, 5000, 512);
    xfer_from(t, a, 40001, 2, 512, 100); /* a ends; b is alone on the port now */
    xfer_from(t, c, 40001, 2, 512, 100); /* to c, who asked for nothing */
    xfer_from(t, b, 40002, 2, 5512, 200);
    rrq_from(t, c, "c.tlv");
    xfer_from(t, a, 40003, 1, 9000, 100); /* to a, whose transfer is over */
    xfer_from(t, c, 40003, 1, 7000, 300);
    CHECK_EQ_INT(r.n, 3);
    const char *names[] = {"a.tlv", "b.tlv", "c.tlv"};
    size_t at[] = {0, 5000, 7000}, len[] = {612, 712, 300};
    for (int i = 0; i < 3 && i < r.n; i++) {
        CHECK_STREQ(r.d[i].name, names[i]);
        CHECK_EQ_INT(r.d[i].st, CAP_TFTP_COMPLETE);
        CHECK_EQ_INT(r.d[i].len, len[i]);
        CHECK(r.d[i].data && memcmp(r.d[i].data, file + at[i], len[i]) == 0);
        CHECK_EQ_INT(r.d[i].t.bad_packets, 0);
    }
    cap_tftp_free(t);
    rec_free(&r);
}

int main(void)
{
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 131 + (i >> 9));
    CLIENT = v4(10, 1, 1, 50);
    SERVER = v4(10, 0, 0, 10);
    test_simple_and_reordered();
    test_oack_zero_length_last_and_dropped();
    run_wrap(0);
    run_wrap(1);
    test_error_and_no_data();
    test_limits_idle_and_wrq();
    test_declined_data_and_conflict();
    test_tail_missing_by_tsize();
    test_shared_client_port();
    /* IPv6 endpoints behave the same */
    CLIENT = v6last(0x50);
    SERVER = v6last(0x10);
    test_simple_and_reordered();
    return check_report();
}
