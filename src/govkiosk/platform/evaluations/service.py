"""Evaluation (好差评) use cases: a kiosk records a rating of a case or of a session (once each); a 差评 opens
a follow-up due in 15 working days; operators see figures per item, department and kiosk, and close
follow-ups with a note."""

from typing import Literal

from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.cases import service as cases
from govkiosk.platform.cases.deadline import followup_due
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.core.clock import utcnow
from govkiosk.platform.core.errors import Conflict, NotFound
from govkiosk.platform.evaluations import repository
from govkiosk.platform.evaluations.models import Evaluation
from govkiosk.platform.evaluations.schemas import (
    POOR,
    EvaluationCreate,
    EvaluationRead,
    Figure,
    FollowupClose,
)
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.terminals import service as terminals

SCOPES = {"item": "item_id", "department": "department_id", "terminal": "terminal_id"}


def _new(data: EvaluationCreate, **fields: object) -> Evaluation:
    now = utcnow()
    poor = data.level in POOR
    return Evaluation(
        subject=data.subject,
        level=data.level,
        comment=data.comment,
        created_at=now,
        followup_state="open" if poor else "none",
        followup_due_at=followup_due(now) if poor else None,
        **fields,
    )


def rate_from_kiosk(session: Session, terminal_id: int, data: EvaluationCreate) -> tuple[Evaluation, bool]:
    """Record a kiosk's rating; the same case or session rated again returns the first rating."""
    terminal = terminals.for_authentication(session, terminal_id)
    if data.subject == "session":
        assert data.session_ref is not None
        known = repository.of_session(session, terminal.id, data.session_ref)
        if known is not None:
            return known, True
        item = catalog.get_item(session, data.item_id) if data.item_id is not None else None
        evaluation = _new(
            data,
            terminal_id=terminal.id,
            session_ref=data.session_ref,
            item_id=item.id if item else None,
            department_id=item.department_id if item else None,
            org_node_id=terminal.org_node_id,
        )
    else:
        case = cases.rate(session, data.case_number or "", data.applicant_id_number or "", terminal.serial)
        known = repository.of_case(session, case.id)
        if known is not None:
            return known, True
        evaluation = _new(
            data,
            case_id=case.id,
            terminal_id=terminal.id,
            item_id=case.item_id,
            department_id=case.department_id,
            org_node_id=case.org_node_id,
        )
    repository.add(session, evaluation)
    return evaluation, False


def figures(
    session: Session, principal: Principal, by: Literal["item", "department", "terminal"]
) -> list[Figure]:
    """Ratings per item, department or kiosk inside the caller's subtrees, worst average first."""
    paths = [s.path for s in principal.require_any(Perm.CASE_READ)]
    names = _names(session, by)
    rows = repository.figures(session, SCOPES[by], paths, utcnow())
    result = [
        Figure(
            scope=by,
            id=key,
            name=names.get(key, str(key)),
            count=count,
            average=round(total / count, 2),  # type: ignore[arg-type]
            poor=poor,
            good_share=round(good / count, 4),
            followups_open=open_,
            followups_overdue=overdue,
        )
        for key, count, total, poor, good, open_, overdue in rows
    ]
    return sorted(result, key=lambda f: (f.average, -f.count))


def _names(session: Session, by: str) -> dict[int, str]:
    if by == "department":
        return catalog.department_names(session)
    if by == "terminal":
        return terminals.serials(session)
    return catalog.item_names(session)


def followups(
    session: Session, principal: Principal, *, state: str, limit: int, offset: int
) -> tuple[list[EvaluationRead], int]:
    """差评 follow-ups inside the caller's subtrees, the most urgent first."""
    paths = [s.path for s in principal.require_any(Perm.CASE_READ)]
    rows, total = repository.followups(session, paths, state=state, limit=limit, offset=offset)
    return [EvaluationRead.model_validate(r) for r in rows], total


def close_followup(
    session: Session, principal: Principal, evaluation_id: int, data: FollowupClose
) -> EvaluationRead:
    """Close a 差评 follow-up with what was done (整改情况)."""
    evaluation = repository.get(session, evaluation_id)
    if evaluation is None or evaluation.org_node_id is None:
        raise NotFound(f"evaluation {evaluation_id} not found")
    path = orgs.get_path(session, evaluation.org_node_id)
    principal.require(Perm.CASE_WRITE, path)
    if evaluation.followup_state != "open":
        raise Conflict(f"evaluation {evaluation_id} has no open follow-up")
    evaluation.followup_state, evaluation.followup_closed_at = "closed", utcnow()
    evaluation.followup_note, evaluation.followup_by = data.note, principal.username
    audit.record(
        session,
        principal.actor,
        "evaluation.followup_close",
        object_type="evaluation",
        object_id=evaluation.id,
        org_path=path,
        detail={"level": evaluation.level},
    )
    return EvaluationRead.model_validate(evaluation)
