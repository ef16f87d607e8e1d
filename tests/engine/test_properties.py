"""Hypothesis: every quantity of the engine equals the simple reference of SLO_MATH.md."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from ekkyo.engine import (
    Budgeting,
    CalendarWindow,
    IncrementalEvaluator,
    Objective,
    RollingWindow,
    Series,
    Threshold,
    densify,
    evaluate,
    evaluate_block,
    evaluation,
)

from .reference import ref_evaluate
from .strategies import assert_matches, bucket_rows, evaluation_times, objectives, to_buckets

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.data(), objective=objectives(), at=evaluation_times())
def test_it_matches_the_reference_for_every_objective_kind(
    data: st.DataObject, objective: Objective, at: int
) -> None:
    rows = data.draw(bucket_rows(at, threshold=objective.threshold is not None))
    series = densify(to_buckets(rows))
    assert_matches(evaluate(series, objective, at=at), ref_evaluate(rows, objective, at))


# Each combination named in the brief gets its own run so none is left to chance.
@pytest.mark.parametrize("threshold", [None, Threshold("lte", 5.0)], ids=["ratio", "threshold"])
@pytest.mark.parametrize("budgeting", list(Budgeting), ids=lambda b: b.value)
@pytest.mark.parametrize(
    "window",
    [RollingWindow(7 * 86400), CalendarWindow("M", time_zone="America/New_York")],
    ids=["rolling", "calendar"],
)
@settings(max_examples=25, deadline=None)
@given(data=st.data(), at=evaluation_times())
def test_it_matches_the_reference_for_each_combination(
    data: st.DataObject,
    at: int,
    threshold: Threshold | None,
    budgeting: Budgeting,
    window: RollingWindow | CalendarWindow,
) -> None:
    objective = Objective(
        target=0.99,
        window=window,
        budgeting=budgeting,
        threshold=threshold,
        time_slice_target=0.9 if budgeting is Budgeting.TIMESLICES and threshold is None else None,
        time_slice_window_s=300 if budgeting is not Budgeting.OCCURRENCES else 60,
    )
    rows = data.draw(bucket_rows(at, threshold=threshold is not None))
    series = densify(to_buckets(rows))
    assert_matches(evaluate(series, objective, at=at), ref_evaluate(rows, objective, at))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), objective=objectives(), at=evaluation_times())
def test_it_gives_the_same_numbers_by_block_as_row_by_row(
    data: st.DataObject, objective: Objective, at: int
) -> None:
    threshold = objective.threshold is not None
    per_row = [data.draw(bucket_rows(at, threshold=threshold)) for _ in range(3)]
    lo = at - 60 * data.draw(st.integers(0, 70000))
    hi = at + 60 * data.draw(st.integers(-100, 100))
    series = [densify(to_buckets(rows), start=lo, end=max(lo, hi)) for rows in per_row]
    value2d = np.stack(
        [s.value if s.value is not None else np.full(len(s), np.nan) for s in series]
    )
    # Tiny chunks, so the block is split into one chunk per row.
    with patch.object(evaluation, "CHUNK_ELEMENTS", 1):
        block = evaluate_block(
            lo,
            np.stack([s.good for s in series]),
            np.stack([s.total for s in series]),
            objective,
            at=at,
            value2d=value2d,
        )
    for i, s in enumerate(series):
        assert block.row(i) == evaluate(s, objective, at=at)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), objs=st.lists(objectives(), min_size=1, max_size=4))
def test_it_evaluates_incrementally_as_in_full(data: st.DataObject, objs: list[Objective]) -> None:
    # Short histories keep the minute-by-minute appends fast; windows are still long.
    start = data.draw(evaluation_times()) - 60 * 600
    n_minutes = data.draw(st.integers(0, 400))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    total = rng.integers(0, 5, size=(len(objs), n_minutes)).astype(np.float64)
    good = np.minimum(total, rng.integers(0, 5, size=total.shape)).astype(np.float64)
    value = rng.integers(0, 10, size=total.shape).astype(np.float64)
    value[rng.random(total.shape) < 0.3] = np.nan
    evaluator = IncrementalEvaluator(objs, start)
    checkpoints = set(data.draw(st.lists(st.integers(0, n_minutes), max_size=3)))
    skip = set(data.draw(st.lists(st.integers(0, max(0, n_minutes - 1)), max_size=30)))
    for i in range(n_minutes + 1):
        if i in checkpoints or i == n_minutes:
            at = start + 60 * i
            evaluator.advance_to(at)
            block = evaluator.evaluate(at)
            for k, obj in enumerate(objs):
                series = Series(start, good[k, :i], total[k, :i], value[k, :i])
                _assert_same(block.row(k), evaluate(series, obj, at=at), obj)
        if i == n_minutes:
            break
        if i not in skip:
            evaluator.append(start + 60 * i, good[:, i], total[:, i], value[:, i])
        else:  # a skipped minute is a gap: empty
            good[:, i] = total[:, i] = 0.0
            value[:, i] = np.nan


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), objs=st.lists(objectives(), min_size=1, max_size=4))
def test_it_warms_up_from_history_as_if_each_minute_was_appended(
    data: st.DataObject, objs: list[Objective]
) -> None:
    start = data.draw(evaluation_times()) - 60 * 5000
    n_minutes = data.draw(st.integers(0, 5000))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    total = rng.integers(0, 5, size=(len(objs), n_minutes + 1)).astype(np.float64)
    good = np.minimum(total, rng.integers(0, 5, size=total.shape)).astype(np.float64)
    value = rng.integers(0, 10, size=total.shape).astype(np.float64)
    value[rng.random(total.shape) < 0.3] = np.nan
    h = slice(0, n_minutes)

    warm = IncrementalEvaluator.from_history(objs, start, good[:, h], total[:, h], value[:, h])
    at = start + 60 * n_minutes
    for k, obj in enumerate(objs):
        expected = evaluate(Series(start, good[k, h], total[k, h], value[k, h]), obj, at=at)
        _assert_same(warm.evaluate().row(k), expected, obj)
    # ... and carries on like an evaluator that appended every minute.
    warm.append(at, good[:, -1], total[:, -1], value[:, -1])
    for k, obj in enumerate(objs):
        expected = evaluate(Series(start, good[k], total[k], value[k]), obj, at=at + 60)
        _assert_same(warm.evaluate().row(k), expected, obj)


def _assert_same(actual: object, expected: object, objective: Objective) -> None:
    if objective.budgeting is not Budgeting.RATIO_TIMESLICES:
        assert actual == expected
        return
    # Running sums of fractional slice ratios may differ by rounding.
    a, e = actual.as_dict(), expected.as_dict()  # type: ignore[attr-defined]
    for key in ("sli", "good", "total", "time_to_exhaustion_s"):
        assert (a[key] is None) == (e[key] is None)
        if a[key] is not None:
            assert_allclose(a[key], e[key], rtol=1e-9, atol=1e-6)
    for key, value in e["burn_rates"].items():
        assert (a["burn_rates"][key] is None) == (value is None)
        if value is not None:
            assert_allclose(a["burn_rates"][key], value, rtol=1e-9, atol=1e-9)
    assert_array_equal(a["window"]["start"], e["window"]["start"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    objs=st.lists(
        objectives().filter(lambda o: o.budgeting is not Budgeting.OCCURRENCES),
        min_size=1,
        max_size=3,
    ),
)
def test_it_evaluates_incrementally_across_long_gaps(
    data: st.DataObject, objs: list[Objective]
) -> None:
    # Bursts of minutes separated by gaps of up to four days, longer than 3-day rings.
    start = data.draw(evaluation_times()) - 60 * 20000
    evaluator = IncrementalEvaluator(objs, start)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    rows: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    t = start
    for _ in range(data.draw(st.integers(1, 4))):
        t += 60 * data.draw(st.integers(0, 6000))
        for _ in range(data.draw(st.integers(1, 90))):
            total = rng.integers(0, 4, len(objs)).astype(np.float64)
            good = np.minimum(total, rng.integers(0, 4, len(objs))).astype(np.float64)
            value = rng.integers(0, 10, len(objs)).astype(np.float64)
            evaluator.append(t, good, total, value)
            rows.append((t, good, total, value))
            t += 60
    n = (t - start) // 60
    dense = np.zeros((3, len(objs), n))
    dense[2] = np.nan
    for tt, good, total, value in rows:
        i = (tt - start) // 60
        dense[0, :, i], dense[1, :, i], dense[2, :, i] = good, total, value
    block = evaluator.evaluate()
    for k, obj in enumerate(objs):
        series = Series(start, dense[0, k], dense[1, k], dense[2, k])
        _assert_same(block.row(k), evaluate(series, obj, at=t), obj)
