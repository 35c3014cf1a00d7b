"""The working-day calendar (工作日历) of mainland China: weekends, public holidays and adjusted working days.

Rules used everywhere in govkiosk:

- A day is a working day unless it is a Saturday or Sunday, a statutory public holiday (法定节假日) or a
  configured closure (e.g. a typhoon closure, 停工停课); an adjusted working day (调休上班日) is a working day
  even on a weekend. Closures win over adjusted working days.
- Only years whose State Council schedule is in ``SCHEDULES`` are exact; for any other year the calendar
  falls back to weekends only (see ``is_known_year``), so results for such years are estimates.
- Days are local days in China Standard Time. China has had no daylight saving time since 1991, so a fixed
  UTC+8 offset is exactly Asia/Shanghai and needs no tz database on the kiosk or server.
- Time limits start the day after acceptance (期限从次日起算): ``add_working_days(start, n)`` never counts
  the local day of ``start``; the deadline is the end (23:59:59 local) of the n-th working day after it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from govkiosk.platform.core.clock import as_utc
from govkiosk.platform.core.errors import InvalidInput

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class HolidaySchedule:
    """One year's official schedule: holiday periods (first and last day, inclusive) and 调休 working days."""

    year: int
    source: str
    holidays: tuple[tuple[str, date, date], ...]
    adjusted_workdays: tuple[date, ...]

    def days_off(self) -> frozenset[date]:
        """Every day of every holiday period, weekends inside the periods included."""
        return frozenset(
            first + timedelta(days=i)
            for _, first, last in self.holidays
            for i in range((last - first).days + 1)
        )


# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12), published with the revised
# 《全国年节及纪念日放假办法》 (2024-11): from 2025 the Spring Festival gains 除夕 and Labour Day gains
# 5月2日, i.e. one more statutory day each (Spring Festival 8 days, Labour Day 5 days with 调休).
# Full text (Xinhua): https://m.gmw.cn/2024-11/12/content_1303894933.htm
_SCHEDULE_2025 = HolidaySchedule(
    year=2025,
    source="国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12)",
    holidays=(
        ("元旦", date(2025, 1, 1), date(2025, 1, 1)),  # 1月1日(周三)放假1天,不调休
        ("春节", date(2025, 1, 28), date(2025, 2, 4)),  # 除夕(周二)至正月初七(周二),共8天
        ("清明节", date(2025, 4, 4), date(2025, 4, 6)),  # 周五至周日,共3天
        ("劳动节", date(2025, 5, 1), date(2025, 5, 5)),  # 周四至周一,共5天
        ("端午节", date(2025, 5, 31), date(2025, 6, 2)),  # 周六至周一,共3天
        ("国庆节、中秋节", date(2025, 10, 1), date(2025, 10, 8)),  # 周三至周三,共8天
    ),
    adjusted_workdays=(
        date(2025, 1, 26),  # 周日上班 (春节)
        date(2025, 2, 8),  # 周六上班 (春节)
        date(2025, 4, 27),  # 周日上班 (劳动节)
        date(2025, 9, 28),  # 周日上班 (国庆节)
        date(2025, 10, 11),  # 周六上班 (国庆节)
    ),
)

# 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, released by Xinhua the same day).
# https://politics.gmw.cn/2025-11/04/content_38391083.htm
_SCHEDULE_2026 = HolidaySchedule(
    year=2026,
    source="国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)",
    holidays=(
        ("元旦", date(2026, 1, 1), date(2026, 1, 3)),  # 周四至周六,共3天
        ("春节", date(2026, 2, 15), date(2026, 2, 23)),  # 腊月二十八(周日)至正月初七(周一),共9天
        ("清明节", date(2026, 4, 4), date(2026, 4, 6)),  # 周六至周一,共3天
        ("劳动节", date(2026, 5, 1), date(2026, 5, 5)),  # 周五至周二,共5天
        ("端午节", date(2026, 6, 19), date(2026, 6, 21)),  # 周五至周日,共3天
        ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),  # 周五至周日,共3天
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),  # 周四至周三,共7天
    ),
    adjusted_workdays=(
        date(2026, 1, 4),  # 周日上班 (元旦)
        date(2026, 2, 14),  # 周六上班 (春节)
        date(2026, 2, 28),  # 周六上班 (春节)
        date(2026, 5, 9),  # 周六上班 (劳动节)
        date(2026, 9, 20),  # 周日上班 (国庆节)
        date(2026, 10, 10),  # 周六上班 (国庆节)
    ),
)

