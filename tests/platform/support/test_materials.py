"""Materials: magic-byte sniffing of real minimal files, limits, bilingual rejections, storage with SM3."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from govkiosk.crypto import sm3
from govkiosk.platform.catalog.schemas import Material
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.materials import (
    HEIC,
    JPEG,
    OFD,
    PDF,
    PNG,
    MaterialRejected,
    check_material,
    find_slot,
    sniff,
    store_material,
)
from govkiosk.platform.support.storage import LocalStore


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def minimal_png() -> bytes:
    """A 1×1 white PNG assembled chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def minimal_jpeg() -> bytes:
    """A 2×2 JPEG encoded by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def zip_with(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    return buffer.getvalue()


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


def test_minimal_files_are_really_valid() -> None:
    assert Image.open(io.BytesIO(minimal_png())).size == (1, 1)
    assert Image.open(io.BytesIO(minimal_jpeg())).format == "JPEG"
    assert minimal_pdf().endswith(b"%%EOF\n")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (minimal_pdf(), PDF),
        (minimal_png(), PNG),
        (minimal_jpeg(), JPEG),
        (zip_with("OFD.xml", "Doc_0/Document.xml"), OFD),
        (zip_with("word/document.xml"), None),
        (zip_with("Doc_0/OFD.xml"), None),
        (b"PK\x03\x04 truncated", None),
        (HEIC_HEADER, HEIC),
        (b"GIF89a\x01\x00", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_sniff(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


def test_accepts_and_normalises_declared_types() -> None:
    assert check_material(minimal_jpeg(), declared_type="image/jpg", max_bytes=1000) == JPEG
    assert check_material(minimal_pdf(), declared_type="Application/PDF; charset=binary") == PDF
    assert check_material(minimal_png(), declared_type=None) == PNG


def test_empty() -> None:
    with pytest.raises(MaterialRejected) as caught:
        check_material(b"", declared_type=PDF)
    assert caught.value.code == "material_empty" and "文件为空" in caught.value.message


def test_too_large_names_the_limit_in_megabytes() -> None:
    data = minimal_pdf() + b"\0" * (2 * 1024 * 1024)
    with pytest.raises(MaterialRejected) as caught:
        check_material(data, declared_type=PDF, max_bytes=2 * 1024 * 1024)
    error = caught.value
    assert error.code == "material_too_large" and error.status_code == 422
    assert "2 MB" in error.message_zh and "2 MB" in error.message_en
    assert error.message == f"{error.message_zh} / {error.message_en}"
    with pytest.raises(MaterialRejected, match="1.5 MB"):
        check_material(data, declared_type=PDF, max_bytes=1536 * 1024)


def test_type_not_allowed() -> None:
    with pytest.raises(MaterialRejected) as caught:
        check_material(HEIC_HEADER, declared_type=HEIC)
    assert caught.value.code == "material_type_not_allowed"
    assert "HEIC" in caught.value.message_zh and "accepted: JPEG, OFD, PDF, PNG" in caught.value.message_en
    with pytest.raises(MaterialRejected, match="unrecognised"):
        check_material(b"MZ\x90\x00 an executable", declared_type=PDF)
    with pytest.raises(MaterialRejected, match="accepted: PDF"):
        check_material(minimal_png(), declared_type=PNG, allowed={PDF})


def test_declared_type_must_match_content() -> None:
    with pytest.raises(MaterialRejected) as caught:
        check_material(minimal_png(), declared_type="application/pdf")
    assert caught.value.code == "material_type_mismatch"
    assert "PNG" in caught.value.message_en and "application/pdf" in caught.value.message_en


def test_find_slot_only_accepts_the_items_materials() -> None:
    materials = [Material(name="居民身份证", elicence_type="居民身份证"), Material(name="结婚证")]
    assert find_slot(materials, "结婚证").name == "结婚证"
    with pytest.raises(InvalidInput, match="no material slot"):
        find_slot(materials, "房产证")


def test_store_material_records_sm3(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    data = minimal_pdf()
    ref = store_material(store, data, slot="居民户口簿", source="scan", declared_type=PDF)
    assert ref.sm3 == sm3(data).hex() and ref.size == len(data) and ref.content_type == PDF
    assert ref.slot == "居民户口簿" and ref.source == "scan"
    assert store.get(ref.object_key) == data


def test_store_material_stores_nothing_when_rejected(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    with pytest.raises(MaterialRejected):
        store_material(store, b"not a pdf", slot="x", source="phone_upload", declared_type=PDF)
    assert list((tmp_path / "objects").rglob("*")) == []
