"""Critical user journeys, the SLI menu per journey, and each SLI's implementation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ekkyo.web.views.common import page
from ekkyo.workshops import openslo
from ekkyo.workshops.forms import ImplementationForm, JourneyForm, SliMenuForm
from ekkyo.workshops.models import SLI, DataSourceType, Journey, SliKind
from ekkyo.workshops.sli_types import TEMPLATES, queries_for
from ekkyo.workshops.views.common import require_edit, sli_or_404, step_page, workshop_or_404


@page
def journeys(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    form = JourneyForm(request.POST or None)
    if request.method == "POST":
        require_edit(request, workshop)
        if form.is_valid():
            journey = form.save(commit=False)
            journey.workshop = workshop
            journey.save()
            messages.success(request, _("Journey added. Now pick its SLIs."))
            return redirect("workshops:sli-menu", pk=workshop.pk, journey_id=journey.pk)
    status = 400 if request.method == "POST" else 200
    items = list(workshop.journeys.prefetch_related("slis"))
    return step_page(
        request,
        workshop,
        "journeys",
        "workshops/journeys.html",
        {"form": form, "journeys": items},
        status,
    )


@page
def journey_edit(request: HttpRequest, pk: int, journey_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    journey = get_object_or_404(Journey, pk=journey_id, workshop=workshop)
    form = JourneyForm(request.POST or None, instance=journey)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("workshops:journeys", pk=workshop.pk)
    status = 400 if request.method == "POST" else 200
    return step_page(
        request,
        workshop,
        "journeys",
        "workshops/journey_edit.html",
        {"form": form, "journey": journey},
        status,
    )


@require_POST
@page
def journey_delete(request: HttpRequest, pk: int, journey_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    journey = get_object_or_404(Journey, pk=journey_id, workshop=workshop)
    if journey.slis.filter(slo__isnull=False).exists():
        messages.error(request, _("This journey has agreed SLOs and stays in the record."))
    else:
        journey.delete()
    return redirect("workshops:journeys", pk=workshop.pk)


@page
def sli_menu(request: HttpRequest, pk: int, journey_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    journey = get_object_or_404(Journey, pk=journey_id, workshop=workshop)
    form = SliMenuForm(request.POST or None)
    if request.method == "POST":
        require_edit(request, workshop)
        if form.is_valid():
            created = []
            for sli_type, specification in form.picked():
                template = TEMPLATES[sli_type]
                created.append(
                    SLI.objects.create(
                        journey=journey,
                        sli_type=sli_type,
                        specification=specification,
                        kind=template.kind,
                        op=template.op,
                        value=template.value,
                        failure_modes=str(template.misses),
                        slo_name=openslo.slo_name(workshop.service.name, sli_type),
                    )
                )
            messages.success(request, _("SLIs added. Now say how each is measured."))
            return redirect("workshops:sli", pk=workshop.pk, sli_id=created[0].pk)
    status = 400 if request.method == "POST" else 200
    return step_page(
        request,
        workshop,
        "journeys",
        "workshops/sli_menu.html",
        {"form": form, "journey": journey},
        status,
    )


@page
def sli_detail(request: HttpRequest, pk: int, sli_id: int) -> HttpResponse:
    """The SLI's implementation: a concrete ratio or threshold on a data source."""
    workshop = workshop_or_404(pk)
    sli = sli_or_404(workshop, sli_id)
    if request.method == "POST":
        require_edit(request, workshop)
        if sli.slo_id is not None:
            raise PermissionDenied(
                _("This SLI is an SLO in the catalog now: change it with a trial review.")
            )
        form = ImplementationForm(request.POST, instance=sli)
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved. Now explore a target on its history."))
            return redirect("workshops:explore", pk=workshop.pk, sli_id=sli.pk)
        status = 400
    else:
        initial = {}
        source = request.GET.get("template", "")
        if source in DataSourceType.values:
            # Fill the form (unsaved) with this type's queries for the chosen source.
            initial = {"source": source, **queries_for(sli.sli_type, source, workshop.service.name)}
            if TEMPLATES[sli.sli_type].kind == SliKind.THRESHOLD:
                initial["kind"] = SliKind.THRESHOLD
        form = ImplementationForm(instance=sli, initial=initial)
        status = 200
    return step_page(
        request,
        workshop,
        "slis",
        "workshops/sli.html",
        {
            "form": form,
            "sli": sli,
            "template": TEMPLATES[sli.sli_type],
            "sources": DataSourceType.choices,
        },
        status,
    )


@require_POST
@page
def sli_delete(request: HttpRequest, pk: int, sli_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    sli = sli_or_404(workshop, sli_id)
    if sli.slo_id is not None:
        messages.error(request, _("This SLI is an SLO in the catalog now and stays in the record."))
    else:
        sli.delete()
    return redirect("workshops:slis", pk=workshop.pk)


@page
def slis(request: HttpRequest, pk: int) -> HttpResponse:
    """Every SLI of the workshop, by journey: the SLI step's overview."""
    workshop = workshop_or_404(pk)
    items = list(workshop.journeys.prefetch_related("slis__stand_in", "slis__slo"))
    return step_page(request, workshop, "slis", "workshops/slis.html", {"journeys": items})
