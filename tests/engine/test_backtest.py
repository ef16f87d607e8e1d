"""Backtest: held to the engine evaluated minute by minute through the alert state machine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.engine import (
    Budgeting,
    CalendarWindow,
    Objective,
    RollingWindow,
    Series,
    Threshold,
    evaluate,
)
from ekkyo.engine.alertstate import AlertSettings, RuleState, rule_inputs, step, window_events
from ekkyo.engine.backtest import backtest, period_lengths
from ekkyo.engine.burn import ALERT_RULES

T0 = 1_761_969_600  # 2025-11-01T04:00:00Z: midnight in New York, a month boundary there
DAY = 86400
THIRTY_DAYS = RollingWindow(30 * DAY)


def reference(series, objective, start, end, alert_settings):
    """Per rule: (pending_at, start, end, factor, peak long, peak short) by stepping minutes.

    Each rule's state machine starts its own ``for`` before ``start``.
    """
    by_severity = (
        alert_settings
        if isinstance(alert_settings, dict)
        else {"page": alert_settings, "ticket": alert_settings}
    )
    firsts = {s: start - math.ceil(v.for_s / 60) * 60 for s, v in by_severity.items()}
    states = [RuleState() for _ in ALERT_RULES]
    open_: list[list | None] = [None] * len(ALERT_RULES)
    found: list[list[tuple]] = [[] for _ in ALERT_RULES]
    for now in range(min(firsts.values()), end + 60, 60):
        result = evaluate(series, objective, at=now)
        inputs = rule_inputs(result, window_events(series, objective, now))
        for k, rule in enumerate(ALERT_RULES):
            if now < firsts[rule.severity]:
                continue
            rule_settings = by_severity[rule.severity]
            states[k], transitions = step(states[k], inputs[k], rule_settings, now)
            for t in transitions:
                if t.kind == "firing":
                    factor = rule.factor(result.length_s)
                    open_[k] = [t.started_at, now, None, factor, -np.inf, -np.inf]
                elif t.kind == "resolved" and t.was_firing:
                    open_[k][2] = now
                    found[k].append(tuple(open_[k]))
                    open_[k] = None
            if states[k].status == "firing":
                open_[k][4] = max(open_[k][4], inputs[k].long_burn)
                open_[k][5] = max(open_[k][5], inputs[k].short_burn)
    for k in range(len(ALERT_RULES)):
        if open_[k] is not None:
            found[k].append(tuple(open_[k]))
    return found


def intervals_of(result):
    return [
        [
            (i.pending_at, i.start, i.end, i.factor, i.peak_long_burn, i.peak_short_burn)
            for i in r.intervals
        ]
        for r in result.rules
    ]


def bursty(start, minutes, pieces, seed):
    """Per-minute counts in pieces of (length, total per minute, bad ratio)."""
    good = np.zeros(minutes)
    total = np.zeros(minutes)
    at = 0
    for length, per_minute, bad in pieces:
        total[at : at + length] = per_minute
        good[at : at + length] = per_minute - np.round(per_minute * bad)
        at += length
        if at >= minutes:
            break
    return Series(start, good, total)


def test_it_finds_one_page_for_one_burst_and_says_when_it_ended():
    # Two quiet hours, 20 minutes of 50 % errors, then quiet again; target 99 %.
    series = bursty(T0, 240, [(120, 100, 0.0), (20, 100, 0.5), (100, 100, 0.0)], 0)
    objective = Objective(0.99, THIRTY_DAYS)

    result = backtest(series, objective, T0 + 60, T0 + 240 * 60)

    fast = result.rules[0]
    # Factor 14.4 needs a bad ratio above 0.144: after k burst minutes the 1h ratio is
    # 0.5 k / 60, above it from k = 18 (minute 138); j minutes after the burst the 5m
    # ratio is 0.5 (5 - j) / 5, at or below it from j = 4 (minute 144).
    assert [(i.start - T0, i.end - T0) for i in fast.intervals] == [(138 * 60, 144 * 60)]
    assert fast.firing_minutes == 6


def test_it_reports_an_alert_still_firing_at_the_end_as_ongoing():
    series = bursty(T0, 60, [(60, 100, 0.5)], 0)
    objective = Objective(0.99, THIRTY_DAYS)

    result = backtest(series, objective, T0 + 60, T0 + 3600)

    interval = result.rules[0].intervals[0]
    assert interval.end is None
    assert interval.as_dict(result.rules[0].rule, result.end)["ongoing"] is True


def test_it_does_not_fire_while_the_long_window_holds_too_few_events():
    series = bursty(T0, 60, [(60, 1, 1.0)], 0)
    objective = Objective(0.99, THIRTY_DAYS)

    result = backtest(series, objective, T0 + 60, T0 + 3600, AlertSettings(min_events=100))

    assert [r.intervals for r in result.rules] == [(), (), (), ()]


def test_it_delays_firing_by_the_for_duration():
    series = bursty(T0, 120, [(60, 100, 0.0), (60, 100, 0.5)], 0)
    objective = Objective(0.99, THIRTY_DAYS)

    plain = backtest(series, objective, T0 + 60, T0 + 7200).rules[0].intervals[0]
    held = backtest(series, objective, T0 + 60, T0 + 7200, AlertSettings(for_s=600))
    interval = held.rules[0].intervals[0]

    assert (interval.pending_at, interval.start) == (plain.start, plain.start + 600)


def test_it_uses_each_calendar_months_length_for_the_factor():
    window = CalendarWindow("M", time_zone="America/New_York")
    objective = Objective(0.99, window)
    times = np.array([T0 - 60, T0, T0 + 60], dtype=np.int64)

    lengths = period_lengths(objective, times)

    # T0 still reports October (31 days) in full; a minute later November (30 days).
    assert lengths.tolist() == [31 * DAY, 31 * DAY, 30 * DAY]


@pytest.mark.parametrize(("start", "end"), [(T0 + 30, T0 + 120), (T0 + 120, T0)])
def test_it_rejects_a_bad_period(start, end):
    series = Series(T0, np.zeros(3), np.zeros(3))

    with pytest.raises(ValueError):
        backtest(series, Objective(0.99, THIRTY_DAYS), start, end)


OBJECTIVES = [
    Objective(0.99, THIRTY_DAYS),
    Objective(0.999, RollingWindow(DAY)),
    Objective(0.99, CalendarWindow("M", time_zone="America/New_York")),
    Objective(0.99, CalendarWindow("d", time_zone="Asia/Tokyo")),
    Objective(
        0.95, THIRTY_DAYS, Budgeting.TIMESLICES, time_slice_target=0.9, time_slice_window_s=300
    ),
]


@st.composite
def scenarios(draw):
    minutes = draw(st.integers(30, 420))
    pieces = draw(
        st.lists(
            st.tuples(
                st.integers(1, 90),
                st.sampled_from([0, 1, 3, 50, 400]),
                st.sampled_from([0.0, 0.01, 0.1, 0.3, 1.0]),
            ),
            min_size=1,
            max_size=8,
        )
    )
    offset = draw(st.integers(-300, 300)) * 60
    series = bursty(T0 + offset, minutes, pieces, 0)
    span = draw(st.integers(0, minutes + 60))
    start = series.start + 60 * draw(st.integers(0, minutes))

    def one():
        return AlertSettings(
            for_s=draw(st.sampled_from([0, 60, 300])), min_events=draw(st.sampled_from([0, 100]))
        )

    alert_settings = one() if draw(st.booleans()) else {"page": one(), "ticket": one()}
    return series, start, start + 60 * span, alert_settings


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(scenarios(), st.sampled_from(OBJECTIVES))
def test_it_agrees_with_the_engine_stepped_minute_by_minute(scenario, objective):
    series, start, end, alert_settings = scenario

    found = backtest(series, objective, start, end, alert_settings)

    assert intervals_of(found) == reference(series, objective, start, end, alert_settings)


@settings(max_examples=15, deadline=None)
@given(scenarios())
def test_it_agrees_with_the_engine_on_a_threshold_sli(scenario):
    series, start, end, alert_settings = scenario
    values = np.where(series.total > 0, np.where(series.good < series.total, 900.0, 100.0), np.nan)
    threshold_series = Series(series.start, series.good, series.total, values)
    objective = Objective(0.99, THIRTY_DAYS, threshold=Threshold("lt", 500.0))

    found = backtest(threshold_series, objective, start, end, alert_settings)

    assert intervals_of(found) == reference(threshold_series, objective, start, end, alert_settings)
