"""The receipt-printer form: a 1-bit raster (what ESC/POS prints as an image) and plain text lines."""

import io
import unicodedata
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont

from govkiosk.platform.support.receipts.data import (
    OFFLINE_NOTICE,
    PLATFORM_NAME,
    QR_CAPTION,
    TIPS,
    TITLE,
    ReceiptData,
)
from govkiosk.platform.support.receipts.fonts import find_cjk_font
from govkiosk.platform.support.receipts.qr import QUIET_ZONE, qr_matrix

WIDTH_80MM = 576  # dots across an 80 mm roll at 203 dpi
WIDTH_58MM = 384
TEXT_COLUMNS = {WIDTH_80MM: 48, WIDTH_58MM: 32}  # 12×24 font: one CJK character takes two columns
BODY_PX, TITLE_PX = 24, 34
MARGIN_PX = 12
MIN_QR_PX = 240  # 30 mm at 203 dpi
GAP = 8


def _font(size: int, weight: str = "regular") -> ImageFont.FreeTypeFont:
    location = find_cjk_font(weight)
    return ImageFont.truetype(str(location.path), size, index=location.index)


def wrap_pixels(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy line breaking that fits `width` pixels, keeping Latin words whole where it can."""
    return _wrap(text, lambda s: font.getlength(s) <= width)


def wrap_columns(text: str, columns: int) -> list[str]:
    """Line breaking by display columns (CJK characters count two)."""
    return _wrap(
        text, lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s) <= columns
    )


NO_LINE_START = set("，。、；：！？）」』》〉】,.;:!?)%")  # closing punctuation never starts a line


def _wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if fits(line + char):
                line += char
                continue
            head, line = _break(line, char)
            lines.append(head)
        lines.append(line)
    return lines


def _break(line: str, char: str) -> tuple[str, str]:
    """Split before `char`: Latin words break at a space or after a hyphen, punctuation takes a friend."""
    if char in NO_LINE_START and len(line) > 1:
        return line[:-1], line[-1] + char
    if char.isascii() and char != " " and line[-1:].isascii():
        cut = max(line.rfind(" "), line.rfind("-"))
        if cut > 0:
            keep = cut + 1 if line[cut] == "-" else cut
            return line[:keep], line[cut + 1 :] + char
    return line, char.strip()


class _Canvas:
    """A growing white strip on which the receipt is laid out top to bottom."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.image = Image.new("L", (width, 4000), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.y = MARGIN_PX
        self.body, self.bold = _font(BODY_PX), _font(BODY_PX, "bold")
        self.title = _font(TITLE_PX, "bold")

    def text(self, text: str, font: ImageFont.FreeTypeFont, *, center: bool = False, indent: int = 0) -> None:
        """Wrapped text, each line advancing the cursor."""
        size = int(font.size)
        for line in wrap_pixels(text, font, self.width - 2 * MARGIN_PX - indent):
            x = (self.width - font.getlength(line)) / 2 if center else MARGIN_PX + indent
            self.draw.text((x, self.y), line, font=font, fill=0)
            self.y += int(size * 1.35)

    def fitting(self, text: str) -> ImageFont.FreeTypeFont:
        """The body font, smaller if that lets a short heading stay on one line."""
        for size in range(BODY_PX, 17, -1):
            font = _font(size)
            if font.getlength(text) <= self.width - 2 * MARGIN_PX:
                return font
        return self.body

    def field(self, label: str, value: str) -> None:
        """`label：value`, the value wrapped under itself (or under the label when that keeps it whole)."""
        head = label + "："
        indent = int(self.bold.getlength(head))
        self.draw.text((MARGIN_PX, self.y), head, font=self.bold, fill=0)
        room = self.width - 2 * MARGIN_PX
        longest = max(self.body.getlength(line) for line in value.split("\n"))
        if longest > room - indent and longest <= room - BODY_PX and value.isascii():
            self.y += int(BODY_PX * 1.35)
            indent = BODY_PX
        self.text(value, self.body, indent=indent)

    def rule(self) -> None:
        """A dashed separator."""
        self.y += GAP // 2
        for x in range(MARGIN_PX, self.width - MARGIN_PX, 12):
            self.draw.line([(x, self.y), (x + 6, self.y)], fill=0, width=2)
        self.y += GAP

    def inverse(self, text: str) -> None:
        """White text on a black band: the offline-queue notice."""
        lines = wrap_pixels(text, self.bold, self.width - 4 * MARGIN_PX)
        height = len(lines) * int(BODY_PX * 1.4) + GAP * 2
        self.draw.rectangle([MARGIN_PX, self.y, self.width - MARGIN_PX, self.y + height], fill=0)
        self.y += GAP
        for line in lines:
            self.draw.text(
                ((self.width - self.bold.getlength(line)) / 2, self.y), line, font=self.bold, fill=255
            )
            self.y += int(BODY_PX * 1.4)
        self.y += GAP * 2

    def qr(self, url: str) -> None:
        """The QR code, centred, each module a whole number of dots."""
        matrix = qr_matrix(url)
        wanted = -(-MIN_QR_PX // (len(matrix) - 2 * QUIET_ZONE))  # dots per module for 30 mm of code
        module = min(max(wanted, 8), (self.width - 2 * MARGIN_PX) // len(matrix))
        left = (self.width - module * len(matrix)) // 2
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    x, y = left + c * module, self.y + r * module
                    self.draw.rectangle([x, y, x + module - 1, y + module - 1], fill=0)
        self.y += module * len(matrix)

    def png(self) -> bytes:
        """The strip cut to length as a 1-bit PNG."""
        strip = self.image.crop((0, 0, self.width, self.y + MARGIN_PX * 3))
        mono = strip.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)
        out = io.BytesIO()
        mono.save(out, format="PNG", optimize=True)
        return out.getvalue()


def render_receipt_png(data: ReceiptData, width_px: int = WIDTH_80MM) -> bytes:
    """The receipt-printer form as a 1-bit PNG `width_px` dots wide (576: 80 mm roll, 384: 58 mm)."""
    canvas = _Canvas(width_px)
    canvas.text(PLATFORM_NAME, canvas.fitting(PLATFORM_NAME), center=True)
    canvas.text(TITLE, canvas.title, center=True)
    canvas.rule()
    if data.queued_offline:
        canvas.inverse(OFFLINE_NOTICE)
    for label, value in data.fields():
        canvas.field(label, value)
    canvas.field("已收材料", "\n".join(data.material_lines()))
    canvas.rule()
    canvas.qr(data.query_url)
    canvas.text(QR_CAPTION, canvas.bold, center=True)
    canvas.rule()
    canvas.text(data.note, canvas.body)
    canvas.text("温馨提示：" + TIPS, canvas.body)
    return canvas.png()


def receipt_text_lines(data: ReceiptData, columns: int = TEXT_COLUMNS[WIDTH_80MM]) -> list[str]:
    """The receipt as text lines no wider than `columns` (for `Printer.PrintRaw` on text-only printers)."""
    rule = "-" * columns
    blocks = [PLATFORM_NAME, TITLE, rule]
    if data.queued_offline:
        blocks += [f"*** {OFFLINE_NOTICE} ***", rule]
    blocks += [f"{label}：{value}" for label, value in data.fields()]
    blocks += ["已收材料：\n" + "\n".join(data.material_lines()), rule]
    blocks += [f"{QR_CAPTION}：\n{data.query_url}", data.note, "温馨提示：" + TIPS]
    return [line for block in blocks for line in wrap_columns(block, columns)]
