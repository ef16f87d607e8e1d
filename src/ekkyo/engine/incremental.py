"""Incremental evaluation for the worker: N SLOs, one new minute at a time.

Each appended minute becomes one *event* pair per SLO (good, total): the counts for a
ratio SLI with Occurrences budgeting, (value satisfies threshold, has a value) for a
threshold SLI, and (slice is good, slice has data) or (slice ratio, slice has data) for
one-minute Timeslices/RatioTimeslices, where each minute is a slice.  Every window is a
running sum of events: the new minute is added and the minute leaving the window is
subtracted, read from a ring buffer as long as the longest window the SLO needs.  All of
this is vectorised over SLOs.

Rows with Timeslices or RatioTimeslices over slices longer than one minute are kept by a
:class:`~ekkyo.engine.slices.SliceGroup` per objective, vectorised over its rows: running
sums of complete slices plus the pieces cut by each window's edges (see that module).

Memory: 16 bytes per SLO per minute of its longest window (at least 3 days for the
burn-rate windows): a 30-day rolling SLO holds 691 KB.

Integer counts stay exact however long the evaluator runs.  RatioTimeslices events are
fractional, so their running sums may drift from a full evaluation by a few ulps per
minute added and removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ekkyo.engine.buckets import MINUTE, FloatArray, IntArray
from ekkyo.engine.burn import BURN_WINDOWS
from ekkyo.engine.calendar import Period, period_containing
from ekkyo.engine.evaluation import CHUNK_ELEMENTS, check_at
from ekkyo.engine.kernels import suffix_sums
from ekkyo.engine.model import Budgeting, CalendarWindow, Objective, RollingWindow
from ekkyo.engine.result import ResultBlock, assemble
from ekkyo.engine.slices import SliceGroup

_BURN_MINUTES = np.array([w // MINUTE for w in BURN_WINDOWS.values()], dtype=np.int64)
_MIN_RING = int(_BURN_MINUTES.max())
_OPS = {"lt": 0, "lte": 1, "gt": 2, "gte": 3}


def _multi_minute_slices(obj: Objective) -> bool:
    return obj.budgeting is not Budgeting.OCCURRENCES and obj.slice_minutes > 1


@dataclass
class _Group:
    """Vectorised rows ``[a, b)`` sharing a ring length and a rolling length (0: calendar)."""

    a: int
    b: int
    ring_len: int
    rolling_minutes: int
    ring_good: FloatArray = field(init=False)
    ring_total: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        self.ring_good = np.zeros((self.ring_len, self.b - self.a))
        self.ring_total = np.zeros((self.ring_len, self.b - self.a))


class IncrementalEvaluator:
    """Running evaluation of N SLO objectives over minutes appended in order.

    ``start`` is the first minute that :meth:`append` will receive.  Results equal
    :func:`evaluate` on the series of everything appended, evaluated at :attr:`end`.
    """

    def __init__(self, objectives: Sequence[Objective], start: int) -> None:
        self.start = check_at(start)
        self.end = self.start
        self.objectives = tuple(objectives)
        n = len(self.objectives)

        vector = [i for i, o in enumerate(self.objectives) if not _multi_minute_slices(o)]
        sliced = [i for i, o in enumerate(self.objectives) if _multi_minute_slices(o)]

        def group_key(i: int) -> tuple[int, int]:
            w = self.objectives[i].window
            rolling = w.length_s // MINUTE if isinstance(w, RollingWindow) else 0
            return (max(_MIN_RING, rolling), rolling)

        vector.sort(key=group_key)
        self._vec_users = np.array(vector, dtype=np.int64)
        nv = len(vector)
        objs = [self.objectives[i] for i in vector]

        keys = [group_key(i) for i in vector]
        cuts = [k for k in range(1, nv) if keys[k] != keys[k - 1]]
        self._groups = [
            _Group(a, b, *keys[a]) for a, b in zip([0, *cuts], [*cuts, nv], strict=True) if nv
        ]

        self._target = np.array([o.target for o in objs], dtype=np.float64)
        self._rolling_s = np.array(
            [o.window.length_s if isinstance(o.window, RollingWindow) else 0 for o in objs],
            dtype=np.int64,
        )
        self._is_threshold = np.array([o.threshold is not None for o in objs], dtype=bool)
        self._any_threshold = bool(self._is_threshold.any())
        self._op = np.array([_OPS[o.threshold.op] if o.threshold else 0 for o in objs])
        self._thr = np.array([o.threshold.value if o.threshold else 0.0 for o in objs])
        self._is_ts = np.array([o.budgeting is Budgeting.TIMESLICES for o in objs], dtype=bool)
        self._is_rts = np.array(
            [o.budgeting is Budgeting.RATIO_TIMESLICES for o in objs], dtype=bool
        )
        self._slice_target = np.array([o.time_slice_target or 1.0 for o in objs])

        self._burn_good = np.zeros((len(BURN_WINDOWS), nv))
        self._burn_total = np.zeros((len(BURN_WINDOWS), nv))
        self._good = np.zeros(nv)
        self._total = np.zeros(nv)

        self._calendars: dict[CalendarWindow, tuple[IntArray, Period]] = {}
        cal_rows: dict[CalendarWindow, list[int]] = {}
        for k, o in enumerate(objs):
            if isinstance(o.window, CalendarWindow):
                cal_rows.setdefault(o.window, []).append(k)
        for cw, rows in cal_rows.items():
            # Before any minute arrives, evaluation at `start` reports the period of the
            # minute before it.
            self._calendars[cw] = (np.array(rows), period_containing(cw, self.start - MINUTE))

        by_objective: dict[Objective, list[int]] = {}
        for i in sliced:
            by_objective.setdefault(self.objectives[i], []).append(i)
        order = list(vector)
        self._slice_groups: list[SliceGroup] = []
        for o, users in by_objective.items():
            self._slice_groups.append(SliceGroup(o, np.array(users, dtype=np.int64), self.start))
            order.extend(users)
        # internal position of each user row, to return results in the caller's order
        self._inverse = np.empty(n, dtype=np.int64)
        self._inverse[np.array(order, dtype=np.int64)] = np.arange(n)
        self._reordered = not np.array_equal(self._inverse, np.arange(n))

    @classmethod
    def from_history(
        cls,
        objectives: Sequence[Objective],
        start: int,
        good2d: npt.ArrayLike,
        total2d: npt.ArrayLike,
        value2d: npt.ArrayLike | None = None,
    ) -> IncrementalEvaluator:
        """An evaluator that has appended every minute of an ``(N, n)`` history at once.

        The state equals appending the n minutes one by one from ``start`` (a worker's warm
        start), computed in one vectorised pass over the history.
        """
        evaluator = cls(objectives, start)
        good = np.asarray(good2d, dtype=np.float64)
        total = np.asarray(total2d, dtype=np.float64)
        n_rows = len(evaluator.objectives)
        if good.ndim != 2 or good.shape != total.shape or good.shape[0] != n_rows:
            raise ValueError(f"history arrays must be ({n_rows}, minutes) and of equal shapes")
        value = None if value2d is None else np.asarray(value2d, dtype=np.float64)
        if value is not None and value.shape != good.shape:
            raise ValueError("value2d must have the shape of good2d")
        evaluator._load(good, total, value)
        return evaluator

    def _load(self, good: FloatArray, total: FloatArray, value: FloatArray | None) -> None:
        minutes = good.shape[1]
        if minutes == 0:
            return
        self.end = self.start + minutes * MINUTE
        for cw, (rows, _) in self._calendars.items():
            self._calendars[cw] = (rows, period_containing(cw, self.end - MINUTE))
        # Column where each window starts, in minutes from `start`.
        burn_cols = np.clip(minutes - _BURN_MINUTES, 0, minutes)
        slo_cols = np.clip(minutes - self._rolling_s // MINUTE, 0, minutes)
        for rows, period in self._calendars.values():
            slo_cols[rows] = np.clip(-((self.start - period.start) // MINUTE), 0, minutes)

        nv = len(self._vec_users)
        step = max(1, CHUNK_ELEMENTS // minutes)
        for c0 in range(0, nv, step):
            c1 = min(nv, c0 + step)
            users = self._vec_users[c0:c1]
            g = np.nan_to_num(good[users], nan=0.0)
            t = np.nan_to_num(total[users], nan=0.0)
            v = np.full(g.shape, np.nan) if value is None else value[users]
            eg, et = self._events(g, t, v, slice(c0, c1))
            starts = np.concatenate([burn_cols, slo_cols[c0:c1]])
            sums_g, sums_t = suffix_sums(eg, starts), suffix_sums(et, starts)
            n_burn = len(burn_cols)
            self._burn_good[:, c0:c1] = sums_g[:, :n_burn].T
            self._burn_total[:, c0:c1] = sums_t[:, :n_burn].T
            own = n_burn + np.arange(c1 - c0)
            self._good[c0:c1] = sums_g[np.arange(c1 - c0), own]
            self._total[c0:c1] = sums_t[np.arange(c1 - c0), own]
            for grp in self._groups:
                a, b = max(grp.a, c0), min(grp.b, c1)
                if a >= b:
                    continue
                ms = np.arange(max(0, minutes - grp.ring_len), minutes)
                grp.ring_good[ms % grp.ring_len, a - grp.a : b - grp.a] = eg[a - c0 : b - c0, ms].T
                grp.ring_total[ms % grp.ring_len, a - grp.a : b - grp.a] = et[a - c0 : b - c0, ms].T
        # Slice groups replay the history minute by minute (vectorised over their SLOs).
        nan = np.full(len(self.objectives), np.nan)
        for sg in self._slice_groups:
            for i in range(minutes):
                sg.append(
                    self.start + i * MINUTE,
                    good[:, i],
                    total[:, i],
                    nan if value is None else value[:, i],
                )

    # -- appending -------------------------------------------------------------------------

    def append(
        self,
        t: int,
        good: npt.ArrayLike,
        total: npt.ArrayLike,
        value: npt.ArrayLike | None = None,
    ) -> None:
        """Add minute ``t`` (counts, and values for threshold rows; NaN: no data).

        ``t`` must not precede :attr:`end`; minutes skipped over are recorded as empty.
        """
        t = check_at(t)
        if t < self.end:
            raise ValueError(
                f"minute {t} is before the evaluator's end {self.end}: minutes must be "
                "appended in order (re-run a full evaluation for late data)"
            )
        n = len(self.objectives)
        good_a = np.nan_to_num(np.asarray(good, dtype=np.float64), nan=0.0)
        total_a = np.nan_to_num(np.asarray(total, dtype=np.float64), nan=0.0)
        value_a = np.full(n, np.nan) if value is None else np.asarray(value, dtype=np.float64)
        if good_a.shape != (n,) or total_a.shape != (n,) or value_a.shape != (n,):
            raise ValueError(f"append needs arrays of length {n}, one per objective")
        self.advance_to(t)
        m = (t - self.start) // MINUTE
        users = self._vec_users
        eg, et = self._events(good_a[users], total_a[users], value_a[users])
        self._push(m, t, eg, et)
        for sg in self._slice_groups:
            sg.append(t, good_a, total_a, value_a)
        self.end = t + MINUTE

    def advance_to(self, t: int) -> None:
        """Record the minutes from :attr:`end` up to ``t`` (exclusive) as empty."""
        t = check_at(t)
        if t <= self.end:
            return
        m0 = (self.end - self.start) // MINUTE
        k = (t - self.end) // MINUTE
        longest = max((g.ring_len for g in self._groups), default=0)
        if k >= longest:
            # Every rolling and burn window lies inside the gap: all of them are empty.
            for g in self._groups:
                g.ring_good.fill(0.0)
                g.ring_total.fill(0.0)
            self._burn_good.fill(0.0)
            self._burn_total.fill(0.0)
            self._good[self._rolling_s > 0] = 0.0
            self._total[self._rolling_s > 0] = 0.0
            self._roll_calendars(t - MINUTE)
        else:
            zeros = np.zeros(len(self._vec_users))
            for j in range(k):
                self._push(m0 + j, self.end + j * MINUTE, zeros, zeros)
        empty = np.zeros(len(self.objectives))
        nan = np.full(len(self.objectives), np.nan)
        for sg in self._slice_groups:
            if k >= sg.ring_len:
                sg.skip_to(t)
            else:
                for j in range(k):
                    sg.append(self.end + j * MINUTE, empty, empty, nan)
        self.end = t

    def _events(
        self,
        g: FloatArray,
        t: FloatArray,
        v: FloatArray,
        rows: slice = slice(None),
    ) -> tuple[FloatArray, FloatArray]:
        """Events of vectorised rows ``rows`` (internal order), the full evaluation's arithmetic.

        ``g``, ``t``, ``v`` are those rows' counts and values: ``(k,)`` for one minute or
        ``(k, m)`` for m minutes.
        """

        def per_row(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
            return a[rows] if g.ndim == 1 else a[rows, None]

        has = t > 0
        ratio = np.divide(g, t, out=np.zeros_like(g), where=has)
        is_ts, is_rts = per_row(self._is_ts), per_row(self._is_rts)
        eg = np.where(is_ts, has & (ratio >= per_row(self._slice_target)), g)
        eg = np.where(is_rts, ratio, eg)
        et = np.where(is_ts | is_rts, has, t)
        if self._any_threshold:
            thr = per_row(self._thr)
            with np.errstate(invalid="ignore"):
                sat = np.choose(per_row(self._op), [v < thr, v <= thr, v > thr, v >= thr])
            is_threshold = per_row(self._is_threshold)
            eg = np.where(is_threshold, sat, eg)
            et = np.where(is_threshold, ~np.isnan(v), et)
        return eg.astype(np.float64), et.astype(np.float64)

    def _roll_calendars(self, t: int) -> None:
        """Start a new period (empty sums) for calendar rows whose period no longer holds t."""
        for cw, (rows, period) in self._calendars.items():
            if not (period.start <= t < period.end):
                self._calendars[cw] = (rows, period_containing(cw, t))
                self._good[rows] = 0.0
                self._total[rows] = 0.0

    def _push(self, m: int, t: int, eg: FloatArray, et: FloatArray) -> None:
        """Add minute index ``m`` (time ``t``) and drop the minutes leaving each window."""
        self._roll_calendars(t)
        for g in self._groups:
            a, b, size = g.a, g.b, g.ring_len
            # Read the leaving minutes before overwriting row m % size: for a window as
            # long as the ring, the leaving minute lives in exactly that row.
            leaving = (m - _BURN_MINUTES) % size
            self._burn_good[:, a:b] -= g.ring_good[leaving]
            self._burn_total[:, a:b] -= g.ring_total[leaving]
            if g.rolling_minutes:
                r = (m - g.rolling_minutes) % size
                self._good[a:b] -= g.ring_good[r]
                self._total[a:b] -= g.ring_total[r]
            g.ring_good[m % size] = eg[a:b]
            g.ring_total[m % size] = et[a:b]
        self._burn_good += eg
        self._burn_total += et
        self._good += eg
        self._total += et

    # -- evaluating ------------------------------------------------------------------------

    def evaluate(self, at: int | None = None) -> ResultBlock:
        """Results for every objective at :attr:`end`, in the order given to the constructor."""
        if at is not None and check_at(at) != self.end:
            raise ValueError(
                f"the incremental evaluator is at {self.end}, not {at}: append or advance_to first"
            )
        end = self.end
        nv = len(self._vec_users)
        window_start = end - self._rolling_s
        length = self._rolling_s.copy()
        for rows, period in self._calendars.values():
            window_start[rows] = period.start
            length[rows] = period.length_s

        # The block must not share memory with the running sums, which the next append
        # changes: reordering rows (take) copies them, otherwise copy here.
        def own(a: FloatArray) -> FloatArray:
            return a if self._reordered or self._slice_groups else a.copy()

        blocks = [
            assemble(
                target=own(self._target),
                window_start=window_start,
                window_end=np.full(nv, end, dtype=np.int64),
                length_s=length,
                good=own(self._good),
                total=own(self._total),
                burn_good=self._burn_good,
                burn_total=self._burn_total,
            )
        ]
        for sg in self._slice_groups:
            blocks.append(sg.evaluate(np.full(len(sg.users), sg.objective.target)))
        block = _concat(blocks)
        return block.take(self._inverse) if self._reordered else block


def _concat(blocks: list[ResultBlock]) -> ResultBlock:
    if len(blocks) == 1:
        return blocks[0]
    names = ResultBlock.__dataclass_fields__
    return ResultBlock(
        **{name: np.concatenate([getattr(b, name) for b in blocks]) for name in names}
    )
