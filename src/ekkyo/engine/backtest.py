"""Backtest: when each alert rule would have fired over a past period.

For a dense series, an objective and a period ``[start, end]``, the engine is evaluated at
every minute boundary ``T`` of the period (as the worker would, once a minute) and each of
the four rules of SLO_MATH.md is checked at each ``T``, with the per-SLO ``for`` duration
and minimum-events guard applied exactly as :func:`ekkyo.engine.alertstate.step` applies
them.  Vectorised over minutes: window sums come from prefix sums
(:func:`ekkyo.engine.history.window_counts`), runs of firing minutes from ``np.diff``; no
Python loop per minute.

Choices (docs/alerting.md):

* Each rule's evaluations start its ``for_s`` before ``start``, so an alert whose
  condition began before the period is seen firing from ``start`` on, as a worker that had
  been running would.
* An interval's ``end`` is the first evaluation at which the rule no longer fires
  (``None`` when it still fires at ``end``); its peaks are the highest burn rates of the
  rule's two windows while it fired.
* The factor uses the SLO window's length ``P`` at each ``T`` (a calendar month's length
  changes at the month's start), as :func:`ekkyo.engine.evaluate` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ekkyo.engine.alertstate import AlertSettings
from ekkyo.engine.buckets import MINUTE, FloatArray, IntArray
from ekkyo.engine.burn import ALERT_RULES, BURN_WINDOWS, AlertRule
from ekkyo.engine.calendar import period_containing
from ekkyo.engine.history import window_counts
from ekkyo.engine.model import CalendarWindow, Objective
from ekkyo.engine.result import iso_utc
from ekkyo.engine.series import Series

SEVERITIES = ("page", "ticket")


@dataclass(frozen=True)
class FiringInterval:
    """One firing of one rule: from ``start`` until ``end`` (None: still firing).

    ``pending_at`` is when its condition began (``start`` without a ``for`` duration);
    ``factor`` is the rule's factor at ``start``.
    """

    pending_at: int
    start: int
    end: int | None
    factor: float
    peak_long_burn: float
    peak_short_burn: float

    def as_dict(self, rule: AlertRule, period_end: int) -> dict[str, Any]:
        return {
            "pending_at": iso_utc(self.pending_at),
            "start": iso_utc(self.start),
            "end": None if self.end is None else iso_utc(self.end),
            "duration_s": (period_end if self.end is None else self.end) - self.start,
            "ongoing": self.end is None,
            "factor": self.factor,
            "peak_burn_rates": {
                rule.long_window: self.peak_long_burn,
                rule.short_window: self.peak_short_burn,
            },
        }


@dataclass(frozen=True)
class RuleBacktest:
    rule: AlertRule
    intervals: tuple[FiringInterval, ...]
    #: Evaluations in ``[start, end]`` at which the rule fired.
    firing_minutes: int


@dataclass(frozen=True)
class Backtest:
    start: int
    end: int
    #: The settings applied, per severity (``page``, ``ticket``).
    settings: Mapping[str, AlertSettings]
    rules: tuple[RuleBacktest, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": iso_utc(self.start),
            "to": iso_utc(self.end),
            "settings": {
                severity: {"for_s": s.for_s, "min_events": s.min_events}
                for severity, s in self.settings.items()
            },
            "rules": [
                {
                    "severity": r.rule.severity,
                    "long_window": r.rule.long_window,
                    "short_window": r.rule.short_window,
                    "firing_minutes": r.firing_minutes,
                    "intervals": [i.as_dict(r.rule, self.end) for i in r.intervals],
                }
                for r in self.rules
            ],
        }


def _check_minute(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an int of Unix seconds, got {value!r}")
    if value % MINUTE:
        raise ValueError(f"{name} {value} is not a minute boundary")
    return int(value)


def period_lengths(objective: Objective, times: IntArray) -> IntArray:
    """``P`` of the SLO window at each evaluation time (one calendar lookup per period)."""
    window = objective.window
    if not isinstance(window, CalendarWindow):
        return np.full(len(times), window.length_s, dtype=np.int64)
    out = np.empty(len(times), dtype=np.int64)
    if not len(times):
        return out
    # The window at T is the period containing T - 1 minute (SLO_MATH.md).
    instants = times - MINUTE
    starts: list[int] = []
    lengths: list[int] = []
    period = period_containing(window, int(instants[0]))
    while True:
        starts.append(period.start)
        lengths.append(period.length_s)
        if period.end > instants[-1]:
            break
        period = period_containing(window, period.end)
    index = np.searchsorted(np.array(starts, dtype=np.int64), instants, side="right") - 1
    out[:] = np.array(lengths, dtype=np.int64)[index]
    return out


def _segment_max(values: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """``max(values[lo[k]:hi[k]])`` for non-empty segments, in one reduceat."""
    if not len(lo):
        return np.empty(0)
    padded = np.append(values, -np.inf)  # so that hi == len(values) is a valid index
    bounds = np.empty(2 * len(lo), dtype=np.int64)
    bounds[0::2], bounds[1::2] = lo, hi
    return np.maximum.reduceat(padded, bounds)[0::2]


def backtest(
    series: Series,
    objective: Objective,
    start: int,
    end: int,
    settings: AlertSettings | Mapping[str, AlertSettings] | None = None,
) -> Backtest:
    """Which rules would have fired in ``[start, end]`` and when (see the module notes).

    ``settings`` applies to every rule, or maps a severity to the settings of its rules.
    """
    start = _check_minute("start", start)
    end = _check_minute("end", end)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if settings is None or isinstance(settings, AlertSettings):
        one = settings or AlertSettings()
        by_severity = {severity: one for severity in SEVERITIES}
    else:
        by_severity = {severity: settings.get(severity, AlertSettings()) for severity in SEVERITIES}
    longest_for = max(s.for_s for s in by_severity.values())
    warmup = -(-longest_for // MINUTE)  # evaluations before `start` that may count
    times = np.arange(start - warmup * MINUTE, end + MINUTE, MINUTE, dtype=np.int64)
    n = len(times)

    budget = 1.0 - objective.target
    burn: dict[str, FloatArray] = {}
    events: dict[str, FloatArray] = {}
    for name, length in BURN_WINDOWS.items():
        good, total = window_counts(series, objective, times - length, times)
        has = total > 0
        # (bad / total) / (1 - target), in that order, as the engine computes it.
        burn[name] = np.where(has, (total - good) / np.where(has, total, 1.0), np.nan) / budget
        events[name] = total
    lengths = period_lengths(objective, times)
    unique_lengths, length_index = np.unique(lengths, return_inverse=True)

    out = []
    for rule in ALERT_RULES:
        rule_settings = by_severity[rule.severity]
        factors = np.array([rule.factor(int(p)) for p in unique_lengths])[length_index]
        long_b, short_b = burn[rule.long_window], burn[rule.short_window]
        # NaN compares False: a window without data never fires.
        active = (long_b > factors) & (short_b > factors)
        if rule_settings.min_events > 0:
            active &= events[rule.long_window] >= rule_settings.min_events
        # Each rule starts its own warm-up: for_s before `start`, as a worker with that
        # rule's settings would have been evaluating.
        active[: warmup + (rule_settings.for_s // -MINUTE)] = False
        edges = np.diff(np.concatenate(([0], active.astype(np.int8), [0])))
        run_start = np.flatnonzero(edges == 1)
        run_end = np.flatnonzero(edges == -1)  # first inactive index (n: still active)
        # Fires at the first evaluation at least for_s after the run's first one.
        fire = np.searchsorted(times, times[run_start] + rule_settings.for_s, side="left")
        keep = fire < run_end
        run_start, run_end, fire = run_start[keep], run_end[keep], fire[keep]
        peak_long = _segment_max(long_b, fire, run_end)
        peak_short = _segment_max(short_b, fire, run_end)
        intervals = tuple(
            FiringInterval(
                pending_at=int(times[s]),
                start=int(times[f]),
                end=None if e == n else int(times[e]),
                factor=float(factors[f]),
                peak_long_burn=float(pl),
                peak_short_burn=float(ps),
            )
            for s, f, e, pl, ps in zip(run_start, fire, run_end, peak_long, peak_short, strict=True)
        )
        firing_minutes = int(np.sum(run_end - fire))
        out.append(RuleBacktest(rule, intervals, firing_minutes))
    return Backtest(start, end, by_severity, tuple(out))
