"""The simulated screenshot is a PNG any viewer can decode."""

import struct
import zlib

from govkiosk.agent.sync.screenshot import render_test_card


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + data), f"bad CRC in {kind!r}"
        chunks.append((kind, data))
        offset += 12 + length
    return chunks


def test_png_is_valid() -> None:
    png = render_test_card(320, 180)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks = _chunks(png)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (width, height, depth, colour) == (320, 180, 8, 2)
    pixels = zlib.decompress(chunks[1][1])
    assert len(pixels) == 180 * (1 + 320 * 3)
    assert len(png) < 20_000
