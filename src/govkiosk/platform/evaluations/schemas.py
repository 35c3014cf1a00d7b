"""Evaluation (好差评) schemas."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
POOR = {1, 2}  # 差评: the two lowest levels


class EvaluationCreate(BaseModel):
    """A rating sent by a kiosk: of a case (by its number) or of the kiosk session just ended."""

    model_config = ConfigDict(extra="forbid")

    subject: Literal["case", "session"]
    level: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    case_number: str | None = Field(default=None, max_length=40)
    applicant_id_number: str | None = Field(
        default=None, pattern=r"^\d{17}[\dX]$", description="the citizen in session (only they rate it)"
    )
    session_ref: str | None = Field(default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    item_id: int | None = None
    comment: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _subject_named(self) -> "EvaluationCreate":
        if self.subject == "case" and not (self.case_number and self.applicant_id_number):
            raise ValueError("case_number and applicant_id_number are required to rate a case")
        if self.subject == "session" and not self.session_ref:
            raise ValueError("session_ref is required to rate a kiosk session")
        return self


class EvaluationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    level: int
    comment: str | None
    created_at: datetime
    item_id: int | None
    department_id: int | None
    terminal_id: int | None
    followup_state: str
    followup_due_at: datetime | None
    followup_closed_at: datetime | None
    followup_note: str | None
    followup_by: str | None


class FollowupClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000, description="what was done about it (整改情况)")


class Figure(BaseModel):
    """Ratings of one item, department or kiosk."""

    scope: Literal["item", "department", "terminal"]
    id: int
    name: str
    count: int
    average: float
    poor: int = Field(description="差评: ratings of 1 or 2")
    good_share: float = Field(description="share of 4 and 5 (好评率)")
    followups_open: int
    followups_overdue: int
