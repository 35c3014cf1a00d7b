"""Terminal registry schemas."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TerminalRead(BaseModel):
    id: int
    serial: str
    vendor_id: int
    vendor: str
    model: str
    profile_id: int | None
    profile: str | None
    org_node_id: int
    site: str
    district: str | None
    state: str = Field(description="pending | rejected | revoked | online | offline | unknown")
    enrollment_state: str
    connectivity: str
    status: str | None
    last_seen_at: datetime | None
    versions: dict[str, Any]
    peripherals: list[dict[str, Any]]
    metrics: dict[str, Any]
    hardware: dict[str, Any]
    enrolled_at: datetime | None
    device_issues: list[str] = Field(
        description="missing:<class>, fault:<class>:<state>, supply:<class>:<name>:<level>"
    )
    needs_attention: bool
    profile_conforms: bool = Field(description="every device the profile requires is reported present")


class TerminalUpdate(BaseModel):
    org_node_id: int | None = None
    profile_id: int | None = None


class TerminalDecision(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class TerminalFilters(BaseModel):
    state: str | None = None
    attention: bool | None = None
    org_node_id: int | None = None
    vendor_id: int | None = None
    profile_id: int | None = None
    q: str | None = Field(default=None, max_length=64)


class TerminalEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    kind: str
    from_state: str | None
    to_state: str | None
    detail: dict[str, Any]


class EnrollmentTokenCreate(BaseModel):
    label: str = Field(min_length=1, max_length=200)
    org_node_id: int
    profile_id: int | None = None
    max_uses: int = Field(default=1, ge=1, le=10000)
    ttl_hours: float = Field(default=72, gt=0, le=24 * 90)


class EnrollmentTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    label: str
    org_node_id: int
    profile_id: int | None
    max_uses: int
    uses: int
    expires_at: datetime
    revoked: bool
    created_by: str
    created_at: datetime


class EnrollmentTokenIssued(EnrollmentTokenRead):
    token: str = Field(description="shown once; only its hash is stored")


class PreauthorizedSerialCreate(BaseModel):
    serial: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    org_node_id: int


class PreauthorizedSerialRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    serial: str
    org_node_id: int
    created_by: str
    created_at: datetime
    used_at: datetime | None


class VendorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str


class ProfileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    required_devices: list[str]
    optional_devices: list[str]
    critical_devices: list[str]
