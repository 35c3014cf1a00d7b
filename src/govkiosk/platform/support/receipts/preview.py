"""Looking at receipts: PDF pages as PNG (poppler's pdftoppm) and the sample set for a demo case."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from govkiosk.platform.support.receipts.data import ReceiptData, sample_receipt
from govkiosk.platform.support.receipts.pdf import render_pdf
from govkiosk.platform.support.receipts.raster import WIDTH_58MM, WIDTH_80MM, render_receipt_png


class PdfToolMissing(RuntimeError):
    """pdftoppm is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "pdftoppm not found: install the Debian package poppler-utils (scripts/setup.sh does)"
        )


def pdf_to_png(pdf: bytes, dpi: int = 100) -> bytes:
    """The first page of a PDF as PNG bytes."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise PdfToolMissing()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [tool, "-png", "-r", str(dpi), "-singlefile", "-f", "1", str(source), str(Path(tmp) / "out")],
            check=True,
            capture_output=True,
        )
        return (Path(tmp) / "out.png").read_bytes()


def write_samples(directory: Path | str, data: ReceiptData | None = None) -> dict[str, Path]:
    """Write the A4 PDF and PNGs (A4 page, 80 mm and 58 mm receipts) of a demo case into `directory`."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    receipt = data or sample_receipt()
    pdf = render_pdf(receipt)
    outputs = {
        "receipt-a4.pdf": pdf,
        "receipt-a4.png": pdf_to_png(pdf),
        "receipt-80mm.png": render_receipt_png(receipt, WIDTH_80MM),
        "receipt-58mm.png": render_receipt_png(receipt, WIDTH_58MM),
    }
    paths = {}
    for name, content in outputs.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    return paths
