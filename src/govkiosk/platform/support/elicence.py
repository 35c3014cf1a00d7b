"""E-licences (电子证照): the library protocol, an HTTP adapter for a real service and a simulated library.

The simulated library holds deterministic licences of a few demo citizens and companies; every licence is
flagged `simulated` and every rendered document carries a "模拟 / SIMULATED" watermark and footer.
"""

import base64
import io
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import quote

import httpx
from PIL import Image, ImageDraw, ImageFont

from govkiosk.crypto import sm3
from govkiosk.platform.catalog.codes import org_code_check_char, uscc_check_char
from govkiosk.platform.core.errors import DomainError, NotFound

LICENCE_TYPES = ("居民身份证", "居民户口簿", "结婚证", "营业执照", "不动产权证书", "驾驶证", "居住证")
FONT_PATH = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SIMULATED_MARK = "模拟 / simulated"
FaultMode = Literal["normal", "unavailable", "slow"]

_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


class LicenceLibraryUnavailable(DomainError):
    """The e-licence library cannot answer now; the kiosk offers scanning the paper licence instead."""

    status_code = 503
    code = "elicence_unavailable"


class LicenceLibraryError(DomainError):
    """The e-licence library answered with something that cannot be trusted."""

    status_code = 502
    code = "elicence_bad_answer"


def id_check_char(first17: str) -> str:
    """The 18th character of a citizen ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError(f"{first17!r} is not 17 digits")
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_valid_id_number(number: str) -> bool:
    """Whether `number` is a well-formed 18-character citizen ID number with a real birth date."""
    if not _ID_PATTERN.fullmatch(number) or id_check_char(number[:17]) != number[17]:
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Licence:
    """The metadata of one e-licence; `fields` are the labelled lines printed on it."""

    licence_id: str
    licence_type: str
    number: str
    holder_name: str
    holder_id_number: str
    issuer: str
    issued_on: date
    valid_until: date | None  # None: 长期 (no expiry)
    fields: tuple[tuple[str, str], ...]
    simulated: bool = False

    def is_valid_on(self, day: date) -> bool:
        """Whether the licence is in force on `day`."""
        return self.issued_on <= day and (self.valid_until is None or day <= self.valid_until)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (ISO dates, fields as an object)."""
        data = asdict(self)
        data.update(
            issued_on=self.issued_on.isoformat(),
            valid_until=self.valid_until.isoformat() if self.valid_until else None,
            fields=dict(self.fields),
        )
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Licence":
        """The inverse of `to_json`."""
        until = data.get("valid_until")
        return cls(
            **{
                k: data[k]
                for k in ("licence_id", "licence_type", "number", "holder_name", "holder_id_number")
            },
            issuer=data["issuer"],
            issued_on=date.fromisoformat(data["issued_on"]),
            valid_until=date.fromisoformat(until) if until else None,
            fields=tuple((str(k), str(v)) for k, v in data.get("fields", {}).items()),
            simulated=bool(data.get("simulated", False)),
        )


@dataclass(frozen=True)
class LicenceDocument:
    """A licence with its rendered document (PNG, PDF or OFD) and that document's SM3 digest (hex)."""

    licence: Licence
    content: bytes
    content_type: str
    sm3: str


class LicenceLibrary(Protocol):
    """An e-licence library: find a holder's licences of a type, fetch one with its document."""

    def find(self, holder_id_number: str, licence_type: str) -> list[Licence]: ...

    def fetch(self, licence_id: str) -> LicenceDocument: ...


# --- adapter for a real service ---------------------------------------------------------------------


