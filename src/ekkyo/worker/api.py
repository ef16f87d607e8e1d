"""``GET /api/v1/slos/{name}/status``: what the worker last computed for an SLO."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from ekkyo.accounts.permissions import can_view
from ekkyo.api.errors import ApiError
from ekkyo.catalog.models import SLO
from ekkyo.worker.models import SLOStatus
from ekkyo.worker.status import worst

router = Router(tags=["status"])


class WindowOut(Schema):
    start: str
    end: str
    length_s: int


class BudgetOut(Schema):
    allowed_bad: float
    consumed_ratio: float | None
    remaining_ratio: float | None


class AlertOut(Schema):
    severity: str
    long_window: str
    short_window: str
    factor: float


class ObjectiveStatusOut(Schema):
    """The result object of SLO_MATH.md, with the objective's state and when it was computed."""

    slo: str
    objective: str
    target: float
    window: WindowOut
    sli: float | None
    good: float
    total: float
    error_budget: BudgetOut
    burn_rates: dict[str, float | None]
    alerts: list[AlertOut]
    time_to_exhaustion_s: float | None
    state: str
    reason: str
    computed_at: datetime


class SloStatusOut(Schema):
    slo: str
    state: str
    computed_at: datetime | None
    results: list[ObjectiveStatusOut]


@router.get(
    "/{name}/status",
    response=SloStatusOut,
    summary="The SLO's objectives as the worker last evaluated them",
)
def slo_status(request: HttpRequest, name: str) -> dict[str, Any]:
    if not can_view(request.auth):
        raise ApiError(403, "forbidden", "Your account has no role in ekkyo.")
    slo = SLO.objects.filter(name=name).only("id", "name").first()
    if slo is None:
        raise ApiError(404, "not_found", f"No SLO is named {name!r}.")
    statuses = list(SLOStatus.objects.filter(slo=slo).order_by("objective_index"))
    results = [
        {**s.result, "state": s.state, "reason": s.reason, "computed_at": s.computed_at}
        for s in statuses
    ]
    return {
        "slo": slo.name,
        "state": worst(s.state for s in statuses),
        "computed_at": max((s.computed_at for s in statuses), default=None),
        "results": results,
    }
