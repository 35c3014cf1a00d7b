"""Action schemas."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from govkiosk.platform.actions.models import ActionKind


class ActionCreate(BaseModel):
    kind: ActionKind
    params: dict[str, Any] = Field(default_factory=dict)
    ttl_s: int | None = Field(default=None, ge=10, le=30 * 24 * 3600)


class ActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    terminal_id: int
    kind: str
    params: dict[str, Any]
    state: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    delivered_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    detail: str | None


class ActionResultRead(ActionRead):
    result: dict[str, Any]