class HttpLicenceLibrary:
    """Adapter for an HTTP e-licence service (e.g. the provincial 电子证照 system behind the city gateway).

    Endpoints are configurable; the expected answers are
    `GET {find_path}?holder_id_number=…&licence_type=…` → `{"licences": [Licence.to_json(), …]}` and
    `GET {fetch_path}` → `{"licence": {…}, "content_type": "…", "content_base64": "…", "sm3": "<hex>"}`.
    Authentication is whatever the gateway demands: fixed `headers` (an app key) and/or an `httpx.Auth`
    (a signing scheme). Timeouts, transport errors and 5xx answers become `LicenceLibraryUnavailable`.
    """

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        timeout_s: float = 5.0,
        find_path: str = "/licences",
        fetch_path: str = "/licences/{licence_id}/document",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url, headers=dict(headers or {}), auth=auth, timeout=timeout_s, transport=transport
        )
        self._find_path = find_path
        self._fetch_path = fetch_path

    def find(self, holder_id_number: str, licence_type: str) -> list[Licence]:
        """The holder's licences of `licence_type` known to the service."""
        params = {"holder_id_number": holder_id_number, "licence_type": licence_type}
        body = self._get_json(self._find_path, params)
        return [Licence.from_json(item) for item in body.get("licences", [])]

    def fetch(self, licence_id: str) -> LicenceDocument:
        """One licence with its document, whose SM3 digest is checked against the service's."""
        body = self._get_json(self._fetch_path.format(licence_id=quote(licence_id, safe="")), {})
        try:
            content = base64.b64decode(body["content_base64"], validate=True)
            document = LicenceDocument(
                licence=Licence.from_json(body["licence"]),
                content=content,
                content_type=str(body["content_type"]),
                sm3=str(body["sm3"]).lower(),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LicenceLibraryError(f"malformed e-licence answer: {exc}") from exc
        if sm3(content).hex() != document.sm3:
            raise LicenceLibraryError("e-licence document does not match its SM3 digest")
        return document

    def _get_json(self, path: str, params: Mapping[str, str]) -> dict[str, Any]:
        try:
            response = self._client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise LicenceLibraryUnavailable(f"e-licence library unreachable: {type(exc).__name__}") from exc
        if response.status_code == 404:
            raise NotFound("no such e-licence")
        if response.status_code >= 500:
            raise LicenceLibraryUnavailable(f"e-licence library answered {response.status_code}")
        if response.status_code != 200:
            raise LicenceLibraryError(f"e-licence library answered {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise LicenceLibraryError("e-licence library answered with invalid JSON") from exc
        if not isinstance(data, dict):
            raise LicenceLibraryError("e-licence library answered with a non-object")
        return data


# --- simulated library -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCitizen:
    """A made-up resident with a valid ID number; `region` is the ID's 6-digit administrative code."""

    name: str
    sex: Literal["男", "女"]
    birth: date
    region: str
    sequence: int  # odd for men, even for women (GB 11643)
    address: str
    police: str  # the 公安分局 that issued the ID card

    @property
    def id_number(self) -> str:
        """The 18-character ID number, check digit included."""
        first17 = f"{self.region}{self.birth:%Y%m%d}{self.sequence:03d}"
        return first17 + id_check_char(first17)


@dataclass(frozen=True)
class DemoCompany:
    """A made-up company with a valid unified social credit code (GB 32100)."""

    name: str
    kind: str
    register: str  # "91" for enterprises, "92" for individual businesses
    org8: str
    representative: DemoCitizen
    capital: str
    founded: date
    address: str

    @property
    def uscc(self) -> str:
        """The 18-character code: register, 440300 (Shenzhen), organisation code, check character."""
        first17 = f"{self.register}440300{self.org8}{org_code_check_char(self.org8)}"
        return first17 + uscc_check_char(first17)


_SZ_POLICE = "深圳市公安局"
CITIZENS = (
    DemoCitizen("张三", "男", date(1985, 3, 12), "440304", 31, "深圳市福田区福华三路88号", "福田分局"),
    DemoCitizen("王芳", "女", date(1987, 11, 23), "440303", 42, "深圳市福田区福华三路88号", "罗湖分局"),
    DemoCitizen("李四", "男", date(1990, 7, 8), "440305", 17, "深圳市南山区科技南十二路2号", "南山分局"),
    DemoCitizen("陈晓明", "男", date(1972, 1, 30), "440306", 55, "深圳市宝安区宝城68区", "宝安分局"),
    DemoCitizen("刘洋", "女", date(1996, 5, 5), "430102", 28, "长沙市芙蓉区五一大道100号", "长沙市公安局"),
    DemoCitizen("赵磊", "男", date(2001, 9, 15), "440309", 73, "深圳市龙华区民治街道民康路5号", "龙华分局"),
)
ZHANG_SAN, WANG_FANG, LI_SI, CHEN_XIAOMING, LIU_YANG, ZHAO_LEI = CITIZENS
_LLC = "有限责任公司"
_SOLE = "个体工商户"
COMPANIES = (
    DemoCompany("深圳市前海示例科技有限公司", _LLC, "91", "MA5F2K7Q", LI_SI, "500", date(2018, 6, 1), "前海"),
    DemoCompany(
        "深圳市南山示例餐饮有限公司", _LLC, "91", "MA5G8N3R", CHEN_XIAOMING, "100", date(2020, 9, 9), "南山"
    ),
    DemoCompany("深圳市福田区张三便利店", _SOLE, "92", "L1234567", ZHANG_SAN, "5", date(2021, 3, 15), "福田"),
)
_COMPANY_ADDRESSES = {
    "前海": "深圳市前海深港合作区南山街道桂湾五路128号",
    "南山": "深圳市南山区粤海街道高新南一道9号",
    "福田": "深圳市福田区福华三路88号商铺",
}
# The labelled lines printed on each type of licence, in order; values come from the builders below.
_LABELS = {
    "居民身份证": "姓名 性别 民族 出生 住址 公民身份号码 签发机关",
    "居民户口簿": "户号 户主姓名 姓名 与户主关系 性别 出生日期 住址 公民身份号码",
    "结婚证": "持证人 登记日期 结婚证字号 男方 女方",
    "营业执照": "统一社会信用代码 名称 类型 法定代表人/经营者 注册资本 成立日期 营业期限 住所",
    "不动产权证书": "权利人 共有情况 坐落 不动产单元号 权利类型 权利性质 用途 面积 使用期限",
    "驾驶证": "证号 姓名 性别 国籍 出生日期 初次领证日期 准驾车型 档案编号",
    "居住证": "证件名称 姓名 性别 公民身份号码 居住地址",
}


def _licence(
    kind: str,
    number: str,
    holder: tuple[str, str],
    issuer: str,
    issued: date,
    until: date | None,
    *values: str,
) -> Licence:
    code = f"{LICENCE_TYPES.index(kind) + 1:02d}"
    licence_id = f"SIM-{code}-{sm3(f'{kind}|{number}|{holder[1]}'.encode()).hex()[:20]}"
    fields = tuple(zip(_LABELS[kind].split(), values, strict=True))
    extra = (("有效期至", until.isoformat() if until else "长期"), ("数据来源", SIMULATED_MARK))
    return Licence(licence_id, kind, number, *holder, issuer, issued, until, fields + extra, simulated=True)


def _years_later(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


def _cn(day: date) -> str:
    return f"{day:%Y年%m月%d日}"


def _id_card(c: DemoCitizen, issued: date) -> Licence:
    age = issued.year - c.birth.year  # validity by age at issue: 5, 10, 20 years or 长期 (GB/T 16-25-45 rule)
    years = 5 if age < 16 else 10 if age < 26 else 20 if age < 46 else None
    until = _years_later(issued, years) if years else None
    issuer = c.police if "市" in c.police else f"{_SZ_POLICE}{c.police}"
    values = (c.name, c.sex, "汉", _cn(c.birth), c.address, c.id_number, issuer)
    return _licence("居民身份证", c.id_number, (c.name, c.id_number), issuer, issued, until, *values)


def _hukou(c: DemoCitizen, household: str, head: DemoCitizen, relation: str, issued: date) -> Licence:
    values = (household, head.name, c.name, relation, c.sex, _cn(c.birth), head.address, c.id_number)
    issuer = f"{_SZ_POLICE}{head.police}"
    return _licence("居民户口簿", household, (c.name, c.id_number), issuer, issued, None, *values)


def _marriage(holder: DemoCitizen, man: DemoCitizen, woman: DemoCitizen, number: str, day: date) -> Licence:
    values = (holder.name, _cn(day), number, f"{man.name} {man.id_number}", f"{woman.name} {woman.id_number}")
    return _licence(
        "结婚证", number, (holder.name, holder.id_number), "深圳市福田区民政局", day, None, *values
    )


def _business(co: DemoCompany) -> Licence:
    capital, address = f"人民币{co.capital}万元", _COMPANY_ADDRESSES[co.address]
    values = (co.uscc, co.name, co.kind, co.representative.name, capital, _cn(co.founded), "长期", address)
    return _licence(
        "营业执照", co.uscc, (co.name, co.uscc), "深圳市市场监督管理局", co.founded, None, *values
    )


def _property(c: DemoCitizen, number: str, unit: str, location: str, area: str, share: str) -> Licence:
    right = "国有建设用地使用权/房屋所有权"
    term = "2005年01月01日起2074年12月31日止"
    values = (c.name, share, location, unit, right, "出让/商品房", "住宅", area, term)
    issuer, issued = "深圳市规划和自然资源局", date(2016, 8, 18)
    return _licence("不动产权证书", number, (c.name, c.id_number), issuer, issued, None, *values)


def _driving(c: DemoCitizen, first: date, issued: date, years: int, archive: str) -> Licence:
    values = (c.id_number, c.name, c.sex, "中国", f"{c.birth:%Y-%m-%d}", f"{first:%Y-%m-%d}", "C1", archive)
    issuer, until = "广东省深圳市公安局交通警察支队", _years_later(issued, years)
    return _licence("驾驶证", c.id_number, (c.name, c.id_number), issuer, issued, until, *values)


def _residence(c: DemoCitizen, number: str, issued: date, address: str) -> Licence:
    values = ("深圳经济特区居住证", c.name, c.sex, c.id_number, address)
    issuer, until = f"{_SZ_POLICE}龙岗分局", _years_later(issued, 3)
    return _licence("居住证", number, (c.name, c.id_number), issuer, issued, until, *values)


_ID_ISSUED = (date(2015, 4, 1), date(2013, 6, 20), date(2016, 8, 2), date(2019, 2, 11), date(2021, 7, 7))


def demo_licences() -> tuple[Licence, ...]:
    """Every licence of the simulated library, always the same."""
    ids = [_id_card(c, d) for c, d in zip(CITIZENS, (*_ID_ISSUED, date(2017, 10, 9)), strict=True)]
    household = [
        _hukou(ZHANG_SAN, "440304917", ZHANG_SAN, "户主", date(2014, 9, 1)),
        _hukou(WANG_FANG, "440304917", ZHANG_SAN, "妻", date(2014, 9, 1)),
        _hukou(LI_SI, "440305233", LI_SI, "户主", date(2015, 3, 3)),
        _hukou(CHEN_XIAOMING, "440306508", CHEN_XIAOMING, "户主", date(2003, 5, 26)),
        _hukou(ZHAO_LEI, "440309126", ZHAO_LEI, "户主", date(2019, 12, 1)),
    ]
    married = [
        _marriage(p, ZHANG_SAN, WANG_FANG, "J440304-2014-004321", date(2014, 5, 20))
        for p in (ZHANG_SAN, WANG_FANG)
    ]
    zhang_home = ("深圳市福田区福华三路88号某花园2栋1502", "89.32㎡", "共同共有（王芳）")
    chen_home = ("深圳市宝安区新安街道宝城68区某苑5栋801", "112.60㎡", "单独所有")
    homes = [
        _property(
            ZHANG_SAN, "粤（2016）深圳市不动产权第0031415号", "440304007001GB00123F00010056", *zhang_home
        ),
        _property(
            CHEN_XIAOMING, "粤（2016）深圳市不动产权第0092653号", "440306003002GB00456F00020118", *chen_home
        ),
    ]
    driving = [
        _driving(ZHANG_SAN, date(2008, 7, 1), date(2024, 7, 1), 10, "440300218765"),
        _driving(LI_SI, date(2012, 9, 3), date(2018, 9, 3), 10, "440300335412"),
        _driving(ZHAO_LEI, date(2021, 4, 12), date(2021, 4, 12), 6, "440300701934"),
    ]
    liu = _residence(LIU_YANG, "4403072024018836", date(2024, 3, 1), "深圳市龙岗区坂田街道五和大道12号")
    return (*ids, *household, *married, *[_business(co) for co in COMPANIES], *homes, *driving, liu)


@lru_cache(maxsize=4)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(path, size)
    except OSError:  # no CJK font installed: Latin only, still a valid PNG
        return ImageFont.load_default()


def render_card(licence: Licence, *, font_path: Path = FONT_PATH) -> bytes:
    """A plain PNG card of the licence, watermarked and footed "模拟 / SIMULATED" when simulated."""
    width, line = 1000, 44
    height = 190 + line * len(licence.fields) + 100
    card = Image.new("RGB", (width, height), (246, 243, 232))
    draw = ImageDraw.Draw(card)
    title, body, small = (_font(str(font_path), s) for s in (40, 24, 18))
    draw.rectangle((12, 12, width - 12, height - 12), outline=(150, 30, 30), width=4)
    draw.text((40, 36), licence.licence_type, font=title, fill=(150, 30, 30))
    draw.text((40, 100), f"电子证照  {licence.number}", font=body, fill=(40, 40, 40))
    for i, (label, value) in enumerate(licence.fields):
        y = 160 + i * line
        draw.text((40, y), label, font=body, fill=(90, 90, 90))
        draw.text((240, y), value, font=body, fill=(20, 20, 20))
    footer = f"{licence.licence_id}    签发机关: {licence.issuer}"
    if licence.simulated:
        footer += "\n模拟数据，不是真实证照 / SIMULATED — not a real licence"
        card = _watermark(card, _font(str(font_path), 96))
        draw = ImageDraw.Draw(card)
    draw.text((40, height - 84), footer, font=small, fill=(150, 30, 30))
    out = io.BytesIO()
    card.save(out, format="PNG")
    return out.getvalue()


def _watermark(card: Image.Image, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> Image.Image:
    layer = Image.new("RGBA", (card.width, card.width), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text(
        (card.width // 2, card.width // 2), "模拟 SIMULATED", font=font, fill=(200, 0, 0, 60), anchor="mm"
    )
    layer = layer.rotate(25)
    top = (card.width - card.height) // 2
    base = card.convert("RGBA")
    base.alpha_composite(layer.crop((0, top, card.width, top + card.height)))
    return base.convert("RGB")


class SimulatedLicenceLibrary:
    """A simulated e-licence library (模拟电子证照库) with fault injection for the kiosk's failure paths."""

    name = "模拟电子证照库 / simulated e-licence library"

    def __init__(
        self,
        *,
        mode: FaultMode = "normal",
        slow_delay_s: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        font_path: Path = FONT_PATH,
    ) -> None:
        self.mode: FaultMode = mode
        self.slow_delay_s = slow_delay_s
        self._sleep = sleep
        self._font_path = font_path
        self._licences = {licence.licence_id: licence for licence in demo_licences()}
        self._documents: dict[str, LicenceDocument] = {}
        self._lock = threading.Lock()

    def find(self, holder_id_number: str, licence_type: str) -> list[Licence]:
        """The holder's licences of `licence_type` (none for a type the simulation does not hold)."""
        self._inject_fault()
        return [
            licence
            for licence in self._licences.values()
            if licence.holder_id_number == holder_id_number and licence.licence_type == licence_type
        ]

    def fetch(self, licence_id: str) -> LicenceDocument:
        """One licence with its PNG card; rendered once, so the same bytes and digest every time."""
        self._inject_fault()
        licence = self._licences.get(licence_id)
        if licence is None:
            raise NotFound("no such e-licence")
        with self._lock:
            if licence_id not in self._documents:
                content = render_card(licence, font_path=self._font_path)
                self._documents[licence_id] = LicenceDocument(
                    licence, content, "image/png", sm3(content).hex()
                )
            return self._documents[licence_id]

    def _inject_fault(self) -> None:
        if self.mode == "unavailable":
            raise LicenceLibraryUnavailable(
                "电子证照库暂不可用（模拟故障） / e-licence library unavailable (simulated)"
            )
        if self.mode == "slow":
            self._sleep(self.slow_delay_s)
