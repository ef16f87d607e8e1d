"""The admin never shows a target's secrets, and an empty secret input keeps the value."""

from __future__ import annotations

import pytest

from ekkyo.alerting.models import NotificationTarget
from tests.alerting.helpers import target
from tests.factories import make_team, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = make_user("sre", "admin")
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def form_of(row, **changes):
    data = {
        "name": row.name,
        "team": row.team_id or "",
        "kind": row.kind,
        "severities": row.severities,
        "language": row.language,
        "source": row.source,
        "enabled": "on",
        "url": "",
        "routing_key": "",
        "hmac_secret": "",
        "url_env": "",
        "routing_key_env": "",
        "hmac_secret_env": "",
        "endpoint": "",
    }
    return data | changes


def test_it_never_renders_a_stored_secret(admin_client):
    row = target(
        "pay-hook", make_team("payments"), "webhook", url="https://h.example.com/SECRETPATH"
    )

    page = admin_client.get(f"/admin/alerting/notificationtarget/{row.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "SECRETPATH" not in html and "TOPSECRET" not in html


def test_it_keeps_a_secret_when_its_input_is_left_empty(admin_client):
    row = target("pay-slack", make_team("payments"), url="https://hooks.example.com/OLDSECRET")

    response = admin_client.post(
        f"/admin/alerting/notificationtarget/{row.pk}/change/", form_of(row, name="renamed")
    )

    assert response.status_code == 302
    row = NotificationTarget.objects.get(pk=row.pk)
    assert (row.name, row.url.reveal()) == ("renamed", "https://hooks.example.com/OLDSECRET")


def test_it_replaces_a_secret_that_is_typed_in(admin_client):
    row = target("pay-slack", make_team("payments"), url="https://hooks.example.com/OLDSECRET")

    admin_client.post(
        f"/admin/alerting/notificationtarget/{row.pk}/change/",
        form_of(row, url="https://hooks.example.com/NEWSECRET"),
    )

    assert NotificationTarget.objects.get(pk=row.pk).url.reveal().endswith("NEWSECRET")
