"""A review in a real browser: agenda, session mode by keyboard, capture, triage, inventory."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from ekkyo.reviews.models import ActionItem, ReviewSession
from tests.conftest import require_binary
from tests.reviews.conftest import make_series
from tests.web.conftest import EVALUATED_AT, add_slo, add_status, push_minutes, screenshot

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture
def team_with_series(transactional_db, org):
    require_binary("chromium")
    n = 7 * 1440
    start = EVALUATED_AT - dt.timedelta(days=7)
    total = np.full(n, 40.0)
    bad = np.zeros(n)
    bad[n - 600 : n - 300] = 8.0  # an incident five hours before the evaluation
    pay = add_slo("pay", org["checkout"], display_name="Payments")
    push_minutes(pay, start, total - bad, total)
    add_status(pay, "at_risk", sli=0.9972, remaining=0.31, burn=9.5, alerts=1)
    series = make_series(org["checkout"], language="en")
    series.slos.set([pay])
    return {**org, "series": series}


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/?next=/reviews/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/reviews/")


def go_to_step(page, key):
    for _ in range(12):
        if page.locator("[data-session-mode]").get_attribute("data-current") == key:
            return
        page.keyboard.press("j")
    raise AssertionError(f"no step {key}")


def test_it_runs_a_review_from_agenda_to_closing_an_item_in_the_next_session(
    browser_page, live_server, team_with_series
):
    page = browser_page
    sign_in(page, live_server, "dev")
    screenshot(page, "reviews-index")

    # The first session: its agenda is generated when it is created.
    page.click('a[href="/reviews/series/checkout-review"]')
    page.click('[data-testid="create-session"]')
    page.wait_for_url(re.compile(r"/reviews/sessions/\d+$"))
    first = ReviewSession.objects.get()
    at_risk = page.locator('[data-step="at_risk"] table[data-section="at_risk"] tr[data-slo="pay"]')
    assert at_risk.count() == 1 and "31.0% left" in at_risk.inner_text()
    screenshot(page, "reviews-session-agenda")

    # Session mode: one topic at a time, moved with the keyboard.
    page.click('[data-testid="present"]')
    page.wait_for_selector("[data-session-mode][data-current=opening]")
    assert page.locator("section.step:visible").count() == 1
    assert page.locator('[data-testid="ice-break"]').is_visible()
    page.keyboard.press("ArrowRight")
    assert page.locator("[data-session-mode]").get_attribute("data-current") == "burned"
    page.keyboard.press("j")
    page.wait_for_selector('[data-step="at_risk"] .mini-chart[data-drawn=true]', timeout=30_000)
    assert page.locator('[data-step="at_risk"] .mini-chart svg.main-svg').count() >= 1
    assert page.locator('[data-testid="position"]').inner_text() == "3 / 9"
    page.keyboard.press("k")
    assert page.locator("[data-session-mode]").get_attribute("data-current") == "burned"
    page.keyboard.press("ArrowRight")
    screenshot(page, "reviews-session-mode-at-risk")

    # Capture an action item without leaving the page (htmx).
    page.keyboard.press("c")
    capture = page.locator('[data-testid="capture-form"]')
    capture.locator("select[name=kind]").select_option("action")
    page.keyboard.type("Add a retry budget to the payment client")
    capture.locator("details summary").click()
    capture.locator("select[name=owner]").select_option("dev")
    capture.locator('[data-testid="capture-submit"]').click()
    page.wait_for_selector('[data-testid="captured"] li[data-captured-item]')
    assert "/present" in page.url
    item = ActionItem.objects.get()
    assert (item.title, item.session_id, item.owner.get_username()) == (
        "Add a retry budget to the payment client",
        first.pk,
        "dev",
    )
    # Typing in the form did not move the topic ("j" and "k" are in the text).
    assert page.locator("[data-session-mode]").get_attribute("data-current") == "at_risk"
    screenshot(page, "reviews-session-mode-captured")

    page.goto(f"{live_server.url}/reviews/items/")
    assert page.locator('[data-testid="open-checkout"]').inner_text() == "1"
    screenshot(page, "reviews-inventory-open")

    # The next session lists the open item; it is closed there.
    page.goto(f"{live_server.url}/reviews/series/checkout-review")
    page.click('[data-testid="create-session"]')
    page.wait_for_url(re.compile(r"/reviews/sessions/\d+$"))
    second = ReviewSession.objects.exclude(pk=first.pk).get()
    assert second.starts_at > first.starts_at
    page.click('[data-testid="present"]')
    page.wait_for_selector("[data-session-mode][data-current=opening]")
    go_to_step(page, "action_items")
    row = page.locator(f'[data-step="action_items"] tr[data-item="{item.pk}"]')
    assert row.get_attribute("data-status") == "open"
    row.locator("input[type=checkbox]").check()
    page.locator('[data-step="action_items"] [data-testid="triage-status"]').select_option("done")
    page.locator('[data-step="action_items"] [data-testid="triage-apply"]').click()
    page.wait_for_selector(
        f'[data-step="action_items"] tr[data-item="{item.pk}"][data-status=done]'
    )
    assert page.locator("[data-session-mode]").get_attribute("data-current") == "action_items"
    screenshot(page, "reviews-session-mode-closed")
    item.refresh_from_db()
    assert (item.status, item.closed_in_id) == ("done", second.pk)

    # The inventory changed.
    page.goto(f"{live_server.url}/reviews/items/")
    assert page.locator('[data-testid="inventory-empty"]').count() == 1
    assert page.locator("[data-testid=inventory-items] tr[data-item]").count() == 0
    screenshot(page, "reviews-inventory-after")
    page.goto(f"{live_server.url}/reviews/sessions/{second.pk}/minutes")
    assert "Add a retry budget" in page.locator('[data-testid="minutes"]').inner_text()
    screenshot(page, "reviews-minutes")
