"""Service catalog (政务服务事项目录) schemas: items after GB/T 39554.1-2020 and service applications."""

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from govkiosk.contracts.terminal_api import DeviceClass


class ItemType(enum.StrEnum):
    """Item type: the ten administrative-power kinds (行政权力事项), public service, convenience service."""

    LICENSING = "XK"  # 行政许可
    PENALTY = "CF"  # 行政处罚
    COERCION = "QZ"  # 行政强制
    LEVY = "ZS"  # 行政征收
    BENEFIT = "GF"  # 行政给付
    INSPECTION = "JC"  # 行政检查
    CONFIRMATION = "QR"  # 行政确认
    REWARD = "JL"  # 行政奖励
    ADJUDICATION = "CJ"  # 行政裁决
    OTHER_POWER = "QT"  # 其他行政权力
    PUBLIC = "GG"  # 公共服务
    CONVENIENCE = "BM"  # 便民服务 (locally defined: queries, certificate printing, payments)


ITEM_TYPE_LABELS: dict[ItemType, tuple[str, str]] = {
    ItemType.LICENSING: ("行政许可", "Administrative licensing"),
    ItemType.PENALTY: ("行政处罚", "Administrative penalty"),
    ItemType.COERCION: ("行政强制", "Administrative coercion"),
    ItemType.LEVY: ("行政征收", "Administrative levy"),
    ItemType.BENEFIT: ("行政给付", "Administrative benefit"),
    ItemType.INSPECTION: ("行政检查", "Administrative inspection"),
    ItemType.CONFIRMATION: ("行政确认", "Administrative confirmation"),
    ItemType.REWARD: ("行政奖励", "Administrative reward"),
    ItemType.ADJUDICATION: ("行政裁决", "Administrative adjudication"),
    ItemType.OTHER_POWER: ("其他行政权力", "Other administrative power"),
    ItemType.PUBLIC: ("公共服务", "Public service"),
    ItemType.CONVENIENCE: ("便民服务", "Convenience service"),
}


class ItemTier(enum.StrEnum):
    """Where an item sits in the hierarchy main item (主项) → sub-item (子项) → business item (业务办理项)."""

    MAIN = "main"
    SUB = "sub"
    BUSINESS = "business"


class BusinessKind(enum.StrEnum):
    """What a business item (业务办理项) does."""

    NEW = "new"  # 新设
    CHANGE = "change"  # 变更
    RENEWAL = "renewal"  # 延续
    CANCELLATION = "cancellation"  # 注销
    OTHER = "other"


class HandlingLevel(enum.StrEnum):
    """The administrative level that handles the item (行使层级)."""

    NATIONAL = "national"  # 国家级
    PROVINCE = "province"  # 省级
    CITY = "city"  # 市级
    DISTRICT = "district"  # 县级 (区级)
    STREET = "street"  # 镇(乡、街道)级
    COMMUNITY = "community"  # 村(社区)级


class ApplicantType(enum.StrEnum):
    NATURAL_PERSON = "natural"  # 自然人
    LEGAL_PERSON = "legal"  # 法人


class TimeUnit(enum.StrEnum):
    WORKING_DAY = "working_day"  # 工作日 (the default)
    CALENDAR_DAY = "calendar_day"  # 自然日
    HOUR = "hour"


class AnywhereScope(enum.StrEnum):
    """通办范围: where else the item can be handled."""

    NONE = "none"  # 不通办
    DISTRICT = "district"  # 全区通办
    CITY = "city"  # 全市通办
    PROVINCE = "province"  # 全省通办
    NATIONWIDE = "nationwide"  # 跨省通办


class Channel(enum.StrEnum):
    """Handling forms and channels (办理形式)."""

    WINDOW = "window"  # 窗口办理
    ONLINE = "online"  # 网上办理
    MOBILE = "mobile"  # 掌上办理
    KIOSK = "kiosk"  # 自助终端办理
    MAIL = "mail"  # 快递申请


class Material(BaseModel):
    """One application material (申请材料)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    required: bool = True
    originals: int = Field(default=0, ge=0, le=20, description="number of originals (原件)")
    copies: int = Field(default=1, ge=0, le=20, description="number of copies (复印件)")
    elicence_type: str | None = Field(
        default=None, max_length=50, description="an e-licence (电子证照) type that can replace it"
    )
    note: str | None = Field(default=None, max_length=500)


class Fee(BaseModel):
    """A fee (收费项目); an item without fees is free."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    amount_yuan: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    basis: str | None = Field(default=None, max_length=500, description="legal basis of the fee")


