"""Deliver one message to one target over HTTP and say whether to try again.

:func:`prepare` is pure (target + event + time → URL, body bytes, headers); :func:`send`
POSTs it with httpx and classifies the outcome as a :class:`DeliveryResult`:

* 2xx → ``ok``;
* 408, 429, 5xx, timeouts, refused/reset connections → not ok, ``retryable``;
* other 4xx (a PagerDuty 400 is a bad payload, a Slack 404 a deleted webhook), 1xx/3xx,
  an invalid URL → not ok, not retryable: retrying cannot help.

Retries, back-off and recording attempts belong to the outbox that calls this; ``send``
makes exactly one attempt.  A timeout after the request was written may still have been
delivered, so receivers must tolerate duplicates (PagerDuty's ``dedup_key``, the
webhook's ``id``).  Secrets never reach an error text or a log line: every message passes
through :func:`~ekkyo.notify.targets.redact`, and httpx's own request log is redacted
while :func:`send` runs.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Final

import httpx

from ekkyo import __version__
from ekkyo.notify import missing
from ekkyo.notify.missing import DataMissingEvent, Event
from ekkyo.notify.pagerduty import UnsupportedEvent, pagerduty_payload
from ekkyo.notify.signing import SIGNATURE_HEADER, sign
from ekkyo.notify.slack import slack_payload
from ekkyo.notify.targets import (
    REDACTED,
    PagerDutyTarget,
    SlackTarget,
    Target,
    WebhookTarget,
    redact,
)
from ekkyo.notify.webhook import webhook_payload
from ekkyo.security.ssrf import BlockedDestination, check_url, guarded_client, is_guarded

log = logging.getLogger(__name__)

#: Connect quickly or give up; a slow receiver gets 10 s to answer.  The outbox retries.
DEFAULT_TIMEOUT: Final = httpx.Timeout(10.0, connect=5.0)
USER_AGENT: Final = f"ekkyo/{__version__}"
#: How much of an error answer is kept for the error text (the rest is not read).
ERROR_BODY_MAX: Final = 300
_READ_MAX: Final = 64 * 1024


@dataclass(frozen=True)
class DeliveryResult:
    """One attempt's outcome.  ``status_code`` is None when no answer came back.

    ``retry_after_s`` is the receiver's ``Retry-After`` (seconds from the attempt) when it
    sent one with a retryable answer; ``error`` is for people and never holds a secret.
    """

    ok: bool
    status_code: int | None
    retryable: bool
    error: str | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, repr=False)
class OutgoingRequest:
    """Exactly what :func:`send` POSTs.  Its URL and body may hold secrets: no repr."""

    url: str
    body: bytes
    headers: dict[str, str]

    def __repr__(self) -> str:
        return f"OutgoingRequest(url={REDACTED!r}, body=<{len(self.body)} bytes>)"


def encode_json(payload: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON; NaN is refused (the event model already keeps it out)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8")


def prepare(target: Target, event: Event, now: float) -> OutgoingRequest:
    """The request for ``event`` at ``target``; ``now`` (Unix seconds) dates the signature.

    Raises :class:`~ekkyo.notify.pagerduty.UnsupportedEvent` for an event the target has
    no form for (``pending`` on PagerDuty).
    """
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if isinstance(event, DataMissingEvent):
        slack, pagerduty, webhook = (
            missing.slack_payload,
            missing.pagerduty_payload,
            missing.webhook_payload,
        )
    else:
        slack, pagerduty, webhook = slack_payload, pagerduty_payload, webhook_payload
    if isinstance(target, SlackTarget):
        return OutgoingRequest(target.webhook_url, encode_json(slack(event)), headers)
    if isinstance(target, PagerDutyTarget):
        body = encode_json(pagerduty(event, target.routing_key))
        return OutgoingRequest(target.endpoint, body, headers)
    if isinstance(target, WebhookTarget):
        body = encode_json(webhook(event))
        headers[SIGNATURE_HEADER] = sign(target.secret, body, int(now))
        return OutgoingRequest(target.url, body, headers)
    raise TypeError(f"not a notification target: {type(target).__name__}")


def classify(status_code: int) -> tuple[bool, bool]:
    """``(ok, retryable)`` for an HTTP status."""
    if 200 <= status_code < 300:
        return True, False
    # 408: the receiver gave up waiting for us; the same request can succeed later.
    retryable = status_code in (408, 429) or 500 <= status_code < 600
    return False, retryable


def send(
    target: Target,
    event: Event,
    *,
    now: float | None = None,
    client: httpx.Client | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
) -> DeliveryResult:
    """POST ``event`` to ``target`` once and classify the outcome; never raises for I/O.

    ``now`` (Unix seconds, default the clock) dates the webhook signature and resolves a
    ``Retry-After`` date.  ``client`` lets a caller reuse connections; the ``timeout`` is
    applied to every request either way, and redirects are never followed (a webhook that
    redirects is misconfigured, and following it would replay a signed body elsewhere).
    The URL must not point at a loopback, private or link-local address unless
    ``EKKYO_ALLOWED_PRIVATE_NETWORKS`` allows it (:mod:`ekkyo.security.ssrf`): the own
    client is guarded, and a caller's client that is not gets the URL checked first.
    """
    limits = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    if None in (limits.connect, limits.read, limits.write, limits.pool):
        raise ValueError("send: every timeout must be set (a request must not hang forever)")
    at = time.time() if now is None else now
    secrets = target.secret_strings()
    try:
        request = prepare(target, event, at)
    except UnsupportedEvent as exc:
        return _finish(target, event, DeliveryResult(False, None, False, str(exc)))
    try:
        with _redacting(secrets):
            if client is None:
                with guarded_client(
                    timeout=limits, follow_redirects=False, verify=_ssl_context()
                ) as own:
                    status, head, retry_after = _post(own, request, limits, at)
            else:
                if not is_guarded(client):
                    check_url(request.url)
                status, head, retry_after = _post(client, request, limits, at)
    except BlockedDestination as exc:
        # A configuration problem: retrying cannot help until an admin changes something.
        result = DeliveryResult(False, None, False, redact(f"blocked: {exc}", secrets))
    except httpx.TimeoutException as exc:
        result = DeliveryResult(False, None, True, f"timed out ({type(exc).__name__})")
    except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
        why = redact(str(exc), secrets) or "no details"
        result = DeliveryResult(
            False, None, True, f"connection failed ({type(exc).__name__}: {why})"
        )
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        why = redact(str(exc), secrets) or "no details"
        result = DeliveryResult(False, None, False, f"request failed ({type(exc).__name__}: {why})")
    else:
        ok, retryable = classify(status)
        error = None if ok else redact(f"HTTP {status}" + (f": {head}" if head else ""), secrets)
        result = DeliveryResult(ok, status, retryable, error, retry_after if retryable else None)
    return _finish(target, event, result)


def _post(
    client: httpx.Client, request: OutgoingRequest, timeout: httpx.Timeout, now: float
) -> tuple[int, str, float | None]:
    """Status, the start of the body (for errors) and Retry-After of one POST."""
    with client.stream(
        "POST",
        request.url,
        content=request.body,
        headers=request.headers,
        timeout=timeout,
        follow_redirects=False,
    ) as response:
        # Read a bounded prefix: an error page can be large and only its start helps; a
        # small answer read to the end lets a caller's client reuse the connection.
        head = b""
        for chunk in response.iter_bytes():
            head += chunk
            if len(head) >= _READ_MAX:
                break
        if response.is_success:
            head = b""
        text = " ".join(head.decode("utf-8", "replace").split())
        if len(text) > ERROR_BODY_MAX:
            text = text[:ERROR_BODY_MAX] + "…"
        return response.status_code, text, _retry_after(response.headers.get("Retry-After"), now)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~0.1-0.2 s; a one-off client per send must not pay it
    # each time.  (Callers that send a lot should pass their own long-lived client.)
    return httpx.create_ssl_context()


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from ``Retry-After``: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _finish(target: Target, event: Event, result: DeliveryResult) -> DeliveryResult:
    # Log what helps an operator (kind, host, alert key, outcome), never URLs or bodies.
    if result.ok:
        log.info(
            "notify: %s %s to %s: HTTP %s",
            event.state,
            event.dedup_key,
            target.describe(),
            result.status_code,
        )
    else:
        log.warning(
            "notify: %s %s to %s failed (%s): %s",
            event.state,
            event.dedup_key,
            target.describe(),
            "will retry" if result.retryable else "not retryable",
            result.error,
        )
    return result


# --------------------------------------------------------------------------- log redaction

# httpx logs "HTTP Request: POST <full URL> ..." at INFO, and a Slack webhook's URL is its
# credential.  While `send` runs, a filter on the "httpx" logger scrubs this context's
# secrets from those records; other code's requests (in other contexts) are untouched.
_ACTIVE_SECRETS: ContextVar[tuple[str, ...]] = ContextVar("ekkyo_notify_secrets", default=())


class _RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        secrets = _ACTIVE_SECRETS.get()
        if secrets:
            record.msg = redact(record.getMessage(), secrets)
            record.args = None
        return True


def _install_filter() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactSecrets) for f in logger.filters):
        logger.addFilter(_RedactSecrets())


_install_filter()


@contextmanager
def _redacting(secrets: tuple[str, ...]) -> Iterator[None]:
    token = _ACTIVE_SECRETS.set(secrets)
    try:
        yield
    finally:
        _ACTIVE_SECRETS.reset(token)
