"""Builders for the alerting tests: SLOs with alerting annotations, results, targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ekkyo.alerting.models import NotificationTarget
from ekkyo.catalog.models import SLO, Service
from ekkyo.catalog.services import create_slo
from ekkyo.engine.burn import ALERT_RULES, BURN_WINDOW_NAMES
from ekkyo.teams.models import Team

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
PAGE_FAST = "1h/5m"
PAGE_SLOW = "6h/30m"
TICKET_FAST = "1d/2h"
TICKET_SLOW = "3d/6h"


def slo_document(
    name: str,
    service: str = "shop",
    *,
    annotations: dict[str, str] | None = None,
    alert_policies: list[Any] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if annotations:
        metadata["annotations"] = annotations
    spec: dict[str, Any] = {
        "service": service,
        "indicator": {
            "metadata": {"name": f"{name}-sli"},
            "spec": {
                "ratioMetric": {
                    "counter": True,
                    "good": {"metricSource": {"type": "push", "spec": {}}},
                    "total": {"metricSource": {"type": "push", "spec": {}}},
                }
            },
        },
        "timeWindow": [{"duration": "30d", "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"displayName": "availability", "target": 0.999}],
    }
    if alert_policies is not None:
        spec["alertPolicies"] = alert_policies
    return {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": metadata, "spec": spec}


def add_slo(name: str, team: Team, *, lifecycle: str = "active", **document: Any) -> SLO:
    service, _ = Service.objects.get_or_create(
        name=document.get("service", "shop"), defaults={"team": team}
    )
    return create_slo(slo_document(name, **document), service, lifecycle=lifecycle)


def result(*firing: str, burn: float = 20.0, calm: float = 0.5) -> dict[str, Any]:
    """An SLO_MATH.md result dict for a 99.9 % / 30d objective; ``firing`` names rules.

    The windows of firing rules burn at ``burn``, the others at ``calm``.
    """
    hot = {w for rule in firing for w in rule.split("/")}
    alerts = []
    for rule in ALERT_RULES:
        if f"{rule.long_window}/{rule.short_window}" in firing:
            alerts.append(
                {
                    "severity": rule.severity,
                    "long_window": rule.long_window,
                    "short_window": rule.short_window,
                    "factor": rule.factor(30 * 86400),
                }
            )
    return {
        "slo": "x",
        "objective": "availability",
        "target": 0.999,
        "window": {"start": "", "end": "", "length_s": 30 * 86400},
        "sli": 0.99,
        "good": 990,
        "total": 1000,
        "error_budget": {"allowed_bad": 1.0, "consumed_ratio": 0.5, "remaining_ratio": 0.5},
        "burn_rates": {w: (burn if w in hot else calm) for w in BURN_WINDOW_NAMES},
        "alerts": alerts,
        "time_to_exhaustion_s": None,
    }


def target(
    name: str,
    team: Team | None,
    kind: str = "slack",
    *,
    url: str = "",
    severities: tuple[str, ...] = ("page", "ticket"),
    **fields: Any,
) -> NotificationTarget:
    defaults: dict[str, Any] = {}
    if kind == "pagerduty":
        defaults["routing_key"] = fields.pop("routing_key", "R0UT1NGKEYSECRET")
        if url:
            defaults["endpoint"] = url
    elif url or "url_env" not in fields:
        defaults["url"] = url or f"https://hooks.example.com/services/{name}/SECRETPATH"
    if kind == "webhook":
        defaults["hmac_secret"] = fields.pop("hmac_secret", "whsec-TOPSECRET")
    return NotificationTarget.objects.create(
        name=name, team=team, kind=kind, severities=list(severities), **{**defaults, **fields}
    )
