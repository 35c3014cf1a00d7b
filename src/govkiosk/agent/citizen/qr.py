"""QR codes the kiosk UI shows (progress link, phone upload, payment) as inline SVG."""

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.svg import SvgPathImage


def qr_svg(text: str) -> str:
    """An SVG document of a QR code carrying `text` (error correction M, scalable)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, image_factory=SvgPathImage)
    code.add_data(text)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue().decode()
