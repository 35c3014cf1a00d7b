"""Schemas of other channels' case reports and of the case-handling rate (办件率)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from govkiosk.platform.cases.states import CaseState

MAX_BATCH = 500


class ChannelCaseReport(BaseModel):
    """One case a department handled at a window or online (no applicant data: only what the rate needs)."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(
        min_length=1, max_length=64, pattern=r"^\S(.*\S)?$", description="the department system's case id"
    )
    item_id: int = Field(description="one of the reporting department's own items")
    channel: Literal["window", "online"] = Field(description="窗口 window or 网上 online (portal and mobile)")
    received_at: datetime = Field(description="when the case was received; a naive time is read as UTC")
    org_node_id: int | None = Field(
        default=None, description="where it was handled (inside the department's subtree); default its node"
    )
    state: CaseState | None = Field(default=None, description="where the case is, e.g. completed")


class ChannelCaseBatch(BaseModel):
    """A batch of other channels' cases; a case reported again (same external id) changes nothing."""

    model_config = ConfigDict(extra="forbid")

    cases: list[ChannelCaseReport] = Field(min_length=1, max_length=MAX_BATCH)


class ChannelCaseResult(BaseModel):
    """A reported case as stored (for a repeat: as first reported)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    item_id: int
    channel: str
    org_node_id: int
    received_at: datetime
    state: str | None
    duplicate: bool = False


class ChannelCaseBatchResult(BaseModel):
    """What a report stored: counts and every row, in the order sent."""

    received: int
    created: int
    duplicates: int
    cases: list[ChannelCaseResult]


class CaseRatePoint(BaseModel):
    """办件率 of one scope: kiosk cases ÷ all cases (kiosk, window, online) of items offered at kiosks."""

    scope: Literal["district", "department", "item"]
    scope_id: int
    name: str
    kiosk: int
    window: int
    online: int
    total: int
    rate: float | None = Field(description="kiosk ÷ total, 4 decimals; null when there are no cases")


class CaseRateAt(BaseModel):
    """办件率 of one scope over one week [since, until)."""

    since: datetime
    until: datetime
    kiosk: int
    total: int
    rate: float | None


class CaseRateSeries(BaseModel):
    """办件率 of one scope week by week, oldest first (the last week ends now)."""

    scope: Literal["district", "department", "item"]
    scope_id: int
    name: str
    points: list[CaseRateAt]
