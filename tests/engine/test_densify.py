"""densify: sparse buckets into dense per-minute arrays."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from ekkyo.engine import Buckets, densify

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def test_it_adds_the_counts_of_repeated_minutes() -> None:
    buckets = Buckets.counts([T0 + 60, T0, T0 + 60], [1, 5, 2], [3, 5, 4])

    series = densify(buckets)

    assert series.start == T0
    assert_array_equal(series.good, [5, 3])
    assert_array_equal(series.total, [5, 7])


def test_it_keeps_the_last_value_of_a_minute_in_input_order() -> None:
    buckets = Buckets.values([T0 + 60, T0, T0 + 60, T0 + 60], [1.0, 2.0, 3.0, 4.0])

    series = densify(buckets)

    assert series.value is not None
    assert_array_equal(series.value, [2.0, 4.0])


def test_it_ignores_rows_without_a_value_when_picking_the_last_value() -> None:
    counts = Buckets.counts([T0], [1], [1])
    buckets = Buckets.concat([Buckets.values([T0], [7.0]), counts])

    series = densify(buckets)

    assert series.value is not None
    assert_array_equal(series.value, [7.0])
    assert_array_equal(series.total, [1.0])


def test_it_leaves_minutes_without_data_empty() -> None:
    series = densify(Buckets.counts([T0, T0 + 180], [1, 2], [1, 2]))

    assert_array_equal(series.total, [1, 0, 0, 2])


def test_it_drops_rows_outside_the_requested_range() -> None:
    buckets = Buckets.counts([T0 - 60, T0, T0 + 60, T0 + 120], [1, 2, 3, 4], [1, 2, 3, 4])

    series = densify(buckets, start=T0, end=T0 + 120)

    assert_array_equal(series.good, [2, 3])


def test_it_has_no_values_for_count_only_buckets() -> None:
    assert densify(Buckets.counts([T0], [1], [1])).value is None


def test_it_densifies_no_buckets_to_an_empty_series() -> None:
    series = densify(Buckets.empty(), start=T0, end=T0)

    assert len(series) == 0


def test_it_rejects_a_timestamp_off_the_minute() -> None:
    with pytest.raises(ValueError, match=str(T0 + 30)):
        densify(Buckets.counts([T0, T0 + 30], [1, 1], [1, 1]))


def test_it_keeps_integer_counts_exact() -> None:
    big = 2.0**52
    series = densify(Buckets.counts([T0, T0], [big, 1.0], [big, 1.0]))

    assert series.total[0] == big + 1.0
    assert np.float64(big + 1.0) != np.float64(big)
