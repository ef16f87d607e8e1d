from __future__ import annotations

import pytest
from django.utils import timezone

from ekkyo.accounts.models import ApiToken, hash_token
from tests.factories import make_slo, make_team, make_user, token_for

pytestmark = pytest.mark.django_db


def test_it_stores_only_the_hash_of_a_token():
    user = make_user("alice", "viewer")
    row, token = ApiToken.issue(user)
    assert token.startswith("ekk_")
    assert row.token_hash == hash_token(token)
    assert token not in {row.hint, row.token_hash, row.label}
    assert not ApiToken.objects.filter(token_hash=token).exists()


def test_it_answers_401_in_the_error_format_without_a_token(client):
    response = client.get("/api/v1/slos")
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == "unauthenticated"
    assert "Bearer" in body["error"]["message"]
    assert body["error"]["details"] == []


def test_it_rejects_a_revoked_token(client):
    user = make_user("bob", "viewer")
    row, token = ApiToken.issue(user)
    row.revoked_at = timezone.now()
    row.save()
    response = client.get("/api/v1/slos", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_it_lists_slos_for_a_viewer_with_filters(client):
    checkout = make_team("checkout")
    search = make_team("search")
    make_slo("checkout-availability", checkout, service="checkout")
    make_slo("search-latency", search, service="search")
    token = token_for(make_user("carol", "viewer"))
    auth = {"Authorization": f"Bearer {token}"}

    everything = client.get("/api/v1/slos", headers=auth).json()["slos"]
    only_search = client.get("/api/v1/slos?team=search", headers=auth).json()["slos"]

    assert [s["name"] for s in everything] == ["checkout-availability", "search-latency"]
    assert [(s["name"], s["team"], s["service"]) for s in only_search] == [
        ("search-latency", "search", "search")
    ]


def test_it_rejects_an_unknown_lifecycle_filter_with_422(client):
    token = token_for(make_user("dave", "viewer"))
    response = client.get(
        "/api/v1/slos?lifecycle=bogus", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "lifecycle"


def test_it_records_when_a_token_was_last_used(client):
    user = make_user("erin", "viewer")
    row, token = ApiToken.issue(user)
    client.get("/api/v1/slos", headers={"Authorization": f"Bearer {token}"})
    row.refresh_from_db()
    assert row.last_used_at is not None
