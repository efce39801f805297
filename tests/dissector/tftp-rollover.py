#!/usr/bin/env python3
"""tftp-rollover.py OUT ITL SGN MAC: a classic pcap of one phone reading ITLSEP<MAC>.tlv (ITL, 512-byte
blocks) and then SEP<MAC>.cnf.xml.sgn (SGN, more than 65535 blocks of 8 bytes, blksize 8 by OACK)
from a server whose block numbers roll over 65535 -> 1 (tftpd-hpa's "rollover 1"), every block
acknowledged. Wireshark's TFTP reassembly does not follow that numbering; the plugin must still see
the file whole, as pcapscan does. The packets are what tftpd-hpa and a lock-step client send."""
import struct
import sys

CLIENT, SERVER = bytes([10, 9, 0, 20]), bytes([10, 9, 0, 10])
MAC_C, MAC_S = bytes.fromhex("001122334455"), bytes.fromhex("02000a09000a")


def ip_sum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.usec, self.ipid = 1796083200 * 1000000, 0

    def udp(self, to_client, sport, dport, payload):
        src, dst = (SERVER, CLIENT) if to_client else (CLIENT, SERVER)
        self.ipid = (self.ipid + 1) & 0xFFFF
        udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), self.ipid, 0, 64, 17, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", ip_sum(ip)) + ip[12:]
        eth = (MAC_C if to_client else MAC_S) + (MAC_S if to_client else MAC_C) + b"\x08\x00"
        frame = eth + ip + udp
        self.usec += 40
        self.f.write(struct.pack("<IIII", self.usec // 1000000, self.usec % 1000000, len(frame), len(frame)))
        self.f.write(frame)


def read(cap, cport, sport, name, data, blksize, rollover):
    opts = b"" if blksize == 512 else b"blksize\x00%d\x00" % blksize
    cap.udp(False, cport, 69, b"\x00\x01" + name.encode() + b"\x00octet\x00" + opts)
    if opts:
        cap.udp(True, sport, cport, b"\x00\x06" + opts)
        cap.udp(False, cport, sport, b"\x00\x04\x00\x00")
    wire, n = 1, 0
    while True:
        chunk = data[n * blksize : (n + 1) * blksize]
        cap.udp(True, sport, cport, b"\x00\x03" + struct.pack("!H", wire) + chunk)
        cap.udp(False, cport, sport, b"\x00\x04" + struct.pack("!H", wire))
        n += 1
        if len(chunk) < blksize:
            return n
        wire = rollover if wire == 65535 else wire + 1


def main():
    out, itl, sgn, mac = sys.argv[1:5]
    cap = Pcap(out)
    read(cap, 1080, 3010, "ITLSEP%s.tlv" % mac, open(itl, "rb").read(), 512, 0)
    blocks = read(cap, 1081, 3011, "SEP%s.cnf.xml.sgn" % mac, open(sgn, "rb").read(), 8, 1)
    if blocks <= 65535:
        sys.exit("the file must take more than 65535 blocks")


if __name__ == "__main__":
    main()
