"""Report periods: calendar months and quarters in a time zone (pure: no Django, no I/O).

Bounds come from the engine's own calendar (:func:`ekkyo.engine.period_containing` with a
``CalendarWindow``), so a report's month is exactly the window the engine evaluates at
the month's end: in Asia/Tokyo, February 2026 is ``2026-01-31T15:00Z`` to
``2026-02-28T15:00Z``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ekkyo.engine import CalendarWindow, period_containing

DEFAULT_TIME_ZONE = "Asia/Tokyo"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


class PeriodError(ValueError):
    """A period or time zone that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class ReportPeriod:
    kind: str  # "month" or "quarter"
    year: int
    number: int  # month 1–12 or quarter 1–4
    time_zone: str
    start: int  # Unix seconds
    end: int
    length_s: int

    @property
    def unit(self) -> str:
        return "M" if self.kind == "month" else "Q"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        return f"{self.year:04d}-Q{self.number}"

    @property
    def first_month(self) -> int:
        return self.number if self.kind == "month" else 3 * (self.number - 1) + 1

    def starts(self) -> datetime:
        return datetime.fromtimestamp(self.start, UTC)

    def ends(self) -> datetime:
        return datetime.fromtimestamp(self.end, UTC)


def check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeriodError(f"tz: unknown time zone {name!r}") from None
    return name


def _make(kind: str, year: int, number: int, time_zone: str) -> ReportPeriod:
    zone = ZoneInfo(check_zone(time_zone))
    month = number if kind == "month" else 3 * (number - 1) + 1
    # Noon of the period's first day, local time: safely inside the period whatever the
    # zone's offset or DST.
    inside = int(datetime(year, month, 1, 12, tzinfo=zone).timestamp())
    window = CalendarWindow("M" if kind == "month" else "Q", time_zone=time_zone)
    p = period_containing(window, inside)
    return ReportPeriod(kind, year, number, time_zone, p.start, p.end, p.length_s)


def month(year: int, number: int, time_zone: str = DEFAULT_TIME_ZONE) -> ReportPeriod:
    if not 1 <= number <= 12:
        raise PeriodError(f"period: month {number} is not 1–12")
    return _make("month", year, number, time_zone)


def quarter(year: int, number: int, time_zone: str = DEFAULT_TIME_ZONE) -> ReportPeriod:
    if not 1 <= number <= 4:
        raise PeriodError(f"period: quarter {number} is not 1–4")
    return _make("quarter", year, number, time_zone)


def parse(text: str, time_zone: str = DEFAULT_TIME_ZONE) -> ReportPeriod:
    """``2026-02`` (a month) or ``2026-Q1`` (a quarter) in ``time_zone``."""
    if m := MONTH.match(text):
        year, number = int(m.group(1)), int(m.group(2))
        if not 1970 <= year <= 9998:
            raise PeriodError(f"period: year {year} is out of range")
        return month(year, number, time_zone)
    if m := QUARTER.match(text):
        year = int(m.group(1))
        if not 1970 <= year <= 9998:
            raise PeriodError(f"period: year {year} is out of range")
        return quarter(year, int(m.group(2)), time_zone)
    raise PeriodError(f"period: {text!r} is neither YYYY-MM nor YYYY-Qn")


def shift(period: ReportPeriod, steps: int) -> ReportPeriod:
    """The period ``steps`` periods later (earlier when negative), same kind and zone."""
    size = 12 if period.kind == "month" else 4
    index = period.year * size + period.number - 1 + steps
    year, number = divmod(index, size)
    return _make(period.kind, year, number + 1, period.time_zone)


def months_of(period: ReportPeriod) -> list[ReportPeriod]:
    """The months a period is made of (itself for a month)."""
    if period.kind == "month":
        return [period]
    first = period.first_month
    return [month(period.year, first + i, period.time_zone) for i in range(3)]


def containing(kind: str, instant: int, time_zone: str = DEFAULT_TIME_ZONE) -> ReportPeriod:
    """The month or quarter that contains ``instant`` in ``time_zone``."""
    local = datetime.fromtimestamp(instant, UTC).astimezone(ZoneInfo(check_zone(time_zone)))
    if kind == "month":
        return month(local.year, local.month, time_zone)
    return quarter(local.year, (local.month - 1) // 3 + 1, time_zone)
