"""A review session's agenda: what changed since the previous session (pure: no Django).

:func:`build_agenda` takes plain values — the SLO objectives the series looks at with
their latest status, the numbers kept with the previous agenda (its *baseline*), alerts,
maintenance windows and open action items — and returns an :class:`Agenda` of sections:

* ``burned``: objectives whose error budget shrank most since the baseline, as a share
  of the budget (``0.12`` = 12% of the whole budget), the largest first;
* ``at_risk``: objectives at risk or exhausted now, exhausted first, least budget first;
* ``alerts``: alerts that fired since the previous session, or are still firing;
* ``trials``: SLOs in trial operation whose planned end is before the session after
  next's horizon, or already past;
* ``maintenance``: maintenance windows since the previous session and until the next;
* ``action_items``: open and in-progress items, overdue first, then oldest first.

Nothing is translated or rounded here: pages and messages word it.  The agenda keeps the
numbers it saw (``baseline``) so the next session's agenda can say what burned in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

SECTIONS = ("burned", "at_risk", "alerts", "trials", "maintenance", "action_items")
OPEN_STATUSES = ("open", "in_progress")
#: Budget burned below this share since the previous session is not worth a topic.
MIN_BURN = 0.01
TOP_BURNED = 5
#: Trials ending within this many days of the session are listed.
TRIAL_HORIZON = timedelta(days=14)
_STATE_ORDER = {"exhausted": 0, "at_risk": 1}


@dataclass(frozen=True)
class SloInput:
    """One SLO objective the series looks at, with the worker's latest status."""

    slo: str
    objective_index: int
    objective: str = ""
    display_name: str = ""
    team: str = ""
    lifecycle: str = "active"
    state: str = "no_data"
    remaining_ratio: float | None = None
    fastest_burn_rate: float | None = None
    trial_ends_on: date | None = None

    @property
    def key(self) -> str:
        return objective_key(self.slo, self.objective_index)


@dataclass(frozen=True)
class AlertInput:
    slo: str
    objective: str
    severity: str
    fired_at: datetime
    resolved_at: datetime | None = None
    peak_burn_rate: float | None = None
    ref: str = ""


@dataclass(frozen=True)
class WindowInput:
    """One occurrence of a maintenance window (its scope: an SLO, service or team name)."""

    scope: str
    starts_at: datetime
    ends_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class ItemInput:
    id: int
    title: str
    team: str
    status: str
    created_at: datetime
    owner: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class Baseline:
    """The numbers an earlier agenda saw, by objective key (see :func:`objective_key`)."""

    at: datetime
    remaining: Mapping[str, float | None] = field(default_factory=dict)
    states: Mapping[str, str] = field(default_factory=dict)


def objective_key(slo: str, index: int) -> str:
    return f"{slo}#{index}"


@dataclass(frozen=True)
class Entry:
    """One line of a section; which fields are set depends on the section."""

    slo: str = ""
    objective_index: int | None = None
    objective: str = ""
    display_name: str = ""
    team: str = ""
    state: str = ""
    previous_state: str = ""
    remaining_ratio: float | None = None
    burned: float | None = None
    fastest_burn_rate: float | None = None
    severity: str = ""
    fired_at: datetime | None = None
    resolved_at: datetime | None = None
    peak_burn_rate: float | None = None
    ref: str = ""
    trial_ends_on: date | None = None
    days_left: int | None = None
    scope: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    upcoming: bool = False
    reason: str = ""
    item_id: int | None = None
    title: str = ""
    status: str = ""
    owner: str = ""
    due_on: date | None = None
    overdue: bool = False
    age_days: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Only the fields set, dates as ISO text: what the agenda's JSON holds."""
        blank = Entry()
        out: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value == getattr(blank, name):
                continue
            out[name] = value.isoformat() if isinstance(value, date | datetime) else value
        return out


