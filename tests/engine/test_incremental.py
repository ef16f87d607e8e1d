"""IncrementalEvaluator: ordering rules, gaps and calendar roll-overs."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from ekkyo.engine import (
    Budgeting,
    CalendarWindow,
    IncrementalEvaluator,
    Objective,
    RollingWindow,
    Series,
    Threshold,
    evaluate,
)

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86400


def test_it_refuses_a_minute_before_its_end() -> None:
    evaluator = IncrementalEvaluator([Objective(0.9, RollingWindow(DAY))], T0)
    evaluator.append(T0, [1.0], [1.0])

    with pytest.raises(ValueError, match="in order"):
        evaluator.append(T0, [1.0], [1.0])


def test_it_refuses_to_evaluate_at_another_time_than_its_end() -> None:
    evaluator = IncrementalEvaluator([Objective(0.9, RollingWindow(DAY))], T0)

    with pytest.raises(ValueError, match="advance_to"):
        evaluator.evaluate(T0 + 60)


def test_it_refuses_arrays_of_the_wrong_length() -> None:
    evaluator = IncrementalEvaluator([Objective(0.9, RollingWindow(DAY))], T0)

    with pytest.raises(ValueError, match="length 1"):
        evaluator.append(T0, [1.0, 2.0], [1.0, 2.0])


def test_it_returns_rows_in_the_order_objectives_were_given() -> None:
    objectives = [
        Objective(0.9, RollingWindow(30 * DAY)),
        Objective(
            0.5,
            RollingWindow(DAY),
            Budgeting.TIMESLICES,
            time_slice_target=0.5,
            time_slice_window_s=300,
        ),
        Objective(0.99, CalendarWindow("M")),
        Objective(0.8, RollingWindow(DAY), threshold=Threshold("lt", 5.0)),
    ]
    evaluator = IncrementalEvaluator(objectives, T0)
    evaluator.append(T0, [1.0, 1.0, 1.0, 0.0], [2.0, 2.0, 4.0, 0.0], [0.0, 0.0, 0.0, 9.0])

    block = evaluator.evaluate()

    assert [block.row(i).target for i in range(4)] == [0.9, 0.5, 0.99, 0.8]
    assert [block.row(i).sli for i in range(4)] == [0.5, 1.0, 0.25, 0.0]


def test_it_empties_every_window_after_a_gap_longer_than_its_history() -> None:
    objective = Objective(0.9, RollingWindow(7 * DAY))
    evaluator = IncrementalEvaluator([objective], T0)
    evaluator.append(T0, [1.0], [2.0])
    evaluator.append(T0 + 8 * DAY, [3.0], [3.0])

    result = evaluator.evaluate().row(0)

    assert (result.good, result.total) == (3.0, 3.0)
    assert result.burn_rates["3d"] == 0.0


def test_it_keeps_a_long_calendar_period_across_a_long_gap() -> None:
    objective = Objective(0.9, CalendarWindow("Y"))
    evaluator = IncrementalEvaluator([objective], T0)
    evaluator.append(T0, [1.0], [2.0])
    evaluator.append(T0 + 10 * DAY, [3.0], [3.0])

    result = evaluator.evaluate().row(0)

    assert (result.good, result.total) == (4.0, 5.0)
    assert result.burn_rates["3d"] == 0.0


def test_it_starts_a_new_calendar_period_with_empty_sums() -> None:
    feb = int(datetime(2026, 2, 1, tzinfo=UTC).timestamp())
    evaluator = IncrementalEvaluator([Objective(0.9, CalendarWindow("M"))], feb - 120)
    for t in (feb - 120, feb - 60, feb):
        evaluator.append(t, [0.0], [1.0])

    result = evaluator.evaluate().row(0)

    assert (result.window_start, result.total) == (feb, 1.0)
    assert result.burn_rates["5m"] == pytest.approx(1.0 / 0.1)


def test_it_reports_the_previous_period_before_anything_arrives() -> None:
    feb = int(datetime(2026, 2, 1, tzinfo=UTC).timestamp())
    evaluator = IncrementalEvaluator([Objective(0.9, CalendarWindow("M"))], feb)

    result = evaluator.evaluate().row(0)

    assert result.window_start == T0  # January, holding feb - 1 minute
    assert result.sli is None


def test_it_matches_a_full_evaluation_after_a_gap_of_days() -> None:
    objectives = [
        Objective(0.9, RollingWindow(3 * DAY + 600)),
        Objective(0.9, CalendarWindow("w", time_zone="Europe/Berlin")),
        Objective(0.5, RollingWindow(DAY), Budgeting.RATIO_TIMESLICES, time_slice_window_s=420),
    ]
    rng = np.random.default_rng(7)
    n = 6 * 1440
    total = rng.integers(0, 4, size=(3, n)).astype(np.float64)
    good = np.minimum(total, rng.integers(0, 4, size=(3, n))).astype(np.float64)
    total[:, 100 : 100 + 4 * 1440] = good[:, 100 : 100 + 4 * 1440] = 0.0
    evaluator = IncrementalEvaluator(objectives, T0)
    for i in range(n):
        if total[0, i] or i < 100 or i >= 100 + 4 * 1440:
            evaluator.append(T0 + 60 * i, good[:, i], total[:, i])
    evaluator.advance_to(T0 + 60 * n)

    block = evaluator.evaluate(T0 + 60 * n)

    for k, objective in enumerate(objectives):
        expected = evaluate(Series(T0, good[k], total[k]), objective)
        actual = block.row(k)
        assert actual.total == expected.total
        assert actual.good == pytest.approx(expected.good)
        assert actual.window_start == expected.window_start


@pytest.mark.parametrize("slice_minutes", [7, 60])
def test_it_cuts_the_first_slice_of_a_calendar_period(slice_minutes: int) -> None:
    # Minutes around midnight, all good except the first minute of the first whole slice
    # of the day: the cut slice before it must stay good.
    objective = Objective(
        0.9,
        CalendarWindow("d", time_zone="Asia/Kolkata"),  # midnight is at :30 UTC
        Budgeting.TIMESLICES,
        time_slice_target=1.0,
        time_slice_window_s=60 * slice_minutes,
    )
    midnight = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) - 330 * 60
    first_whole = midnight // 60 + (-(midnight // 60)) % slice_minutes
    start = midnight - 3 * 3600
    n = 3 * 60 + 2 * slice_minutes + 90
    good = np.ones(n)
    good[first_whole - start // 60] = 0.0
    evaluator = IncrementalEvaluator([objective], start)
    for i in range(n):
        evaluator.append(start + 60 * i, [good[i]], [1.0])

    actual = evaluator.evaluate().row(0)

    expected = evaluate(Series(start, good, np.ones(n)), objective)
    assert actual == expected
    assert actual.window_start == midnight
    assert actual.good == actual.total - 1  # only the slice holding the bad minute is bad
