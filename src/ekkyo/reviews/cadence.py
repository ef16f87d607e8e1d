"""When a review series meets, and who facilitates next (pure: no Django, no I/O).

A cadence is an RFC 5545 ``RRULE`` whose DTSTART is the first session's start read as
wall-clock time in the series' time zone, so "every other Wednesday at 16:00" stays at
16:00 local time across daylight-saving changes (the UTC instant moves instead).
Wall-clock times resolve as RFC 5545 §3.3.5 asks and :mod:`zoneinfo` does with ``fold=0``:
a time that occurs twice (DST ends) is its first occurrence; a time that does not exist
(DST starts) takes the UTC offset from before the gap, so 02:30 on a spring-forward night
in New York is 03:30 EDT.

The facilitator rotation is least-recently-facilitated first: people who never
facilitated go first (alphabetically), then whoever has waited longest.  Over any run of
``n`` sessions with the same ``n`` candidates, everyone facilitates exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule as RRule  # type: ignore[import-untyped]
from dateutil.rrule import rrulestr

#: Review sessions meet daily at most: a sub-daily rule is a typo, and expanding one
#: from a DTSTART years ago would be slow.
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
#: The most occurrences one query expands (a daily rule over ten years is under 4,000).
MAX_OCCURRENCES = 5000
# dateutil compares aware datetimes of one zone by wall-clock time, ignoring the offset,
# so searches are widened by this much and filtered on UTC instants afterwards.
_SLACK = timedelta(hours=3)


class CadenceError(ValueError):
    """A cadence that cannot be used; the message starts with the field's name."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CadenceError(f"time_zone: unknown time zone {name!r}") from exc


def _rule_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) != 1:
        raise CadenceError("rrule: expected one RRULE line such as FREQ=WEEKLY;BYDAY=WE")
    line = lines[0]
    if line.upper().startswith("RRULE:"):
        line = line[len("RRULE:") :]
    if line.upper().startswith(("DTSTART", "EXDATE", "RDATE", "EXRULE")):
        raise CadenceError("rrule: give only the RRULE; DTSTART is the first session's start")
    parts = dict(p.split("=", 1) for p in line.upper().split(";") if "=" in p)
    freq = parts.get("FREQ")
    if freq is None:
        raise CadenceError("rrule: FREQ is required (e.g. FREQ=WEEKLY;BYDAY=WE)")
    if freq not in ALLOWED_FREQUENCIES:
        raise CadenceError(
            f"rrule: FREQ={freq} is not a review cadence; use {', '.join(ALLOWED_FREQUENCIES)}"
        )
    return line


@dataclass(frozen=True)
class Cadence:
    """A series' schedule.  ``starts_at`` is aware; ``rrule`` may be empty (one session)."""

    rrule: str
    starts_at: datetime
    time_zone: str
    duration: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if not isinstance(self.starts_at, datetime) or self.starts_at.tzinfo is None:
            raise CadenceError("starts_at: expected an aware date and time")
        if self.duration <= timedelta(0):
            raise CadenceError("duration: must be longer than zero")
        zone(self.time_zone)
        if self.rrule:
            self.rule()

    def rule(self) -> RRule:
        """The dateutil rule, iterating in wall-clock time of the zone."""
        line = _rule_line(self.rrule)
        tz = zone(self.time_zone)
        dtstart = self.starts_at.astimezone(tz).replace(fold=0)
        try:
            rule = rrulestr(line, dtstart=dtstart)
        except (ValueError, TypeError) as exc:
            raise CadenceError(f"rrule: {exc}") from None
        if not isinstance(rule, RRule):
            raise CadenceError("rrule: expected a single RRULE")
        return rule


def _instant(wall: datetime) -> datetime:
    # fold=0 is RFC 5545's choice for ambiguous and missing wall-clock times (module notes).
    return wall.replace(fold=0).astimezone(UTC)


def occurrences(cadence: Cadence, start: datetime, end: datetime) -> list[datetime]:
    """Session starts (aware, UTC) in ``[start, end)``, in order."""
    if not cadence.rrule:
        first = cadence.starts_at.astimezone(UTC)
        return [first] if start <= first < end else []
    tz = zone(cadence.time_zone)
    rule = cadence.rule()
    lo = start.astimezone(tz) - _SLACK
    hi = end.astimezone(tz) + _SLACK
    out: list[datetime] = []
    for count, wall in enumerate(rule.xafter(lo, inc=True)):
        if wall > hi:
            break
        if count >= MAX_OCCURRENCES:
            raise CadenceError(f"rrule: more than {MAX_OCCURRENCES} occurrences in the range")
        instant = _instant(wall)
        if start <= instant < end:
            out.append(instant)
    return out


def next_after(cadence: Cadence, instant: datetime, *, inclusive: bool = False) -> datetime | None:
    """The first session start after ``instant`` (or at it, when ``inclusive``)."""
    if not cadence.rrule:
        first = cadence.starts_at.astimezone(UTC)
        return first if first > instant or (inclusive and first == instant) else None
    tz = zone(cadence.time_zone)
    for wall in cadence.rule().xafter(instant.astimezone(tz) - _SLACK, inc=True):
        found = _instant(wall)
        if found > instant or (inclusive and found == instant):
            return found
    return None


def upcoming(cadence: Cadence, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` session starts strictly after ``after``."""
    out: list[datetime] = []
    cursor = after
    while len(out) < count:
        found = next_after(cadence, cursor)
        if found is None:
            break
        out.append(found)
        cursor = found
    return out


def previous_before(cadence: Cadence, instant: datetime) -> datetime | None:
    """The last session start strictly before ``instant``."""
    if not cadence.rrule:
        first = cadence.starts_at.astimezone(UTC)
        return first if first < instant else None
    tz = zone(cadence.time_zone)
    rule = cadence.rule()
    wall = rule.before(instant.astimezone(tz) + _SLACK, inc=True)
    while wall is not None:
        found = _instant(wall)
        if found < instant:
            return found
        wall = rule.before(wall, inc=False)
    return None


# --- facilitator rotation -------------------------------------------------------------------


def next_facilitator(
    candidates: Iterable[str],
    history: Sequence[str],
    unavailable: Iterable[str] = (),
) -> str | None:
    """Who facilitates next: the candidate who has waited longest since they last did.

    ``history`` lists earlier sessions' facilitators, oldest first (people who are no
    longer candidates are simply ignored).  Candidates who never facilitated come first;
    ties are broken by name, so the choice is the same on every machine and every run.
    ``None`` when nobody is available.
    """
    away = set(unavailable)
    pool = sorted({c for c in candidates if c and c not in away})
    if not pool:
        return None
    last_turn = {name: i for i, name in enumerate(history)}
    return min(pool, key=lambda name: (last_turn.get(name, -1), name))


def rotation(candidates: Iterable[str], history: Sequence[str], sessions: int) -> list[str]:
    """The facilitators of the next ``sessions`` sessions if everyone stays available."""
    pool = sorted(set(candidates))
    turns = list(history)
    out: list[str] = []
    for _ in range(sessions):
        chosen = next_facilitator(pool, turns)
        if chosen is None:
            break
        out.append(chosen)
        turns.append(chosen)
    return out
