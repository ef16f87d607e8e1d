"""Script and HTML typed by users stays text: in pages, in Markdown exports and in PDFs.

Every place users type text holds the payload (see :mod:`tests.security.world`; the SLO's
display name and description arrive through the OpenSLO import).  Pages must show it
HTML-escaped, Markdown exports must keep it inert when a CommonMark renderer turns them
into HTML, and the PDF must print it as the characters typed.
"""

from __future__ import annotations

import html
import re
import subprocess

import pytest
from markdown_it import MarkdownIt

from tests.conftest import require_binary
from tests.security.test_authorization import ROUTES
from tests.security.world import PAYLOAD, build_world

# What must never reach a page or a rendered export as markup.
LIVE = re.compile(r"<script>alert|<img src=x|<svg onload|onerror=\"alert", re.IGNORECASE)
ESCAPED = html.escape("<script>alert(")  # '&lt;script&gt;alert('

SKIP = {"api-v1:api-root", "login"}  # not found; a redirect for someone signed in
# Pages that show typed text, and the words of the payload's neighbour each must show.
SHOWN = {
    "/": "Payments",
    "/slos/pay": "Payments succeed",
    "/teams/checkout": "Pays",
    "/reviews/": "Checkout review",
    "/reviews/series/checkout-review": "We look at payments",
    "/reviews/items/": "Fix retries",
    "/workshops/": "Checkout SLOs",
    "/workshops/trials": "Trial",
    "/policies/": "Budget policy",
    "/org/teams/checkout/": "Fast checkout",
    "/reports/monthly/2026-02/": "Payments",
}


@pytest.fixture
def world(db, tmp_path, client):
    built = build_world(tmp_path, PAYLOAD)
    client.force_login(built["admin"])
    return built


def html_pages(world):
    for name, entry in sorted(ROUTES.items()):
        url = entry.url(world)
        if "GET" in entry.expect and entry.expect["GET"][-1] == "ok" and name not in SKIP:
            yield name, url


def test_it_shows_typed_markup_as_text_on_every_page(client, world):
    pages_with_payload = []
    for name, url in html_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        if not response["Content-Type"].startswith("text/html"):
            continue
        text = response.content.decode()
        assert not LIVE.search(text), f"{name} ({url}) shows the payload as markup"
        if ESCAPED in text:
            pages_with_payload.append(url)
    # The payload really is on the pages (else this test would prove nothing).
    for url, neighbour in SHOWN.items():
        assert url in pages_with_payload, f"{url} does not show the stored text"
        assert f"{neighbour} {ESCAPED}" in client.get(url).content.decode()


def test_it_shows_each_typed_workshop_field_as_text(client, world):
    pk = world["workshop"].pk
    text = "".join(
        client.get(f"/workshops/{pk}{suffix}").content.decode()
        for suffix in ("/", "/context", "/journeys", "/slis", "/parking", "/agreement")
    )
    for neighbour in ("Shoppers", "They leave", "Pay", "Payments that succeed", "Who pays?"):
        assert f"{neighbour} {ESCAPED}" in text, neighbour
    assert not LIVE.search(text)


def test_it_shows_each_typed_policy_and_team_field_as_text(client, world):
    text = client.get(f"/policies/{world['policy'].pk}/").content.decode()
    text += client.get("/org/teams/checkout/").content.decode()
    for neighbour in ("Keep promises", "Provider outages", "Ask the CTO", "Payments API"):
        assert f"{neighbour} {ESCAPED}" in text, neighbour
    assert "Search for products" in text and not LIVE.search(text)


def test_it_shows_minutes_items_and_links_as_text(client, world):
    pk = world["session"].pk
    text = client.get(f"/reviews/sessions/{pk}").content.decode()
    text += client.get(f"/reviews/sessions/{pk}/minutes").content.decode()
    text += client.get(f"/reviews/items/{world['item'].pk}").content.decode()
    for neighbour in ("Latency rose", "Fix retries", "Grafana"):
        assert f"{neighbour} {ESCAPED}" in text, neighbour
    assert not LIVE.search(text)


def test_it_returns_typed_text_from_the_api_as_json_strings(client, world):
    from tests.factories import token_for

    headers = {"Authorization": f"Bearer {token_for(world['member'])}"}
    query = "slo=pay&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z"
    response = client.get(f"/api/v1/annotations?{query}", headers=headers)
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    notes = [a["text"] for a in response.json()["annotations"] if a["kind"] == "note"]
    assert notes == ["Deployed " + PAYLOAD]


def rendered(markdown: str) -> str:
    # CommonMark passes raw HTML through: exactly what a Markdown viewer would do.
    return MarkdownIt("commonmark").render(markdown)


@pytest.mark.parametrize(
    "export",
    [
        lambda w: f"/workshops/{w['workshop'].pk}/export.md",
        lambda w: f"/reviews/sessions/{w['session'].pk}/minutes.md",
    ],
    ids=["workshop record", "session minutes"],
)
def test_it_keeps_typed_markup_inert_in_markdown_exports(client, world, export):
    response = client.get(export(world))
    assert response.status_code == 200
    markdown = response.content.decode()
    assert "alert(" in markdown  # the payload is in the export
    page = rendered(markdown)
    assert not LIVE.search(page)
    assert ESCAPED in page  # shown as the characters typed


def pdf_text(client, url, tmp_path) -> str:
    pdftotext = require_binary("pdftotext", "apt-get install poppler-utils")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "export.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


@pytest.mark.real
def test_it_prints_typed_markup_as_text_in_the_workshop_pdf(client, world, tmp_path):
    flat = pdf_text(client, f"/workshops/{world['workshop'].pk}/export.pdf", tmp_path)
    # The title, printed with its angle brackets and quotes as typed.
    assert 'Checkout SLOs <script>alert("xss-1")</script>' in flat
    assert "onerror=" in flat


@pytest.mark.real
def test_it_prints_typed_markup_as_text_in_the_business_report_pdf(client, world, tmp_path):
    flat = pdf_text(client, "/reports/quarterly/2026-Q1.pdf", tmp_path)
    assert 'Payments <script>alert("xss-1")</script>' in flat
