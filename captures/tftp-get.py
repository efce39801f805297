#!/usr/bin/env python3
"""tftp-get.py SERVER NAME OUT [OPTION=VALUE...]: a lock-step TFTP read (RFC 1350, options RFC 2347)
that asks for any option, "rollover" included, which neither tftp-hpa's nor atftp's client sends.
make-captures.sh uses it as the phone for transfers past block 65535. It acknowledges every block
(the wire number as received), follows the block number through a rollover to 0 or to 1, and
retransmits its last packet after 1 s of silence, five times at most. Exit 0: file complete."""
import socket
import sys


def main():
    server, name, out = sys.argv[1], sys.argv[2], sys.argv[3]
    opts = [a.split("=", 1) for a in sys.argv[4:]]
    blksize = 512
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    rrq = b"\x00\x01" + name.encode() + b"\x00octet\x00"
    rrq += b"".join(k.encode() + b"\x00" + v.encode() + b"\x00" for k, v in opts)
    last, peer, dest = rrq, None, (server, 69)
    nxt, data, tries = 1, bytearray(), 0
    s.sendto(last, dest)
    while True:
        try:
            pkt, addr = s.recvfrom(70000)
        except socket.timeout:
            tries += 1
            if tries > 5:
                return 1
            s.sendto(last, dest)
            continue
        if peer is None:
            peer = dest = addr
        if addr != peer or len(pkt) < 4:
            continue
        tries = 0
        op = int.from_bytes(pkt[:2], "big")
        if op == 5:
            return 1
        if op == 6:  # OACK: take the block size, acknowledge with block 0
            f = pkt[2:].split(b"\x00")
            acked = dict(zip(f[0::2], f[1::2]))
            blksize = int(acked.get(b"blksize", b"512"))
            last = b"\x00\x04\x00\x00"
        elif op == 3:
            wire = int.from_bytes(pkt[2:4], "big")
            if wire == nxt or (nxt == 0 and wire == 1):  # past 65535: 0, or 1 after a rollover 1
                data += pkt[4:]
                nxt = (wire + 1) & 0xFFFF
                if len(pkt) - 4 < blksize:
                    s.sendto(b"\x00\x04" + pkt[2:4], dest)
                    open(out, "wb").write(data)
                    return 0
            last = b"\x00\x04" + pkt[2:4]
            s.sendto(last, dest)
            continue
        s.sendto(last, dest)


if __name__ == "__main__":
    sys.exit(main())
