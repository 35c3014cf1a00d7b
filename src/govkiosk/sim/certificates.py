"""Certificates the simulated departments issue for print-type items (证明打印): A4 PDFs set with
the platform's receipt machinery (embedded Noto Sans CJK subset, vector QR codes). Every figure on them is
synthetic and every page says 模拟 / simulated; none is valid anywhere."""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from govkiosk.platform.support.receipts import local_time, mask_id_number
from govkiosk.platform.support.receipts.pdf import (
    GRID,
    MARGIN,
    SHADE,
    QrCode,
    cell_font,
    footer_line,
    paragraph,
    styles,
)
from govkiosk.platform.support.receipts.pdf_font import register_fonts

ISSUER = "深圳市社会保险基金管理局（模拟）"
TITLE = "深圳市社会保险参保证明"
VERIFY_URL = "https://si.sz.example.cn/verify/{code}"  # the simulated verification service
SEAL_RED = colors.HexColor("#c8102e")
PURPOSES = {
    "residence_permit": "办理居住证",
    "school": "子女入学",
    "housing": "购房",
    "car": "购车摇号",
    "other": "其他",
}
INSURANCES = ("基本养老保险", "基本医疗保险（一档）", "失业保险", "工伤保险", "生育保险")
EMPLOYERS = ("深圳市前海示例科技有限公司（模拟）", "深圳市南山示例餐饮有限公司（模拟）", "灵活就业（模拟）")
STATEMENT = (
    "兹证明上述人员在所列期间参加深圳市社会保险的情况如上表。"
    "本证明由政务服务自助终端打印，可扫描二维码或凭验证码核验真伪。"
)
SIMULATED = "模拟数据，仅供演示，不具任何效力 · SIMULATED, NOT VALID"


@dataclass(frozen=True)
class Certificate:
    """What one 参保证明 shows; the ID number is masked when drawn."""

    case_number: str
    name: str
    id_number: str
    purpose: str
    period_from: date
    period_to: date
    employer: str
    verification_code: str
    issued_at: datetime

    @property
    def months(self) -> int:
        """Calendar months in the period, both ends included."""
        return (
            (self.period_to.year - self.period_from.year) * 12
            + self.period_to.month
            - self.period_from.month
            + 1
        )


def certificate_of(case: dict[str, Any], *, rng: random.Random, issued_at: datetime) -> Certificate:
    """The certificate for a case as the platform's `case.submitted` webhook describes it."""
    data, applicant = case.get("data") or {}, case["applicant"]
    period = data.get("period") or {}
    today = issued_at.date()
    code = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(16))
    return Certificate(
        case_number=case["case_number"], name=applicant["name"], id_number=applicant["id_number"],
        purpose=PURPOSES.get(str(data.get("purpose")), "其他"),
        period_from=date.fromisoformat(period.get("from") or today.replace(day=1).isoformat()),
        period_to=date.fromisoformat(period.get("to") or today.isoformat()),
        employer=rng.choice(EMPLOYERS), verification_code="-".join(code[i : i + 4] for i in range(0, 16, 4)),
        issued_at=issued_at,
    )  # fmt: skip


def _styles() -> dict[str, ParagraphStyle]:
    receipt = styles()
    warning = ParagraphStyle("warning", receipt["notice"], fontSize=11, leading=16, textColor=SEAL_RED)
    return {**receipt, "warning": warning}


