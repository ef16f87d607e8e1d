"""Where an SLO objective stands under its error budget policy (pure: no Django, no I/O).

A policy's **level rules** (``remaining``: budget remaining at most a ratio; ``burn_rate``:
the burn rate over a window at least a multiple) say how far the budget has gone; the
objective's level is the highest level among the rules that hold.  A level changes only
on a reading with a number: with no data the objective keeps the level it had, since
"no data" is not "recovered".

**Incident rules** (``incident``: one incident uses more than a share of the budget) act
once per incident: :func:`incidents_over` returns the incidents that crossed a rule and
were not acted on before.  An incident is a maximal run of time in which any burn-rate
alert of the objective fired (overlapping alerts of several rules are one incident);
:func:`merge` builds them from alert intervals.

Exceptions (budget use the policy says does not count) are applied before these
functions see the numbers: the shell evaluates the objective with the excepted minutes
removed, as the engine does for maintenance windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

REMAINING = "remaining"
BURN_RATE = "burn_rate"
INCIDENT = "incident"
LEVEL_KINDS = (REMAINING, BURN_RATE)

NORMAL = 0


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str
    threshold: float
    level: int
    burn_window: str = "1d"

    def __post_init__(self) -> None:
        if self.kind not in (REMAINING, BURN_RATE, INCIDENT):
            raise ValueError(f"unknown rule kind {self.kind!r}")
        if not self.threshold >= 0:
            raise ValueError(f"a rule's threshold must be >= 0, got {self.threshold!r}")
        if self.level <= NORMAL:
            raise ValueError("a rule's level must be above normal")


@dataclass(frozen=True)
class Reading:
    """One objective's numbers at an evaluation: remaining ratio and burn rates."""

    remaining_ratio: float | None
    burn_rates: dict[str, float | None]


@dataclass(frozen=True)
class Decision:
    level: int
    rule: Rule | None
    changed: bool
    #: True when the level rose: the owners are told and an action item is opened.
    escalated: bool


def holds(rule: Rule, reading: Reading) -> bool | None:
    """Whether a level rule holds; ``None`` when the reading lacks its number."""
    if rule.kind == REMAINING:
        r = reading.remaining_ratio
        # "<=": a policy that says "at 25 % left" acts when exactly 25 % is left, and
        # "exhausted" is written as a threshold of 0.
        return None if r is None else r <= rule.threshold
    if rule.kind == BURN_RATE:
        b = reading.burn_rates.get(rule.burn_window)
        return None if b is None else b >= rule.threshold
    return False


def level_of(rules: Iterable[Rule], reading: Reading) -> tuple[int, Rule | None] | None:
    """The level the reading puts the objective at and the rule that decides it (the
    highest level that holds; among equals, the first rule); ``None`` when no level rule
    could be judged for lack of numbers."""
    best: tuple[int, Rule | None] = (NORMAL, None)
    judged = False
    for rule in rules:
        if rule.kind not in LEVEL_KINDS:
            continue
        held = holds(rule, reading)
        if held is None:
            continue
        judged = True
        if held and rule.level > best[0]:
            best = (rule.level, rule)
    return best if judged else None


def decide(previous: int, rules: Sequence[Rule], reading: Reading) -> Decision:
    """The objective's next level, from its previous one and a new reading."""
    found = level_of(rules, reading)
    if found is None:
        return Decision(previous, None, False, False)
    level, rule = found
    return Decision(level, rule, level != previous, level > previous)


@dataclass(frozen=True)
class Interval:
    start: int
    end: int


def merge(intervals: Iterable[tuple[int, int]]) -> list[Interval]:
    """Overlapping or touching ``[start, end)`` intervals joined, in time order."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, end))
        else:
            out.append(Interval(start, end))
    return out


@dataclass(frozen=True)
class Incident:
    start: int
    end: int
    #: Bad events in the incident over the events the budget allows in the window.
    budget_share: float

    @property
    def key(self) -> str:
        return f"incident:{self.start}"


def incidents_over(
    rules: Iterable[Rule], incidents: Iterable[Incident], acted_on: Iterable[str]
) -> list[tuple[Incident, Rule]]:
    """Incidents that used more than an incident rule's share and were not acted on yet
    (by key); each with the highest-level rule it crossed."""
    done = set(acted_on)
    incident_rules = [r for r in rules if r.kind == INCIDENT]
    out = []
    for incident in sorted(incidents, key=lambda i: i.start):
        if incident.key in done:
            continue
        crossed = [r for r in incident_rules if incident.budget_share > r.threshold]
        if crossed:
            out.append((incident, max(crossed, key=lambda r: (r.level, -r.id))))
    return out
