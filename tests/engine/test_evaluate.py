"""evaluate: edge cases of SLO_MATH.md with numbers worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from ekkyo.engine import (
    ALERT_RULES,
    BURN_WINDOWS,
    Buckets,
    Budgeting,
    CalendarWindow,
    Objective,
    RollingWindow,
    Series,
    Threshold,
    densify,
    evaluate,
)

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
H = 3600
DAY = 86400
D30 = RollingWindow(30 * DAY)


def minutes(n: int, total: float, good: float, end: int) -> Series:
    """n minutes ending at ``end``, each with the same counts."""
    return Series(end - 60 * n, np.full(n, good), np.full(n, total))


def test_it_reports_nulls_for_an_empty_window() -> None:
    series = Series(T0 - 40 * DAY, np.ones(10), np.ones(10))  # all before the window

    result = evaluate(series, Objective(0.99, D30), at=T0)

    assert result.sli is None
    assert result.consumed_ratio is None
    assert result.remaining_ratio is None
    assert result.allowed_bad == 0.0
    assert all(v is None for v in result.burn_rates.values())
    assert result.alerts == ()
    assert result.time_to_exhaustion_s is None


def test_it_evaluates_an_empty_series() -> None:
    result = evaluate(Series(T0, np.zeros(0), np.zeros(0)), Objective(0.99, D30))

    assert (result.window_end, result.total, result.sli) == (T0, 0.0, None)


def test_it_sums_only_the_minutes_with_data_across_gaps() -> None:
    buckets = Buckets.counts([T0, T0 + 2 * H - 60], [10, 5], [10, 10])

    result = evaluate(densify(buckets), Objective(0.9, RollingWindow(DAY)), at=T0 + 3 * H)

    assert (result.good, result.total, result.sli) == (15.0, 20.0, 0.75)
    assert result.burn_rates["5m"] is None
    assert result.burn_rates["1h"] is None
    assert result.burn_rates["2h"] == pytest.approx(0.5 / 0.1)
    assert result.burn_rates["3d"] == pytest.approx(0.25 / 0.1)


def test_it_adds_duplicate_buckets() -> None:
    buckets = Buckets.counts([T0, T0, T0], [1, 2, 3], [1, 4, 5])

    result = evaluate(densify(buckets), Objective(0.5, D30), at=T0 + 60)

    assert (result.good, result.total) == (6.0, 10.0)


def test_it_ignores_data_at_or_after_the_evaluation_time() -> None:
    buckets = Buckets.counts([T0, T0 + 60, T0 + 120], [1, 0, 0], [1, 1, 1])

    result = evaluate(densify(buckets), Objective(0.5, D30), at=T0 + 60)

    assert (result.good, result.total) == (1.0, 1.0)


def test_it_cuts_a_timeslice_at_the_window_edge() -> None:
    # 5-minute slices; the 1h window [11:03, 12:03) cuts [11:00, 11:05) and [12:00, 12:05).
    at = T0 + 12 * H + 3 * 60
    buckets = Buckets.counts(
        [T0 + 11 * H + 2 * 60, T0 + 11 * H + 3 * 60, T0 + 11 * H + 30 * 60, T0 + 12 * H + 120],
        [0, 1, 0, 1],
        [10, 1, 1, 1],
    )
    objective = Objective(
        0.5, RollingWindow(H), Budgeting.TIMESLICES, time_slice_target=0.5, time_slice_window_s=300
    )

    result = evaluate(densify(buckets), objective, at=at)

    # The bad minute 11:02 lies outside the window, so the cut slice is good.
    assert (result.good, result.total) == (2.0, 3.0)


def test_it_counts_slices_with_data_only() -> None:
    series = Series(T0, np.array([1.0, 0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 2.0]))
    objective = Objective(0.5, D30, Budgeting.TIMESLICES, time_slice_target=0.9)

    result = evaluate(series, objective)

    assert (result.good, result.total) == (1.0, 2.0)


def test_it_makes_a_threshold_slice_good_only_when_every_value_is() -> None:
    value = np.array([100.0, 400.0, 100.0, 100.0, np.nan, np.nan])
    series = Series(T0, np.zeros(6), np.zeros(6), value)
    objective = Objective(
        0.5,
        D30,
        Budgeting.TIMESLICES,
        threshold=Threshold("lt", 300.0),
        time_slice_window_s=120,
    )

    result = evaluate(series, objective)

    assert (result.good, result.total) == (1.0, 2.0)


def test_it_counts_each_value_as_an_event_for_threshold_occurrences() -> None:
    series = Series(T0, np.zeros(4), np.zeros(4), np.array([100.0, 300.0, 250.0, np.nan]))

    result = evaluate(series, Objective(0.5, D30, threshold=Threshold("lte", 250.0)))

    assert (result.good, result.total) == (2.0, 3.0)


def test_it_takes_the_mean_of_slice_ratios_for_ratio_timeslices() -> None:
    series = Series(T0, np.array([9.0, 1.0]), np.array([10.0, 2.0]))

    result = evaluate(series, Objective(0.5, D30, Budgeting.RATIO_TIMESLICES))

    assert result.sli == pytest.approx((0.9 + 0.5) / 2)
    assert result.burn_rates["5m"] == pytest.approx((1 - 0.7) / 0.5)


def test_it_looks_back_across_a_calendar_period_start_for_burn_rates() -> None:
    at = int(datetime(2026, 2, 1, 0, 30, tzinfo=UTC).timestamp())
    buckets = Buckets.counts([at - 40 * 60, at - 10 * 60], [0, 1], [1, 1])

    result = evaluate(densify(buckets), Objective(0.5, CalendarWindow("M")), at=at)

    assert (result.good, result.total) == (1.0, 1.0)  # only February's minute
    assert result.burn_rates["1h"] == pytest.approx(0.5 / 0.5)


def _page_burn(bad_per_minute: int) -> object:
    # 3 days of 100 events a minute, bad only in the last hour; 1 - 0.9375 is exact.
    n = 3 * 1440
    good = np.full(n, 100.0)
    good[-60:] = 100.0 - bad_per_minute
    return evaluate(Series(T0 - 60 * n, good, np.full(n, 100.0)), Objective(0.9375, D30), at=T0)


def test_it_fires_exactly_the_fast_page_rule_above_14_4() -> None:
    result = _page_burn(91)

    assert result.burn_rates["1h"] == pytest.approx(14.56)  # type: ignore[attr-defined]
    assert [(a.severity, a.long_window, a.short_window, a.factor) for a in result.alerts] == [  # type: ignore[attr-defined]
        ("page", "1h", "5m", 14.4)
    ]


def test_it_does_not_fire_at_exactly_14_4() -> None:
    result = _page_burn(90)

    assert result.burn_rates["1h"] == 14.4  # type: ignore[attr-defined]
    assert result.burn_rates["5m"] == 14.4  # type: ignore[attr-defined]
    assert result.alerts == ()  # type: ignore[attr-defined]


def test_it_uses_the_workbook_factors_for_30_days() -> None:
    assert [rule.factor(30 * DAY) for rule in ALERT_RULES] == [14.4, 6.0, 3.0, 1.0]


def test_it_lists_burn_windows_in_order() -> None:
    result = evaluate(Series(T0, np.ones(1), np.ones(1)), Objective(0.9, D30))

    assert list(result.burn_rates) == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    assert list(result.burn_rates) == list(BURN_WINDOWS)


def test_it_forecasts_exhaustion_from_the_last_day() -> None:
    # A day of 100 events a minute, 5 bad: consumed 0.2 of a 25% budget, 1d burn 0.2.
    result = evaluate(minutes(1440, 100.0, 95.0, T0), Objective(0.75, D30), at=T0)

    assert result.remaining_ratio == pytest.approx(0.8)
    assert result.time_to_exhaustion_s == pytest.approx(0.8 * 30 * DAY / 0.2)


def test_it_forecasts_zero_when_the_budget_is_spent_even_without_recent_data() -> None:
    result = evaluate(minutes(60, 10.0, 0.0, T0 - 2 * DAY), Objective(0.9, D30), at=T0)

    assert result.burn_rates["1d"] is None
    assert result.time_to_exhaustion_s == 0.0


def test_it_forecasts_nothing_when_the_last_day_burns_no_budget() -> None:
    good = np.full(3 * 1440, 10.0)
    good[:60] = 9.0  # bad minutes two days before `at`
    series = Series(T0 - 3 * DAY, good, np.full(3 * 1440, 10.0))

    result = evaluate(series, Objective(0.9, D30), at=T0)

    assert result.burn_rates["1d"] == 0.0
    assert result.remaining_ratio is not None and result.remaining_ratio > 0
    assert result.time_to_exhaustion_s is None


def test_it_forecasts_nothing_without_a_1d_burn_rate() -> None:
    result = evaluate(minutes(60, 10.0, 10.0, T0 - 2 * DAY), Objective(0.9, D30), at=T0)

    assert result.remaining_ratio == 1.0
    assert result.time_to_exhaustion_s is None


def test_it_rejects_an_evaluation_time_off_the_minute() -> None:
    with pytest.raises(ValueError, match="minute"):
        evaluate(Series(T0, np.ones(1), np.ones(1)), Objective(0.9, D30), at=T0 + 30)


def test_it_serialises_to_plain_json_with_utc_times() -> None:
    result = evaluate(minutes(2, 10.0, 9.0, T0), Objective(0.9, RollingWindow(DAY)), at=T0)

    out = json.loads(json.dumps(result.as_dict(), allow_nan=False))

    assert out["window"] == {
        "start": "2025-12-31T00:00:00Z",
        "end": "2026-01-01T00:00:00Z",
        "length_s": DAY,
    }
    assert (out["good"], out["total"]) == (18, 20)
    assert out["burn_rates"]["1h"] == pytest.approx(1.0)
    assert out["error_budget"]["consumed_ratio"] == pytest.approx(1.0)


def test_it_serialises_missing_numbers_as_null() -> None:
    result = evaluate(Series(T0, np.zeros(0), np.zeros(0)), Objective(0.9, D30))

    out = json.loads(json.dumps(result.as_dict(), allow_nan=False))

    assert out["sli"] is None
    assert out["burn_rates"]["5m"] is None
