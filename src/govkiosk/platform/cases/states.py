"""The case (办件) state machine: states, the transitions and who may trigger them, final and paused states.

    draft → submitted → (supplement_requested ⇄ submitted) → accepted | rejected
          → in_review → (suspended ⇄ in_review) → approved | denied → completed → delivered → rated
    submitted | supplement_requested → withdrawn (the citizen withdraws before acceptance)

Withdrawal is allowed only before acceptance: until then no department has taken the case and no time limit
runs, so the citizen may simply take the application back (撤回申请), and a case left waiting for
supplementary materials (补正) would otherwise stay open forever. After acceptance, ending a case early is a
department decision (终止办理) with legal effects, which this machine does not model.
"""

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from govkiosk.platform.core.errors import Conflict, Forbidden


class CaseState(enum.StrEnum):
    """Where a case is in its life."""

    DRAFT = "draft"  # 草稿 (saved on the server, never on the kiosk)
    SUBMITTED = "submitted"  # 已提交 / 待受理
    SUPPLEMENT_REQUESTED = "supplement_requested"  # 待补正 (一次性告知)
    ACCEPTED = "accepted"  # 已受理: the promised-deadline clock starts
    REJECTED = "rejected"  # 不予受理
    WITHDRAWN = "withdrawn"  # 已撤回 (by the applicant, before acceptance)
    IN_REVIEW = "in_review"  # 审查中
    SUSPENDED = "suspended"  # 中止 / 特别程序 (听证, 检验, 专家评审 …): the clock pauses
    APPROVED = "approved"  # 准予 (许可)
    DENIED = "denied"  # 不予 (许可)
    COMPLETED = "completed"  # 办结: the clock stops
    DELIVERED = "delivered"  # 已送达 (result collected, printed at a kiosk, mailed or issued as e-licence)
    RATED = "rated"  # 已评价 (好差评)


class CaseEvent(enum.StrEnum):
    """What happens to a case; each event names exactly one transition from a given state."""

    SUBMIT = "submit"
    REQUEST_SUPPLEMENT = "request_supplement"
    RESUBMIT = "resubmit"
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    START_REVIEW = "start_review"
    SUSPEND = "suspend"
    RESUME = "resume"
    APPROVE = "approve"
    DENY = "deny"
    COMPLETE = "complete"
    DELIVER = "deliver"
    RATE = "rate"


class ActorKind(enum.StrEnum):
    """Who triggers a transition."""

    KIOSK = "kiosk"  # a kiosk acting in a citizen's authenticated session
    CITIZEN = "citizen"  # the applicant, online or on a phone
    DEPARTMENT = "department"  # the handling department (its staff or business system)
    OPERATOR = "operator"  # service-hall staff, e.g. the one-stop window (综合窗口), acting for a citizen
    SYSTEM = "system"  # the platform itself: automatic steps, 秒批 rules, integrations


@dataclass(frozen=True)
class Transition:
    """One allowed move, the event that names it and the actors who may trigger it."""

    source: CaseState
    target: CaseState
    event: CaseEvent
    actors: frozenset[ActorKind]


S, E, A = CaseState, CaseEvent, ActorKind
_APPLICANT = frozenset({A.CITIZEN, A.KIOSK, A.OPERATOR})


def _t(source: CaseState, target: CaseState, event: CaseEvent, actors: Iterable[ActorKind]) -> Transition:
    return Transition(source, target, event, frozenset(actors))


