"""The scorecard's checks on plain facts: each passing and failing for the right reason."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.teams.scorecard import (
    FAIL,
    FOUNDATION,
    NOT_APPLICABLE,
    PASS,
    PRACTISING,
    SELF_SUFFICIENT,
    ItemFact,
    PolicyFact,
    ProductFact,
    SessionCounts,
    SloFact,
    TeamFacts,
    Thresholds,
    level_for,
    scorecard,
    week_start,
)

TODAY = date(2026, 3, 2)


def facts(**fields):
    base = TeamFacts(team="checkout", today=TODAY)
    return dataclasses.replace(base, **fields)


def check(key, **fields):
    return scorecard(facts(**fields)).check(key)


# --- products with SLOs ------------------------------------------------------------------


def test_it_fails_coverage_for_a_team_without_products():
    c = check("slo_coverage")
    assert (c.status, c.reason, c.fix) == (FAIL, "no_products", "add_product")


def test_it_fails_coverage_naming_the_product_without_an_slo():
    c = check("slo_coverage", products=[ProductFact("shop", 2), ProductFact("cart", 0)])
    assert c.status == FAIL and c.value == 0.5
    assert c.detail["missing"] == ["cart"] and c.fix == "run_workshop"


def test_it_passes_coverage_when_every_product_has_an_slo():
    c = check("slo_coverage", products=[ProductFact("shop", 2), ProductFact("cart", 1)])
    assert (c.status, c.value, c.fix) == (PASS, 1.0, "")


def test_it_passes_coverage_at_a_lower_threshold_set_by_admins():
    f = facts(products=[ProductFact("shop", 1), ProductFact("cart", 0)])
    c = scorecard(f, Thresholds(coverage_min=0.5)).check("slo_coverage")
    assert c.status == PASS


# --- agreed and active ---------------------------------------------------------------------


def test_it_fails_agreement_without_slos():
    assert check("agreed").reason == "no_slos"


def test_it_counts_slos_signed_off_in_a_workshop():
    slos = [
        SloFact("a", "shop", "active", True),
        SloFact("b", "shop", "trial", False),
        SloFact("c", "shop", "active", False),
    ]
    c = check("agreed", slos=slos)
    assert c.status == FAIL and c.value == pytest.approx(1 / 3)
    assert c.detail["not_agreed"] == ["b", "c"]


def test_it_ignores_retired_slos_in_agreement_and_activity():
    slos = [SloFact("a", "shop", "active", True), SloFact("old", "shop", "retired", False)]
    assert check("agreed", slos=slos).status == PASS
    assert check("active", slos=slos).status == PASS


def test_it_fails_activity_while_most_slos_are_in_trial_and_names_them():
    slos = [
        SloFact("a", "shop", "trial", True),
        SloFact("b", "shop", "trial", True),
        SloFact("c", "shop", "active", True),
        SloFact("d", "shop", "draft", False),
    ]
    c = check("active", slos=slos)
    assert c.status == FAIL and c.value == 0.25 and c.fix == "review_trials"
    assert c.detail["trial"] == ["a", "b"] and c.detail["draft"] == ["d"]


# --- alert routing -------------------------------------------------------------------------


def test_it_fails_routing_when_alerts_reach_only_the_catch_all():
    c = check("alert_routing", own_targets=0)
    assert (c.status, c.reason, c.fix) == (FAIL, "no_own_targets", "add_target")


def test_it_passes_routing_with_a_target_of_the_teams_own():
    assert check("alert_routing", own_targets=2).status == PASS


# --- sessions -------------------------------------------------------------------------------


def test_it_fails_cadence_without_a_series():
    c = check("cadence", sessions=SessionCounts())
    assert (c.reason, c.fix) == ("no_series", "start_series")


def test_it_does_not_judge_cadence_before_the_first_slot():
    c = check("cadence", sessions=SessionCounts(series=1, expected=0))
    assert c.status == NOT_APPLICABLE


def test_it_fails_cadence_when_sessions_were_skipped():
    c = check("cadence", sessions=SessionCounts(series=1, expected=12, held=6, self_led=6))
    assert c.status == FAIL and c.value == 0.5 and c.fix == "hold_sessions"


def test_it_caps_extra_sessions_at_the_cadence():
    c = check("cadence", sessions=SessionCounts(series=1, expected=4, held=9, self_led=0))
    assert c.status == PASS and c.value == 1.0


def test_it_fails_self_leadership_when_the_sre_facilitates():
    c = check("self_led", sessions=SessionCounts(series=1, expected=4, held=4, self_led=1))
    assert c.status == FAIL and c.value == 0.25 and c.fix == "rotate_facilitator"


def test_it_passes_self_leadership_when_the_team_facilitates_half():
    c = check("self_led", sessions=SessionCounts(series=1, expected=4, held=4, self_led=2))
    assert c.status == PASS


def test_it_fails_self_leadership_when_nothing_was_held():
    c = check("self_led", sessions=SessionCounts(series=1, expected=4))
    assert (c.status, c.reason, c.fix) == (FAIL, "none_held", "hold_sessions")


# --- action items ---------------------------------------------------------------------------


def test_it_does_not_judge_items_when_none_fell_due():
    future = ItemFact("later", TODAY + timedelta(days=3), "open")
    assert check("items_on_time", items=[future]).status == NOT_APPLICABLE


def test_it_counts_an_item_closed_after_its_due_date_as_late():
    items = [
        ItemFact("on time", TODAY - timedelta(days=10), "done", TODAY - timedelta(days=11)),
        ItemFact("late", TODAY - timedelta(days=10), "done", TODAY - timedelta(days=2)),
        ItemFact("still open", TODAY - timedelta(days=5), "open"),
    ]
    c = check("items_on_time", items=items)
    assert c.status == FAIL and c.value == pytest.approx(1 / 3)
    assert c.detail["late"] == ["late", "still open"] and c.fix == "triage_items"


def test_it_counts_an_item_closed_on_its_due_date_as_on_time():
    due = TODAY - timedelta(days=1)
    c = check("items_on_time", items=[ItemFact("x", due, "done", due)])
    assert c.status == PASS


def test_it_leaves_dropped_items_and_items_older_than_the_look_back_out():
    items = [
        ItemFact("dropped", TODAY - timedelta(days=3), "dropped", TODAY - timedelta(days=9)),
        ItemFact("ancient", TODAY - timedelta(days=200), "open"),
    ]
    assert check("items_on_time", items=items).status == NOT_APPLICABLE


# --- policies -------------------------------------------------------------------------------


def test_it_does_not_ask_for_a_policy_before_any_slo_is_active():
    c = check("policy_in_place", slos=[SloFact("a", "shop", "trial", True)])
    assert c.status == NOT_APPLICABLE


def test_it_fails_when_a_product_with_active_slos_has_no_approved_policy():
    slos = [SloFact("a", "shop", "active", True), SloFact("b", "cart", "active", True)]
    policies = [PolicyFact("shop", True, TODAY), PolicyFact("cart", False, TODAY)]
    c = check("policy_in_place", slos=slos, policies=policies)
    assert c.status == FAIL and c.detail["missing"] == ["cart"] and c.fix == "write_policy"


def test_it_fails_a_revisit_date_in_the_past():
    policies = [PolicyFact("shop", True, TODAY - timedelta(days=1))]
    c = check("policy_revisited", policies=policies)
    assert c.status == FAIL and c.detail["overdue"] == [
        {"product": "shop", "revisit_on": "2026-03-01"}
    ]


def test_it_passes_a_revisit_due_today():
    assert check("policy_revisited", policies=[PolicyFact("shop", True, TODAY)]).status == PASS


# --- score and level ------------------------------------------------------------------------


def _practising_team(**overrides):
    fields = dict(
        products=[ProductFact("shop", 1)],
        slos=[SloFact("a", "shop", "active", True)],
        own_targets=1,
        sessions=SessionCounts(series=1, expected=10, held=10, self_led=8),
        policies=[PolicyFact("shop", True, TODAY + timedelta(days=30))],
    )
    fields.update(overrides)
    return facts(**fields)


def test_it_scores_the_share_of_applicable_checks_that_pass():
    card = scorecard(_practising_team())
    # Items: none due, so 8 checks apply and all pass.
    assert (card.passed, card.applicable, card.score) == (8, 8, 1.0)
    assert card.level == SELF_SUFFICIENT


def test_it_keeps_a_team_that_does_not_lead_its_sessions_below_self_sufficient():
    sessions = SessionCounts(series=1, expected=10, held=10, self_led=0)
    card = scorecard(_practising_team(sessions=sessions))
    assert card.score == pytest.approx(7 / 8) and card.level == PRACTISING


def test_it_puts_a_team_with_nothing_yet_at_foundation():
    card = scorecard(facts())
    assert card.level == FOUNDATION and card.passed == 0


def test_it_refuses_thresholds_out_of_range():
    with pytest.raises(ValueError, match="agreed_min"):
        Thresholds(agreed_min=1.5)
    with pytest.raises(ValueError, match="practising_min"):
        Thresholds(practising_min=0.9, self_sufficient_min=0.8)


@given(
    score=st.one_of(st.none(), st.floats(0, 1)),
    self_led=st.booleans(),
    p=st.floats(0, 1),
    s=st.floats(0, 1),
)
def test_it_levels_like_a_plain_reference(score, self_led, p, s):
    p, s = min(p, s), max(p, s)
    t = Thresholds(practising_min=p, self_sufficient_min=s)
    if score is None or score < p:
        expected = FOUNDATION
    elif score >= s and self_led:
        expected = SELF_SUFFICIENT
    else:
        expected = PRACTISING
    assert level_for(score, self_led, t) == expected


@given(st.dates())
def test_it_starts_snapshot_weeks_on_the_monday_before(day):
    start = week_start(day)
    assert start.weekday() == 0 and 0 <= (day - start).days < 7
