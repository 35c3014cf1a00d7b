"""受理回执: PDF text and fonts, the QR code's modules, the receipt raster, wrapping, the offline notice."""

import dataclasses
import io
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from govkiosk.platform.support import receipts
from govkiosk.platform.support.receipts import (
    WIDTH_58MM,
    WIDTH_80MM,
    ReceiptData,
    ReceiptFontMissing,
    mask_id_number,
    mask_name,
    pdf_to_png,
    preview,
    qr_matrix,
    receipt_text_lines,
    render_pdf,
    render_receipt_png,
    sample_receipt,
    write_samples,
)
from govkiosk.platform.support.receipts import fonts as receipt_fonts
from govkiosk.platform.support.receipts.data import OFFLINE_NOTICE

FULL_ID = "44030419900307123X"
LONG_ITEM = "深圳市" + "港澳台居民及外籍人员在本市灵活就业参加企业职工基本养老保险和基本医疗保险登记" * 2


@pytest.fixture(scope="module")
def receipt() -> ReceiptData:
    return sample_receipt()


@pytest.fixture(scope="module")
def pdf(receipt: ReceiptData) -> bytes:
    return render_pdf(receipt)


def _pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _gray(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


def test_masking() -> None:
    assert mask_id_number(FULL_ID) == "4403**********123X"
    assert mask_name("张三") == "张*"
    assert mask_name("张晓三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"


def test_times_are_shown_in_shenzhen_time_and_must_be_aware(receipt: ReceiptData) -> None:
    assert ("受理时间", "2026-11-28 10:15") in receipt.fields()  # 02:15 UTC
    naive = dataclasses.replace(receipt, accepted_at=datetime(2026, 11, 28, 2, 15))
    with pytest.raises(ValueError, match="timezone-aware"):
        naive.fields()
    assert dataclasses.replace(receipt, promised_deadline=None).deadline_text() == "即办"


def test_pdf_text_has_the_case_and_only_the_masked_id(pdf: bytes, receipt: ReceiptData) -> None:
    text = _pdf_text(pdf)
    for expected in (
        receipt.case_number,
        receipt.item_name,
        "4403**********123X",
        "张*三",
        "受理回执",
        "温馨提示",
    ):
        assert expected in text.replace("\n", "")
    assert FULL_ID not in text and FULL_ID.encode() not in pdf
    assert "张晓三" not in text
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def _fonts(pdf: bytes) -> list[Any]:
    resources: Any = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]
    return [font.get_object() for font in resources["/Font"].values()]


def test_pdf_embeds_a_cjk_font_subset_and_nothing_else(pdf: bytes) -> None:
    fonts = _fonts(pdf)
    assert fonts
    for font in fonts:
        assert font["/Subtype"] == "/Type0" and "/ToUnicode" in font
        cid_font = font["/DescendantFonts"][0].get_object()
        assert "+NotoSansCJKsc-" in cid_font["/BaseFont"]  # the XXXXXX+ tag marks a subset
        fontfile = cid_font["/FontDescriptor"]["/FontFile3"].get_object()
        assert fontfile["/Subtype"] == "/CIDFontType0C"
        assert 1_000 < len(fontfile.get_data()) < 1_000_000  # a subset, not the 16 MB face
    assert len(pdf) < 600_000


def _finder(image: Image.Image, dark: int = 100) -> tuple[int, int, float]:
    """Top-left corner and module size of the first QR finder pattern (a 7×7 dark square ring)."""
    width, height = image.size
    px: Any = image.load()
    for y in range(height):
        x = 0
        while x < width:
            if px[x, y] >= dark:
                x += 1
                continue
            start = x
            while x < width and px[x, y] < dark:
                x += 1
            run = x - start
            if run >= 35 and _is_finder(px, start, y, run, dark):
                return start, y, run / 7
    raise AssertionError("no QR finder pattern found")


def _is_finder(px: Any, left: int, top: int, size: int, dark: int) -> bool:
    m = size / 7
    centre = px[int(left + 3.5 * m), int(top + 3.5 * m)] < dark
    ring = px[int(left + 1.5 * m), int(top + 3.5 * m)] >= dark
    column = all(px[left + 1, int(top + k * m + m / 2)] < dark for k in range(7))
    return centre and ring and column


def _runs(px: Any, y: int, width: int, dark: int) -> list[tuple[int, int]]:
    """(start, length) of the dark runs in row `y`."""
    runs, x = [], 0
    while x < width:
        start = x
        while x < width and px[x, y] < dark:
            x += 1
        if x > start:
            runs.append((start, x - start))
        x += 1
    return runs


def _assert_qr_matches(image: Image.Image, url: str) -> float:
    """Every module of the rendered QR code equals the matrix `qrcode` makes for `url`."""
    left, top, module = _finder(image)
    matrix = [row[4:-4] for row in qr_matrix(url)[4:-4]]  # without the quiet zone
    px: Any = image.load()
    # the top-right finder fixes the pitch better than one finder's width can at fractional sizes
    right = max(
        start for start, run in _runs(px, int(top + module / 2), image.width, 100) if run >= 6 * module
    )
    module = (right - left) / (len(matrix) - 7)
    for r, row in enumerate(matrix):
        for c, expected in enumerate(row):
            value = px[int(left + (c + 0.5) * module), int(top + (r + 0.5) * module)]
            assert (value < 100) == expected, (r, c)
    return module * len(matrix)


def test_qr_on_the_receipt_encodes_the_query_url(receipt: ReceiptData) -> None:
    # No QR decoder is installed (pyzbar needs Debian's libzbar0), so the rendered modules are compared
    # with the matrix qrcode builds for the URL: equal matrices decode to the same text.
    for width in (WIDTH_80MM, WIDTH_58MM):
        size_px = _assert_qr_matches(_gray(render_receipt_png(receipt, width)), receipt.query_url)
        assert size_px / 203 * 25.4 >= 30  # mm at 203 dpi, without the quiet zone


def test_qr_on_the_a4_page_encodes_the_query_url(pdf: bytes, receipt: ReceiptData) -> None:
    dpi = 150
    size_px = _assert_qr_matches(_gray(pdf_to_png(pdf, dpi=dpi)), receipt.query_url)
    assert size_px / dpi * 25.4 >= 25


def test_receipt_png_is_one_bit_and_as_wide_as_the_roll(receipt: ReceiptData) -> None:
    for width in (WIDTH_80MM, WIDTH_58MM):
        image = Image.open(io.BytesIO(render_receipt_png(receipt, width)))
        assert image.format == "PNG" and image.mode == "1"
        assert image.width == width and image.height > width


def _pixel(image: Image.Image, x: int, y: int) -> int:
    value: Any = image.getpixel((x, y))
    return int(value)


def _dark_columns(image: Image.Image, start: int, end: int) -> int:
    return sum(1 for x in range(start, end) for y in range(image.height) if _pixel(image, x, y) < 128)


def test_long_names_wrap_instead_of_overflowing(receipt: ReceiptData) -> None:
    long = dataclasses.replace(receipt, item_name=LONG_ITEM, site_name="福田区" + "某某大厦" * 12)
    for width in (WIDTH_80MM, WIDTH_58MM):
        image = _gray(render_receipt_png(long, width))
        assert _dark_columns(image, width - 6, width) == 0
    for columns in (48, 32):
        lines = receipt_text_lines(long, columns)
        assert all(
            sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in ln) <= columns for ln in lines
        )
        assert LONG_ITEM in "".join(lines)
    pdf = render_pdf(long)
    assert LONG_ITEM in _pdf_text(pdf).replace("\n", "")
    page = _gray(pdf_to_png(pdf, dpi=72))
    assert _dark_columns(page, page.width - 40, page.width) == 0  # nothing in the right margin (14 mm)