def _table(rows: list[list[Any]], widths: list[float], *, header: bool) -> Table:
    table = Table(rows, colWidths=widths)
    shaded = (0, 0, -1, 0) if header else (0, 0, 0, -1)
    table.setStyle(
        TableStyle(
            [
                *cell_font(),
                ("GRID", (0, 0), (-1, -1), 0.6, GRID),
                ("BACKGROUND", shaded[:2], shaded[2:], SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _person(c: Certificate, s: dict[str, ParagraphStyle], width: float) -> Table:
    period = f"{c.period_from:%Y年%m月} 至 {c.period_to:%Y年%m月}（共 {c.months} 个月）"
    fields = [("姓名", c.name), ("公民身份号码", mask_id_number(c.id_number)), ("证明用途", c.purpose),
              ("证明期间", period), ("参保单位", c.employer)]  # fmt: skip
    rows = [[paragraph(label, s["label"]), paragraph(value, s["body"])] for label, value in fields]
    return _table(rows, [32 * mm, width - 32 * mm], header=False)


def _insurances(c: Certificate, s: dict[str, ParagraphStyle], width: float) -> Table:
    span = f"{c.period_from:%Y.%m}—{c.period_to:%Y.%m}"
    head = [paragraph(text, s["label"]) for text in ("险种", "参保起止年月", "缴费月数", "参保状态")]
    rows = [[paragraph(name, s["body"]), paragraph(span, s["body"]), paragraph(str(c.months), s["body"]),
             paragraph("正常参保", s["body"])] for name in INSURANCES]  # fmt: skip
    return _table([head, *rows], [width * 0.34, width * 0.30, width * 0.16, width * 0.20], header=True)


def _verification(c: Certificate, s: dict[str, ParagraphStyle], width: float) -> Table:
    url = VERIFY_URL.format(code=c.verification_code)
    size = 32 * mm
    lines = [
        ("验证码：" + c.verification_code, "label"),
        ("扫码核验证明真伪（模拟）", "small"),
        (url, "small"),
        ("办件编号：" + c.case_number, "small"),
        ("出具时间：" + local_time(c.issued_at), "small"),
    ]
    text = [paragraph(line, s[style]) for line, style in lines]
    block = Table([[QrCode(url, size), text]], colWidths=[size + 8 * mm, width - size - 8 * mm])
    block.setStyle(TableStyle([*cell_font(), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (0, 0), 0)]))  # fmt: skip
    return block


def _decorate(canvas: Any, doc: Any) -> None:
    """The diagonal 模拟 mark, the simulated seal, the footer."""
    _, bold = register_fonts()
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.8, 0.1, 0.2, alpha=0.08))
    canvas.setFont(bold, 64)
    canvas.translate(A4[0] / 2, A4[1] / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, 0, "模拟 SIMULATED")
    canvas.restoreState()
    canvas.saveState()  # the seal, over the statement
    x, y = A4[0] - MARGIN - 30 * mm, 88 * mm
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(2)
    canvas.circle(x, y, 20 * mm, stroke=1, fill=0)
    canvas.setFont(bold, 9)
    canvas.drawCentredString(x, y + 6 * mm, "社会保险基金管理局")
    canvas.setFont(bold, 16)
    canvas.drawCentredString(x, y - 2 * mm, "★")
    canvas.setFont(bold, 9)
    canvas.drawCentredString(x, y - 9 * mm, "证明专用章（模拟）")
    canvas.restoreState()
    footer_line(canvas, f"{ISSUER} · 自助终端打印", SIMULATED)


def render_insurance_certificate(c: Certificate) -> bytes:
    """深圳市社会保险参保证明 as an A4 PDF (font subset embedded), ready for `Printer.PrintPdf`."""
    regular, _ = register_fonts()
    s, width = _styles(), A4[0] - 2 * MARGIN
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=22 * mm,
        title=f"{TITLE} {c.case_number}（模拟）", author=ISSUER, initialFontName=regular,
    )  # fmt: skip
    story = [
        paragraph(ISSUER, s["platform"]), Spacer(1, 2 * mm), paragraph(TITLE, s["title"]),
        paragraph(SIMULATED, s["warning"]), Spacer(1, 5 * mm), _person(c, s, width), Spacer(1, 5 * mm),
        paragraph("参保缴费情况", s["label"]), Spacer(1, 2 * mm), _insurances(c, s, width), Spacer(1, 5 * mm),
        paragraph(STATEMENT, s["body"]), Spacer(1, 30 * mm), _verification(c, s, width),
    ]  # fmt: skip
    doc.build(story, onFirstPage=_decorate, onLaterPages=_decorate)
    return out.getvalue()


def insurance_certificate(case: dict[str, Any], *, rng: random.Random, issued_at: datetime) -> bytes:
    """The 参保证明 PDF of a case of 社会保险参保证明打印."""
    return render_insurance_certificate(certificate_of(case, rng=rng, issued_at=issued_at))


# Print-type items whose department issues a document at once: item name → the document's title and renderer.
CERTIFICATES: dict[str, tuple[str, Callable[..., bytes]]] = {
    "社会保险参保证明打印": (TITLE, insurance_certificate),
}
