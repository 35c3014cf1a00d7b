"""The case state machine: every allowed move, who may make it, and a sample of refused ones."""

import itertools

import pytest

from govkiosk.platform.cases.states import (
    CLOCK_STOP_STATES,
    FINAL_STATES,
    PAUSED_STATES,
    TRANSITIONS,
    ActorKind,
    CaseEvent,
    CaseState,
    allowed_transitions,
    can_transition,
    find_transition,
    is_final,
    transition,
)
from govkiosk.platform.core.errors import Conflict, Forbidden

S, A, E = CaseState, ActorKind, CaseEvent

# The whole table written out independently of the module: (from, to, event, actors).
EXPECTED = {
    (S.DRAFT, S.SUBMITTED, E.SUBMIT, frozenset({A.CITIZEN, A.KIOSK, A.OPERATOR})),
    (S.SUBMITTED, S.SUPPLEMENT_REQUESTED, E.REQUEST_SUPPLEMENT, frozenset({A.DEPARTMENT})),
    (S.SUPPLEMENT_REQUESTED, S.SUBMITTED, E.RESUBMIT, frozenset({A.CITIZEN, A.KIOSK, A.OPERATOR})),
    (S.SUBMITTED, S.ACCEPTED, E.ACCEPT, frozenset({A.DEPARTMENT, A.SYSTEM})),
    (S.SUBMITTED, S.REJECTED, E.REJECT, frozenset({A.DEPARTMENT})),
    (S.SUBMITTED, S.WITHDRAWN, E.WITHDRAW, frozenset({A.CITIZEN, A.KIOSK, A.OPERATOR})),
    (S.SUPPLEMENT_REQUESTED, S.WITHDRAWN, E.WITHDRAW, frozenset({A.CITIZEN, A.KIOSK, A.OPERATOR, A.SYSTEM})),
    (S.ACCEPTED, S.IN_REVIEW, E.START_REVIEW, frozenset({A.DEPARTMENT, A.SYSTEM})),
    (S.IN_REVIEW, S.SUSPENDED, E.SUSPEND, frozenset({A.DEPARTMENT})),
    (S.SUSPENDED, S.IN_REVIEW, E.RESUME, frozenset({A.DEPARTMENT})),
    (S.IN_REVIEW, S.APPROVED, E.APPROVE, frozenset({A.DEPARTMENT, A.SYSTEM})),
    (S.IN_REVIEW, S.DENIED, E.DENY, frozenset({A.DEPARTMENT})),
    (S.APPROVED, S.COMPLETED, E.COMPLETE, frozenset({A.DEPARTMENT, A.SYSTEM})),
    (S.DENIED, S.COMPLETED, E.COMPLETE, frozenset({A.DEPARTMENT, A.SYSTEM})),
    (S.COMPLETED, S.DELIVERED, E.DELIVER, frozenset({A.DEPARTMENT, A.KIOSK, A.OPERATOR, A.SYSTEM})),
    (S.DELIVERED, S.RATED, E.RATE, frozenset({A.CITIZEN, A.KIOSK, A.SYSTEM})),
}
ALLOWED = [(src, dst, ev, actor) for src, dst, ev, actors in EXPECTED for actor in actors]
REFUSED_ACTORS = [(src, dst, actor) for src, dst, _, actors in EXPECTED for actor in set(ActorKind) - actors]
PAIRS = {(src, dst) for src, dst, _, _ in EXPECTED}
NOT_A_MOVE = [(a, b) for a, b in itertools.product(CaseState, CaseState) if (a, b) not in PAIRS]


def test_the_table_is_exactly_the_designed_one() -> None:
    assert {(t.source, t.target, t.event, t.actors) for t in TRANSITIONS} == EXPECTED
    assert len(TRANSITIONS) == len(EXPECTED)


