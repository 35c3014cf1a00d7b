"""Case (办件) use cases: a kiosk's idempotent submission, the department's callbacks checked against the
state machine, the promised-deadline clock, progress queries, and operators' scoped views (masked)."""

import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy.orm import Session

from govkiosk.contracts.masking import mask_id_number, mask_name
from govkiosk.contracts.terminal_api import CaseSubmission
from govkiosk.crypto import hmac_sm3
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.cases import documents, repository
from govkiosk.platform.cases.deadline import compute_deadline
from govkiosk.platform.cases.models import Case, CaseStep
from govkiosk.platform.cases.numbering import CaseChannel, make_case_number
from govkiosk.platform.cases.schemas import (
    CaseProgress,
    CaseRead,
    CaseStepRead,
    DepartmentEvent,
    DepartmentEventResult,
)
from govkiosk.platform.cases.states import ActorKind, CaseEvent, CaseState, transition
from govkiosk.platform.catalog import forms
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.catalog.service import DepartmentCaller
from govkiosk.platform.connectors import service as connectors
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import InvalidInput, NotFound
from govkiosk.platform.core.sealing import Sealer
from govkiosk.platform.core.settings import get_settings
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.support.forms.definition import FormDefinition
from govkiosk.platform.support.forms.engine import check_submission
from govkiosk.platform.support.forms.validators import validate_id_number
from govkiosk.platform.support.materials import DEFAULT_MAX_BYTES
from govkiosk.platform.support.receipts import ReceiptData
from govkiosk.platform.support.storage import ObjectStore
from govkiosk.platform.support.workdays import local_date
from govkiosk.platform.terminals import service as terminals

LOOKUP_SECRET = "applicant-lookup"
SUBMISSION_SECRET = "submission-digest"
PURGED = "purged"  # the tombstone that replaces sealed personal data after the retention period
PURGED_LABEL = "已清除"
NAME, ID_NUMBER, PHONE, DATA = (
    "cases.applicant_name",
    "cases.applicant_id_number",
    "cases.applicant_phone",
    "cases.data",
)
CLOSED = {CaseState.REJECTED, CaseState.WITHDRAWN, CaseState.COMPLETED}
STATE_LABELS = {
    "submitted": "已提交，待受理",
    "supplement_requested": "待补正材料",
    "accepted": "已受理",
    "rejected": "不予受理",
    "withdrawn": "已撤回",
    "in_review": "审查中",
    "suspended": "中止（特别程序）",
    "approved": "审批通过",
    "denied": "不予批准",
    "completed": "已办结",
    "delivered": "已送达",
    "rated": "已评价",
}


def applicant_digest(session: Session, id_number: str) -> str:
    """A keyed digest of an ID number: finds a citizen's cases without storing a searchable plain index."""
    return hmac_sm3(connectors.platform_secret(session, LOOKUP_SECRET), id_number.encode()).hex()


