"""The A4 受理回执 as a PDF (reportlab), set in the embedded Noto Sans CJK SC subset."""

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from govkiosk.platform.support.receipts.data import (
    OFFLINE_DETAIL,
    OFFLINE_NOTICE,
    PLATFORM_NAME,
    QR_CAPTION,
    TIPS,
    TITLE,
    ReceiptData,
    local_time,
)
from govkiosk.platform.support.receipts.pdf_font import register_fonts
from govkiosk.platform.support.receipts.qr import qr_matrix

QR_SIZE = 36 * mm  # comfortably above the ~25 mm a phone needs at arm's length
MARGIN = 18 * mm
LABEL_WIDTH = 30 * mm
GRID = colors.HexColor("#8a8f98")
SHADE = colors.HexColor("#eef1f5")


class QrCode(Flowable):
    """A QR code drawn as vector squares (crisp at any printer resolution)."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self.matrix = qr_matrix(url)
        self.width = self.height = size

    def draw(self) -> None:
        """Draw the dark modules."""
        step = self.width / len(self.matrix)
        self.canv.setFillColor(colors.black)
        for r, row in enumerate(self.matrix):
            for c, dark in enumerate(row):
                if dark:
                    y = self.height - (r + 1) * step
                    self.canv.rect(c * step, y, step * 1.02, step * 1.02, stroke=0, fill=1)


def styles() -> dict[str, ParagraphStyle]:
    """The receipt's paragraph styles (body, label, title, platform, notice, small, caption)."""
    regular, bold = register_fonts()
    base = ParagraphStyle("body", fontName=regular, fontSize=11, leading=16, wordWrap="CJK")
    return {
        "body": base,
        "label": ParagraphStyle("label", base, fontName=bold),
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=22, leading=30, alignment=TA_CENTER),
        "platform": ParagraphStyle("platform", base, fontSize=10, alignment=TA_CENTER, textColor=GRID),
        "notice": ParagraphStyle("notice", base, fontName=bold, fontSize=14, leading=20, alignment=TA_CENTER),
        "small": ParagraphStyle("small", base, fontSize=9, leading=13),
        "caption": ParagraphStyle("caption", base, fontSize=10, leading=14, alignment=TA_CENTER),
    }


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain text (escaped, newlines kept) as a paragraph in `style`."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def cell_font() -> list[tuple[Any, ...]]:
    """Tables otherwise select Helvetica for every cell, adding a non-embedded font to the page."""
    return [("FONT", (0, 0), (-1, -1), register_fonts()[0])]


def _field_table(data: ReceiptData, s: dict[str, ParagraphStyle], width: float) -> Table:
    rows = [[paragraph(label, s["label"]), paragraph(value, s["body"])] for label, value in data.fields()]
    rows.append([paragraph("已收材料", s["label"]), paragraph("\n".join(data.material_lines()), s["body"])])
    rows.append([paragraph("后续办理", s["label"]), paragraph(data.note, s["body"])])
    table = Table(rows, colWidths=[LABEL_WIDTH, width - LABEL_WIDTH])
    table.setStyle(
        TableStyle(
            [
                *cell_font(),
                ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _offline_box(s: dict[str, ParagraphStyle], width: float) -> Table:
    rows = [[paragraph(OFFLINE_NOTICE, s["notice"])], [paragraph(OFFLINE_DETAIL, s["small"])]]
    box = Table(rows, colWidths=[width])
    box.setStyle(
        TableStyle(
            [*cell_font(), ("BOX", (0, 0), (-1, -1), 1.5, colors.black), ("TOPPADDING", (0, 0), (-1, -1), 6)]
        )
    )
    return box


def _qr_block(data: ReceiptData, s: dict[str, ParagraphStyle], width: float) -> Table:
    text = [
        paragraph(QR_CAPTION, s["label"]),
        paragraph(data.query_url, s["small"]),
        paragraph("办件编号：" + data.case_number, s["small"]),
    ]
    block = Table(
        [[QrCode(data.query_url, QR_SIZE), text]], colWidths=[QR_SIZE + 8 * mm, width - QR_SIZE - 8 * mm]
    )
    block.setStyle(
        TableStyle([*cell_font(), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (0, 0), 0)])
    )
    return block


def _story(data: ReceiptData, width: float) -> list[Any]:
    s = styles()
    story: list[Any] = [
        paragraph(PLATFORM_NAME, s["platform"]),
        Spacer(1, 2 * mm),
        paragraph(TITLE, s["title"]),
        Spacer(1, 5 * mm),
    ]
    if data.queued_offline:
        story += [_offline_box(s, width), Spacer(1, 5 * mm)]
    story += [_field_table(data, s, width), Spacer(1, 6 * mm), _qr_block(data, s, width), Spacer(1, 6 * mm)]
    story.append(paragraph("温馨提示：" + TIPS, s["small"]))
    return story


def footer_line(canvas: Any, left: str, right: str) -> None:
    """A rule above the bottom margin, with small grey text on either side under it."""
    regular, _ = register_fonts()
    canvas.saveState()
    canvas.setStrokeColor(GRID)
    canvas.line(MARGIN, 16 * mm, A4[0] - MARGIN, 16 * mm)
    canvas.setFont(regular, 8.5)
    canvas.setFillColor(GRID)
    canvas.drawString(MARGIN, 11 * mm, left)
    canvas.drawRightString(A4[0] - MARGIN, 11 * mm, right)
    canvas.restoreState()


def _footer(printed_at: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        footer_line(canvas, f"{PLATFORM_NAME} · 自助终端打印", f"打印时间 {printed_at}")

    return draw


def render_pdf(data: ReceiptData, *, printed_at: datetime | None = None) -> bytes:
    """The A4 受理回执 as PDF bytes (font subset embedded), ready for `Printer.PrintPdf`."""
    regular, _ = register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=f"{TITLE} {data.case_number}",
        author=PLATFORM_NAME,
        initialFontName=regular,
    )
    footer = _footer(local_time(printed_at or data.accepted_at))
    doc.build(_story(data, A4[0] - 2 * MARGIN), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
