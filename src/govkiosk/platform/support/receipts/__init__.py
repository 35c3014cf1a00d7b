"""受理回执: the A4 PDF, the receipt-printer raster and text, and previews of them."""

from govkiosk.platform.support.receipts.data import (
    ReceiptData,
    local_time,
    mask_id_number,
    mask_name,
    sample_receipt,
)
from govkiosk.platform.support.receipts.fonts import FontLocation, ReceiptFontMissing, find_cjk_font
from govkiosk.platform.support.receipts.pdf import render_pdf
from govkiosk.platform.support.receipts.preview import PdfToolMissing, pdf_to_png, write_samples
from govkiosk.platform.support.receipts.qr import qr_matrix
from govkiosk.platform.support.receipts.raster import (
    WIDTH_58MM,
    WIDTH_80MM,
    receipt_text_lines,
    render_receipt_png,
)

__all__ = [
    "WIDTH_58MM",
    "WIDTH_80MM",
    "FontLocation",
    "PdfToolMissing",
    "ReceiptData",
    "ReceiptFontMissing",
    "find_cjk_font",
    "local_time",
    "mask_id_number",
    "mask_name",
    "pdf_to_png",
    "qr_matrix",
    "receipt_text_lines",
    "render_pdf",
    "render_receipt_png",
    "sample_receipt",
    "write_samples",
]