@dataclass(frozen=True)
class Section:
    kind: str
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Agenda:
    generated_at: datetime
    since: datetime
    starts_at: datetime
    has_baseline: bool
    sections: tuple[Section, ...]
    baseline: Baseline

    def section(self, kind: str) -> Section:
        return next(s for s in self.sections if s.kind == kind)

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(),
            "since": self.since.isoformat(),
            "starts_at": self.starts_at.isoformat(),
            "has_baseline": self.has_baseline,
            "sections": [
                {"kind": s.kind, "entries": [e.as_dict() for e in s.entries]} for s in self.sections
            ],
            "baseline": {
                "at": self.baseline.at.isoformat(),
                "remaining": dict(self.baseline.remaining),
                "states": dict(self.baseline.states),
            },
        }


def baseline_from_dict(data: Mapping[str, Any] | None) -> Baseline | None:
    """The baseline kept in an earlier agenda's JSON; ``None`` when it has none."""
    raw = (data or {}).get("baseline")
    if not isinstance(raw, Mapping) or not raw.get("at"):
        return None
    remaining = raw.get("remaining")
    states = raw.get("states")
    return Baseline(
        at=datetime.fromisoformat(str(raw["at"])),
        remaining={
            str(k): (float(v) if isinstance(v, int | float) else None)
            for k, v in (remaining.items() if isinstance(remaining, Mapping) else ())
        },
        states={str(k): str(v) for k, v in (states.items() if isinstance(states, Mapping) else ())},
    )


# --- sections -------------------------------------------------------------------------------


def _slo_entry(o: SloInput, **extra: Any) -> Entry:
    return Entry(
        slo=o.slo,
        objective_index=o.objective_index,
        objective=o.objective,
        display_name=o.display_name or o.slo,
        team=o.team,
        state=o.state,
        remaining_ratio=o.remaining_ratio,
        fastest_burn_rate=o.fastest_burn_rate,
        **extra,
    )


def burned(
    slos: Sequence[SloInput], baseline: Baseline | None, *, top: int = TOP_BURNED
) -> tuple[Entry, ...]:
    """Objectives whose remaining budget dropped by at least :data:`MIN_BURN` since the
    baseline, the largest drop first (ties by SLO name and objective)."""
    if baseline is None:
        return ()
    found: list[tuple[float, SloInput]] = []
    for o in slos:
        before = baseline.remaining.get(o.key)
        if before is None or o.remaining_ratio is None:
            continue
        drop = before - o.remaining_ratio
        if drop >= MIN_BURN:
            found.append((drop, o))
    found.sort(key=lambda pair: (-pair[0], pair[1].slo, pair[1].objective_index))
    return tuple(
        _slo_entry(o, burned=drop, previous_state=baseline.states.get(o.key, ""))
        for drop, o in found[:top]
    )


def at_risk(slos: Sequence[SloInput], baseline: Baseline | None) -> tuple[Entry, ...]:
    """Objectives at risk or exhausted, exhausted first, then least budget first."""
    chosen = [o for o in slos if o.state in _STATE_ORDER]
    chosen.sort(
        key=lambda o: (
            _STATE_ORDER[o.state],
            o.remaining_ratio is None,
            o.remaining_ratio if o.remaining_ratio is not None else 0.0,
            o.slo,
            o.objective_index,
        )
    )
    before = baseline.states if baseline else {}
    return tuple(_slo_entry(o, previous_state=before.get(o.key, "")) for o in chosen)


def alerts_fired(alerts: Iterable[AlertInput], since: datetime, now: datetime) -> tuple[Entry, ...]:
    """Alerts that fired in ``[since, now)``, and earlier ones still firing at ``now``."""
    chosen = [
        a
        for a in alerts
        if a.fired_at < now
        and (a.fired_at >= since or a.resolved_at is None or a.resolved_at >= since)
    ]
    chosen.sort(key=lambda a: (a.fired_at, a.slo, a.objective, a.severity))
    return tuple(
        Entry(
            slo=a.slo,
            objective=a.objective,
            severity=a.severity,
            fired_at=a.fired_at,
            resolved_at=a.resolved_at if a.resolved_at and a.resolved_at <= now else None,
            peak_burn_rate=a.peak_burn_rate,
            ref=a.ref,
        )
        for a in chosen
    )