TRANSITIONS: tuple[Transition, ...] = (
    _t(S.DRAFT, S.SUBMITTED, E.SUBMIT, _APPLICANT),
    _t(S.SUBMITTED, S.SUPPLEMENT_REQUESTED, E.REQUEST_SUPPLEMENT, {A.DEPARTMENT}),
    _t(S.SUPPLEMENT_REQUESTED, S.SUBMITTED, E.RESUBMIT, _APPLICANT),
    _t(S.SUBMITTED, S.ACCEPTED, E.ACCEPT, {A.DEPARTMENT, A.SYSTEM}),  # system: automatic acceptance
    _t(S.SUBMITTED, S.REJECTED, E.REJECT, {A.DEPARTMENT}),
    _t(S.SUBMITTED, S.WITHDRAWN, E.WITHDRAW, _APPLICANT),
    # system: 逾期未补正视为撤回 (the supplement period lapsed)
    _t(S.SUPPLEMENT_REQUESTED, S.WITHDRAWN, E.WITHDRAW, _APPLICANT | {A.SYSTEM}),
    _t(S.ACCEPTED, S.IN_REVIEW, E.START_REVIEW, {A.DEPARTMENT, A.SYSTEM}),
    _t(S.IN_REVIEW, S.SUSPENDED, E.SUSPEND, {A.DEPARTMENT}),
    _t(S.SUSPENDED, S.IN_REVIEW, E.RESUME, {A.DEPARTMENT}),
    _t(S.IN_REVIEW, S.APPROVED, E.APPROVE, {A.DEPARTMENT, A.SYSTEM}),  # system: 秒批 (rule-based approval)
    _t(S.IN_REVIEW, S.DENIED, E.DENY, {A.DEPARTMENT}),  # a denial always needs a person's reasons
    _t(S.APPROVED, S.COMPLETED, E.COMPLETE, {A.DEPARTMENT, A.SYSTEM}),
    _t(S.DENIED, S.COMPLETED, E.COMPLETE, {A.DEPARTMENT, A.SYSTEM}),
    _t(S.COMPLETED, S.DELIVERED, E.DELIVER, {A.DEPARTMENT, A.KIOSK, A.OPERATOR, A.SYSTEM}),
    # system: a rating given on another 好差评 channel (SMS, portal) and forwarded to the platform
    _t(S.DELIVERED, S.RATED, E.RATE, {A.CITIZEN, A.KIOSK, A.SYSTEM}),
)
del S, E, A

_BY_TARGET: dict[tuple[CaseState, CaseState], Transition] = {(t.source, t.target): t for t in TRANSITIONS}
_BY_EVENT: dict[tuple[CaseState, CaseEvent], Transition] = {(t.source, t.event): t for t in TRANSITIONS}

INITIAL_STATE = CaseState.DRAFT
FINAL_STATES: frozenset[CaseState] = frozenset(CaseState) - {t.source for t in TRANSITIONS}
CLOCK_START_STATE = CaseState.ACCEPTED
# States in which the promised-deadline clock does not run (supplement requests normally come before
# acceptance, when the clock has not started, but a history that has one afterwards is honoured).
PAUSED_STATES: frozenset[CaseState] = frozenset({CaseState.SUSPENDED, CaseState.SUPPLEMENT_REQUESTED})
# Entering any of these after acceptance stops the clock for good: the case is handled (办结).
CLOCK_STOP_STATES: frozenset[CaseState] = frozenset(
    {CaseState.COMPLETED, CaseState.DELIVERED, CaseState.RATED}
)


def _lookup(state: CaseState, to: CaseState | CaseEvent) -> Transition | None:
    if isinstance(to, CaseEvent):
        return _BY_EVENT.get((state, to))
    return _BY_TARGET.get((state, to))


def find_transition(state: CaseState, to: CaseState | CaseEvent) -> Transition:
    """The transition from ``state`` to a target state or by an event; Conflict when there is none."""
    found = _lookup(state, to)
    if found is not None:
        return found
    if isinstance(to, CaseEvent):
        message = f"a case that is {state.value} cannot take the event {to.value}"
    else:
        message = f"a case that is {state.value} cannot go to {to.value}"
    raise Conflict(message, code="invalid_transition")


def transition(state: CaseState, to: CaseState | CaseEvent, actor: ActorKind) -> CaseState:
    """The state after moving ``state`` to a target (or by an event) on ``actor``'s behalf; refuses the rest.

    Raises Conflict when the move does not exist and Forbidden when this kind of actor may not make it.
    """
    found = find_transition(state, to)
    if actor not in found.actors:
        allowed = ", ".join(sorted(found.actors))
        move = f"from {state.value} to {found.target.value}"
        raise Forbidden(f"a {actor.value} cannot move a case {move} (allowed: {allowed})")
    return found.target


def can_transition(state: CaseState, to: CaseState | CaseEvent, actor: ActorKind) -> bool:
    """Whether ``actor`` may move a case from ``state`` to the target (or by the event)."""
    found = _lookup(state, to)
    return found is not None and actor in found.actors


def allowed_transitions(state: CaseState, actor: ActorKind | None = None) -> tuple[Transition, ...]:
    """The moves out of ``state``, optionally only those ``actor`` may make (e.g. to offer buttons)."""
    return tuple(t for t in TRANSITIONS if t.source == state and (actor is None or actor in t.actors))


def is_final(state: CaseState) -> bool:
    """Whether nothing can happen to a case in this state any more."""
    return state in FINAL_STATES
