"""``/org/teams/<slug>/scorecard``: the computed scorecard, its trend, and the manual
maturity assessment beside it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ekkyo.accounts.permissions import can_edit_team, is_admin
from ekkyo.teams import services
from ekkyo.teams.forms import MaturityForm
from ekkyo.teams.svg import trend
from ekkyo.teams.views.common import forbidden, language, team_or_404
from ekkyo.web.views.common import json_twin, page, wants_json


@page
def scorecard(request: HttpRequest, slug: str, as_json: bool = False) -> HttpResponse:
    team = team_or_404(slug)
    data = services.scorecard_data(team, timezone.now())
    if as_json or wants_json(request):
        return json_twin(data)
    t = data["thresholds"]
    points = [(p["week"], p["score"]) for p in data["trend"]]
    chart = (
        trend(
            points,
            practising=t["practising_min"],
            self_sufficient=t["self_sufficient_min"],
            label=_("Score per week"),
        )
        if points
        else ""
    )
    items, levels = services.maturity_scale()
    return render(
        request,
        "teams/scorecard.html",
        {
            "team": team,
            "data": data,
            "chart": chart,
            "can_edit": can_edit_team(request.user, team),
            "is_admin": is_admin(request.user),
            "levels": levels,
            "items": items,
        },
    )


@page
def maturity(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_or_404(slug)
    items, levels = services.maturity_scale()
    can_edit = can_edit_team(request.user, team)
    form = MaturityForm(
        request.POST or None,
        items=items,
        levels=levels,
        language=language(),
        initial={"assessed_on": timezone.localdate()},
    )
    if request.method == "POST":
        if not can_edit:
            return forbidden(request)
        if form.is_valid():
            services.record_maturity(
                team,
                assessed_on=form.cleaned_data["assessed_on"],
                notes=form.cleaned_data["notes"],
                ratings=form.ratings(),
                actor=request.user,
            )
            messages.success(request, _("Assessment recorded."))
            return redirect("teams:scorecard", slug=team.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "teams/maturity.html",
        {"team": team, "form": form, "can_edit": can_edit, "levels": levels},
        status=status,
    )
