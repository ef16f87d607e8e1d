"""Policies, statuses from real data, and alert episodes for the policy tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ekkyo.alerting.models import AlertState, AlertTransition
from ekkyo.catalog.models import SLO
from ekkyo.engine import evaluate
from ekkyo.policies import services
from ekkyo.policies.models import Policy, PolicyStatus
from ekkyo.web.charts import read_dense
from ekkyo.web.objectives import objectives_of
from ekkyo.worker.models import SLOStatus
from ekkyo.worker.status import classify, fastest_burn_rate
from tests.web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    add_slo,
    add_status,
    browser,
    browser_page,
    org,
    push_minutes,
    sign_in,
)

AT = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def approved_policy(slo_or_service: Any, **fields: Any) -> Policy:
    service = getattr(slo_or_service, "service", slo_or_service)
    policy = services.create_policy(
        service=service,
        team=None,
        title=fields.pop("title", "Shop policy"),
        language=fields.pop("language", "en"),
        actor=None,
        now=AT - 30 * DAY,
    )
    Policy.objects.filter(pk=policy.pk).update(
        **{
            "status": PolicyStatus.APPROVED,
            "approved_at": AT - 20 * DAY,
            "revisit_on": (AT + 90 * DAY).date(),
            **fields,
        },
    )
    policy.refresh_from_db()
    return policy


def day_of_traffic(slo: SLO, *, bad: dict[int, int] | None = None, per_minute: int = 100) -> None:
    """One day of minutes up to AT, ``per_minute`` requests each; ``bad`` maps minute
    index (0 = AT - 1 day) to failed requests."""
    total = np.full(1440, per_minute, dtype=np.float64)
    good = total.copy()
    for minute, n in (bad or {}).items():
        good[minute] -= n
    push_minutes(slo, AT - DAY, good, total)


def status_from_store(slo: SLO, at: dt.datetime = AT, computed_at: dt.datetime | None = None):
    """The worker's status: the engine's result on the stored minutes at ``at``."""
    spec = objectives_of(slo.spec)[0]
    at_s = int(at.timestamp())
    series = read_dense(slo.pk, spec.series_key, at_s - 3 * 86400, at_s)
    result = evaluate(series, spec.objective, at_s)
    data = {"slo": slo.name, "objective": spec.name, **result.as_dict()}
    state = classify(result.sli, result.remaining_ratio, data["alerts"]).state
    SLOStatus.objects.update_or_create(
        slo=slo,
        objective_index=0,
        defaults={
            "objective": spec.name,
            "computed_at": computed_at or at,
            "state": state,
            "sli": result.sli,
            "remaining_ratio": result.remaining_ratio,
            "fastest_burn_rate": fastest_burn_rate(data),
            "result": data,
        },
    )
    return result


def alert_episode(slo: SLO, start: dt.datetime, end: dt.datetime | None, episode: int = 1):
    state, _ = AlertState.objects.get_or_create(
        slo=slo,
        objective_index=0,
        long_window="1h",
        short_window="5m",
        defaults={"objective": "availability", "severity": "page"},
    )
    common = dict(
        state=state,
        slo=slo,
        episode=episode,
        started_at=start,
        objective="availability",
        severity="page",
        effective_severity="page",
        long_window="1h",
        short_window="5m",
        factor=14.4,
        dedup_key=f"k{episode}",
        event={},
    )
    AlertTransition.objects.create(kind="firing", at=start, **common)
    if end is not None:
        AlertTransition.objects.create(kind="resolved", at=end, **common)
