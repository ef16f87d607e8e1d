"""ekkyo.engine.history against a loop-per-minute reference and against evaluate."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ekkyo.engine import (
    Budgeting,
    CalendarWindow,
    Objective,
    RollingWindow,
    Series,
    Threshold,
    evaluate,
)
from ekkyo.engine.history import (
    budget_burndown,
    burn_rates_over_time,
    chart_times,
    choose_step,
    remaining_over_time,
    sli_per_step,
    window_counts,
)

BURN = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
BASE = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())


def ref_counts(series: Series, objective: Objective, s: int, e: int) -> tuple[float, float]:
    """Events in [s, e): a loop over minutes, slices grouped by epoch minute // m."""
    groups: dict[int, list[float]] = {}
    good_sum = total_sum = 0.0
    m = objective.slice_minutes
    first = max(0, (s - series.start) // 60)
    last = min(len(series), max(0, (e - series.start) // 60))
    for i in range(first, last):
        t = series.start + 60 * i
        if objective.threshold is None:
            g, n = float(series.good[i]), float(series.total[i])
        else:
            v = math.nan if series.value is None else float(series.value[i])
            op, x = objective.threshold.op, objective.threshold.value
            ok = {"lt": v < x, "lte": v <= x, "gt": v > x, "gte": v >= x}[op]
            g, n = (0.0, 0.0) if math.isnan(v) else (float(ok), 1.0)
        if objective.budgeting is Budgeting.OCCURRENCES:
            good_sum += g
            total_sum += n
        else:
            acc = groups.setdefault(t // 60 // m, [0.0, 0.0])
            acc[0] += g
            acc[1] += n
    for g, n in groups.values():
        if n == 0:
            continue
        total_sum += 1
        if objective.budgeting is Budgeting.RATIO_TIMESLICES:
            good_sum += g / n
        else:
            target = 1.0 if objective.threshold is not None else objective.time_slice_target
            good_sum += 1.0 if g / n >= target else 0.0
    return good_sum, total_sum


@st.composite
def objectives(draw: st.DrawFn, window: RollingWindow | CalendarWindow | None = None) -> Objective:
    budgeting = draw(st.sampled_from(list(Budgeting)))
    threshold = draw(
        st.none()
        | st.builds(
            Threshold, st.sampled_from(["lt", "lte", "gt", "gte"]), st.sampled_from([1.0, 2.0, 3.0])
        )
    )
    slice_target = None
    if budgeting is Budgeting.TIMESLICES and threshold is None:
        slice_target = draw(st.sampled_from([0.5, 0.9, 1.0]))
    return Objective(
        target=draw(st.sampled_from([0.9, 0.95, 0.99, 0.999])),
        window=window or RollingWindow(86400),
        budgeting=budgeting,
        threshold=threshold,
        time_slice_target=slice_target,
        time_slice_window_s=60 * draw(st.sampled_from([1, 2, 5, 7, 10])),
    )


@st.composite
def series_of(draw: st.DrawFn, max_minutes: int = 300) -> Series:
    # Drawing a seed rather than lists keeps generation cheap; hypothesis still shrinks n.
    n = draw(st.integers(0, max_minutes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    start = BASE + 60 * draw(st.integers(-20, 20))
    total = rng.integers(0, 6, n).astype(float)
    good = total - np.minimum(rng.integers(0, 6, n), total)
    value = rng.choice([0.5, 1.0, 2.0, 3.0, 4.0, math.nan], n)
    return Series(start=start, good=good, total=total, value=value)


@settings(max_examples=100, deadline=None)
@given(
    series_of(),
    objectives(),
    st.lists(st.tuples(st.integers(-40, 340), st.integers(0, 120)), min_size=1),
)
def test_it_counts_events_in_any_window_like_the_reference(series, objective, spans):
    starts = np.array([BASE + 60 * a for a, _ in spans], np.int64)
    ends = starts + np.array([60 * w for _, w in spans], np.int64)
    good, total = window_counts(series, objective, starts, ends)
    expected = [
        ref_counts(series, objective, int(s), int(e)) for s, e in zip(starts, ends, strict=True)
    ]
    assert_allclose(good, [g for g, _ in expected], rtol=1e-9, atol=1e-9)
    assert_allclose(total, [t for _, t in expected], rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(series_of(), objectives(), st.sampled_from([60, 300, 600, 3600]))
def test_it_gives_the_sli_of_each_step(series, objective, step):
    at = BASE + 60 * 300
    times = chart_times(at, 300 * 60, step)
    sli = sli_per_step(series, objective, times, step)
    for i, t in enumerate(times):
        lo = int(times[i - 1]) if i else int(t) - step
        g, n = ref_counts(series, objective, lo, int(t))
        if n == 0:
            assert math.isnan(sli[i])
        else:
            assert sli[i] == pytest.approx(g / n, rel=1e-9)


WINDOWS = st.sampled_from(
    [
        RollingWindow(3600),
        RollingWindow(86400),
        RollingWindow(2 * 86400),
        CalendarWindow("d", time_zone="Asia/Tokyo"),
        CalendarWindow("w", time_zone="Europe/Berlin"),
    ]
)


@st.composite
def long_series(draw: st.DrawFn) -> Series:
    # Four days of sparse traffic with bursts of errors, so every burn window sees data.
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = 4 * 1440 + draw(st.integers(0, 500))
    total = rng.poisson(draw(st.sampled_from([0.3, 3.0, 20.0])), n).astype(float)
    bad = rng.binomial(total.astype(int), draw(st.sampled_from([0.0, 0.001, 0.05, 0.5])))
    value = np.where(rng.random(n) < 0.8, rng.choice([0.5, 1.0, 2.0, 4.0], n), np.nan)
    return Series(start=BASE - 3 * 1440 * 60, good=total - bad, total=total, value=value)


@settings(max_examples=60, deadline=None)
@given(long_series(), WINDOWS.flatmap(objectives), st.integers(0, 400))
def test_it_ends_where_evaluate_stands(series, objective, back):
    at = series.end - 60 * back
    result = evaluate(series, objective, at=at)
    times = chart_times(at, 2 * 86400, 3600)

    burn = burn_rates_over_time(series, objective, times)[-1]
    expected = [result.burn_rates[w] for w in BURN]
    # RatioTimeslices sums fractional ratios: prefix-sum differences may leave ~1e-15
    # where evaluate's direct sums give exactly 0.
    expected_burn = [math.nan if x is None else x for x in expected]
    assert_allclose(burn, expected_burn, rtol=1e-9, atol=1e-9)

    remaining = remaining_over_time(series, objective, times)[-1]
    burndown = budget_burndown(series, objective, at).remaining_ratio[-1]
    want = math.nan if result.remaining_ratio is None else result.remaining_ratio
    assert_allclose([remaining, burndown], [want, want], rtol=1e-9, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(long_series(), WINDOWS.flatmap(objectives), st.integers(0, 2000))
def test_it_matches_evaluate_at_every_point_of_the_remaining_history(series, objective, back):
    at = series.end - 60 * back
    times = chart_times(at, 86400, 4 * 3600)
    remaining = remaining_over_time(series, objective, times)
    for t, r in zip(times, remaining, strict=True):
        want = evaluate(series, objective, at=int(t)).remaining_ratio
        assert_allclose(r, math.nan if want is None else want, rtol=1e-9, atol=1e-9)


def test_it_burns_down_from_full_budget_at_the_window_start():
    n = 1440
    total = np.full(n, 100.0)
    good = total.copy()
    good[600:610] = 90.0  # 100 bad requests in the middle of the day
    series = Series(start=BASE, good=good, total=total)
    objective = Objective(target=0.999, window=RollingWindow(86400))
    down = budget_burndown(series, objective, BASE + 86400, max_points=24)

    assert down.t[0] == BASE and down.remaining_ratio[0] == 1.0
    # The budget is 0.001 * 144,000 = 144 bad requests; 100 of them were spent.
    assert down.remaining_ratio[-1] == pytest.approx(1 - 100 / 144)
    assert np.all(np.diff(down.remaining_ratio) <= 0)
    assert len(down.t) == 25


def test_it_burns_down_nothing_without_data():
    series = Series(start=BASE, good=np.zeros(60), total=np.zeros(60))
    objective = Objective(target=0.99, window=RollingWindow(3600))
    down = budget_burndown(series, objective, BASE + 3600)
    assert np.isnan(down.remaining_ratio).all()


@pytest.mark.parametrize(
    ("span_s", "max_points", "step_s"),
    [
        (90 * 86400, 1000, 3 * 3600),
        (30 * 86400, 1000, 3600),
        (7 * 86400, 1000, 15 * 60),
        (3600, 1000, 60),
        (365 * 86400, 100, 4 * 86400),
    ],
)
def test_it_picks_the_shortest_nice_step_under_the_point_budget(span_s, max_points, step_s):
    assert choose_step(span_s, max_points) == step_s


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 200 * 1440), st.integers(1, 2000))
def test_it_never_returns_more_points_than_asked(at_min, span_min, max_points):
    step = choose_step(span_min * 60, max_points)
    times = chart_times(BASE + 60 * at_min, span_min * 60, step)
    assert len(times) <= max_points + 1
    assert times[-1] == BASE + 60 * at_min
    assert np.all(np.diff(times) > 0) and times[0] > BASE + 60 * (at_min - span_min)
