"""Every page in Chromium under the Content-Security-Policy, with XSS payloads stored.

The organisation of :mod:`tests.security.world` is built with a payload in every field
users type; an SRE admin then opens every HTML page of the authorisation table (and the
admin and API docs).  No page may show a dialog (a payload that ran), report a CSP
violation (an inline script or handler the policy blocked: a page that would be broken)
or throw a JavaScript error.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import require_binary
from tests.security.test_authorization import ROUTES
from tests.security.world import PAYLOAD, build_world

pytestmark = [pytest.mark.real, pytest.mark.slow]

NOT_HTML = (".json", ".md", ".pdf", ".ics", ".csv")
SKIP = {"healthz", "readyz", "metrics", "api-v1:api-root", "login", "logout", "set_language"}
EXTRA = ["/admin/", "/admin/alerting/notificationtarget/add/", "/admin/teams/team/"]

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " blocked " + e.blockedURI +
    " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


def html_pages(world: dict[str, Any]) -> list[str]:
    urls = []
    for name, entry in sorted(ROUTES.items()):
        url = entry.url(world)
        if name in SKIP or "GET" not in entry.expect or url.split("?")[0].endswith(NOT_HTML):
            continue
        urls.append(url)
    return urls + EXTRA


@pytest.fixture
def stored_payloads(transactional_db, tmp_path):
    require_binary("chromium")
    return build_world(tmp_path, PAYLOAD, with_data=True)


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-" + username)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")


def test_it_runs_every_page_under_the_policy_and_no_stored_payload(
    browser_page, live_server, stored_payloads
):
    page = browser_page
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "Content Security Policy" in m.text
            and errors.append(f"{page.url}: {m.text}")
        ),
    )
    page.add_init_script(WATCH)
    sign_in(page, live_server, "sre")
    visited = []
    for url in html_pages(stored_payloads):
        response = page.goto(f"{live_server.url}{url}", wait_until="load")
        assert response is not None and response.status == 200, url
        if url == "/slos/pay":
            page.wait_for_selector("#charts[data-drawn=true]", timeout=30_000)
        page.wait_for_timeout(150)  # deferred scripts and htmx loads
        violations = page.evaluate("window.__violations")
        errors.extend(f"{url}: {v}" for v in violations)
        visited.append(url)
    assert len(visited) >= 30
    assert dialogs == []
    assert errors == []
