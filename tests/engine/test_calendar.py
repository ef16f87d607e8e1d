"""Calendar windows: period starts and lengths in the SLO's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from ekkyo.engine import CalendarWindow, Objective, Series, evaluate

DAY = 86400


def ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())  # type: ignore[misc]


@pytest.mark.parametrize(
    ("window", "at", "start", "days"),
    [
        # months of 28, 29, 30 and 31 days
        (CalendarWindow("M"), ts(2026, 2, 15), ts(2026, 2, 1), 28),
        (CalendarWindow("M"), ts(2024, 2, 15), ts(2024, 2, 1), 29),
        (CalendarWindow("M"), ts(2026, 4, 15), ts(2026, 4, 1), 30),
        (CalendarWindow("M"), ts(2026, 1, 15), ts(2026, 1, 1), 31),
        # at a period's first instant, the period that just ended (it holds T - 1 minute)
        (CalendarWindow("M"), ts(2026, 3, 1), ts(2026, 2, 1), 28),
        (CalendarWindow("M"), ts(2026, 3, 1, 0, 1), ts(2026, 3, 1), 31),
        # DST in New York: March loses an hour, November gains one; both count whole days
        (CalendarWindow("M", time_zone="America/New_York"), ts(2026, 3, 20), ts(2026, 3, 1, 5), 31),
        (
            CalendarWindow("M", time_zone="America/New_York"),
            ts(2026, 11, 15),
            ts(2026, 11, 1, 4),
            30,
        ),
        (
            CalendarWindow("d", time_zone="America/New_York"),
            ts(2026, 3, 8, 12),
            ts(2026, 3, 8, 5),
            1,
        ),
        (
            CalendarWindow("d", time_zone="America/New_York"),
            ts(2026, 3, 9, 4),
            ts(2026, 3, 8, 5),
            1,
        ),
        (
            CalendarWindow("d", time_zone="America/New_York"),
            ts(2026, 11, 2, 4),
            ts(2026, 11, 1, 4),
            1,
        ),
        # Berlin changes on the last Sunday of March and October
        (CalendarWindow("M", time_zone="Europe/Berlin"), ts(2026, 3, 30), ts(2026, 2, 28, 23), 31),
        (CalendarWindow("M", time_zone="Europe/Berlin"), ts(2026, 10, 30), ts(2026, 9, 30, 22), 31),
        (CalendarWindow("M", time_zone="Europe/Berlin"), ts(2026, 11, 2), ts(2026, 10, 31, 23), 30),
        # Tokyo's month starts at 15:00 UTC the day before
        (
            CalendarWindow("M", time_zone="Asia/Tokyo"),
            ts(2026, 1, 31, 15),
            ts(2025, 12, 31, 15),
            31,
        ),
        (
            CalendarWindow("M", time_zone="Asia/Tokyo"),
            ts(2026, 1, 31, 15, 1),
            ts(2026, 1, 31, 15),
            28,
        ),
        # weeks start on Monday, or on the anchor's weekday
        (CalendarWindow("w"), ts(2026, 1, 1, 12), ts(2025, 12, 29), 7),
        (
            CalendarWindow("w", anchor=datetime(2025, 12, 28)),
            ts(2026, 1, 1, 12),
            ts(2025, 12, 28),
            7,
        ),
        (
            CalendarWindow("w", count=2, anchor=datetime(2026, 1, 5)),
            ts(2026, 1, 20),
            ts(2026, 1, 19),
            14,
        ),
        (
            CalendarWindow("w", count=2, anchor=datetime(2026, 1, 5)),
            ts(2026, 1, 10),
            ts(2026, 1, 5),
            14,
        ),
        # quarters, years, multi-month periods from January 1970
        (CalendarWindow("Q"), ts(2026, 5, 10), ts(2026, 4, 1), 91),
        (CalendarWindow("Y"), ts(2024, 7, 1), ts(2024, 1, 1), 366),
        (CalendarWindow("M", count=2), ts(2026, 4, 10), ts(2026, 3, 1), 61),
        # an aware anchor is converted to the zone: days from 09:00 in Tokyo
        (
            CalendarWindow("d", time_zone="Asia/Tokyo", anchor=datetime(2026, 1, 1, tzinfo=UTC)),
            ts(2026, 3, 3, 5),
            ts(2026, 3, 3),
            1,
        ),
        # a month anchored on the 31st clamps to shorter months' last day
        (CalendarWindow("M", anchor=datetime(2026, 1, 31)), ts(2026, 3, 5), ts(2026, 2, 28), 31),
    ],
)
def test_it_finds_the_calendar_period(
    window: CalendarWindow, at: int, start: int, days: int
) -> None:
    result = evaluate(Series(at - 60, np.ones(1), np.ones(1)), Objective(0.99, window), at=at)

    assert (result.window_start, result.window_end, result.length_s) == (start, at, days * DAY)


def test_it_counts_only_the_period_so_far_for_a_calendar_window() -> None:
    at = ts(2026, 2, 1, 0, 30)
    series = Series(at - 3600, np.full(60, 1.0), np.full(60, 2.0))

    result = evaluate(series, Objective(0.9, CalendarWindow("M")), at=at)

    assert result.total == 60.0  # the 30 minutes of February
