"""Placeholder ID photos (证件照) for the demo: small valid PNGs drawn in pure Python.

Each is a 一寸 portrait (295 × 413 pixels, 25 × 35 mm at 300 dpi) on the blue background of
a Chinese ID photo, with a plain head-and-shoulders silhouette, its shades taken from the
person's number so that every run makes the same bytes. They stand for fictional people
of the sample data only; nobody's likeness is drawn.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 295, 413  # 一寸 at 300 dpi
BACKGROUND = (67, 142, 219)  # 证件照蓝底


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    """A truecolour PNG from ``height`` rows of ``width`` RGB pixels."""
    raw = b"".join(b"\x00" + row for row in rows)  # filter: none
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    dpi = struct.pack(">IIB", 11811, 11811, 1)  # 300 dpi in pixels per metre
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"pHYs", dpi)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def portrait(number: int) -> bytes:
    """The placeholder photo of the ``number``-th person (deterministic)."""
    shade = 200 + (number * 37) % 40  # face tone
    face = bytes((shade, shade - 25, shade - 45))
    shirt = bytes(((number * 53) % 60 + 20, (number * 29) % 50 + 30, (number * 71) % 70 + 60))
    hair = bytes((30 + number % 20, 25, 20))
    background = bytes(BACKGROUND)
    cx, cy, rx, ry = WIDTH / 2, HEIGHT * 0.40, WIDTH * 0.22, HEIGHT * 0.19
    rows = []
    for y in range(HEIGHT):
        row = bytearray(background * WIDTH)

        def paint(half: float, colour: bytes, row: bytearray = row) -> None:
            left, right = max(0, round(cx - half)), min(WIDTH, round(cx + half))
            row[3 * left : 3 * right] = colour * (right - left)

        if y > HEIGHT * 0.62:  # shoulders, widening to the bottom
            paint(WIDTH * 0.46 * min(1.0, (y - HEIGHT * 0.58) / (HEIGHT * 0.14)), shirt)
        if HEIGHT * 0.55 < y <= HEIGHT * 0.66:  # neck
            paint(WIDTH * 0.08, face)
        dy = (y - cy) / ry
        if dy * dy <= 1:  # head, hair on top
            paint(rx * (1 - dy * dy) ** 0.5, hair if dy < -0.45 else face)
        rows.append(bytes(row))
    return png(WIDTH, HEIGHT, rows)