def trials_ending(slos: Sequence[SloInput], today: date, horizon: date) -> tuple[Entry, ...]:
    """SLOs in trial whose planned end is on or before ``horizon`` (overdue ones too)."""
    seen: dict[str, SloInput] = {}
    for o in slos:
        if o.lifecycle == "trial" and o.trial_ends_on is not None and o.trial_ends_on <= horizon:
            seen.setdefault(o.slo, o)
    chosen = sorted(seen.values(), key=lambda o: (o.trial_ends_on, o.slo))
    return tuple(
        Entry(
            slo=o.slo,
            display_name=o.display_name or o.slo,
            team=o.team,
            trial_ends_on=o.trial_ends_on,
            days_left=(o.trial_ends_on - today).days if o.trial_ends_on else None,
        )
        for o in chosen
    )


def maintenance(
    windows: Iterable[WindowInput], since: datetime, until: datetime, now: datetime
) -> tuple[Entry, ...]:
    """Windows overlapping ``[since, until)``, marked upcoming when they start after ``now``."""
    chosen = {
        (w.starts_at, w.ends_at, w.scope, w.reason): w
        for w in windows
        if w.starts_at < until and w.ends_at > since
    }
    return tuple(
        Entry(
            scope=w.scope,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            upcoming=w.starts_at >= now,
            reason=w.reason,
        )
        for _key, w in sorted(chosen.items(), key=lambda kv: kv[0])
    )


def open_items(items: Iterable[ItemInput], today: date) -> tuple[Entry, ...]:
    """Open and in-progress items: overdue first (longest overdue first), then oldest."""
    chosen = [i for i in items if i.status in OPEN_STATUSES]

    def key(i: ItemInput) -> tuple[bool, date, datetime, int]:
        overdue = i.due_on is not None and i.due_on < today
        return (not overdue, i.due_on if overdue and i.due_on else date.max, i.created_at, i.id)

    return tuple(
        Entry(
            item_id=i.id,
            title=i.title,
            team=i.team,
            status=i.status,
            owner=i.owner,
            due_on=i.due_on,
            overdue=i.due_on is not None and i.due_on < today,
            age_days=max(0, (today - i.created_at.date()).days),
        )
        for i in sorted(chosen, key=key)
    )


def build_agenda(
    *,
    now: datetime,
    since: datetime,
    starts_at: datetime,
    until: datetime,
    today: date,
    slos: Sequence[SloInput],
    baseline: Baseline | None = None,
    alerts: Iterable[AlertInput] = (),
    windows: Iterable[WindowInput] = (),
    items: Iterable[ItemInput] = (),
    trial_horizon: timedelta = TRIAL_HORIZON,
) -> Agenda:
    """The agenda of a session starting at ``starts_at``, generated at ``now``.

    ``since`` is the previous session's start (or a look-back for the first session),
    ``until`` the next session's start: maintenance windows up to then are listed.
    ``today`` is the session's date in the series' time zone: due dates and trial ends
    are calendar dates there.
    """
    horizon = max(today + trial_horizon, until.date())
    sections = (
        Section("burned", burned(slos, baseline)),
        Section("at_risk", at_risk(slos, baseline)),
        Section("alerts", alerts_fired(alerts, since, now)),
        Section("trials", trials_ending(slos, today, horizon)),
        Section("maintenance", maintenance(windows, since, until, now)),
        Section("action_items", open_items(items, today)),
    )
    kept = Baseline(
        at=now,
        remaining={o.key: o.remaining_ratio for o in slos},
        states={o.key: o.state for o in slos},
    )
    return Agenda(
        generated_at=now,
        since=since,
        starts_at=starts_at,
        has_baseline=baseline is not None,
        sections=sections,
        baseline=kept,
    )


def counts(agenda: Mapping[str, Any]) -> dict[str, int]:
    """Entries per section of an agenda's JSON (what lists and messages summarise)."""
    return {
        str(s.get("kind")): len(s.get("entries") or [])
        for s in agenda.get("sections") or []
        if isinstance(s, Mapping)
    }
