"""The alert event: validation, the documented dedup key and the per-change event id."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re

import pytest

from ekkyo.notify import AlertEvent, BurnRule, dedup_key
from tests.notify.sample import make_event


def test_it_derives_the_dedup_key_as_documented() -> None:
    canonical = '["checkout-availability","availability","page","1h","5m"]'
    expected = "ekkyo:v1:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert make_event().dedup_key == expected


def test_it_hashes_non_ascii_names_as_utf8_without_escapes() -> None:
    event = make_event(objective="可用性")
    canonical = '["checkout-availability","可用性","page","1h","5m"]'
    assert event.dedup_key == "ekkyo:v1:" + hashlib.sha256(canonical.encode()).hexdigest()


def test_it_keeps_the_dedup_key_across_state_factor_and_text_changes() -> None:
    firing = make_event()
    resolved = make_event(
        state="resolved",
        rule=BurnRule("1h", "5m", 13.44),  # a 28d period instead of 30d
        slo_display_name="Checkout (renamed)",
        language="ja",
        occurred_at="2026-03-02T10:00:00Z",
    )
    assert firing.dedup_key == resolved.dedup_key


@pytest.mark.parametrize(
    "change",
    [
        {"slo": "checkout-latency"},
        {"objective": "latency"},
        {"severity": "ticket"},
        {"rule": BurnRule("6h", "5m", 6.0), "burn_rates": {"6h": 7.0, "5m": 8.0}},
        {"rule": BurnRule("1h", "30m", 14.4), "burn_rates": {"1h": 15.0, "30m": 16.0}},
    ],
)
def test_it_gives_each_alert_rule_of_each_objective_its_own_dedup_key(
    change: dict[str, object],
) -> None:
    assert make_event(**change).dedup_key != make_event().dedup_key


def test_it_cannot_confuse_names_that_join_to_the_same_text() -> None:
    a = dedup_key("a:b", "c", "page", BurnRule("1h", "5m", 1))
    b = dedup_key("a", "b:c", "page", BurnRule("1h", "5m", 1))
    assert a != b


def test_it_keeps_the_dedup_key_within_pagerdutys_255_characters() -> None:
    event = make_event(slo="s" * 500, objective="o" * 500)
    assert len(event.dedup_key) == len("ekkyo:v1:") + 64


def test_it_gives_retries_of_one_change_the_same_event_id() -> None:
    raw = f"{make_event().dedup_key}|firing|2026-03-02T09:05:00Z"
    assert make_event().event_id == hashlib.sha256(raw.encode()).hexdigest()


def test_it_gives_the_resolve_a_different_event_id_than_the_trigger() -> None:
    resolved = make_event(state="resolved", occurred_at="2026-03-02T10:00:00Z")
    assert resolved.event_id != make_event().event_id


def test_it_does_not_change_when_the_callers_burn_rate_dict_changes() -> None:
    rates = {"1h": 15.0, "5m": 20.0}
    event = make_event(burn_rates=rates)
    rates["1h"] = 0.0
    assert event.long_burn_rate == 15.0


def test_it_refuses_to_be_modified() -> None:
    event = make_event()
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.state = "resolved"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.burn_rates["1h"] = 1.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": "critical"}, "severity"),
        ({"state": "acknowledged"}, "state"),
        ({"language": "fr"}, "language"),
        ({"target": 1.0}, "target"),
        ({"team": " "}, "team"),
        ({"burn_rates": {"1h": 15.0}}, "burn_rates"),
        ({"burn_rates": {"1h": float("nan"), "5m": 1.0}}, "burn_rates['1h']"),
        ({"sli": float("inf")}, "sli"),
        ({"budget_remaining": "0.5"}, "budget_remaining"),
        ({"started_at": "2026-03-02 09:00:00"}, "started_at"),
        ({"occurred_at": "2026-02-30T09:05:00Z"}, "occurred_at"),
        ({"started_at": "2026-03-02T09:06:00Z"}, "started_at"),
        ({"slo_url": "ekkyo.example.com/slos/x"}, "slo_url"),
    ],
)
def test_it_names_the_field_of_bad_input(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field.replace('[', '.').replace(']', '.')}:"):
        make_event(**change)


@pytest.mark.parametrize(
    ("window", "factor", "field"),
    [("1 hour", 14.4, "rule.long_window"), ("1h", 0.0, "rule.factor")],
)
def test_it_names_the_field_of_a_bad_rule(window: str, factor: float, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}:"):
        BurnRule(window, "5m", factor)


def test_it_accepts_a_window_without_data() -> None:
    event = make_event(state="resolved", burn_rates={"1h": None, "5m": None}, sli=None)
    assert event.long_burn_rate is None


def test_it_round_trips_through_json_for_an_outbox() -> None:
    event = make_event(language="ja", trial=True, sli=None, burn_rates={"1h": 15.0, "5m": None})
    stored = json.dumps(event.to_dict())
    assert AlertEvent.from_dict(json.loads(stored)) == event


def test_it_stores_plain_values() -> None:
    assert make_event(burn_rates={"1h": 15.0, "5m": 20.0}).to_dict() == {
        "slo": "checkout-availability",
        "slo_display_name": "Checkout availability",
        "service": "checkout",
        "team": "payments",
        "objective": "availability",
        "target": 0.999,
        "severity": "page",
        "rule": {"long_window": "1h", "short_window": "5m", "factor": 14.4},
        "state": "firing",
        "burn_rates": {"1h": 15.0, "5m": 20.0},
        "sli": 0.9985,
        "budget_remaining": 0.5,
        "started_at": "2026-03-02T09:00:00Z",
        "occurred_at": "2026-03-02T09:05:00Z",
        "slo_url": "https://ekkyo.example.com/slos/checkout-availability",
        "language": "en",
        "trial": False,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "colour: not a field"),
        ({"rule": "1h/5m"}, "rule: expected an object"),
        ({"rule": {"long_window": "1h", "short_window": "5m"}}, "rule.factor: missing"),
        ({"burn_rates": [15.0, 20.0]}, "burn_rates: expected an object"),
        ({"state": "open"}, "state: expected one of"),
    ],
)
def test_it_names_the_field_of_a_bad_stored_event(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        AlertEvent.from_dict({**make_event().to_dict(), **change})


def test_it_reports_a_missing_stored_field() -> None:
    data = make_event().to_dict()
    del data["team"]
    with pytest.raises(ValueError, match=r"^team: missing$"):
        AlertEvent.from_dict(data)


def test_it_works_with_asdict_and_deepcopy() -> None:
    event = make_event()
    assert copy.deepcopy(event) == event
    assert dataclasses.asdict(event)["burn_rates"] == {"1h": 15.0, "5m": 20.0}
    with pytest.raises(TypeError):
        copy.deepcopy(event).burn_rates.update({"1h": 0.0})
