"""Calendar periods: which period of a :class:`CalendarWindow` contains an instant.

Periods are computed in wall-clock time of the window's zone (so a month starts at local
midnight on the 1st, whatever the UTC offset) and converted to UTC instants only at the
end.  A period's length ``P`` is its wall-clock length: a month counts its days × 86400 s
even when a DST change makes it an hour shorter or longer in elapsed time (SLO_MATH.md:
"for a month: its number of days").

A wall-clock boundary that falls in a DST gap (e.g. 02:30 on a spring-forward day) is
resolved as :mod:`zoneinfo` does with ``fold=0``: with the offset in force before the
transition.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ekkyo.engine.model import CalendarWindow

_DAYS_PER_UNIT = {"d": 1, "w": 7}
_MONTHS_PER_UNIT = {"M": 1, "Q": 3, "Y": 12}
# Default anchors (no calendar.startTime): local midnight, weeks from a Monday.
_EPOCH_DAY = datetime(1970, 1, 1)
_EPOCH_MONDAY = datetime(1970, 1, 5)


@dataclass(frozen=True)
class Period:
    """One calendar period: ``[start, end)`` in Unix seconds and its wall-clock length."""

    start: int
    end: int
    length_s: int


def _anchor(window: CalendarWindow) -> datetime:
    """The anchor as naive wall-clock time in the window's zone."""
    if window.anchor is None:
        return _EPOCH_MONDAY if window.unit == "w" else _EPOCH_DAY
    if window.anchor.tzinfo is None:
        return window.anchor
    return window.anchor.astimezone(window.zone).replace(tzinfo=None)


def _add_months(wall: datetime, months: int) -> datetime:
    """``wall`` plus ``months`` calendar months, the day clamped to the month's last day."""
    index = wall.year * 12 + (wall.month - 1) + months
    year, month0 = divmod(index, 12)
    day = min(wall.day, _cal.monthrange(year, month0 + 1)[1])
    return wall.replace(year=year, month=month0 + 1, day=day)


def _boundary(window: CalendarWindow, anchor: datetime, k: int) -> datetime:
    """Wall-clock start of period ``k`` (period 0 starts at the anchor)."""
    if window.unit in _DAYS_PER_UNIT:
        return anchor + timedelta(days=k * window.count * _DAYS_PER_UNIT[window.unit])
    return _add_months(anchor, k * window.count * _MONTHS_PER_UNIT[window.unit])


def _guess(window: CalendarWindow, anchor: datetime, wall: datetime) -> int:
    """Index of the period containing ``wall``, exact up to DST ambiguity (fixed by caller)."""
    if window.unit in _DAYS_PER_UNIT:
        step = timedelta(days=window.count * _DAYS_PER_UNIT[window.unit])
        return (wall - anchor) // step
    step_months = window.count * _MONTHS_PER_UNIT[window.unit]
    months = (wall.year - anchor.year) * 12 + (wall.month - anchor.month)
    return months // step_months


def period_containing(window: CalendarWindow, instant: int) -> Period:
    """The period of ``window`` that contains the instant ``instant`` (Unix seconds)."""
    zone = window.zone
    anchor = _anchor(window)
    wall = datetime.fromtimestamp(instant, UTC).astimezone(zone).replace(tzinfo=None)

    def utc(k: int) -> int:
        return int(_boundary(window, anchor, k).replace(tzinfo=zone).timestamp())

    k = _guess(window, anchor, wall)
    # The guess compares wall-clock times; around a DST change (and for day-clamped month
    # anchors) the instant may sit just across a boundary, so settle it on UTC instants.
    while utc(k) > instant:
        k -= 1
    while utc(k + 1) <= instant:
        k += 1
    start_wall = _boundary(window, anchor, k)
    end_wall = _boundary(window, anchor, k + 1)
    length = int((end_wall - start_wall).total_seconds())
    return Period(start=utc(k), end=utc(k + 1), length_s=length)


def max_period_s(window: CalendarWindow) -> int:
    """An upper bound of any period's elapsed length, for sizing history buffers."""
    days = {"d": 1, "w": 7, "M": 31, "Q": 92, "Y": 366}[window.unit] * window.count
    # One extra day covers DST shifts and zones that changed their UTC offset.
    return (days + 1) * 86400
