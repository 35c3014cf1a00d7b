"""Paging for list endpoints: every list answers `{"items": [...], "total": N}`."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class PageParams(BaseModel):
    """Offset paging requested by a client."""

    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class Page(BaseModel, Generic[T]):
    """One page of a list and the total count matching the filters."""

    items: list[T]
    total: int
