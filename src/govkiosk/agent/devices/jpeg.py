"""A small baseline JPEG encoder (4:4:4 YCbCr, standard-library only) for simulated images.

Huffman tables are flat (every DC category a 4-bit code, every AC symbol an 8-bit code): larger
files than an optimised encoder, but any baseline decoder reads them, and the code stays short.
"""

import math
import struct

from govkiosk.agent.devices.images import PixelAt

_QUANT = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]  # fmt: skip
_ZIGZAG = sorted(range(64), key=lambda i: (i // 8 + i % 8, (i // 8) if (i // 8 + i % 8) % 2 else -(i // 8)))
_COS = [
    [(math.sqrt(0.5) if u == 0 else 1.0) / 2 * math.cos((2 * x + 1) * u * math.pi / 16) for x in range(8)]
    for u in range(8)
]
_AC_SYMBOLS = [0x00, 0xF0] + [(run << 4) | size for run in range(16) for size in range(1, 11)]
_AC_CODE = {symbol: index for index, symbol in enumerate(_AC_SYMBOLS)}


class _Bits:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> shift) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)  # byte stuffing
                self.acc = self.count = 0

    def flush(self) -> bytes:
        if self.count:
            self.write((1 << (8 - self.count)) - 1, 8 - self.count)
        return bytes(self.out)


def _dct(block: list[float]) -> list[float]:
    rows = [[sum(_COS[u][x] * block[y * 8 + x] for x in range(8)) for u in range(8)] for y in range(8)]
    return [sum(_COS[v][y] * rows[y][u] for y in range(8)) for v in range(8) for u in range(8)]


def _magnitude(value: int) -> tuple[int, int]:
    size = abs(value).bit_length()
    return size, value if value >= 0 else value + (1 << size) - 1


def _encode_block(bits: _Bits, block: list[float], previous_dc: int) -> int:
    coefficients = [round(c / q) for c, q in zip(_dct(block), _QUANT, strict=True)]
    zigzag = [coefficients[i] for i in _ZIGZAG]
    size, value = _magnitude(zigzag[0] - previous_dc)
    bits.write(size, 4)
    bits.write(value, size)
    run = 0
    for coefficient in zigzag[1:]:
        if coefficient == 0:
            run += 1
            continue
        while run > 15:
            bits.write(_AC_CODE[0xF0], 8)
            run -= 16
        size, value = _magnitude(max(-1023, min(1023, coefficient)))
        bits.write(_AC_CODE[(run << 4) | size], 8)
        bits.write(value, size)
        run = 0
    if run:
        bits.write(_AC_CODE[0x00], 8)
    return zigzag[0]


def _ycbcr(r: int, g: int, b: int) -> tuple[float, float, float]:
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return y - 128, -0.1687 * r - 0.3313 * g + 0.5 * b, 0.5 * r - 0.4187 * g - 0.0813 * b


def jpeg(width: int, height: int, pixel_at: PixelAt) -> bytes:
    """An RGB image as a baseline JPEG."""
    pixels = [
        [_ycbcr(*pixel_at(min(x, width - 1), min(y, height - 1))) for x in range(width)]
        for y in range(height)
    ]
    bits, dc = _Bits(), [0, 0, 0]
    for by in range(0, height, 8):
        for bx in range(0, width, 8):
            for component in range(3):
                block = [
                    pixels[min(by + y, height - 1)][min(bx + x, width - 1)][component]
                    for y in range(8)
                    for x in range(8)
                ]
                dc[component] = _encode_block(bits, block, dc[component])
    return _headers(width, height) + bits.flush() + b"\xff\xd9"


def _segment(marker: int, body: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body


def _headers(width: int, height: int) -> bytes:
    components = b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3))
    dc_table = bytes([0x00]) + bytes([0, 0, 0, 12] + [0] * 12) + bytes(range(12))
    ac_table = bytes([0x10]) + bytes([0] * 7 + [len(_AC_SYMBOLS)] + [0] * 8) + bytes(_AC_SYMBOLS)
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _segment(0xDB, bytes([0]) + bytes(_QUANT[i] for i in _ZIGZAG))
        + _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + components)
        + _segment(0xC4, dc_table + ac_table)
        + _segment(0xDA, bytes([3]) + b"".join(bytes([c, 0x00]) for c in (1, 2, 3)) + bytes([0, 63, 0]))
    )