def test_text_lines_do_not_start_with_closing_punctuation(receipt: ReceiptData) -> None:
    lines = receipt_text_lines(dataclasses.replace(receipt, item_name=LONG_ITEM), 32)
    assert not [ln for ln in lines if ln[:1] in "，。；：）"]


def test_offline_queued_receipt_says_so(receipt: ReceiptData) -> None:
    queued = dataclasses.replace(receipt, queued_offline=True)
    assert OFFLINE_NOTICE in _pdf_text(render_pdf(queued))
    assert any(OFFLINE_NOTICE in line for line in receipt_text_lines(queued))
    assert ("提交时间", "2026-11-28 10:15") in queued.fields()
    assert OFFLINE_NOTICE not in _pdf_text(render_pdf(receipt))
    plain, noted = (_gray(render_receipt_png(r)) for r in (receipt, queued))
    assert noted.height > plain.height


def test_missing_font_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipt_fonts, "KNOWN_DIRS", ())
    monkeypatch.setattr(receipt_fonts.shutil, "which", lambda _: None)
    receipt_fonts.find_cjk_font.cache_clear()
    try:
        with pytest.raises(ReceiptFontMissing, match="fonts-noto-cjk"):
            receipt_fonts.find_cjk_font("bold")
    finally:
        receipt_fonts.find_cjk_font.cache_clear()


def test_font_lookup_picks_the_simplified_chinese_face() -> None:
    location = receipt_fonts.find_cjk_font("regular")
    assert receipt_fonts.SfntFace(location.path.read_bytes(), location.index).family() == "Noto Sans CJK SC"


def test_missing_pdftoppm_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, pdf: bytes) -> None:
    monkeypatch.setattr(preview.shutil, "which", lambda _: None)
    with pytest.raises(receipts.PdfToolMissing, match="poppler-utils"):
        pdf_to_png(pdf)


def test_write_samples(artifacts_dir: Path) -> None:
    paths = write_samples(artifacts_dir)
    assert {p.name for p in paths.values()} >= {"receipt-a4.png", "receipt-80mm.png", "receipt-58mm.png"}
    assert paths["receipt-a4.pdf"].read_bytes().startswith(b"%PDF-")
    assert Image.open(paths["receipt-a4.png"]).width == 827  # A4 at 100 dpi
    assert all(p.stat().st_size > 1000 for p in paths.values())


def test_qr_comparison_rejects_another_url(receipt: ReceiptData) -> None:
    image = _gray(render_receipt_png(receipt))
    with pytest.raises(AssertionError):
        _assert_qr_matches(image, receipt.query_url.replace("7Hq2", "8Hq2"))
