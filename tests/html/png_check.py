#!/usr/bin/env python3
"""png_check.py SHOT.png [--color RRGGBB --within PIXELS]...

Checks a headless-browser screenshot is a real picture of the report, with the standard library
only (zlib): decodes the PNG (8-bit RGB/RGBA, non-interlaced, as Chromium writes them), then
  - fails if the picture is blank: fewer than 16 distinct colours or under 2% non-white pixels;
  - for each --color, fails unless a pixel of exactly that colour appears in the top --within rows
    (default: anywhere): the severity colours prove the verdict is drawn, and drawn first.
Prints one summary line; exit 0 pass, 1 fail."""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if not hdr:
        raise ValueError("no IHDR")
    width, height, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG (depth %d, colour type %d, interlace %d)" %
                         (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        off = y * (stride + 1)
        ftype, line = raw[off], bytearray(raw[off + 1:off + 1 + stride])
        unfilter(ftype, line, prev, bpp)
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(ftype, line, prev, bpp):
    n = len(line)
    if ftype == 0:
        return
    if ftype == 1:
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 0xFF
    elif ftype == 2:
        for i in range(n):
            line[i] = (line[i] + prev[i]) & 0xFF
    elif ftype == 3:
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif ftype == 4:
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            up_left = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + paeth(left, prev[i], up_left)) & 0xFF
    else:
        raise ValueError("bad filter type %d" % ftype)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    path, wanted, i = argv[1], [], 2
    while i < len(argv):
        if argv[i] == "--color":
            wanted.append([bytes.fromhex(argv[i + 1]), None])
            i += 2
        elif argv[i] == "--within":
            wanted[-1][1] = int(argv[i + 1])
            i += 2
        else:
            print("png_check: unknown argument " + argv[i])
            return 2
    width, height, bpp, rows = read_png(path)
    colours, inked, first_row = set(), 0, {}
    for y, row in enumerate(rows):
        for x in range(0, len(row), bpp):
            px = row[x:x + 3]
            colours.add(px)
            if px != b"\xff\xff\xff":
                inked += 1
            if px not in first_row:
                first_row[px] = y
    share = inked / float(width * height)
    print("png_check: %s %dx%d, %d colours, %.1f%% non-white" %
          (path, width, height, len(colours), 100 * share))
    ok = True
    if len(colours) < 16 or share < 0.02:
        print("png_check: FAIL: the screenshot is blank")
        ok = False
    for colour, within in wanted:
        y = first_row.get(colour)
        if y is None or (within is not None and y >= within):
            print("png_check: FAIL: colour %s not in the top %s rows (first at row %s)" %
                  (colour.hex(), within if within is not None else height, y))
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
