from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.specs import Duration, DurationError, parse_duration

SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@pytest.mark.parametrize(
    ("text", "count", "unit", "seconds"),
    [
        ("30s", 30, "s", 30),
        ("5m", 5, "m", 300),
        ("1h", 1, "h", 3600),
        ("28d", 28, "d", 2_419_200),
        ("4w", 4, "w", 2_419_200),
        ("1M", 1, "M", None),
        ("1Q", 1, "Q", None),
        ("2Y", 2, "Y", None),
    ],
)
def test_it_parses_every_openslo_unit(text: str, count: int, unit: str, seconds: int | None):
    duration = parse_duration(text)
    assert duration == Duration(count, unit)
    assert duration.seconds == seconds
    assert str(duration) == text


@pytest.mark.parametrize(
    "text", ["", "d", "28", "0d", "-1d", "1.5h", "28 d", " 28d", "28days", "1x"]
)
def test_it_rejects_malformed_durations(text: str):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_it_suggests_the_right_case_for_a_unit():
    with pytest.raises(DurationError, match="did you mean '1d'"):
        parse_duration("1D")


def test_it_allows_zero_only_when_asked():
    assert parse_duration("0m", allow_zero=True) == Duration(0, "m")


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(sorted(SECONDS)))
def test_it_computes_seconds_as_count_times_unit(count: int, unit: str):
    assert parse_duration(f"{count}{unit}").seconds == count * SECONDS[unit]
