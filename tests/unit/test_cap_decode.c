/* Frame -> cap_pkt across link types, VLANs, IPv6, TCP, fragments and snapped frames. */
#include <pcap/dlt.h>

#include "cap/decode.h"
#include "cap_build.h"
#include "check.h"

static int notices[8];

static void on_notice(void *user, const cap_where *w, cap_notice kind, const char *msg)
{
    (void)user;
    (void)w;
    (void)msg;
    notices[kind]++;
}

static cap_frame frame(int dlt, const bb *b, uint64_t no)
{
    cap_frame f = {.where = {"d.pcap", no, 100, 0}, .linktype = dlt, .data = b->b};
    f.caplen = f.len = (uint32_t)b->n;
    return f;
}

static void test_udp_vlan_v4(void)
{
    cap_decoder *d = cap_decoder_new(NULL);
    bb b = {.n = 0};
    bb_eth(&b, 0x8100);
    bb_be16(&b, 42);
    bb_be16(&b, 0x0800);
    bb_ipv4_udp(&b, v4(10, 0, 0, 1), 3000, v4(10, 0, 0, 2), 69, "\0\1a\0octet\0", 10);
    bb_put(&b, "\0\0\0\0", 4); /* trailer */
    cap_frame f = frame(DLT_EN10MB, &b, 1);
    cap_pkt p;
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_PKT);
    CHECK_EQ_INT(p.ip_proto, 17);
    CHECK_EQ_INT(p.sport, 3000);
    CHECK_EQ_INT(p.dport, 69);
    CHECK_EQ_INT(p.payload_len, 10);
    CHECK(memcmp(p.payload, "\0\1a\0octet\0", 10) == 0);
    CHECK(!p.truncated);
    CHECK_EQ_INT(p.where.pkt_no, 1);
    CHECK_STREQ(p.where.capture, "d.pcap");
    /* snapped after 3 payload bytes */
    f.caplen = (uint32_t)(b.n - 4 - 7);
    f.len = (uint32_t)b.n;
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_PKT);
    CHECK(p.truncated);
    CHECK_EQ_INT(p.payload_len, 3);
    /* cut inside the UDP header */
    f.caplen = 18 + 20 + 4;
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_NONE);
    CHECK_EQ_INT(cap_decoder_stats(d)->short_frames, 1);
    CHECK_EQ_INT(cap_decoder_stats(d)->truncated_pkts, 1);
    cap_decoder_free(d);
}

static void test_sll2_v6_and_tcp(void)
{
    cap_decoder *d = cap_decoder_new(NULL);
    bb b = {.n = 0};
    bb_be16(&b, 0x86dd);
    bb_be16(&b, 0);
    bb_be32(&b, 2);
    bb_be16(&b, 772);
    bb_u8(&b, 0);
    bb_u8(&b, 0);
    bb_put(&b, "\0\0\0\0\0\0\0\0", 8);
    bb_ipv6_udp(&b, v6last(1), 4000, v6last(2), 69, "hello", 5);
    cap_frame f = frame(276, &b, 2);
    cap_pkt p;
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_PKT);
    CHECK_EQ_INT(p.src.family, 6);
    CHECK_EQ_INT(p.src.a[15], 1);
    CHECK_EQ_INT(p.sport, 4000);
    CHECK_EQ_INT(p.payload_len, 5);

    /* TCP over raw IPv4 with options: data offset 6 */
    b.n = 0;
    bb_ipv4_hdr(&b, v4(1, 2, 3, 4), v4(5, 6, 7, 8), 6, 24 + 4, 1, 0);
    bb_be16(&b, 2445);
    bb_be16(&b, 51000);
    bb_be32(&b, 0x11223344);
    bb_be32(&b, 0x55667788);
    bb_u8(&b, 0x60);
    bb_u8(&b, 0x18); /* PSH ACK */
    bb_be16(&b, 1000);
    bb_be32(&b, 0);
    bb_be32(&b, 0x01010101); /* NOPs */
    bb_put(&b, "\x57\x01\x02\x00", 4);
    f = frame(DLT_RAW, &b, 3);
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_PKT);
    CHECK_EQ_INT(p.ip_proto, 6);
    CHECK_EQ_INT(p.sport, 2445);
    CHECK_EQ_INT(p.tcp_seq, 0x11223344);
    CHECK_EQ_INT(p.tcp_ack, 0x55667788);
    CHECK_EQ_INT(p.tcp_flags, 0x18);
    CHECK_EQ_INT(p.payload_len, 4);
    CHECK_EQ_INT(p.payload[0], 0x57);
    CHECK_EQ_INT(cap_decoder_stats(d)->tcp, 1);
    CHECK_EQ_INT(cap_decoder_stats(d)->udp, 1);
    cap_decoder_free(d);
}

