"""Incremental Timeslices/RatioTimeslices over slices longer than one minute.

One :class:`SliceGroup` holds the SLOs that share an objective whose slices last
``m > 1`` minutes, vectorised over those SLOs.  A window ``[ws, T)`` is made of

- the *start piece*: the slice cut by ``ws`` (its minutes from ``ws`` on), when ``ws`` is
  not a slice boundary;
- the *complete slices* wholly inside the window, kept as a running sum per window: a
  slice's event is added when it completes (if the window then holds all of it) and
  subtracted when the window's start moves past the slice's start;
- the *end piece*: the open slice ``[floor(T / m) m, T)``, cut by ``T``.

Start and end pieces are evaluated from a ring of per-minute counts (the window's start
is at most the window's length back), or, for a calendar period's cut first slice, from
counts accumulated since the period's start.  So a tick costs O(SLOs × m), whatever the
window lengths.
"""

from __future__ import annotations

import numpy as np

from ekkyo.engine.buckets import MINUTE, FloatArray, IntArray
from ekkyo.engine.burn import BURN_WINDOWS
from ekkyo.engine.calendar import Period, period_containing
from ekkyo.engine.kernels import slice_events, threshold_counts
from ekkyo.engine.model import CalendarWindow, Objective
from ekkyo.engine.result import ResultBlock, assemble

