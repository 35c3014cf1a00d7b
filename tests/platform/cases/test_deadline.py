"""The promised-deadline clock: start at acceptance, pauses, stop, 即办, units, and properties."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkiosk.platform.cases.deadline import compute_deadline, followup_due
from govkiosk.platform.cases.states import CaseState
from govkiosk.platform.catalog.schemas import TimeLimit, TimeUnit
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.workdays import CHINA_TZ, Calendar, add_working_days

S = CaseState


def china(m: int, d: int, hh: int = 10, mm: int = 0, y: int = 2026) -> datetime:
    """A moment in China time (2026 unless told)."""
    return datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


def end_of(m: int, d: int, y: int = 2026) -> datetime:
    """23:59:59 China time on that day, in UTC."""
    return datetime(y, m, d, 23, 59, 59, tzinfo=CHINA_TZ).astimezone(UTC)


def days(n: int) -> TimeLimit:
    """A working-day limit."""
    return TimeLimit(value=n)


# Accepted Monday 2 March 2026 (an ordinary week): 5 working days end on Monday 9 March.
SUBMITTED = (S.SUBMITTED, china(3, 1, 18))
ACCEPTED = (S.ACCEPTED, china(3, 2, 10))
REVIEW = (S.IN_REVIEW, china(3, 2, 11))


def test_no_clock_before_acceptance() -> None:
    result = compute_deadline(days(5), [(S.DRAFT, china(3, 1, 9)), SUBMITTED], now=china(3, 20))
    assert not result.started and result.due_at is None and result.remaining_working_days is None
    assert not result.overdue


def test_rejected_case_never_starts_the_clock() -> None:
    history = [SUBMITTED, (S.REJECTED, china(3, 2))]
    assert compute_deadline(days(5), history, now=china(4, 1)).started_at is None


def test_plain_working_days() -> None:
    result = compute_deadline(days(5), [SUBMITTED, ACCEPTED, REVIEW], now=china(3, 5, 16))
    assert result.started_at == ACCEPTED[1]
    assert result.due_at == end_of(3, 9)
    assert result.remaining_working_days == 2  # Friday 6th and Monday 9th
    assert not result.overdue and not result.paused and result.exact
    assert result.paused_days == 0


def test_overdue_the_day_after_the_due_day() -> None:
    history = [SUBMITTED, ACCEPTED, REVIEW]
    assert not compute_deadline(days(5), history, now=china(3, 9, 23, 59)).overdue
    late = compute_deadline(days(5), history, now=china(3, 10, 0, 1))
    assert late.overdue and late.remaining_working_days == -1


def test_suspension_moves_the_due_date_by_the_paused_working_days() -> None:
    # Suspended Tuesday 15:00, resumed Thursday 09:00: Wednesday and Thursday are not counted.
    history = [SUBMITTED, ACCEPTED, REVIEW, (S.SUSPENDED, china(3, 3, 15)), (S.IN_REVIEW, china(3, 5, 9))]
    result = compute_deadline(days(5), history, now=china(3, 6))
    assert result.paused_days == 2
    assert result.due_at == end_of(3, 11)
    assert result.paused_for == timedelta(hours=42)
    assert [p.counted for p in result.pauses] == [True]


def test_a_pause_within_one_day_moves_nothing() -> None:
    history = [SUBMITTED, ACCEPTED, REVIEW, (S.SUSPENDED, china(3, 3, 9)), (S.IN_REVIEW, china(3, 3, 17))]
    assert compute_deadline(days(5), history, now=china(3, 4)).due_at == end_of(3, 9)


def test_a_pause_over_a_weekend_moves_only_by_working_days() -> None:
    # Suspended Friday 6th, resumed Monday 9th: only Monday is paused.
    history = [SUBMITTED, ACCEPTED, REVIEW, (S.SUSPENDED, china(3, 6)), (S.IN_REVIEW, china(3, 9))]
    assert compute_deadline(days(5), history, now=china(3, 9, 12)).due_at == end_of(3, 10)


def test_an_open_pause_is_never_overdue_and_keeps_moving() -> None:
    history = [SUBMITTED, ACCEPTED, REVIEW, (S.SUSPENDED, china(3, 4))]
    result = compute_deadline(days(5), history, now=china(3, 30))
    assert result.paused and not result.overdue
    assert result.due_at is not None and result.due_at > china(3, 30)
    later = compute_deadline(days(5), history, now=china(4, 10))
    assert later.due_at is not None and later.due_at > result.due_at


def test_a_pause_that_starts_when_already_overdue_does_not_help() -> None:
    history = [SUBMITTED, ACCEPTED, REVIEW, (S.SUSPENDED, china(3, 5)), (S.IN_REVIEW, china(3, 12))]
    result = compute_deadline(days(1), history, now=china(3, 13))
    assert result.due_at == end_of(3, 3)
    assert [p.counted for p in result.pauses] == [False]
    assert result.overdue


def test_supplement_before_acceptance_does_not_count() -> None:
    history = [
        SUBMITTED,
        (S.SUPPLEMENT_REQUESTED, china(3, 1, 19)),
        (S.SUBMITTED, china(3, 1, 20)),
        ACCEPTED,
    ]
    assert compute_deadline(days(5), history, now=china(3, 3)).due_at == end_of(3, 9)


def test_completion_stops_the_clock() -> None:
    history = [
        SUBMITTED,
        ACCEPTED,
        REVIEW,
        (S.APPROVED, china(3, 10, 9)),
        (S.COMPLETED, china(3, 10, 10)),
        (S.DELIVERED, china(3, 20)),
    ]
    result = compute_deadline(days(5), history, now=china(5, 1))
    assert result.stopped_at == china(3, 10, 10)
    assert result.as_of == china(3, 10, 10)
    assert result.overdue and result.remaining_working_days == -1
    on_time = compute_deadline(days(7), history, now=china(5, 1))
    assert not on_time.overdue and on_time.remaining_working_days == 1


def test_on_the_spot_is_due_at_acceptance_and_kept_the_same_day() -> None:
    history = [SUBMITTED, ACCEPTED, REVIEW, (S.APPROVED, china(3, 2, 11)), (S.COMPLETED, china(3, 2, 16))]
    result = compute_deadline(days(0), history, now=china(3, 5))
    assert result.on_the_spot and result.due_at == ACCEPTED[1]
    assert not result.overdue
    late = [*history[:-1], (S.COMPLETED, china(3, 3, 9))]
    assert compute_deadline(days(0), late, now=china(3, 5)).overdue


def test_calendar_days_roll_forward_off_a_holiday() -> None:
    accepted = [SUBMITTED, (S.ACCEPTED, china(9, 20))]
    # 10 days after 20 September 2026 is Wednesday the 30th, a working day.
    assert compute_deadline(
        TimeLimit(value=10, unit=TimeUnit.CALENDAR_DAY), accepted, now=china(9, 21)
    ).due_at == (end_of(9, 30))
    # 12 days is 2 October, inside the National Day holiday: the first working day after it is the 8th.
    limit = TimeLimit(value=12, unit=TimeUnit.CALENDAR_DAY)
    assert compute_deadline(limit, accepted, now=china(9, 21)).due_at == end_of(10, 8)


def test_calendar_day_pauses_count_calendar_days() -> None:
    history = [SUBMITTED, ACCEPTED, REVIEW, (S.SUSPENDED, china(3, 6)), (S.IN_REVIEW, china(3, 9))]
    limit = TimeLimit(value=10, unit=TimeUnit.CALENDAR_DAY)
    result = compute_deadline(limit, history, now=china(3, 9))
    assert result.paused_days == 3
    assert result.due_at == end_of(3, 16)  # 2 March + 10 + 3 days = Sunday 15th, rolled to Monday


def test_hour_limits_are_wall_clock_and_pauses_add_exact_time() -> None:
    limit = TimeLimit(value=4, unit=TimeUnit.HOUR)
    history = [
        SUBMITTED,
        ACCEPTED,
        REVIEW,
        (S.SUSPENDED, china(3, 2, 12)),
        (S.IN_REVIEW, china(3, 2, 13, 30)),
    ]
    result = compute_deadline(limit, history, now=china(3, 2, 15))
    assert result.due_at == china(3, 2, 15, 30)
    assert not result.overdue
    assert compute_deadline(limit, history, now=china(3, 2, 15, 31)).overdue


def test_estimates_outside_the_known_years_are_flagged() -> None:
    history = [(S.ACCEPTED, china(12, 28))]
    assert not compute_deadline(days(10), history, now=china(12, 29)).exact
    assert compute_deadline(days(2), history, now=china(12, 29)).exact


def test_history_must_be_in_time_order() -> None:
    with pytest.raises(InvalidInput):
        compute_deadline(days(5), [ACCEPTED, SUBMITTED], now=china(3, 5))


def test_a_calendar_with_a_typhoon_closure() -> None:
    typhoon = Calendar.from_config(["2026-03-04"])
    result = compute_deadline(days(5), [SUBMITTED, ACCEPTED], now=china(3, 3), calendar=typhoon)
    assert result.due_at == end_of(3, 10)


def test_followup_of_a_poor_rating_is_due_in_15_working_days() -> None:
    # Rated Monday 28 September 2026; 1–7 October are off and Saturday 10 October is a working day.
    assert followup_due(china(9, 28, 15)) == end_of(10, 23)
    assert followup_due(china(3, 2)) == end_of(3, 23)


# Properties: random acceptance times, limits and pause patterns.
starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 10, 31), timezones=st.just(UTC)
)
gaps = st.lists(st.integers(min_value=0, max_value=24 * 12), min_size=0, max_size=8)  # hours


def _history(start: datetime, gap_hours: list[int]) -> list[tuple[CaseState, datetime]]:
    """Accepted at ``start``, then alternately suspended and resumed after each gap."""
    history: list[tuple[CaseState, datetime]] = [(S.ACCEPTED, start), (S.IN_REVIEW, start)]
    at = start
    for i, gap in enumerate(gap_hours):
        at += timedelta(hours=gap)
        history.append((S.SUSPENDED if i % 2 == 0 else S.IN_REVIEW, at))
    return history


@settings(max_examples=80, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=30))
def test_without_pauses_the_due_date_is_plain_add_working_days(start: datetime, n: int) -> None:
    result = compute_deadline(days(n), _history(start, []), now=start + timedelta(days=1))
    assert result.due_at == add_working_days(start, n)


@settings(max_examples=80, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=30), gap_hours=gaps, unit=st.sampled_from(TimeUnit))
def test_pauses_never_make_the_due_date_earlier(
    start: datetime, n: int, gap_hours: list[int], unit: TimeUnit
) -> None:
    limit = TimeLimit(value=n, unit=unit)
    now = start + timedelta(hours=sum(gap_hours) + 1)
    plain = compute_deadline(limit, _history(start, []), now=now)
    paused = compute_deadline(limit, _history(start, gap_hours), now=now)
    assert plain.due_at is not None and paused.due_at is not None
    assert paused.due_at >= plain.due_at


@settings(max_examples=80, deadline=None)
@given(start=starts, n=st.integers(min_value=1, max_value=30), gap_hours=gaps)
def test_working_day_pauses_add_exactly_the_paused_days(
    start: datetime, n: int, gap_hours: list[int]
) -> None:
    now = start + timedelta(hours=sum(gap_hours) + 1)
    result = compute_deadline(days(n), _history(start, gap_hours), now=now)
    assert result.due_at == add_working_days(start, n + result.paused_days)
