"""Target exploration: what a candidate target would have meant over past data.

Pure (the engine and :mod:`ekkyo.workshops.translate` only, no Django, no I/O): the
caller reads the history from the bucket store and passes it in with the instant ``at``
that ends it.  Every number comes from the engine: :func:`ekkyo.engine.evaluate` for the
window at ``at``, :mod:`ekkyo.engine.history` for the days before, and
:func:`ekkyo.engine.backtest.backtest` for the alerts that would have fired.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ekkyo.engine import Objective, RollingWindow, Series, evaluate
from ekkyo.engine.backtest import backtest
from ekkyo.engine.history import remaining_over_time, window_counts
from ekkyo.engine.result import iso_utc
from ekkyo.workshops.translate import BusinessTerms, business_terms

DAY = 86_400
HOUR = 3_600
MIN_DAYS, MAX_DAYS = 7, 90
MIN_WINDOW_DAYS, MAX_WINDOW_DAYS = 1, 90
# Targets a workshop usually weighs; the candidate is compared with these.
USUAL_TARGETS = (0.99, 0.995, 0.999, 0.9995, 0.9999)


@dataclass(frozen=True)
class RuleFiring:
    """How often one alert rule would have fired over the explored days."""

    severity: str
    long_window: str
    short_window: str
    firings: int
    firing_minutes: int
    starts: tuple[int, ...]


@dataclass(frozen=True)
class Comparison:
    target: float
    remaining_ratio: float | None
    lowest_remaining: float | None
    pages: int
    tickets: int


@dataclass(frozen=True)
class Exploration:
    """A candidate ``target`` over a rolling window of ``window_s``, looked at over the
    ``days`` before ``at``.

    ``sli``/``remaining_ratio``/``allowed_bad``/``good``/``total``: the engine's result for
    the SLO window ending at ``at``.  ``span_sli``: the attainment over all the explored
    days.  ``daily_*``: one point per day ending at ``daily_ends[i]``.  ``pages`` and
    ``tickets`` count firings of the page and ticket rules.
    """

    target: float
    window_s: int
    days: int
    at: int
    sli: float | None
    good: float
    total: float
    allowed_bad: float
    remaining_ratio: float | None
    span_sli: float | None
    span_total: float
    minutes_with_data: int
    lowest_remaining: float | None
    days_exhausted: int
    daily_ends: tuple[int, ...]
    daily_sli: tuple[float | None, ...]
    daily_remaining: tuple[float | None, ...]
    rules: tuple[RuleFiring, ...]
    peak_factor: float | None
    terms: BusinessTerms
    comparisons: tuple[Comparison, ...] = ()

    @property
    def pages(self) -> int:
        return sum(r.firings for r in self.rules if r.severity == "page")

    @property
    def tickets(self) -> int:
        return sum(r.firings for r in self.rules if r.severity == "ticket")

    @property
    def has_data(self) -> bool:
        return self.span_total > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "window_s": self.window_s,
            "days": self.days,
            "at": iso_utc(self.at),
            "window": {
                "sli": self.sli,
                "good": _number(self.good),
                "total": _number(self.total),
                "allowed_bad": self.allowed_bad,
                "remaining_ratio": self.remaining_ratio,
            },
            "span": {
                "sli": self.span_sli,
                "total": _number(self.span_total),
                "minutes_with_data": self.minutes_with_data,
                "lowest_remaining": self.lowest_remaining,
                "days_exhausted": self.days_exhausted,
                "peak_factor": self.peak_factor,
            },
            "daily": {
                "t": [iso_utc(t) for t in self.daily_ends],
                "sli": list(self.daily_sli),
                "remaining_ratio": list(self.daily_remaining),
            },
            "alerts": {
                "pages": self.pages,
                "tickets": self.tickets,
                "rules": [
                    {
                        "severity": r.severity,
                        "long_window": r.long_window,
                        "short_window": r.short_window,
                        "firings": r.firings,
                        "firing_minutes": r.firing_minutes,
                        "starts": [iso_utc(s) for s in r.starts],
                    }
                    for r in self.rules
                ],
            },
            "business": dataclasses.asdict(self.terms),
            "comparisons": [dataclasses.asdict(c) for c in self.comparisons],
        }


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def check_choice(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


def candidate_objective(base: Objective, target: float, window_days: int) -> Objective:
    """``base`` (its budgeting and threshold) with the candidate target and rolling window."""
    check_choice("window_days", window_days, MIN_WINDOW_DAYS, MAX_WINDOW_DAYS)
    return dataclasses.replace(base, target=target, window=RollingWindow(window_days * DAY))


def history_start(at: int, days: int, window_days: int) -> int:
    """Where the data must start: the explored days, plus a window (and the longest alert
    window) before them so the first day's numbers see a full window."""
    return at - days * DAY - max(window_days * DAY, 3 * DAY)


