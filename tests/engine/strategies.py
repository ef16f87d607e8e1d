"""Hypothesis strategies and a comparison helper shared by the engine's property tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ekkyo.engine import (
    Buckets,
    Budgeting,
    CalendarWindow,
    Objective,
    Result,
    RollingWindow,
    Threshold,
)

from .reference import Row

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata"]
# Evaluation times near month ends, DST changes and leap days, where calendars go wrong.
AROUND = [
    datetime(2024, 3, 1, tzinfo=UTC),
    datetime(2025, 3, 9, 7, tzinfo=UTC),
    datetime(2025, 3, 30, 1, tzinfo=UTC),
    datetime(2025, 11, 2, 6, tzinfo=UTC),
    datetime(2025, 10, 26, 1, tzinfo=UTC),
    datetime(2026, 1, 1, tzinfo=UTC),
    datetime(2026, 5, 1, tzinfo=UTC),
]


@st.composite
def evaluation_times(draw: st.DrawFn) -> int:
    base = int(draw(st.sampled_from(AROUND)).timestamp())
    return base + 60 * draw(st.integers(-3 * 1440, 3 * 1440))


def windows() -> st.SearchStrategy[RollingWindow | CalendarWindow]:
    rolling = st.builds(
        RollingWindow,
        st.sampled_from([3600, 86400, 7 * 86400, 28 * 86400, 30 * 86400])
        | st.integers(1, 50000).map(lambda m: 60 * m),
    )
    anchors = st.none() | st.builds(
        datetime,
        st.integers(2024, 2026),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.sampled_from([0, 30]),
    )
    calendar = st.builds(
        CalendarWindow,
        unit=st.sampled_from(["d", "w", "M", "Q", "Y"]),
        count=st.integers(1, 3),
        time_zone=st.sampled_from(ZONES),
        anchor=anchors,
    )
    return rolling | calendar


@st.composite
def objectives(draw: st.DrawFn) -> Objective:
    budgeting = draw(st.sampled_from(list(Budgeting)))
    threshold = draw(
        st.none()
        | st.builds(
            Threshold, st.sampled_from(["lt", "lte", "gt", "gte"]), st.integers(0, 10).map(float)
        )
    )
    tst = None
    if budgeting is Budgeting.TIMESLICES and threshold is None:
        tst = draw(st.sampled_from([0.5, 0.9, 1.0]) | st.floats(0.01, 1.0))
    slice_s = 60
    if budgeting is not Budgeting.OCCURRENCES:
        slice_s = 60 * draw(st.sampled_from([1, 2, 5, 7, 60]))
    target = draw(st.sampled_from([0.5, 0.9, 0.99, 0.999, 0.9375]) | st.floats(0.01, 0.999))
    return Objective(
        target=target,
        window=draw(windows()),
        budgeting=budgeting,
        threshold=threshold,
        time_slice_target=tst,
        time_slice_window_s=slice_s,
    )


@st.composite
def bucket_rows(draw: st.DrawFn, at: int, threshold: bool) -> list[Row]:
    """Sparse rows around ``at``, most of them close to it so burn windows see data."""
    minutes_back = st.integers(-5, 300) | st.integers(-5, 5000) | st.integers(-5, 60000)
    rows: list[Row] = []
    for _ in range(draw(st.integers(0, 40))):
        t = at - 60 * draw(minutes_back)
        if threshold:
            value = draw(st.integers(0, 10).map(float))
            rows.append((t, math.nan, math.nan, value))
        else:
            total = draw(st.integers(0, 20))
            good = draw(st.integers(0, total))
            rows.append((t, float(good), float(total), math.nan))
    return rows


def to_buckets(rows: list[Row]) -> Buckets:
    cols = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
    return Buckets(
        t=np.array(cols[0], dtype=np.int64),
        good=np.array(cols[1], dtype=np.float64),
        total=np.array(cols[2], dtype=np.float64),
        value=np.array(cols[3], dtype=np.float64),
    )


def _close(actual: float | None, expected: object, name: str) -> None:
    if expected is None:
        assert actual is None, f"{name}: expected None, got {actual}"
        return
    assert actual is not None, f"{name}: expected {expected}, got None"
    assert_allclose(actual, expected, rtol=1e-9, atol=1e-9, err_msg=name)


def assert_matches(result: Result, expected: dict[str, object]) -> None:
    """Every quantity of ``result`` equals the reference's (floats to 1e-9)."""
    assert result.window_start == expected["window_start"]
    assert result.window_end == expected["window_end"]
    assert result.length_s == expected["length_s"]
    for name in ("good", "total", "allowed_bad", "sli", "consumed_ratio", "remaining_ratio"):
        _close(getattr(result, name), expected[name], name)
    burn = expected["burn_rates"]
    assert isinstance(burn, dict)
    assert list(result.burn_rates) == list(burn)
    for name, value in burn.items():
        _close(result.burn_rates[name], value, f"burn {name}")
    tte = expected["time_to_exhaustion_s"]
    if tte is not None and result.time_to_exhaustion_s is not None:
        # r * P / b amplifies rounding of r near 0; compare relative to P.
        assert_allclose(result.time_to_exhaustion_s, tte, rtol=1e-7, atol=1e-6 * result.length_s)
    else:
        assert result.time_to_exhaustion_s == tte
    got = {(a.severity, a.long_window, a.short_window): a.factor for a in result.alerts}
    want = {a[:3]: a[3] for a in expected["alerts"]}  # type: ignore[attr-defined]
    for key in set(got) | set(want):
        if key in got and key in want:
            assert_allclose(got[key], want[key], rtol=1e-12, err_msg=f"factor {key}")
            continue
        # Only an exact tie between a burn rate and its factor may round either way.
        factor = got.get(key, want.get(key))
        near = [
            abs((result.burn_rates[w] or 0.0) - factor) <= 1e-9 * max(1.0, factor) for w in key[1:]
        ]
        assert any(near), f"alert {key}: engine {sorted(got)} != reference {sorted(want)}"
