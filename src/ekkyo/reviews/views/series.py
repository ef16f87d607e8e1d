"""``/reviews/``: the series, one series' page, creating and editing one, new sessions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ekkyo.accounts.permissions import editable_team_ids
from ekkyo.catalog.services import audit
from ekkyo.reviews import services
from ekkyo.reviews.agenda import counts
from ekkyo.reviews.cadence import CadenceError, rotation, upcoming
from ekkyo.reviews.collect import series_slos
from ekkyo.reviews.forms import SeriesForm
from ekkyo.reviews.models import DashboardLink, ReviewSeries, SessionStatus
from ekkyo.reviews.permissions import can_create_series, can_edit_series
from ekkyo.reviews.views.common import forbidden, series_or_404, team_slugs
from ekkyo.web.views.common import json_twin, page, wants_json

UPCOMING = 5


@page
def index(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    now = timezone.now()
    rows = []
    for series in ReviewSeries.objects.filter(archived=False).prefetch_related("teams"):
        next_session = (
            series.sessions.filter(starts_at__gte=now - series.duration)
            .exclude(status=SessionStatus.CANCELLED)
            .order_by("starts_at")
            .first()
        )
        try:
            slot = upcoming(series.cadence(), now, 1)
        except CadenceError:
            slot = []
        rows.append({"series": series, "session": next_session, "slot": slot[0] if slot else None})
    if as_json or wants_json(request):
        return json_twin(
            {
                "series": [
                    {
                        "slug": r["series"].slug,
                        "name": r["series"].name,
                        "teams": team_slugs(r["series"]),
                        "next_session": r["session"].pk if r["session"] else None,
                        "next_slot": r["slot"].isoformat() if r["slot"] else None,
                    }
                    for r in rows
                ]
            }
        )
    return render(
        request,
        "reviews/index.html",
        {"rows": rows, "can_create": can_create_series(request.user)},
    )


def _save(form: SeriesForm, request: HttpRequest, created: bool) -> ReviewSeries:
    with transaction.atomic():
        series = form.save(commit=False)
        if created:
            series.created_by = request.user
        series.save()
        form.save_m2m()
        series.links.all().delete()
        for position, (title, url) in enumerate(form.cleaned_data["dashboards"]):
            DashboardLink.objects.create(series=series, title=title, url=url, position=position)
        audit(
            "review.series." + ("create" if created else "update"),
            "ReviewSeries",
            series.slug,
            actor=request.user,
            team=series.teams.first(),
            detail={"rrule": series.rrule, "time_zone": series.time_zone},
        )
    return series


@page
def new(request: HttpRequest) -> HttpResponse:
    if not can_create_series(request.user):
        return forbidden(request)
    editable = editable_team_ids(request.user)
    form = SeriesForm(request.POST or None, editable_teams=editable)
    if request.method == "POST" and form.is_valid():
        series = _save(form, request, created=True)
        messages.success(request, _("The series is set up. Create its first session when ready."))
        return redirect("reviews:series", slug=series.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/series_form.html", {"form": form}, status=status)


@page
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    series = series_or_404(slug)
    if not can_edit_series(request.user, series):
        return forbidden(request)
    editable = editable_team_ids(request.user)
    form = SeriesForm(request.POST or None, instance=series, editable_teams=editable)
    if request.method == "POST" and form.is_valid():
        _save(form, request, created=False)
        messages.success(request, _("Saved."))
        return redirect("reviews:series", slug=series.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reviews/series_form.html", {"form": form, "series": series}, status=status
    )


def _series_json(series: ReviewSeries, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": series.slug,
        "name": series.name,
        "teams": team_slugs(series),
        "rrule": series.rrule,
        "first_starts_at": series.first_starts_at.isoformat(),
        "time_zone": series.time_zone,
        "duration_minutes": series.duration_minutes,
        "language": series.language,
        "location": series.location,
        "slos": [s.name for s in context["slos"]],
        "dashboards": [
            {"title": link.title, "url": link.url, "kind": link.kind} for link in context["links"]
        ],
        "rotate_facilitator": series.rotate_facilitator,
        "upcoming": [
            {"starts_at": s.isoformat(), "facilitator": f} for s, f in context["upcoming"]
        ],
        "sessions": [
            {
                "id": s.pk,
                "starts_at": s.starts_at.isoformat(),
                "status": s.status,
                "facilitator": s.facilitator.get_username() if s.facilitator else None,
                "agenda": counts(s.agenda),
            }
            for s in context["sessions"]
        ],
    }


@page
def detail(request: HttpRequest, slug: str, as_json: bool = False) -> HttpResponse:
    series = series_or_404(slug)
    now = timezone.now()
    sessions = list(series.sessions.select_related("facilitator").order_by("-starts_at", "-id"))
    try:
        slots = upcoming(series.cadence(), now, UPCOMING)
        cadence_error = ""
    except CadenceError as exc:
        slots, cadence_error = [], str(exc)
    facilitators: list[str] = []
    if series.rotate_facilitator:
        pool = [u.get_username() for u in services.facilitator_candidates(series)]
        history = [
            s.facilitator.get_username()
            for s in reversed(sessions)
            if s.facilitator and s.status != SessionStatus.CANCELLED
        ]
        facilitators = rotation(pool, history, len(slots))
    context = {
        "series": series,
        "sessions": sessions,
        "links": list(series.links.all()),
        "slos": list(series_slos(series)),
        "upcoming": [
            (slot, facilitators[i] if i < len(facilitators) else None)
            for i, slot in enumerate(slots)
        ],
        "cadence_error": cadence_error,
        "can_edit": can_edit_series(request.user, series),
        "feed_url": request.build_absolute_uri(
            reverse("reviews:feed", args=[series.slug]) + f"?key={series.feed_key}"
        ),
    }
    if as_json or wants_json(request):
        return json_twin(_series_json(series, context))
    return render(request, "reviews/series.html", context)


@require_POST
@page
def create_session(request: HttpRequest, slug: str) -> HttpResponse:
    series = series_or_404(slug)
    if not can_edit_series(request.user, series):
        return forbidden(request)
    try:
        session = services.create_session(series, now=timezone.now(), actor=request.user)
    except services.ReviewError as exc:
        messages.error(request, _("No session was created: %(reason)s") % {"reason": exc})
        return redirect("reviews:series", slug=series.slug)
    messages.success(request, _("The session is planned and its agenda is ready."))
    return redirect("reviews:session", pk=session.pk)
