"""A small, strict client for Prometheus's HTTP query API.

Speaks to anything with Prometheus's ``/api/v1/query_range`` (Prometheus, Thanos, Mimir,
VictoriaMetrics).  Every request has a timeout; 429/5xx answers and connection errors are
retried a bounded number of times with exponential backoff; every failure becomes one of
the errors of :mod:`ekkyo.sources.errors`.  Credentials never appear in messages, logs or
``repr``: messages name the server by its URL without user info, query string or fragment.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx
import numpy as np

from ekkyo.engine.buckets import FloatArray, IntArray
from ekkyo.security.ssrf import BlockedDestination, GuardedTransport
from ekkyo.sources.errors import SourceConfigError, SourceResponseError, SourceUnavailable

log = logging.getLogger(__name__)

# Prometheus refuses a range query whose result would exceed this many points per series.
MAX_POINTS_PER_SERIES = 11_000

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A server asking for a long pause (Retry-After) is still waited for, but never longer
# than this: a pull must not hang a worker tick.
_MAX_RETRY_WAIT_S = 30.0


@dataclass(frozen=True)
class Series:
    """One series of a range query: its labels and its points in time order."""

    labels: Mapping[str, str]
    t: IntArray  # Unix seconds
    v: FloatArray

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """A hashable identity of the series (its sorted label set)."""
        return tuple(sorted(self.labels.items()))


TimeLike = int | float | datetime


def unix_seconds(value: TimeLike) -> float:
    """Unix seconds of ``value``; a naive datetime is refused (time zones must be explicit)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise SourceConfigError("times must be timezone-aware (got a naive datetime)")
        return value.timestamp()
    return float(value)


