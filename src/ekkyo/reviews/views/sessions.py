"""``/reviews/sessions/<id>``: a session, its session mode, capture, attendance, minutes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import retarget

from ekkyo.reviews import minutes, services
from ekkyo.reviews.collect import series_slos
from ekkyo.reviews.forms import ACTION, AttendanceForm, CaptureForm, FacilitatorForm
from ekkyo.reviews.models import TOPIC_KINDS, ReviewSession, SessionStatus
from ekkyo.reviews.permissions import can_edit_series
from ekkyo.reviews.presenters import notes_by_topic, session_items, session_json, steps_of
from ekkyo.reviews.views.common import forbidden, session_or_404
from ekkyo.web.views.common import json_twin, page, wants_json


def _context(request: HttpRequest, session: ReviewSession) -> dict[str, Any]:
    series = session.series
    can_edit = can_edit_series(request.user, series)
    entries = list(session.entries.select_related("slo").order_by("created_at", "id"))
    slos = series_slos(series)
    return {
        "session": session,
        "series": series,
        "steps": steps_of(session),
        "items": list(session_items(session)),
        "raised": list(session.raised_items.select_related("team", "owner", "slo")),
        "notes": notes_by_topic(entries),
        "topics": [e for e in entries if e.kind in TOPIC_KINDS],
        "attendance": list(session.attendance.select_related("user", "team")),
        "can_edit": can_edit,
        "capture": CaptureForm(series, slos=slos) if can_edit else None,
        "attendance_form": AttendanceForm(
            initial={"attendees": [a.user for a in session.attendance.select_related("user")]}
        )
        if can_edit
        else None,
        "candidates": services.facilitator_candidates(series),
        "statuses": SessionStatus.choices,
        "chart_days": 7,
    }


@page
def detail(request: HttpRequest, pk: int, as_json: bool = False) -> HttpResponse:
    session = session_or_404(pk)
    if as_json or wants_json(request):
        return json_twin(session_json(session))
    return render(request, "reviews/session.html", _context(request, session))


@page
def present(request: HttpRequest, pk: int) -> HttpResponse:
    """Session mode: one topic at a time, large type, keyboard navigation."""
    session = session_or_404(pk)
    context = _context(request, session)
    context["labels"] = {
        "position": _("%(n)s / %(total)s"),
        "remaining": _("Budget remaining"),
        "even": _("Even spending"),
        "sli": _("SLI"),
        "target": _("Target"),
        "failed": _("The chart could not be loaded."),
    }
    return render(request, "reviews/present.html", context)


def _editable(request: HttpRequest, pk: int) -> tuple[ReviewSession, HttpResponse | None]:
    session = session_or_404(pk)
    if not can_edit_series(request.user, session.series):
        return session, forbidden(request)
    return session, None


@require_POST
@page
def regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    session, refused = _editable(request, pk)
    if refused:
        return refused
    services.generate_agenda(session, timezone.now())
    messages.success(request, _("The agenda was generated again from the latest numbers."))
    return redirect("reviews:session", pk=session.pk)


@require_POST
@page
def capture(request: HttpRequest, pk: int) -> HttpResponse:
    """A note, finding, topic or action item; htmx gets the new line, others a redirect."""
    session, refused = _editable(request, pk)
    if refused:
        return refused
    form = CaptureForm(session.series, request.POST, slos=series_slos(session.series))
    if not form.is_valid():
        if request.htmx:
            response = render(request, "reviews/_capture_errors.html", {"form": form})
            return retarget(response, "#capture-errors")
        return render(request, "reviews/_capture_errors.html", {"form": form}, status=400)
    data = form.cleaned_data
    now = timezone.now()
    if data["kind"] == ACTION:
        item = services.open_item(
            title=data["text"][:300],
            details=data["text"] if len(data["text"]) > 300 else "",
            team=data["team"],
            owner=data.get("owner"),
            due_on=data.get("due_on"),
            slo=data.get("slo"),
            alert_ref=data.get("alert_ref") or "",
            external_url=data.get("external_url") or "",
            actor=request.user,
            now=now,
            session=session,
        )
        context: dict[str, Any] = {"item": item}
    else:
        entry = services.add_entry(
            session,
            kind=data["kind"],
            text=data["text"],
            topic=data.get("topic") or "",
            slo=data.get("slo"),
            actor=request.user,
            now=now,
        )
        context = {"entry": entry}
    if request.htmx:
        return render(request, "reviews/_captured.html", context)
    messages.success(request, _("Captured."))
    return redirect("reviews:session", pk=session.pk)


@require_POST
@page
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session, refused = _editable(request, pk)
    if refused:
        return refused
    form = AttendanceForm(request.POST)
    if form.is_valid():
        services.record_attendance(session, form.cleaned_data["attendees"])
        messages.success(request, _("Attendance saved."))
    return redirect("reviews:session", pk=session.pk)


@require_POST
@page
def facilitator(request: HttpRequest, pk: int) -> HttpResponse:
    session, refused = _editable(request, pk)
    if refused:
        return refused
    form = FacilitatorForm(request.POST)
    if form.is_valid():
        services.set_facilitator(session, form.cleaned_data["facilitator"], now=timezone.now())
        messages.success(request, _("Facilitator saved."))
    return redirect("reviews:session", pk=session.pk)


@require_POST
@page
def status(request: HttpRequest, pk: int) -> HttpResponse:
    session, refused = _editable(request, pk)
    if refused:
        return refused
    value = request.POST.get("status", "")
    if value not in SessionStatus.values:
        return HttpResponse(_("Unknown status."), status=400, content_type="text/plain")
    services.set_status(session, value, now=timezone.now())
    summary = request.POST.get("summary")
    if summary is not None:
        session.summary = summary.strip()[:4000]
        session.save(update_fields=["summary"])
    return redirect("reviews:session", pk=session.pk)


@page
def minutes_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes as a page, in the session's language."""
    session = session_or_404(pk)
    zone = minutes.zone(session.series.time_zone)
    with translation.override(session.language), timezone.override(zone):
        context = minutes.context(session)
        return render(request, "reviews/minutes.html", context)


@page
def minutes_markdown(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_or_404(pk)
    text = minutes.markdown(session)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    name = f"{session.series.slug}-{session.starts_at:%Y%m%d}.md"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
