"""The pages in a real browser: Playwright driving Debian's Chromium against a live server."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

from tests.conftest import require_binary
from tests.web.conftest import EVALUATED_AT, add_slo, add_status, push_minutes, screenshot

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture
def shop(transactional_db, org):
    """Two SLOs with two weeks of data each: one healthy, one burning its budget."""
    require_binary("chromium")
    n = 14 * 1440
    start = EVALUATED_AT - dt.timedelta(days=14)
    rng = np.random.default_rng(7)
    total = rng.poisson(40, n).astype(float)
    pay = add_slo("pay", org["checkout"], lifecycle="trial", display_name="Payments")
    bad = rng.binomial(total.astype(int), 0.0004).astype(float)
    bad[n - 900 : n - 600] = np.floor(total[n - 900 : n - 600] * 0.2)  # an incident, 5 h ago
    push_minutes(pay, start, total - bad, total)
    add_status(pay, "at_risk", sli=0.9972, remaining=0.31, burn=9.5, alerts=1)
    cart = add_slo("cart", org["checkout"], display_name="Cart")
    push_minutes(cart, start, total, total)
    add_status(cart, "healthy", sli=1.0, remaining=1.0, burn=0.0)
    find = add_slo("find", org["search"], product="search", display_name="Search results")
    add_status(find, "exhausted", sli=0.95, remaining=-0.4, burn=30.0, alerts=2)
    return org


def sign_in(page, live_server, username, shot=""):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    if shot:
        screenshot(page, shot)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")


def test_it_takes_a_member_from_sign_in_to_charts_in_japanese_and_out(
    browser_page, live_server, shop
):
    page = browser_page
    sign_in(page, live_server, "dev", shot="login-en")

    # The portfolio: every SLO, grouped by team, with the summary strip.
    assert page.locator("tr[data-slo]").count() == 3
    assert page.locator('[data-testid="count-exhausted"]').inner_text() == "1"
    screenshot(page, "portfolio-en")

    # Filtering swaps the results in place (htmx) and keeps the URL shareable.
    page.select_option("#f-status", "at_risk")
    page.wait_for_url(re.compile(r"status=at_risk"))
    page.wait_for_function("document.querySelectorAll('tr[data-slo]').length === 1")
    assert page.locator("tr[data-slo]").get_attribute("data-slo") == "pay"

    # The SLO page draws its four charts from the JSON twin.
    page.click("a.slo-name")
    page.wait_for_url(f"{live_server.url}/slos/pay")
    page.wait_for_selector("#charts[data-drawn=true]", timeout=30_000)
    for kind in ["sli", "burndown", "burn-now", "burn"]:
        chart = page.locator(f'.chart[data-chart="{kind}"]')
        assert chart.get_attribute("data-drawn") == "true"
        assert chart.locator("svg.main-svg").count() >= 1
    line = page.locator('.chart[data-chart="sli"] .scatterlayer path.js-line').first
    assert len(line.get_attribute("d") or "") > 200  # a drawn line, not an empty axis
    assert page.locator('.chart[data-chart="burn-now"] .barlayer path').count() >= 7
    assert page.locator('[data-testid="lifecycle-form"]').count() == 1
    screenshot(page, "slo-en")

    # Every chart as numbers: the tables arrive when the details open.
    page.click('[data-testid="numbers"] summary')
    page.wait_for_selector('[data-testid="chart-tables"] table[data-table="burndown"]')
    assert page.locator('table[data-table="sli"] tbody tr').count() > 100

    # Japanese, remembered across pages.
    page.click('[data-testid="language-switcher"] button[value="ja"]')
    page.wait_for_selector('html[lang="ja"]')
    assert "直近30日で99.9%という目標は" in page.locator('[data-testid="plain"]').inner_text()
    page.wait_for_selector("#charts[data-drawn=true]", timeout=30_000)
    screenshot(page, "slo-ja")
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "ポートフォリオ"
    screenshot(page, "portfolio-ja")
    page.click('a[href="/teams/checkout"]')
    assert page.locator('[data-testid="engagement"]').inner_text() == "セルフサービス"
    screenshot(page, "team-ja")

    page.click('[data-testid="sign-out"]')
    page.wait_for_url(re.compile(r"/login/"))
    assert page.locator("h1").inner_text() == "ekkyoにサインイン"


def test_it_shows_a_viewer_no_edit_controls(browser_page, live_server, shop):
    page = browser_page
    sign_in(page, live_server, "bea")
    page.goto(f"{live_server.url}/slos/pay")
    page.wait_for_selector("#charts[data-drawn=true]", timeout=30_000)
    assert page.locator('[data-testid="lifecycle-form"]').count() == 0
    assert page.locator("form[action$='/lifecycle']").count() == 0
    screenshot(page, "slo-viewer")
