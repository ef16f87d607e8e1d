"""The agreement and its sign-off; the parking lot and feedback."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ekkyo.web.views.common import page
from ekkyo.workshops import services
from ekkyo.workshops.forms import (
    AgreedSliFormSet,
    AgreementForm,
    FeedbackForm,
    ParkingForm,
    SignForm,
)
from ekkyo.workshops.models import SLI, ParkingItem
from ekkyo.workshops.views.common import require_edit, step_page, workshop_or_404


def _agreement_page(request, workshop, form=None, formset=None, sign_form=None, status=200):  # type: ignore[no-untyped-def]
    slis = SLI.objects.filter(journey__workshop=workshop).select_related("journey", "slo")
    return step_page(
        request,
        workshop,
        "agreement",
        "workshops/agreement.html",
        {
            "form": form or AgreementForm(instance=workshop),
            "formset": formset or AgreedSliFormSet(queryset=slis),
            "sign_form": sign_form or SignForm(workshop),
            "problems": services.agreement_problems(workshop),
            "signed": services.sides_signed(workshop),
            "signoffs": list(workshop.signoffs.select_related("participant__user", "recorded_by")),
            "agreed": services.agreed_slis(workshop),
        },
        status,
    )


@page
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    if request.method != "POST":
        return _agreement_page(request, workshop)
    require_edit(request, workshop)
    if workshop.agreed_at is not None:
        messages.error(request, _("The agreement is signed; change its SLOs with a trial review."))
        return redirect("workshops:agreement", pk=workshop.pk)
    slis = SLI.objects.filter(journey__workshop=workshop)
    form = AgreementForm(request.POST, instance=workshop)
    formset = AgreedSliFormSet(request.POST, queryset=slis)
    if not (form.is_valid() and formset.is_valid()):
        return _agreement_page(request, workshop, form, formset, status=400)
    with transaction.atomic():
        changed = form.has_changed() or formset.has_changed()
        form.save()
        formset.save()
        # Signatures are for the agreement as it was: a change asks for them again.
        dropped = workshop.signoffs.all().delete()[0] if changed else 0
    if dropped:
        messages.warning(
            request,
            ngettext(
                "The agreement changed, so %(n)s signature was withdrawn: sign again.",
                "The agreement changed, so %(n)s signatures were withdrawn: sign again.",
                dropped,
            )
            % {"n": dropped},
        )
    else:
        messages.success(request, _("Saved."))
    return redirect("workshops:agreement", pk=workshop.pk)


@require_POST
@page
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    form = SignForm(workshop, request.POST)
    if not form.is_valid():
        return _agreement_page(request, workshop, sign_form=form, status=400)
    try:
        result = services.sign(
            workshop,
            form.cleaned_data["participant"],
            comment=form.cleaned_data["comment"],
            actor=request.user,
            today=timezone.localdate(),
        )
    except services.AgreementError as exc:
        for problem in exc.problems:
            form.add_error(None, problem)
        return _agreement_page(request, workshop, sign_form=form, status=409)
    if result.created:
        messages.success(
            request,
            ngettext(
                "Both sides have signed: %(n)s SLO is now in trial.",
                "Both sides have signed: %(n)s SLOs are now in trial.",
                len(result.created),
            )
            % {"n": len(result.created)},
        )
    else:
        messages.success(request, _("Signed. The other side signs next."))
    return redirect("workshops:agreement", pk=workshop.pk)


@page
def parking(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    parking_form = ParkingForm(request.POST if "question" in request.POST else None)
    feedback_form = FeedbackForm(request.POST if "rating" in request.POST else None)
    status = 200
    if request.method == "POST":
        require_edit(request, workshop)
        for form in (parking_form, feedback_form):
            if form.is_bound:
                if form.is_valid():
                    item = form.save(commit=False)
                    item.workshop = workshop
                    item.save()
                    messages.success(request, _("Saved."))
                    return redirect("workshops:parking", pk=workshop.pk)
                status = 400
        if status == 200:
            status = 400
    return step_page(
        request,
        workshop,
        "parking",
        "workshops/parking.html",
        {
            "parking_form": parking_form,
            "feedback_form": feedback_form,
            "items": list(workshop.parking.all()),
            "feedback": list(workshop.feedback.all()),
        },
        status,
    )


@require_POST
@page
def parking_toggle(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    item = get_object_or_404(ParkingItem, pk=item_id, workshop=workshop)
    item.resolved = not item.resolved
    item.save(update_fields=["resolved"])
    return redirect("workshops:parking", pk=workshop.pk)
