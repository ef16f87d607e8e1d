"""``/org/teams/<slug>/``: a team's Team API, its interactions and notices."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ekkyo.accounts.permissions import can_edit_team
from ekkyo.catalog.models import SLO, Lifecycle
from ekkyo.catalog.services import audit
from ekkyo.teams import notices
from ekkyo.teams.forms import EndInteractionForm, InteractionForm, TeamApiForm
from ekkyo.teams.models import Interaction, Team
from ekkyo.teams.views.common import forbidden, team_or_404
from ekkyo.web.views.common import json_twin, page, wants_json


def _interactions(team: Team) -> list[Interaction]:
    return list(
        Interaction.objects.filter(Q(from_team=team) | Q(to_team=team))
        .select_related("from_team", "to_team")
        .order_by("-starts_on", "-id")
    )


def _interaction_json(i: Interaction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "from": i.from_team.slug,
        "to": i.to_team.slug,
        "mode": i.mode,
        "purpose": i.purpose,
        "starts_on": i.starts_on.isoformat(),
        "expected_end_on": i.expected_end_on.isoformat() if i.expected_end_on else None,
        "ended_on": i.ended_on.isoformat() if i.ended_on else None,
        "embedded_sre": i.embedded_sre,
        "goal": i.goal,
        "reminded_at": i.reminded_at.isoformat() if i.reminded_at else None,
    }


def _context(request: HttpRequest, team: Team, **extra: Any) -> dict[str, Any]:
    today = timezone.localdate()
    interactions = _interactions(team)
    services = list(team.services.order_by("name"))
    slos = list(
        SLO.objects.filter(service__team=team)
        .exclude(lifecycle=Lifecycle.RETIRED)
        .select_related("service")
        .order_by("service__name", "name")
    )
    return {
        "team": team,
        "can_edit": can_edit_team(request.user, team),
        "current": [i for i in interactions if i.is_current(today)],
        "past_or_planned": [i for i in interactions if not i.is_current(today)],
        "services": services,
        "slos": slos,
        "notices": notices.for_team(team),
        "today": today,
        **extra,
    }


@page
def team_api(request: HttpRequest, slug: str, as_json: bool = False) -> HttpResponse:
    team = team_or_404(slug)
    if as_json or wants_json(request):
        ctx = _context(request, team)
        return json_twin(
            {
                "slug": team.slug,
                "name": team.name,
                "topology_type": team.topology_type,
                "sre_engagement": team.sre_engagement,
                "focus": team.focus,
                "provides": team.provided,
                "channel": team.channel,
                "products": [s.name for s in ctx["services"]],
                "slos": [
                    {"name": s.name, "product": s.service.name, "lifecycle": s.lifecycle}
                    for s in ctx["slos"]
                ],
                "interactions": [_interaction_json(i) for i in _interactions(team)],
                "notices": [
                    {
                        "kind": n.kind,
                        "created_at": n.created_at.isoformat(),
                        "text": n.text(request.LANGUAGE_CODE),
                        "link": n.link,
                    }
                    for n in ctx["notices"]
                ],
            }
        )
    return render(request, "teams/team_api.html", _context(request, team))


@page
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_or_404(slug)
    if not can_edit_team(request.user, team):
        return forbidden(request)
    if request.method == "POST":
        form = TeamApiForm(request.POST, instance=team)
        if form.is_valid():
            with transaction.atomic():
                form.save()
                audit(
                    "team.api",
                    "Team",
                    team.slug,
                    actor=request.user,
                    team=team,
                    detail={"changed": form.changed_data},
                )
            messages.success(request, _("Saved."))
            return redirect("teams:team-api", slug=team.slug)
        status = 400
    else:
        form, status = TeamApiForm(instance=team), 200
    return render(request, "teams/team_api_form.html", {"team": team, "form": form}, status=status)


@page
def interaction_new(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_or_404(slug)
    if not can_edit_team(request.user, team):
        return forbidden(request)
    form = InteractionForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            interaction = form.save(commit=False)
            interaction.created_by = request.user
            interaction.save()
            audit(
                "team.interaction",
                "Interaction",
                str(interaction),
                actor=request.user,
                team=team,
                detail=_interaction_json(interaction),
            )
        messages.success(request, _("Interaction recorded."))
        return redirect("teams:team-api", slug=team.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "teams/interaction_form.html", {"team": team, "form": form}, status=status
    )


@page
def interaction_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = team_or_404(slug)
    interaction = get_object_or_404(
        Interaction.objects.filter(Q(from_team=team) | Q(to_team=team)), pk=pk
    )
    if not can_edit_team(request.user, team):
        return forbidden(request)
    old_end = interaction.expected_end_on
    form = InteractionForm(request.POST or None, instance=interaction, team=team)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            changed = form.save(commit=False)
            if changed.expected_end_on != old_end:
                changed.reminded_at = None  # a new end date gets its own reminder
            changed.save()
            audit(
                "team.interaction",
                "Interaction",
                str(changed),
                actor=request.user,
                team=team,
                detail=_interaction_json(changed),
            )
        messages.success(request, _("Saved."))
        return redirect("teams:team-api", slug=team.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "teams/interaction_form.html",
        {"team": team, "form": form, "interaction": interaction},
        status=status,
    )


@require_POST
@page
def interaction_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = team_or_404(slug)
    interaction = get_object_or_404(
        Interaction.objects.filter(Q(from_team=team) | Q(to_team=team)), pk=pk
    )
    if not can_edit_team(request.user, team):
        return forbidden(request)
    form = EndInteractionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date it ended."))
        return redirect("teams:team-api", slug=team.slug)
    with transaction.atomic():
        interaction.ended_on = form.cleaned_data["ended_on"]
        interaction.save(update_fields=["ended_on"])
        audit(
            "team.interaction.end",
            "Interaction",
            str(interaction),
            actor=request.user,
            team=team,
            detail=_interaction_json(interaction),
        )
    messages.success(request, _("The interaction is marked as ended."))
    return redirect("teams:team-api", slug=team.slug)
