"""Who sees what: sign-in, personas, edit controls and the lifecycle POST."""

from __future__ import annotations

import pytest
from django.test import Client

from ekkyo.catalog.models import SLO, AuditEvent, LifecycleTransition
from tests.web.conftest import add_slo, sign_in

PAGES = ["/", "/portfolio.json", "/slos/pay", "/slos/pay/chart.json", "/teams/checkout"]


@pytest.mark.parametrize("url", PAGES)
def test_it_sends_anonymous_readers_to_sign_in(client, org, url):
    add_slo("pay", org["checkout"])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"/login/?next={url}"


def test_it_signs_in_with_a_password_and_lands_on_the_portfolio(client, org):
    response = client.post("/login/", {"username": "bea", "password": "pw-bea"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert b'data-testid="summary"' in response.content or b"empty-catalog" in response.content


def test_it_refuses_a_wrong_password(client, org):
    response = client.post("/login/", {"username": "bea", "password": "nope"})
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert "_auth_user_id" not in client.session


def test_it_signs_out_with_a_post_and_forgets_the_session(client, org):
    sign_in(client, org["viewer"])
    response = client.post("/logout/")
    assert response.status_code == 302 and response.url == "/login/"
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("persona", "sees_form"),
    [("viewer", False), ("outsider", False), ("member", True), ("admin", True)],
)
def test_it_shows_lifecycle_controls_only_to_who_may_use_them(client, org, persona, sees_form):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org[persona])
    response = client.get("/slos/pay")
    assert response.status_code == 200
    assert (b'data-testid="lifecycle-form"' in response.content) is sees_form


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_it_forbids_a_lifecycle_change_outside_ones_teams(client, org, persona):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org[persona])
    response = client.post("/slos/pay/lifecycle", {"to_state": "active", "reason": "agreed"})
    assert response.status_code == 403
    assert SLO.objects.get(name="pay").lifecycle == "trial"
    assert "ask an admin" in response.content.decode()


@pytest.mark.parametrize("persona", ["member", "admin"])
def test_it_moves_the_lifecycle_and_records_who_and_why(client, org, persona):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org[persona])
    response = client.post(
        "/slos/pay/lifecycle", {"to_state": "active", "reason": "workshop sign-off"}
    )
    assert response.status_code == 302 and response.url == "/slos/pay"
    assert SLO.objects.get(name="pay").lifecycle == "active"
    row = LifecycleTransition.objects.filter(slo__name="pay").latest("at")
    assert (row.from_state, row.to_state, row.reason) == ("trial", "active", "workshop sign-off")
    assert row.actor == org[persona]
    assert AuditEvent.objects.filter(action="slo.lifecycle", actor=org[persona]).exists()


def test_it_requires_a_reason_for_a_lifecycle_change(client, org):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org["member"])
    response = client.post("/slos/pay/lifecycle", {"to_state": "active", "reason": "  "})
    assert response.status_code == 400
    assert "the reason is kept in the audit trail" in response.content.decode()
    assert SLO.objects.get(name="pay").lifecycle == "trial"


def test_it_refuses_a_move_the_lifecycle_does_not_allow(client, org):
    add_slo("pay", org["checkout"], lifecycle="retired")
    sign_in(client, org["admin"])
    response = client.post("/slos/pay/lifecycle", {"to_state": "active", "reason": "why not"})
    assert response.status_code == 400
    assert SLO.objects.get(name="pay").lifecycle == "retired"


def test_it_offers_only_the_moves_the_current_state_allows(client, org):
    add_slo("pay", org["checkout"], lifecycle="active")
    sign_in(client, org["member"])
    html = client.get("/slos/pay").content.decode()
    form = html[html.index('data-testid="lifecycle-form"') :]
    form = form[: form.index("</form>")]
    assert 'value="trial"' in form and 'value="retired"' in form
    assert 'value="draft"' not in form and 'value="active"' not in form


def test_it_rejects_a_lifecycle_post_without_a_csrf_token(org):
    add_slo("pay", org["checkout"], lifecycle="trial")
    client = Client(enforce_csrf_checks=True)
    sign_in(client, org["admin"])
    response = client.post("/slos/pay/lifecycle", {"to_state": "active", "reason": "x"})
    assert response.status_code == 403
    assert SLO.objects.get(name="pay").lifecycle == "trial"


def test_it_answers_a_get_on_the_lifecycle_url_with_405(client, org):
    add_slo("pay", org["checkout"])
    sign_in(client, org["admin"])
    assert client.get("/slos/pay/lifecycle").status_code == 405


def test_it_shows_a_friendly_404_for_an_unknown_slo(client, org):
    sign_in(client, org["viewer"])
    response = client.get("/slos/nope")
    assert response.status_code == 404
    assert "Back to the portfolio" in response.content.decode()


def test_it_shows_a_friendly_404_for_an_unknown_team(client, org):
    sign_in(client, org["viewer"])
    response = client.get("/teams/nope")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_it_explains_an_expired_form_in_plain_words(org):
    add_slo("pay", org["checkout"])
    client = Client(enforce_csrf_checks=True)
    sign_in(client, org["admin"])
    response = client.post("/slos/pay/lifecycle", {"to_state": "active", "reason": "x"})
    assert "That form has expired" in response.content.decode()
