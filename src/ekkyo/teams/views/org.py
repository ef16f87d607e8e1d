"""``/org/``: the organisation overview of SRE adoption, and the thresholds admins edit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ekkyo.accounts.permissions import is_admin
from ekkyo.teams import services
from ekkyo.teams.forms import ThresholdsForm
from ekkyo.teams.models import ScorecardSettings
from ekkyo.teams.scorecard import CHECKS
from ekkyo.teams.svg import trend
from ekkyo.teams.views.common import forbidden
from ekkyo.teams.wording import LEVELS, TITLES
from ekkyo.web.views.common import json_twin, page, wants_json


@page
def overview(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    data = services.overview(timezone.now())
    if as_json or wants_json(request):
        return json_twin(data)
    t = data["thresholds"]
    for row in data["teams"]:
        points = [(p["week"], p["score"]) for p in row["trend"]]
        row["trend_svg"] = (
            trend(
                points,
                practising=t["practising_min"],
                self_sufficient=t["self_sufficient_min"],
                label=_("Score per week"),
            )
            if points
            else ""
        )
    return render(
        request,
        "teams/overview.html",
        {
            "data": data,
            "check_titles": [(key, TITLES[key]) for key in CHECKS],
            "level_labels": LEVELS,
            "is_admin": is_admin(request.user),
        },
    )


@page
def thresholds(request: HttpRequest) -> HttpResponse:
    row = ScorecardSettings.current()
    admin = is_admin(request.user)
    if request.method == "POST":
        if not admin:
            return forbidden(request, "admin")
        form = ThresholdsForm(request.POST, instance=row)
        if form.is_valid():
            services.save_thresholds(form.save(commit=False), request.user, timezone.now())
            messages.success(request, _("Thresholds saved. Scorecards use them from now on."))
            return redirect("teams:thresholds")
        status = 400
    else:
        form, status = ThresholdsForm(instance=row), 200
    return render(
        request,
        "teams/thresholds.html",
        {"form": form, "can_edit": admin, "row": row},
        status=status,
    )
