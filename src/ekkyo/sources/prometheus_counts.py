"""Per-minute counts from Prometheus range-query results (pure: no I/O).

The puller evaluates a query at every UTC minute boundary (step 60 s).  A point at
boundary ``T`` is the series' latest sample at or before ``T``, so the difference between
the points at ``b`` and ``b + 60`` is what the counter gained from samples in
``(b, b + 60]``: it is the count of the bucket ``[b, b + 60)``.

Rules, per series (then the series are summed):

- **Reset**: a point lower than the previous one means the counter restarted from zero, so
  the new value is the increase (Prometheus's own convention).
- **Gap**: a series absent at some boundaries (no sample within Prometheus's lookback,
  5 minutes by default) gains, at the boundary where it comes back, everything since its
  last point.  The whole increase goes to the minute in which it reappears, so totals
  over any range that spans the gap stay exact; only the minutes inside the gap look
  empty.
- **New series**: a series first seen after the data began is a counter that started at
  zero, so its first value is its first increase (a counter labelled by status code is
  typically created by its first event; Prometheus's ``increase()`` would drop those).
  The data *begins* at the first boundary where the ``total`` query has any series; series
  first seen within :data:`DATA_START_GRACE_S` of that boundary are taken as the baseline,
  not as new: they existed already, but a backfill that starts before a server's retention
  (or before any data) would otherwise count each counter's whole lifetime as one minute.
- A query that already aggregates (``sum(x)``) is one series to ekkyo: a decrease of the
  sum is taken as a reset, which over-counts when only some of the summed series restart.
  Queries without the outer ``sum`` give exact counts; ekkyo sums the series itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ekkyo.engine.buckets import MINUTE, FloatArray
from ekkyo.sources.prometheus_client import Series

# Prometheus's default lookback delta: a series that exists when the data begins shows up
# at a boundary within this long (scrape offsets, ingestion order).
DATA_START_GRACE_S = 300

SeriesKey = tuple[tuple[str, str], ...]
BoolArray = np.ndarray[tuple[int], np.dtype[np.bool_]]


@dataclass
class MinuteCounts:
    """Dense per-minute sums over ``[start, start + 60 * len)`` and where any series had data."""

    start: int
    sums: FloatArray
    present: BoolArray

    @classmethod
    def zeros(cls, start: int, minutes: int) -> MinuteCounts:
        return cls(start, np.zeros(minutes), np.zeros(minutes, dtype=np.bool_))

    def add(self, bucket_t: np.ndarray, amounts: FloatArray) -> None:
        idx = (bucket_t - self.start) // MINUTE
        inside = (idx >= 0) & (idx < len(self.sums))
        idx = idx[inside]
        self.sums += np.bincount(idx, weights=amounts[inside], minlength=len(self.sums))
        self.present[idx] = True


@dataclass
class DataStart:
    """When the data of a ratio SLI began (shared by its good, bad and total queries)."""

    at: int | None = None

    def observe(self, series: Sequence[Series]) -> None:
        firsts = [int(s.t[np.isfinite(s.v)][0]) for s in series if np.isfinite(s.v).any()]
        if firsts and self.at is None:
            self.at = min(firsts)

    def is_new(self, first_seen: int) -> bool:
        return self.at is not None and first_seen > self.at + DATA_START_GRACE_S


@dataclass
class CounterIncreases:
    """Per-series counter increases of one query, fed one range-query result at a time.

    The last value of every series is kept between chunks, so a range pulled in several
    chunks gives exactly what one query over the whole range would.
    """

    data_start: DataStart = field(default_factory=DataStart)
    _last: dict[SeriesKey, float] = field(default_factory=dict)

    def feed(self, series: Sequence[Series], out: MinuteCounts) -> None:
        """Add the increases at points after ``out.start`` into ``out``.

        Points at or before ``out.start`` only set the baseline.  Call
        ``data_start.observe`` with the total query's result before feeding any query.
        """
        for s in series:
            finite = np.isfinite(s.v)
            t, v = s.t[finite], s.v[finite]
            if len(v) == 0:
                continue
            key = s.key
            last = self._last.get(key)
            prev = np.empty_like(v)
            prev[1:] = v[:-1]
            prev[0] = v[0] if last is None else last
            inc = v - prev
            reset = v < prev
            inc[reset] = v[reset]
            if last is None:
                # Unknown history: either the baseline or a counter born at zero.
                inc[0] = v[0] if self.data_start.is_new(int(t[0])) else np.nan
            self._last[key] = float(v[-1])
            emit = (t > out.start) & ~np.isnan(inc)
            out.add(t[emit] - MINUTE, inc[emit])


def gauge_counts(series: Sequence[Series], out: MinuteCounts, scale: float = 1.0) -> None:
    """Add each point's value (times ``scale``) to the minute that ends at the point."""
    for s in series:
        keep = np.isfinite(s.v) & (s.t > out.start)
        out.add(s.t[keep] - MINUTE, s.v[keep] * scale)


def single_values(series: Sequence[Series], out: MinuteCounts) -> list[int]:
    """Set each minute's value from the point that ends it; return minutes set twice.

    A threshold SLI has one value per minute, so a query returning several series at the
    same time is a configuration problem the caller reports.
    """
    seen = np.zeros(len(out.sums), dtype=np.int64)
    for s in series:
        keep = np.isfinite(s.v) & (s.t > out.start)
        idx = (s.t[keep] - MINUTE - out.start) // MINUTE
        inside = (idx >= 0) & (idx < len(out.sums))
        idx = idx[inside]
        out.sums[idx] = s.v[keep][inside]
        out.present[idx] = True
        seen[idx] += 1
    return [int(out.start + MINUTE * i) for i in np.flatnonzero(seen > 1)]
