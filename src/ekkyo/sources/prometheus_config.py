"""Prometheus settings from specs: a DataSource's ``connectionDetails`` and a metric source.

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


def metric_source_query(spec: Mapping[str, Any] | None, field: str = "metricSource.spec") -> str:
    """The PromQL of an OpenSLO ``metricSource.spec`` (its ``query``)."""
    if not isinstance(spec, Mapping):
        raise SourceConfigError(f"{field}: a Prometheus metric source needs a spec with a query")
    query = spec.get("query")
    if not isinstance(query, str) or not query.strip():
        raise SourceConfigError(f"{field}.query: a Prometheus metric source needs a PromQL query")
    return query


def client_from_connection_details(
    details: Mapping[str, Any] | None,
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> PrometheusClient:
    """A :class:`PrometheusClient` for a DataSource's ``connectionDetails``.

    ``env`` defaults to the process environment; errors name the field, never a secret.
    """
    where = "connectionDetails"
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
