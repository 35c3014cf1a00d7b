"""Result documents (办理结果/证照): the PDF a department delivers with `complete` or `deliver`,
checked by its magic bytes and size, sealed in the object store like materials, recorded in the case's
`materials` with its SM3 digest, and handed only to the kiosk that submitted the case, for a short while
after it arrived."""

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from govkiosk.platform.audit import service as audit
from govkiosk.platform.cases import repository
from govkiosk.platform.cases.models import Case
from govkiosk.platform.cases.schemas import ResultDocument
from govkiosk.platform.cases.states import CaseState
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import as_utc
from govkiosk.platform.core.errors import Conflict, Gone, InvalidInput, NotFound
from govkiosk.platform.support.materials import PDF, check_material
from govkiosk.platform.support.storage import ObjectStore

RESULT_SLOT = "办理结果"
RESULT_SOURCE = "department"  # what tells the result apart from the citizen's materials in `cases.materials`
DELIVERING_ACTIONS = ("complete", "deliver")
# Without a document in these states none will come: the kiosk stops waiting (404 instead of 409).
ENDED = {CaseState.COMPLETED, CaseState.DELIVERED, CaseState.RATED, CaseState.REJECTED, CaseState.WITHDRAWN}


def is_result(entry: dict[str, Any]) -> bool:
    """Whether an entry of `cases.materials` is the department's result rather than a citizen's material."""
    return entry.get("source") == RESULT_SOURCE


def citizen_materials(materials: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """What the citizen handed in, without the department's result."""
    return [m for m in materials or [] if not is_result(m)]


def checked(document: ResultDocument, action: str, *, max_bytes: int) -> bytes:
    """The document's PDF bytes; `InvalidInput` for the wrong action, bad base64, another type, too large."""
    if action not in DELIVERING_ACTIONS:
        raise InvalidInput(
            f"document: a result document comes with complete or deliver, not {action}",
            code="document_not_allowed",
        )
    try:
        data = base64.b64decode(document.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("document.content_base64: not base64", code="document_invalid") from exc
    check_material(data, declared_type=document.content_type, max_bytes=max_bytes, allowed={PDF})
    return data


def attach(
    session: Session,
    store: ObjectStore,
    case: Case,
    data: bytes,
    *,
    title: str | None,
    actor: Actor,
    at: datetime,
) -> str:
    """Store a checked result document (sealed) and record it on the case; its SM3 digest (hex)."""
    stored = store.put(data, content_type=PDF)
    entry = {
        "slot": RESULT_SLOT, "object_key": stored.key, "sm3": stored.sm3, "size": stored.size,
        "content_type": stored.content_type, "source": RESULT_SOURCE, "title": title,
        "attached_at": as_utc(at).isoformat(),
    }  # fmt: skip
    case.materials = [*(case.materials or []), entry]  # a new list: the JSON column sees the change
    audit.record(
        session, actor, "case.result_document", object_type="case", object_id=case.id,
        detail={"case_number": case.case_number, "sm3": stored.sm3, "size": stored.size},
    )  # fmt: skip
    return stored.sm3


def latest(case: Case) -> dict[str, Any] | None:
    """The case's most recent result document entry, if any."""
    return next((m for m in reversed(case.materials or []) if is_result(m)), None)


def for_terminal(
    session: Session, store: ObjectStore, terminal_id: int, case_number: str, *, window_s: int, now: datetime
) -> tuple[bytes, dict[str, Any]]:
    """The result document of a case this kiosk submitted, within `window_s` of its arrival, and its entry:
    404 for another kiosk's case or when none will come, 409 while not ready, 410 once the window closed."""
    case = repository.by_number(session, case_number)
    if case is None or case.terminal_id != terminal_id:
        raise NotFound(f"case {case_number} not found")
    entry = latest(case)
    if entry is None:
        if case.state in ENDED:
            raise NotFound(f"case {case_number} has no result document", code="no_document")
        raise Conflict(
            f"case {case_number} is {case.state}: its result is not ready", code="document_not_ready"
        )
    until = datetime.fromisoformat(entry["attached_at"]) + timedelta(seconds=window_s)
    if as_utc(now) > until:
        raise Gone(
            f"the result document of case {case_number} could be printed here until {until.isoformat()}; "
            "the department keeps it",
            code="document_expired",
        )
    return store.get(entry["object_key"]), entry
