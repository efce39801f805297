/* Link layer: every supported link type finds the IP header; VLAN stacks; refusals. */
#include <pcap/dlt.h>

#include "cap/link.h"
#include "cap_build.h"
#include "check.h"

static const uint8_t ip4_min[20] = {0x45, 0, 0, 20};
static const uint8_t ip6_min[40] = {0x60};

static void test_ethernet_and_vlans(void)
{
    cap_l3 l3;
    bb f = {.n = 0};
    bb_eth(&f, 0x0800);
    bb_put(&f, ip4_min, sizeof ip4_min);
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, f.n, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.kind, CAP_L3_IPV4);
    CHECK_EQ_INT(l3.offset, 14);
    CHECK_EQ_INT(l3.n_vlans, 0);

    /* QinQ: 802.1ad outer tag 100, 802.1Q inner tag 200, then IPv6 */
    f.n = 0;
    bb_eth(&f, 0x88a8);
    bb_be16(&f, 0x2000 | 100);
    bb_be16(&f, 0x8100);
    bb_be16(&f, 200);
    bb_be16(&f, 0x86dd);
    bb_put(&f, ip6_min, sizeof ip6_min);
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, f.n, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.kind, CAP_L3_IPV6);
    CHECK_EQ_INT(l3.offset, 22);
    CHECK_EQ_INT(l3.n_vlans, 2);
    CHECK_EQ_INT(l3.vlan[0], 100);
    CHECK_EQ_INT(l3.vlan[1], 200);

    /* old-style 0x9100 outer tag */
    f.n = 0;
    bb_eth(&f, 0x9100);
    bb_be16(&f, 7);
    bb_be16(&f, 0x0800);
    bb_put(&f, ip4_min, sizeof ip4_min);
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, f.n, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.offset, 18);
    CHECK_EQ_INT(l3.vlan[0], 7);

    /* five stacked tags are refused, not walked */
    f.n = 0;
    bb_eth(&f, 0x8100);
    for (int i = 0; i < 5; i++) {
        bb_be16(&f, (unsigned)i);
        bb_be16(&f, 0x8100);
    }
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, f.n, &l3), CAP_LINK_NOT_IP);

    /* tag cut short, ARP, ethertype/version mismatch */
    f.n = 0;
    bb_eth(&f, 0x8100);
    bb_be16(&f, 1);
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, f.n, &l3), CAP_LINK_SHORT);
    f.n = 0;
    bb_eth(&f, 0x0806);
    bb_put(&f, ip4_min, sizeof ip4_min);
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, f.n, &l3), CAP_LINK_NOT_IP);
    f.n = 0;
    bb_eth(&f, 0x0800);
    bb_put(&f, ip6_min, sizeof ip6_min);
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, f.n, &l3), CAP_LINK_NOT_IP);
    CHECK_EQ_INT(cap_link_decode(DLT_EN10MB, f.b, 13, &l3), CAP_LINK_SHORT);
}

static void test_linux_cooked(void)
{
    cap_l3 l3;
    bb f = {.n = 0};
    /* SLL: pkttype, arphrd, halen, addr[8], protocol */
    bb_be16(&f, 0);
    bb_be16(&f, 1);
    bb_be16(&f, 6);
    bb_put(&f, "\1\2\3\4\5\6\0\0", 8);
    bb_be16(&f, 0x0800);
    bb_put(&f, ip4_min, sizeof ip4_min);
    CHECK_EQ_INT(cap_link_decode(DLT_LINUX_SLL, f.b, f.n, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.offset, 16);

    /* SLL2: protocol, reserved, ifindex, arphrd, pkttype, halen, addr[8] */
    f.n = 0;
    bb_be16(&f, 0x86dd);
    bb_be16(&f, 0);
    bb_be32(&f, 3);
    bb_be16(&f, 1);
    bb_u8(&f, 4);
    bb_u8(&f, 6);
    bb_put(&f, "\1\2\3\4\5\6\0\0", 8);
    bb_put(&f, ip6_min, sizeof ip6_min);
    CHECK_EQ_INT(cap_link_decode(276, f.b, f.n, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.kind, CAP_L3_IPV6);
    CHECK_EQ_INT(l3.offset, 20);
    CHECK_EQ_INT(cap_link_decode(276, f.b, 19, &l3), CAP_LINK_SHORT);
}

static void test_raw_and_null(void)
{
    cap_l3 l3;
    CHECK_EQ_INT(cap_link_decode(DLT_RAW, ip6_min, sizeof ip6_min, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.kind, CAP_L3_IPV6);
    CHECK_EQ_INT(l3.offset, 0);
    CHECK_EQ_INT(cap_link_decode(228, ip4_min, sizeof ip4_min, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(cap_link_decode(101, ip4_min, sizeof ip4_min, &l3), CAP_LINK_OK);

    bb f = {.n = 0};
    bb_put(&f, "\x02\0\0\0", 4); /* AF_INET, little-endian host */
    bb_put(&f, ip4_min, sizeof ip4_min);
    CHECK_EQ_INT(cap_link_decode(DLT_NULL, f.b, f.n, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.offset, 4);
    f.n = 0;
    bb_put(&f, "\0\0\0\x1e", 4); /* AF_INET6 on Darwin, big-endian */
    bb_put(&f, ip6_min, sizeof ip6_min);
    CHECK_EQ_INT(cap_link_decode(DLT_NULL, f.b, f.n, &l3), CAP_LINK_OK);
    CHECK_EQ_INT(l3.kind, CAP_L3_IPV6);
    CHECK_EQ_INT(cap_link_decode(DLT_LOOP, f.b, f.n, &l3), CAP_LINK_OK);
    f.b[3] = 7; /* AF 7: not IP */
    CHECK_EQ_INT(cap_link_decode(DLT_LOOP, f.b, f.n, &l3), CAP_LINK_NOT_IP);
    CHECK_EQ_INT(cap_link_decode(DLT_NULL, f.b, 3, &l3), CAP_LINK_SHORT);

    CHECK_EQ_INT(cap_link_decode(147 /* DLT_USER0 */, f.b, f.n, &l3), CAP_LINK_UNKNOWN);
    CHECK(!cap_link_supported(147));
    CHECK(cap_link_supported(DLT_EN10MB));
}

int main(void)
{
    test_ethernet_and_vlans();
    test_linux_cooked();
    test_raw_and_null();
    return check_report();
}
