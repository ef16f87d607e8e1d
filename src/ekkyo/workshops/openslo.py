"""The OpenSLO v1 document of the SLO a workshop agrees on, built and validated.

Pure (``ekkyo.specs`` only): the caller passes the SLI's fields as plain values.  The
document is validated the way ``ekkyo validate`` validates files, with the product's
``Service`` (and the ``DataSource`` the SLI names, if any) loaded beside it, so the
references check out and every problem reads like one from a file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ekkyo import specs
from ekkyo.specs.fields import MAX_DESCRIPTION

WORKSHOP_ANNOTATION = "ekkyo.dev/workshop"
SOURCE_TYPES = {"prometheus": "Prometheus", "newrelic": "NewRelic", "push": "push"}
QUERY_FIELD = {"prometheus": "query", "newrelic": "nrql"}
_NAME_RUN = re.compile(r"[^a-z0-9]+")
MAX_NAME = 63


@dataclass(frozen=True)
class Implementation:
    """What the SLI measures and where its data comes from."""

    kind: str  # "ratio" or "threshold"
    source: str  # "prometheus", "newrelic" or "push"
    good_query: str = ""
    total_query: str = ""
    threshold_query: str = ""
    op: str = ""
    value: float | None = None
    data_source_ref: str = ""


def slo_name(*parts: str) -> str:
    """A DNS-label-like SLO name from words: ``"Shop", "Check out!"`` → ``shop-check-out``.

    Words without Latin letters or digits (Japanese journey names) leave nothing, so
    callers give the product's name first.
    """
    words = [_NAME_RUN.sub("-", p.lower()).strip("-") for p in parts]
    name = "-".join(w for w in words if w)[:MAX_NAME].strip("-")
    return name or "slo"


def _metric(impl: Implementation, query: str) -> dict[str, Any]:
    source: dict[str, Any] = {"type": SOURCE_TYPES[impl.source]}
    if impl.data_source_ref and impl.source != "push":
        source = {"metricSourceRef": impl.data_source_ref, **source}
    source["spec"] = {QUERY_FIELD[impl.source]: query} if impl.source != "push" else {}
    return {"metricSource": source}


def indicator(name: str, impl: Implementation) -> dict[str, Any]:
    if impl.kind == "threshold":
        sli: dict[str, Any] = {"thresholdMetric": _metric(impl, impl.threshold_query)}
    else:
        sli = {
            "ratioMetric": {
                "counter": True,
                "good": _metric(impl, impl.good_query),
                "total": _metric(impl, impl.total_query),
            }
        }
    return {"metadata": {"name": f"{name}-sli"[:MAX_NAME]}, "spec": sli}


def build_document(
    *,
    name: str,
    display_name: str,
    service: str,
    description: str,
    objective_name: str,
    implementation: Implementation,
    target: float,
    window_days: int,
    workshop_id: int,
) -> dict[str, Any]:
    """The SLO document: one objective, a rolling window of ``window_days`` days."""
    objective: dict[str, Any] = {"displayName": objective_name}
    if implementation.kind == "threshold":
        objective["op"] = implementation.op
        objective["value"] = implementation.value
    objective["target"] = target
    metadata: dict[str, Any] = {"name": name}
    if display_name:
        metadata["displayName"] = display_name
    metadata["annotations"] = {WORKSHOP_ANNOTATION: str(workshop_id)}
    spec: dict[str, Any] = {}
    if description:
        spec["description"] = description[:MAX_DESCRIPTION]
    spec.update(
        {
            "service": service,
            "indicator": indicator(name, implementation),
            "timeWindow": [{"duration": f"{window_days}d", "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [objective],
        }
    )
    return {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": metadata, "spec": spec}


def with_target(document: dict[str, Any], target: float) -> dict[str, Any]:
    """``document`` with every objective's target replaced by ``target``."""
    copy: dict[str, Any] = json.loads(json.dumps(document))
    for objective in copy["spec"]["objectives"]:
        objective.pop("targetPercent", None)
        objective["target"] = target
    return copy


def validate(
    document: dict[str, Any], service: str, data_source: dict[str, Any] | None = None
) -> tuple[dict[str, Any] | None, list[str]]:
    """``(canonical document, [])`` when valid, else ``(None, problems)``.

    JSON is YAML, so the document is loaded as text exactly as a file would be.
    """
    service_doc = {
        "apiVersion": "openslo/v1",
        "kind": "Service",
        "metadata": {"name": service},
        "spec": {},
    }
    texts = [("service", json.dumps(service_doc)), ("slo", json.dumps(document, indent=1))]
    if data_source is not None:
        texts.append(("datasource", json.dumps(data_source)))
    loaded = specs.load_texts(texts)
    problems = [p.message for p in loaded.problems]
    if problems or not loaded.slos:
        return None, problems or ["the SLO did not load"]
    return specs.to_document(loaded.slos[0]), []
