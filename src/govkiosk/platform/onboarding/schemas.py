"""Onboarding (入驻) schemas: submission, automatic checks, review, publication targets, steps, 入驻率."""

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OnboardingState(enum.StrEnum):
    """入驻: submitted → checks_failed | in_review → approved | rejected → published ⇄ suspended."""

    SUBMITTED = "submitted"  # waiting for the automatic checks
    CHECKS_FAILED = "checks_failed"
    IN_REVIEW = "in_review"
    REJECTED = "rejected"
    APPROVED = "approved"
    PUBLISHED = "published"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    REPLACED = "replaced"  # a later onboarding of the same item or app was published


class CheckResult(BaseModel):
    name: str
    passed: bool
    message: str


class OnboardingSubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Literal["item", "app"]
    subject_id: int
    reason: str | None = Field(default=None, max_length=1000, description="why the department asks")


class OnboardingDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=1000)


class PublishTargets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_node_ids: list[int] = Field(min_length=1, max_length=200, description="org subtrees to publish to")
    profile_ids: list[int] = Field(
        default_factory=list, description="terminal profiles; empty = every profile"
    )
    reason: str | None = Field(default=None, max_length=1000)


class OnboardingStepRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    from_state: str | None
    to_state: str
    reason: str | None
    detail: dict[str, Any]


class OnboardingRead(BaseModel):
    id: int
    subject: Literal["item", "app"]
    subject_id: int
    subject_name: str
    version: int
    department_id: int
    department: str
    state: OnboardingState
    checks: list[CheckResult]
    org_node_ids: list[int]
    profile_ids: list[int]
    submitted_by: str
    submitted_at: datetime
    steps: list[OnboardingStepRead]


class OnboardingPage(BaseModel):
    items: list[OnboardingRead]
    total: int


class RatePoint(BaseModel):
    """入驻率 of one scope at one time: kiosk-enabled published items ÷ items eligible for kiosks."""

    scope: str
    scope_id: int
    name: str
    eligible: int
    enabled: int
    rate: float | None


class RateAt(BaseModel):
    at: datetime
    eligible: int
    enabled: int
    rate: float | None


class RateSeries(BaseModel):
    """入驻率 of one scope over time (one point per week)."""

    scope: str
    scope_id: int
    name: str
    points: list[RateAt]
