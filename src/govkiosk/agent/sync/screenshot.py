"""A simulated screenshot: a small, valid PNG drawn in code (no imaging library needed)."""

import struct
import zlib

# Eight vertical colour bars, like a test card, so a viewer can tell the image decoded correctly.
_BARS = [
    (255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
    (255, 0, 255), (255, 0, 0), (0, 0, 255), (32, 32, 32),
]  # fmt: skip


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _row(width: int, y: int, height: int) -> bytes:
    if y >= height * 3 // 4:  # bottom quarter: a grey ramp
        return bytes([0]) + b"".join(bytes([x * 255 // max(width - 1, 1)] * 3) for x in range(width))
    return bytes([0]) + b"".join(bytes(_BARS[x * len(_BARS) // width]) for x in range(width))


def render_test_card(width: int = 320, height: int = 180) -> bytes:
    """An RGB PNG of `width`×`height` with colour bars and a grey ramp."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    raw = b"".join(_row(width, y, height) for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )
