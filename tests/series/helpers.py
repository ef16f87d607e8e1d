"""Builders for the series tests: SLO documents of each kind, pushes, personas."""

from __future__ import annotations

from typing import Any

from ekkyo.catalog.models import SLO
from tests.factories import make_slo, make_team, make_user, token_for


def ratio_doc(name: str, objectives: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name},
        "spec": {
            "service": "shop",
            "budgetingMethod": "Occurrences",
            "indicator": {
                "metadata": {"name": f"{name}-sli"},
                "spec": {
                    "ratioMetric": {
                        "good": {"metricSource": {"type": "push"}},
                        "total": {"metricSource": {"type": "push"}},
                    }
                },
            },
            "objectives": objectives or [{"displayName": "main", "target": 0.99}],
        },
    }


def threshold_doc(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name},
        "spec": {
            "service": "shop",
            "budgetingMethod": "Occurrences",
            "indicator": {
                "metadata": {"name": f"{name}-sli"},
                "spec": {"thresholdMetric": {"metricSource": {"type": "push"}}},
            },
            "objectives": [{"displayName": "fast", "op": "lt", "value": 300, "target": 0.95}],
        },
    }


def ratio_slo(name: str = "checkout-availability", team: str = "checkout") -> SLO:
    return make_slo(name, _team(team), spec=ratio_doc(name))


def threshold_slo(name: str = "checkout-latency", team: str = "checkout") -> SLO:
    return make_slo(name, _team(team), spec=threshold_doc(name))


def _team(slug: str) -> Any:
    from ekkyo.teams.models import Team

    return Team.objects.filter(slug=slug).first() or make_team(slug)


def auth_for(name: str, role: str, teams: tuple[str, ...] = ()) -> dict[str, str]:
    for slug in teams:
        _team(slug)
    return {"Authorization": f"Bearer {token_for(make_user(name, role, teams))}"}
