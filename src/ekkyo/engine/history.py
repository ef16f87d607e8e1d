"""SLO history for charts: SLI per step, budget burn-down and burn rates over time.

Pure numpy over a dense per-minute :class:`~ekkyo.engine.series.Series`, with the same
definitions as :func:`ekkyo.engine.evaluate` (SLO_MATH.md), evaluated at many instants at
once.  Every quantity is a sum of *events* over a window ``[start, end)``:
:func:`window_counts` computes those sums for any number of windows from prefix sums, so a
90-day chart costs one pass over the minutes plus O(1) per point, not one evaluation per
point.  At a chart's last point the numbers equal :func:`~ekkyo.engine.evaluate` at the
same instant (tests hold them to it).

Choices where SLO_MATH.md is silent (see ``docs/web.md``):

- The *SLI per step* of point ``t[i]`` is the SLI over ``[t[i-1], t[i])`` (the first point
  covers one ``step`` before it): what happened in that step, not a rolling value.
- The *budget burn-down* runs over the SLO window of the evaluation time ``at``: at each
  instant ``t`` in it, the budget left after the bad events of ``[window start, t)``,
  measured against the budget all of the window's events allow at ``at``.  It starts at 1
  at the window's start, never rises, and ends at the ``remaining_ratio`` of ``at``.
- *Burn rates over time* are each window's burn rate as evaluated at each point
  (samples, not averages over the step).

Times are Unix seconds on minute boundaries; a missing number is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ekkyo.engine import slo_window
from ekkyo.engine.buckets import MINUTE, FloatArray, IntArray
from ekkyo.engine.burn import BURN_WINDOWS
from ekkyo.engine.kernels import slice_events, threshold_counts
from ekkyo.engine.model import Budgeting, Objective
from ekkyo.engine.series import Series

#: Step lengths a chart may use, in minutes: each divides a day or is whole days, so
#: points fall on round clock times.
NICE_STEPS_MIN: tuple[int, ...] = (1, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440)
DEFAULT_MAX_POINTS = 1000


@dataclass(frozen=True)
class BurnDown:
    """Budget left over the SLO window at ``at``: ``remaining_ratio[i]`` after ``t[i]``.

    ``window_start``/``window_end`` are the window at ``at`` (``window_end`` is ``at``);
    ``length_s`` is its length ``P`` (for a calendar window, the whole period, which may
    end after ``at``).
    """

    t: IntArray
    remaining_ratio: FloatArray
    window_start: int
    window_end: int
    length_s: int


def _check_minute(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an int of Unix seconds, got {value!r}")
    if value % MINUTE:
        raise ValueError(f"{name} {value} is not a minute boundary")
    return int(value)


def choose_step(span_s: int, max_points: int = DEFAULT_MAX_POINTS) -> int:
    """The shortest nice step (seconds) that cuts ``span_s`` into at most ``max_points``."""
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1, got {max_points}")
    if span_s <= 0:
        return MINUTE
    for minutes in NICE_STEPS_MIN:
        if -(-span_s // (minutes * MINUTE)) <= max_points:
            return minutes * MINUTE
    day = 1440 * MINUTE
    return -(-span_s // (max_points * day)) * day


def chart_times(at: int, span_s: int, step_s: int) -> IntArray:
    """Ascending instants in ``(at - span_s, at]``: multiples of ``step_s``, then ``at``.

    Points on multiples of the step read well in a table (every 3 hours, on the hour);
    ``at`` itself is always the last point, so the chart ends where the status stands.
    """
    at = _check_minute("at", at)
    step_s = _check_minute("step_s", step_s)
    if step_s <= 0:
        raise ValueError(f"step_s must be positive, got {step_s}")
    if span_s <= 0:
        return np.array([at], dtype=np.int64)
    first = -(-(at - span_s + 1) // step_s) * step_s
    grid = np.arange(first, at, step_s, dtype=np.int64)
    return np.append(grid, np.int64(at))


def _minute_events(series: Series, objective: Objective) -> tuple[FloatArray, FloatArray]:
    """Per-minute (good, total) inputs: counts, or threshold events for a threshold SLI."""
    if objective.threshold is None:
        return series.good, series.total
    value = series.value if series.value is not None else np.full(len(series), np.nan)
    good, total = threshold_counts(value[None, :], objective.threshold)
    return good[0], total[0]


def _prefix(a: FloatArray) -> FloatArray:
    out = np.zeros(len(a) + 1, dtype=np.float64)
    np.cumsum(a, out=out[1:])
    return out


def window_counts(
    series: Series, objective: Objective, starts: IntArray, ends: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Event sums (good, total) of ``objective`` over the windows ``[starts[k], ends[k])``.

    Events are as in :func:`~ekkyo.engine.evaluate`: requests (Occurrences), threshold
    minutes, or time slices aligned to the Unix epoch, where a slice cut by a window's
    edge is made of its minutes inside the window.  Minutes outside the series have no
    data.  Windows must start and end on minute boundaries.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if starts.shape != ends.shape or starts.ndim != 1:
        raise ValueError("starts and ends must be one-dimensional with equal lengths")
    if np.any(starts % MINUTE) or np.any(ends % MINUTE):
        raise ValueError("window starts and ends must be minute boundaries")
    good, total = _minute_events(series, objective)
    n = len(good)
    first_minute = series.start // MINUTE
    # Epoch minutes, clipped to the series: minutes outside it add nothing.
    s = np.clip(starts // MINUTE, first_minute, first_minute + n)
    e = np.clip(ends // MINUTE, first_minute, first_minute + n)
    e = np.maximum(e, s)
    pg, pt = _prefix(good), _prefix(total)

    def sums(a: IntArray, b: IntArray) -> tuple[FloatArray, FloatArray]:
        i, j = a - first_minute, b - first_minute
        return pg[j] - pg[i], pt[j] - pt[i]

    if objective.budgeting is Budgeting.OCCURRENCES:
        return sums(s, e)

    m = objective.slice_minutes
    # A threshold slice is good when every value is: a slice target of 1 (as evaluate).
    target = 1.0 if objective.threshold is not None else objective.time_slice_target
    slice_target = 1.0 if target is None else float(target)

    def events(g: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        return slice_events(g, t, objective.budgeting, slice_target)

    # Whole slices: events of every slice overlapping the series, then prefix sums.
    base = first_minute // m * m
    n_slices = -(-(first_minute + n - base) // m)
    padded_g = np.zeros(n_slices * m)
    padded_t = np.zeros(n_slices * m)
    offset = first_minute - base
    padded_g[offset : offset + n] = good
    padded_t[offset : offset + n] = total
    sg, st = events(padded_g.reshape(n_slices, m).sum(1), padded_t.reshape(n_slices, m).sum(1))
    psg, pst = _prefix(sg), _prefix(st)

    b1 = -(-s // m) * m  # first slice boundary at or after the start
    b2 = e // m * m  # last slice boundary at or before the end
    single = b1 >= e  # the window lies inside one slice (or is empty)
    out_g = np.zeros(len(s))
    out_t = np.zeros(len(s))
    # Cut pieces are slices of their minutes inside the window; an empty piece has no data.
    head_end = np.where(single, e, b1)
    hg, ht = events(*sums(s, head_end))
    out_g += hg
    out_t += ht
    multi = ~single
    tail_start = np.where(multi, b2, e)
    tg, tt = events(*sums(tail_start, e))
    out_g += np.where(multi, tg, 0.0)
    out_t += np.where(multi, tt, 0.0)
    lo = np.where(multi, (b1 - base) // m, 0)
    hi = np.where(multi, (b2 - base) // m, 0)
    out_g += psg[hi] - psg[lo]
    out_t += pst[hi] - pst[lo]
    return out_g, out_t


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    has = den > 0
    return np.where(has, num / np.where(has, den, 1.0), np.nan)


def sli_per_step(
    series: Series, objective: Objective, times: IntArray, first_step_s: int
) -> FloatArray:
    """SLI of each step ``[times[i-1], times[i])``; the first step is ``first_step_s`` long."""
    times = np.asarray(times, dtype=np.int64)
    if times.size == 0:
        return np.empty(0)
    starts = np.concatenate(([times[0] - first_step_s], times[:-1])).astype(np.int64)
    good, total = window_counts(series, objective, starts, times)
    return _ratio(good, total)


def burn_rates_over_time(series: Series, objective: Objective, times: IntArray) -> FloatArray:
    """Burn rate of each window of :data:`BURN_WINDOWS` at each instant: ``(len(times), 7)``."""
    times = np.asarray(times, dtype=np.int64)
    out = np.full((len(times), len(BURN_WINDOWS)), np.nan)
    budget = 1.0 - objective.target
    for j, length in enumerate(BURN_WINDOWS.values()):
        good, total = window_counts(series, objective, times - length, times)
        out[:, j] = _ratio(total - good, total) / budget
    return out


def remaining_over_time(series: Series, objective: Objective, times: IntArray) -> FloatArray:
    """``remaining_ratio`` of the SLO window at each instant, as evaluate would report it."""
    times = np.asarray(times, dtype=np.int64)
    starts = np.array([slo_window(objective.window, int(t)).start for t in times], np.int64)
    good, total = window_counts(series, objective, starts, times)
    allowed = (1.0 - objective.target) * total
    return 1.0 - _ratio(total - good, allowed)


def budget_burndown(
    series: Series, objective: Objective, at: int, max_points: int = DEFAULT_MAX_POINTS
) -> BurnDown:
    """The budget burn-down over the SLO window at ``at`` (see the module's notes).

    Points run from the window's start (1, nothing spent yet) to ``at``, at most
    ``max_points + 1`` of them.  All NaN when the window has no data (no budget to spend).
    """
    at = _check_minute("at", at)
    window = slo_window(objective.window, at)
    span = at - window.start
    step = choose_step(span, max_points)
    times = chart_times(at, span, step)
    times = np.concatenate(([window.start], times[times > window.start])).astype(np.int64)
    starts = np.full(len(times), window.start, dtype=np.int64)
    good, total = window_counts(series, objective, starts, times)
    allowed = (1.0 - objective.target) * total[-1]
    nan = np.full(len(times), np.nan)
    remaining = 1.0 - (total - good) / allowed if allowed > 0 else nan
    return BurnDown(times, remaining, window.start, window.end, window.length_s)
