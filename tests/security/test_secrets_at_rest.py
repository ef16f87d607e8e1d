"""Notification target secrets are encrypted in the database and shown nowhere.

The raw stored bytes (the SQLite database image, or the column as the database returns it)
must not contain a secret; logs captured while the secret is stored, read, sent and shown
in the admin must not either.
"""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from ekkyo.alerting.models import NotificationTarget
from ekkyo.alerting.routing import build_target
from ekkyo.notify import send
from ekkyo.security import crypto
from ekkyo.security.keys import EncryptionKeys
from ekkyo.teams.models import Team
from tests.factories import make_user
from tests.notify.fake_receivers import reply
from tests.notify.sample import make_event

pytestmark = pytest.mark.django_db

URL_SECRET = "T0AAAAAAA/B0BBBBBBB/xoxbSECRETPATHx9"
ROUTING_KEY = "R0UT1NGKEYSECRETR0UT1NGKEYSECRET"
HMAC_SECRET = "whsec-TOPSECRET-0123456789"
SECRETS = (URL_SECRET, ROUTING_KEY, HMAC_SECRET)


def raw_column(pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM alerting_notificationtarget WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def database_bytes() -> bytes:
    """The whole SQLite database as stored (pages, free lists and all)."""
    connection.ensure_connection()
    return connection.connection.serialize()


def stored_target(url: str = f"https://hooks.example.com/services/{URL_SECRET}"):
    team = Team.objects.create(slug="payments", name="Payments")
    return NotificationTarget.objects.create(
        name="pay-hook",
        team=team,
        kind="webhook",
        severities=["page"],
        url=url,
        routing_key=ROUTING_KEY,
        hmac_secret=HMAC_SECRET,
    )


def test_it_stores_each_secret_encrypted_in_its_column():
    row = stored_target()
    for column, secret in (("url", URL_SECRET), ("routing_key", ROUTING_KEY)):
        stored = raw_column(row.pk, column)
        assert stored.startswith("fernet:") and secret not in stored
    assert raw_column(row.pk, "hmac_secret").startswith("fernet:")


def test_it_reads_the_secrets_back_in_full():
    row = NotificationTarget.objects.get(pk=stored_target().pk)
    assert row.url.reveal() == f"https://hooks.example.com/services/{URL_SECRET}"
    assert (row.routing_key.reveal(), row.hmac_secret.reveal()) == (ROUTING_KEY, HMAC_SECRET)


def test_it_leaves_no_secret_in_the_raw_database_bytes():
    if connection.vendor != "sqlite":
        pytest.skip("the database image is SQLite's; the column test covers PostgreSQL")
    stored_target()
    image = database_bytes()
    assert b"payments" in image  # the image really holds the rows
    for secret in SECRETS:
        assert secret.encode() not in image


def test_it_leaves_no_secret_in_the_raw_database_bytes_after_an_update():
    if connection.vendor != "sqlite":
        pytest.skip("the database image is SQLite's; the column test covers PostgreSQL")
    row = stored_target()
    row.url = "https://hooks.example.com/services/NEWSECRETPATH42"
    row.save()
    image = database_bytes()
    assert b"NEWSECRETPATH42" not in image and URL_SECRET.encode() not in image


def test_it_still_reads_a_value_stored_before_encryption():
    row = stored_target()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE alerting_notificationtarget SET url = %s WHERE id = %s",
            ["https://hooks.example.com/legacy-plain", row.pk],
        )
    assert NotificationTarget.objects.get(pk=row.pk).url.reveal() == (
        "https://hooks.example.com/legacy-plain"
    )


def test_it_logs_no_secret_while_storing_reading_sending_and_showing(
    receiver_factory, client, caplog
):
    caplog.set_level(logging.DEBUG)
    hook = receiver_factory()
    hook.script(reply(500, f"upstream said {URL_SECRET}"))
    row = stored_target(url=f"{hook.url}/services/{URL_SECRET}")
    loaded = NotificationTarget.objects.get(pk=row.pk)
    logging.getLogger("test").info("loaded %r %s %s", loaded, loaded.url, vars(loaded))
    result = send(build_target(loaded), make_event(), now=0)
    admin = make_user("sre", "admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    pages = [
        client.get("/admin/alerting/notificationtarget/"),
        client.get(f"/admin/alerting/notificationtarget/{row.pk}/change/"),
    ]

    assert len(hook.requests) == 1 and result.ok is False  # it really was sent
    assert [p.status_code for p in pages] == [200, 200]
    shown = caplog.text + (result.error or "") + "".join(p.content.decode() for p in pages)
    for secret in SECRETS:
        assert secret not in shown


def test_it_returns_no_secret_from_any_api_endpoint(client):
    from ekkyo.api.main import api
    from tests.factories import token_for

    stored_target()
    admin = make_user("sre", "admin")
    headers = {"Authorization": f"Bearer {token_for(admin)}"}
    paths = [p for p in api.get_openapi_schema()["paths"] if "{" not in p]
    bodies = [client.get(f"/api/v1{p}", headers=headers).content.decode() for p in paths]
    assert bodies
    for secret in SECRETS:
        assert all(secret not in body for body in bodies)


def test_it_refuses_to_read_a_secret_no_configured_key_can_decrypt():
    row = stored_target()
    other = EncryptionKeys((Fernet.generate_key().decode(),))
    with override_settings(EKKYO_ENCRYPTION_KEYS=other), pytest.raises(crypto.DecryptionError):
        NotificationTarget.objects.get(pk=row.pk)
