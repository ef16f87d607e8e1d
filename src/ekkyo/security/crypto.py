"""Encrypt and decrypt secrets at rest with Fernet (``cryptography``), keys from settings.

Stored values carry a ``fernet:`` prefix, so a value written before encryption existed
(plain text) is still read, and ``ekkyo rotate-key`` can tell which rows to encrypt.
:class:`~cryptography.fernet.MultiFernet` encrypts with the first key and decrypts with
any, which is what makes key rotation possible without downtime.
"""

from __future__ import annotations

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"


class DecryptionError(RuntimeError):
    """A stored secret no configured key can decrypt (the message never holds the value)."""


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def _configured_keys() -> tuple[str, ...]:
    from django.conf import settings

    return tuple(settings.EKKYO_ENCRYPTION_KEYS.keys)


@functools.lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def fernet(keys: tuple[str, ...] | None = None) -> MultiFernet:
    """The MultiFernet of ``keys`` (default: the settings'), newest key first."""
    return _fernet_for(keys if keys is not None else _configured_keys())


def encrypt(plain: str, keys: tuple[str, ...] | None = None) -> str:
    """``fernet:<token>`` for a non-empty ``plain``; the empty string stays empty."""
    if not plain:
        return ""
    return PREFIX + fernet(keys).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(stored: str, keys: tuple[str, ...] | None = None) -> str:
    """The plain text of a stored value; a value without the prefix is legacy plain text."""
    if not is_encrypted(stored):
        return stored
    try:
        return fernet(keys).decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError(
            "a stored secret cannot be decrypted with any key in EKKYO_ENCRYPTION_KEY: "
            "add the key it was encrypted with (keys are comma-separated, newest first)"
        ) from None


def reencrypt(stored: str, keys: tuple[str, ...] | None = None) -> str:
    """``stored`` encrypted with the newest key (plain legacy values get encrypted)."""
    return encrypt(decrypt(stored, keys), keys)
