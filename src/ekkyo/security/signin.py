"""Sign-in rate limiting against password guessing, per account and per client address.

A sliding window over :class:`~ekkyo.security.models.SignInFailure` rows in the database,
so every web process (and every machine on PostgreSQL) shares the count: at most
``EKKYO_SIGNIN_MAX_FAILURES`` failed password checks per account and
``EKKYO_SIGNIN_MAX_FAILURES_PER_ADDRESS`` per address within ``EKKYO_SIGNIN_WINDOW``
seconds.  While a limit is reached the password is not even checked (so a right guess
cannot be told from a wrong one); once the oldest counted failure leaves the window, the
next attempt is checked again.  A successful sign-in forgets the account's failures, not
the address's (else an attacker could reset their address's count with an own account).

The check lives in the authentication backend, so the sign-in page and the Django admin's
are both limited; the forms turn it into a clear message (the page answers 429).
Authentication without a request (``ekkyo`` CLI, test clients' ``login()``) is not limited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import ngettext

from ekkyo.security.models import SignInFailure

ACCOUNT = "account"
ADDRESS = "address"
#: Set on the request by the backend when a limit refused the attempt: the wait left.
WAIT_ATTRIBUTE = "ekkyo_signin_wait"


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            per_account=settings.EKKYO_SIGNIN_MAX_FAILURES,
            per_address=settings.EKKYO_SIGNIN_MAX_FAILURES_PER_ADDRESS,
            window=timedelta(seconds=settings.EKKYO_SIGNIN_WINDOW),
        )


def _key(scope: str, value: str) -> str:
    # Keyed, so the table cannot be reversed by hashing guesses without the secret key.
    return salted_hmac(f"ekkyo.security.signin.{scope}", value.casefold()).hexdigest()


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a trusted proxy, the last X-Forwarded-For entry.

    The last entry is the one the proxy itself appended (what it saw); entries before it
    come from the client and can say anything.
    """
    if settings.EKKYO_TRUST_PROXY_HEADERS:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [e.strip() for e in forwarded.split(",") if e.strip()]
        if entries:
            return entries[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def _keys(username: str, address: str, limits: Limits) -> list[tuple[str, str, int]]:
    keys = []
    if username:
        keys.append((ACCOUNT, _key(ACCOUNT, username), limits.per_account))
    if address:
        keys.append((ADDRESS, _key(ADDRESS, address), limits.per_address))
    return keys


def sliding_wait(
    failures: list[datetime], now: datetime, window: timedelta, maximum: int
) -> timedelta | None:
    """The wait until fewer than ``maximum`` of ``failures`` lie in ``(t - window, t]``.

    ``None`` when that already holds at ``now``.  Failures are times at or before ``now``.
    """
    recent = sorted(f for f in failures if f > now - window)
    if len(recent) < maximum:
        return None
    # The failure `maximum` places before the newest is the one whose leaving the window
    # brings the count below `maximum` (newer ones leave later).
    return recent[len(recent) - maximum] + window - now


def wait_before_next(
    username: str, address: str, now: datetime, limits: Limits
) -> timedelta | None:
    """How long until an attempt for ``username`` from ``address`` is checked; None: now."""
    since = now - limits.window
    longest: timedelta | None = None
    for scope, key, maximum in _keys(username, address, limits):
        times = list(
            SignInFailure.objects.filter(scope=scope, key=key, at__gt=since).values_list(
                "at", flat=True
            )
        )
        wait = sliding_wait(times, now, limits.window, maximum)
        if wait is not None and (longest is None or wait > longest):
            longest = wait
    return longest


def record_failure(username: str, address: str, now: datetime, limits: Limits) -> None:
    SignInFailure.objects.bulk_create(
        SignInFailure(scope=scope, key=key, at=now)
        for scope, key, _max in _keys(username, address, limits)
    )
    # Rows that left the window count for nothing: keep the table small.
    SignInFailure.objects.filter(at__lte=now - limits.window).delete()


def forget_account(username: str) -> None:
    SignInFailure.objects.filter(scope=ACCOUNT, key=_key(ACCOUNT, username)).delete()


class RateLimitedModelBackend(ModelBackend):
    """Django's model backend behind the sign-in limit."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is None:
            return super().authenticate(request, username, password, **kwargs)
        name = username if username is not None else kwargs.get("username", "")
        name = str(name or "")
        address = client_address(request)
        limits = Limits.from_settings()
        now = timezone.now()
        wait = wait_before_next(name, address, now, limits)
        if wait is not None:
            setattr(request, WAIT_ATTRIBUTE, wait)
            # PermissionDenied stops Django from asking any other backend.
            raise PermissionDenied("sign-in rate limit")
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            record_failure(name, address, now, limits)
        else:
            forget_account(name)
        return user


def wait_message(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins for this account or from your address. "
        "Try again in %(minutes)d minute.",
        "Too many failed sign-ins for this account or from your address. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class _RateLimitMessage:
    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc,no-any-return]
        except ValidationError:
            wait = getattr(self.request, WAIT_ATTRIBUTE, None)
            if wait is not None:
                raise ValidationError(wait_message(wait), code="rate_limited") from None
            raise


class SignInForm(_RateLimitMessage, AuthenticationForm):
    pass


class AdminSignInForm(_RateLimitMessage, AdminAuthenticationForm):
    pass


class SignInView(LoginView):
    """Django's sign-in page with the limit's message and HTTP 429 when it applies."""

    authentication_form = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(self.request, WAIT_ATTRIBUTE, None) is not None:
            response.status_code = 429
            wait = getattr(self.request, WAIT_ATTRIBUTE)
            response["Retry-After"] = str(max(1, math.ceil(wait.total_seconds())))
        return response


__all__ = [
    "AdminSignInForm",
    "Limits",
    "RateLimitedModelBackend",
    "SignInForm",
    "SignInView",
    "client_address",
    "record_failure",
    "wait_before_next",
]
