"""Target exploration on series built by hand: attainment, budget, alerts, traffic."""

from __future__ import annotations

import numpy as np
import pytest

from ekkyo.engine import Objective, RollingWindow, Series, Threshold, evaluate
from ekkyo.engine.backtest import backtest
from ekkyo.workshops.exploration import candidate_objective, explore, history_start, peak_factor

DAY = 86400
AT = 1_780_000_020 // 60 * 60  # a minute boundary
BASE = Objective(target=0.9, window=RollingWindow(7 * DAY))


def flat(days: int, per_minute: float = 100.0, bad: float = 0.0) -> Series:
    n = days * 1440
    total = np.full(n, per_minute)
    return Series(AT - n * 60, total - bad, total)


def test_it_reports_full_attainment_and_budget_on_a_perfect_history():
    result = explore(flat(60), BASE, target=0.999, window_days=28, days=30, at=AT)
    assert result.span_sli == 1.0 and result.sli == 1.0
    assert result.remaining_ratio == 1.0 and result.lowest_remaining == 1.0
    assert (result.pages, result.tickets, result.days_exhausted) == (0, 0, 0)
    assert result.span_total == 30 * 1440 * 100
    assert result.minutes_with_data == 30 * 1440


def test_it_computes_attainment_over_the_explored_days_only():
    series = flat(60)
    good = series.good.copy()
    # 1,000 bad requests 40 days ago (outside 30 days) and 300 in the last 30 days.
    good[len(good) - 40 * 1440] -= 100
    good[len(good) - 40 * 1440 + 1 : len(good) - 40 * 1440 + 10] -= 100
    good[len(good) - 5 * 1440 : len(good) - 5 * 1440 + 3] -= 100
    s = Series(series.start, good, series.total)
    result = explore(s, BASE, target=0.999, window_days=28, days=30, at=AT)
    assert result.span_sli == 1 - 300 / (30 * 1440 * 100)


def test_it_leaves_the_budget_the_engine_reports_for_the_candidate():
    series = flat(40, bad=0.05)  # 0.05% bad all the time
    result = explore(series, BASE, target=0.999, window_days=28, days=30, at=AT)
    expected = evaluate(series, candidate_objective(BASE, 0.999, 28), at=AT)
    assert result.remaining_ratio == pytest.approx(0.5)
    assert result.remaining_ratio == expected.remaining_ratio
    assert result.allowed_bad == expected.allowed_bad


def test_it_counts_the_pages_an_incident_would_have_fired():
    series = flat(40)
    good = series.good.copy()
    good[len(good) - 2 * 1440 : len(good) - 2 * 1440 + 60] = 0  # a full hour down, 2 days ago
    s = Series(series.start, good, series.total)
    result = explore(s, BASE, target=0.999, window_days=28, days=30, at=AT)
    test = backtest(s, candidate_objective(BASE, 0.999, 28), AT - 30 * DAY, AT)
    assert result.pages >= 1
    assert result.pages == sum(len(r.intervals) for r in test.rules if r.rule.severity == "page")
    # A 60-minute full outage spends more than a 28-day budget of 40 minutes.
    assert result.remaining_ratio < 0 and result.days_exhausted >= 1


def test_it_fires_nothing_for_the_same_incident_at_a_loose_target():
    series = flat(40)
    good = series.good.copy()
    good[len(good) - 2 * 1440 : len(good) - 2 * 1440 + 10] = 50  # ten minutes at half
    s = Series(series.start, good, series.total)
    result = explore(s, BASE, target=0.9, window_days=28, days=30, at=AT)
    assert result.pages == 0 and result.tickets == 0


def test_it_compares_the_usual_targets_on_the_same_history():
    series = flat(40, bad=0.05)
    result = explore(series, BASE, target=0.9992, window_days=28, days=30, at=AT)
    targets = [c.target for c in result.comparisons]
    assert targets == sorted(targets) and 0.9992 in targets and 0.999 in targets
    by_target = {c.target: c for c in result.comparisons}
    assert by_target[0.99].remaining_ratio == pytest.approx(0.95)
    assert by_target[0.9999].remaining_ratio == pytest.approx(-4.0)


def test_it_has_one_point_per_day_ending_at_the_evaluation_time():
    result = explore(flat(40), BASE, target=0.999, window_days=7, days=14, at=AT)
    assert len(result.daily_ends) == 14
    assert result.daily_ends[-1] == AT and result.daily_ends[0] == AT - 13 * DAY
    assert all(v == 1.0 for v in result.daily_sli)


def test_it_marks_days_without_data_as_missing():
    series = flat(40)
    total = series.total.copy()
    total[-1440:] = 0
    s = Series(series.start, np.minimum(series.good, total), total)
    result = explore(s, BASE, target=0.999, window_days=7, days=14, at=AT)
    assert result.daily_sli[-1] is None and result.daily_sli[-2] == 1.0


def test_it_turns_the_traffic_into_business_terms():
    result = explore(flat(40, per_minute=10), BASE, target=0.999, window_days=30, days=30, at=AT)
    assert result.terms.monthly_events == pytest.approx(30 * 1440 * 10)
    assert result.terms.allowed_failed_per_month == pytest.approx(432)
    assert result.terms.allowed_bad_minutes == pytest.approx(43.2)
    assert result.peak_factor == pytest.approx(1.0)


def test_it_measures_the_busiest_hour_against_the_average():
    n = 2 * 1440
    total = np.full(n, 10.0)
    total[600:660] = 40.0  # one hour at four times the rest
    series = Series(AT - n * 60, total, total)
    mean = (47 * 600 + 2400) / 48
    assert peak_factor(series, AT - n * 60, AT) == pytest.approx(2400 / mean)


def test_it_explores_a_threshold_sli_on_values():
    n = 40 * 1440
    value = np.full(n, 100.0)
    value[-100:] = 900.0  # the last 100 minutes are slow
    series = Series(AT - n * 60, np.zeros(n), np.zeros(n), value)
    base = Objective(target=0.9, window=RollingWindow(DAY), threshold=Threshold("lt", 300.0))
    result = explore(series, base, target=0.99, window_days=1, days=7, at=AT)
    assert result.span_sli == 1 - 100 / (7 * 1440)
    assert result.sli == 1 - 100 / 1440
    assert result.terms.monthly_events is None  # no requests behind a threshold SLI


def test_it_starts_the_history_a_window_before_the_explored_days():
    assert history_start(AT, 30, 28) == AT - 58 * DAY
    assert history_start(AT, 30, 1) == AT - 33 * DAY  # the 3-day alert window at least


@pytest.mark.parametrize(("days", "window"), [(6, 28), (91, 28), (30, 0), (30, 91)])
def test_it_refuses_spans_and_windows_out_of_range(days, window):
    with pytest.raises(ValueError):
        explore(flat(10), BASE, target=0.999, window_days=window, days=days, at=AT)


def test_it_serialises_to_plain_json():
    import json

    body = explore(flat(10), BASE, target=0.999, window_days=7, days=7, at=AT).as_dict()
    text = json.dumps(body)
    assert json.loads(text)["alerts"]["pages"] == 0
    assert body["window"]["total"] == 7 * 1440 * 100
