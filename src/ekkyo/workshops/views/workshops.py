"""The list of workshops, a new workshop, its record page, basics, participants, context."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ekkyo.accounts.permissions import editable_team_ids
from ekkyo.catalog.services import audit
from ekkyo.web.views.common import json_twin, page, wants_json
from ekkyo.workshops.forms import BasicsForm, ContextForm, ParticipantForm, WorkshopForm
from ekkyo.workshops.models import Participant, Workshop
from ekkyo.workshops.record import as_dict
from ekkyo.workshops.services import sides_signed
from ekkyo.workshops.views.common import require_edit, step_page, workshop_or_404


@page
def workshop_list(request: HttpRequest) -> HttpResponse:
    workshops = list(Workshop.objects.select_related("service__team"))
    if wants_json(request):
        return json_twin(
            {
                "workshops": [
                    {
                        "id": w.pk,
                        "title": w.title,
                        "product": w.service.name,
                        "team": w.service.team.slug,
                        "held_on": w.held_on.isoformat(),
                        "language": w.language,
                        "agreed_at": w.agreed_at.isoformat() if w.agreed_at else None,
                    }
                    for w in workshops
                ]
            }
        )
    team_ids = editable_team_ids(request.user)
    return render(
        request,
        "workshops/list.html",
        {"workshops": workshops, "can_create": team_ids is None or bool(team_ids)},
    )


@page
def workshop_new(request: HttpRequest) -> HttpResponse:
    team_ids = editable_team_ids(request.user)
    if team_ids is not None and not team_ids:
        raise PermissionDenied(_("Only members of a team and admins can start a workshop."))
    initial = {
        "held_on": timezone.localdate(),
        "language": "ja" if (translation.get_language() or "").startswith("ja") else "en",
    }
    form = WorkshopForm(request.POST or None, team_ids=team_ids, initial=initial)
    if request.method == "POST" and form.is_valid():
        workshop = form.save(commit=False)
        workshop.created_by = request.user
        workshop.save()
        audit(
            "workshop.created",
            "Workshop",
            workshop.audit_name,
            actor=request.user,
            team=workshop.service.team,
            detail={"title": workshop.title, "product": workshop.service.name},
        )
        messages.success(request, _("Workshop created. Add who takes part."))
        return redirect("workshops:participants", pk=workshop.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "workshops/new.html", {"form": form}, status=status)


@page
def record(request: HttpRequest, pk: int, as_json: bool = False) -> HttpResponse:
    workshop = workshop_or_404(pk)
    if as_json or wants_json(request):
        return json_twin(as_dict(workshop))
    return step_page(
        request,
        workshop,
        "record",
        "workshops/record.html",
        {"data": as_dict(workshop), "signed": sides_signed(workshop)},
    )


@page
def basics(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    form = BasicsForm(request.POST or None, instance=workshop)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("workshops:record", pk=workshop.pk)
    status = 400 if request.method == "POST" else 200
    return step_page(request, workshop, "record", "workshops/basics.html", {"form": form}, status)


@page
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    form = ParticipantForm(request.POST or None)
    if request.method == "POST":
        require_edit(request, workshop)
        if form.is_valid():
            participant = form.save(commit=False)
            participant.workshop = workshop
            participant.save()
            messages.success(request, _("%(name)s added.") % {"name": participant})
            return redirect("workshops:participants", pk=workshop.pk)
    status = 400 if request.method == "POST" else 200
    people = list(workshop.participants.select_related("user"))
    signed = set(workshop.signoffs.values_list("participant_id", flat=True))
    return step_page(
        request,
        workshop,
        "participants",
        "workshops/participants.html",
        {"form": form, "people": people, "signed_ids": signed},
        status,
    )


@require_POST
@page
def participant_delete(request: HttpRequest, pk: int, participant_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    participant = get_object_or_404(Participant, pk=participant_id, workshop=workshop)
    if workshop.signoffs.filter(participant=participant).exists():
        messages.error(request, _("%(name)s has signed the agreement.") % {"name": participant})
    else:
        participant.delete()
    return redirect("workshops:participants", pk=workshop.pk)


@page
def context(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    form = ContextForm(request.POST or None, instance=workshop)
    if request.method == "POST":
        require_edit(request, workshop)
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("workshops:journeys", pk=workshop.pk)
    status = 400 if request.method == "POST" else 200
    return step_page(request, workshop, "context", "workshops/context.html", {"form": form}, status)
