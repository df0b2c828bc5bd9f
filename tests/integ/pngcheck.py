# pngcheck.py FILE W H [X Y RRGGBB]...: the PNG is W x H and each pixel
# (X, Y) has the colour RRGGBB (within a small tolerance).  A minimal
# decoder (8-bit RGB/RGBA, non-interlaced), so no imaging module is needed.
import struct, sys, zlib

def decode(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, inter = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and ctype in (2, 6) and inter == 0, 'PNG form'
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows

w, h, bpp, rows = decode(sys.argv[1])
want_w, want_h = int(sys.argv[2]), int(sys.argv[3])
assert (w, h) == (want_w, want_h), 'size %dx%d, want %dx%d' % (w, h, want_w, want_h)
args = sys.argv[4:]
for k in range(0, len(args), 3):
    x, y, col = int(args[k]), int(args[k + 1]), args[k + 2]
    px = rows[y][x * bpp:x * bpp + 3]
    want = bytes.fromhex(col)
    assert all(abs(px[j] - want[j]) <= 8 for j in range(3)), \
        'pixel (%d,%d) is %s, want %s' % (x, y, bytes(px).hex(), col)
