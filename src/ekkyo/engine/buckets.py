"""Sparse SLI buckets: the one shape every source produces and the engine consumes.

A bucket is ``(t, good, total)`` or ``(t, value)`` where ``t`` is the start of a UTC
minute in Unix seconds (see SLO_MATH.md, "Buckets").  Sources (Prometheus, New Relic,
CSV, the push API) return :class:`Buckets`; the engine turns them into dense per-minute
arrays with :func:`densify` before evaluating.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MINUTE = 60

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Buckets:
    """Columnar buckets of one SLI, in any order, possibly with repeated ``t``.

    ``good``/``total`` are NaN for rows that carry only a ``value`` and ``value`` is NaN
    for rows that carry only counts.
    """

    t: IntArray
    good: FloatArray
    total: FloatArray
    value: FloatArray

    def __post_init__(self) -> None:
        n = len(self.t)
        if not (len(self.good) == len(self.total) == len(self.value) == n):
            raise ValueError("Buckets columns must have equal lengths")

    def __len__(self) -> int:
        return len(self.t)

    @classmethod
    def empty(cls) -> Buckets:
        return cls.counts(np.empty(0, np.int64), np.empty(0), np.empty(0))

    @classmethod
    def counts(cls, t: npt.ArrayLike, good: npt.ArrayLike, total: npt.ArrayLike) -> Buckets:
        t_arr = np.asarray(t, dtype=np.int64)
        return cls(
            t=t_arr,
            good=np.asarray(good, dtype=np.float64),
            total=np.asarray(total, dtype=np.float64),
            value=np.full(len(t_arr), np.nan),
        )

    @classmethod
    def values(cls, t: npt.ArrayLike, value: npt.ArrayLike) -> Buckets:
        t_arr = np.asarray(t, dtype=np.int64)
        nan = np.full(len(t_arr), np.nan)
        return cls(t=t_arr, good=nan, total=nan.copy(), value=np.asarray(value, np.float64))

    @classmethod
    def concat(cls, parts: list[Buckets]) -> Buckets:
        if not parts:
            return cls.empty()
        return cls(
            t=np.concatenate([p.t for p in parts]),
            good=np.concatenate([p.good for p in parts]),
            total=np.concatenate([p.total for p in parts]),
            value=np.concatenate([p.value for p in parts]),
        )
