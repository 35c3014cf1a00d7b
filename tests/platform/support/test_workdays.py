"""The working-day calendar: the 2025 and 2026 State Council schedules, deadlines and properties."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govkiosk.platform.core.errors import InvalidInput
from govkiosk.platform.support.workdays import (
    CHINA_TZ,
    SCHEDULES,
    Calendar,
    add_working_days,
    is_known_year,
    is_working_day,
    local_date,
    working_days_between,
)

WEEKDAY = {"周一": 0, "周二": 1, "周三": 2, "周四": 3, "周五": 4, "周六": 5, "周日": 6}


def china(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """A moment in China time."""
    return datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


def end_of(y: int, m: int, d: int) -> datetime:
    """23:59:59 China time on that day, in UTC."""
    return datetime(y, m, d, 23, 59, 59, tzinfo=CHINA_TZ).astimezone(UTC)


# The notices give a weekday beside every date; checking them catches a mistyped date in the data.
NOTICE_WEEKDAYS = [
    (date(2025, 1, 1), "周三"), (date(2025, 1, 28), "周二"), (date(2025, 2, 4), "周二"),
    (date(2025, 1, 26), "周日"), (date(2025, 2, 8), "周六"), (date(2025, 4, 4), "周五"),
    (date(2025, 5, 1), "周四"), (date(2025, 5, 5), "周一"), (date(2025, 4, 27), "周日"),
    (date(2025, 5, 31), "周六"), (date(2025, 6, 2), "周一"), (date(2025, 10, 1), "周三"),
    (date(2025, 10, 8), "周三"), (date(2025, 9, 28), "周日"), (date(2025, 10, 11), "周六"),
    (date(2026, 1, 1), "周四"), (date(2026, 1, 3), "周六"), (date(2026, 1, 4), "周日"),
    (date(2026, 2, 15), "周日"), (date(2026, 2, 23), "周一"), (date(2026, 2, 14), "周六"),
    (date(2026, 2, 28), "周六"), (date(2026, 4, 4), "周六"), (date(2026, 4, 6), "周一"),
    (date(2026, 5, 1), "周五"), (date(2026, 5, 5), "周二"), (date(2026, 5, 9), "周六"),
    (date(2026, 6, 19), "周五"), (date(2026, 6, 21), "周日"), (date(2026, 9, 25), "周五"),
    (date(2026, 9, 27), "周日"), (date(2026, 10, 1), "周四"), (date(2026, 10, 7), "周三"),
    (date(2026, 9, 20), "周日"), (date(2026, 10, 10), "周六"),
]  # fmt: skip


@pytest.mark.parametrize(("day", "weekday"), NOTICE_WEEKDAYS)
def test_notice_dates_fall_on_the_weekday_the_notice_gives(day: date, weekday: str) -> None:
    assert day.weekday() == WEEKDAY[weekday]


@pytest.mark.parametrize(
    ("year", "days_per_holiday"),
    [
        (2025, {"元旦": 1, "春节": 8, "清明节": 3, "劳动节": 5, "端午节": 3, "国庆节、中秋节": 8}),
        (2026, {"元旦": 3, "春节": 9, "清明节": 3, "劳动节": 5, "端午节": 3, "中秋节": 3, "国庆节": 7}),
    ],
)
def test_holiday_lengths_match_the_notices(year: int, days_per_holiday: dict[str, int]) -> None:
    lengths = {name: (last - first).days + 1 for name, first, last in SCHEDULES[year].holidays}
    assert lengths == days_per_holiday


def test_adjusted_working_days_are_all_weekend_days_and_never_holidays() -> None:
    for schedule in SCHEDULES.values():
        assert all(d.weekday() >= 5 for d in schedule.adjusted_workdays)
        assert not set(schedule.adjusted_workdays) & schedule.days_off()
        assert all(d.year == schedule.year for d in schedule.days_off() | set(schedule.adjusted_workdays))


def test_spring_festival_2026() -> None:
    assert is_working_day(date(2026, 2, 13))  # Friday before
    assert is_working_day(date(2026, 2, 14))  # Saturday, adjusted working day
    assert all(not is_working_day(date(2026, 2, d)) for d in range(15, 24))  # 腊月二十八 … 正月初七
    assert is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 28))  # Saturday, adjusted working day
    assert not is_working_day(date(2026, 3, 1))  # an ordinary Sunday


def test_spring_festival_and_labour_day_2025_are_the_lengthened_ones() -> None:
    assert not is_working_day(date(2025, 1, 28))  # 除夕 is a holiday from 2025
    assert not is_working_day(date(2025, 2, 4))
    assert is_working_day(date(2025, 1, 26)) and is_working_day(date(2025, 2, 8))
    assert not is_working_day(date(2025, 5, 2)) and not is_working_day(date(2025, 5, 5))
    assert is_working_day(date(2025, 4, 27))


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 1), False),
        (date(2025, 4, 7), True),
        (date(2025, 6, 2), False),
        (date(2025, 9, 28), True),
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),
        (date(2026, 1, 4), True),
        (date(2026, 4, 6), False),
        (date(2026, 5, 9), True),
        (date(2026, 6, 19), False),
        (date(2026, 9, 20), True),
        (date(2026, 9, 25), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),
    ],
)
def test_known_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_a_utc_datetime_is_read_in_china_time() -> None:
    # 2026-02-14 17:00 UTC is already Sunday 2026-02-15 01:00 in Shenzhen, the first day of the holiday.
    assert local_date(datetime(2026, 2, 14, 17, tzinfo=UTC)) == date(2026, 2, 15)
    assert not is_working_day(datetime(2026, 2, 14, 17, tzinfo=UTC))
    assert is_working_day(datetime(2026, 2, 14, 15, tzinfo=UTC))


def test_deadline_crosses_national_day_2026() -> None:
    # Accepted Wednesday 30 September; 1–7 October are off, 8, 9 and Saturday 10 October are working days.
    assert add_working_days(china(2026, 9, 30), 1) == end_of(2026, 10, 8)
    assert add_working_days(china(2026, 9, 30), 3) == end_of(2026, 10, 10)
    assert add_working_days(china(2026, 9, 30), 4) == end_of(2026, 10, 12)


def test_the_acceptance_day_never_counts() -> None:
    # Accepted Monday morning: 1 working day ends on Tuesday, not Monday.
    assert add_working_days(china(2026, 3, 2, 9), 1) == end_of(2026, 3, 3)
    # Accepted on a Saturday (automatic acceptance): the first day is Monday.
    assert add_working_days(china(2026, 3, 7), 1) == end_of(2026, 3, 9)
    # Accepted late on Friday evening China time, which is still Friday in UTC.
    assert add_working_days(china(2026, 3, 6, 23, 30), 1) == end_of(2026, 3, 9)


def test_zero_days_is_on_the_spot_and_results_are_aware_utc() -> None:
    start = china(2026, 3, 2, 9)
    assert add_working_days(start, 0) == start
    assert add_working_days(start, 0).tzinfo == UTC
    assert add_working_days(start, 5).tzinfo == UTC
    with pytest.raises(InvalidInput):
        add_working_days(start, -1)


def test_naive_datetimes_are_utc() -> None:
    assert add_working_days(datetime(2026, 3, 2, 1), 1) == add_working_days(china(2026, 3, 2, 9), 1)


def test_working_days_between() -> None:
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2  # Sat 14th and Tue 24th
    assert working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 3)) == 1


def test_working_days_per_year() -> None:
    # Counted by hand from the notices: weekdays − holidays on weekdays + 调休 working days.
    # 2025: 261 − (1 + 6 + 1 + 3 + 1 + 6) + 5 = 248; 2026: 261 − (2 + 6 + 1 + 3 + 1 + 1 + 5) + 6 = 248.
    assert working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248
    # A year without a schedule counts weekdays only: 2027 has 261.
    assert working_days_between(date(2026, 12, 31), date(2027, 12, 31)) == 261


def test_unknown_years_fall_back_to_weekends_only() -> None:
    assert is_known_year(2025) and is_known_year(2026)
    assert not is_known_year(2027)
    assert is_working_day(date(2027, 1, 1))  # a Friday; 元旦 2027 is not published here
    assert not is_working_day(date(2027, 1, 2))
    calendar = Calendar()
    assert calendar.covers(date(2025, 3, 1), date(2026, 12, 31))
    assert not calendar.covers(date(2026, 12, 1), date(2027, 1, 5))


def test_closures_from_configuration() -> None:
    typhoon = Calendar.from_config(["2026-09-16", date(2026, 9, 17)])
    assert not typhoon.is_working_day(date(2026, 9, 16))
    assert is_working_day(date(2026, 9, 16))
    # Accepted Tuesday 15 September; Wednesday and Thursday closed, so 1 working day ends on Friday.
    assert typhoon.add_working_days(china(2026, 9, 15), 1) == end_of(2026, 9, 18)
    # A closure on an adjusted working day wins.
    assert not typhoon.with_closures(date(2026, 9, 20)).is_working_day(date(2026, 9, 20))
    with pytest.raises(InvalidInput):
        Calendar.from_config(["16/09/2026"])


moments = st.datetimes(
    min_value=datetime(2024, 12, 1), max_value=datetime(2027, 6, 30), timezones=st.just(UTC)
)


@settings(max_examples=100, deadline=None)
@given(start=moments, n=st.integers(min_value=1, max_value=60))
def test_deadline_is_the_end_of_the_nth_working_day(start: datetime, n: int) -> None:
    due = add_working_days(start, n)
    due_day = local_date(due)
    assert is_working_day(due_day)
    assert due.astimezone(CHINA_TZ).time().isoformat() == "23:59:59"
    assert working_days_between(start, due) == n
    assert due_day > local_date(start)


@settings(max_examples=100, deadline=None)
@given(start=moments, n=st.integers(min_value=0, max_value=40), m=st.integers(min_value=0, max_value=40))
def test_adding_is_monotonic_and_additive(start: datetime, n: int, m: int) -> None:
    assert add_working_days(start, n) <= add_working_days(start, n + m)
    if n > 0:
        assert add_working_days(add_working_days(start, n), m) == add_working_days(start, n + m)


@settings(max_examples=100, deadline=None)
@given(a=st.dates(date(2024, 6, 1), date(2027, 6, 1)), b=st.dates(date(2024, 6, 1), date(2027, 6, 1)))
def test_between_is_antisymmetric_and_bounded(a: date, b: date) -> None:
    between = working_days_between(a, b)
    assert between == -working_days_between(b, a)
    assert abs(between) <= abs((b - a).days)
    assert working_days_between(a, b + timedelta(days=1)) - between == int(
        is_working_day(b + timedelta(days=1))
    )
