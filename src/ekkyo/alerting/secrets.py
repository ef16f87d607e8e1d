"""A model field for credentials that never shows its value by accident.

:class:`SecretField` stores text encrypted (:mod:`ekkyo.security.crypto`: Fernet, keys from
``EKKYO_ENCRYPTION_KEY``) and hands it to Python as a :class:`Secret`, whose
``repr``/``str`` are ``[redacted]``: a secret that reaches a log line, a traceback, an
admin list or an API response by mistake shows nothing.  Code that needs the value calls
:meth:`Secret.reveal`.  Forms render the field as an empty password input; leaving it
empty keeps the stored value.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from ekkyo.security import crypto

REDACTED = "[redacted]"


class Secret:
    """A credential; only :meth:`reveal` gives its text."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})" if self._value else "Secret('')"

    def __str__(self) -> str:
        return REDACTED if self._value else ""

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def _plain(value: Any) -> str:
    if isinstance(value, Secret):
        return value.reveal()
    return "" if value is None else str(value)


class SecretInput(forms.PasswordInput):
    """Never renders the stored value back into the page."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"autocomplete": "new-password", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        return None


class SecretFormField(forms.CharField):
    """Empty input means "keep the stored value" (see the admin's form)."""

    widget = SecretInput


class SecretField(models.TextField):
    """Text stored encrypted and read back as a :class:`Secret`.

    Values stored before encryption (no ``fernet:`` prefix) are still read as plain text;
    ``ekkyo rotate-key`` encrypts them.  Encryption is randomised, so the field cannot be
    used in lookups other than ``= ""``.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Secret:
        return Secret(crypto.decrypt(value or ""))

    def to_python(self, value: Any) -> Secret:
        return value if isinstance(value, Secret) else Secret(_plain(value))

    def get_prep_value(self, value: Any) -> str:
        return crypto.encrypt(_plain(value))

    def value_to_string(self, obj: Any) -> str:
        # dumpdata: a backup must round-trip, so the value is written out in full.
        return _plain(self.value_from_object(obj))

    def formfield(self, **kwargs: Any) -> Any:
        kwargs = {**kwargs, "form_class": SecretFormField, "widget": SecretInput}
        return super().formfield(**kwargs)
