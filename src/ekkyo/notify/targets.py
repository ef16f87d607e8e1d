"""Where a notification goes: a Slack webhook, a PagerDuty integration, or a generic webhook.

Targets hold secrets — a Slack webhook URL's path *is* its credential, a PagerDuty
routing key lets anyone page the service, and the HMAC secret signs webhooks — so their
``repr``/``str`` show only what is safe (scheme, host, the kind of target) and
:meth:`secret_strings` lists what :func:`redact` must remove from any error text or log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlsplit

from ekkyo.notify.pagerduty import ENDPOINT

REDACTED: Final = "[redacted]"
# Shorter strings (a lone "/", "v2") are not secrets and would mangle unrelated text.
_MIN_SECRET_LEN: Final = 6


def safe_origin(url: str) -> str:
    """``https://hooks.slack.com`` for any URL: scheme, host and port, nothing secret."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return REDACTED
    if not parts.scheme or not host:
        return REDACTED
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}"


def _redacted_url(url: str) -> str:
    origin = safe_origin(url)
    return origin if origin == REDACTED else f"{origin}/{REDACTED}"


def _url_secrets(url: str) -> tuple[str, ...]:
    """The parts of a URL after its origin, as an error or log line might quote them.

    Redacting these (not the whole URL) leaves ``https://hooks.slack.com/[redacted]``
    readable.  Path segments are listed too, in case a message quotes only one, and the
    percent-encoded path, in case httpx normalised it.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return (url,)
    path = parts.path.lstrip("/")
    userinfo = parts.netloc.rpartition("@")[0]
    return (path, quote(path, safe="/%"), parts.query, userinfo, *path.split("/"))


def _check_url(field: str, url: str, kind: str) -> None:
    # The message names the field but never echoes the value: it may be the credential.
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"{kind} {field}: expected an http:// or https:// URL")
    if safe_origin(url) == REDACTED:
        raise ValueError(f"{kind} {field}: not a valid URL")


def _nonempty(values: tuple[str, ...]) -> tuple[str, ...]:
    unique = {v for v in values if len(v) >= _MIN_SECRET_LEN}
    # Longest first, so a URL is replaced whole before its path is.
    return tuple(sorted(unique, key=len, reverse=True))


@dataclass(frozen=True, repr=False)
class SlackTarget:
    """A Slack incoming webhook (``https://hooks.slack.com/services/…``)."""

    webhook_url: str

    kind = "slack"

    def __post_init__(self) -> None:
        _check_url("webhook_url", self.webhook_url, "Slack")

    def __repr__(self) -> str:
        return f"SlackTarget(webhook_url={_redacted_url(self.webhook_url)!r})"

    __str__ = __repr__

    def describe(self) -> str:
        return f"Slack webhook at {safe_origin(self.webhook_url)}"

    def secret_strings(self) -> tuple[str, ...]:
        return _nonempty(_url_secrets(self.webhook_url))


@dataclass(frozen=True, repr=False)
class PagerDutyTarget:
    """A PagerDuty Events API v2 integration: its routing (integration) key."""

    routing_key: str
    endpoint: str = ENDPOINT

    kind = "pagerduty"

    def __post_init__(self) -> None:
        if not isinstance(self.routing_key, str) or not self.routing_key.strip():
            raise ValueError("PagerDuty routing_key: expected a non-empty string")
        _check_url("endpoint", self.endpoint, "PagerDuty")

    def __repr__(self) -> str:
        return f"PagerDutyTarget(routing_key={REDACTED!r}, endpoint={self.endpoint_label()!r})"

    __str__ = __repr__

    def endpoint_label(self) -> str:
        """The endpoint without credentials or query (it is not a secret otherwise)."""
        parts = urlsplit(self.endpoint)
        return safe_origin(self.endpoint) + parts.path

    def describe(self) -> str:
        return f"PagerDuty Events API at {self.endpoint_label()}"

    def secret_strings(self) -> tuple[str, ...]:
        # The key itself, however short: it is the credential.  The endpoint is public
        # unless someone put credentials or a query into it.
        parts = urlsplit(self.endpoint)
        userinfo = parts.netloc.rpartition("@")[0]
        return (self.routing_key, *_nonempty((parts.query, userinfo)))


@dataclass(frozen=True, repr=False)
class WebhookTarget:
    """A generic webhook, signed with HMAC-SHA256 under ``secret`` (see ``signing``)."""

    url: str
    secret: str

    kind = "webhook"

    def __post_init__(self) -> None:
        _check_url("url", self.url, "Webhook")
        if not isinstance(self.secret, str) or not self.secret:
            raise ValueError("Webhook secret: expected a non-empty string")

    def __repr__(self) -> str:
        return f"WebhookTarget(url={_redacted_url(self.url)!r}, secret={REDACTED!r})"

    __str__ = __repr__

    def describe(self) -> str:
        return f"webhook at {safe_origin(self.url)}"

    def secret_strings(self) -> tuple[str, ...]:
        # Webhook URLs often carry a token in their path or query, like Slack's.
        return (self.secret, *_nonempty(_url_secrets(self.url)))


Target = SlackTarget | PagerDutyTarget | WebhookTarget


def redact(message: str, secrets: tuple[str, ...]) -> str:
    """``message`` with every occurrence of each secret replaced by ``[redacted]``."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            message = message.replace(secret, REDACTED)
    return message
