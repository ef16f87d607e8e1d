"""A small NerdGraph client that runs NRQL queries, with bounded retries.

Only what ekkyo needs: ``actor { account(id:) { nrql(query:, timeout:) { results } } }``
over HTTPS with the ``API-Key`` header (New Relic, "NerdGraph tutorial: Query your data
using NRQL"; https://docs.newrelic.com/docs/apis/nerdgraph/examples/nerdgraph-nrql-tutorial/).

The API key is a secret: it lives in one private attribute and the request header, and
never in a message, a log line, a repr or an exception's chain.  Errors chain nothing
(``from None``) because an httpx exception holds the request, headers included.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections.abc import Callable
from typing import Any

import httpx

from ekkyo.security.ssrf import BlockedDestination, GuardedTransport
from ekkyo.sources.errors import (
    SourceConfigError,
    SourceError,
    SourceResponseError,
    SourceUnavailable,
)

log = logging.getLogger(__name__)

ENDPOINTS = {
    "US": "https://api.newrelic.com/graphql",
    "EU": "https://api.eu.newrelic.com/graphql",
}

#: One GraphQL document for every pull; the account and the NRQL travel as variables so
#: nothing in a query string needs escaping.  ``Nrql`` and ``Seconds`` are NerdGraph's
#: scalar types for ``nrql(query:, timeout:)``.
NRQL_GRAPHQL = (
    "query EkkyoNrql($accountId: Int!, $nrql: Nrql!, $timeout: Seconds) "
    "{ actor { account(id: $accountId) { nrql(query: $nrql, timeout: $timeout) "
    "{ results } } } }"
)

#: NerdGraph's own NRQL timeout defaults to 5 s (New Relic, "Rate limits with NRQL");
#: minute-bucket queries over six hours need more, and accounts on the original data
#: option stop any query at 1 minute anyway.
DEFAULT_NRQL_TIMEOUT_S = 30
#: The HTTP timeout leaves room for NerdGraph to answer after its NRQL timeout.
DEFAULT_TIMEOUT_S = 40.0

_RETRYABLE_STATUS = frozenset({429}) | frozenset(range(500, 600))


class NerdGraphClient:
    """Runs NRQL against one New Relic account.

    ``transport`` (an httpx transport) and ``sleep`` exist for tests; ``endpoint``
    overrides the region's URL (a proxy, or a local fake).  A failed attempt (connection
    error, timeout, HTTP 429 or 5xx) is retried up to ``max_retries`` times, waiting
    ``backoff_s * 2**n`` seconds (capped at ``max_backoff_s``) or what ``Retry-After``
    asks; a ``Retry-After`` longer than ``max_backoff_s`` is not waited for.
    """

    def __init__(
        self,
        api_key: str,
        account_id: int,
        *,
        region: str = "US",
        endpoint: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        nrql_timeout: int = DEFAULT_NRQL_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
        max_retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise SourceConfigError("New Relic API key is empty")
        if any(ch.isspace() or not ch.isprintable() for ch in api_key):
            # A header value with a newline could smuggle headers; say so without the key.
            raise SourceConfigError("New Relic API key contains whitespace or control characters")
        if isinstance(account_id, bool) or not isinstance(account_id, int) or account_id <= 0:
            raise SourceConfigError(
                f"New Relic account id must be a positive integer, not {account_id!r}"
            )
        region_key = region.upper() if isinstance(region, str) else ""
        if region_key not in ENDPOINTS:
            raise SourceConfigError(f"New Relic region must be US or EU, not {region!r}")
        if endpoint is not None and not endpoint.startswith(("https://", "http://")):
            raise SourceConfigError(f"New Relic endpoint must be an http(s) URL, not {endpoint!r}")
        if not timeout > 0 or not nrql_timeout > 0:
            raise SourceConfigError("New Relic timeouts must be positive")
        if max_retries < 0:
            raise SourceConfigError("max_retries must be 0 or more")
        self._api_key = api_key
        self.account_id = account_id
        self.region = region_key
        self.endpoint = endpoint or ENDPOINTS[region_key]
        self.timeout = float(timeout)
        self.nrql_timeout = int(nrql_timeout)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._clock = clock
        self._http = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            # The endpoint may be user-configured: no loopback/private addresses unless
            # allowed (ekkyo.security.ssrf), and no proxy from the environment to hide behind.
            transport=transport if transport is not None else GuardedTransport(),
            trust_env=transport is not None,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return (
            f"NerdGraphClient(account_id={self.account_id}, region={self.region!r}, "
            f"endpoint={self.endpoint!r})"
        )

    def __enter__(self) -> NerdGraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ queries

    def nrql(self, query: str) -> list[dict[str, Any]]:
        """Run one NRQL query and return its ``results`` rows."""
        body = {
            "query": NRQL_GRAPHQL,
            "variables": {
                "accountId": self.account_id,
                "nrql": query,
                "timeout": self.nrql_timeout,
            },
        }
        payload = self._post(body, query)
        return _results(payload, query, self._redact)

    def _post(self, body: dict[str, Any], query: str) -> Any:
        headers = {
            "API-Key": self._api_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.post(self.endpoint, json=body, headers=headers)
            except BlockedDestination as exc:
                raise SourceConfigError(f"NerdGraph at {self.endpoint}: {exc}") from None
            except httpx.TransportError as exc:
                reason = f"{type(exc).__name__}: {self._redact(str(exc)) or 'no detail'}"
                retry_after = None
            else:
                status = response.status_code
                if status == 200:
                    return self._json(response, query)
                if status not in _RETRYABLE_STATUS:
                    raise self._status_error(status, response) from None
                reason = f"HTTP {status}"
                retry_after = _retry_after(response.headers.get("Retry-After"), self._clock())
            if attempt == attempts:
                break
            delay = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
            if retry_after is not None:
                if retry_after > self.max_backoff_s:
                    raise SourceUnavailable(
                        f"NerdGraph at {self.endpoint} is unavailable ({reason}) and asks to "
                        f"retry after {retry_after:.0f} s, longer than the "
                        f"{self.max_backoff_s:.0f} s ekkyo waits"
                    ) from None
                delay = retry_after
            log.warning(
                "NerdGraph %s: %s; retrying in %.1f s (attempt %d of %d)",
                self.endpoint,
                reason,
                delay,
                attempt + 1,
                attempts,
            )
            self._sleep(delay)
        raise SourceUnavailable(
            f"NerdGraph at {self.endpoint} is unavailable after {attempts} attempts "
            f"(last: {reason})"
        ) from None

    def _json(self, response: httpx.Response, query: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise SourceResponseError(
                f"NerdGraph answered malformed JSON to {query!r} "
                f"({len(response.content)} bytes, content type "
                f"{response.headers.get('content-type', 'none')!r})"
            ) from None

    def _status_error(self, status: int, response: httpx.Response) -> SourceError:
        detail = self._redact(response.text[:200].strip())
        if status in (401, 403):
            return SourceConfigError(
                f"NerdGraph at {self.endpoint} refused the API key for account "
                f"{self.account_id} (HTTP {status}); check the key's type (a User key) "
                "and its access to the account"
            )
        return SourceResponseError(f"NerdGraph at {self.endpoint} answered HTTP {status}: {detail}")

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "[API key]") if self._api_key else text


def _results(payload: Any, query: str, redact: Callable[[str], str]) -> list[dict[str, Any]]:
    if not isinstance(payload, dict):
        raise SourceResponseError(f"NerdGraph answered {type(payload).__name__}, not an object")
    errors = payload.get("errors")
    if errors:
        messages = []
        for err in errors if isinstance(errors, list) else [errors]:
            message = err.get("message") if isinstance(err, dict) else None
            messages.append(str(message) if message else repr(err)[:200])
        raise SourceResponseError(redact(f"NerdGraph rejected {query!r}: " + "; ".join(messages)))
    node: Any = payload
    for key in ("data", "actor", "account", "nrql", "results"):
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            raise SourceResponseError(
                f"NerdGraph's answer to {query!r} has no data.actor.account.nrql.results "
                f"(missing {key!r})"
            )
    if not isinstance(node, list) or not all(isinstance(row, dict) for row in node):
        raise SourceResponseError(f"NerdGraph's results for {query!r} are not a list of objects")
    return node


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delay-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
