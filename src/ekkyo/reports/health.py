"""The system health overview for check-ins: SLO objectives grouped by team, product or
a label, with the share healthy, at risk, exhausted and without data.

States are the worker's (``SLOStatus.state``, ``docs/worker.md``); an objective the worker
has not evaluated yet counts as no data.  Nothing is evaluated on a request.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ekkyo.catalog.models import SLO, Lifecycle
from ekkyo.web.objectives import names_and_targets
from ekkyo.worker.models import SLOStatus

STATES = ("healthy", "at_risk", "exhausted", "no_data")
GROUPS = ("team", "product", "label")
NO_LABEL = "—"


def _label_values(spec: Any, key: str) -> list[str]:
    labels = ((spec or {}).get("metadata") or {}).get("labels") or {}
    value = labels.get(key) if isinstance(labels, dict) else None
    if value is None or value == "" or value == []:
        return [NO_LABEL]
    if isinstance(value, list):
        return [str(v) for v in value] or [NO_LABEL]
    return [str(value)]


def label_keys() -> list[str]:
    keys: set[str] = set()
    for spec in SLO.objects.exclude(lifecycle=Lifecycle.RETIRED).values_list("spec", flat=True):
        labels = ((spec or {}).get("metadata") or {}).get("labels") or {}
        if isinstance(labels, dict):
            keys.update(str(k) for k in labels)
    return sorted(keys)


def overview(group: str = "team", label: str = "", lifecycle: str = "") -> dict[str, Any]:
    if group not in GROUPS:
        group = "team"
    slos = SLO.objects.exclude(lifecycle=Lifecycle.RETIRED).select_related("service__team")
    if lifecycle in (Lifecycle.ACTIVE, Lifecycle.TRIAL, Lifecycle.DRAFT):
        slos = slos.filter(lifecycle=lifecycle)
    slos = list(slos)
    states = {
        (slo_id, index): state
        for slo_id, index, state in SLOStatus.objects.filter(slo__in=slos).values_list(
            "slo_id", "objective_index", "state"
        )
    }
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    # Each objective once, whatever the number of groups it falls in (a label may list
    # several values).
    totals = dict.fromkeys(STATES, 0)
    for slo in slos:
        if group == "team":
            names = [slo.service.team.name]
        elif group == "product":
            names = [str(slo.service)]
        else:
            names = _label_values(slo.spec, label) if label else [NO_LABEL]
        objectives = names_and_targets(slo.spec) or [(0, "0", None)]
        for index, _name, _target in objectives:
            state = states.get((slo.pk, index), "no_data")
            state = state if state in STATES else "no_data"
            totals[state] += 1
            for name in names:
                counts[name][state] += 1
    groups = []
    for name in sorted(counts, key=lambda n: (n == NO_LABEL, n.lower())):
        c = counts[name]
        total = sum(c.values())
        groups.append(
            {
                "name": name,
                "total": total,
                **c,
                "shares": {s: c[s] / total if total else None for s in STATES},
            }
        )
    all_total = sum(totals.values())
    return {
        "group": group,
        "label": label,
        "lifecycle": lifecycle,
        "groups": groups,
        "total": {
            **totals,
            "total": all_total,
            "shares": {s: totals[s] / all_total if all_total else None for s in STATES},
        },
    }
