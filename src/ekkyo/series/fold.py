"""Folding bucket rows into dense per-minute arrays: the one rule, used everywhere.

SLO_MATH.md: counts of the same minute *add*; a later value *replaces* an earlier one.
"Later" is acceptance order: row order within a batch, batch order across batches.
Pure numpy.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ekkyo.engine.buckets import Buckets

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def fold_rows(
    total: IntArray,
    bad: IntArray,
    value: FloatArray,
    pos: IntArray,
    good_in: FloatArray,
    total_in: FloatArray,
    value_in: FloatArray,
) -> None:
    """Fold rows (dense positions ``pos``, in acceptance order) into the arrays in place."""
    if len(pos) == 0:
        return
    counted = ~np.isnan(total_in)
    if counted.any():
        p = pos[counted]
        t_in = total_in[counted]
        # float64 sums of integers below 2**53 are exact; the store refuses larger counts.
        total += np.rint(np.bincount(p, weights=t_in, minlength=len(total))).astype(np.int64)
        bad_in = t_in - good_in[counted]
        bad += np.rint(np.bincount(p, weights=bad_in, minlength=len(bad))).astype(np.int64)
    valued = ~np.isnan(value_in)
    if valued.any():
        p = pos[valued][::-1]
        v = value_in[valued][::-1]
        # np.unique returns the first occurrence in the reversed rows = the last accepted.
        where, first = np.unique(p, return_index=True)
        value[where] = v[first]


def dense_to_buckets(total: IntArray, bad: IntArray, value: FloatArray, t0: int) -> Buckets:
    """The minutes with data as :class:`Buckets`; minute ``i`` starts at ``t0 + 60 * i``.

    A minute with a zero total and no value is "no data" for every definition in
    SLO_MATH.md, so it is left out.
    """
    counted = total > 0
    valued = ~np.isnan(value)
    keep = np.flatnonzero(counted | valued)
    tot = total[keep].astype(np.float64)
    good = tot - bad[keep]
    empty = ~counted[keep]
    tot[empty] = np.nan
    good[empty] = np.nan
    return Buckets(
        t=t0 + keep.astype(np.int64) * 60,
        good=good,
        total=tot,
        value=value[keep].copy(),
    )
