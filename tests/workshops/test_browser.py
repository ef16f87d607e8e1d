"""A workshop in a real browser: Playwright driving Debian's Chromium against a live server.

From a new workshop to a trial SLO in the portfolio: participants from both sides, a
journey, an SLI from the menu, a target explored on demo-like history (htmx updates as the
candidate changes), the agreement signed by both sides.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.utils import timezone

from ekkyo.catalog.models import SLO
from ekkyo.demo.data import generate
from ekkyo.engine import Buckets
from ekkyo.series.store import append
from tests.conftest import require_binary
from tests.web.conftest import add_slo, screenshot

pytestmark = [pytest.mark.real, pytest.mark.slow]
DAYS = 35


@pytest.fixture
def shop(transactional_db, org):
    """A stand-in SLO with 35 days of the demo's checkout traffic, ending now."""
    require_binary("chromium")
    stand_in = add_slo("checkout-availability", org["checkout"], display_name="Checkout")
    end = int(timezone.now().timestamp()) // 60 * 60
    demo = generate(end, days=DAYS)["checkout-availability"]
    t = np.asarray(demo.t, dtype=np.int64)
    append([(stand_in.pk, "", Buckets.counts(t, demo.good, demo.total))], body_hash="ws-demo")
    return org


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/workshops/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/workshops/")


def test_it_takes_a_team_from_a_new_workshop_to_a_trial_slo(browser_page, live_server, shop):
    page = browser_page
    sign_in(page, live_server, "dev")

    # A new workshop for the team's product.
    page.click('[data-testid="new-workshop"]')
    page.select_option("select[name=service]", label="shop")
    page.fill("input[name=title]", "Checkout SLOs")
    page.select_option("select[name=language]", "en")
    page.click('[data-testid="workshop-form"] button[type=submit]')
    page.wait_for_url(re.compile(r"/workshops/\d+/participants$"))
    workshop_url = page.url.rsplit("/", 1)[0]

    # Participants from both sides: a business person without an account, an engineer.
    form = '[data-testid="participant-form"]'
    page.fill(f"{form} input[name=name]", "Hanako Sato")
    page.select_option(f"{form} select[name=side]", "business")
    page.click(f"{form} button[type=submit]")
    page.select_option(f"{form} select[name=user]", label="dev")
    page.select_option(f"{form} select[name=side]", "development")
    page.select_option(f"{form} select[name=role]", "facilitator")
    page.click(f"{form} button[type=submit]")
    assert page.locator("tr[data-participant]").count() == 2

    # A critical user journey, in the business people's words.
    page.goto(f"{workshop_url}/journeys")
    page.fill("input[name=name]", "Pay for the basket")
    page.fill("textarea[name=steps]", "Open the basket\nChoose a card\nPay")
    page.fill("textarea[name=words]", "If paying fails at lunch time, customers go elsewhere.")
    page.click('[data-testid="journey-form"] button[type=submit]')
    page.wait_for_url(re.compile(r"/journeys/\d+/slis$"))
    screenshot(page, "workshop-sli-menu")

    # The SLI menu: availability, with its plain-language specification.
    page.check("input[name=pick_availability]")
    page.fill("textarea[name=spec_availability]", "The proportion of payments that succeed.")
    page.click('[data-testid="sli-menu"] button[type=submit]')
    page.wait_for_url(re.compile(r"/slis/\d+$"))

    # The implementation: pushed counts, history from a stand-in SLO.
    implementation = page.url
    page.goto(implementation + "?template=prometheus")
    assert "http_requests_total" in page.locator("textarea[name=good_query]").input_value()
    assert page.is_visible('[data-field="good_query"]')
    assert not page.is_visible('[data-field="threshold_query"]')  # a ratio has no value query
    screenshot(page, "workshop-implementation")
    page.goto(implementation)
    assert not page.is_visible('[data-field="good_query"]')  # pushed counts need no query
    page.select_option("select[name=stand_in]", label="Checkout")
    page.click('[data-testid="implementation-form"] button[type=submit]')
    page.wait_for_url(re.compile(r"/slis/\d+/explore$"))

    # Target exploration: numbers from the engine, updated by htmx as the candidate changes.
    results = page.locator('[data-testid="explore-results"]')
    assert results.get_attribute("data-target") == "0.999"
    assert page.locator("svg.spark polyline").count() >= 2
    page.fill("input[name=target]", "99.5")
    page.wait_for_selector('[data-testid="explore-results"][data-target="0.995"]')
    attained = page.locator('[data-testid="attainment"]').inner_text()
    assert re.fullmatch(r"\d{2,3}\.\d{3}%", attained)
    assert "failed requests a month" in page.locator('[data-testid="business-terms"]').inner_text()
    screenshot(page, "workshop-explore")
    page.click('[data-testid="choose-target"] button')
    page.wait_for_url(f"{workshop_url}/slis")

    # The agreement: the SLI in it, a revisit date; then one signature from each side.
    page.goto(f"{workshop_url}/agreement")
    page.check("input[name=form-0-in_agreement]")
    page.fill("textarea[name=form-0-reasoning]", "Customers retry once; more loses the sale.")
    page.fill("input[name=revisit_on]", "2026-09-01")
    page.click('[data-testid="agreement-form"] button[type=submit]')
    page.select_option("select[name=participant]", label="Hanako Sato (Business)")
    page.fill("textarea[name=comment]", "Agreed for the trial.")
    page.click('[data-testid="sign-form"] button[type=submit]')
    assert "✓" in page.locator('[data-testid="side-business"]').inner_text()
    assert not SLO.objects.filter(name="shop-availability").exists()
    page.select_option("select[name=participant]", label="dev (Development)")
    page.click('[data-testid="sign-form"] button[type=submit]')
    page.wait_for_selector('[data-testid="agreed"]')
    screenshot(page, "workshop-agreement")

    # The trial SLO is in the portfolio, and its page links back to the workshop.
    page.goto(f"{live_server.url}/?lifecycle=trial")
    row = page.locator('tr[data-slo="shop-availability"]')
    assert row.count() == 1
    screenshot(page, "workshop-portfolio-trial")
    page.goto(f"{live_server.url}/slos/shop-availability")
    assert page.locator('[data-testid="workshop-origin"]').count() == 1
    assert page.locator('[data-testid="lifecycle"]').inner_text() in {"Trial", "仮運用"}
    slo = SLO.objects.get(name="shop-availability")
    assert slo.lifecycle == "trial" and slo.spec["spec"]["objectives"][0]["target"] == 0.995

    # The record, in Japanese.
    page.goto(f"{workshop_url}/")
    page.click('[data-testid="language-switcher"] button[value=ja]')
    page.wait_for_selector("text=クリティカルユーザージャーニー")
    screenshot(page, "workshop-record-ja")