class TimeLimit(BaseModel):
    """A time limit: 0 means handled on the spot (即办)."""

    model_config = ConfigDict(extra="forbid")

    value: int = Field(ge=0, le=3650)
    unit: TimeUnit = TimeUnit.WORKING_DAY


class ItemContent(BaseModel):
    """Everything an item version says; the write schema of items (codes are validated by the service)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    task_code: str | None = Field(default=None, max_length=80, description="实施编码 (implementation code)")
    catalog_code: str | None = Field(default=None, max_length=40, description="基本编码 (catalog code)")
    item_type: ItemType
    tier: ItemTier = ItemTier.SUB
    business_kind: BusinessKind | None = None
    handling_level: HandlingLevel = HandlingLevel.DISTRICT
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$", description="行政区划代码, 12 digits")
    applicant_types: list[ApplicantType] = Field(default_factory=lambda: [ApplicantType.NATURAL_PERSON])
    conditions: list[str] = Field(default_factory=list, max_length=50, description="受理条件")
    materials: list[Material] = Field(default_factory=list, max_length=100)
    legal_limit: TimeLimit | None = None  # 法定办结时限
    promised_limit: TimeLimit | None = None  # 承诺办结时限
    fees: list[Fee] = Field(default_factory=list, max_length=20)
    anywhere_scope: AnywhereScope = AnywhereScope.NONE
    channels: list[Channel] = Field(default_factory=lambda: [Channel.WINDOW])
    kiosk_eligible: bool = Field(default=False, description="may be handled at a kiosk")
    required_devices: list[DeviceClass] = Field(
        default_factory=list, description="device classes a kiosk needs to handle it"
    )
    topics: list[str] = Field(default_factory=list, max_length=20, description="life events: 生育, 就业 …")
    keywords: list[str] = Field(default_factory=list, max_length=50, description="extra search terms")
    description: str | None = Field(default=None, max_length=4000)
    retention_days: int | None = Field(
        default=None,
        ge=1,
        le=36500,
        description="days a closed case's personal data is kept; None: the platform's case_retention_days",
    )

    @field_validator("conditions", "topics", "keywords")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        if any(not v for v in cleaned):
            raise ValueError("entries must not be blank")
        return cleaned


class ItemCreate(ItemContent):
    department_id: int | None = Field(
        default=None, description="set by the admin API; implied by a dept token"
    )
    parent_id: int | None = Field(default=None, description="the main item or sub-item above this one")


class ItemStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # immutable: an edit makes a new draft version
    SUPERSEDED = "superseded"


class CodeIssue(BaseModel):
    field: str
    message: str


class ItemRead(ItemContent):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    status: ItemStatus
    department_id: int
    department: str
    parent_id: int | None
    code_issues: list[CodeIssue] = Field(description="what is wrong with the codes (empty when valid)")
    kiosk_enabled: bool = Field(description="published to kiosks through onboarding")
    updated_at: datetime


class ItemPage(BaseModel):
    items: list[ItemRead]
    total: int


class AppKind(enum.StrEnum):
    FORM = "form"  # hosted by the platform: an item + a form definition
    H5 = "h5"  # a department's external H5 app


DevicePermission = Literal["read", "use"]


class AppContent(BaseModel):
    """A service application (政务服务应用) version."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: AppKind
    item_id: int | None = Field(default=None, description="the item a form app handles")
    form_definition: dict[str, Any] | None = Field(
        default=None, description="JSON Schema 2020-12 + UI schema; the form engine interprets it"
    )
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://", description="H5 app entry")
    allowed_origins: list[str] = Field(default_factory=list, max_length=10)
    device_permissions: dict[DeviceClass, DevicePermission] = Field(
        default_factory=dict, description="which device classes the H5 app may use through the device layer"
    )
    required_devices: list[DeviceClass] = Field(default_factory=list)
    description: str | None = Field(default=None, max_length=2000)


class AppCreate(AppContent):
    department_id: int | None = None


class AppRead(AppContent):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int
    status: ItemStatus
    department_id: int
    department: str
    kiosk_enabled: bool
    updated_at: datetime


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=40, description="USCC (统一社会信用代码) or organisation code")
    org_node_id: int


class DepartmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    code: str
    org_node_id: int
