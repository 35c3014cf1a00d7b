"""Department connector schemas: endpoint configuration and the webhook outbox."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class EndpointWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://", max_length=500, description="where case webhooks are POSTed")
    signing: Literal["hmac-sm3", "sm2"] = "hmac-sm3"
    enabled: bool = True
    max_attempts: int = Field(default=8, ge=1, le=50, description="attempts before a message is dead")
    department_public_key: str | None = Field(
        default=None, max_length=200, description="the department's SM2 public key (hex) for signed callbacks"
    )
    new_hmac_secret: bool = Field(default=False, description="issue a new HMAC-SM3 secret (shown once)")


class EndpointRead(BaseModel):
    department_id: int
    url: str
    signing: Literal["hmac-sm3", "sm2"]
    enabled: bool
    max_attempts: int
    has_hmac_secret: bool
    department_public_key: str | None
    platform_public_key: str = Field(description="verifies the platform's SM2-signed webhooks")


class EndpointSet(EndpointRead):
    hmac_secret: str | None = Field(description="the new HMAC-SM3 secret, shown only now")


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: str
    department_id: int
    topic: str
    case_id: int | None
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
