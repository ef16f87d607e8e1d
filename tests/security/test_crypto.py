"""Secrets at rest: Fernet with keys from the environment, rotation, the generated key."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.security import crypto
from ekkyo.security.keys import EncryptionKeys, encryption_keys_for, parse_keys
from ekkyo.server.env import SettingError

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@given(st.text(min_size=1))
def test_it_round_trips_any_text(plain):
    stored = crypto.encrypt(plain, (NEW,))
    assert stored.startswith("fernet:")
    assert crypto.decrypt(stored, (NEW,)) == plain


def test_it_hides_the_text_in_what_it_stores():
    stored = crypto.encrypt("https://hooks.slack.com/services/T0/B0/s3cr3tPATH", (NEW,))
    assert "s3cr3tPATH" not in stored and "hooks.slack.com" not in stored


def test_it_encrypts_the_same_text_differently_each_time():
    assert crypto.encrypt("https://hooks.slack.com/x", (NEW,)) != crypto.encrypt(
        "https://hooks.slack.com/x", (NEW,)
    )


def test_it_keeps_the_empty_string_empty():
    assert crypto.encrypt("", (NEW,)) == ""
    assert crypto.decrypt("", (NEW,)) == ""


def test_it_encrypts_with_the_first_key_and_decrypts_with_any():
    with_old = crypto.encrypt("routing-key-123", (OLD,))
    assert crypto.decrypt(with_old, (NEW, OLD)) == "routing-key-123"
    with_new = crypto.encrypt("routing-key-123", (NEW, OLD))
    assert crypto.decrypt(with_new, (NEW,)) == "routing-key-123"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(with_new, (OLD,))


def test_it_reencrypts_with_the_newest_key():
    stored = crypto.encrypt("whsec-abc", (OLD,))
    fresh = crypto.reencrypt(stored, (NEW, OLD))
    assert crypto.decrypt(fresh, (NEW,)) == "whsec-abc"


def test_it_reads_a_value_stored_before_encryption_as_plain_text():
    assert crypto.decrypt("https://hooks.example.com/legacy", (NEW,)) == (
        "https://hooks.example.com/legacy"
    )
    assert crypto.is_encrypted(crypto.reencrypt("legacy", (NEW,)))


def test_it_says_how_to_fix_an_undecryptable_value_without_showing_it():
    stored = crypto.encrypt("s3cr3t-value", (OLD,))
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(stored, (NEW,))
    assert "EKKYO_ENCRYPTION_KEY" in str(caught.value)
    assert stored not in str(caught.value) and "s3cr3t" not in str(caught.value)


def test_it_reads_comma_separated_keys_newest_first():
    assert parse_keys(f" {NEW}, {OLD} ") == (NEW, OLD)


def test_it_names_a_bad_key_by_position_only():
    with pytest.raises(SettingError, match="key 2 of 2 is not a Fernet key") as caught:
        parse_keys(f"{NEW},not-a-key-at-all")
    assert "not-a-key-at-all" not in str(caught.value)


def test_it_takes_the_keys_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EKKYO_ENCRYPTION_KEY", f"{NEW},{OLD}")
    keys = encryption_keys_for(tmp_path)
    assert keys.keys == (NEW, OLD) and keys.generated is False
    assert not (tmp_path / "encryption_key").exists()


def test_it_takes_the_keys_from_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("EKKYO_ENCRYPTION_KEY", raising=False)
    secret = tmp_path / "keyfile"
    secret.write_text(f"{NEW}\n{OLD}\n")
    monkeypatch.setenv("EKKYO_ENCRYPTION_KEY_FILE", str(secret))
    assert encryption_keys_for(tmp_path / "data").keys == (NEW, OLD)


def test_it_generates_a_key_once_into_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("EKKYO_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("EKKYO_ENCRYPTION_KEY_FILE", raising=False)
    first = encryption_keys_for(tmp_path)
    again = encryption_keys_for(tmp_path)
    path = tmp_path / "encryption_key"
    assert first.generated is True and first.keys == again.keys
    assert first.keys == (path.read_text().strip(),)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_it_never_shows_the_keys_in_a_repr():
    keys = parse_keys(NEW)

    assert NEW not in repr(EncryptionKeys(keys)) and NEW not in str(EncryptionKeys(keys))
