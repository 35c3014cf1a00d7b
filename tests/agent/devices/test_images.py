"""The generated images are well-formed (checked structurally; a browser decoded them during development)."""

import struct
import zlib

from govkiosk.agent.devices.images import pdf, pdf_page_count, png
from govkiosk.agent.devices.jpeg import _ZIGZAG, jpeg


def _stripes(x: int, y: int) -> tuple[int, int, int]:
    return (200, 30, 30) if y < 4 else (40, 40, 40) if y % 6 < 2 else (245, 245, 245)


def test_png_has_the_size_and_a_valid_crc() -> None:
    data = png(10, 7, _stripes)
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (10, 7)
    assert struct.unpack(">I", data[29:33])[0] == zlib.crc32(data[12:29])


def test_jpeg_segments_and_size() -> None:
    data = jpeg(13, 9, _stripes)
    assert data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")
    sof = data.index(b"\xff\xc0")
    assert struct.unpack(">HH", data[sof + 5 : sof + 9]) == (9, 13)
    scan = data[data.index(b"\xff\xda") + 14 : -2]
    assert all(scan[i + 1] == 0 for i in range(len(scan) - 1) if scan[i] == 0xFF)  # stuffed


def test_zigzag_starts_like_the_standard() -> None:
    assert _ZIGZAG[:10] == [0, 1, 8, 16, 9, 2, 3, 10, 17, 24] and sorted(_ZIGZAG) == list(range(64))


def test_pdf_is_one_a4_page() -> None:
    data = pdf(["hello (world)"], image=(2, 1, b"\x00" * 6))
    assert data.startswith(b"%PDF-1.4") and b"/MediaBox [0 0 595 842]" in data and pdf_page_count(data) == 1
    assert data.rstrip().endswith(b"%%EOF")