SCHEDULES: Mapping[int, HolidaySchedule] = {s.year: s for s in (_SCHEDULE_2025, _SCHEDULE_2026)}


def local_date(value: date | datetime) -> date:
    """The China-local calendar day of a datetime (naive means UTC), or the date itself."""
    if isinstance(value, datetime):
        return as_utc(value).astimezone(CHINA_TZ).date()
    return value


def end_of_local_day(day: date) -> datetime:
    """23:59:59 China time on ``day``, as aware UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=CHINA_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Calendar:
    """A working-day calendar: the official schedules plus extra closure days (e.g. typhoon closures)."""

    closures: frozenset[date] = frozenset()
    schedules: Mapping[int, HolidaySchedule] = field(default_factory=lambda: SCHEDULES)
    _off: frozenset[date] = field(init=False, repr=False, compare=False)
    _on: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Derived lookups, computed once; the dataclass stays frozen for callers.
        off = frozenset(d for s in self.schedules.values() for d in s.days_off())
        on = frozenset(d for s in self.schedules.values() for d in s.adjusted_workdays)
        object.__setattr__(self, "_off", off)
        object.__setattr__(self, "_on", on)

    @classmethod
    def from_config(cls, closures: Iterable[str | date]) -> "Calendar":
        """A calendar with closure days given as ISO dates (``2026-09-16``) from configuration."""
        days: set[date] = set()
        for value in closures:
            try:
                days.add(value if isinstance(value, date) else date.fromisoformat(value.strip()))
            except ValueError as exc:
                raise InvalidInput(f"closure day {value!r} is not an ISO date (YYYY-MM-DD)") from exc
        return cls(closures=frozenset(days))

    def with_closures(self, *days: date) -> "Calendar":
        """This calendar with more closure days."""
        return Calendar(closures=self.closures | frozenset(days), schedules=self.schedules)

    def is_known_year(self, year: int) -> bool:
        """Whether the official schedule of ``year`` is known (otherwise only weekends are off)."""
        return year in self.schedules

    def covers(self, a: date | datetime, b: date | datetime) -> bool:
        """Whether every year from ``a`` to ``b`` has a known schedule, i.e. results are exact."""
        first, last = sorted((local_date(a), local_date(b)))
        return all(self.is_known_year(y) for y in range(first.year, last.year + 1))

    def is_working_day(self, day: date | datetime) -> bool:
        """Whether the (China-local) day is a working day."""
        d = local_date(day)
        if d in self.closures or d in self._off:
            return False
        return d.weekday() < 5 or d in self._on

    def next_working_day(self, day: date | datetime) -> date:
        """The first working day strictly after the (local) day."""
        d = local_date(day) + timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def nth_working_day_after(self, day: date | datetime, n: int) -> date:
        """The n-th working day strictly after the (local) day; n = 0 gives the day itself."""
        if n < 0:
            raise InvalidInput(f"a number of working days cannot be negative (got {n})")
        d = local_date(day)
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The end (23:59:59 China time) of the n-th working day after ``start``'s local day, as aware UTC.

        The local day of ``start`` itself never counts (the limit starts the next day), even when it is a
        working day; ``n = 0`` (即办, on the spot) returns ``start`` itself, in UTC.
        """
        if n == 0:
            return as_utc(start)
        return end_of_local_day(self.nth_working_day_after(start, n))

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after ``a``'s local day up to and including ``b``'s (negative if ``b`` is earlier)."""
        first, last = local_date(a), local_date(b)
        if last < first:
            return -self.working_days_between(last, first)
        days = (last - first).days
        return sum(1 for i in range(1, days + 1) if self.is_working_day(first + timedelta(days=i)))


DEFAULT_CALENDAR = Calendar()


def is_known_year(year: int) -> bool:
    """Whether the official holiday schedule of ``year`` is built in (otherwise weekends only)."""
    return DEFAULT_CALENDAR.is_known_year(year)


def is_working_day(day: date | datetime) -> bool:
    """Whether the (China-local) day is a working day under the official schedules."""
    return DEFAULT_CALENDAR.is_working_day(day)


def add_working_days(start: datetime, n: int) -> datetime:
    """The end (23:59:59 China time) of the n-th working day after ``start``'s local day, as aware UTC."""
    return DEFAULT_CALENDAR.add_working_days(start, n)


def working_days_between(a: date | datetime, b: date | datetime) -> int:
    """Working days after ``a``'s local day up to and including ``b``'s (negative when ``b`` is earlier)."""
    return DEFAULT_CALENDAR.working_days_between(a, b)
