"""Onboarding (入驻) use cases: submit → automatic checks → review → publish → suspend / withdraw, every
step recorded with who, when and why; and what each kiosk offers because of it."""

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.audit import service as audit
from govkiosk.platform.catalog import service as catalog
from govkiosk.platform.core.actor import Actor
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from govkiosk.platform.onboarding import repository
from govkiosk.platform.onboarding.models import Onboarding, OnboardingStep
from govkiosk.platform.onboarding.schemas import (
    CheckResult,
    OnboardingPage,
    OnboardingRead,
    OnboardingState,
    OnboardingStepRead,
    PublishTargets,
)
from govkiosk.platform.orgs import service as orgs
from govkiosk.platform.terminals import service as terminals

S = OnboardingState
SYSTEM = Actor(username="system")
OPEN_STATES = (S.SUBMITTED, S.IN_REVIEW, S.APPROVED)
LIVE_STATES = (S.PUBLISHED, S.SUSPENDED)
# Which moves each operation allows: operation → (from states, to state).
MOVES: dict[str, tuple[tuple[S, ...], S]] = {
    "approve": ((S.IN_REVIEW,), S.APPROVED),
    "reject": ((S.IN_REVIEW, S.APPROVED), S.REJECTED),
    "publish": ((S.APPROVED,), S.PUBLISHED),
    "suspend": ((S.PUBLISHED,), S.SUSPENDED),
    "resume": ((S.SUSPENDED,), S.PUBLISHED),
    "withdraw": (
        (S.SUBMITTED, S.CHECKS_FAILED, S.IN_REVIEW, S.APPROVED, S.PUBLISHED, S.SUSPENDED),
        S.WITHDRAWN,
    ),
}


def _step(
    session: Session,
    onboarding: Onboarding,
    actor: Actor,
    to: S,
    reason: str | None,
    detail: dict | None = None,
) -> None:
    step = OnboardingStep(
        onboarding_id=onboarding.id, at=utcnow(), actor=actor.username, from_state=onboarding.state,
        to_state=to, reason=reason, detail=detail or {},
    )  # fmt: skip
    onboarding.state = to
    repository.add(session, step)


def _subject_of(session: Session, subject: str, subject_id: int) -> tuple[int, int, str]:
    """(department id, latest version, name) of the item or app."""
    if subject == "item":
        item = catalog.get_item(session, subject_id)
        content, _ = catalog.item_content(session, item.id, item.latest_version)
        return item.department_id, item.latest_version, content.name
    app = catalog.get_app(session, subject_id)
    return (
        app.department_id,
        app.latest_version,
        catalog.app_content(session, app.id, app.latest_version).name,
    )


def submit(
    session: Session, actor: Actor, *, department_id: int, subject: Literal["item", "app"], subject_id: int,
    reason: str | None,
) -> Onboarding:  # fmt: skip
    """A department asks to bring the latest version of its item or app onto kiosks; checks run next."""
    owner, version, name = _subject_of(session, subject, subject_id)
    if owner != department_id:
        raise NotFound(f"{subject} {subject_id} not found")
    if repository.open_for(session, subject, subject_id, states=OPEN_STATES):
        raise Conflict(f"{subject} {subject_id} already has an onboarding in progress")
    onboarding = Onboarding(
        subject=subject, subject_id=subject_id, version=version, department_id=department_id,
        state=S.SUBMITTED, submitted_by=actor.username, submitted_at=utcnow(), checks=[],
    )  # fmt: skip
    repository.add(session, onboarding)
    repository.add(
        session,
        OnboardingStep(
            onboarding_id=onboarding.id, at=onboarding.submitted_at, actor=actor.username, from_state=None,
            to_state=S.SUBMITTED, reason=reason, detail={"version": version, "name": name},
        ),
    )  # fmt: skip
    audit.record(
        session, actor, "onboarding.submit", object_type="onboarding", object_id=onboarding.id,
        org_path=_department_path(session, department_id), detail={"subject": subject, "id": subject_id},
    )  # fmt: skip
    return onboarding


def _department_path(session: Session, department_id: int) -> str:
    return orgs.get_path(session, catalog.get_department(session, department_id).org_node_id)


def record_checks(session: Session, onboarding_id: int, results: Sequence[CheckResult]) -> Onboarding | None:
    """Store the automatic checks' results: in review when all passed, checks_failed otherwise."""
    onboarding = repository.get(session, onboarding_id)
    if onboarding is None or onboarding.state != S.SUBMITTED:
        return None  # withdrawn meanwhile, or checked by another node
    onboarding.checks = [r.model_dump() for r in results]
    passed = all(r.passed for r in results)
    failed = [r.name for r in results if not r.passed]
    _step(
        session, onboarding, SYSTEM, S.IN_REVIEW if passed else S.CHECKS_FAILED,
        None if passed else "automatic checks failed: " + ", ".join(failed), {"checks": onboarding.checks},
    )  # fmt: skip
    return onboarding


def get(session: Session, onboarding_id: int) -> Onboarding:
    onboarding = repository.get(session, onboarding_id)
    if onboarding is None:
        raise NotFound(f"onboarding {onboarding_id} not found")
    return onboarding


def reviewable(session: Session, principal: Principal, onboarding_id: int, perm: Perm) -> Onboarding:
    """An onboarding of a department in a subtree where the principal holds `perm`."""
    onboarding = get(session, onboarding_id)
    principal.require(perm, _department_path(session, onboarding.department_id))
    return onboarding


