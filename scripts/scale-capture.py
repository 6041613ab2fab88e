#!/usr/bin/env python3
"""Writes a capture holding COPIES copies of a classic Ethernet pcap, for the
scaling runs of the benchmarks (scripts/bench-capture.sh, bench-node.mjs):

    scripts/scale-capture.py SRC DST COPIES [SERVER_PORT]   (default port 8090)

Copy i is shifted in time past the end of copy i-1, and its client ports
(every TCP port but the server's) are moved by i*1000, with the TCP checksum
adjusted (RFC 1624). Identical copies would not do: same 4-tuple and same
sequence numbers look like one connection retransmitted, and tshark
dissects only the first copy.
"""
import struct, sys

if len(sys.argv) not in (4, 5):
    sys.exit("usage: scale-capture.py SRC DST COPIES [SERVER_PORT]")
src, dst, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
server_port = int(sys.argv[4]) if len(sys.argv) == 5 else 8090
data = open(src, "rb").read()
magic = data[:4]
endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
          b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
if endian is None:
    sys.exit("scale-capture: scaling needs a classic pcap file (not pcapng)")
linktype = struct.unpack(endian + "I", data[20:24])[0]
if linktype != 1:
    sys.exit(f"scale-capture: scaling handles Ethernet captures only (link type {linktype})")
record = struct.Struct(endian + "IIII")

def records():
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, origlen = record.unpack_from(data, off)
        yield off, sec, frac, caplen, origlen
        off += 16 + caplen

first = last = None
for _, sec, _, _, _ in records():
    first = sec if first is None else first
    last = sec
shift = (last - first) + 2

def csum_adjust(check, old, new):
    # RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')
    total = (~check & 0xFFFF) + (~old & 0xFFFF) + new
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF

def move(port, i):
    return port if port == server_port else (port - 1024 + 1000 * i) % (65536 - 1024) + 1024

with open(dst, "wb") as out:
    out.write(data[:24])
    for i in range(copies):
        for off, sec, frac, caplen, origlen in records():
            pkt = bytearray(data[off + 16: off + 16 + caplen])
            if i and len(pkt) >= 14:
                ethertype = struct.unpack_from("!H", pkt, 12)[0]
                l4 = proto = None
                if ethertype == 0x0800 and len(pkt) >= 34:
                    l4, proto = 14 + (pkt[14] & 0x0F) * 4, pkt[23]
                elif ethertype == 0x86DD and len(pkt) >= 54:
                    l4, proto = 54, pkt[20]
                if proto == 6 and l4 is not None and len(pkt) >= l4 + 18:
                    sport, dport = struct.unpack_from("!HH", pkt, l4)
                    check = struct.unpack_from("!H", pkt, l4 + 16)[0]
                    for pos, old in ((l4, sport), (l4 + 2, dport)):
                        new = move(old, i)
                        struct.pack_into("!H", pkt, pos, new)
                        check = csum_adjust(check, old, new)
                    struct.pack_into("!H", pkt, l4 + 16, check)
            out.write(record.pack(sec + i * shift, frac, caplen, origlen))
            out.write(pkt)
