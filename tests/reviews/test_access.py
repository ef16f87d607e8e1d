"""Who may do what: viewers read, members write for their teams, outsiders get 403."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.reviews.models import ActionItem, Entry, ReviewSeries, ReviewSession
from ekkyo.reviews.services import open_item
from tests.reviews.conftest import FIRST, make_series, make_session, sign_in

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture
def world(org):
    series = make_series(org["checkout"])
    session = make_session(series, FIRST)
    item = open_item(title="Tune the alert", team=org["checkout"], actor=org["member"], now=NOW)
    return {**org, "series": series, "session": session, "item": item}


def read_urls(w):
    s, item = w["session"].pk, w["item"].pk
    slug = w["series"].slug
    return [
        "/reviews/",
        "/reviews/index.json",
        f"/reviews/series/{slug}",
        f"/reviews/series/{slug}.json",
        f"/reviews/series/{slug}/sessions.ics",
        f"/reviews/sessions/{s}",
        f"/reviews/sessions/{s}.json",
        f"/reviews/sessions/{s}/present",
        f"/reviews/sessions/{s}/minutes",
        f"/reviews/sessions/{s}/minutes.md",
        "/reviews/items/",
        "/reviews/items.json",
        f"/reviews/items/{item}",
        "/reviews/teams/checkout/signals.json",
    ]


def write_requests(w):
    s, item = w["session"].pk, w["item"].pk
    slug = w["series"].slug
    return [
        (f"/reviews/series/{slug}/sessions", {}),
        (f"/reviews/series/{slug}/edit", {"name": "x"}),
        (f"/reviews/sessions/{s}/agenda", {}),
        (f"/reviews/sessions/{s}/capture", {"kind": "note", "text": "hi"}),
        (f"/reviews/sessions/{s}/attendance", {"attendees": ["dev"]}),
        (f"/reviews/sessions/{s}/facilitator", {"facilitator": "dev"}),
        (f"/reviews/sessions/{s}/status", {"status": "held"}),
        ("/reviews/items/triage", {"items": [item], "status": "done"}),
        (f"/reviews/items/{item}", {"title": "x", "team": w["checkout"].pk, "status": "done"}),
    ]


def test_it_sends_anonymous_readers_to_sign_in(client, world):
    for url in read_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/login/?next="), url


@pytest.mark.parametrize("persona", ["viewer", "outsider", "member", "admin"])
def test_it_lets_every_signed_in_persona_read_every_page(client, world, persona):
    sign_in(client, world[persona])
    for url in read_urls(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_it_refuses_writes_outside_ones_teams_and_changes_nothing(client, world, persona):
    sign_in(client, world[persona])
    for url, data in write_requests(world):
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "members of the teams" in response.content.decode(), url
    assert ReviewSession.objects.count() == 1
    assert Entry.objects.count() == 0
    assert ActionItem.objects.get().status == "open"
    assert ReviewSeries.objects.get().name == "Checkout dashboard review"


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_it_shows_no_edit_controls_to_readers(client, world, persona):
    sign_in(client, world[persona])
    html = client.get(f"/reviews/sessions/{world['session'].pk}").content.decode()
    assert 'data-testid="capture-form"' not in html
    assert 'name="items"' not in html
    html = client.get(f"/reviews/series/{world['series'].slug}").content.decode()
    assert 'data-testid="create-session"' not in html


@pytest.mark.parametrize("persona", ["member", "admin"])
def test_it_lets_members_and_admins_capture_in_a_session(client, world, persona):
    sign_in(client, world[persona])
    response = client.post(
        f"/reviews/sessions/{world['session'].pk}/capture", {"kind": "finding", "text": "p99 up"}
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.kind, entry.text, entry.author) == ("finding", "p99 up", world[persona])


def test_it_refuses_a_viewer_creating_a_series(client, world):
    sign_in(client, world["viewer"])
    assert client.get("/reviews/series/new").status_code == 403


def test_it_refuses_a_member_a_series_for_another_team(client, world):
    sign_in(client, world["member"])
    response = client.post(
        "/reviews/series/new",
        {
            "name": "Search review",
            "slug": "search-review",
            "teams": [world["search"].pk],
            "rrule": "FREQ=WEEKLY",
            "first_start": "2026-03-04T16:00",
            "time_zone": "Asia/Tokyo",
            "duration_minutes": 60,
            "language": "en",
        },
    )
    assert response.status_code == 400
    assert not ReviewSeries.objects.filter(slug="search-review").exists()


def test_it_opens_the_calendar_feed_with_the_series_key_only(client, world):
    url = f"/reviews/series/{world['series'].slug}/sessions.ics"
    assert client.get(url + "?key=wrong").status_code == 404
    response = client.get(url + f"?key={world['series'].feed_key}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    # The key opens the feed, not the pages.
    assert client.get(f"/reviews/series/{world['series'].slug}").status_code == 302
