from __future__ import annotations

import pytest

from ekkyo.server.env import SettingError, env_bool, env_int, env_secret


@pytest.mark.django_db
def test_it_is_ready_when_migrations_are_applied(client):
    assert client.get("/readyz").json() == {"status": "ok"}


def test_it_is_alive_without_touching_the_database(client):
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_it_rejects_a_boolean_setting_it_cannot_read(monkeypatch, raw):
    monkeypatch.setenv("EKKYO_X", raw)
    with pytest.raises(SettingError, match="EKKYO_X"):
        env_bool("EKKYO_X")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("no", False), ("TRUE", True)])
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("EKKYO_X", raw)
    assert env_bool("EKKYO_X") is expected


def test_it_names_the_variable_of_a_bad_number(monkeypatch):
    monkeypatch.setenv("EKKYO_N", "ten")
    with pytest.raises(SettingError, match="EKKYO_N='ten'"):
        env_int("EKKYO_N", 1)


def test_it_reads_a_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("EKKYO_K", raising=False)
    monkeypatch.setenv("EKKYO_K_FILE", str(secret))
    assert env_secret("EKKYO_K") == "s3cret"
