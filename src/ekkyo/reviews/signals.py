"""How a team's review practice develops over time (pure: no Django, no I/O).

:func:`team_signals` counts, per period, the sessions a team held, who came, who
facilitated, and the action items it opened and closed.  The figure that matters most
for an SRE team that wants product teams to practise SRE on their own is the
**self-facilitation share**: the share of held sessions facilitated by a member of the
team itself rather than by an SRE.

A facilitator counts as **SRE** when they are an SRE (a member of an enabling team, or
an SRE admin) — even when also a member of the team, since an embedded SRE running the
session is still the SRE running it; else as **team** when they are a member of the team;
else as **other** (someone from another team).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

FACILITATED_BY = ("team", "sre", "other", "none")


@dataclass(frozen=True)
class SessionFact:
    """A held session of a series the team takes part in."""

    starts_at: datetime
    teams: frozenset[str]
    facilitator: str = ""
    facilitator_teams: frozenset[str] = frozenset()
    facilitator_is_sre: bool = False
    # Attendees per team slug.
    attendance: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemFact:
    team: str
    created_at: datetime
    status: str
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PeriodSignals:
    label: str
    start: datetime
    end: datetime
    sessions_held: int
    attendance: int
    facilitated_by_team: int
    facilitated_by_sre: int
    facilitated_by_other: int
    without_facilitator: int
    items_opened: int
    items_done: int
    items_dropped: int

    @property
    def mean_attendance(self) -> float | None:
        return self.attendance / self.sessions_held if self.sessions_held else None

    @property
    def self_facilitation_share(self) -> float | None:
        """Sessions facilitated by the team over sessions held (``None`` with none held)."""
        return self.facilitated_by_team / self.sessions_held if self.sessions_held else None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        out["end"] = self.end.isoformat()
        out["mean_attendance"] = self.mean_attendance
        out["self_facilitation_share"] = self.self_facilitation_share
        return out


def facilitated_by(team: str, session: SessionFact) -> str:
    """``team``, ``sre``, ``other`` or ``none`` (see the module notes for the precedence)."""
    if not session.facilitator:
        return "none"
    if session.facilitator_is_sre:
        return "sre"
    if team in session.facilitator_teams:
        return "team"
    return "other"


def _within(moment: datetime, period: Period) -> bool:
    return period.start <= moment < period.end


def team_signals(
    team: str,
    periods: Sequence[Period],
    sessions: Iterable[SessionFact],
    items: Iterable[ItemFact],
) -> list[PeriodSignals]:
    """One :class:`PeriodSignals` per period, for ``team`` (a slug)."""
    own_sessions = [s for s in sessions if team in s.teams]
    own_items = [i for i in items if i.team == team]
    out = []
    for period in periods:
        held = [s for s in own_sessions if _within(s.starts_at, period)]
        by = [facilitated_by(team, s) for s in held]
        closed = [i for i in own_items if i.closed_at is not None and _within(i.closed_at, period)]
        out.append(
            PeriodSignals(
                label=period.label,
                start=period.start,
                end=period.end,
                sessions_held=len(held),
                attendance=sum(int(s.attendance.get(team, 0)) for s in held),
                facilitated_by_team=by.count("team"),
                facilitated_by_sre=by.count("sre"),
                facilitated_by_other=by.count("other"),
                without_facilitator=by.count("none"),
                items_opened=sum(1 for i in own_items if _within(i.created_at, period)),
                items_done=sum(1 for i in closed if i.status == "done"),
                items_dropped=sum(1 for i in closed if i.status == "dropped"),
            )
        )
    return out


def month_periods(end: datetime, months: int, time_zone: str) -> list[Period]:
    """The ``months`` calendar months in ``time_zone`` up to the one containing ``end``.

    Bounds are aware UTC instants of local midnights, oldest month first; labels are
    ``YYYY-MM``.
    """
    tz = ZoneInfo(time_zone)
    local = end.astimezone(tz)
    # Month starts from the one after ``end``'s back to the oldest, counted as y*12 + m.
    index = local.year * 12 + local.month - 1
    bounds = [divmod(i, 12) for i in range(index - months + 1, index + 2)]

    def instant(ym: tuple[int, int]) -> datetime:
        return datetime(ym[0], ym[1] + 1, 1, tzinfo=tz).astimezone(UTC)

    return [
        Period(f"{a[0]:04d}-{a[1] + 1:02d}", instant(a), instant(b))
        for a, b in itertools.pairwise(bounds)
    ]
