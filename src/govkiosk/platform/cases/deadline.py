"""The promised-deadline clock (承诺时限) of a case, recomputed at any time from the case's state history.

Rules (see docs/cases.md):

- The clock starts at acceptance (受理); the acceptance day itself does not count (期限从次日起算).
- ``working_day`` limits end at 23:59:59 China time of the n-th working day after acceptance;
  ``calendar_day`` limits at the end of the n-th day after it, moved to the next working day when that day is
  not one (期间届满的最后一日是节假日的, 以节假日后的第一日为届满日); ``hour`` limits are wall-clock hours.
- 即办 (value 0) is due at acceptance; it is kept when the case is handled the same (local) day.
- The clock pauses in ``PAUSED_STATES`` (suspended, supplement_requested). A pause from day S to day R moves
  the due date by the working days (or calendar days) after S up to and including R, the same "next day" rule
  as at acceptance; for hour limits by the exact paused time. A pause that begins when the case is already
  overdue does not move the due date.
- The clock stops for good when the case enters a ``CLOCK_STOP_STATES`` state (办结).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import NamedTuple

from govkiosk.platform.cases.states import CLOCK_START_STATE, CLOCK_STOP_STATES, PAUSED_STATES, CaseState
from govkiosk.platform.catalog.schemas import TimeLimit, TimeUnit
from govkiosk.platform.core.clock import as_utc, utcnow
from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.workdays import DEFAULT_CALENDAR, Calendar, end_of_local_day, local_date

FOLLOWUP_WORKING_DAYS = 15  # a 差评 opens a follow-up (整改) due in 15 working days


class StateChange(NamedTuple):
    """A case entered ``state`` at ``at``."""

    state: CaseState
    at: datetime


@dataclass(frozen=True)
class Pause:
    """A stretch of time in a paused state after acceptance; ``ended_at`` is None while it lasts."""

    started_at: datetime
    ended_at: datetime | None
    counted: bool  # False when it began after the case was already overdue


@dataclass(frozen=True)
class CaseDeadline:
    """Where a case stands against its promised time limit at ``as_of``."""

    limit: TimeLimit
    as_of: datetime  # the stop time when stopped, otherwise the reference "now"
    started_at: datetime | None  # acceptance; None before it (or when the case never was accepted)
    due_at: datetime | None
    stopped_at: datetime | None  # entry into a clock-stop state (办结)
    pauses: tuple[Pause, ...]
    paused_days: int  # working or calendar days the due date moved (0 for hour limits)
    paused_for: timedelta  # wall-clock time of the counted pauses
    remaining_working_days: int | None  # from as_of's local day to the due day; negative when overdue
    overdue: bool
    exact: bool  # False when a year involved has no official holiday schedule (weekends-only estimate)

    @property
    def started(self) -> bool:
        """Whether the clock has started."""
        return self.started_at is not None

    @property
    def paused(self) -> bool:
        """Whether the clock is paused right now."""
        return self.stopped_at is None and any(p.ended_at is None and p.counted for p in self.pauses)

    @property
    def on_the_spot(self) -> bool:
        """Whether the item promises handling on the spot (即办)."""
        return self.limit.value == 0


def _normalise(history: Sequence[tuple[CaseState, datetime]]) -> list[StateChange]:
    changes = [StateChange(CaseState(state), as_utc(at)) for state, at in history]
    for before, after in zip(changes, changes[1:], strict=False):
        if after.at < before.at:
            raise InvalidInput(
                f"the state history is not in time order ({after.state.value} before {before.at})"
            )
    return changes


def _clock_span(changes: list[StateChange]) -> tuple[datetime, datetime | None, list[Pause]]:
    """Acceptance time, stop time and the raw pauses (all counted) of a history that has an acceptance."""
    start = next(i for i, c in enumerate(changes) if c.state == CLOCK_START_STATE)
    pauses: list[Pause] = []
    paused_since: datetime | None = None
    stopped_at: datetime | None = None
    for change in changes[start + 1 :]:
        is_paused = change.state in PAUSED_STATES
        if paused_since is not None and not is_paused:
            pauses.append(Pause(paused_since, change.at, True))
            paused_since = None
        if change.state in CLOCK_STOP_STATES:
            stopped_at = change.at
            break
        if is_paused and paused_since is None:
            paused_since = change.at
    if paused_since is not None:
        pauses.append(Pause(paused_since, None, True))
    return changes[start].at, stopped_at, pauses


def _roll_forward(day: date, calendar: Calendar) -> date:
    return day if calendar.is_working_day(day) else calendar.next_working_day(day)


def _due(limit: TimeLimit, started: datetime, days: int, duration: timedelta, calendar: Calendar) -> datetime:
    """The due time with ``days`` (day units) or ``duration`` (hour unit) of counted pauses added."""
    if limit.unit == TimeUnit.HOUR:
        return started + timedelta(hours=limit.value) + duration
    total = limit.value + days
    if total == 0:
        return started
    if limit.unit == TimeUnit.WORKING_DAY:
        return calendar.add_working_days(started, total)
    return end_of_local_day(_roll_forward(local_date(started) + timedelta(days=total), calendar))


def _late(at: datetime, due: datetime, limit: TimeLimit) -> bool:
    """Whether ``at`` is past ``due``: by the instant for hour limits, else by the local day (即办 too)."""
    if limit.unit == TimeUnit.HOUR and limit.value > 0:
        return at > due
    return local_date(at) > local_date(due)


def _pause_days(pause_start: datetime, pause_end: datetime, limit: TimeLimit, calendar: Calendar) -> int:
    if limit.unit == TimeUnit.WORKING_DAY:
        return max(0, calendar.working_days_between(pause_start, pause_end))
    if limit.unit == TimeUnit.CALENDAR_DAY:
        return max(0, (local_date(pause_end) - local_date(pause_start)).days)
    return 0


def _not_started(limit: TimeLimit, now: datetime) -> CaseDeadline:
    return CaseDeadline(limit, now, None, None, None, (), 0, timedelta(0), None, overdue=False, exact=True)


def compute_deadline(
    limit: TimeLimit,
    history: Sequence[tuple[CaseState, datetime]],
    *,
    now: datetime | None = None,
    calendar: Calendar = DEFAULT_CALENDAR,
) -> CaseDeadline:
    """Where a case with the promised ``limit`` and this state history (oldest first) stands at ``now``."""
    now = as_utc(now) if now is not None else utcnow()
    changes = _normalise(history)
    if not any(c.state == CLOCK_START_STATE for c in changes):
        return _not_started(limit, now)
    started, stopped_at, raw_pauses = _clock_span(changes)
    days, duration = 0, timedelta(0)
    due = _due(limit, started, 0, duration, calendar)
    pauses: list[Pause] = []
    for pause in raw_pauses:
        end = max(pause.ended_at or now, pause.started_at)
        counted = not _late(pause.started_at, due, limit)
        if counted:
            days += _pause_days(pause.started_at, end, limit, calendar)
            duration += end - pause.started_at
            due = _due(limit, started, days, duration, calendar)
        pauses.append(Pause(pause.started_at, pause.ended_at, counted))
    as_of = stopped_at or now
    result = CaseDeadline(
        limit, as_of, started, due, stopped_at, tuple(pauses), days, duration,
        calendar.working_days_between(as_of, due), overdue=False,
        exact=calendar.covers(started, max(due, as_of)),
    )  # fmt: skip
    return replace(result, overdue=not result.paused and _late(as_of, due, limit))


def followup_due(rated_at: datetime, *, calendar: Calendar = DEFAULT_CALENDAR) -> datetime:
    """When the follow-up of a 差评 (poor evaluation) rated at ``rated_at`` is due: 15 working days later."""
    return calendar.add_working_days(rated_at, FOLLOWUP_WORKING_DAYS)
