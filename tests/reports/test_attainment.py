"""Report numbers are the engine's for calendar months: held to the engine and to sums."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.engine import CalendarWindow, Objective, RollingWindow, Series, evaluate
from ekkyo.reports.attainment import attainment
from ekkyo.reports.periods import months_of, parse, shift

OBJECTIVE = Objective(0.995, RollingWindow(30 * 86400))


def series_over(first, last, seed=0, bad_rate=0.004):
    """Per-minute counts from ``first.start`` to ``last.end``."""
    rng = np.random.default_rng(seed)
    n = (last.end - first.start) // 60
    total = rng.integers(0, 40, n).astype(np.float64)
    bad = rng.binomial(total.astype(np.int64), bad_rate).astype(np.float64)
    return Series(first.start, total - bad, total)


def reference(series, start, end, target):
    i, j = (start - series.start) // 60, (end - series.start) // 60
    good, total = series.good[i:j].sum(), series.total[i:j].sum()
    bad = total - good
    return good / total, bad / ((1 - target) * total)


@pytest.mark.parametrize("label", ["2026-01", "2026-02", "2026-03", "2026-04"])
def test_it_reports_each_tokyo_month_as_the_engine_and_as_plain_sums(label):
    months = [*months_of(parse("2026-Q1", "Asia/Tokyo")), parse("2026-04", "Asia/Tokyo")]
    series = series_over(months[0], months[-1])
    p = parse(label, "Asia/Tokyo")
    a = attainment(
        series, OBJECTIVE, period_start=p.start, period_end=p.end, unit="M", time_zone="Asia/Tokyo"
    )
    engine = evaluate(series, Objective(0.995, CalendarWindow("M", time_zone="Asia/Tokyo")), p.end)
    assert (a.start, a.end, a.length_s) == (p.start, p.end, p.length_s)
    assert a.sli == engine.sli and a.consumed_ratio == engine.consumed_ratio
    sli, used = reference(series, p.start, p.end, 0.995)
    assert a.sli == pytest.approx(sli, rel=1e-12)
    assert a.consumed_ratio == pytest.approx(used, rel=1e-9)
    assert a.complete


def test_it_reports_a_running_month_up_to_now():
    p = parse("2026-02", "Asia/Tokyo")
    series = series_over(p, p)
    now = p.start + 10 * 86400 + 59  # mid-minute: rounded down to the evaluation minute
    a = attainment(
        series,
        OBJECTIVE,
        period_start=p.start,
        period_end=p.end,
        unit="M",
        time_zone="Asia/Tokyo",
        until=now,
    )
    assert not a.complete and a.end == p.start + 10 * 86400
    assert a.sli == pytest.approx(reference(series, p.start, a.end, 0.995)[0], rel=1e-12)


def test_it_has_nothing_for_a_month_not_started():
    p = parse("2026-03", "Asia/Tokyo")
    assert (
        attainment(
            Series(p.start, np.zeros(1), np.zeros(1)),
            OBJECTIVE,
            period_start=p.start,
            period_end=p.end,
            unit="M",
            time_zone="Asia/Tokyo",
            until=p.start,
        )
        is None
    )


def test_it_reports_a_quarter_over_all_its_months():
    q = parse("2026-Q1", "Asia/Tokyo")
    series = series_over(q, q)
    a = attainment(
        series, OBJECTIVE, period_start=q.start, period_end=q.end, unit="Q", time_zone="Asia/Tokyo"
    )
    assert a.length_s == 90 * 86400
    assert a.sli == pytest.approx(reference(series, q.start, q.end, 0.995)[0], rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(2024, 2028),
    st.integers(1, 12),
    st.sampled_from(["Asia/Tokyo", "UTC", "America/New_York"]),
    st.integers(0, 2**16),
)
def test_it_matches_the_engine_for_any_month_and_zone(year, number, zone, seed):
    p = parse(f"{year:04d}-{number:02d}", zone)
    before = shift(p, -1)
    series = series_over(before, p, seed=seed, bad_rate=0.01)
    a = attainment(
        series, OBJECTIVE, period_start=p.start, period_end=p.end, unit="M", time_zone=zone
    )
    engine = evaluate(series, Objective(0.995, CalendarWindow("M", time_zone=zone)), p.end)
    assert (a.sli, a.good, a.total, a.consumed_ratio) == (
        engine.sli,
        engine.good,
        engine.total,
        engine.consumed_ratio,
    )
    sli, _used = reference(series, p.start, p.end, 0.995)
    assert a.sli == pytest.approx(sli, rel=1e-12)
