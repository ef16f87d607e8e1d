"""`ekkyo rotate-key`: every stored secret re-encrypted with the newest key, all or nothing."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings
from typer.testing import CliRunner

from ekkyo.alerting.models import NotificationTarget
from ekkyo.cli import _register, app
from ekkyo.security import crypto
from ekkyo.security.keys import EncryptionKeys, parse_keys
from ekkyo.security.rotation import rotate, secret_fields

pytestmark = pytest.mark.django_db
_register()
runner = CliRunner()

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def keys(*values: str) -> EncryptionKeys:
    return EncryptionKeys(tuple(values))


def raw(pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM alerting_notificationtarget WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def slack(name: str, url: str) -> NotificationTarget:
    return NotificationTarget.objects.create(name=name, kind="slack", severities=["page"], url=url)


def test_it_finds_every_secret_field():
    names = {(model._meta.label, name) for model, name in secret_fields()}
    assert {
        ("alerting.NotificationTarget", "url"),
        ("alerting.NotificationTarget", "routing_key"),
        ("alerting.NotificationTarget", "hmac_secret"),
    } <= names


def test_it_reencrypts_every_secret_with_the_newest_key():
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(OLD)):
        a = slack("a", "https://hooks.example.com/AAA-secret")
        b = slack("b", "https://hooks.example.com/BBB-secret")
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(NEW, OLD)):
        report = rotate()
    assert (report.values, report.were_plain) == (2, 0)
    # The old key is gone: everything must now decrypt with the new one alone.
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(NEW)):
        urls = sorted(
            r.url.reveal() for r in NotificationTarget.objects.filter(pk__in=[a.pk, b.pk])
        )
    assert urls == ["https://hooks.example.com/AAA-secret", "https://hooks.example.com/BBB-secret"]


def test_it_encrypts_values_stored_in_plain_text():
    row = slack("legacy", "https://placeholder.example.com/x")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE alerting_notificationtarget SET url = %s WHERE id = %s",
            ["https://hooks.example.com/PLAIN-secret", row.pk],
        )
    report = rotate()
    assert report.were_plain == 1
    assert crypto.is_encrypted(raw(row.pk, "url")) and "PLAIN-secret" not in raw(row.pk, "url")
    assert NotificationTarget.objects.get(pk=row.pk).url.reveal().endswith("PLAIN-secret")


def test_it_changes_nothing_when_one_value_cannot_be_decrypted():
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(OLD)):
        readable = slack("readable", "https://hooks.example.com/ok-secret")
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(NEW)):
        lost = slack("lost", "https://hooks.example.com/lost-secret")
    before = raw(readable.pk, "url")
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(OLD)), pytest.raises(crypto.DecryptionError):
        rotate()
    assert raw(readable.pk, "url") == before and raw(lost.pk, "url")


def test_it_rotates_from_the_command_line():
    row = slack("cli", "https://hooks.example.com/CLI-secret")
    result = runner.invoke(app, ["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 secret(s)" in result.output and "CLI-secret" not in result.output
    assert NotificationTarget.objects.get(pk=row.pk).url.reveal().endswith("CLI-secret")


def test_it_fails_from_the_command_line_with_a_clear_message_and_changes_nothing():
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(OLD)):
        row = slack("orphan", "https://hooks.example.com/ORPHAN-secret")
    before = raw(row.pk, "url")
    with override_settings(EKKYO_ENCRYPTION_KEYS=keys(NEW)):
        result = runner.invoke(app, ["rotate-key"])
    assert result.exit_code == 1
    assert "EKKYO_ENCRYPTION_KEY" in result.output and "nothing was changed" in result.output
    assert raw(row.pk, "url") == before


def test_it_prints_a_usable_new_key():
    result = runner.invoke(app, ["rotate-key", "--generate"])
    assert result.exit_code == 0
    (key,) = parse_keys(result.output.strip())
    assert crypto.decrypt(crypto.encrypt("x", (key,)), (key,)) == "x"
