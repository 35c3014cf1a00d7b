"""Wire schemas of the terminal API (`/api/terminal/v1`), shared by the platform and the agent."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

API_PREFIX = "/api/terminal/v1"

DeviceClass = Literal[
    "IdCardReader",
    "CardReader",
    "BarcodeReader",
    "Camera",
    "Biometric",
    "DocumentScanner",
    "Printer",
    "SignaturePad",
    "Keyboard",
    "Audio",
    "Lights",
]
DeviceState = Literal[
    "online", "offline", "powerOff", "noDevice", "hardwareError", "userError", "deviceBusy", "starting"
]
SupplyLevel = Literal["ok", "low", "out", "unknown"]
ActionFeedbackState = Literal["running", "succeeded", "failed", "rejected"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HardwareFacts(_Strict):
    """What a kiosk says about itself at enrollment."""

    serial: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    vendor: str = Field(min_length=1, max_length=32)
    model: str = Field(min_length=1, max_length=100)
    os: str | None = Field(default=None, max_length=100)
    cpu: str | None = Field(default=None, max_length=100)
    memory_mb: int | None = Field(default=None, ge=0)
    mac: str | None = Field(default=None, max_length=32)


class EnrollRequest(_Strict):
    enrollment_token: str = Field(min_length=8, max_length=200)
    hardware: HardwareFacts
    public_key: str = Field(description="SM2 public key, hex of x||y (64 bytes) or 04||x||y")
    key_algorithm: Literal["sm2"] = "sm2"


class EnrollResponse(BaseModel):
    terminal_id: int
    state: Literal["pending", "approved", "rejected", "revoked"]


class ChallengeRequest(_Strict):
    terminal_id: int


class ChallengeResponse(BaseModel):
    challenge: str
    expires_at: datetime


class TokenRequest(_Strict):
    terminal_id: int
    challenge: str
    signature: str = Field(description="SM2 signature (DER, hex) of the challenge's UTF-8 bytes")


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class EnrollmentStatus(BaseModel):
    terminal_id: int
    state: Literal["pending", "approved", "rejected", "revoked"]


class Supply(_Strict):
    name: str = Field(max_length=32)  # paper, toner, media, ribbon…
    level: SupplyLevel


class PeripheralState(_Strict):
    """One peripheral as the kiosk sees it; `simulated` is true for simulated drivers."""

    device_class: DeviceClass
    state: DeviceState
    supplies: list[Supply] = Field(default_factory=list, max_length=8)
    simulated: bool = False
    detail: str | None = Field(default=None, max_length=200)


class HeartbeatRequest(_Strict):
    status: Literal["idle", "in_session", "locked", "maintenance", "starting"] = "idle"
    peripherals: list[PeripheralState] = Field(default_factory=list, max_length=32)
    installed: dict[str, str] = Field(default_factory=dict, max_length=32, description="component → version")
    metrics: dict[str, float] = Field(default_factory=dict, max_length=32)
    config_etag: str | None = Field(default=None, max_length=80)


class ActionOut(BaseModel):
    id: int
    kind: str
    params: dict[str, Any]
    expires_at: datetime


class HeartbeatResponse(BaseModel):
    interval_s: int
    actions: list[ActionOut]
    config_etag: str


class ActionFeedback(_Strict):
    state: ActionFeedbackState
    detail: str | None = Field(default=None, max_length=2000)
    result: dict[str, Any] = Field(default_factory=dict)


class ConfigResponse(BaseModel):
    etag: str
    values: dict[str, Any]


class PushMessage(BaseModel):
    """What the push WebSocket carries: only a nudge to poll now."""

    type: Literal["poll"] = "poll"
    reason: str | None = None


class CatalogOffer(BaseModel):
    """An item or app a kiosk offers now: its published version as the catalog describes it."""

    subject: Literal["item", "app"]
    id: int
    version: int
    name: str
    department: str
    required_devices: list[str]
    content: dict[str, Any]


class CatalogWithheld(BaseModel):
    """Published to the kiosk's place but not offered now, because a device it needs does not work."""

    subject: Literal["item", "app"]
    id: int
    name: str
    missing_devices: list[str]


class CatalogResponse(BaseModel):
    """What one kiosk offers (`GET /catalog`), with a strong ETag of the whole answer."""

    etag: str
    offers: list[CatalogOffer]
    withheld: list[CatalogWithheld]


CASES_PATH = "/cases"  # POST: a citizen's submission from the kiosk (through the agent's outbox)
SIGNATURE_SLOT = (
    "申请人签名"  # the material slot of a signature drawn on the kiosk's screen (PNG), on any item
)


class Applicant(_Strict):
    """Who applies, as far as the case needs it; the ID number travels only here, over TLS, once."""

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(pattern=r"^\d{17}[\dX]$", description="GB 11643 resident ID number")
    phone: str | None = Field(default=None, pattern=r"^1\d{10}$")
    verified_by: Literal["idcard_face", "mobile_app"]


class MaterialRef(_Strict):
    """A material already stored (object storage) and referenced by the case."""

    slot: str = Field(max_length=100, description="the catalog material it answers")
    object_key: str = Field(max_length=200)
    sm3: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=1)
    content_type: str = Field(max_length=100)
    source: Literal["scan", "elicence", "phone_upload", "signature"]


class CaseSubmission(_Strict):
    """A kiosk's submission of one case; `idempotency_key` is unique per terminal, so a retry after a lost
    answer returns the same case instead of a second one."""

    idempotency_key: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    item_id: int
    item_version: int
    app_id: int | None = None
    form_version: str | None = Field(default=None, max_length=40)
    data: dict[str, Any] = Field(default_factory=dict)
    applicant: Applicant
    materials: list[MaterialRef] = Field(default_factory=list, max_length=50)
    submitted_at: datetime = Field(description="the kiosk's clock when the citizen pressed submit")


class CaseReceipt(BaseModel):
    """The platform's acknowledgement: the case number and whether this was a retry of a known submission."""

    case_number: str
    state: str
    duplicate: bool
    promised_deadline: datetime | None = None


class FormPrefillRequest(_Strict):
    """The identity the kiosk established; the platform adds what the citizen's e-licences say."""

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(pattern=r"^\d{17}[\dX]$")


class FormPrefill(BaseModel):
    """A form's initial data (identity fields come back for the citizen to check)."""

    data: dict[str, Any]


class FormCheckRequest(_Strict):
    """Form data as the citizen has it; `step` limits the errors to that step's fields (None: all)."""

    data: dict[str, Any] = Field(default_factory=dict)
    step: str | None = Field(default=None, max_length=100)


class FormProblem(BaseModel):
    """One field's problem, in Chinese and English."""

    path: str
    code: str
    message_zh: str
    message_en: str


class FormCheck(BaseModel):
    """The problems of the data (of one step, or all) and the data with its computed fields."""

    errors: list[FormProblem]
    data: dict[str, Any]


class Region(BaseModel):
    """An administrative division (GB/T 2260) for a region picker."""

    code: str
    name: str
    has_children: bool


class RegionList(BaseModel):
    parent: str | None
    regions: list[Region]
