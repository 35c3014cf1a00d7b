"""Case schemas: what operators, departments and citizens see (ID numbers masked except to the department)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DepartmentAction = Literal[
    "accept",
    "request_supplement",
    "reject",
    "start_review",
    "suspend",
    "resume",
    "approve",
    "deny",
    "complete",
    "deliver",
]


class CaseStepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    from_state: str | None
    to_state: str
    actor_kind: str
    actor: str
    reason: str | None


class CaseRead(BaseModel):
    """A case as operators see it: personal data masked."""

    id: int
    case_number: str
    channel: str
    state: str
    item_id: int
    item_version: int
    item_name: str
    department_id: int
    department: str
    org_node_id: int
    applicant_name: str = Field(description="masked, e.g. 张*三")
    applicant_id_number: str = Field(description="masked: first 4 and last 4 characters")
    verified_by: str
    materials: list[dict[str, Any]]
    submitted_at: datetime
    received_at: datetime
    accepted_at: datetime | None
    due_at: datetime | None
    closed_at: datetime | None
    steps: list[CaseStepRead]


class CaseProgress(BaseModel):
    """What the receipt's QR code or the kiosk's progress query shows a citizen."""

    case_number: str
    item_name: str
    department: str
    state: str
    state_label: str
    applicant: str = Field(description="masked name")
    submitted_at: datetime
    due_at: datetime | None
    steps: list[dict[str, Any]] = Field(description="at, state, state_label: no names of staff")


class ResultDocument(BaseModel):
    """The result (办理结果/证照) a department delivers with `complete` or `deliver`: a PDF, base64."""

    model_config = ConfigDict(extra="forbid")

    content_base64: str = Field(min_length=1, description="the PDF's bytes, standard base64")
    content_type: str = Field(default="application/pdf", max_length=100)
    title: str | None = Field(default=None, max_length=200, description="e.g. 深圳市社会保险参保证明")


class DepartmentEvent(BaseModel):
    """A department's callback: one step of a case, idempotent by its event id."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    action: DepartmentAction
    reason: str | None = Field(default=None, max_length=1000)
    document: ResultDocument | None = Field(
        default=None, description="only with complete or deliver: the result the kiosk prints"
    )


class DepartmentEventResult(BaseModel):
    case_number: str
    state: str
    duplicate: bool
    due_at: datetime | None
    document_sm3: str | None = Field(default=None, description="the SM3 digest of the result document kept")