def test_it_reviews_a_trial_from_the_trials_ending_list(browser_page, live_server, shop):
    from ekkyo.workshops import services
    from tests.workshops.conftest import ready_workshop

    workshop, _sli, people = ready_workshop(shop["checkout"])
    today = timezone.localdate()
    for who in ("business", "dev"):
        services.sign(workshop, people[who], comment="", actor=shop["member"], today=today)
    page = browser_page
    sign_in(page, live_server, "dev")
    page.goto(f"{live_server.url}/workshops/trials")
    assert page.locator('tr[data-trial="shop-pay-availability"]').count() == 1
    screenshot(page, "workshop-trials")
    page.click('tr[data-trial="shop-pay-availability"] a.button')
    page.select_option("select[name=decision]", "adjust")
    page.fill("input[name=new_target]", "99.5")
    page.fill("textarea[name=reason]", "Four weeks of data: 99.9% paged for harmless blips.")
    page.click('[data-testid="review-form"] button[type=submit]')
    page.wait_for_url(f"{live_server.url}/slos/shop-pay-availability")
    assert page.locator('[data-testid="workshop-origin"]').count() == 1
    slo = SLO.objects.get(name="shop-pay-availability")
    assert (slo.lifecycle, slo.version) == ("trial", 2)
    assert slo.trial_ends_on == today + dt.timedelta(days=workshop.trial_days)  # not extended
    assert slo.spec["spec"]["objectives"][0]["target"] == 0.995
    screenshot(page, "workshop-slo-origin")
