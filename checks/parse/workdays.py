"""Working days. Comparisons and means use the documented 5/7 approximation; real date
arithmetic (a reference date given) uses chinese_calendar, falling back to Mon–Fri past its data."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from guideaudit.checks.parse.timelimit import Limit

HOURS_PER_WORKDAY = 8.0
DAYS_PER_MONTH = 30.0
DAYS_PER_YEAR = 365.0


def is_workday(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, known from the statutory calendar). Past chinese_calendar's data the
    answer is Mon–Fri and the second value is False."""
    try:
        import chinese_calendar

        return chinese_calendar.is_workday(day), True
    except (NotImplementedError, ImportError):
        return day.weekday() < 5, False


@lru_cache(maxsize=4096)
def workdays_in(start: dt.date, calendar_days: int) -> tuple[int, bool]:
    """Working days among the calendar days [start, start + n); second value False when the
    calendar had to fall back to Mon–Fri for part of the range."""
    count, exact = 0, True
    for offset in range(max(0, calendar_days)):
        work, known = is_workday(start + dt.timedelta(days=offset))
        count += work
        exact &= known
    return count, exact


def add_workdays(start: dt.date, workdays: int) -> tuple[dt.date, bool]:
    """The date on which `workdays` working days after `start` have passed (start not counted)."""
    day, left, exact = start, max(0, workdays), True
    while left:
        day += dt.timedelta(days=1)
        work, known = is_workday(day)
        exact &= known
        left -= work
    return day, exact


def to_workdays(limit: Limit, ratio: float = 5 / 7, reference: dt.date | None = None) -> float | None:
    """A limit in working days; None when it cannot be expressed (no number, no unit)."""
    if limit.kind == "immediate":
        return 0.0
    if limit.kind != "value" or limit.value is None:
        return None
    unit = limit.unit
    if unit in ("workday", None, "bare"):
        # bare and unit-less numbers are compared as stated (the unit defect is reported apart);
        # for 行政许可 a bare 日 legally means 工作日 (行政许可法 art. 82).
        return limit.value
    if unit == "hour":
        return limit.value / HOURS_PER_WORKDAY
    days = {"calendar": 1.0, "month": DAYS_PER_MONTH, "year": DAYS_PER_YEAR}[unit] * limit.value
    if reference is not None:
        return float(workdays_in(reference, int(round(days)))[0])
    return days * ratio
