"""Policy state transitions (pure): levels from readings, incidents once each."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.policies.evaluate import (
    Incident,
    Interval,
    Reading,
    Rule,
    decide,
    holds,
    incidents_over,
    level_of,
    merge,
)

CAUTION, RELIABILITY, FREEZE, POSTMORTEM = 1, 2, 3, 4
RULES = [
    Rule(1, "remaining", 0.5, CAUTION),
    Rule(2, "remaining", 0.25, RELIABILITY),
    Rule(3, "remaining", 0.0, FREEZE),
    Rule(4, "incident", 0.2, POSTMORTEM),
]


def reading(remaining, **burn):
    return Reading(remaining, burn)


@pytest.mark.parametrize(
    ("remaining", "level"),
    [
        (0.9, 0),
        (0.5, CAUTION),
        (0.3, CAUTION),
        (0.25, RELIABILITY),
        (0.01, RELIABILITY),
        (0.0, FREEZE),
        (-0.4, FREEZE),
    ],
)
def test_it_takes_the_highest_level_whose_threshold_holds(remaining, level):
    assert level_of(RULES, reading(remaining))[0] == level


def test_it_escalates_when_the_budget_crosses_a_threshold():
    d = decide(CAUTION, RULES, reading(0.2))
    assert (d.level, d.rule.id, d.changed, d.escalated) == (RELIABILITY, 2, True, True)


def test_it_eases_without_escalating_when_the_budget_grows_back():
    d = decide(FREEZE, RULES, reading(0.7))
    assert (d.level, d.rule, d.changed, d.escalated) == (0, None, True, False)


def test_it_stays_put_on_the_same_level():
    d = decide(CAUTION, RULES, reading(0.4))
    assert (d.changed, d.escalated) == (False, False)


def test_it_keeps_the_level_when_there_is_no_data():
    # "No data" is not "recovered": a freeze does not lift because the source is down.
    d = decide(FREEZE, RULES, reading(None))
    assert (d.level, d.changed) == (FREEZE, False)


def test_it_judges_burn_rate_rules_on_their_window():
    rules = [Rule(9, "burn_rate", 2.0, CAUTION, "6h")]
    assert holds(rules[0], reading(0.9, **{"6h": 2.0, "1d": 0.1})) is True
    assert holds(rules[0], reading(0.9, **{"6h": 1.9, "1d": 9.0})) is False
    assert holds(rules[0], reading(0.9, **{"1d": 9.0})) is None


def test_it_combines_remaining_and_burn_rules():
    rules = [*RULES, Rule(5, "burn_rate", 10.0, FREEZE, "1h")]
    assert level_of(rules, reading(0.8, **{"1h": 12.0}))[0] == FREEZE


def test_it_picks_the_first_rule_among_equals():
    rules = [Rule(7, "remaining", 0.6, CAUTION), Rule(8, "remaining", 0.5, CAUTION)]
    assert level_of(rules, reading(0.4))[1].id == 7


def test_it_refuses_malformed_rules():
    with pytest.raises(ValueError):
        Rule(1, "budget", 0.5, 1)
    with pytest.raises(ValueError):
        Rule(1, "remaining", -0.1, 1)
    with pytest.raises(ValueError):
        Rule(1, "remaining", 0.5, 0)


def test_it_acts_on_an_incident_over_the_share_once():
    big = Incident(1000, 4600, 0.31)
    small = Incident(9000, 9600, 0.05)
    found = incidents_over(RULES, [small, big], acted_on=[])
    assert [(i.start, r.id) for i, r in found] == [(1000, 4)]
    assert incidents_over(RULES, [small, big], acted_on=[big.key]) == []


def test_it_does_not_act_on_an_incident_exactly_at_the_share():
    assert incidents_over(RULES, [Incident(0, 60, 0.2)], []) == []


def _reference_merge(intervals):
    minutes = set()
    for s, e in intervals:
        minutes.update(range(s, e))
    out = []
    for m in sorted(minutes):
        if out and out[-1][1] == m:
            out[-1][1] = m + 1
        else:
            out.append([m, m + 1])
    return [Interval(s, e) for s, e in out]


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=12))
def test_it_merges_alert_intervals_like_a_minute_by_minute_reference(raw):
    intervals = [(min(a, b), max(a, b)) for a, b in raw]
    assert merge(intervals) == _reference_merge(intervals)
