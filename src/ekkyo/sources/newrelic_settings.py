"""What ekkyo reads from OpenSLO documents for a New Relic SLI, on plain dicts.

Pure: these functions take the parsed YAML (dicts and lists) and an environment mapping,
and never read files or ``os.environ`` themselves, so they work with any spec model.
Every error names the field it is about.  See ``docs/sources.md`` ("New Relic").

An SLI names its queries in ``metricSource.spec.nrql`` (the field Nobl9's OpenSLO
``NewRelic`` metric uses) and its connection through ``metricSource.metricSourceRef``, the
name of a ``DataSource`` whose ``connectionDetails`` hold ``accountId``, ``region`` and
``apiKeyEnv``: the *name* of the environment variable holding the key, never the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ekkyo.sources.errors import SourceConfigError
from ekkyo.sources.newrelic_nrql import normalize_query

SOURCE_TYPE = "newrelic"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: Keys that would put a secret into YAML; refused with a pointer to ``apiKeyEnv``.
_SECRET_KEYS = ("apiKey", "api_key", "apikey", "userKey", "key", "token")


@dataclass(frozen=True)
class NewRelicConnection:
    """A ``DataSource`` of type NewRelic: where to send NRQL and which key to use."""

    name: str | None
    account_id: int
    region: str
    api_key_env: str
    endpoint: str | None = None


@dataclass(frozen=True)
class RatioQueries:
    """A ratio SLI: ``total`` with exactly one of ``good``/``bad`` (normalized NRQL)."""

    total: str
    good: str | None = None
    bad: str | None = None
    data_source_ref: str | None = None


@dataclass(frozen=True)
class ThresholdQuery:
    """A threshold SLI: one value per minute (e.g. a p95 latency)."""

    nrql: str
    data_source_ref: str | None = None


def is_newrelic(metric_source: Mapping[str, Any]) -> bool:
    """Whether a ``metricSource`` is of type NewRelic (case does not matter, see API.md)."""
    kind = metric_source.get("type")
    return isinstance(kind, str) and kind.lower() == SOURCE_TYPE


def read_metric_source(
    metric_source: object, *, path: str = "metricSource"
) -> tuple[str, str | None]:
    """``(normalized NRQL, DataSource name or None)`` from one ``metricSource``."""
    ms = _mapping(metric_source, path)
    if not is_newrelic(ms):
        raise SourceConfigError(f"{path}.type: expected NewRelic, got {ms.get('type')!r}")
    spec = _mapping(ms.get("spec"), f"{path}.spec")
    nrql = normalize_query(spec.get("nrql"), field=f"{path}.spec.nrql")
    ref = ms.get("metricSourceRef")
    if ref is not None and (not isinstance(ref, str) or not ref.strip()):
        raise SourceConfigError(f"{path}.metricSourceRef: expected a DataSource name")
    return nrql, ref


def read_indicator(indicator_spec: object, *, path: str = "spec") -> RatioQueries | ThresholdQuery:
    """The New Relic queries of an SLI's ``spec`` (``ratioMetric`` or ``thresholdMetric``)."""
    spec = _mapping(indicator_spec, path)
    ratio, threshold = spec.get("ratioMetric"), spec.get("thresholdMetric")
    if (ratio is None) == (threshold is None):
        raise SourceConfigError(f"{path}: exactly one of ratioMetric or thresholdMetric is needed")
    if threshold is not None:
        metric = _mapping(threshold, f"{path}.thresholdMetric")
        nrql, ref = read_metric_source(
            metric.get("metricSource"), path=f"{path}.thresholdMetric.metricSource"
        )
        return ThresholdQuery(nrql=nrql, data_source_ref=ref)

    rm = _mapping(ratio, f"{path}.ratioMetric")
    if rm.get("raw") is not None:
        raise SourceConfigError(
            f"{path}.ratioMetric.raw: precomputed ratios are not supported for New Relic; "
            "give good (or bad) and total queries that count events"
        )
    if (rm.get("good") is None) == (rm.get("bad") is None):
        raise SourceConfigError(f"{path}.ratioMetric: give exactly one of good or bad, with total")
    if rm.get("total") is None:
        raise SourceConfigError(f"{path}.ratioMetric.total: required with good or bad")
    queries: dict[str, str] = {}
    refs: set[str | None] = set()
    for part in ("good", "bad", "total"):
        if rm.get(part) is None:
            continue
        part_path = f"{path}.ratioMetric.{part}"
        metric = _mapping(rm[part], part_path)
        queries[part], ref = read_metric_source(
            metric.get("metricSource"), path=f"{part_path}.metricSource"
        )
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
        data_source_ref=refs.pop(),
    )


def read_data_source(document: object, *, path: str = "") -> NewRelicConnection:
    """A ``DataSource`` document (``apiVersion``/``kind``/``metadata``/``spec``) of type
    NewRelic, as a :class:`NewRelicConnection`."""
    doc = _mapping(document, path or "DataSource")
    prefix = f"{path}." if path else ""
    kind = doc.get("kind")
    if kind is not None and kind != "DataSource":
        raise SourceConfigError(f"{prefix}kind: expected DataSource, got {kind!r}")
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    spec = _mapping(doc.get("spec"), f"{prefix}spec")
    if not is_newrelic(spec):
        raise SourceConfigError(f"{prefix}spec.type: expected NewRelic, got {spec.get('type')!r}")
    where = f"{prefix}spec.connectionDetails"
    details = _mapping(spec.get("connectionDetails"), where)

    for secret in _SECRET_KEYS:
        if secret in details:
            raise SourceConfigError(
                f"{where}.{secret}: never put the API key in YAML; store it in an "
                "environment variable and name that variable in apiKeyEnv"
            )
    account = details.get("accountId")
    if isinstance(account, str) and account.strip().isdigit():
        account = int(account.strip())
    if isinstance(account, bool) or not isinstance(account, int) or account <= 0:
        raise SourceConfigError(
            f"{where}.accountId: expected a New Relic account id (a positive integer), "
            f"got {account!r}"
        )
    region = details.get("region", "US")
    if not isinstance(region, str) or region.upper() not in ("US", "EU"):
        raise SourceConfigError(f"{where}.region: expected US or EU, got {region!r}")
    env_name = details.get("apiKeyEnv")
    if not isinstance(env_name, str) or not _ENV_NAME.match(env_name):
        raise SourceConfigError(
            f"{where}.apiKeyEnv: expected the name of an environment variable holding "
            f"the New Relic User API key (e.g. NEW_RELIC_API_KEY), got {env_name!r}"
        )
    endpoint = details.get("endpoint")
    if endpoint is not None and (
        not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://"))
    ):
        raise SourceConfigError(f"{where}.endpoint: expected an http(s) URL, got {endpoint!r}")
    return NewRelicConnection(
        name=name if isinstance(name, str) else None,
        account_id=account,
        region=region.upper(),
        api_key_env=env_name,
        endpoint=endpoint,
    )


def resolve_api_key(connection: NewRelicConnection, env: Mapping[str, str]) -> str:
    """The API key from ``env`` (pass ``os.environ``); the error names the variable only."""
    key = env.get(connection.api_key_env, "")
    if not key.strip():
        source = f"DataSource {connection.name!r}" if connection.name else "the DataSource"
        raise SourceConfigError(
            f"environment variable {connection.api_key_env} (apiKeyEnv of {source}) "
            "is not set or empty"
        )
    return key.strip()


def _mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        found = "nothing" if value is None else type(value).__name__
        raise SourceConfigError(f"{path}: expected a mapping, got {found}")
    return value