def move(
    session: Session, actor: Actor, onboarding: Onboarding, operation: str, *, reason: str | None,
    detail: dict | None = None,
) -> Onboarding:  # fmt: skip
    """Apply one review operation (approve, reject, suspend, resume, withdraw); publish has its own."""
    sources, target = MOVES[operation]
    if onboarding.state not in sources:
        raise Conflict(f"cannot {operation} an onboarding that is {onboarding.state}")
    if operation in ("reject", "suspend", "withdraw") and not (reason and reason.strip()):
        raise InvalidInput(f"reason: say why you {operation} it; the department sees it")
    was_live = onboarding.state == S.PUBLISHED
    _step(session, onboarding, actor, target, reason, detail)
    if was_live != (target == S.PUBLISHED):
        _set_enabled(session, onboarding, target == S.PUBLISHED)
    if target == S.WITHDRAWN and onboarding.published_at is not None:
        onboarding.ended_at = utcnow()
    audit.record(
        session, actor, f"onboarding.{operation}", object_type="onboarding", object_id=onboarding.id,
        org_path=_department_path(session, onboarding.department_id), detail={"reason": reason},
    )  # fmt: skip
    return onboarding


def _set_enabled(session: Session, onboarding: Onboarding, enabled: bool) -> None:
    if onboarding.subject == "item":
        catalog.set_item_kiosk_enabled(session, onboarding.subject_id, enabled)
    else:
        catalog.set_app_kiosk_enabled(session, onboarding.subject_id, enabled)


def _check_targets(session: Session, principal: Principal, targets: PublishTargets) -> None:
    for node_id in targets.org_node_ids:
        path = orgs.get_path(session, node_id)
        if not principal.can(Perm.ONBOARDING_REVIEW, path):
            raise Forbidden(f"you may not publish to org node {node_id}", org_path=path)
    known = {p.id for p in terminals.profiles(session)}
    unknown = sorted(set(targets.profile_ids) - known)
    if unknown:
        raise InvalidInput(f"profile_ids: no terminal profile {unknown[0]}")


def publish(
    session: Session, principal: Principal, onboarding: Onboarding, targets: PublishTargets
) -> Onboarding:
    """Publish an approved onboarding to org subtrees (and terminal profiles): kiosks there offer it."""
    if onboarding.state != S.APPROVED:
        raise Conflict(f"only an approved onboarding can be published; this one is {onboarding.state}")
    _check_targets(session, principal, targets)
    for earlier in repository.open_for(
        session, onboarding.subject, onboarding.subject_id, states=LIVE_STATES
    ):
        _step(session, earlier, principal.actor, S.REPLACED, f"replaced by onboarding {onboarding.id}")
        earlier.ended_at = utcnow()
    if onboarding.subject == "item":
        catalog.publish_item(session, catalog.get_item(session, onboarding.subject_id), onboarding.version)
    else:
        catalog.publish_app(session, catalog.get_app(session, onboarding.subject_id), onboarding.version)
    onboarding.org_node_ids = sorted(set(targets.org_node_ids))
    onboarding.profile_ids = sorted(set(targets.profile_ids))
    onboarding.published_at = utcnow()
    detail = {"org_node_ids": onboarding.org_node_ids, "profile_ids": onboarding.profile_ids}
    _step(session, onboarding, principal.actor, S.PUBLISHED, targets.reason, detail)
    _set_enabled(session, onboarding, True)
    audit.record(
        session, principal.actor, "onboarding.publish", object_type="onboarding", object_id=onboarding.id,
        org_path=_department_path(session, onboarding.department_id), detail=detail,
    )  # fmt: skip
    return onboarding


def _read(
    onboarding: Onboarding, steps: Sequence[OnboardingStep], names: dict[int, str], subject_name: str
) -> OnboardingRead:
    return OnboardingRead(
        id=onboarding.id, subject=onboarding.subject, subject_id=onboarding.subject_id,  # type: ignore[arg-type]
        subject_name=subject_name, version=onboarding.version, department_id=onboarding.department_id,
        department=names.get(onboarding.department_id, ""), state=S(onboarding.state),
        checks=[CheckResult.model_validate(c) for c in onboarding.checks or []],
        org_node_ids=list(onboarding.org_node_ids or []), profile_ids=list(onboarding.profile_ids or []),
        submitted_by=onboarding.submitted_by, submitted_at=as_utc(onboarding.submitted_at),
        steps=[OnboardingStepRead.model_validate(s) for s in steps],
    )  # fmt: skip


def _subject_name(steps: Sequence[OnboardingStep]) -> str:
    first = next((s for s in steps if s.from_state is None), None)
    return str(first.detail.get("name", "")) if first is not None else ""


def reads(session: Session, onboardings: Sequence[Onboarding]) -> list[OnboardingRead]:
    """Onboardings with their steps and names, in two queries."""
    steps = repository.steps_of(session, [o.id for o in onboardings])
    names = catalog.department_names(session)
    return [_read(o, steps.get(o.id, []), names, _subject_name(steps.get(o.id, []))) for o in onboardings]


def list_onboardings(
    session: Session, *, department_ids: Sequence[int] | None, state: str | None, limit: int, offset: int
) -> OnboardingPage:
    """Onboardings of the departments given (None = all), newest first."""
    rows, total = repository.search(
        session, department_ids=department_ids, state=state, limit=limit, offset=offset
    )
    return OnboardingPage(items=reads(session, rows), total=total)


def backdate(session: Session, onboarding_id: int, published_at: datetime) -> None:
    """Move an onboarding's history back in time, keeping its order (demo data only: a history of weeks)."""
    onboarding = get(session, onboarding_id)
    shift = published_at - as_utc(onboarding.published_at or onboarding.submitted_at)
    onboarding.submitted_at = as_utc(onboarding.submitted_at) + shift
    onboarding.published_at = published_at if onboarding.published_at else None
    for step in repository.steps_of(session, [onboarding.id]).get(onboarding.id, []):
        step.at = as_utc(step.at) + shift
