"""Recording and searching the audit log."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import repository
from govkiosk.platform.audit.models import AuditEvent
from govkiosk.platform.audit.schemas import AuditQuery
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import utcnow

__all__ = ["Actor", "record", "search", "search_for"]

DEFERRED_KEY = "audit_deferred"
WRITE_KEY = "write"


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: object = None,
    org_path: str | None = None,
    outcome: str = "success",
    detail: dict[str, Any] | None = None,
) -> None:
    """Record one audited event.

    A successful write is recorded in the same transaction as the change, so neither exists without
    the other; reads and failures are written after the request's transaction ends, whatever its fate."""
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor=actor.username,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        org_path=org_path,
        ip=actor.ip,
        outcome=outcome,
        detail=detail or {},
    )
    if outcome == "success" and session.info.get(WRITE_KEY):
        repository.add(session, event)
    else:
        session.info.setdefault(DEFERRED_KEY, []).append(event)


def search(
    session: Session, query: AuditQuery, *, paths: Sequence[str] | None, limit: int, offset: int
) -> tuple[Sequence[AuditEvent], int]:
    """Search the audit log inside the caller's subtrees."""
    return repository.search(session, query, paths=paths, limit=limit, offset=offset)


def search_for(
    session: Session, principal: Principal, query: AuditQuery, *, limit: int, offset: int
) -> tuple[Sequence[AuditEvent], int]:
    """Audit events the principal may read (its AUDIT_READ subtrees); the search itself is audited.

    A grant on the root node reads everything, including events with no org path (sign-ins, bootstrap)."""
    scopes = principal.require_any(Perm.AUDIT_READ)
    paths = None if any(s.path.count("/") == 2 for s in scopes) else [s.path for s in scopes]
    rows, total = repository.search(session, query, paths=paths, limit=limit, offset=offset)
    record(
        session, principal.actor, "audit.search", object_type="audit", org_path=scopes[0].path,
        detail=query.model_dump(exclude_none=True, mode="json"),
    )  # fmt: skip
    return rows, total
