"""The plain-language line: what a target allows, in time and in events, in both languages."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.web.plain import allowance, format_duration, format_target, plain_line

DAY = 86400


@pytest.mark.parametrize(
    ("target", "length_s", "downtime_s", "bad", "out_of"),
    [
        (0.999, 30 * DAY, 2592.0, 1, 1000),
        (0.9999, 30 * DAY, 259.2, 1, 10000),
        (0.99, 28 * DAY, 24192.0, 1, 100),
        (0.995, 7 * DAY, 3024.0, 1, 200),
        (0.95, DAY, 4320.0, 1, 20),
        (0.97, DAY, 2592.0, 3, 100),
        (0.9995, 31 * DAY, 1339.2, 1, 2000),
        (0.9973, 30 * DAY, 6998.4, 27, 10000),
    ],
)
def test_it_says_what_a_target_allows(target, length_s, downtime_s, bad, out_of):
    allowed = allowance(target, length_s)
    assert allowed.downtime_s == pytest.approx(downtime_s)
    assert (allowed.bad, allowed.out_of, allowed.exact) == (bad, out_of, True)


@given(st.integers(1, 999_999).map(lambda n: n / 1_000_000), st.integers(60, 400 * DAY))
def test_it_keeps_the_share_of_bad_events_equal_to_the_budget(target, length_s):
    allowed = allowance(target, length_s)
    assert allowed.exact
    assert allowed.bad / allowed.out_of == pytest.approx(1 - target, rel=1e-9, abs=1e-12)
    assert allowed.downtime_s == pytest.approx((1 - target) * length_s)


def test_it_rounds_a_share_finer_than_a_millionth_to_one_in_n():
    allowed = allowance(0.99999973, 30 * DAY)
    assert (allowed.bad, allowed.out_of, allowed.exact) == (1, 3_703_704, False)


def test_it_says_about_when_the_share_is_rounded():
    with translation.override("en"):
        line = plain_line(0.99999973, 30 * DAY, "30d", True, "requests")
    assert line.endswith("or about 1 failed request in 3,703,704.")


@pytest.mark.parametrize("target", [0, 1, -0.5, 1.5])
def test_it_refuses_a_target_outside_zero_and_one(target):
    with pytest.raises(ValueError, match="target"):
        allowance(target, DAY)


@pytest.mark.parametrize(
    ("seconds", "english", "japanese"),
    [
        (2592, "43 minutes", "43分"),
        (259.2, "4 minutes 19 seconds", "4分19秒"),
        (24192, "6 hours 43 minutes", "6時間43分"),
        (3600, "1 hour", "1時間"),
        (3590, "1 hour", "1時間"),
        (45, "45 seconds", "45秒"),
        (30 * DAY, "30 days", "30日"),
        (DAY + 7200, "1 day 2 hours", "1日2時間"),
    ],
)
def test_it_words_durations_as_people_say_them(seconds, english, japanese):
    with translation.override("en"):
        assert format_duration(seconds) == english
    with translation.override("ja"):
        assert format_duration(seconds) == japanese


@pytest.mark.parametrize(
    ("target", "text"), [(0.999, "99.9%"), (0.99, "99%"), (0.9995, "99.95%"), (0.5, "50%")]
)
def test_it_writes_a_target_as_its_author_would(target, text):
    assert format_target(target) == text


def test_it_writes_the_line_in_english():
    with translation.override("en"):
        line = plain_line(0.999, 30 * DAY, "30d", True, "requests")
    assert line == (
        "99.9% over the last 30 days allows 43 minutes of full outage, "
        "or 1 failed request in 1,000."
    )


def test_it_writes_the_line_in_japanese():
    with translation.override("ja"):
        line = plain_line(0.999, 30 * DAY, "30d", True, "requests")
    assert line == (
        "直近30日で99.9%という目標は、43分の全面停止、"
        "またはリクエスト1,000件に1件の失敗までを許容します。"
    )


def test_it_names_calendar_windows_and_counts_bad_minutes_for_thresholds():
    with translation.override("en"):
        line = plain_line(0.99, 31 * DAY, "1M", False, "minutes")
    assert line == (
        "99% over each calendar month allows 7 hours 26 minutes of full outage, "
        "or 1 bad minute in 100."
    )


def test_it_uses_the_plural_for_several_bad_events():
    with translation.override("en"):
        line = plain_line(0.97, DAY, "1d", True, "slices")
    assert line.endswith("or 3 bad time slices in 100.")
