"""Configuration schemas."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ConfigScope(StrEnum):
    ORG = "org"
    PROFILE = "profile"
    TERMINAL = "terminal"


class ConfigLayerRead(BaseModel):
    scope: ConfigScope
    scope_id: int
    values: dict[str, Any]
    updated_at: datetime | None
    updated_by: str | None


class ConfigLayerWrite(BaseModel):
    values: dict[str, Any] = Field(description="keys set at this scope; a null value removes the key here")


class ResolvedConfig(BaseModel):
    etag: str
    values: dict[str, Any]
    sources: dict[str, str] = Field(description="key → the scope that set it")