def peak_factor(series: Series, start: int, end: int) -> float | None:
    """The busiest hour's traffic over the average hour's in ``[start, end)``."""
    hours = np.arange(start, end, HOUR, dtype=np.int64)
    if not len(hours):
        return None
    lo = np.clip((hours - series.start) // 60, 0, len(series))
    hi = np.clip((np.minimum(hours + HOUR, end) - series.start) // 60, 0, len(series))
    prefix = np.concatenate(([0.0], np.cumsum(series.total)))
    per_hour = prefix[hi] - prefix[lo]
    mean = float(per_hour.mean())
    if mean <= 0:
        return None
    return float(per_hour.max()) / mean


def _alerts(series: Series, objective: Objective, start: int, at: int) -> tuple[RuleFiring, ...]:
    test = backtest(series, objective, start, at)
    return tuple(
        RuleFiring(
            severity=r.rule.severity,
            long_window=r.rule.long_window,
            short_window=r.rule.short_window,
            firings=len(r.intervals),
            firing_minutes=r.firing_minutes,
            starts=tuple(i.start for i in r.intervals),
        )
        for r in test.rules
    )


def _daily(
    series: Series, objective: Objective, at: int, days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ends = at - DAY * np.arange(days - 1, -1, -1, dtype=np.int64)
    good, total = window_counts(series, objective, ends - DAY, ends)
    has = total > 0
    sli = np.where(has, good / np.where(has, total, 1.0), np.nan)
    remaining = remaining_over_time(series, objective, ends)
    return ends, sli, remaining


def _lowest(remaining: np.ndarray) -> float | None:
    finite = remaining[~np.isnan(remaining)]
    return float(finite.min()) if len(finite) else None


def explore(
    series: Series,
    base: Objective,
    *,
    target: float,
    window_days: int,
    days: int,
    at: int,
    compare: tuple[float, ...] = USUAL_TARGETS,
) -> Exploration:
    """The candidate ``target`` over ``window_days`` on the ``days`` of ``series`` before ``at``."""
    check_choice("days", days, MIN_DAYS, MAX_DAYS)
    objective = candidate_objective(base, target, window_days)
    start = at - days * DAY
    result = evaluate(series, objective, at=at)
    g, t = window_counts(series, objective, np.array([start], np.int64), np.array([at], np.int64))
    span_good, span_total = float(g[0]), float(t[0])
    lo = max(0, (start - series.start) // 60)
    hi = max(0, min(len(series), (at - series.start) // 60))
    if objective.threshold is not None and series.value is not None:
        minutes = int(np.count_nonzero(~np.isnan(series.value[lo:hi])))
    else:
        minutes = int(np.count_nonzero(series.total[lo:hi] > 0))
    ends, daily_sli, daily_remaining = _daily(series, objective, at, days)
    peak = peak_factor(series, start, at) if objective.threshold is None else None
    terms = business_terms(
        target,
        objective.window.length_s if isinstance(objective.window, RollingWindow) else 0,
        total_events=span_total if objective.threshold is None else None,
        span_s=days * DAY,
        remaining_ratio=result.remaining_ratio,
        peak_factor=peak,
    )
    comparisons = []
    candidate_rules: tuple[RuleFiring, ...] = ()
    for other in sorted({*compare, target}):
        o = candidate_objective(base, other, window_days)
        rules = _alerts(series, o, start, at)
        if other == target:
            candidate_rules = rules
        _e, _s, remaining = _daily(series, o, at, days)
        comparisons.append(
            Comparison(
                target=other,
                remaining_ratio=evaluate(series, o, at=at).remaining_ratio,
                lowest_remaining=_lowest(remaining),
                pages=sum(r.firings for r in rules if r.severity == "page"),
                tickets=sum(r.firings for r in rules if r.severity == "ticket"),
            )
        )
    return Exploration(
        target=target,
        window_s=window_days * DAY,
        days=days,
        at=at,
        sli=result.sli,
        good=result.good,
        total=result.total,
        allowed_bad=result.allowed_bad,
        remaining_ratio=result.remaining_ratio,
        span_sli=span_good / span_total if span_total > 0 else None,
        span_total=span_total,
        minutes_with_data=minutes,
        lowest_remaining=_lowest(daily_remaining),
        days_exhausted=int(np.count_nonzero(daily_remaining < 0)),
        daily_ends=tuple(int(x) for x in ends),
        daily_sli=tuple(_opt(x) for x in daily_sli),
        daily_remaining=tuple(_opt(x) for x in daily_remaining),
        rules=candidate_rules,
        peak_factor=peak,
        terms=terms,
        comparisons=tuple(comparisons),
    )
