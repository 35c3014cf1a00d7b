"""Use cases of remote actions: queue, deliver, feedback, cancel, expire."""

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.orm import Session

from govkiosk.contracts.terminal_api import ActionFeedback, ActionOut
from govkiosk.platform.accounts.authz import Perm, Principal
from govkiosk.platform.actions import repository
from govkiosk.platform.actions.models import ACTIVE_STATES, Action, ActionKind, ActionState
from govkiosk.platform.actions.schemas import ActionCreate, ActionResultRead
from govkiosk.platform.audit import service as audit
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import Conflict, Gone, NotFound
from govkiosk.platform.core.settings import get_settings
from govkiosk.platform.db.session import on_commit
from govkiosk.platform.fleet.push import hub
from govkiosk.platform.terminals import service as terminals
from govkiosk.platform.terminals.models import EnrollmentState

# Results that may show what a citizen saw or typed: reading them is audited.
SENSITIVE_RESULTS = {ActionKind.SCREENSHOT, ActionKind.COLLECT_LOGS}
_FINAL_FROM_RUNNING = {ActionState.SUCCEEDED, ActionState.FAILED}


def create(session: Session, principal: Principal, terminal_id: int, data: ActionCreate) -> Action:
    """Queue a command for a terminal and nudge it to poll once the command is committed."""
    terminal, path = terminals.get_for(session, principal, terminal_id, Perm.ACTION_WRITE)
    if terminal.enrollment_state != EnrollmentState.APPROVED:
        raise Conflict(f"terminal {terminal_id} is {terminal.enrollment_state}; it takes no commands")
    now = utcnow()
    action = Action(
        terminal_id=terminal.id,
        kind=data.kind,
        params=data.params,
        state=ActionState.QUEUED,
        created_by=principal.username,
        created_at=now,
        expires_at=now + timedelta(seconds=data.ttl_s or get_settings().action_default_ttl_s),
    )
    repository.add(session, action)
    audit.record(
        session,
        principal.actor,
        f"action.{data.kind}",
        object_type="action",
        object_id=action.id,
        org_path=path,
        detail={"terminal_id": terminal.id, "serial": terminal.serial},
    )
    on_commit(session, lambda: hub.nudge(terminal.id, f"action {action.id}"))
    return action


def _get_for(session: Session, principal: Principal, action_id: int, perm: Perm) -> tuple[Action, str]:
    action = repository.get(session, action_id)
    if action is None:
        raise NotFound(f"action {action_id} does not exist")
    _terminal, path = terminals.get_for(session, principal, action.terminal_id, perm)
    return action, path


def get(session: Session, principal: Principal, action_id: int) -> ActionResultRead:
    """One action with its result; reading a screenshot or logs is audited."""
    action, path = _get_for(session, principal, action_id, Perm.ACTION_READ)
    if action.kind in SENSITIVE_RESULTS and action.result:
        audit.record(
            session,
            principal.actor,
            "action.result.read",
            object_type="action",
            object_id=action.id,
            org_path=path,
        )
    return ActionResultRead.model_validate(action)


def list_for_terminal(
    session: Session, principal: Principal, terminal_id: int, *, limit: int = 50
) -> Sequence[Action]:
    """The terminal's recent actions, newest first."""
    terminals.get_for(session, principal, terminal_id, Perm.ACTION_READ)
    return repository.for_terminal(session, terminal_id, limit=limit)


def cancel(session: Session, principal: Principal, action_id: int) -> Action:
    """Cancel an action the terminal has not finished."""
    action, path = _get_for(session, principal, action_id, Perm.ACTION_WRITE)
    if action.state not in ACTIVE_STATES:
        raise Conflict(f"action {action_id} is already {action.state}")
    action.state = ActionState.CANCELED
    action.finished_at = utcnow()
    session.flush()
    audit.record(
        session, principal.actor, "action.cancel", object_type="action", object_id=action.id, org_path=path
    )
    return action


def deliver(session: Session, terminal_id: int) -> list[ActionOut]:
    """Hand the terminal its unstarted actions; queued ones become delivered (redelivery is harmless:
    the agent executes an id at most once)."""
    now = utcnow()
    actions = repository.deliverable(session, terminal_id, now)
    for action in actions:
        if action.state == ActionState.QUEUED:
            action.state = ActionState.DELIVERED
            action.delivered_at = now
    session.flush()
    return [ActionOut(id=a.id, kind=a.kind, params=a.params, expires_at=a.expires_at) for a in actions]


def feedback(session: Session, terminal_id: int, action_id: int, data: ActionFeedback) -> Action:
    """Record the terminal's report on an action; 410 once the action is no longer active."""
    action = repository.get(session, action_id)
    if action is None or action.terminal_id != terminal_id:
        raise NotFound(f"action {action_id} is not this terminal's")
    now = utcnow()
    if action.state in ACTIVE_STATES and as_utc(action.expires_at) <= now:
        action.state, action.finished_at = ActionState.EXPIRED, now
    if action.state not in ACTIVE_STATES:
        raise Gone(f"action {action_id} is {action.state}", code="action_inactive")
    target = ActionState(data.state)
    if target == ActionState.RUNNING:
        action.started_at = action.started_at or now
    elif target in _FINAL_FROM_RUNNING or target == ActionState.REJECTED:
        action.finished_at = now
        action.result = data.result
    action.state = target
    action.detail = data.detail
    session.flush()
    return action


def expire_due(session: Session) -> int:
    """Expire every active action past its time to live."""
    return repository.expire_due(session, utcnow())


def terminals_with_unstarted(session: Session) -> set[int]:
    return repository.terminals_with_unstarted(session)
