"""Cadences: RFC 5545 rules in wall-clock time of the series' zone, across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.reviews.cadence import (
    Cadence,
    CadenceError,
    next_after,
    occurrences,
    previous_before,
    upcoming,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def local(zone, *args):
    return dt.datetime(*args, tzinfo=zone)


def test_it_keeps_a_tokyo_weekly_session_at_the_same_utc_instant():
    cadence = Cadence("FREQ=WEEKLY;BYDAY=WE", local(TOKYO, 2026, 3, 4, 16, 0), "Asia/Tokyo")
    found = occurrences(cadence, local(TOKYO, 2026, 3, 1), local(TOKYO, 2026, 4, 1))
    assert [o.astimezone(TOKYO).day for o in found] == [4, 11, 18, 25]
    # Japan has no daylight saving time: 16:00 JST is 07:00 UTC every week.
    assert {(o.hour, o.minute) for o in found} == {(7, 0)}
    assert all(o.tzinfo == dt.UTC for o in found)


def test_it_keeps_new_york_wall_clock_time_across_the_spring_change():
    cadence = Cadence(
        "FREQ=WEEKLY;BYDAY=TU", local(NEW_YORK, 2026, 3, 3, 10, 0), "America/New_York"
    )
    found = occurrences(cadence, local(NEW_YORK, 2026, 3, 1), local(NEW_YORK, 2026, 3, 18))
    # DST starts on Sunday 8 March 2026: 10:00 EST is 15:00 UTC, 10:00 EDT is 14:00 UTC.
    assert found == [
        dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 17, 14, 0, tzinfo=dt.UTC),
    ]


def test_it_keeps_new_york_wall_clock_time_across_the_autumn_change():
    cadence = Cadence(
        "FREQ=WEEKLY;BYDAY=TU", local(NEW_YORK, 2026, 10, 27, 10, 0), "America/New_York"
    )
    found = occurrences(cadence, local(NEW_YORK, 2026, 10, 26), local(NEW_YORK, 2026, 11, 5))
    # DST ends on Sunday 1 November 2026.
    assert [o.hour for o in found] == [14, 15]
    assert {o.astimezone(NEW_YORK).hour for o in found} == {10}


def test_it_moves_a_time_that_does_not_exist_past_the_gap():
    # 02:30 on 8 March 2026 does not exist in New York; RFC 5545 reads it with the
    # offset from before the gap (EST), which is 03:30 EDT.
    cadence = Cadence("FREQ=DAILY;COUNT=3", local(NEW_YORK, 2026, 3, 7, 2, 30), "America/New_York")
    found = occurrences(cadence, local(NEW_YORK, 2026, 3, 1), local(NEW_YORK, 2026, 3, 12))
    assert [o.astimezone(NEW_YORK).strftime("%d %H:%M %Z") for o in found] == [
        "07 02:30 EST",
        "08 03:30 EDT",
        "09 02:30 EDT",
    ]


def test_it_takes_the_first_of_a_time_that_occurs_twice():
    cadence = Cadence(
        "FREQ=DAILY;COUNT=2", local(NEW_YORK, 2026, 10, 31, 1, 30), "America/New_York"
    )
    found = occurrences(cadence, local(NEW_YORK, 2026, 10, 30), local(NEW_YORK, 2026, 11, 3))
    assert found[1] == dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)  # 01:30 EDT, not EST


def test_it_finds_the_next_and_previous_session():
    cadence = Cadence(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", local(TOKYO, 2026, 1, 8, 15, 0), "Asia/Tokyo"
    )
    at = local(TOKYO, 2026, 1, 23, 12, 0)
    assert next_after(cadence, at) == local(TOKYO, 2026, 2, 5, 15, 0)
    assert previous_before(cadence, at) == local(TOKYO, 2026, 1, 22, 15, 0)
    start = local(TOKYO, 2026, 1, 22, 15, 0)
    assert next_after(cadence, start) == local(TOKYO, 2026, 2, 5, 15, 0)
    assert next_after(cadence, start, inclusive=True) == start


def test_it_lists_upcoming_sessions_until_the_rule_ends():
    cadence = Cadence("FREQ=MONTHLY;BYDAY=1MO;COUNT=3", local(TOKYO, 2026, 1, 5, 10), "Asia/Tokyo")
    found = upcoming(cadence, local(TOKYO, 2025, 12, 1), 10)
    assert [o.astimezone(TOKYO).date() for o in found] == [
        dt.date(2026, 1, 5),
        dt.date(2026, 2, 2),
        dt.date(2026, 3, 2),
    ]


def test_it_treats_an_empty_rule_as_one_session():
    start = local(TOKYO, 2026, 1, 5, 10)
    cadence = Cadence("", start, "Asia/Tokyo")
    assert upcoming(cadence, local(TOKYO, 2026, 1, 1), 3) == [start]
    assert next_after(cadence, start) is None


@pytest.mark.parametrize(
    ("rule", "zone", "field"),
    [
        ("BYDAY=WE", "Asia/Tokyo", "rrule"),
        ("FREQ=MINUTELY", "Asia/Tokyo", "rrule"),
        ("FREQ=HOURLY", "Asia/Tokyo", "rrule"),
        ("DTSTART:20260101T000000Z", "Asia/Tokyo", "rrule"),
        ("FREQ=WEEKLY;BYDAY=XX", "Asia/Tokyo", "rrule"),
        ("FREQ=WEEKLY\nFREQ=DAILY", "Asia/Tokyo", "rrule"),
        ("FREQ=WEEKLY", "Mars/Olympus", "time_zone"),
    ],
)
def test_it_refuses_a_cadence_it_cannot_use_and_names_the_field(rule, zone, field):
    with pytest.raises(CadenceError) as caught:
        Cadence(rule, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), zone)
    assert str(caught.value).startswith(field + ": ")


def test_it_refuses_a_naive_start():
    with pytest.raises(CadenceError, match="starts_at"):
        Cadence("FREQ=WEEKLY", dt.datetime(2026, 1, 1), "UTC")


@settings(max_examples=60, deadline=None)
@given(
    day=st.integers(0, 364),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    interval=st.integers(1, 3),
    zone=st.sampled_from(["Asia/Tokyo", "America/New_York", "Europe/London", "UTC"]),
)
def test_it_keeps_every_weekly_session_at_the_first_ones_wall_clock_time(
    day, hour, minute, interval, zone
):
    tz = ZoneInfo(zone)
    first = (dt.datetime(2026, 1, 1) + dt.timedelta(days=day)).replace(hour=hour, minute=minute)
    cadence = Cadence(f"FREQ=WEEKLY;INTERVAL={interval}", first.replace(tzinfo=tz), zone)
    found = occurrences(
        cadence,
        first.replace(tzinfo=tz) - dt.timedelta(days=1),
        first.replace(tzinfo=tz) + dt.timedelta(days=400),
    )
    # Reference: the wall-clock dates every `interval` weeks, resolved with fold=0.
    expected = [
        (first + dt.timedelta(weeks=interval * k)).replace(tzinfo=tz).astimezone(dt.UTC)
        for k in range(len(found) + 1)
    ]
    expected = [e for e in expected if e < first.replace(tzinfo=tz) + dt.timedelta(days=400)]
    assert found == expected