static void test_fragments_and_notices(void)
{
    cap_decode_config cfg = {.on_notice = on_notice};
    cap_decoder *d = cap_decoder_new(&cfg);
    static uint8_t body[3000];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)i;
    bb dg = {.n = 0};
    bb_udp(&dg, 50000, 2000, body, sizeof body);
    cap_pkt p;
    /* out of order: last fragment first */
    const size_t offs[3] = {2960, 0, 1480};
    for (int i = 0; i < 3; i++) {
        size_t off = offs[i], len = dg.n - off < 1480 ? dg.n - off : 1480;
        bb b = {.n = 0};
        bb_eth(&b, 0x0800);
        bb_ipv4_hdr(&b, v4(10, 0, 0, 9), v4(10, 0, 0, 8), 17, len, 77,
                    (off + len < dg.n ? 0x2000 : 0) | (uint16_t)(off / 8));
        bb_put(&b, dg.b + off, len);
        cap_frame f = frame(DLT_EN10MB, &b, (uint64_t)(10 + i));
        cap_decode_result r = cap_decode_frame(d, &f, &p);
        CHECK_EQ_INT(r, i < 2 ? CAP_DECODE_NONE : CAP_DECODE_PKT);
    }
    CHECK_EQ_INT(p.payload_len, sizeof body);
    CHECK(memcmp(p.payload, body, sizeof body) == 0);
    CHECK_EQ_INT(p.where.pkt_no, 12);
    CHECK_EQ_INT(p.dport, 2000);
    CHECK_EQ_INT(cap_decoder_stats(d)->fragments_held, 2);

    /* unsupported link type: counted every time, told once */
    bb b = {.n = 0};
    bb_put(&b, "xxxxxxxx", 8);
    cap_frame f = frame(147, &b, 20);
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_NONE);
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_NONE);
    CHECK_EQ_INT(notices[CAP_NOTICE_UNKNOWN_LINKTYPE], 1);
    CHECK_EQ_INT(cap_decoder_stats(d)->unknown_link, 2);

    /* a lone first fragment is pending at the end: counted, and a later timeout is told */
    b.n = 0;
    bb_eth(&b, 0x0800);
    bb_ipv4_hdr(&b, v4(10, 0, 0, 9), v4(10, 0, 0, 8), 17, 16, 78, 0x2000);
    bb_put(&b, dg.b, 16);
    f = frame(DLT_EN10MB, &b, 21);
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_NONE);
    b.b[14 + 5] = 79; /* another id, 60 s later */
    f = frame(DLT_EN10MB, &b, 22);
    f.where.ts_sec += 60;
    CHECK_EQ_INT(cap_decode_frame(d, &f, &p), CAP_DECODE_NONE);
    CHECK_EQ_INT(notices[CAP_NOTICE_FRAG_TIMEOUT], 1);
    cap_decoder_finish(d);
    CHECK_EQ_INT(cap_decoder_defrag_stats(d)->pending, 1);
    CHECK_EQ_INT(cap_decoder_defrag_stats(d)->timed_out, 1);
    cap_decoder_free(d);
}

int main(void)
{
    test_udp_vlan_v4();
    test_sll2_v6_and_tcp();
    test_fragments_and_notices();
    return check_report();
}
