#!/usr/bin/env python3
"""Writes the tiny segmentation set of configs/imaging/segmentation-tiny.toml:
24 grey 40x36 images of noise with one brighter disc (radius 4-7 pixels) and
the disc's mask (0 or 255), as PNG. Standard library only; seeded, so the
files are the same on every run. Run from the repository root:
    python3 datasets/tiny/segmentation_disc/make_discs.py
"""
import os
import random
import struct
import zlib

HEIGHT, WIDTH, COUNT = 40, 36, 24
HERE = os.path.dirname(os.path.abspath(__file__))


def png(path, rows):
    raw = b"".join(b"\x00" + bytes(row) for row in rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", len(rows[0]), len(rows), 8, 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    rng = random.Random(27)
    for sub in ("images", "masks"):
        os.makedirs(os.path.join(HERE, sub), exist_ok=True)
    for i in range(COUNT):
        r = rng.uniform(4, 7)
        cy, cx = rng.uniform(r, HEIGHT - r), rng.uniform(r, WIDTH - r)
        image, mask = [], []
        for y in range(HEIGHT):
            irow, mrow = [], []
            for x in range(WIDTH):
                inside = (y - cy) ** 2 + (x - cx) ** 2 <= r * r
                value = (0.7 if inside else 0.3) + rng.gauss(0, 0.1)
                irow.append(max(0, min(255, round(value * 255))))
                mrow.append(255 if inside else 0)
            image.append(irow)
            mask.append(mrow)
        png(os.path.join(HERE, "images", f"{i:02d}.png"), image)
        png(os.path.join(HERE, "masks", f"{i:02d}.png"), mask)


if __name__ == "__main__":
    main()
