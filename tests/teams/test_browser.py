"""The team map and a scorecard in a real browser (Playwright, Debian's Chromium)."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.alerting.models import NotificationTarget
from ekkyo.reviews.models import SessionStatus
from ekkyo.teams.models import ScorecardSnapshot
from tests.conftest import require_binary
from tests.factories import make_team
from tests.reviews.conftest import make_series, make_session
from tests.teams.conftest import add_slo, add_status, interact
from tests.web.conftest import screenshot

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture
def organisation(transactional_db, org):
    """Four kinds of team and every mode of interaction, with a scorecard history."""
    require_binary("chromium")
    checkout, search = org["checkout"], org["search"]
    search.name, search.name_ja = "Observability platform", "オブザーバビリティ基盤"
    search.save()
    ads = make_team("ads", name="Ads", name_ja="広告")
    make_team("fraud", name="Fraud scoring", topology_type="complicated-subsystem")
    sre = make_team("sre", name="SRE", topology_type="enabling")
    today = dt.date.today()
    interact(search, checkout, "x-as-a-service", purpose="Metrics, logs, alert routing")
    interact(search, ads, "x-as-a-service", purpose="Metrics and logs")
    interact(
        sre,
        checkout,
        "collaboration",
        embedded_sre=True,
        goal="Own on-call",
        purpose="SLO-based alerting",
        expected_end_on=today + dt.timedelta(days=40),
    )
    interact(sre, ads, "facilitating", purpose="First SLI/SLO workshop")
    interact(
        checkout,
        make_team("fraud-api", name="Fraud API", topology_type="platform"),
        "collaboration",
        purpose="New scoring contract",
    )
    pay = add_slo("pay", checkout, "shop")
    add_status(pay, "healthy")
    add_slo("cart", checkout, "cart", lifecycle="trial")
    NotificationTarget.objects.create(
        name="checkout", team=checkout, kind="slack", severities=["page", "ticket"]
    )
    first = dt.datetime.now(dt.UTC) - dt.timedelta(days=50)
    series = make_series(checkout, first_starts_at=first, rrule="FREQ=WEEKLY")
    for week in range(6):
        make_session(
            series,
            first + dt.timedelta(weeks=week),
            status=SessionStatus.HELD,
            facilitator=org["member"] if week % 2 else org["admin"],
        )
    monday = today - dt.timedelta(days=today.weekday())
    for k, score in enumerate([0.2, 0.3, 0.3, 0.45, 0.5, 0.6]):
        ScorecardSnapshot.objects.create(
            team=checkout,
            week_start=monday - dt.timedelta(weeks=6 - k),
            taken_at=dt.datetime.now(dt.UTC),
            score=score,
            level="practising" if score >= 0.5 else "foundation",
            passed=2,
            applicable=8,
            checks=[],
        )
    return org


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")


def test_it_draws_the_team_map_and_opens_a_teams_api(browser_page, live_server, organisation):
    page = browser_page
    sign_in(page, live_server, "bea")
    page.click("nav >> text=Organisation")
    page.click("ul.subnav >> text=Team map")
    svg = page.locator('[data-testid="team-map"]')
    svg.wait_for()
    assert svg.locator("a[data-team]").count() == 6
    modes = {
        svg.locator(f'g[data-mode="{m}"]').count()
        for m in ("collaboration", "x-as-a-service", "facilitating")
    }
    assert 0 not in modes
    # Stream-aligned teams sit above the platform teams, the enabling team to the right.
    box = {
        slug: svg.locator(f'a[data-team="{slug}"]').bounding_box()
        for slug in ("checkout", "search", "sre")
    }
    assert box["checkout"]["y"] < box["search"]["y"]
    assert box["sre"]["x"] > box["search"]["x"] + box["search"]["width"]
    assert svg.locator('g[data-mode="collaboration"] g.sre-badge').count() == 1
    screenshot(page, "teams-map-en")
    svg.locator('a[data-team="checkout"]').click()
    page.wait_for_url("**/org/teams/checkout/")
    assert "Own on-call" in page.locator('[data-testid="current-interactions"]').inner_text()
    screenshot(page, "teams-api-en")


def test_it_shows_a_scorecard_with_reasons_fixes_and_trend_in_japanese(
    browser_page, live_server, organisation
):
    page = browser_page
    sign_in(page, live_server, "dev")
    page.goto(f"{live_server.url}/org/teams/checkout/scorecard")
    checks = page.locator('[data-testid="checks"] tbody tr')
    assert checks.count() == 9
    active = page.locator('tr[data-check="active"]')
    assert active.get_attribute("data-status") == "pass"  # 1 of 2 active meets 50 %
    agreed = page.locator('tr[data-check="agreed"]')
    assert agreed.get_attribute("data-status") == "fail"
    assert "0 of 2 SLOs were signed off in a workshop" in agreed.inner_text()
    assert page.locator('tr[data-check="alert_routing"]').get_attribute("data-status") == "pass"
    assert page.locator('[data-testid="trend"] svg.trend polyline').count() == 1
    screenshot(page, "teams-scorecard-en")
    agreed.locator('[data-testid="fix"]').click()
    page.wait_for_url("**/workshops/new")
    page.go_back()
    page.click('[data-testid="language-switcher"] button[value="ja"]')
    page.wait_for_selector("text=のSREプラクティス")
    assert (
        "ワークショップで合意・署名されています"
        in page.locator('tr[data-check="agreed"]').inner_text()
    )
    screenshot(page, "teams-scorecard-ja")
    page.goto(f"{live_server.url}/org/")
    assert page.locator('tr[data-team="checkout"] [data-testid="level"]').inner_text()
    screenshot(page, "teams-overview-ja")
