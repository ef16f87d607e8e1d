"""What the workshop pages share: loading a workshop, who may edit it, the step bar."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ekkyo.accounts.permissions import can_edit_team
from ekkyo.workshops.models import SLI, Workshop

# The steps of a workshop, in the order the room goes through them.
STEPS = (
    ("record", gettext_lazy("Overview")),
    ("participants", gettext_lazy("Participants")),
    ("context", gettext_lazy("Business context")),
    ("journeys", gettext_lazy("User journeys")),
    ("slis", gettext_lazy("SLIs and targets")),
    ("parking", gettext_lazy("Parking lot and feedback")),
    ("agreement", gettext_lazy("Agreement")),
)


def workshop_or_404(pk: int) -> Workshop:
    return get_object_or_404(Workshop.objects.select_related("service__team"), pk=pk)


def sli_or_404(workshop: Workshop, sli_id: int) -> SLI:
    return get_object_or_404(
        SLI.objects.select_related("journey", "stand_in", "slo"),
        pk=sli_id,
        journey__workshop=workshop,
    )


def can_edit(request: HttpRequest, workshop: Workshop) -> bool:
    return can_edit_team(request.user, workshop.service.team)


def require_team(request: HttpRequest, team: Any) -> None:
    if not can_edit_team(request.user, team):
        raise PermissionDenied(_("Only members of the product's team and admins can do this."))


def require_edit(request: HttpRequest, workshop: Workshop) -> None:
    require_team(request, workshop.service.team)


def step_page(
    request: HttpRequest,
    workshop: Workshop,
    step: str,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    base = {
        "workshop": workshop,
        "steps": STEPS,
        "step": step,
        "can_edit": can_edit(request, workshop),
        "locked": workshop.agreed_at is not None,
    }
    return render(request, template, {**base, **context}, status=status)
