"""Per-minute counter increases (pure), held to ground truth with hypothesis.

Points stand for what a 60 s-step range query returns: each series has a value at some of
the minute boundaries ``T0 + 60 k``.  The generator knows each series' true gain per minute;
the computed minute sums must equal it, with a gap's gains all landing in the minute the
series comes back.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.sources.prometheus_client import Series
from ekkyo.sources.prometheus_counts import (
    DATA_START_GRACE_S,
    CounterIncreases,
    MinuteCounts,
    gauge_counts,
    single_values,
)

T0 = 1_699_999_980
GRACE_POINTS = DATA_START_GRACE_S // 60


def _series(name: str, points: dict[int, float]) -> Series:
    ks = sorted(points)
    return Series(
        {"s": name},
        np.array([T0 + 60 * k for k in ks], dtype=np.int64),
        np.array([points[k] for k in ks], dtype=np.float64),
    )


def _feed(series: list[Series], minutes: int, chunks: list[int] | None = None) -> MinuteCounts:
    """Feed like the puller: chunk by chunk, the first chunk with its baseline point."""
    bounds = [0, *sorted(chunks or []), minutes]
    counter = CounterIncreases()
    sums, present = [], []
    for lo, hi in itertools.pairwise(bounds):
        if hi <= lo:
            continue
        # Points ``lo`` (baseline: only in the first chunk) .. ``hi``.
        first = lo if lo == 0 else lo + 1
        part = [
            Series(s.labels, s.t[m], s.v[m])
            for s in series
            if (m := (s.t >= T0 + 60 * first) & (s.t <= T0 + 60 * hi)).any()
        ]
        counter.data_start.observe(part)
        out = MinuteCounts.zeros(T0 + 60 * lo, hi - lo)
        counter.feed(part, out)
        sums.append(out.sums)
        present.append(out.present)
    return MinuteCounts(T0, np.concatenate(sums), np.concatenate(present))


def test_it_counts_differences_between_consecutive_minutes():
    out = _feed([_series("a", {0: 100, 1: 103, 2: 103, 3: 110})], 3)
    assert out.sums.tolist() == [3, 0, 7]
    assert out.present.tolist() == [True, True, True]


def test_it_takes_the_new_value_after_a_decrease():
    out = _feed([_series("a", {0: 100, 1: 103, 2: 4, 3: 6})], 3)
    assert out.sums.tolist() == [3, 4, 2]


def test_it_puts_a_gap_s_increase_in_the_minute_after_the_gap():
    out = _feed([_series("a", {0: 10, 1: 11, 5: 20, 6: 21})], 6)
    assert out.sums.tolist() == [1, 0, 0, 0, 9, 1]
    assert out.present.tolist() == [True, False, False, False, True, True]


def test_it_counts_a_series_born_after_the_grace_from_zero():
    born = GRACE_POINTS + 1
    out = _feed([_series("a", {k: 0 for k in range(9)}), _series("b", {born: 5, born + 1: 6})], 8)
    assert out.sums[born - 1] == 5
    assert out.sums[born] == 1


def test_it_takes_a_series_first_seen_within_the_grace_as_baseline():
    late = GRACE_POINTS
    out = _feed(
        [_series("a", {k: 0 for k in range(9)}), _series("b", {late: 500, late + 1: 501})], 8
    )
    assert out.sums[late - 1] == 0
    assert out.sums[late] == 1


def test_it_takes_everything_as_baseline_when_the_data_begins_mid_range():
    out = _feed([_series("a", {3: 1000, 4: 1001}), _series("b", {3: 50, 4: 52})], 4)
    assert out.sums.tolist() == [0, 0, 0, 3]
    assert out.present.tolist() == [False, False, False, True]


def test_it_skips_nan_points():
    out = _feed([_series("a", {0: 1, 1: float("nan"), 2: 4})], 2)
    assert out.sums.tolist() == [0, 3]
    assert out.present.tolist() == [False, True]


def test_it_adds_gauge_values_to_the_minute_they_end():
    out = MinuteCounts.zeros(T0, 3)
    gauge_counts([_series("a", {0: 9, 1: 2, 3: 0.5}), _series("b", {1: 1})], out, scale=60)
    assert out.sums.tolist() == [180, 0, 30]
    assert out.present.tolist() == [True, False, True]


def test_it_reports_minutes_with_two_threshold_values():
    out = MinuteCounts.zeros(T0, 3)
    doubled = single_values([_series("a", {1: 0.1, 2: 0.2}), _series("b", {2: 0.3})], out)
    assert doubled == [T0 + 60]


@dataclass
class _Truth:
    series: list[Series]
    expected: np.ndarray
    present: np.ndarray


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[_Truth, int, list[int]]:
    minutes = draw(st.integers(1, 40))
    expected = np.zeros(minutes)
    present = np.zeros(minutes, dtype=bool)
    series = []
    count = draw(st.integers(1, 4))
    for i in range(count):
        # The first series exists when the data begins; others may be born later.
        if i == 0 or minutes <= GRACE_POINTS or draw(st.booleans()):
            born = 0
        else:
            born = draw(st.integers(GRACE_POINTS + 1, minutes))
        if born == 0:
            value = float(draw(st.integers(0, 10**6)))  # history before the range
        else:
            value = float(draw(st.integers(0, 50)))  # a new counter's first gain
            expected[born - 1] += value
            present[born - 1] = True
        points = {born: value}
        pending = 0.0  # gains since the last point the query returned
        previous_seen = True
        for k in range(born + 1, minutes + 1):
            gain = float(draw(st.integers(0, 50)))
            seen = draw(st.integers(0, 4)) > 0
            # A restart is only recognisable when the new value is below the old one,
            # and only at a point right after another (inside a gap its gains are lost).
            restart = seen and previous_seen and gain < value and draw(st.integers(0, 9)) == 0
            value = gain if restart else value + gain
            pending += gain
            if seen:
                points[k] = value
                expected[k - 1] += pending
                present[k - 1] = True
                pending = 0.0
            previous_seen = seen
        series.append(_series(f"s{i}", points))
    chunks = draw(st.lists(st.integers(1, minutes), max_size=4))
    return _Truth(series, expected, present), minutes, chunks


@settings(max_examples=300, deadline=None)
@given(_scenarios())
def test_it_matches_the_true_gains_however_the_range_is_chunked(scenario):
    truth, minutes, chunks = scenario
    out = _feed(truth.series, minutes, chunks)
    np.testing.assert_array_equal(out.sums, truth.expected)
    np.testing.assert_array_equal(out.present, truth.present)


@settings(max_examples=100, deadline=None)
@given(_scenarios())
def test_it_gives_the_same_counts_chunked_and_whole(scenario):
    truth, minutes, chunks = scenario
    whole = _feed(truth.series, minutes)
    chunked = _feed(truth.series, minutes, chunks)
    np.testing.assert_array_equal(whole.sums, chunked.sums)
    np.testing.assert_array_equal(whole.present, chunked.present)
