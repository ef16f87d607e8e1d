"""HMAC-SHA256 signatures for outgoing webhooks, in the style of Stripe and Slack.

The sender adds ``X-Ekkyo-Signature: t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
``HMAC-SHA256(secret, "<t>." + body)`` over the exact body bytes.  Signing the timestamp
with the body lets a receiver refuse replays of an old request; signing bytes (not parsed
JSON) means a receiver must verify before it parses.  :func:`verify_signature` is what a
receiver (or a test) runs; it accepts several ``v1=`` entries so a sender can sign with an
old and a new secret while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

SIGNATURE_HEADER: Final = "X-Ekkyo-Signature"
SCHEME: Final = "v1"
#: Default age (seconds, either way) beyond which a signed request is refused.
DEFAULT_TOLERANCE_S: Final = 300


def _key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not key:
        raise ValueError("the webhook secret must not be empty")
    return key


def signature(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``b"<timestamp>." + body`` under ``secret`` (UTF-8)."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The ``X-Ekkyo-Signature`` header value: ``t=<timestamp>,v1=<hex>``."""
    return f"t={int(timestamp)},{SCHEME}={signature(secret, body, timestamp)}"


def verify_signature(
    secret: str | bytes,
    header: str | None,
    body: bytes,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether ``header`` is a valid signature of ``body`` made within ``tolerance`` of ``now``.

    ``now`` is the receiver's clock in Unix seconds.  Any malformed header is simply
    invalid (False); an empty ``secret`` is a configuration error (ValueError).
    """
    key = _key(secret)
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            return False
        if name == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return False
            timestamp = int(value)
        elif name == SCHEME:
            candidates.append(value)
        # Unknown schemes are ignored, so a future v2 can be sent next to v1.
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    message = str(timestamp).encode("ascii") + b"." + body
    expected = hmac.new(key, message, hashlib.sha256).hexdigest().encode("ascii")
    # compare_digest: the time taken does not tell an attacker where a guess goes wrong.
    return any(hmac.compare_digest(expected, c.encode("utf-8")) for c in candidates)
