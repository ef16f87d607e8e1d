"""Business-term translations: tables worked out by hand, and properties against a
reference in exact fractions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.workshops import translate as t

DAY = 86400

targets = st.decimals(min_value="0.5", max_value="0.99999", places=5).map(float)
windows = st.integers(min_value=1, max_value=400).map(lambda d: d * DAY)


def exact_budget(target: float) -> Fraction:
    return 1 - Fraction(repr(target))


@pytest.mark.parametrize(
    ("target", "days", "minutes"),
    [
        (0.999, 30, 43.2),  # the classic: 43.2 minutes a month
        (0.99, 30, 432.0),
        (0.9999, 30, 4.32),
        (0.999, 28, 40.32),
        (0.995, 7, 50.4),
        (0.5, 1, 720.0),
    ],
)
def test_it_gives_the_bad_minutes_a_window_allows(target, days, minutes):
    assert t.allowed_bad_minutes(target, days * DAY) == minutes


@pytest.mark.parametrize(
    ("target", "monthly", "failed"),
    [(0.999, 1_000_000, 1000.0), (0.99, 12_345, 123.45), (0.9995, 2_000, 1.0)],
)
def test_it_gives_the_failed_requests_a_month_allows(target, monthly, failed):
    assert t.allowed_failed_per_month(target, monthly) == failed


def test_it_scales_observed_traffic_to_thirty_days():
    assert t.events_per_month(7_000, 7 * DAY) == 30_000


@pytest.mark.parametrize(
    ("remaining", "peak", "seconds"),
    [
        (1.0, 1.0, 2592.0),
        (0.5, 1.0, 1296.0),
        (-0.3, 1.0, 0.0),
        (1.0, 2.0, 1296.0),
        (2.0, 1, 2592.0),
    ],
)
def test_it_gives_the_full_outage_the_budget_absorbs(remaining, peak, seconds):
    # 99.9% over 30 days: 43.2 minutes = 2592 s; spent budget absorbs nothing; a peak of
    # twice the average traffic halves it; more than a whole budget is still one budget.
    got = t.full_outage_absorbed_s(0.999, 30 * DAY, remaining_ratio=remaining, peak_factor=peak)
    assert got == seconds


@pytest.mark.parametrize(("downtime", "days", "target"), [(2592, 30, 0.999), (7200, 30, 0.99722)])
def test_it_turns_an_acceptable_outage_into_a_target(downtime, days, target):
    assert round(t.target_for_downtime(downtime, days * DAY), 5) == target


@pytest.mark.parametrize("target", [0, 1, 1.2, -0.5, float("nan"), True])
def test_it_refuses_targets_outside_zero_and_one(target):
    with pytest.raises(ValueError, match="target"):
        t.allowed_bad_minutes(target, DAY)


def test_it_refuses_a_window_of_no_length():
    with pytest.raises(ValueError, match="window_s"):
        t.allowed_bad_minutes(0.999, 0)


def test_it_leaves_traffic_terms_out_without_observed_traffic():
    terms = t.business_terms(0.999, 30 * DAY)
    assert terms.monthly_events is None and terms.allowed_failed_per_month is None
    assert terms.outage_at_peak_s is None and terms.remaining_outage_s is None
    assert terms.full_outage_s == 2592.0


def test_it_puts_every_term_together_from_the_traffic_seen():
    terms = t.business_terms(
        0.999,
        30 * DAY,
        total_events=700_000,
        span_s=7 * DAY,
        remaining_ratio=0.25,
        peak_factor=3.0,
    )
    assert terms.monthly_events == 3_000_000
    assert terms.allowed_failed_per_month == 3_000
    assert terms.remaining_outage_s == 648.0
    assert terms.outage_at_peak_s == 864.0


@given(targets, windows)
def test_it_matches_exact_arithmetic_for_bad_minutes(target, window):
    expected = exact_budget(target) * window / 60
    assert t.allowed_bad_minutes(target, window) == pytest.approx(float(expected), rel=1e-12)


@given(targets, windows)
def test_it_says_the_same_outage_as_bad_minutes_with_even_traffic(target, window):
    assert t.full_outage_absorbed_s(target, window) == pytest.approx(
        t.allowed_bad_minutes(target, window) * 60, rel=1e-12
    )


@given(targets, targets, windows)
def test_it_allows_less_for_a_higher_target(a, b, window):
    low, high = sorted((a, b))
    assert t.allowed_bad_minutes(high, window) <= t.allowed_bad_minutes(low, window)


@given(targets, st.integers(min_value=0, max_value=10**12))
def test_it_never_allows_more_failures_than_requests(target, monthly):
    allowed = t.allowed_failed_per_month(target, monthly)
    assert 0 <= allowed <= monthly
    assert allowed == pytest.approx(float(exact_budget(target) * monthly), rel=1e-12)


@given(targets, windows)
def test_it_inverts_the_outage_back_into_the_target(target, window):
    outage = t.full_outage_absorbed_s(target, window)
    assert t.target_for_downtime(outage, window) == pytest.approx(target, abs=1e-12)


@given(
    targets, windows, st.floats(min_value=-2, max_value=2), st.floats(min_value=0.01, max_value=50)
)
def test_it_absorbs_the_remaining_share_divided_by_the_peak(target, window, remaining, peak):
    got = t.full_outage_absorbed_s(target, window, remaining_ratio=remaining, peak_factor=peak)
    share = min(1.0, max(0.0, remaining))
    expected = float(exact_budget(target) * window) * share / peak
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
