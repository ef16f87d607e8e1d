"""Failed sign-ins, the memory of the sign-in rate limit (:mod:`ekkyo.security.signin`)."""

from __future__ import annotations

from django.db import models


class SignInFailure(models.Model):
    """One failed password check, counted per account and per client address.

    ``key`` is a keyed hash, not the name or address typed: people do type their password
    into the user name field, and this table must not keep it.
    """

    scope = models.CharField(max_length=8)  # "account" | "address"
    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "key", "at"], name="signin_failure_lookup"),
            models.Index(fields=["at"], name="signin_failure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} failure at {self.at:%Y-%m-%d %H:%M:%S}"
