"""Silence windows: RRULE occurrences across DST and in Tokyo, and the minute mask (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.alerting.windows import (
    WindowError,
    WindowSpec,
    apply_mask,
    covering,
    minute_mask,
    occurrences,
)
from ekkyo.engine import Series

NY = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def ts(*args: int, tz=UTC) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp())


def local(seconds: int, tz) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).astimezone(tz)


def test_it_keeps_a_weekly_window_at_the_same_local_time_across_the_fall_back():
    # Sundays 01:00-03:00 in New York; DST ends on Sunday 2025-11-02.
    window = WindowSpec(
        datetime(2025, 10, 19, 1, tzinfo=NY),
        datetime(2025, 10, 19, 3, tzinfo=NY),
        "FREQ=WEEKLY;BYDAY=SU",
        "America/New_York",
    )

    found = occurrences(window, ts(2025, 10, 25), ts(2025, 11, 12))

    assert [local(s, NY).strftime("%m-%d %H:%M %z") for s, _ in found] == [
        "10-26 01:00 -0400",
        "11-02 01:00 -0400",  # 01:00 happens twice that night: the first one (RFC 5545)
        "11-09 01:00 -0500",
    ]
    assert {e - s for s, e in found} == {7200}  # exact elapsed duration


def test_it_moves_a_start_that_does_not_exist_to_after_the_gap():
    # 02:30 does not exist in New York on 2025-03-09: RFC 5545 reads it with the
    # offset before the gap, i.e. 03:30 EDT.
    window = WindowSpec(
        datetime(2025, 3, 1, 2, 30, tzinfo=NY),
        datetime(2025, 3, 1, 3, 0, tzinfo=NY),
        "RRULE:FREQ=DAILY",
        "America/New_York",
    )

    found = occurrences(window, ts(2025, 3, 9, 0), ts(2025, 3, 9, 12))

    assert found == [(ts(2025, 3, 9, 7, 30), ts(2025, 3, 9, 8, 0))]


def test_it_expands_a_monthly_window_in_tokyo_time():
    # The first Tuesday of each month, 03:00-05:00 JST (18:00 UTC the day before).
    window = WindowSpec(
        datetime(2026, 1, 6, 3, tzinfo=TOKYO),
        datetime(2026, 1, 6, 5, tzinfo=TOKYO),
        "FREQ=MONTHLY;BYDAY=1TU",
        "Asia/Tokyo",
    )

    found = occurrences(window, ts(2026, 2, 1), ts(2026, 4, 1))

    assert found == [
        (ts(2026, 2, 2, 18), ts(2026, 2, 2, 20)),
        (ts(2026, 3, 2, 18), ts(2026, 3, 2, 20)),
    ]


def test_it_stops_at_until():
    window = WindowSpec(
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 1, tzinfo=UTC),
        "FREQ=DAILY;UNTIL=20260103T000000Z",
    )

    found = occurrences(window, ts(2026, 1, 1), ts(2026, 1, 10))

    assert len(found) == 3


def test_it_finds_an_occurrence_that_began_before_the_range():
    window = WindowSpec(
        datetime(2026, 1, 1, 22, tzinfo=UTC), datetime(2026, 1, 2, 2, tzinfo=UTC), "FREQ=DAILY"
    )

    assert covering(window, ts(2026, 1, 5, 1))
    assert not covering(window, ts(2026, 1, 5, 2))


@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        ("FREQ=MINUTELY", "too frequent"),
        ("BYDAY=SU", "FREQ is required"),
        ("FREQ=WEEKLY;BYDAY=XX", "rrule"),
        ("DTSTART:20260101T000000Z", "only the RRULE"),
        ("FREQ=DAILY;UNTIL=20260103T000000", "rrule"),
    ],
)
def test_it_refuses_a_rule_it_cannot_use(rrule, message):
    with pytest.raises(WindowError, match=message):
        WindowSpec(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC), rrule)


def test_it_refuses_an_unknown_time_zone():
    with pytest.raises(WindowError, match="time_zone"):
        WindowSpec(
            datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 1, tzinfo=UTC), "", "Mars/Base"
        )


def test_it_masks_every_minute_a_window_touches():
    start = ts(2026, 1, 1)

    mask = minute_mask([(start + 90, start + 150)], start, 5)

    assert mask.tolist() == [False, True, True, False, False]


@given(
    st.lists(st.tuples(st.integers(-300, 3000), st.integers(1, 900)), max_size=6),
    st.integers(1, 50),
)
def test_it_masks_like_a_minute_by_minute_reference(pieces, n):
    start = ts(2026, 1, 1)
    windows = [(start + a, start + a + length) for a, length in pieces]

    mask = minute_mask(windows, start, n)

    expected = [
        any(s < start + 60 * (i + 1) and e > start + 60 * i for s, e in windows) for i in range(n)
    ]
    assert mask.tolist() == expected


def test_it_turns_masked_minutes_into_minutes_without_data():
    series = Series(
        ts(2026, 1, 1), np.array([9.0, 8, 7]), np.array([10.0, 10, 10]), np.array([1.0, 2, 3])
    )

    masked = apply_mask(series, np.array([False, True, False]))

    assert masked.total.tolist() == [10.0, 0.0, 10.0]
    assert masked.good.tolist() == [9.0, 0.0, 7.0]
    assert np.isnan(masked.value[1]) and masked.value[2] == 3.0
