"""Trial operation: the trials ending soon, and the review that decides each one."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ekkyo.accounts.permissions import can_edit_team, editable_team_ids
from ekkyo.catalog.models import SLO, Lifecycle
from ekkyo.web.views.common import json_twin, page, wants_json
from ekkyo.workshops import services
from ekkyo.workshops.forms import TrialReviewForm
from ekkyo.workshops.models import SLI
from ekkyo.workshops.views.common import require_team

SOON_DAYS = 14


@page
def trials(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    slos = list(
        SLO.objects.filter(lifecycle=Lifecycle.TRIAL)
        .select_related("service__team")
        .order_by(F("trial_ends_on").asc(nulls_last=True), "name")
    )
    origin = {
        s.slo_id: s for s in SLI.objects.filter(slo__in=slos).select_related("journey__workshop")
    }
    team_ids = editable_team_ids(request.user)
    rows = []
    for slo in slos:
        ends = slo.trial_ends_on
        left = (ends - today).days if ends else None
        rows.append(
            {
                "slo": slo,
                "ends_on": ends,
                "days_left": left,
                "state": "overdue"
                if left is not None and left < 0
                else "soon"
                if left is not None and left <= SOON_DAYS
                else "later",
                "workshop": origin[slo.pk].journey.workshop if slo.pk in origin else None,
                "target": services.current_target(slo),
                "can_review": team_ids is None or slo.service.team_id in team_ids,
            }
        )
    if wants_json(request):
        return json_twin(
            {
                "today": today.isoformat(),
                "trials": [
                    {
                        "slo": r["slo"].name,
                        "team": r["slo"].service.team.slug,
                        "product": r["slo"].service.name,
                        "target": r["target"],
                        "trial_ends_on": r["ends_on"].isoformat() if r["ends_on"] else None,
                        "days_left": r["days_left"],
                        "state": r["state"],
                        "workshop": r["workshop"].pk if r["workshop"] else None,
                    }
                    for r in rows
                ],
            }
        )
    return render(request, "workshops/trials.html", {"rows": rows, "soon_days": SOON_DAYS})


@page
def review(request: HttpRequest, name: str) -> HttpResponse:
    slo = get_object_or_404(SLO.objects.select_related("service__team"), name=name)
    reviews = list(slo.trial_reviews.select_related("actor"))
    can_review = can_edit_team(request.user, slo.service.team)
    form = TrialReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_team(request, slo.service.team)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.review_trial(
                    slo,
                    data["decision"],
                    reason=data["reason"],
                    actor=request.user,
                    today=timezone.localdate(),
                    new_target=data.get("new_target"),
                    new_end_on=data.get("new_end_on"),
                )
            except services.AgreementError as exc:
                for problem in exc.problems:
                    form.add_error(None, problem)
                status = 409
            else:
                messages.success(request, _("The trial review is recorded."))
                return redirect("slo", name=slo.name)
        else:
            status = 400
    origin = SLI.objects.filter(slo=slo).select_related("journey__workshop").first()
    return render(
        request,
        "workshops/review.html",
        {
            "slo": slo,
            "form": form,
            "reviews": reviews,
            "can_review": can_review and slo.lifecycle == Lifecycle.TRIAL,
            "origin": origin,
            "target": services.current_target(slo),
        },
        status=status,
    )