def submission_digest(session: Session, submission: CaseSubmission) -> str:
    """A keyed digest of the canonical submission (sorted-key JSON): tells a true retry from a reused key."""
    canonical = json.dumps(
        submission.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hmac_sm3(connectors.platform_secret(session, SUBMISSION_SECRET), canonical.encode()).hex()


def _open(sealer: Sealer, value: str | None, purpose: str) -> str | None:
    """A sealed column opened; None when empty or erased by the purge."""
    return None if value is None or value == PURGED else sealer.open_text(value, purpose=purpose)


def _seal_applicant(sealer: Sealer, case: Case, submission: CaseSubmission, data: dict) -> None:
    applicant = submission.applicant
    case.applicant_name_sealed = sealer.seal_text(applicant.name, purpose=NAME)
    case.applicant_name_masked = mask_name(applicant.name)
    case.applicant_id_number_sealed = sealer.seal_text(applicant.id_number, purpose=ID_NUMBER)
    case.applicant_id_number_masked = mask_id_number(applicant.id_number)
    phone = applicant.phone
    case.applicant_phone_sealed = sealer.seal_text(phone, purpose=PHONE) if phone else None
    case.data_sealed = sealer.seal_text(json.dumps(data, ensure_ascii=False), purpose=DATA)


def _region_code(session: Session, org_node_id: int) -> str:
    """The 6-digit GB/T 2260 code of the nearest node above (or at) the place that has one."""
    for node in reversed(orgs.ancestors(session, orgs.get(session, org_node_id))):
        if node.code and len(node.code) >= 6 and node.code[:6].isdigit():
            return node.code[:6]
    raise InvalidInput("the kiosk's place has no administrative division code (GB/T 2260) above it")


def _step(
    session: Session, case: Case, to: CaseState, kind: ActorKind, actor: str, reason: str | None
) -> None:
    now = utcnow()
    repository.add(
        session,
        CaseStep(
            case_id=case.id,
            at=now,
            from_state=case.state,
            to_state=to,
            actor_kind=kind,
            actor=actor[:100],
            reason=reason,
        ),
    )
    case.state = to
    if to == CaseState.ACCEPTED:
        case.accepted_at = now
    if to in CLOSED:
        case.closed_at = now


def _refresh_due(session: Session, case: Case) -> None:
    content, _ = catalog.item_content(session, case.item_id, case.item_version)
    history = [
        (CaseState(s.to_state), as_utc(s.at))
        for s in repository.steps_of(session, [case.id]).get(case.id, [])
    ]
    limit = content.promised_limit
    case.due_at = compute_deadline(limit, history).due_at if limit is not None else None


def _check_submission(session: Session, submission: CaseSubmission) -> dict:
    """The form data to keep (computed fields filled, hidden answers dropped); else InvalidInput."""
    problems = validate_id_number(submission.applicant.id_number)
    if problems:
        raise InvalidInput(f"applicant.id_number: {problems[0]}")
    if not catalog.version_was_published(session, submission.item_id, submission.item_version):
        raise InvalidInput(f"item {submission.item_id} version {submission.item_version} was never published")
    definition = _form_of(session, submission)
    if definition is None:
        return submission.data
    data, errors = check_submission(
        definition, submission.data, item_version=submission.item_version, item_id=submission.item_id
    )
    if errors:
        # Every field and why, so the kiosk can mark them all at once.
        raise InvalidInput("; ".join(f"data.{e.path}: {e.message_zh} / {e.message_en}" for e in errors))
    return data


def _form_of(session: Session, submission: CaseSubmission) -> FormDefinition | None:
    """The form of the app the citizen used, when it has one (the engine checks it is pinned to the item)."""
    if submission.app_id is None:
        return None
    return forms.published_form(
        session, submission.app_id, item_id=submission.item_id, item_version=submission.item_version
    )


def submit_from_kiosk(
    session: Session, terminal_id: int, submission: CaseSubmission, sealer: Sealer | None = None
) -> tuple[Case, bool]:
    """Record a kiosk's submission once: a retry with the same idempotency key returns the same case, the
    same key with other content is refused."""
    sealer = sealer or default_sealer()
    digest = submission_digest(session, submission)
    known = repository.by_idempotency_key(session, terminal_id, submission.idempotency_key)
    if known is not None:
        # Cases from before digests (or purged) are compared by item only.
        if known.item_id != submission.item_id or known.submission_digest not in (None, digest):
            raise InvalidInput(
                "idempotency_key: this key was already used for a different submission; "
                "a new submission needs a new key",
                code="idempotency_key_reused",
            )
        return known, True
    data = _check_submission(session, submission)
    terminal = terminals.for_authentication(session, terminal_id)
    item = catalog.get_item(session, submission.item_id)
    now = utcnow()
    region = _region_code(session, terminal.org_node_id)
    sequence = repository.next_sequence(session, f"K{region}{local_date(now):%Y%m%d}")  # the number's own day
    case = Case(
        case_number=make_case_number(CaseChannel.KIOSK, region, now, sequence),
        channel="kiosk",
        terminal_id=terminal.id,
        idempotency_key=submission.idempotency_key,
        item_id=item.id,
        item_version=submission.item_version,
        app_id=submission.app_id,
        department_id=item.department_id,
        org_node_id=terminal.org_node_id,
        state=CaseState.DRAFT,
        applicant_digest=applicant_digest(session, submission.applicant.id_number),
        verified_by=submission.applicant.verified_by,
        submission_digest=digest,
        materials=[m.model_dump() for m in submission.materials],
        submitted_at=submission.submitted_at,
        received_at=now,
        query_token=secrets.token_urlsafe(24),
    )
    _seal_applicant(sealer, case, submission, data)
    repository.add(session, case)
    to = transition(CaseState.DRAFT, CaseEvent.SUBMIT, ActorKind.KIOSK)
    _step(session, case, to, ActorKind.KIOSK, f"terminal:{terminal.serial}", None)
    connectors.enqueue(
        session,
        department_id=case.department_id,
        topic="case.submitted",
        case_id=case.id,
        payload={"case": department_view(session, case, sealer)},
        sealer=sealer,
    )
    return case, False


def department_view(session: Session, case: Case, sealer: Sealer) -> dict:
    """Everything the department needs to handle the case, personal data included (it is theirs to see)."""
    content, _ = catalog.item_content(session, case.item_id, case.item_version)
    data = _open(sealer, case.data_sealed, DATA)
    return {
        "case_number": case.case_number,
        "channel": case.channel,
        "state": case.state,
        "item": {
            "id": case.item_id,
            "version": case.item_version,
            "name": content.name,
            "task_code": content.task_code,
        },
        "applicant": {
            "name": _open(sealer, case.applicant_name_sealed, NAME),
            "id_number": _open(sealer, case.applicant_id_number_sealed, ID_NUMBER),
            "phone": _open(sealer, case.applicant_phone_sealed, PHONE),
            "verified_by": case.verified_by,
        },
        "data": json.loads(data) if data else {},
        "materials": case.materials,
        "submitted_at": as_utc(case.submitted_at).isoformat(),
        "received_at": as_utc(case.received_at).isoformat(),
        "promised_limit": content.promised_limit.model_dump() if content.promised_limit else None,
    }


def department_event(
    session: Session,
    caller: DepartmentCaller,
    case_number: str,
    event: DepartmentEvent,
    *,
    store: ObjectStore | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> DepartmentEventResult:
    """A department's step on its case, checked against the state machine, with the result document that
    `complete` or `deliver` may carry (kept in `store`); a repeated event id is answered as the first time and
    changes nothing."""
    case = repository.by_number(session, case_number)
    if case is None or case.department_id != caller.department_id:
        raise NotFound(f"case {case_number} not found")
    earlier = connectors.seen_event(session, caller.department_id, event.event_id)
    if earlier is not None:
        return DepartmentEventResult.model_validate({**earlier, "duplicate": True})
    document = event.document
    data = documents.checked(document, event.action, max_bytes=max_bytes) if document else None
    target = transition(CaseState(case.state), CaseEvent(event.action), ActorKind.DEPARTMENT)
    _step(session, case, target, ActorKind.DEPARTMENT, caller.actor.username, event.reason)
    _refresh_due(session, case)
    digest = None
    if data is not None and document is not None:
        if store is None:
            raise InvalidInput("document: this node keeps no result documents", code="document_not_allowed")
        title = document.title
        digest = documents.attach(session, store, case, data, title=title, actor=caller.actor, at=utcnow())
    result = DepartmentEventResult(
        case_number=case.case_number, state=case.state, duplicate=False, due_at=case.due_at,
        document_sm3=digest,
    )  # fmt: skip
    connectors.remember_event(
        session,
        department_id=caller.department_id,
        event_id=event.event_id,
        case_id=case.id,
        action=event.action,
        result=result.model_dump(mode="json"),
    )
    return result


def _progress(case: Case, steps: Sequence[CaseStep], item_name: str, department: str) -> CaseProgress:
    return CaseProgress(
        case_number=case.case_number,
        item_name=item_name,
        department=department,
        state=case.state,
        state_label=STATE_LABELS.get(case.state, case.state),
        applicant=case.applicant_name_masked,
        submitted_at=as_utc(case.submitted_at),
        due_at=case.due_at,
        steps=[
            {"at": as_utc(s.at), "state": s.to_state, "state_label": STATE_LABELS.get(s.to_state, s.to_state)}
            for s in steps
        ],
    )


def _item_names(session: Session, cases: Sequence[Case]) -> dict[tuple[int, int], str]:
    """The item name each case was submitted for (its own item version), one lookup per version."""
    keys = {(c.item_id, c.item_version) for c in cases}
    return {key: catalog.item_content(session, *key)[0].name for key in keys}


def _progress_of(session: Session, cases: Sequence[Case]) -> list[CaseProgress]:
    steps, items = repository.steps_of(session, [c.id for c in cases]), _item_names(session, cases)
    names = catalog.department_names(session)
    return [
        _progress(c, steps.get(c.id, []), items[(c.item_id, c.item_version)], names.get(c.department_id, ""))
        for c in cases
    ]


def progress_by_token(session: Session, token: str) -> CaseProgress:
    """The progress a receipt's QR code opens (the token is the only key; nothing personal unmasked)."""
    case = repository.by_query_token(session, token)
    if case is None:
        raise NotFound("no case has this query code")
    return _progress_of(session, [case])[0]


def progress_for_citizen(session: Session, id_number: str) -> list[CaseProgress]:
    """A citizen's recent cases, for the kiosk's progress query after reading their ID card."""
    if validate_id_number(id_number):
        raise InvalidInput("id_number: not a valid resident ID number")
    return _progress_of(session, repository.by_applicant(session, applicant_digest(session, id_number)))


def _read(case: Case, steps: Sequence[CaseStep], item_name: str, department: str) -> CaseRead:
    return CaseRead(
        id=case.id,
        case_number=case.case_number,
        channel=case.channel,
        state=case.state,
        item_id=case.item_id,
        item_version=case.item_version,
        item_name=item_name,
        department_id=case.department_id,
        department=department,
        org_node_id=case.org_node_id,
        applicant_name=case.applicant_name_masked,
        applicant_id_number=case.applicant_id_number_masked,
        verified_by=case.verified_by,
        materials=list(case.materials or []),
        submitted_at=as_utc(case.submitted_at),
        received_at=as_utc(case.received_at),
        accepted_at=case.accepted_at,
        due_at=case.due_at,
        closed_at=case.closed_at,
        steps=[CaseStepRead.model_validate(s) for s in steps],
    )


def reads(session: Session, cases: Sequence[Case]) -> list[CaseRead]:
    """Cases as operators see them (masked), with their steps."""
    steps, items = repository.steps_of(session, [c.id for c in cases]), _item_names(session, cases)
    names = catalog.department_names(session)
    return [
        _read(c, steps.get(c.id, []), items[(c.item_id, c.item_version)], names.get(c.department_id, ""))
        for c in cases
    ]


def list_cases(
    session: Session, principal: Principal, *, state: str | None, limit: int, offset: int
) -> tuple[list[CaseRead], int]:
    """Cases handled at places inside the caller's subtrees, newest first, personal data masked."""
    paths = [s.path for s in principal.require_any(Perm.CASE_READ)]
    rows, total = repository.search(
        session, paths=paths, department_ids=None, state=state, limit=limit, offset=offset
    )
    return reads(session, rows), total


def get_case(session: Session, principal: Principal, case_id: int) -> CaseRead:
    """One case, if it was handled inside the caller's subtree; reading it is audited."""
    case = repository.get(session, case_id)
    if case is None:
        raise NotFound(f"case {case_id} not found")
    path = orgs.get_path(session, case.org_node_id)
    principal.require(Perm.CASE_READ, path)
    audit.record(session, principal.actor, "case.read", object_type="case", object_id=case.id, org_path=path)
    return reads(session, [case])[0]


def department_cases(
    session: Session, caller: DepartmentCaller, sealer: Sealer, *, state: str | None, limit: int, offset: int
) -> tuple[list[dict], int]:
    """A department's own cases with everything it needs to handle them."""
    rows, total = repository.search(
        session, paths=["/"], department_ids=[caller.department_id], state=state, limit=limit, offset=offset
    )
    return [department_view(session, c, sealer) for c in rows], total


def rate(session: Session, case_number: str, id_number: str, terminal_serial: str) -> Case:
    """The case a citizen at a kiosk rates (only their own); a delivered case becomes rated."""
    case = repository.by_number(session, case_number)
    if case is None or case.applicant_digest != applicant_digest(session, id_number):  # None once purged
        raise NotFound(f"case {case_number} not found")
    if case.state == CaseState.DELIVERED:
        _step(session, case, CaseState.RATED, ActorKind.KIOSK, f"terminal:{terminal_serial}", None)
    return case


def receipt_data(
    session: Session, sealer: Sealer, terminal_id: int, case_number: str, *, public_base_url: str
) -> ReceiptData:
    """What the 受理回执 of a case submitted at this kiosk shows (only this kiosk may print it)."""
    case = repository.by_number(session, case_number)
    if case is None or case.terminal_id != terminal_id:
        raise NotFound(f"case {case_number} not found")
    content, _ = catalog.item_content(session, case.item_id, case.item_version)
    limit = content.promised_limit
    deadline = case.due_at
    if deadline is None and limit is not None and limit.value:
        # Not yet accepted: estimate as if accepted on receipt (the clock starts at acceptance).
        deadline = compute_deadline(limit, [(CaseState.ACCEPTED, as_utc(case.received_at))]).due_at
    site = orgs.get(session, case.org_node_id)
    return ReceiptData(
        case_number=case.case_number,
        item_name=content.name,
        department=catalog.department_names(session).get(case.department_id, ""),
        applicant_name=_open(sealer, case.applicant_name_sealed, NAME) or PURGED_LABEL,
        id_number=_open(sealer, case.applicant_id_number_sealed, ID_NUMBER) or PURGED_LABEL,
        accepted_at=as_utc(case.received_at),
        promised_deadline=deadline,
        site_name=site.name,
        query_url=f"{public_base_url.rstrip('/')}/q/{case.query_token}",
        materials=tuple(str(m.get("slot", "")) for m in documents.citizen_materials(case.materials)),
    )


@cache
def default_sealer() -> Sealer:
    """The sealer of this process's settings, for callers with none to pass (the app passes its own)."""
    return Sealer.from_settings(get_settings())


PURGEABLE = (
    CaseState.REJECTED,
    CaseState.WITHDRAWN,
    CaseState.COMPLETED,
    CaseState.DELIVERED,
    CaseState.RATED,
)


def purge_due(session: Session, *, now: datetime, default_days: int, limit: int) -> list[Case]:
    """Closed cases whose item's retention period (from closing) has passed, personal data not yet erased."""
    due: list[Case] = []
    for item_id, version in repository.closed_item_versions(session, PURGEABLE):
        content, _ = catalog.item_content(session, item_id, version)
        cutoff = now - timedelta(days=content.retention_days or default_days)
        due.extend(repository.closed_before(session, item_id, version, PURGEABLE, cutoff, limit - len(due)))
        if len(due) >= limit:
            break
    return due


def material_keys(case: Case) -> list[str]:
    """The object-store keys of a case's materials."""
    return [str(m["object_key"]) for m in case.materials or [] if m.get("object_key")]


def erase_personal_data(session: Session, case_ids: Sequence[int], *, now: datetime) -> list[Case]:
    """Replace the personal data of these cases by tombstones; number, item, dates and states stay."""
    erased = []
    for case in repository.by_ids(session, case_ids):
        if case.purged_at is not None or case.state not in PURGEABLE:
            continue
        case.applicant_name_sealed = case.applicant_id_number_sealed = case.data_sealed = PURGED
        case.applicant_phone_sealed = None
        case.applicant_name_masked = case.applicant_id_number_masked = PURGED_LABEL
        case.applicant_digest = case.submission_digest = None
        case.materials = [{"slot": m.get("slot", ""), "purged": True} for m in case.materials or []]
        case.purged_at = now
        erased.append(case)
    connectors.forget_payloads(session, [c.id for c in erased])  # the webhooks carried the same data
    session.flush()
    if erased:
        audit.record(
            session,
            Actor("system"),
            "cases.purged",
            object_type="case",
            detail={"count": len(erased), "case_numbers": [c.case_number for c in erased]},
        )
    return erased
