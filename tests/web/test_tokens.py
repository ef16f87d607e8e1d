"""Personal API tokens on the account page: list, create (shown once), revoke, per persona."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from ekkyo.accounts.models import ApiToken, hash_token
from ekkyo.accounts.tokens import MAX_ACTIVE_TOKENS
from ekkyo.catalog.models import AuditEvent
from tests.web.conftest import add_slo, sign_in

PERSONAS = ["viewer", "member", "admin"]
TOKEN = re.compile(r'data-testid="token-value">(ekk_[A-Za-z0-9_-]+)<')


def create(client, label="ci"):
    response = client.post("/account/tokens", {"label": label})
    match = TOKEN.search(response.content.decode())
    return response, match.group(1) if match else ""


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_creates_a_token_and_shows_it_in_the_creation_response(client, org, persona):
    sign_in(client, org[persona])
    response, clear = create(client, "grafana")
    assert response.status_code == 201
    row = ApiToken.objects.get(user=org[persona])
    assert row.label == "grafana"
    assert row.token_hash == hash_token(clear)
    assert clear.startswith(row.hint)


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_the_new_token_call_the_api(client, org, persona):
    sign_in(client, org[persona])
    _response, clear = create(client)
    client.logout()
    response = client.get("/api/v1/slos", headers={"Authorization": f"Bearer {clear}"})
    assert response.status_code == 200


def test_it_marks_the_creation_response_as_not_cacheable(client, org):
    sign_in(client, org["viewer"])
    response, _clear = create(client)
    assert "no-store" in response["Cache-Control"]


def test_it_never_shows_the_token_again_on_later_pages(client, org):
    add_slo("pay", org["checkout"])
    sign_in(client, org["member"])
    _response, clear = create(client)
    secret = clear[10:]  # what follows the hint the list shows
    for url in ["/account/", "/", "/portfolio.json", "/slos/pay", "/teams/checkout"]:
        html = client.get(url).content.decode()
        assert secret not in html, url
    assert ApiToken.objects.get().hint + "…" in client.get("/account/").content.decode()


def test_it_keeps_the_token_out_of_the_session(client, org):
    sign_in(client, org["member"])
    _response, clear = create(client)
    client.get("/account/")
    assert clear[10:] not in repr(dict(client.session.items()))


def test_it_lists_only_ones_own_tokens_with_their_facts(client, org):
    mine = ApiToken.issue(org["member"], label="mine")[0]
    ApiToken.issue(org["viewer"], label="someone else's")
    mine.last_used_at = timezone.now()
    mine.save()
    sign_in(client, org["member"])
    html = client.get("/account/").content.decode()
    table = html[html.index('data-testid="tokens"') :]
    assert "mine" in table and "someone else" not in table
    row = table[table.index(f'data-token="{mine.pk}"') :].split("</tr>")[0]
    assert f"{mine.hint}…" in row
    assert row.count("<time") == 2  # created and last used; not revoked
    assert "Revoke" in row


def test_it_shows_revoked_tokens_without_a_revoke_button(client, org):
    row = ApiToken.issue(org["member"], label="old")[0]
    row.revoked_at = timezone.now()
    row.save()
    sign_in(client, org["member"])
    html = client.get("/account/").content.decode()
    line = html[html.index(f'data-token="{row.pk}"') :].split("</tr>")[0]
    assert 'class="revoked"' in line and "revoke-form" not in line


def test_it_rejects_a_label_longer_than_100_characters(client, org):
    sign_in(client, org["viewer"])
    response, clear = create(client, "x" * 101)
    assert response.status_code == 400 and clear == ""
    assert not ApiToken.objects.exists()


def test_it_caps_the_number_of_active_tokens(client, org):
    for i in range(MAX_ACTIVE_TOKENS):
        ApiToken.issue(org["viewer"], label=f"t{i}")
    sign_in(client, org["viewer"])
    response, clear = create(client)
    assert response.status_code == 409 and clear == ""
    assert "Revoke one you no longer use" in response.content.decode()
    assert ApiToken.objects.filter(user=org["viewer"]).count() == MAX_ACTIVE_TOKENS


def test_it_audits_a_creation_without_the_token(client, org):
    sign_in(client, org["member"])
    _response, clear = create(client, "ci")
    event = AuditEvent.objects.get(action="token.create")
    row = ApiToken.objects.get()
    assert event.actor == org["member"]
    assert event.detail == {
        "token_id": row.pk,
        "label": "ci",
        "hint": row.hint,
        "user": row.user_id,
    }
    assert clear[10:] not in repr(AuditEvent.objects.values())


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_revokes_ones_own_token(client, org, persona):
    row, clear = ApiToken.issue(org[persona], label="old")
    sign_in(client, org[persona])
    response = client.post(f"/account/tokens/{row.pk}/revoke")
    assert response.status_code == 302 and response.url == "/account/"
    row.refresh_from_db()
    assert row.revoked_at is not None
    client.logout()
    api = client.get("/api/v1/slos", headers={"Authorization": f"Bearer {clear}"})
    assert api.status_code == 401


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_refuses_to_revoke_someone_elses_token(client, org, persona):
    other = org["outsider"]
    row = ApiToken.issue(other, label="theirs")[0]
    sign_in(client, org[persona])
    response = client.post(f"/account/tokens/{row.pk}/revoke")
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    assert not AuditEvent.objects.filter(action="token.revoke").exists()


def test_it_audits_a_revocation_once(client, org):
    row = ApiToken.issue(org["member"], label="old")[0]
    sign_in(client, org["member"])
    client.post(f"/account/tokens/{row.pk}/revoke")
    response = client.post(f"/account/tokens/{row.pk}/revoke", follow=True)
    assert "was already revoked" in response.content.decode()
    events = AuditEvent.objects.filter(action="token.revoke")
    assert [(e.actor, e.detail["token_id"]) for e in events] == [(org["member"], row.pk)]


def test_it_answers_a_get_on_the_revoke_url_with_405(client, org):
    row = ApiToken.issue(org["member"])[0]
    sign_in(client, org["member"])
    assert client.get(f"/account/tokens/{row.pk}/revoke").status_code == 405
    assert client.get("/account/tokens").status_code == 405


def test_it_sends_anonymous_readers_of_the_account_page_to_sign_in(client, org):
    response = client.get("/account/")
    assert response.status_code == 302 and response.url == "/login/?next=/account/"


def test_it_links_the_account_page_from_the_header(client, org):
    sign_in(client, org["viewer"])
    assert 'href="/account/" data-testid="account-link"' in client.get("/").content.decode()


# --- Django admin --------------------------------------------------------------------------


def test_it_lets_an_admin_revoke_anyones_token_in_the_django_admin(client, org):
    row = ApiToken.issue(org["viewer"], label="theirs")[0]
    sign_in(client, org["admin"])
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor == org["admin"] and event.detail["user"] == org["viewer"].pk


def test_it_lists_tokens_in_the_django_admin_without_their_hash(client, org):
    row = ApiToken.issue(org["viewer"], label="theirs")[0]
    sign_in(client, org["admin"])
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    detail = client.get(f"/admin/accounts/apitoken/{row.pk}/change/").content.decode()
    assert row.hint in listing
    assert row.token_hash not in listing + detail


def test_it_offers_no_way_to_add_a_token_in_the_django_admin(client, org):
    sign_in(client, org["admin"])
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403


@pytest.mark.parametrize("persona", ["viewer", "member"])
def test_it_keeps_non_admins_out_of_the_django_admin(client, org, persona):
    sign_in(client, org[persona])
    response = client.get("/admin/accounts/apitoken/")
    assert response.status_code == 302 and "/admin/login/" in response.url