def test_an_event_names_one_move_per_state() -> None:
    keys = [(t.source, t.event) for t in TRANSITIONS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(("source", "target", "event", "actor"), ALLOWED)
def test_every_allowed_move(source: CaseState, target: CaseState, event: CaseEvent, actor: ActorKind) -> None:
    assert transition(source, target, actor) is target
    assert transition(source, event, actor) is target
    assert can_transition(source, target, actor)


@pytest.mark.parametrize(("source", "target", "actor"), REFUSED_ACTORS)
def test_other_actors_are_refused(source: CaseState, target: CaseState, actor: ActorKind) -> None:
    with pytest.raises(Forbidden, match=f"a {actor.value} cannot move a case from {source.value}"):
        transition(source, target, actor)
    assert not can_transition(source, target, actor)


@pytest.mark.parametrize(("source", "target"), NOT_A_MOVE[::7])
def test_moves_outside_the_table_conflict(source: CaseState, target: CaseState) -> None:
    for actor in ActorKind:
        with pytest.raises(Conflict) as caught:
            transition(source, target, actor)
        assert caught.value.message == f"a case that is {source.value} cannot go to {target.value}"
        assert caught.value.status_code == 409
        assert not can_transition(source, target, actor)


@pytest.mark.parametrize(
    ("source", "target", "actor"),
    [
        (S.APPROVED, S.SUPPLEMENT_REQUESTED, A.DEPARTMENT),
        (S.ACCEPTED, S.WITHDRAWN, A.CITIZEN),  # no withdrawal after acceptance
        (S.IN_REVIEW, S.WITHDRAWN, A.CITIZEN),
        (S.DRAFT, S.ACCEPTED, A.DEPARTMENT),  # acceptance needs a submission
        (S.SUBMITTED, S.IN_REVIEW, A.DEPARTMENT),  # review needs acceptance
        (S.REJECTED, S.SUBMITTED, A.CITIZEN),  # rejected is final: apply again as a new case
        (S.SUSPENDED, S.APPROVED, A.DEPARTMENT),  # resume first
        (S.APPROVED, S.DENIED, A.DEPARTMENT),
        (S.COMPLETED, S.RATED, A.CITIZEN),  # rate after delivery
        (S.RATED, S.RATED, A.CITIZEN),
        (S.SUBMITTED, S.SUBMITTED, A.KIOSK),
    ],
)
def test_refused_moves_that_matter(source: CaseState, target: CaseState, actor: ActorKind) -> None:
    with pytest.raises(Conflict, match=f"^a case that is {source.value} cannot go to {target.value}$"):
        transition(source, target, actor)


def test_unknown_event_conflicts() -> None:
    with pytest.raises(Conflict, match="a case that is approved cannot take the event suspend"):
        transition(S.APPROVED, E.SUSPEND, A.DEPARTMENT)
    with pytest.raises(Conflict):
        find_transition(S.DRAFT, E.RATE)


def test_who_may_do_what() -> None:
    assert {t.target for t in allowed_transitions(S.SUBMITTED, A.DEPARTMENT)} == {
        S.SUPPLEMENT_REQUESTED,
        S.ACCEPTED,
        S.REJECTED,
    }
    assert {t.target for t in allowed_transitions(S.SUBMITTED, A.CITIZEN)} == {S.WITHDRAWN}
    assert allowed_transitions(S.IN_REVIEW, A.KIOSK) == ()
    assert {t.target for t in allowed_transitions(S.IN_REVIEW)} == {S.SUSPENDED, S.APPROVED, S.DENIED}
    # Only a department may deny: a refusal needs a person's reasons; 秒批 may only approve.
    assert not can_transition(S.IN_REVIEW, S.DENIED, A.SYSTEM)
    assert can_transition(S.IN_REVIEW, S.APPROVED, A.SYSTEM)


def test_final_states() -> None:
    assert {S.REJECTED, S.WITHDRAWN, S.RATED} == FINAL_STATES
    assert all(is_final(s) and allowed_transitions(s) == () for s in FINAL_STATES)
    assert not is_final(S.DELIVERED)


def test_clock_states() -> None:
    assert {S.SUSPENDED, S.SUPPLEMENT_REQUESTED} == PAUSED_STATES
    assert {S.COMPLETED, S.DELIVERED, S.RATED} == CLOCK_STOP_STATES


def test_every_state_is_reachable_from_draft() -> None:
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for t in allowed_transitions(frontier.pop()):
            if t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(CaseState)


def test_the_happy_path_at_a_kiosk() -> None:
    path = [
        (S.SUBMITTED, A.KIOSK),
        (S.ACCEPTED, A.DEPARTMENT),
        (S.IN_REVIEW, A.DEPARTMENT),
        (S.SUSPENDED, A.DEPARTMENT),
        (S.IN_REVIEW, A.DEPARTMENT),
        (S.APPROVED, A.DEPARTMENT),
        (S.COMPLETED, A.SYSTEM),
        (S.DELIVERED, A.KIOSK),
        (S.RATED, A.KIOSK),
    ]
    state = S.DRAFT
    for target, actor in path:
        state = transition(state, target, actor)
    assert state is S.RATED and is_final(state)