def redact_url(url: str) -> str:
    """``url`` without user info, query string or fragment: safe for messages and logs."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "<invalid URL>"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}{parsed.path}"


class PrometheusClient:
    """Range queries against one Prometheus-compatible server.

    Use it as a context manager (or call :meth:`close`).  ``compression`` asks for gzip
    answers (worth it over slow links only).  ``retries`` bounds the retries of 429/5xx
    answers and connection errors, waiting ``backoff * 2**attempt`` seconds (or the
    server's ``Retry-After``, at most 30 s).  ``transport`` lets tests plug in an
    :class:`httpx.MockTransport`; ``sleep`` lets them skip the pauses.
    """

    def __init__(
        self,
        url: str,
        *,
        bearer_token: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        ca_file: str | None = None,
        insecure_skip_verify: bool = False,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        compression: bool = False,
        retries: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = _validated_base_url(url)
        self.url = redact_url(self._base)
        if bearer_token is not None and basic_auth is not None:
            raise SourceConfigError(
                f"Prometheus at {self.url}: set either a bearer token or basic auth, not both"
            )
        if timeout is None or timeout <= 0:
            raise SourceConfigError(f"Prometheus at {self.url}: timeout must be positive")
        if retries < 0:
            raise SourceConfigError(f"Prometheus at {self.url}: retries must be >= 0")
        self._retries = retries
        self._backoff = backoff
        self._sleep = sleep

        all_headers = {"Accept": "application/json", **(headers or {})}
        if not compression:
            # Prometheus gzips at a cost of CPU on both ends that outweighs the transfer
            # saved on a LAN (3x slower backfills on loopback); ask for it over slow links.
            all_headers.setdefault("Accept-Encoding", "identity")
        if bearer_token is not None:
            if not bearer_token:
                raise SourceConfigError(f"Prometheus at {self.url}: the bearer token is empty")
            all_headers["Authorization"] = f"Bearer {bearer_token}"
        auth = httpx.BasicAuth(*basic_auth) if basic_auth is not None else None
        verify = _verify(ca_file, insecure_skip_verify, self.url)
        self._http = httpx.Client(
            base_url=self._base,
            headers=all_headers,
            auth=auth,
            verify=verify,
            timeout=httpx.Timeout(timeout),
            # The URL is user-configured: no loopback/private addresses unless allowed
            # (ekkyo.security.ssrf), and no proxy from the environment to hide behind.
            transport=transport if transport is not None else GuardedTransport(verify=verify),
            trust_env=transport is not None,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"PrometheusClient({self.url!r})"

    def __enter__(self) -> PrometheusClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def query_range(self, expr: str, start: TimeLike, end: TimeLike, step: float) -> list[Series]:
        """Evaluate ``expr`` at ``start``, ``start + step``, ... up to ``end`` (inclusive)."""
        start_s, end_s = unix_seconds(start), unix_seconds(end)
        if step <= 0:
            raise SourceConfigError("step must be positive")
        if end_s < start_s:
            raise SourceConfigError("end must not be before start")
        points = int((end_s - start_s) // step) + 1
        if points > MAX_POINTS_PER_SERIES:
            raise SourceConfigError(
                f"a range of {points} points per series exceeds Prometheus's limit of "
                f"{MAX_POINTS_PER_SERIES}; split the range"
            )
        form = {"query": expr, "start": _fmt(start_s), "end": _fmt(end_s), "step": _fmt(step)}
        body = self._post("api/v1/query_range", form)
        return _parse_matrix(body, self.url)

    def _post(self, path: str, form: Mapping[str, str]) -> Any:
        attempt = 0
        while True:
            try:
                response = self._http.post(path, data=form)
            except BlockedDestination as exc:
                raise SourceConfigError(f"Prometheus at {self.url}: {exc}") from None
            except httpx.TransportError as exc:
                if _is_tls_verification_error(exc):
                    # Retrying cannot fix a certificate the client does not trust.
                    raise SourceConfigError(
                        f"Prometheus at {self.url}: TLS certificate verification failed "
                        "(set caFile to the CA that signed the server's certificate)"
                    ) from None
                problem = _describe_transport_error(exc)
                if attempt >= self._retries:
                    raise SourceUnavailable(
                        f"Prometheus at {self.url}: {problem} (after {attempt + 1} attempts)"
                    ) from None
                wait = self._backoff * 2**attempt
            else:
                if response.status_code not in _RETRY_STATUSES:
                    return self._decode(response)
                problem = f"HTTP {response.status_code}"
                if attempt >= self._retries:
                    raise SourceUnavailable(
                        f"Prometheus at {self.url} answered {problem}"
                        f"{_error_suffix(response)} (after {attempt + 1} attempts)"
                    )
                wait = max(self._backoff * 2**attempt, _retry_after(response))
            wait = min(wait, _MAX_RETRY_WAIT_S)
            attempt += 1
            log.warning(
                "Prometheus at %s: %s; retrying in %.1f s (attempt %d of %d)",
                self.url,
                problem,
                wait,
                attempt + 1,
                self._retries + 1,
            )
            self._sleep(wait)

    def _decode(self, response: httpx.Response) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise SourceConfigError(
                f"Prometheus at {self.url} refused the credentials (HTTP {status})"
            )
        if status == 404:
            raise SourceConfigError(
                f"Prometheus at {self.url} has no query API at this URL (HTTP 404); "
                "check the data source url"
            )
        try:
            body = response.json()
        except ValueError:
            raise SourceResponseError(
                f"Prometheus at {self.url} answered HTTP {status} with a body that is not JSON"
            ) from None
        if not isinstance(body, dict):
            raise SourceResponseError(f"Prometheus at {self.url} answered malformed JSON")
        if body.get("status") != "success" or status >= 400:
            kind = body.get("errorType", "error")
            message = body.get("error", f"HTTP {status}")
            raise SourceResponseError(f"Prometheus at {self.url} answered {kind}: {message}")
        return body


def _validated_base_url(url: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise SourceConfigError("the Prometheus url is missing")
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL:
        raise SourceConfigError("the Prometheus url is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise SourceConfigError(
            f"the Prometheus url must start with http:// or https:// (got {redact_url(url)})"
        )
    if parsed.userinfo:
        # Credentials in URLs end up in logs and tracebacks: make people use the
        # settings that read them from the environment instead.
        raise SourceConfigError(
            f"the Prometheus url {redact_url(url)} contains credentials; "
            "use basicAuth with passwordEnv instead"
        )
    base = str(parsed.copy_with(query=None, fragment=None))
    # A trailing slash makes relative paths ("api/v1/...") keep any path prefix such as
    # https://example.com/prometheus/.
    return base if base.endswith("/") else base + "/"


def _verify(ca_file: str | None, insecure: bool, url: str) -> ssl.SSLContext | bool:
    if insecure:
        return False
    if ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SourceConfigError(
            f"Prometheus at {url}: cannot load caFile {ca_file}: {exc.__class__.__name__}"
        ) from None


def _is_tls_verification_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_transport_error(exc: httpx.TransportError) -> str:
    # Only the exception's class: its text may echo the URL, headers or proxy settings.
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({exc.__class__.__name__})"
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    return f"transport error ({exc.__class__.__name__})"


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0


def _error_suffix(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f": {body['error'][:200]}"
    return ""


def _fmt(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


def _parse_matrix(body: Mapping[str, Any], url: str) -> list[Series]:
    def bad(why: str) -> SourceResponseError:
        return SourceResponseError(f"Prometheus at {url} answered malformed JSON: {why}")

    data = body.get("data")
    if not isinstance(data, dict):
        raise bad("no data object")
    if data.get("resultType") != "matrix":
        raise bad(f"expected resultType matrix, got {data.get('resultType')!r}")
    result = data.get("result")
    if not isinstance(result, list):
        raise bad("result is not a list")
    out: list[Series] = []
    for item in result:
        if not isinstance(item, dict):
            raise bad("a series is not an object")
        labels = item.get("metric")
        values = item.get("values")
        if not isinstance(labels, dict) or not isinstance(values, list):
            raise bad("a series lacks metric or values")
        try:
            # Timestamps are float seconds; rounding to whole seconds is exact for the
            # minute-aligned steps ekkyo asks for.
            t = np.rint(np.fromiter((p[0] for p in values), np.float64, len(values)))
            v = np.array([p[1] for p in values], dtype=np.float64)
        except (TypeError, ValueError, IndexError, KeyError):
            raise bad('a point is not a [time, "value"] pair') from None
        out.append(Series(labels=labels, t=t.astype(np.int64), v=v))
    return out
