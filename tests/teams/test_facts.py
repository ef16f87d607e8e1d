"""The scorecard from what ekkyo knows: crafted histories in the database."""

from __future__ import annotations

import datetime as dt

from ekkyo.alerting.models import NotificationTarget
from ekkyo.policies.models import Policy
from ekkyo.reviews.models import ActionItem, SessionStatus
from ekkyo.teams.facts import team_facts
from ekkyo.teams.models import Membership, ScorecardSettings
from ekkyo.teams.scorecard import FAIL, NOT_APPLICABLE, PASS, scorecard
from ekkyo.teams.services import team_scorecard
from ekkyo.workshops.models import SLI, Journey, Workshop
from tests.factories import make_team, make_user
from tests.reviews.conftest import make_series, make_session
from tests.teams.conftest import add_slo

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
WEEK = dt.timedelta(days=7)
FIRST = dt.datetime(2026, 1, 7, 7, 0, tzinfo=dt.UTC)  # a Wednesday, 16:00 in Tokyo


def card(team):
    return team_scorecard(team, NOW)


def agree(slo, team):
    workshop = Workshop.objects.create(
        service=slo.service,
        title="W",
        held_on=dt.date(2026, 1, 10),
        language="en",
        agreed_at=NOW - dt.timedelta(days=40),
    )
    journey = Journey.objects.create(workshop=workshop, name="Pay")
    SLI.objects.create(
        journey=journey,
        sli_type="availability",
        specification="s",
        kind="ratio",
        source="push",
        target=0.999,
        window_days=28,
        slo=slo,
        slo_name=slo.name,
    )


def test_it_counts_products_and_workshop_agreements_from_the_catalog(org):
    checkout = org["checkout"]
    pay = add_slo("pay", checkout, "shop")
    add_slo("cart-latency", checkout, "cart", lifecycle="trial")
    agree(pay, checkout)
    c = card(checkout)
    assert c.check("slo_coverage").status == PASS
    agreed = c.check("agreed")
    assert agreed.detail["agreed"] == 1 and agreed.detail["not_agreed"] == ["cart-latency"]
    assert c.check("active").value == 0.5


def test_it_does_not_count_a_workshop_that_was_never_signed(org):
    pay = add_slo("pay", org["checkout"])
    agree(pay, org["checkout"])
    Workshop.objects.update(agreed_at=None)
    assert card(org["checkout"]).check("agreed").status == FAIL


def test_it_passes_routing_only_for_enabled_targets_of_the_team(org):
    NotificationTarget.objects.create(name="sre", team=None, kind="slack", severities=["page"])
    NotificationTarget.objects.create(
        name="checkout-off", team=org["checkout"], kind="slack", severities=["page"], enabled=False
    )
    assert card(org["checkout"]).check("alert_routing").status == FAIL
    NotificationTarget.objects.create(
        name="checkout", team=org["checkout"], kind="slack", severities=["page"]
    )
    assert card(org["checkout"]).check("alert_routing").status == PASS


def test_it_counts_planned_slots_held_sessions_and_who_led_them(org):
    series = make_series(org["checkout"], first_starts_at=FIRST)
    for week in range(6):
        facilitator = org["member"] if week < 4 else org["admin"]
        make_session(
            series,
            FIRST + week * WEEK,
            status=SessionStatus.HELD,
            facilitator=facilitator,
            occurrence_at=FIRST + week * WEEK,
        )
    facts = team_facts(org["checkout"], NOW)
    # Wednesdays 7 Jan – 25 Feb: eight slots before the day of grace.
    assert (facts.sessions.expected, facts.sessions.held, facts.sessions.self_led) == (8, 6, 4)
    c = scorecard(facts)
    assert c.check("cadence").status == PASS  # 6/8 = 75 %, the default threshold
    assert c.check("self_led").value == 4 / 6


def test_it_counts_an_embedded_sre_who_is_also_a_member_as_sre(org):
    enabling = make_team("sre-team", topology_type="enabling")
    embedded = make_user("emi", "member", ("checkout",))
    Membership.objects.create(team=enabling, user=embedded)
    series = make_series(org["checkout"], first_starts_at=FIRST)
    make_session(series, FIRST, status=SessionStatus.HELD, facilitator=embedded)
    facts = team_facts(org["checkout"], NOW)
    assert (facts.sessions.held, facts.sessions.self_led) == (1, 0)


def test_it_judges_items_by_their_closing_day_in_the_sites_zone(org, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    due = dt.date(2026, 2, 20)
    # 20:00 UTC on the due day is already the 21st in Tokyo: late.
    ActionItem.objects.create(
        title="late in Tokyo",
        team=org["checkout"],
        due_on=due,
        status="done",
        closed_at=dt.datetime(2026, 2, 20, 20, 0, tzinfo=dt.UTC),
    )
    ActionItem.objects.create(
        title="on time",
        team=org["checkout"],
        due_on=due,
        status="done",
        closed_at=dt.datetime(2026, 2, 20, 10, 0, tzinfo=dt.UTC),
    )
    c = card(org["checkout"]).check("items_on_time")
    assert c.value == 0.5 and c.detail["late"] == ["late in Tokyo"]


def test_it_prefers_a_products_own_policy_over_the_teams(org):
    pay = add_slo("pay", org["checkout"], "shop")
    Policy.objects.create(
        team=org["checkout"],
        title="team",
        language="en",
        status="approved",
        revisit_on=dt.date(2027, 1, 1),
    )
    Policy.objects.create(
        service=pay.service,
        title="shop",
        language="en",
        status="approved",
        revisit_on=dt.date(2026, 1, 1),
    )
    c = card(org["checkout"])
    assert c.check("policy_in_place").status == PASS
    assert c.check("policy_revisited").status == FAIL  # the product's own, overdue


def test_it_uses_the_thresholds_admins_saved(org):
    add_slo("pay", org["checkout"], "shop")
    add_slo("cart", org["checkout"], "cart", lifecycle="trial")
    assert card(org["checkout"]).check("active").status == PASS  # 1/2 ≥ 50 %
    ScorecardSettings.objects.create(active_min=0.9)
    assert card(org["checkout"]).check("active").status == FAIL


def test_it_does_not_judge_items_or_policies_of_a_new_team(org):
    c = card(org["checkout"])
    assert c.check("items_on_time").status == NOT_APPLICABLE
    assert c.check("policy_in_place").status == NOT_APPLICABLE
