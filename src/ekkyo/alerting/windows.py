"""Silence and maintenance windows as instants, and as a per-minute mask (pure: no Django).

A window is one-off ``[starts_at, ends_at)`` or recurring: an RFC 5545 ``RRULE`` whose
DTSTART is ``starts_at`` read as wall-clock time in ``time_zone``; every occurrence lasts
``ends_at - starts_at`` of elapsed time (RFC 5545's exact ``DURATION``).  Wall-clock times
follow RFC 5545 §3.3.5 as :mod:`zoneinfo` resolves them with ``fold=0``: a time that occurs
twice (DST ends) is its first occurrence; a time that does not exist (DST starts) takes
the UTC offset from before the gap, so 02:30 on a spring-forward night is 03:30.

:func:`minute_mask` turns windows into a boolean per minute, and :func:`apply_mask` makes
those minutes "no data" in a :class:`~ekkyo.engine.Series` before evaluation (maintenance
excluded from the error budget).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
from dateutil.rrule import rrule, rrulestr

from ekkyo.engine import Series
from ekkyo.engine.buckets import MINUTE

BoolArray = npt.NDArray[np.bool_]

#: More occurrences than this inside one query means a rule far too dense for a silence.
MAX_OCCURRENCES = 10_000
#: Frequencies refused: a window every second or minute is a mistake, and expanding it
#: from a DTSTART years ago would be slow.
REFUSED_FREQUENCIES = ("SECONDLY", "MINUTELY")
# Wall-clock comparisons of aware datetimes in one zone ignore the UTC offset, so the
# search is widened by this much and the result filtered on UTC instants.
_SLACK = timedelta(hours=3)


class WindowError(ValueError):
    """A window that cannot be used; the message names the field."""


@dataclass(frozen=True)
class WindowSpec:
    """A silence or maintenance window as :func:`occurrences` reads it."""

    starts_at: datetime
    ends_at: datetime
    rrule: str = ""
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        for name in ("starts_at", "ends_at"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise WindowError(f"{name}: expected an aware date and time")
        if self.ends_at <= self.starts_at:
            raise WindowError("ends_at: must be after starts_at")
        zone(self.time_zone)
        if self.rrule:
            parse_rrule(self.rrule, self.starts_at, self.time_zone)

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WindowError(f"time_zone: unknown time zone {name!r}") from exc


def _rule_text(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) != 1:
        raise WindowError("rrule: expected one RRULE line such as FREQ=WEEKLY;BYDAY=SU")
    line = lines[0]
    if line.upper().startswith("RRULE:"):
        line = line[len("RRULE:") :]
    if line.upper().startswith(("DTSTART", "EXDATE", "RDATE")):
        raise WindowError("rrule: give only the RRULE; DTSTART is the window's start")
    return line


@functools.lru_cache(maxsize=512)
def _parse(line: str, dtstart_wall: datetime, time_zone: str) -> rrule:
    # The rule iterates in wall-clock time of the zone (DTSTART carries the zone), so
    # "every Sunday 01:00" stays at 01:00 local across DST changes.
    dtstart = dtstart_wall.replace(tzinfo=ZoneInfo(time_zone))
    try:
        rule = rrulestr(line, dtstart=dtstart, cache=True)
    except (ValueError, TypeError) as exc:
        raise WindowError(f"rrule: {exc}") from None
    if not isinstance(rule, rrule):
        raise WindowError("rrule: expected a single RRULE")
    return rule


def parse_rrule(text: str, starts_at: datetime, time_zone: str) -> rrule:
    """The dateutil rule for ``text`` starting at ``starts_at`` (wall time in the zone)."""
    line = _rule_text(text)
    freq = dict(p.split("=", 1) for p in line.upper().split(";") if "=" in p).get("FREQ")
    if freq is None:
        raise WindowError("rrule: FREQ is required (e.g. FREQ=WEEKLY;BYDAY=SU)")
    if freq in REFUSED_FREQUENCIES:
        raise WindowError(f"rrule: FREQ={freq} is too frequent for a window; use HOURLY or more")
    wall = starts_at.astimezone(zone(time_zone)).replace(tzinfo=None)
    return _parse(line, wall, time_zone)


def occurrences(window: WindowSpec, start: int, end: int) -> list[tuple[int, int]]:
    """Occurrences ``(start, end)`` in Unix seconds that overlap ``[start, end)``, in order."""
    length = window.duration.total_seconds()
    if not window.rrule:
        s, e = window.starts_at.timestamp(), window.ends_at.timestamp()
        return [(int(s), int(e))] if s < end and e > start else []
    tz = zone(window.time_zone)
    rule = parse_rrule(window.rrule, window.starts_at, window.time_zone)
    lo = datetime.fromtimestamp(start - length, UTC).astimezone(tz) - _SLACK
    hi = datetime.fromtimestamp(end, UTC).astimezone(tz) + _SLACK
    out: list[tuple[int, int]] = []
    for count, occurrence in enumerate(rule.xafter(lo, inc=True)):
        if occurrence > hi:
            break
        if count >= MAX_OCCURRENCES:
            raise WindowError(f"rrule: more than {MAX_OCCURRENCES} occurrences in the range")
        # The wall-clock time, resolved with fold=0 as RFC 5545 asks (see module notes).
        s = occurrence.replace(fold=0).timestamp()
        e = s + length
        if s < end and e > start:
            out.append((int(s), int(e)))
    return out


def covering(window: WindowSpec, instant: int) -> bool:
    """Whether an occurrence of ``window`` contains ``instant``."""
    return any(s <= instant < e for s, e in occurrences(window, instant, instant + 1))


def minute_mask(windows: Iterable[tuple[int, int]], start: int, n: int) -> BoolArray:
    """``mask[i]`` is True when minute ``[start + 60 i, start + 60 (i + 1))`` overlaps a window.

    A minute partly inside a window counts as inside: maintenance that touches a minute
    spoils its data.  Vectorised over windows with a difference array.
    """
    if start % MINUTE:
        raise ValueError(f"start {start} is not a minute boundary")
    pairs = np.array(list(windows), dtype=np.int64).reshape(-1, 2)
    diff = np.zeros(n + 1, dtype=np.int64)
    if len(pairs):
        first = np.clip((pairs[:, 0] - start) // MINUTE, 0, n)
        stop = np.clip(-((start - pairs[:, 1]) // MINUTE), 0, n)  # ceil division
        keep = stop > first
        np.add.at(diff, first[keep], 1)
        np.add.at(diff, stop[keep], -1)
    return np.cumsum(diff[:n]) > 0


def apply_mask(series: Series, mask: BoolArray) -> Series:
    """``series`` with the masked minutes turned into minutes without data."""
    if len(mask) != len(series):
        raise ValueError("mask and series must have equal lengths")
    good = np.where(mask, 0.0, series.good)
    total = np.where(mask, 0.0, series.total)
    value = None if series.value is None else np.where(mask, np.nan, series.value)
    return Series(series.start, good, total, value)


def merge(windows: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching windows joined, in order (for display and annotations)."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(windows):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out
