"""Dense per-minute series, and :func:`densify` from sparse :class:`Buckets`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ekkyo.engine.buckets import MINUTE, Buckets, FloatArray


def _as_1d(name: str, array: object) -> FloatArray:
    out = np.ascontiguousarray(array, dtype=np.float64)
    if out.ndim != 1:
        raise ValueError(f"Series.{name} must be one-dimensional")
    return out


@dataclass(frozen=True)
class Series:
    """Per-minute arrays of one SLI: minute ``i`` covers ``[start + 60 i, start + 60 (i + 1))``.

    A minute without data has ``good == total == 0`` and ``value`` NaN.  ``value`` is None
    when the series carries no values at all (a ratio SLI); a threshold objective then
    sees no data.
    """

    start: int
    good: FloatArray
    total: FloatArray
    value: FloatArray | None = None

    def __post_init__(self) -> None:
        if isinstance(self.start, bool) or not isinstance(self.start, int | np.integer):
            raise ValueError(f"Series.start must be an int, got {self.start!r}")
        if self.start % MINUTE:
            raise ValueError(f"Series.start must be a minute boundary, got {self.start}")
        object.__setattr__(self, "start", int(self.start))
        object.__setattr__(self, "good", _as_1d("good", self.good))
        object.__setattr__(self, "total", _as_1d("total", self.total))
        if self.value is not None:
            object.__setattr__(self, "value", _as_1d("value", self.value))
        n = len(self.good)
        if len(self.total) != n or (self.value is not None and len(self.value) != n):
            raise ValueError("Series arrays must have equal lengths")

    def __len__(self) -> int:
        return len(self.good)

    @property
    def end(self) -> int:
        """The end of the last minute, the default evaluation time."""
        return self.start + MINUTE * len(self.good)


def densify(buckets: Buckets, start: int | None = None, end: int | None = None) -> Series:
    """Dense per-minute :class:`Series` covering ``[start, end)`` from sparse buckets.

    Counts of repeated minutes are added (SLO_MATH.md: partial counts from several
    sources); for values, the last row in input order wins.  NaN counts (value-only rows)
    add nothing.  Rows outside ``[start, end)`` are dropped.  ``start``/``end`` default to
    the first bucket and the end of the last one.
    """
    t = np.asarray(buckets.t, dtype=np.int64)
    if t.size and np.any(t % MINUTE):
        bad = int(t[np.argmax(t % MINUTE != 0)])
        raise ValueError(f"bucket timestamp {bad} is not a minute boundary")
    for name, bound in (("start", start), ("end", end)):
        if bound is not None and bound % MINUTE:
            raise ValueError(f"densify {name} must be a minute boundary, got {bound}")
    lo = int(start) if start is not None else (int(t.min()) if t.size else 0)
    hi = int(end) if end is not None else (int(t.max()) + MINUTE if t.size else lo)
    if hi < lo:
        raise ValueError(f"densify end {hi} is before start {lo}")
    n = (hi - lo) // MINUTE

    keep = (t >= lo) & (t < hi)
    idx = (t[keep] - lo) // MINUTE
    good_in = np.nan_to_num(np.asarray(buckets.good, np.float64)[keep], nan=0.0)
    total_in = np.nan_to_num(np.asarray(buckets.total, np.float64)[keep], nan=0.0)
    # bincount adds weights in input order, so integer counts stay exact in float64.
    good = np.bincount(idx, weights=good_in, minlength=n).astype(np.float64, copy=False)
    total = np.bincount(idx, weights=total_in, minlength=n).astype(np.float64, copy=False)

    value_in = np.asarray(buckets.value, np.float64)[keep]
    has_value = ~np.isnan(value_in)
    value: FloatArray | None = None
    if has_value.any():
        v_idx = idx[has_value]
        v_val = value_in[has_value]
        # The first occurrence in the reversed rows is the last one in input order; this
        # does not rely on numpy's unspecified order for repeated fancy-index assignment.
        _, first_rev = np.unique(v_idx[::-1], return_index=True)
        last = len(v_idx) - 1 - first_rev
        value = np.full(n, np.nan)
        value[v_idx[last]] = v_val[last]
    return Series(start=lo, good=good, total=total, value=value)
