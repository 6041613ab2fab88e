#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (fuzz/corpus/<target>/) from the test
fixtures: HPACK stories, the corpus captures and their TCP payloads, tap
files. Each seed starts with the option bytes its target reads first
(fuzz/checks/<target>.rs). Generated, not committed: run by scripts/fuzz.sh.
"""
import json
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
OUT = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def u16(n):
    return struct.pack(">H", n)


def stories():
    base = FIX / "hpack-test-case"
    for enc in sorted(p for p in base.iterdir() if p.is_dir() and p.name != "raw-data"):
        for story in sorted(enc.glob("*.json"))[:4]:
            cases = json.loads(story.read_text())["cases"]
            yield f"{enc.name}-{story.stem}", [bytes.fromhex(c["wire"]) for c in cases[:24]]


def tcp_payloads(path):
    """(src_port, dst_port, payload) of each TCP segment with data, in
    capture order, for classic pcap files (Ethernet, SLL, loopback)."""
    data = path.read_bytes()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos = 24
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        try:
            seg = segment(linktype, pkt)
        except (struct.error, IndexError):
            continue
        if seg is None:
            return
        if seg[2]:
            yield seg


def segment(linktype, pkt):
    """(src_port, dst_port, payload), or None for a link type not read
    here, or ports 0 for a packet that is not TCP."""
    if linktype == 1:
        ethertype, ip = struct.unpack(">H", pkt[12:14])[0], pkt[14:]
    elif linktype == 113:
        ethertype, ip = struct.unpack(">H", pkt[14:16])[0], pkt[16:]
    elif linktype == 276:
        ethertype, ip = struct.unpack(">H", pkt[0:2])[0], pkt[20:]
    elif linktype == 0:
        ethertype, ip = 0x0800, pkt[4:]
    else:
        return None
    if ethertype == 0x0800 and ip[9] == 6:
        tcp = ip[(ip[0] & 15) * 4:]
    elif ethertype == 0x86DD and ip[6] == 6:
        tcp = ip[40:]
    else:
        return 0, 0, b""
    sport, dport = struct.unpack(">HH", tcp[:4])
    return sport, dport, tcp[(tcp[12] >> 4) * 4:]


def main():
    for name, blocks in stories():
        # mode 0 (default limits, known table), settings size 4096, no gaps
        seed = bytes([0]) + u16(2048) + bytes([0])
        for b in blocks:
            seed += u16(len(b)) + b
        write("hpack", name, seed)
    captures = sorted(FIX.glob("corpus/*.pcap*")) + sorted(FIX.glob("net/*.pcap*")) + sorted(
        FIX.glob("extra/*.pcap"))
    taps = sorted(FIX.glob("tap/*.json*")) + sorted(FIX.glob("tap/*.pb"))
    for path in captures:
        write("capture", path.name, bytes([0, 0]) + path.read_bytes())
        write("capture", "tight-" + path.name, bytes([7, 1]) + path.read_bytes())
        if path.stat().st_size < 200_000:
            write("decode", path.name, bytes([0, 0]) + path.read_bytes())
            write("decode", "grpc-" + path.name, bytes([7, 5]) + path.read_bytes())
        if path.suffix != ".pcap" or path.parent.name == "net":
            continue
        # The connection's writes: client port = the lower-numbered
        # direction's source port of the first segment.
        segments = list(tcp_payloads(path) or [])
        if not segments:
            continue
        client = segments[0][0]
        steps = b""
        streams = {0: b"", 1: b""}
        for sport, _, payload in segments[:200]:
            d = 0 if sport == client else 1
            streams[d] += payload
            for i in range(0, len(payload), 2047):
                piece = payload[i:i + 2047]
                steps += bytes([d]) + u16(len(piece)) + piece
        # mode 8: no preface added (the client's bytes carry it)
        write("conn", path.stem, bytes([8, 0]) + steps)
        write("conn", "tight-" + path.stem, bytes([8 | 2 | 4, 5]) + steps)
        write("frame", path.stem, bytes([0, 0]) + streams[1])
        write("frame", "client-" + path.stem, bytes([3, 1]) + streams[0][24:])
    for path in taps:
        write("tap", path.name, bytes([0, 0]) + path.read_bytes())
        write("tap", "tight-" + path.name, bytes([9, 1]) + path.read_bytes())
        write("decode", path.name, bytes([0, 0]) + path.read_bytes())
        write("decode", "grpc-" + path.name, bytes([1, 3]) + path.read_bytes())
    h2 = (FIX / "ui" / "xss_request.h2").read_bytes()
    write("decode", "xss_request.h2", bytes([0, 0]) + h2)
    write("conn", "xss_request", bytes([8, 0, 0]) + u16(min(len(h2), 2047)) + h2[:2047])
    counts = {t.name: len(list(t.iterdir())) for t in sorted(OUT.iterdir())}
    print("seeds:", ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    sys.exit(main())
