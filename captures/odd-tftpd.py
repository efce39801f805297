#!/usr/bin/env python3
"""odd-tftpd.py DIR PLAN...: a TFTP server for the behaviour real servers do not show on demand (used
by make-captures.sh inside its namespaces; it binds 0.0.0.0:69 there, nothing else).

Each PLAN is NAME=KEY:VALUE;KEY:VALUE for one file of DIR, answered from a fresh port as RFC 1350 says:
  oack:NAME/VALUE/NAME/VALUE   an OACK with exactly these option strings (written as given, odd
                               values included: " 10000", "1000"), then DATA after the client's ACK 0
  blocks:1,3,5                 the DATA blocks sent (block numbers of DIR/NAME at 512 bytes), one
                               after another without waiting for ACKs: the blocks left out stand for
                               blocks lost before the capture point
After the last block the server says nothing more, whatever the client sends (it crashed).
A request for a file without a plan is answered File not found."""
import os
import socket
import sys
import threading
import time

BLK = 512


def parse(plans):
    out = {}
    for p in plans:
        name, _, rest = p.partition("=")
        out[name] = dict(part.partition(":")[::2] for part in rest.split(";"))
    return out


def serve(sock_addr, name, plan, data):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    s.settimeout(2.0)
    if plan is None:
        s.sendto(b"\x00\x05\x00\x01File not found\x00", sock_addr)
        return
    if plan.get("oack"):
        opts = plan["oack"].split("/")
        s.sendto(b"\x00\x06" + b"".join(o.encode() + b"\x00" for o in opts), sock_addr)
        try:  # the client's ACK 0
            s.recvfrom(1024)
        except socket.timeout:
            return
    for b in [int(x) for x in plan["blocks"].split(",") if x]:
        chunk = data[(b - 1) * BLK : b * BLK]
        s.sendto(b"\x00\x03" + (b & 0xFFFF).to_bytes(2, "big") + chunk, sock_addr)
        time.sleep(0.002)  # a burst would overrun the capture
    s.close()


def main():
    d = sys.argv[1]
    plans = parse(sys.argv[2:])
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("0.0.0.0", 69))
    while True:
        pkt, addr = srv.recvfrom(2048)
        if len(pkt) < 4 or pkt[:2] != b"\x00\x01":
            continue
        name = pkt[2:].split(b"\x00", 1)[0].decode("latin-1")
        path = os.path.join(d, os.path.basename(name))
        data = open(path, "rb").read() if os.path.isfile(path) else b""
        threading.Thread(target=serve, args=(addr, name, plans.get(name), data), daemon=True).start()


if __name__ == "__main__":
    main()
