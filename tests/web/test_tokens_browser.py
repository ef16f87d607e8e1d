"""The account page in a real browser: a token shown once, then only its hint; revoking it."""

from __future__ import annotations

import pytest

from ekkyo.accounts.models import ApiToken, Profile
from tests.conftest import require_binary
from tests.web.conftest import screenshot

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture
def people(transactional_db, org):
    require_binary("chromium")
    return org


def test_it_creates_shows_once_and_revokes_a_token_and_saves_settings(
    browser_page, live_server, people
):
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "dev")
    page.fill("input[name=password]", "pw-dev")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")

    page.click('[data-testid="account-link"]')
    page.wait_for_url(f"{live_server.url}/account/")
    page.fill("input[name=label]", "CI pushes")
    page.click('[data-testid="token-form"] button[type=submit]')
    clear = page.locator('[data-testid="token-value"]').inner_text()
    row = ApiToken.objects.get(user=people["member"])
    assert clear.startswith(row.hint) and row.label == "CI pushes"
    screenshot(page, "account-token-created")

    page.goto(f"{live_server.url}/account/")
    assert page.locator('[data-testid="token-value"]').count() == 0
    assert clear[10:] not in page.content()
    assert page.locator(f'tr[data-token="{row.pk}"]').inner_text().startswith("CI pushes")

    page.click(f'tr[data-token="{row.pk}"] [data-testid="revoke-form"] button')
    page.wait_for_url(f"{live_server.url}/account/")
    assert "revoked" in page.locator(".messages").inner_text()
    row.refresh_from_db()
    assert row.revoked_at is not None

    page.select_option("select[name=time_zone]", "Asia/Tokyo")
    page.select_option("select[name=language]", "ja")
    page.click('[data-testid="profile-form"] button[type=submit]')
    page.wait_for_url(f"{live_server.url}/account/")
    assert page.locator("html").get_attribute("lang") == "ja"
    assert Profile.objects.get(user=people["member"]).time_zone == "Asia/Tokyo"
    screenshot(page, "account-ja")
