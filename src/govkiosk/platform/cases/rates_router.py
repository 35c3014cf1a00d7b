"""Admin API of the case-handling rate (办件率): now per district, department or item, and week by week."""

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query

from govkiosk.platform.accounts.authz import Perm
from govkiosk.platform.cases import rates
from govkiosk.platform.cases.rate_schemas import CaseRatePoint, CaseRateSeries
from govkiosk.platform.deps import PrincipalDep, SessionDep

router = APIRouter(prefix="/api/v1/cases-rate", tags=["cases"])


@router.get("", response_model=list[CaseRatePoint])
def current(
    principal: PrincipalDep,
    session: SessionDep,
    by: Literal["district", "department", "item"] = "district",
    since: datetime | None = Query(None, description="count cases received from then on (default: all)"),
) -> list[CaseRatePoint]:
    """办件率 per district, department or item, from cases handled inside the caller's subtrees."""
    paths = [s.path for s in principal.require_any(Perm.CASE_READ)]
    return rates.by_scope(session, paths, by, since=since)


@router.get("/history", response_model=list[CaseRateSeries])
def history(
    principal: PrincipalDep, session: SessionDep, weeks: int = Query(12, ge=1, le=104)
) -> list[CaseRateSeries]:
    """办件率 per district, week by week (the last week ends now)."""
    paths = [s.path for s in principal.require_any(Perm.CASE_READ)]
    return rates.history(session, paths, weeks)
