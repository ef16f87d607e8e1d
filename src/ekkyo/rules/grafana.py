"""A Grafana dashboard over the compiled recording rules.

It reads only Sloth's series (``slo:sli_error:ratio_rate<w>``, ``slo:error_budget:ratio``,
``slo:period_*``, ``sloth_slo_info``) and ``ALERTS``, so it also works for rules that
Sloth generated.  Two variables, ``service`` and ``slo``, pick one SLO objective.
"""

from __future__ import annotations

from typing import Any

from ekkyo.engine import BURN_WINDOWS
from ekkyo.rules.common import prom_duration
from ekkyo.rules.prometheus import ERROR_RATIO, PrometheusRules

SELECTOR = '{sloth_service="$service", sloth_slo="$slo"}'
ON = "on(sloth_id, sloth_slo, sloth_service) group_left"


def dashboard(rules: PrometheusRules, datasource_uid: str = "prometheus") -> dict[str, Any]:
    ds = {"type": "prometheus", "uid": datasource_uid}
    services = sorted({c.target.identity.sloth_service for c in rules.compiled})

    def target(expr: str, legend: str, ref: str = "A") -> dict[str, Any]:
        return {"datasource": ds, "expr": expr, "legendFormat": legend, "refId": ref}

    def stat(pid: int, title: str, expr: str, x: int, unit: str) -> dict[str, Any]:
        return {
            "id": pid,
            "type": "stat",
            "title": title,
            "datasource": ds,
            "gridPos": {"h": 5, "w": 6, "x": x, "y": 0},
            "targets": [target(expr, title)],
            "fieldConfig": {"defaults": {"unit": unit, "decimals": 3}, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value"},
        }

    budget = f"slo:error_budget:ratio{SELECTOR}"
    burn_targets = [
        target(
            f"{ERROR_RATIO}{prom_duration(seconds)}{SELECTOR}\n/ {ON}\n{budget}",
            prom_duration(seconds),
            ref=chr(ord("A") + i),
        )
        for i, seconds in enumerate(BURN_WINDOWS.values())
    ]
    panels = [
        stat(1, "Objective", f"slo:objective:ratio{SELECTOR}", 0, "percentunit"),
        stat(
            2,
            "SLI over the SLO period",
            f"1 - (slo:period_burn_rate:ratio{SELECTOR} * {ON.replace('group_left', '')}{budget})",
            6,
            "percentunit",
        ),
        stat(
            3,
            "Error budget remaining",
            f"slo:period_error_budget_remaining:ratio{SELECTOR}",
            12,
            "percentunit",
        ),
        stat(4, "Burn rate (5m)", f"slo:current_burn_rate:ratio{SELECTOR}", 18, "none"),
        {
            "id": 5,
            "type": "timeseries",
            "title": "Burn rate per window",
            "datasource": ds,
            "gridPos": {"h": 9, "w": 24, "x": 0, "y": 5},
            "targets": burn_targets,
            "fieldConfig": {"defaults": {"unit": "none"}, "overrides": []},
        },
        {
            "id": 6,
            "type": "timeseries",
            "title": "Error budget remaining over the period",
            "datasource": ds,
            "gridPos": {"h": 8, "w": 12, "x": 0, "y": 14},
            "targets": [target(f"slo:period_error_budget_remaining:ratio{SELECTOR}", "remaining")],
            "fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []},
        },
        {
            "id": 7,
            "type": "table",
            "title": "Burn-rate alerts",
            "datasource": ds,
            "gridPos": {"h": 8, "w": 12, "x": 12, "y": 14},
            "targets": [
                {
                    **target(f"ALERTS{SELECTOR}", "{{alertname}} {{sloth_severity}}"),
                    "format": "table",
                    "instant": True,
                }
            ],
        },
    ]
    return {
        "title": "ekkyo SLOs",
        "uid": "ekkyo-slos",
        "tags": ["ekkyo", "slo", "sloth"],
        "schemaVersion": 39,
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [
                _variable("service", "label_values(sloth_slo_info, sloth_service)", ds, services),
                _variable(
                    "slo",
                    'label_values(sloth_slo_info{sloth_service="$service"}, sloth_slo)',
                    ds,
                    [],
                ),
            ]
        },
        "panels": panels,
    }


def _variable(name: str, query: str, ds: dict[str, str], first: list[str]) -> dict[str, Any]:
    current = {"text": first[0], "value": first[0]} if first else {}
    return {
        "name": name,
        "label": name,
        "type": "query",
        "datasource": ds,
        "query": {"query": query, "refId": f"{name}-values"},
        "definition": query,
        "refresh": 2,
        "current": current,
        "includeAll": False,
        "multi": False,
        "sort": 1,
    }
