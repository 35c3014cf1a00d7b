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
