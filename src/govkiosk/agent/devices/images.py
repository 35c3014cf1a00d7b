"""Small generated images and documents for simulated drivers (PNG and PDF, standard library only)."""

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int]
PixelAt = Callable[[int, int], Pixel]


def rgb_rows(width: int, height: int, pixel_at: PixelAt) -> bytes:
    """Raw RGB bytes, top row first."""
    return b"".join(bytes(c for x in range(width) for c in pixel_at(x, y)) for y in range(height))


def png(width: int, height: int, pixel_at: PixelAt) -> bytes:
    """An RGB PNG."""
    raw = rgb_rows(width, height, pixel_at)
    stride = width * 3
    scanlines = b"".join(b"\x00" + raw[y * stride : (y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(scanlines, 6))
        + chunk(b"IEND", b"")
    )


def pdf(lines: list[str], image: tuple[int, int, bytes] | None = None) -> bytes:
    """A one-page A4 PDF with ASCII text lines and optionally an RGB image (width, height, raw)."""
    text = "".join(
        f"BT /F1 11 Tf 56 {790 - 16 * i} Td ({_pdf_escape(line)}) Tj ET\n" for i, line in enumerate(lines)
    )
    content = text
    resources = "/Font << /F1 4 0 R >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"",  # page, filled below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if image:
        width, height, raw = image
        content += f"q 483 0 0 {483 * height // width} 56 80 cm /Im1 Do Q\n"
        resources += " /XObject << /Im1 6 0 R >>"
    body = content.encode("latin-1")
    objects.append(b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    objects[2] = (
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
        f"/Resources << {resources} >> >>"
    ).encode()
    if image:
        data = zlib.compress(raw)
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
            % (width, height, len(data))
            + data
            + b"\nendstream"
        )
    return _pdf_file(objects)


def _pdf_file(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_escape(line: str) -> str:
    ascii_line = line.encode("ascii", "replace").decode()
    return ascii_line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_page_count(data: bytes) -> int:
    """Pages of a PDF, counted the simple way (`/Type /Page` objects); at least 1."""
    return max(1, data.count(b"/Type /Page") - data.count(b"/Type /Pages"))
