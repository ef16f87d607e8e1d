"""NRQL split into service-level events, and the NerdGraph inputs built from it."""

from __future__ import annotations

import pytest

from ekkyo.engine import ALERT_RULES
from ekkyo.rules.newrelic import compile_newrelic
from ekkyo.rules.nrql import Events, NrqlError, split
from tests.rules.helpers import load, openslo


@pytest.mark.parametrize(
    "query,expected",
    [
        ("SELECT count(*) FROM Transaction", Events("Transaction", None)),
        (
            "select COUNT( * ) from Transaction where appName = 'a' AND error IS TRUE",
            Events("Transaction", "appName = 'a' AND error IS TRUE"),
        ),
        ("FROM PageView SELECT count(*) WHERE x = 1", Events("PageView", "x = 1")),
        (
            "SELECT sum(bytes) FROM Metric WHERE name = 'since until'",
            Events("Metric", "name = 'since until'", sum_of="bytes"),
        ),
        (
            "SELECT count(*) -- all\nFROM T /* c */ WHERE `limit` > 1",
            Events("T", "`limit` > 1"),
        ),
        (
            "SELECT count(*) FROM T WHERE x IN (SELECT y FROM U FACET z)",
            Events("T", "x IN (SELECT y FROM U FACET z)"),
        ),
    ],
)
def test_it_splits_select_from_where(query, expected):
    assert split(query) == expected


@pytest.mark.parametrize(
    "query,message",
    [
        ("SELECT average(duration) FROM T", "cannot be mapped"),
        ("SELECT count(*) FROM T FACET appName", "FACET cannot be part"),
        ("SELECT count(*) FROM T SINCE 1 day ago", "SINCE cannot be part"),
        ("SELECT count(*) FROM T, U", "one event type"),
        ("SELECT count(*)", "missing FROM"),
        ("SELECT count(*) FROM T WHERE a = 'x", "not closed"),
        ("SELECT count(*) FROM T WHERE (a", "parentheses"),
        ("", "empty"),
    ],
)
def test_it_refuses_queries_it_cannot_map(query, message):
    with pytest.raises(NrqlError, match=message):
        split(query)


def _nr(**kwargs):
    loaded = load(openslo(source="NewRelic", key="nrql", **kwargs))
    return compile_newrelic(loaded.slos, loaded.objects)


def test_it_builds_service_level_events_and_objectives():
    out = _nr(
        bad="SELECT count(*) FROM T WHERE a = 1 AND e",
        total="SELECT count(*) FROM T WHERE a = 1",
        window="28d",
        target=0.995,
    )
    indicator = out.service_levels[0]["variables"]["indicator"]
    assert indicator["events"]["validEvents"] == {"from": "T", "where": "a = 1"}
    assert indicator["events"]["badEvents"] == {"from": "T", "where": "a = 1 AND e"}
    assert indicator["objectives"][0]["target"] == 99.5
    assert indicator["objectives"][0]["timeWindow"] == {"rolling": {"count": 28, "unit": "DAY"}}


def test_it_writes_one_burn_rate_condition_per_alert_rule():
    out = _nr(
        bad="SELECT count(*) FROM T WHERE e",
        total="SELECT count(*) FROM T",
        window="28d",
        target=0.99,
    )
    conditions = [c["variables"]["condition"] for c in out.conditions]
    assert [c["terms"][0]["threshold"] for c in conditions] == [
        r.factor(28 * 86400) for r in ALERT_RULES
    ]
    assert conditions[0]["nrql"]["query"] == (
        "SELECT filter(count(*), WHERE e) / count(*) / 0.010000000000000009 FROM T"
    )
    assert conditions[0]["signal"]["aggregationWindow"] == 300
    assert conditions[0]["terms"][0]["thresholdDuration"] == 3600
    assert [c["terms"][0]["priority"] for c in conditions] == ["CRITICAL"] * 2 + ["WARNING"] * 2


def test_it_refuses_windows_new_relic_does_not_roll_over():
    out = _nr(bad="SELECT count(*) FROM T WHERE e", total="SELECT count(*) FROM T", window="30d")
    assert out.errors[0].loc == ("spec", "timeWindow", 0, "duration")
