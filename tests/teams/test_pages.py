"""Team pages per persona: everyone reads, the team and admins write, admins set thresholds."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.catalog.models import AuditEvent
from ekkyo.teams.models import (
    Interaction,
    MaturityAssessment,
    MaturityItem,
    ScorecardSettings,
    ScorecardSnapshot,
    Team,
)
from tests.teams.conftest import add_slo, add_status, interact, sign_in

PAGES = [
    "/org/",
    "/org/overview.json",
    "/org/map",
    "/org/map.json",
    "/org/settings",
    "/org/teams/checkout/",
    "/org/teams/checkout.json",
    "/org/teams/checkout/scorecard",
    "/org/teams/checkout/scorecard.json",
    "/org/teams/checkout/maturity",
]


@pytest.mark.parametrize("url", PAGES)
def test_it_sends_anonymous_readers_to_sign_in(client, org, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize("url", PAGES)
def test_it_shows_every_page_to_a_business_viewer(client, org, url):
    sign_in(client, org["viewer"])
    assert client.get(url).status_code == 200


def test_it_shows_a_viewer_no_edit_controls(client, org):
    sign_in(client, org["viewer"])
    html = client.get("/org/teams/checkout/").content.decode()
    assert "/org/teams/checkout/edit" not in html and 'data-testid="new-interaction"' not in html
    html = client.get("/org/settings").content.decode()
    assert 'data-testid="thresholds-read-only"' in html and '<form method="post" class' not in html


def test_it_answers_404_for_an_unknown_team(client, org):
    sign_in(client, org["viewer"])
    assert client.get("/org/teams/nobody/scorecard").status_code == 404


# --- Team API and interactions ---------------------------------------------------------------


def _api(**fields):
    data = {
        "focus": "Payments",
        "provides": "Refund API\nPayment events",
        "channel": "#checkout",
        "topology_type": "stream-aligned",
        "sre_engagement": "embedded",
    }
    data.update(fields)
    return data


def test_it_lets_a_member_edit_the_team_api_and_audits_it(client, org):
    sign_in(client, org["member"])
    response = client.post("/org/teams/checkout/edit", _api())
    assert response.status_code == 302
    team = Team.objects.get(slug="checkout")
    assert team.provided == ["Refund API", "Payment events"] and team.sre_engagement == "embedded"
    assert AuditEvent.objects.filter(action="team.api", object_name="checkout").exists()
    data = client.get("/org/teams/checkout.json").json()
    assert data["focus"] == "Payments" and data["provides"] == ["Refund API", "Payment events"]


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_it_refuses_the_team_api_to_others(client, org, persona):
    sign_in(client, org[persona])
    response = client.post("/org/teams/checkout/edit", _api(focus="hijacked"))
    assert response.status_code == 403
    assert Team.objects.get(slug="checkout").focus == ""


def _interaction(org, **fields):
    data = {
        "from_team": org["search"].pk,
        "to_team": org["checkout"].pk,
        "mode": "collaboration",
        "purpose": "Move to SLO-based alerting",
        "starts_on": "2026-02-01",
        "expected_end_on": "2026-05-01",
        "embedded_sre": "on",
        "goal": "Checkout runs its own on-call",
        "remind_days_before": "14",
    }
    data.update(fields)
    return data


def test_it_records_an_embedded_sre_engagement(client, org):
    sign_in(client, org["member"])
    response = client.post("/org/teams/checkout/interactions/new", _interaction(org))
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.embedded_sre and interaction.created_by == org["member"]
    html = client.get("/org/teams/search/").content.decode()
    assert "Move to SLO-based alerting" in html  # shown on both teams' pages


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expected_end_on": ""}, "expected_end_on"),
        ({"goal": ""}, "goal"),
        ({"mode": "facilitating"}, "mode"),
    ],
)
def test_it_refuses_an_embedded_engagement_without_end_goal_or_collaboration(
    client, org, change, field
):
    sign_in(client, org["member"])
    response = client.post("/org/teams/checkout/interactions/new", _interaction(org, **change))
    assert response.status_code == 400
    assert field in response.context["form"].errors and not Interaction.objects.exists()


def test_it_refuses_an_interaction_that_does_not_involve_the_team(client, org):
    other = Team.objects.create(slug="ads", name="Ads")
    sign_in(client, org["member"])
    response = client.post(
        "/org/teams/checkout/interactions/new", _interaction(org, to_team=other.pk)
    )
    assert response.status_code == 400 and not Interaction.objects.exists()


def test_it_refuses_interactions_to_another_teams_member(client, org):
    sign_in(client, org["outsider"])
    response = client.post("/org/teams/checkout/interactions/new", _interaction(org))
    assert response.status_code == 403 and not Interaction.objects.exists()


def test_it_ends_an_interaction(client, org):
    interaction = interact(org["search"], org["checkout"])
    sign_in(client, org["member"])
    url = f"/org/teams/checkout/interactions/{interaction.pk}/end"
    assert client.post(url, {"ended_on": "2026-03-01"}).status_code == 302
    interaction.refresh_from_db()
    assert interaction.ended_on == dt.date(2026, 3, 1)
    sign_in(client, org["viewer"])
    assert client.post(url, {"ended_on": "2026-03-02"}).status_code == 403


# --- thresholds --------------------------------------------------------------------------------


def _thresholds(**fields):
    data = {
        "coverage_min": "1",
        "agreed_min": "0.5",
        "active_min": "0.6",
        "cadence_min": "0.75",
        "self_led_min": "0.5",
        "items_on_time_min": "0.7",
        "lookback_days": "60",
        "practising_min": "0.5",
        "self_sufficient_min": "0.8",
    }
    data.update(fields)
    return data


def test_it_lets_an_admin_edit_the_thresholds_and_audits_it(client, org):
    sign_in(client, org["admin"])
    assert client.post("/org/settings", _thresholds()).status_code == 302
    row = ScorecardSettings.current()
    assert (row.active_min, row.lookback_days, row.updated_by) == (0.6, 60, org["admin"])
    event = AuditEvent.objects.get(action="scorecard.thresholds")
    assert event.detail["after"]["active_min"] == 0.6
    assert (
        client.get("/org/teams/checkout/scorecard.json").json()["thresholds"]["lookback_days"] == 60
    )


@pytest.mark.parametrize("persona", ["viewer", "member"])
def test_it_refuses_thresholds_to_anyone_but_admins(client, org, persona):
    sign_in(client, org[persona])
    response = client.post("/org/settings", _thresholds(active_min="0.1"))
    assert response.status_code == 403
    assert not ScorecardSettings.objects.exists()


def test_it_refuses_levels_in_the_wrong_order(client, org):
    sign_in(client, org["admin"])
    response = client.post("/org/settings", _thresholds(practising_min="0.9"))
    assert response.status_code == 400 and not ScorecardSettings.objects.exists()


def test_it_refuses_a_share_above_one(client, org):
    sign_in(client, org["admin"])
    assert client.post("/org/settings", _thresholds(agreed_min="1.5")).status_code == 400


# --- scorecard and maturity -------------------------------------------------------------------


def test_it_explains_each_check_with_a_link_that_fixes_it(client, org):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org["viewer"])
    data = client.get("/org/teams/checkout/scorecard.json").json()
    checks = {c["key"]: c for c in data["checks"]}
    assert checks["active"]["status"] == "fail"
    assert checks["active"]["text"].startswith("0 of 1 SLOs are active")
    assert checks["active"]["fix_url"] == "/workshops/trials"
    assert checks["alert_routing"]["fix_url"] == "/admin/alerting/notificationtarget/add/"
    assert checks["cadence"]["fix_url"] == "/reviews/series/new"
    assert checks["slo_coverage"]["status"] == "pass" and checks["slo_coverage"]["fix_url"] == ""
    html = client.get("/org/teams/checkout/scorecard").content.decode()
    assert 'data-check="active" data-status="fail"' in html and 'href="/workshops/trials"' in html


def test_it_shows_the_weekly_trend_from_snapshots(client, org):
    for week, score in ((dt.date(2026, 2, 16), 0.25), (dt.date(2026, 2, 23), 0.5)):
        ScorecardSnapshot.objects.create(
            team=org["checkout"],
            week_start=week,
            taken_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
            score=score,
            level="foundation",
            passed=1,
            applicable=4,
            checks=[],
        )
    sign_in(client, org["viewer"])
    data = client.get("/org/teams/checkout/scorecard.json").json()
    assert [(p["week"], p["score"]) for p in data["trend"]] == [
        ("2026-02-16", 0.25),
        ("2026-02-23", 0.5),
    ]
    assert '<svg class="trend"' in client.get("/org/teams/checkout/scorecard").content.decode()


def test_it_lists_levels_in_the_overview(client, org):
    sign_in(client, org["viewer"])
    data = client.get("/org/overview.json").json()
    assert [t["team"] for t in data["teams"]] == ["checkout"]  # search is a platform team
    assert data["levels"] == {"foundation": 1, "practising": 0, "self-sufficient": 0}


def _ratings(**fields):
    data = {f"item_{i.key}": "2" for i in MaturityItem.objects.filter(active=True)}
    data.update({"assessed_on": "2026-03-01", "notes": "First look"}, **fields)
    return data


def test_it_records_a_maturity_assessment_beside_the_scorecard(client, org):
    sign_in(client, org["member"])
    assert client.post("/org/teams/checkout/maturity", _ratings(item_slos="4")).status_code == 302
    assessment = MaturityAssessment.objects.get()
    assert {r.item.key: r.level for r in assessment.ratings.all()}["slos"] == 4
    data = client.get("/org/teams/checkout/scorecard.json").json()
    assert data["maturity"]["assessed_on"] == "2026-03-01"
    assert data["maturity"]["mean_level"] == pytest.approx((4 + 2 * 7) / 8)


def test_it_refuses_a_maturity_level_outside_the_scale(client, org):
    sign_in(client, org["member"])
    response = client.post("/org/teams/checkout/maturity", _ratings(item_slos="9"))
    assert response.status_code == 400 and not MaturityAssessment.objects.exists()


def test_it_refuses_maturity_assessments_from_other_teams(client, org):
    sign_in(client, org["outsider"])
    assert client.post("/org/teams/checkout/maturity", _ratings()).status_code == 403
    assert not MaturityAssessment.objects.exists()


# --- the map ------------------------------------------------------------------------------------


def test_it_draws_the_team_map_with_nodes_by_type_and_edges_by_mode(client, org):
    add_status(add_slo("pay", org["checkout"]), "at_risk")
    interact(org["search"], org["checkout"], "x-as-a-service")
    interact(org["search"], org["checkout"], "facilitating", ended_on=dt.date(2026, 2, 1))
    sign_in(client, org["viewer"])
    data = client.get("/org/map.json").json()
    nodes = {n["slug"]: n for n in data["layout"]["nodes"]}
    assert nodes["checkout"]["y"] < nodes["search"]["y"]  # stream-aligned above platform
    assert [e["mode"] for e in data["layout"]["edges"]] == ["x-as-a-service"]  # ended: gone
    checkout = next(t for t in data["teams"] if t["slug"] == "checkout")
    assert checkout["products"] == ["shop"] and checkout["states"] == {"at_risk": 1}
    html = client.get("/org/map").content.decode()
    assert 'data-team="checkout" data-type="stream-aligned"' in html
    assert 'data-mode="x-as-a-service"' in html and 'marker-end="url(#arrow-xaas)"' in html
