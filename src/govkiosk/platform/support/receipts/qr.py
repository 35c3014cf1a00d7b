"""The progress-query QR code as a module matrix, drawn the same way on paper and on the receipt roll."""

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white border the QR specification asks for


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of the QR code for `url` (True = dark), quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]
