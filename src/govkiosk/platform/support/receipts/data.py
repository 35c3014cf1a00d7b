"""What a 受理回执 says: the receipt's data, masking of personal data and the fields in print order."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from govkiosk.contracts.masking import mask_id_number, mask_name

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
PLATFORM_NAME = "深圳市政务服务自助终端一体化平台"
TITLE = "政务服务事项受理回执"
OFFLINE_NOTICE = "已排队，网络恢复后自动提交"
OFFLINE_DETAIL = "本机暂时无法连接政务服务平台，申请已安全保存在本机，网络恢复后自动提交，无需重复办理。"
IMMEDIATE = "即办"
QR_CAPTION = "扫码查询办理进度"
TIPS = (
    "请妥善保管本回执，凭办件编号或扫描二维码可随时查询办理进度；"
    "办结结果将以短信通知；本回执不作为办理结果的凭证。"
)
DEFAULT_NOTE = "部门将在承诺时限内审核办理，如需补正材料将以短信通知您。"


def local_time(moment: datetime) -> str:
    """An aware instant as Shenzhen local time (2026-11-28 10:15)."""
    if moment.tzinfo is None:
        raise ValueError("receipt times must be timezone-aware (UTC)")
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class ReceiptData:
    """Everything a 受理回执 shows; times are aware (UTC) and shown in Asia/Shanghai time."""

    case_number: str
    item_name: str
    department: str
    applicant_name: str
    id_number: str  # full number in, only the masked form is ever rendered
    accepted_at: datetime
    promised_deadline: date | datetime | None  # None: 即办 (handled on the spot)
    site_name: str
    query_url: str  # https://…/q/<token>, encoded in the QR code
    materials: tuple[str, ...] = field(default_factory=tuple)
    note: str = DEFAULT_NOTE
    queued_offline: bool = False

    def deadline_text(self) -> str:
        """The promised deadline as shown (a date, or 即办)."""
        if self.promised_deadline is None:
            return IMMEDIATE
        day = self.promised_deadline
        if isinstance(day, datetime):
            day = day.astimezone(LOCAL_TZ).date() if day.tzinfo else day.date()
        return f"{day:%Y年%m月%d日}前办结"

    def fields(self) -> list[tuple[str, str]]:
        """The (label, value) rows in print order, personal data masked."""
        return [
            ("办件编号", self.case_number),
            ("事项名称", self.item_name),
            ("受理部门", self.department),
            ("申请人", mask_name(self.applicant_name)),
            ("证件号码", mask_id_number(self.id_number)),
            ("提交时间" if self.queued_offline else "受理时间", local_time(self.accepted_at)),
            ("承诺时限", self.deadline_text()),
            ("办理地点", self.site_name),
        ]

    def material_lines(self) -> list[str]:
        """The received materials, numbered."""
        return [f"{i}. {m}" for i, m in enumerate(self.materials, start=1)] or ["无"]


def sample_receipt(*, queued_offline: bool = False) -> ReceiptData:
    """A realistic demo case: 灵活就业人员参保登记 at a Futian street service centre."""
    return ReceiptData(
        case_number="K440304-20261128-000123-7",
        item_name="灵活就业人员参保登记（企业职工基本养老保险、基本医疗保险）",
        department="深圳市社会保险基金管理局福田分局",
        applicant_name="张晓三",
        id_number="44030419900307123X",
        accepted_at=datetime(2026, 11, 28, 2, 15, tzinfo=UTC),
        promised_deadline=date(2026, 12, 5),
        site_name="福田区莲花街道党群服务中心 自助终端 FT-LH-003",
        query_url="https://gov.sz.example.cn/q/7Hq2mX9vK4pL",
        materials=(
            "居民身份证（读卡核验）",
            "灵活就业人员参保登记表（在线填写）",
            "近期免冠照片（现场采集）",
        ),
        queued_offline=queued_offline,
    )
