"""Prometheus settings from specs: an SLI's queries and a DataSource's ``connectionDetails``.

Specs arrive as plain mappings (parsed YAML); every error names the field, e.g.
``spec.ratioMetric.total.metricSource.spec.query: ...``.

Secrets never live in YAML: ``connectionDetails`` names an environment variable (or a file,
for mounted Kubernetes secrets) that holds them, and a secret written inline is refused.

.. code-block:: yaml

    kind: DataSource
    spec:
      type: Prometheus
      connectionDetails:
        url: https://prometheus.example.com/
        bearerTokenEnv: PROMETHEUS_TOKEN        # or bearerTokenFile: /var/run/secrets/token
        basicAuth: {username: ekkyo, passwordEnv: PROMETHEUS_PASSWORD}  # or passwordFile
        caFile: /etc/ssl/private-ca.pem
        insecureSkipVerify: false
        headers: {X-Scope-OrgID: team-a}       # not for secrets
        timeout: 10s
        compression: false                     # true asks for gzip (slow links)
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ekkyo.sources.errors import SourceConfigError
from ekkyo.sources.prometheus_client import PrometheusClient

_KNOWN = frozenset(
    {
        "url",
        "bearerTokenEnv",
        "bearerTokenFile",
        "basicAuth",
        "caFile",
        "insecureSkipVerify",
        "headers",
        "timeout",
        "compression",
    }
)
_INLINE_SECRETS = {
    "bearerToken": "bearerTokenEnv",
    "token": "bearerTokenEnv",
    "password": "basicAuth.passwordEnv",
}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)$")


@dataclass(frozen=True)
class RatioQueries:
    """The PromQL of a ratio SLI: ``total`` and exactly one of ``good`` and ``bad``.

    ``counter`` is OpenSLO's ``ratioMetric.counter``; ``data_source_ref`` the
    ``metricSourceRef`` naming the DataSource (``None`` when the spec gives none).
    """

    total: str
    good: str | None = None
    bad: str | None = None
    counter: bool = True
    data_source_ref: str | None = None

    def __post_init__(self) -> None:
        if (self.good is None) == (self.bad is None):
            raise SourceConfigError("give exactly one of the good and bad queries")


@dataclass(frozen=True)
class ThresholdQuery:
    """The PromQL of a threshold SLI: one value per minute."""

    query: str
    data_source_ref: str | None = None


def read_indicator(
    indicator_spec: Mapping[str, Any] | None, *, path: str = "spec"
) -> RatioQueries | ThresholdQuery:
    """The Prometheus queries of an OpenSLO SLI ``spec`` (``ratioMetric`` or ``thresholdMetric``).

    ``ratioMetric.counter`` defaults to true when absent.
    """
    if not isinstance(indicator_spec, Mapping):
        raise SourceConfigError(f"{path}: expected a mapping with ratioMetric or thresholdMetric")
    ratio, threshold = indicator_spec.get("ratioMetric"), indicator_spec.get("thresholdMetric")
    if (ratio is None) == (threshold is None):
        raise SourceConfigError(f"{path}: exactly one of ratioMetric or thresholdMetric is needed")
    if threshold is not None:
        where = f"{path}.thresholdMetric.metricSource"
        metric = threshold.get("metricSource") if isinstance(threshold, Mapping) else None
        query, ref = read_metric_source(metric, path=where)
        return ThresholdQuery(query, ref)
    if not isinstance(ratio, Mapping):
        raise SourceConfigError(f"{path}.ratioMetric: expected a mapping")
    if ratio.get("raw") is not None:
        raise SourceConfigError(
            f"{path}.ratioMetric.raw: precomputed ratios are not supported for Prometheus; "
            "give good (or bad) and total queries that count events"
        )
    if (ratio.get("good") is None) == (ratio.get("bad") is None):
        raise SourceConfigError(f"{path}.ratioMetric: give exactly one of good or bad, with total")
    if ratio.get("total") is None:
        raise SourceConfigError(f"{path}.ratioMetric.total: required with good or bad")
    counter = ratio.get("counter", True)
    if not isinstance(counter, bool):
        raise SourceConfigError(f"{path}.ratioMetric.counter: must be true or false")
    queries: dict[str, str] = {}
    refs: set[str | None] = set()
    for part in ("good", "bad", "total"):
        if ratio.get(part) is None:
            continue
        where = f"{path}.ratioMetric.{part}.metricSource"
        metric = ratio[part].get("metricSource") if isinstance(ratio[part], Mapping) else None
        queries[part], ref = read_metric_source(metric, path=where)
        refs.add(ref)
    if len(refs) > 1:
        raise SourceConfigError(
            f"{path}.ratioMetric: good/bad and total must use the same metricSourceRef, "
            f"got {sorted(r or '' for r in refs)}"
        )
    return RatioQueries(
        total=queries["total"],
        good=queries.get("good"),
        bad=queries.get("bad"),
        counter=counter,
        data_source_ref=refs.pop(),
    )


def read_metric_source(
    metric_source: Mapping[str, Any] | None, *, path: str = "metricSource"
) -> tuple[str, str | None]:
    """``(query, metricSourceRef)`` of an OpenSLO ``metricSource`` of type Prometheus."""
    if not isinstance(metric_source, Mapping):
        raise SourceConfigError(f"{path}: a metricSource is required")
    kind = metric_source.get("type")
    if not isinstance(kind, str) or kind.lower() != "prometheus":
        raise SourceConfigError(f"{path}.type: expected Prometheus, got {kind!r}")
    ref = metric_source.get("metricSourceRef")
    if ref is not None and (not isinstance(ref, str) or not ref):
        raise SourceConfigError(f"{path}.metricSourceRef: must name a DataSource")
    return metric_source_query(metric_source.get("spec"), field=f"{path}.spec"), ref


def metric_source_query(spec: Mapping[str, Any] | None, field: str = "metricSource.spec") -> str:
    """The PromQL of an OpenSLO ``metricSource.spec`` (its ``query``)."""
    if not isinstance(spec, Mapping):
        raise SourceConfigError(f"{field}: a Prometheus metric source needs a spec with a query")
    query = spec.get("query")
    if not isinstance(query, str) or not query.strip():
        raise SourceConfigError(f"{field}.query: a Prometheus metric source needs a PromQL query")
    return query


def client_from_data_source(
    document: Mapping[str, Any] | None,
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    retries: int = 3,
) -> PrometheusClient:
    """A :class:`PrometheusClient` for an OpenSLO ``DataSource`` document of type Prometheus.

    ``retries`` bounds the client's own retries of a request (the worker, which retries
    a failing source on its own schedule, asks for fewer)."""
    if not isinstance(document, Mapping):
        raise SourceConfigError("DataSource: expected a mapping")
    kind = document.get("kind")
    if kind is not None and kind != "DataSource":
        raise SourceConfigError(f"kind: expected DataSource, got {kind!r}")
    spec = document.get("spec")
    if not isinstance(spec, Mapping):
        raise SourceConfigError("spec: a DataSource needs a spec")
    source_type = spec.get("type")
    if not isinstance(source_type, str) or source_type.lower() != "prometheus":
        raise SourceConfigError(f"spec.type: expected Prometheus, got {source_type!r}")
    return client_from_connection_details(
        spec.get("connectionDetails"),
        env=env,
        transport=transport,
        path="spec.connectionDetails",
        retries=retries,
    )


def client_from_connection_details(
    details: Mapping[str, Any] | None,
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    path: str = "connectionDetails",
    retries: int = 3,
) -> PrometheusClient:
    """A :class:`PrometheusClient` for a DataSource's ``connectionDetails``.

    ``env`` defaults to the process environment; errors name the field, never a secret.
    """
    where = path
    if not isinstance(details, Mapping):
        raise SourceConfigError(f"{where}: a Prometheus data source needs connectionDetails")
    environ = os.environ if env is None else env
    for inline, instead in _INLINE_SECRETS.items():
        if inline in details:
            raise SourceConfigError(
                f"{where}.{inline}: secrets are not read from specs; "
                f"put it in an environment variable and name it with {instead}"
            )
    unknown = sorted(set(details) - _KNOWN)
    if unknown:
        raise SourceConfigError(
            f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_KNOWN))}"
        )
    url = details.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SourceConfigError(f"{where}.url: a Prometheus data source needs a url")

    token = _secret(details, "bearerTokenEnv", "bearerTokenFile", environ, where)
    basic = _basic_auth(details.get("basicAuth"), environ, f"{where}.basicAuth")
    headers = details.get("headers") or {}
    if not isinstance(headers, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise SourceConfigError(f"{where}.headers: must map header names to strings")
    ca_file = details.get("caFile")
    if ca_file is not None and not isinstance(ca_file, str):
        raise SourceConfigError(f"{where}.caFile: must be a file path")
    insecure = details.get("insecureSkipVerify", False)
    if not isinstance(insecure, bool):
        raise SourceConfigError(f"{where}.insecureSkipVerify: must be true or false")
    compression = details.get("compression", False)
    if not isinstance(compression, bool):
        raise SourceConfigError(f"{where}.compression: must be true or false")
    return PrometheusClient(
        url,
        compression=compression,
        bearer_token=token,
        basic_auth=basic,
        ca_file=ca_file,
        insecure_skip_verify=insecure,
        headers=dict(headers),
        timeout=_timeout(details.get("timeout", 10.0), f"{where}.timeout"),
        transport=transport,
        retries=retries,
    )


def _secret(
    details: Mapping[str, Any],
    env_key: str,
    file_key: str,
    environ: Mapping[str, str],
    where: str,
) -> str | None:
    if env_key in details and file_key in details:
        raise SourceConfigError(f"{where}: set {env_key} or {file_key}, not both")
    if env_key in details:
        name = details[env_key]
        if not isinstance(name, str) or not name:
            raise SourceConfigError(f"{where}.{env_key}: must name an environment variable")
        value = environ.get(name)
        if not value:
            raise SourceConfigError(
                f"{where}.{env_key}: environment variable {name} is not set or empty"
            )
        return value
    if file_key in details:
        path = details[file_key]
        if not isinstance(path, str) or not path:
            raise SourceConfigError(f"{where}.{file_key}: must be a file path")
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SourceConfigError(
                f"{where}.{file_key}: cannot read {path} ({exc.__class__.__name__})"
            ) from None
        if not value:
            raise SourceConfigError(f"{where}.{file_key}: {path} is empty")
        return value
    return None


def _basic_auth(value: Any, environ: Mapping[str, str], where: str) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise SourceConfigError(f"{where}: must have username and passwordEnv (or passwordFile)")
    if "password" in value:
        raise SourceConfigError(
            f"{where}.password: secrets are not read from specs; "
            "put it in an environment variable and name it with passwordEnv"
        )
    unknown = sorted(set(value) - {"username", "passwordEnv", "passwordFile"})
    if unknown:
        raise SourceConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
    user = value.get("username")
    if not isinstance(user, str) or not user:
        raise SourceConfigError(f"{where}.username: is required")
    password = _secret(value, "passwordEnv", "passwordFile", environ, where)
    if password is None:
        raise SourceConfigError(f"{where}: needs passwordEnv or passwordFile")
    return user, password


def _timeout(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise SourceConfigError(f"{where}: must be a duration such as 10s")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value.strip())):
        seconds = float(m.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(2)]
    else:
        raise SourceConfigError(f"{where}: must be a duration such as 10s (got {value!r})")
    if seconds <= 0:
        raise SourceConfigError(f"{where}: must be positive")
    return seconds
