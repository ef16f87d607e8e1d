"""Catalog routes: ``GET /api/v1/slos``."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router, Schema

from ekkyo.accounts.permissions import can_view
from ekkyo.api.errors import ApiError
from ekkyo.catalog.models import SLO, Lifecycle
from ekkyo.worker.models import SLOStatus, State
from ekkyo.worker.status import worst

router = Router(tags=["catalog"])


class SloFilters(Schema):
    team: str | None = None
    service: str | None = None
    lifecycle: Lifecycle | None = None
    status: State | None = None


class SloOut(Schema):
    name: str
    display_name: str
    team: str
    service: str
    lifecycle: str
    version: int
    source_type: str
    # The worst state of its objectives as the worker last computed them (no_data before).
    status: State


class SloList(Schema):
    slos: list[SloOut]


def require_viewer(request: HttpRequest) -> None:
    if not can_view(request.auth):
        raise ApiError(403, "forbidden", "Your account has no role in ekkyo.")


@router.get("", response=SloList, summary="Every SLO the caller may see")
def list_slos(request: HttpRequest, filters: Query[SloFilters]) -> dict[str, object]:
    require_viewer(request)
    rows = (
        SLO.objects.select_related("service__team")
        .prefetch_related(Prefetch("statuses", SLOStatus.objects.only("slo_id", "state")))
        .order_by("name")
    )
    if filters.team:
        rows = rows.filter(service__team__slug=filters.team)
    if filters.service:
        rows = rows.filter(service__name=filters.service)
    if filters.lifecycle:
        rows = rows.filter(lifecycle=filters.lifecycle)
    slos = [(slo, worst(s.state for s in slo.statuses.all())) for slo in rows]
    return {
        "slos": [
            {
                "name": slo.name,
                "display_name": slo.display_name,
                "team": slo.service.team.slug,
                "service": slo.service.name,
                "lifecycle": slo.lifecycle,
                "version": slo.version,
                "source_type": slo.source_type,
                "status": status,
            }
            for slo, status in slos
            if not filters.status or status == filters.status
        ]
    }
