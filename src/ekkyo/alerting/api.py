"""``POST /api/v1/annotations`` and ``GET /api/v1/annotations?slo=…``: marks on SLO charts.

People post notes and deploys (members of the SLO's team, and SRE admins).  Reading
returns, for one SLO and a time range, the posted annotations and alert annotations ekkyo
wrote, plus lifecycle changes (from the catalog's history) and maintenance windows (their
occurrences), so a chart draws all of them from one answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, field_validator

from ekkyo.accounts.permissions import can_edit_team, can_view
from ekkyo.alerting.models import Annotation, AnnotationKind, SilenceKind
from ekkyo.alerting.silences import applying_to, windows
from ekkyo.api.errors import ApiError
from ekkyo.catalog.models import SLO, LifecycleTransition

router = Router(tags=["annotations"])

DEFAULT_SPAN = timedelta(days=30)
#: The longest range one read may ask for (bounds recurring windows' expansion).
MAX_SPAN = timedelta(days=400)


def _aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{field} needs a time zone (Z or an offset such as +09:00)")
    return value.astimezone(UTC)


class AnnotationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    slo: str = Field(min_length=1, max_length=253, description="The SLO's metadata.name.")
    kind: Literal["note", "deploy"] = "note"
    text: str = Field(min_length=1, max_length=2000)
    at: datetime | None = Field(None, description="Default: now. ISO-8601 with a zone.")
    ends_at: datetime | None = None
    link: str | None = Field(None, max_length=500, pattern=r"^https?://")

    @field_validator("at", "ends_at")
    @classmethod
    def _zoned(cls, value: datetime | None, info: Any) -> datetime | None:
        return None if value is None else _aware(value, info.field_name)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value


class AnnotationOut(Schema):
    id: str
    slo: str
    kind: str
    at: datetime
    ends_at: datetime | None
    text: str
    link: str
    author: str
    detail: dict[str, Any]


class AnnotationList(Schema):
    slo: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    annotations: list[AnnotationOut]

    model_config = ConfigDict(populate_by_name=True)


class AnnotationQuery(Schema):
    slo: str
    start: datetime | None = Field(None, alias="from")
    end: datetime | None = Field(None, alias="to")


def _slo(name: str) -> SLO:
    slo = SLO.objects.select_related("service__team").filter(name=name).first()
    if slo is None:
        raise ApiError(404, "not_found", f"No SLO named {name!r}.")
    return slo


def _out(row: Annotation, slo: SLO) -> dict[str, Any]:
    return {
        "id": f"annotation:{row.pk}",
        "slo": slo.name,
        "kind": row.kind,
        "at": row.at,
        "ends_at": row.ends_at,
        "text": row.text,
        "link": row.link,
        "author": row.author_name,
        "detail": row.detail,
    }


@router.post(
    "",
    response={201: AnnotationOut},
    summary="Add a note or a deploy to an SLO's charts",
)
def add_annotation(request: HttpRequest, payload: AnnotationIn) -> Status:
    slo = _slo(payload.slo)
    if not can_edit_team(request.auth, slo.service.team):
        raise ApiError(403, "forbidden", "Only members of the SLO's team may annotate it.")
    at = payload.at or timezone.now()
    if payload.ends_at is not None and payload.ends_at < at:
        raise ApiError(
            422,
            "invalid_request",
            "The request is not valid.",
            [{"field": "ends_at", "message": "ends_at must not be before at"}],
        )
    user = request.auth
    row = Annotation.objects.create(
        slo=slo,
        kind=payload.kind,
        at=at,
        ends_at=payload.ends_at,
        text=payload.text,
        link=payload.link or "",
        author=user,
        author_name=user.get_username(),
    )
    return Status(201, _out(row, slo))


def annotations_for(slo: SLO, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Every annotation of ``slo`` touching ``[start, end)``, in time order.

    What the API answers and what the web pages may call directly.
    """
    from django.db.models import Q

    stored = Annotation.objects.filter(slo=slo, at__lt=end).filter(
        Q(ends_at__isnull=True, at__gte=start) | Q(ends_at__gt=start)
    )
    out = [_out(row, slo) for row in stored]
    for move in LifecycleTransition.objects.filter(slo=slo, at__gte=start, at__lt=end):
        out.append(
            {
                "id": f"lifecycle:{move.pk}",
                "slo": slo.name,
                "kind": AnnotationKind.LIFECYCLE,
                "at": move.at,
                "ends_at": None,
                "text": f"{move.from_state or '—'} → {move.to_state}"
                + (f": {move.reason}" if move.reason else ""),
                "link": "",
                "author": move.actor.get_username() if move.actor_id else "",
                "detail": {"from": move.from_state, "to": move.to_state},
            }
        )
    lo, hi = int(start.timestamp()), int(end.timestamp())
    for s, e, silence in windows(applying_to(slo, lo, hi), lo, hi):
        if silence.kind != SilenceKind.MAINTENANCE:
            continue
        out.append(
            {
                "id": f"maintenance:{silence.pk}:{s}",
                "slo": slo.name,
                "kind": AnnotationKind.MAINTENANCE,
                "at": datetime.fromtimestamp(s, UTC),
                "ends_at": datetime.fromtimestamp(e, UTC),
                "text": silence.reason or "maintenance",
                "link": "",
                "author": "",
                "detail": {
                    "silence": silence.pk,
                    "exclude_from_budget": silence.exclude_from_budget,
                    "rrule": silence.rrule,
                },
            }
        )
    out.sort(key=lambda a: (a["at"], a["id"]))
    return out


@router.get("", response=AnnotationList, summary="Annotations of one SLO over a time range")
def list_annotations(request: HttpRequest, query: Query[AnnotationQuery]) -> dict[str, Any]:
    if not can_view(request.auth):
        raise ApiError(403, "forbidden", "Your account has no role in ekkyo.")
    slo = _slo(query.slo)
    now = timezone.now()
    problems = []
    for field, value in (("from", query.start), ("to", query.end)):
        if value is not None and value.tzinfo is None:
            problems.append({"field": field, "message": "needs a time zone (Z or an offset)"})
    if problems:
        raise ApiError(422, "invalid_request", "The request is not valid.", problems)
    end = query.end or now
    start = query.start or end - DEFAULT_SPAN
    if end <= start or end - start > MAX_SPAN:
        raise ApiError(
            422,
            "invalid_request",
            "The request is not valid.",
            [{"field": "from", "message": f"from must be before to, at most {MAX_SPAN.days} days"}],
        )
    return {
        "slo": slo.name,
        "from": start,
        "to": end,
        "annotations": annotations_for(slo, start, end),
    }
