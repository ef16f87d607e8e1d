"""Vectorised window sums over (rows × minutes) arrays.

Every window ends at the evaluation time, so the windows of one evaluation are nested
suffixes of the minute axis.  :func:`suffix_sums` therefore reads each minute once: it
sums the segments between consecutive window starts (``np.add.reduceat``) and
accumulates them from the right.  Integer counts stay exact in float64 (below 2**53).
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from ekkyo.engine.buckets import FloatArray, IntArray
from ekkyo.engine.model import Budgeting, Threshold

BoolArray = npt.NDArray[np.bool_]


def suffix_sums(a: FloatArray | BoolArray, starts: IntArray) -> FloatArray:
    """``out[:, j] = a[:, starts[j]:].sum(axis=1)`` for a 2-D ``a``; 0 where the slice is empty.

    A boolean ``a`` is counted with ``np.count_nonzero``, several times faster than a
    float sum of 0/1 flags.
    """
    rows, width = a.shape
    out = np.zeros((rows, len(starts)), dtype=np.float64)
    valid = starts < width
    if not valid.any():
        return out
    uniq = np.unique(starts[valid])
    if a.dtype == np.bool_:
        bounds = [*uniq.tolist(), width]
        seg = np.stack(
            [np.count_nonzero(a[:, lo:hi], axis=1) for lo, hi in itertools.pairwise(bounds)],
            axis=1,
        ).astype(np.float64)
    else:
        # Segments between consecutive distinct starts are non-empty, as reduceat requires.
        seg = np.add.reduceat(a[:, uniq[0] :], uniq - uniq[0], axis=1, dtype=np.float64)
    acc = np.cumsum(seg[:, ::-1], axis=1)[:, ::-1]
    out[:, valid] = acc[:, np.searchsorted(uniq, starts[valid])]
    return out


def threshold_counts(value: FloatArray, threshold: Threshold) -> tuple[FloatArray, FloatArray]:
    """Per-minute (good, total) events of a threshold SLI: one event per minute with a value."""
    total = ~np.isnan(value)
    with np.errstate(invalid="ignore"):
        if threshold.op == "lt":
            good = value < threshold.value
        elif threshold.op == "lte":
            good = value <= threshold.value
        elif threshold.op == "gt":
            good = value > threshold.value
        else:
            good = value >= threshold.value
    # NaN compares False, so a minute without a value is never good.
    return good.astype(np.float64), total.astype(np.float64)


def slice_events(
    good: FloatArray, total: FloatArray, budgeting: Budgeting, slice_target: float
) -> tuple[FloatArray, FloatArray]:
    """Each slice's (good, total) as events: total 1 for a slice with data, else 0.

    Timeslices: good 1 when ``good / total >= slice_target`` (threshold SLIs pass 1.0: a
    slice is good when every value is, and for integer counts ``g / t >= 1`` iff
    ``g == t``).  RatioTimeslices: good is the slice's ratio ``good / total`` (OpenSLO:
    the SLI is the mean of the slices' ratios).
    """
    has = total > 0
    ratio = np.divide(good, total, out=np.zeros_like(good, dtype=np.float64), where=has)
    if budgeting is Budgeting.TIMESLICES:
        return (has & (ratio >= slice_target)).astype(np.float64), has.astype(np.float64)
    return ratio, has.astype(np.float64)


def minute_slice_events(
    good: FloatArray, total: FloatArray, budgeting: Budgeting, slice_target: float
) -> tuple[FloatArray | BoolArray, BoolArray]:
    """:func:`slice_events` for one-minute slices over many minutes, as cheap flags.

    Same arithmetic (``good / total >= slice_target`` on slices with data), but boolean
    arrays and no zero-filled ratio where it is not needed: this is the hot loop of
    one-minute Timeslices.
    """
    has = total > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = good / total  # NaN or inf where total == 0, masked by `has`
    if budgeting is Budgeting.TIMESLICES:
        ok = ratio >= slice_target
        ok &= has
        return ok, has
    ratio[~has] = 0.0
    return ratio, has


def timeslice_suffix_sums(
    good: FloatArray,
    total: FloatArray,
    starts: IntArray,
    first_minute: int,
    slice_minutes: int,
    budgeting: Budgeting,
    slice_target: float,
) -> tuple[FloatArray, FloatArray]:
    """Slice events summed over the windows ``[starts[j], width)`` of 2-D count arrays.

    Slices are aligned to multiples of ``slice_minutes`` from the Unix epoch;
    ``first_minute`` is the epoch minute of column 0.  A window's start may cut a slice:
    that slice is then made of its minutes inside the window (SLO_MATH.md), computed
    apart.  Column 0 is assumed to be the earliest window start, so no window reaches
    before it.
    """
    rows, width = good.shape
    out_g = np.zeros((rows, len(starts)))
    out_t = np.zeros((rows, len(starts)))
    if width == 0:
        return out_g, out_t
    m = slice_minutes
    first_boundary = (-first_minute) % m or m
    piece_starts = np.concatenate(([0], np.arange(first_boundary, width, m))).astype(np.int64)
    piece_ends = np.append(piece_starts[1:], width)
    ev_g: FloatArray | BoolArray
    ev_t: FloatArray | BoolArray
    if m == 1:
        ev_g, ev_t = minute_slice_events(good, total, budgeting, slice_target)
    else:
        pg = np.add.reduceat(good, piece_starts, axis=1)
        pt = np.add.reduceat(total, piece_starts, axis=1)
        ev_g, ev_t = slice_events(pg, pt, budgeting, slice_target)

    valid = starts < width
    k = np.searchsorted(piece_starts, starts, side="right") - 1
    cut = valid & (piece_starts[np.clip(k, 0, None)] != starts)
    # A window starting inside piece k counts the cut piece separately, then pieces k+1...
    first_piece = np.where(cut, k + 1, k)
    first_piece = np.where(valid, first_piece, len(piece_starts))
    out_g = suffix_sums(ev_g, first_piece)
    out_t = suffix_sums(ev_t, first_piece)
    for j in np.flatnonzero(cut):
        s, e = int(starts[j]), int(piece_ends[k[j]])
        cg, ct = slice_events(
            good[:, s:e].sum(axis=1, keepdims=True),
            total[:, s:e].sum(axis=1, keepdims=True),
            budgeting,
            slice_target,
        )
        out_g[:, j] += cg[:, 0]
        out_t[:, j] += ct[:, 0]
    return out_g, out_t
