"""Full evaluation: one SLO, or many that share a time axis and an objective."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ekkyo.engine.buckets import MINUTE, FloatArray
from ekkyo.engine.burn import BURN_WINDOWS
from ekkyo.engine.calendar import period_containing
from ekkyo.engine.kernels import suffix_sums, threshold_counts, timeslice_suffix_sums
from ekkyo.engine.model import Budgeting, CalendarWindow, Objective, Window
from ekkyo.engine.result import Result, ResultBlock, assemble
from ekkyo.engine.series import Series

# Rows are processed in chunks so temporaries (threshold events, per-minute slice flags)
# stay around this many elements, i.e. cache-sized, whatever the number of SLOs.
CHUNK_ELEMENTS = 1 << 18


@dataclass(frozen=True)
class SloWindow:
    """The SLO window at an evaluation time: ``[start, end)`` and its length ``P``."""

    start: int
    end: int
    length_s: int


def slo_window(window: Window, at: int) -> SloWindow:
    """The SLO window at ``at``: rolling ``[at - P, at)``, or the calendar period so far."""
    if isinstance(window, CalendarWindow):
        # SLO_MATH.md: the period containing T - 1 minute, so at a period's first minute
        # boundary the evaluation still reports the period that just ended, in full.
        period = period_containing(window, at - MINUTE)
        return SloWindow(period.start, at, period.length_s)
    return SloWindow(at - window.length_s, at, window.length_s)


def check_at(at: int) -> int:
    if isinstance(at, bool) or not isinstance(at, int | np.integer):
        raise ValueError(f"evaluation time must be an int of Unix seconds, got {at!r}")
    if at % MINUTE:
        raise ValueError(f"evaluation time {at} is not a minute boundary")
    return int(at)


def evaluate_block(
    start: int,
    good2d: npt.ArrayLike,
    total2d: npt.ArrayLike,
    objective: Objective,
    at: int | None = None,
    value2d: npt.ArrayLike | None = None,
) -> ResultBlock:
    """Evaluate N SLOs that share one objective and one per-minute time axis.

    Row ``i`` of ``good2d``/``total2d`` (and ``value2d`` for a threshold objective, NaN
    where a minute has no value) is one SLO; column ``j`` covers
    ``[start + 60 j, start + 60 (j + 1))``.  ``at`` defaults to the end of the arrays;
    minutes at or after it are ignored.  float64 arrays are used without copying.
    """
    if start % MINUTE:
        raise ValueError(f"start {start} is not a minute boundary")
    if objective.threshold is not None:
        if value2d is None:
            # A threshold SLI without values has no data (see Series.value).
            value2d = np.full(np.shape(total2d), np.nan)
        source = np.asarray(value2d, dtype=np.float64)
        if source.ndim != 2:
            raise ValueError("value2d must be two-dimensional")
        good = total = source
    else:
        good = np.asarray(good2d, dtype=np.float64)
        total = np.asarray(total2d, dtype=np.float64)
        if good.ndim != 2 or good.shape != total.shape:
            raise ValueError("good2d and total2d must be two-dimensional with equal shapes")
    rows, n = total.shape
    at = check_at(start + MINUTE * n if at is None else at)

    window = slo_window(objective.window, at)
    win_starts = np.array([window.start, *(at - w for w in BURN_WINDOWS.values())], np.int64)
    # Column of the first minute with t >= window start; windows end at column `end`.
    end = int(np.clip((at - start) // MINUTE, 0, n))
    cols = np.clip(-((start - win_starts) // MINUTE), 0, end)
    lo = int(cols.min())
    local = cols - lo

    sums_g = np.zeros((rows, len(win_starts)))
    sums_t = np.zeros((rows, len(win_starts)))
    # Occurrences of a ratio SLI makes no temporaries: one pass over all rows is fastest.
    plain = objective.budgeting is Budgeting.OCCURRENCES and objective.threshold is None
    chunk = rows if plain else max(1, CHUNK_ELEMENTS // max(1, end - lo))
    for r0 in range(0, rows, chunk):
        r1 = min(rows, r0 + chunk)
        if objective.threshold is not None:
            g, t = threshold_counts(good[r0:r1, lo:end], objective.threshold)
        else:
            g, t = good[r0:r1, lo:end], total[r0:r1, lo:end]
        if objective.budgeting is Budgeting.OCCURRENCES:
            sums_g[r0:r1] = suffix_sums(g, local)
            sums_t[r0:r1] = suffix_sums(t, local)
        else:
            # Threshold slices are good when all values are: a slice target of 1.
            target = objective.time_slice_target if objective.threshold is None else 1.0
            sums_g[r0:r1], sums_t[r0:r1] = timeslice_suffix_sums(
                g,
                t,
                local,
                first_minute=start // MINUTE + lo,
                slice_minutes=objective.slice_minutes,
                budgeting=objective.budgeting,
                slice_target=1.0 if target is None else target,
            )

    return assemble(
        target=np.full(rows, objective.target, dtype=np.float64),
        window_start=np.full(rows, window.start, dtype=np.int64),
        window_end=np.full(rows, window.end, dtype=np.int64),
        length_s=np.full(rows, window.length_s, dtype=np.int64),
        good=sums_g[:, 0].copy(),
        total=sums_t[:, 0].copy(),
        burn_good=np.ascontiguousarray(sums_g[:, 1:].T),
        burn_total=np.ascontiguousarray(sums_t[:, 1:].T),
    )


def evaluate(series: Series, objective: Objective, at: int | None = None) -> Result:
    """Evaluate one SLO objective on a dense series at ``at`` (default: the series' end)."""
    value: FloatArray | None = None if series.value is None else series.value[None, :]
    block = evaluate_block(
        series.start,
        series.good[None, :],
        series.total[None, :],
        objective,
        at=series.end if at is None else at,
        value2d=value,
    )
    return block.row(0)
