"""Alert state of one SLO objective and one alert rule: pending → firing → resolved.

:func:`step` is the whole state machine, as a pure function of the previous
:class:`RuleState`, this evaluation's :class:`RuleInput`, the per-SLO
:class:`AlertSettings` and the evaluation time ``now`` (Unix seconds).  It returns the new
state and the :class:`Transition` s that happened, each saying whether people should be
told about it.  The Django side (``ekkyo.alerting.state``) stores states and transitions
and turns notifiable transitions into outbox rows; the backtest holds its vectorised
replay to this function.

Rules of the machine (docs/alerting.md):

* A rule is *active* when the engine says it fires (both burn rates strictly above the
  factor, SLO_MATH.md) and, with a minimum-events guard, the long window holds at least
  ``min_events`` events.  An unknown event count does not hold an alert back: a guard that
  cannot be checked must not swallow a page.
* Without a ``for`` duration an active rule fires at once.  With one, it is *pending*
  from the first active evaluation and fires at the first evaluation at least ``for_s``
  later while still active; a pending rule that turns inactive is resolved without having
  fired (``was_firing`` False).
* A firing rule resolves at the first inactive evaluation.
* While *muted* (a silence or maintenance window) states move as usual but nothing new is
  announced.  A firing alert still active when its silence ends is announced then
  (``unmuted``).  A resolve is announced whenever anything of its episode was, muted or
  not, so an incident opened before a silence is always closed.
* Evaluating again at or before the last evaluation time changes nothing: a worker that
  restarts and repeats a tick cannot announce a change twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ekkyo.engine.burn import ALERT_RULES, BURN_WINDOWS, AlertRule
from ekkyo.engine.history import window_counts
from ekkyo.engine.model import Objective
from ekkyo.engine.result import Result
from ekkyo.engine.series import Series

Status = Literal["inactive", "pending", "firing", "resolved"]
TransitionKind = Literal["pending", "firing", "resolved"]

STATUSES: tuple[Status, ...] = ("inactive", "pending", "firing", "resolved")


@dataclass(frozen=True)
class AlertSettings:
    """Per-SLO alert settings: a ``for`` duration and a minimum-events guard."""

    for_s: int = 0
    min_events: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.for_s, bool) or not isinstance(self.for_s, int) or self.for_s < 0:
            raise ValueError(f"AlertSettings.for_s must be an int >= 0, got {self.for_s!r}")
        m = self.min_events
        if isinstance(m, bool) or not isinstance(m, int | float) or not math.isfinite(m) or m < 0:
            raise ValueError(f"AlertSettings.min_events must be a number >= 0, got {m!r}")


@dataclass(frozen=True)
class RuleInput:
    """What one evaluation says about one rule.

    ``breaching`` is the engine's verdict (the rule is in ``Result.alerts``);
    ``long_events`` the events (or slices with data) in the rule's long window, None
    when the caller does not know them.
    """

    breaching: bool
    long_burn: float | None = None
    short_burn: float | None = None
    long_events: float | None = None

    def active(self, settings: AlertSettings) -> bool:
        if not self.breaching:
            return False
        if settings.min_events > 0 and self.long_events is not None:
            return self.long_events >= settings.min_events
        return True


@dataclass(frozen=True)
class RuleState:
    """The state of one rule of one objective; ``inactive`` before its first episode.

    ``started_at`` is the episode's start (pending start, or firing start without a
    ``for``), ``firing_at`` when it fired, ``ended_at`` when it resolved.  ``announced``
    says something of the episode was notified, ``firing_announced`` that its firing was.
    Peaks are the highest burn rates seen during the episode.
    """

    status: Status = "inactive"
    started_at: int | None = None
    firing_at: int | None = None
    ended_at: int | None = None
    evaluated_at: int | None = None
    announced: bool = False
    firing_announced: bool = False
    peak_long_burn: float | None = None
    peak_short_burn: float | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"RuleState.status must be one of {STATUSES}, got {self.status!r}")

    @property
    def open(self) -> bool:
        """Pending or firing: an episode in progress."""
        return self.status in ("pending", "firing")


@dataclass(frozen=True)
class Transition:
    """One change of state.  ``notify`` says people should be told about it.

    ``unmuted`` marks the announcement of an alert that fired during a silence and is
    still firing when the silence ends (not a change of state, but news to people).
    ``was_firing`` (for ``resolved``) says the episode had reached firing.
    """

    kind: TransitionKind
    at: int
    started_at: int
    notify: bool
    unmuted: bool = False
    was_firing: bool = False


def _peak(old: float | None, new: float | None) -> float | None:
    if new is None:
        return old
    return new if old is None or new > old else old


def step(
    state: RuleState,
    rule_input: RuleInput,
    settings: AlertSettings,
    now: int,
    *,
    muted: bool = False,
) -> tuple[RuleState, tuple[Transition, ...]]:
    """The state after evaluating at ``now`` and the transitions that happened."""
    if state.evaluated_at is not None and now <= state.evaluated_at:
        return state, ()
    active = rule_input.active(settings)
    long_b, short_b = rule_input.long_burn, rule_input.short_burn

    if not state.open:
        if not active:
            return replace(state, evaluated_at=now), ()
        fresh = RuleState(
            started_at=now,
            evaluated_at=now,
            peak_long_burn=long_b,
            peak_short_burn=short_b,
            announced=not muted,
        )
        if settings.for_s == 0:
            new = replace(fresh, status="firing", firing_at=now, firing_announced=not muted)
            return new, (Transition("firing", now, now, notify=not muted),)
        new = replace(fresh, status="pending")
        return new, (Transition("pending", now, now, notify=not muted),)

    assert state.started_at is not None  # an open episode always has a start
    start = state.started_at
    if not active:
        new = replace(state, status="resolved", ended_at=now, evaluated_at=now)
        was_firing = state.status == "firing"
        return new, (
            Transition("resolved", now, start, notify=state.announced, was_firing=was_firing),
        )

    kept = replace(
        state,
        evaluated_at=now,
        peak_long_burn=_peak(state.peak_long_burn, long_b),
        peak_short_burn=_peak(state.peak_short_burn, short_b),
    )
    if state.status == "pending":
        if now - start < settings.for_s:
            return kept, ()
        new = replace(
            kept,
            status="firing",
            firing_at=now,
            announced=state.announced or not muted,
            firing_announced=not muted,
        )
        return new, (Transition("firing", now, start, notify=not muted),)
    if not state.firing_announced and not muted:
        new = replace(kept, announced=True, firing_announced=True)
        return new, (Transition("firing", now, start, notify=True, unmuted=True),)
    return kept, ()


# --------------------------------------------------------------------------- glue


def rule_inputs(
    result: Result,
    events: Mapping[str, float | None] | None = None,
    rules: Sequence[AlertRule] = ALERT_RULES,
) -> tuple[RuleInput, ...]:
    """One :class:`RuleInput` per rule (in ``rules`` order) from an engine result.

    ``events`` maps burn-window names to event counts (see :func:`window_events`); without
    it, the minimum-events guard is not applied.
    """
    firing = {(a.long_window, a.short_window) for a in result.alerts}
    out = []
    for rule in rules:
        out.append(
            RuleInput(
                breaching=(rule.long_window, rule.short_window) in firing,
                long_burn=result.burn_rates.get(rule.long_window),
                short_burn=result.burn_rates.get(rule.short_window),
                long_events=None if events is None else events.get(rule.long_window),
            )
        )
    return tuple(out)


def window_events(series: Series, objective: Objective, at: int) -> dict[str, float]:
    """Events (slices with data, for timeslices) in each burn window ending at ``at``.

    What the minimum-events guard compares with; the same counts the engine divides by.
    """
    ends = np.full(len(BURN_WINDOWS), at, dtype=np.int64)
    starts = ends - np.array(list(BURN_WINDOWS.values()), dtype=np.int64)
    _, total = window_counts(series, objective, starts, ends)
    return {name: float(total[i]) for i, name in enumerate(BURN_WINDOWS)}