_BURN_MINUTES = [w // MINUTE for w in BURN_WINDOWS.values()]


class SliceGroup:
    """Running slice events of the SLOs ``users`` that share ``objective`` (slices > 1 min)."""

    def __init__(self, objective: Objective, users: IntArray, start: int) -> None:
        self.objective = objective
        self.users = users
        self.m = objective.slice_minutes
        self.start_min = start // MINUTE
        self.end_min = self.start_min
        window = objective.window
        self.calendar = window if isinstance(window, CalendarWindow) else None
        self.rolling_min = 0 if isinstance(window, CalendarWindow) else window.length_s // MINUTE
        # Burn windows, then the SLO window (None: calendar).
        self.windows: list[int | None] = [*_BURN_MINUTES, self.rolling_min or None]
        self.ring_len = max(*_BURN_MINUTES, self.rolling_min) + self.m
        self.slice_len = self.ring_len // self.m + 2
        n = len(users)
        self.ring_g = np.zeros((self.ring_len, n))
        self.ring_t = np.zeros((self.ring_len, n))
        self.slice_g = np.zeros((self.slice_len, n))
        self.slice_t = np.zeros((self.slice_len, n))
        self.full_g = np.zeros((len(self.windows), n))
        self.full_t = np.zeros((len(self.windows), n))
        self.open_g = np.zeros(n)
        self.open_t = np.zeros(n)
        self.head_g = np.zeros(n)
        self.head_t = np.zeros(n)
        self.period: Period | None = None
        if self.calendar is not None:
            self.period = period_containing(self.calendar, start - MINUTE)
        target = 1.0 if objective.threshold is not None else objective.time_slice_target
        self.slice_target = 1.0 if target is None else target

    # -- helpers ---------------------------------------------------------------------------

    def _events(self, g: FloatArray, t: FloatArray) -> tuple[FloatArray, FloatArray]:
        return slice_events(g, t, self.objective.budgeting, self.slice_target)

    def _period_start_min(self) -> int:
        assert self.period is not None
        return -(-self.period.start // MINUTE)

    def _ring_sum(self, lo: int, hi: int) -> tuple[FloatArray, FloatArray]:
        """Counts summed over the epoch minutes ``[lo, hi)`` (all within the ring)."""
        lo = max(lo, self.start_min)
        rows = np.arange(lo, max(lo, hi)) - self.start_min
        rows %= self.ring_len
        return self.ring_g[rows].sum(axis=0), self.ring_t[rows].sum(axis=0)

    def _counts(
        self, good: FloatArray, total: FloatArray, value: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        if self.objective.threshold is not None:
            return threshold_counts(value[self.users], self.objective.threshold)
        return (
            np.nan_to_num(good[self.users], nan=0.0),
            np.nan_to_num(total[self.users], nan=0.0),
        )

    def _roll_period(self, t: int) -> None:
        if self.calendar is None or self.period is None:
            return
        if not (self.period.start <= t < self.period.end):
            self.period = period_containing(self.calendar, t)
            self.full_g[-1] = self.full_t[-1] = 0.0
            self.head_g[:] = self.head_t[:] = 0.0

    # -- updating --------------------------------------------------------------------------

    def append(self, t: int, good: FloatArray, total: FloatArray, value: FloatArray) -> None:
        """Add minute ``t`` (arrays over every SLO of the evaluator; ours are picked)."""
        self._add(t // MINUTE, *self._counts(good, total, value))

    def _add(self, minute: int, g: FloatArray, c: FloatArray) -> None:
        m = self.m
        self._roll_period(minute * MINUTE)
        slot = (minute - self.start_min) % self.ring_len
        self.ring_g[slot] = g
        self.ring_t[slot] = c
        self.open_g += g
        self.open_t += c
        if self.period is not None:
            ps = self._period_start_min()
            if ps <= minute < ps + (-ps) % m:  # inside the period's cut first slice
                self.head_g += g
                self.head_t += c
        now = minute + 1  # the window end after this minute
        if now % m == 0:
            ev_g, ev_t = self._events(self.open_g, self.open_t)
            s = (now // m - 1) % self.slice_len
            self.slice_g[s] = ev_g
            self.slice_t[s] = ev_t
            for j, w in enumerate(self.windows):
                if w is None:
                    assert self.period is not None
                    inside = (now - m) * MINUTE >= self.period.start
                else:
                    inside = m <= w
                if inside:
                    self.full_g[j] += ev_g
                    self.full_t[j] += ev_t
            self.open_g[:] = self.open_t[:] = 0.0
        for j, w in enumerate(self.windows):
            # The slice starting just before the window's new start leaves it.
            if w is not None and m <= w and (now - w - 1) % m == 0:
                s = ((now - w - 1) // m) % self.slice_len
                self.full_g[j] -= self.slice_g[s]
                self.full_t[j] -= self.slice_t[s]
        self.end_min = now

    def skip_to(self, t: int) -> None:
        """Record empty minutes up to ``t`` after a gap longer than every window."""
        zeros = np.zeros(len(self.users))
        while self.end_min % self.m and self.end_min < t // MINUTE:
            self._add(self.end_min, zeros, zeros)  # complete the open slice
        for a in (self.ring_g, self.ring_t, self.slice_g, self.slice_t):
            a.fill(0.0)
        rolling = [j for j, w in enumerate(self.windows) if w is not None]
        self.full_g[rolling] = self.full_t[rolling] = 0.0
        self._roll_period(t - MINUTE)
        self.end_min = t // MINUTE

    # -- evaluating ------------------------------------------------------------------------

    def evaluate(self, target: FloatArray) -> ResultBlock:
        """Results at the end of the last minute added."""
        m, now = self.m, self.end_min
        n = len(self.users)
        cut_end = now - now % m
        sums_g = np.zeros((len(self.windows), n))
        sums_t = np.zeros((len(self.windows), n))
        for j, w in enumerate(self.windows):
            ws = now - w if w is not None else self._period_start_min()
            if max(ws, self.start_min) >= now:
                continue
            if max(ws, self.start_min) >= cut_end:
                # The whole window lies in the open slice: one piece.
                sums_g[j], sums_t[j] = self._events(*self._ring_sum(ws, now))
                continue
            sums_g[j], sums_t[j] = self.full_g[j], self.full_t[j]
            if ws % m:
                if w is None:
                    piece = (self.head_g, self.head_t)
                else:
                    piece = self._ring_sum(ws, ws + (-ws) % m)
                ev_g, ev_t = self._events(*piece)
                sums_g[j] += ev_g
                sums_t[j] += ev_t
            if now % m:
                ev_g, ev_t = self._events(self.open_g, self.open_t)
                sums_g[j] += ev_g
                sums_t[j] += ev_t
        end = now * MINUTE
        if self.period is not None:
            start, length = self.period.start, self.period.length_s
        else:
            start, length = end - self.rolling_min * MINUTE, self.rolling_min * MINUTE
        return assemble(
            target=target,
            window_start=np.full(n, start, dtype=np.int64),
            window_end=np.full(n, end, dtype=np.int64),
            length_s=np.full(n, length, dtype=np.int64),
            good=sums_g[-1],
            total=sums_t[-1],
            burn_good=sums_g[:-1],
            burn_total=sums_t[:-1],
        )
