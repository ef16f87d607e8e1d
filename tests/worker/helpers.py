"""Builders for the worker's tests: SLO documents of each source kind, pushes, workers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ekkyo.catalog.models import SLO, Service, SpecObject
from ekkyo.catalog.services import create_slo, spec_hash
from ekkyo.engine import Buckets
from ekkyo.series import store
from ekkyo.teams.models import Team
from ekkyo.worker.tick import Settings, Worker

# 2026-03-02T12:00:00Z, a Monday: the pinned "now" of most tests.
T0 = 1_772_452_800
DAY = 86_400


def at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def indicator(kind: str = "push", *, threshold: bool = False, ref: str = "") -> dict[str, Any]:
    def source(query_field: str, query: str) -> dict[str, Any]:
        ms: dict[str, Any] = {"type": kind}
        if kind != "push":
            ms["spec"] = {query_field: query}
        if ref:
            ms["metricSourceRef"] = ref
        return {"metricSource": ms}

    field = "nrql" if kind.lower() == "newrelic" else "query"
    if threshold:
        spec = {"thresholdMetric": source(field, "p95_latency_ms")}
    elif kind.lower() == "newrelic":
        spec = {
            "ratioMetric": {
                "good": source(field, "SELECT count(*) FROM Transaction WHERE error IS FALSE"),
                "total": source(field, "SELECT count(*) FROM Transaction"),
            }
        }
    else:
        spec = {
            "ratioMetric": {
                "counter": True,
                "good": source(field, 'shop_requests_total{code!~"5.."}'),
                "total": source(field, "shop_requests_total"),
            }
        }
    return {"metadata": {"name": "sli"}, "spec": spec}


def slo_doc(
    name: str,
    *,
    kind: str = "push",
    threshold: bool = False,
    ref: str = "",
    window: str = "30d",
    objectives: list[dict[str, Any]] | None = None,
    budgeting: str = "Occurrences",
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    if objectives is None:
        objectives = (
            [{"displayName": "fast", "op": "lt", "value": 300, "target": 0.9}]
            if threshold
            else [{"displayName": "availability", "target": 0.99}]
        )
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": metadata,
        "spec": {
            "service": "shop",
            "indicator": indicator(kind, threshold=threshold, ref=ref),
            "timeWindow": [{"duration": window, "isRolling": True}],
            "budgetingMethod": budgeting,
            "objectives": objectives,
        },
    }


def team(slug: str = "checkout") -> Team:
    return Team.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def add_slo(name: str, *, lifecycle: str = "active", **doc: Any) -> SLO:
    service, _ = Service.objects.get_or_create(name="shop", defaults={"team": team()})
    slo = create_slo(slo_doc(name, **doc), service, lifecycle=lifecycle)
    # Due at once whatever the pinned clock says.
    SLO.objects.filter(pk=slo.pk).update(next_evaluation_at=at(0))
    slo.refresh_from_db()
    return slo


def change_spec(slo: SLO, document: dict[str, Any]) -> None:
    SLO.objects.filter(pk=slo.pk).update(spec=document, spec_hash=spec_hash(document))


def add_data_source(name: str, spec: dict[str, Any]) -> None:
    document = {"apiVersion": "openslo/v1", "kind": "DataSource", "metadata": {"name": name}}
    document["spec"] = spec
    SpecObject.objects.create(
        kind="DataSource", name=name, spec=document, spec_hash=spec_hash(document)
    )


def push(slo: SLO, t: list[int] | np.ndarray, good: Any, total: Any, key: str = "") -> None:
    """Counts into the store, as the push API does (not compacted yet)."""
    buckets = Buckets.counts(t, good, total)
    store.append_columns(store.columns_from_series([(slo.id, key, buckets)]))


def push_values(slo: SLO, t: list[int] | np.ndarray, value: Any) -> None:
    buckets = Buckets.values(t, value)
    store.append_columns(store.columns_from_series([(slo.id, "", buckets)]))


def worker(name: str = "w1", env: dict[str, str] | None = None, **settings: Any) -> Worker:
    """A worker with no delay (statuses describe ``now``'s minute) and a pinned clock."""
    settings.setdefault("delay_s", 0)
    return Worker(Settings(name=name, **settings), clock=lambda: at(T0), env=env or {})
