/* Fuzz IPv4/IPv6 parsing and fragment reassembly. Input framing, repeated:
 *   dt:u8 len:u16be packet[len]   (dt = seconds of capture time to advance)
 * Each packet is parsed; fragments go to a small reassembly context. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cap/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cap_defrag_limits lim = {.max_datagrams = 4, .max_bytes = 65535, .timeout_usec = 30000000};
    cap_defrag *d = cap_defrag_new(&lim);
    if (!d)
        return 0;
    int64_t now = 0;
    size_t pos = 0;
    while (pos + 3 <= size) {
        now += (int64_t)data[pos] * 1000000;
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        uint8_t *pkt = malloc(len ? len : 1);
        if (!pkt)
            break;
        memcpy(pkt, data + pos, len);
        pos += len;
        cap_ip ip, whole;
        /* claim a longer wire length on odd lengths to exercise the snapped path */
        if (cap_ip_parse(pkt, len, len + (len & 1) * 100, &ip) == CAP_IP_OK && ip.is_fragment &&
            cap_defrag_add(d, &ip, now, &whole) == CAP_DEFRAG_COMPLETE) {
            volatile uint8_t sink = 0;
            for (size_t i = 0; i < whole.payload_len; i++)
                sink ^= whole.payload[i];
            (void)sink;
        }
        free(pkt);
    }
    cap_defrag_flush(d);
    cap_defrag_free(d);
    return 0;
}
