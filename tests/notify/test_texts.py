"""Human text: number formatting, both languages, the trial note and the summary limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.notify import BurnRule, texts
from tests.notify.sample import make_event


@pytest.mark.parametrize(
    ("ratio", "digits", "shown"),
    [
        (0.999, 3, "99.9%"),
        (0.99873, 3, "99.873%"),
        (0.4213, 1, "42.1%"),
        (-0.3, 1, "-30%"),
        (1.0, 3, "100%"),
        (0.0, 1, "0%"),
    ],
)
def test_it_shows_ratios_as_percentages_without_trailing_zeros(
    ratio: float, digits: int, shown: str
) -> None:
    assert texts.percent(ratio, "en", digits) == shown


@pytest.mark.parametrize(
    ("value", "shown"), [(14.4, "14.4×"), (6.0, "6×"), (15.234, "15.23×"), (0.004, "0×")]
)
def test_it_shows_rates_with_at_most_two_decimals(value: float, shown: str) -> None:
    assert texts.rate(value, "en") == shown


def test_it_says_no_data_in_the_events_language() -> None:
    assert texts.rate(None, "en") == "no data"
    assert texts.percent(None, "ja") == "データなし"


def test_it_has_every_message_in_both_languages() -> None:
    for message_id, templates in texts.CATALOG.items():
        assert set(templates) == {"en", "ja"}, message_id
        assert all(t.strip() for t in templates.values()), message_id


def test_it_summarises_a_firing_alert_in_english() -> None:
    event = make_event(burn_rates={"1h": 15.234, "5m": 20.1}, budget_remaining=0.4213)
    assert texts.summary(event) == (
        "[FIRING][page] Checkout availability / availability: error budget burning at "
        "15.23× (1h) and 20.1× (5m), above 14.4×; 42.1% of the budget left"
    )


def test_it_summarises_a_resolved_ticket_in_japanese() -> None:
    event = make_event(
        severity="ticket",
        rule=BurnRule("1d", "2h", 3.0),
        burn_rates={"1d": 1.5, "2h": None},
        state="resolved",
        budget_remaining=-0.25,
        language="ja",
    )
    assert texts.summary(event) == (
        "[解消][チケット] Checkout availability / availability: バーンレートは 1.5×（1d）と"
        " データなし（2h）で、しきい値 3× を同時には超えていません。残りバジェット -25%"
    )


def test_it_says_a_pending_alert_is_not_firing_yet() -> None:
    assert "confirming before it fires" in texts.summary(make_event(state="pending"))


@pytest.mark.parametrize(
    ("language", "prefix"),
    [
        ("en", "[FIRING][page][trial: pages no one] "),
        ("ja", "[発生中][呼び出し][仮運用: 誰も呼び出しません] "),
    ],
)
def test_it_says_a_trial_slo_pages_no_one_before_anything_that_may_be_cut(
    language: str, prefix: str
) -> None:
    event = make_event(trial=True, language=language, slo_display_name="x" * 2000)
    assert texts.summary(event).startswith(prefix)


@given(
    name=st.text(min_size=1, max_size=3000).filter(str.strip),
    objective=st.text(min_size=1, max_size=3000).filter(str.strip),
    language=st.sampled_from(["en", "ja"]),
)
def test_it_keeps_every_summary_within_pagerdutys_1024_characters(
    name: str, objective: str, language: str
) -> None:
    event = make_event(slo_display_name=name, objective=objective, language=language)
    line = texts.summary(event)
    start = {"en": "[FIRING][page] ", "ja": "[発生中][呼び出し] "}[language]
    end = {"en": "50% of the budget left", "ja": "残りバジェット 50%"}[language]
    assert len(line) <= 1024
    assert line.startswith(start + name) or len(start + name) >= 1024
    assert line.endswith(end) or (len(line) == 1024 and line.endswith("…"))
