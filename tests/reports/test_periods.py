"""Report periods: calendar months and quarters in a zone, as the engine's calendar has them."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.reports.periods import PeriodError, containing, months_of, parse, shift


def utc(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def test_it_starts_tokyo_months_at_local_midnight():
    p = parse("2026-02", "Asia/Tokyo")
    assert (p.start, p.end) == (utc("2026-01-31T15:00"), utc("2026-02-28T15:00"))
    assert p.length_s == 28 * 86400 and p.label == "2026-02"


@pytest.mark.parametrize(
    ("label", "days"), [("2026-01", 31), ("2026-04", 30), ("2026-02", 28), ("2028-02", 29)]
)
def test_it_gives_months_their_number_of_days(label, days):
    assert parse(label, "Asia/Tokyo").length_s == days * 86400


def test_it_makes_quarters_of_three_months():
    q = parse("2026-Q1", "Asia/Tokyo")
    assert q.length_s == 90 * 86400 and q.unit == "Q"
    assert [m.label for m in months_of(q)] == ["2026-01", "2026-02", "2026-03"]
    assert months_of(q)[0].start == q.start and months_of(q)[-1].end == q.end


def test_it_keeps_wall_clock_month_lengths_across_dst():
    # March 2026 in New York loses an hour to DST, but is 31 days long as SLO_MATH.md says.
    p = parse("2026-03", "America/New_York")
    assert p.length_s == 31 * 86400 and p.end - p.start == 31 * 86400 - 3600


def test_it_shifts_across_years():
    assert shift(parse("2026-01"), -1).label == "2025-12"
    assert shift(parse("2026-Q4"), 1).label == "2027-Q1"


def test_it_finds_the_period_of_an_instant_in_the_zone():
    # 20:00 UTC on 31 January is already February in Tokyo.
    assert containing("month", utc("2026-01-31T20:00"), "Asia/Tokyo").label == "2026-02"
    assert containing("month", utc("2026-01-31T20:00"), "UTC").label == "2026-01"


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-01", "2026/01", "0001-01", ""])
def test_it_refuses_bad_periods_naming_the_field(text):
    with pytest.raises(PeriodError, match=r"^period: "):
        parse(text)


def test_it_refuses_an_unknown_zone_naming_the_field():
    with pytest.raises(PeriodError, match=r"^tz: "):
        parse("2026-01", "Mars/Olympus")


ZONES = ["Asia/Tokyo", "UTC", "America/New_York", "Europe/London", "Australia/Adelaide"]


@given(st.integers(1971, 2090), st.integers(1, 12), st.sampled_from(ZONES))
def test_it_tiles_time_with_months_of_their_calendar_length(year, number, zone):
    p = parse(f"{year:04d}-{number:02d}", zone)
    assert p.length_s == calendar.monthrange(year, number)[1] * 86400
    assert shift(p, 1).start == p.end and shift(p, -1).end == p.start
    assert containing("month", p.start, zone) == p
