"""``/teams/<slug>``: a team, its members, products and SLOs (and its JSON twin)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ekkyo.accounts.permissions import role_of
from ekkyo.teams.models import Membership, Team
from ekkyo.web import portfolio as data
from ekkyo.web.views.common import json_twin, page, wants_json


@page
def team(request: HttpRequest, slug: str, as_json: bool = False) -> HttpResponse:
    team = get_object_or_404(Team, slug=slug)
    memberships = list(
        Membership.objects.filter(team=team).select_related("user").order_by("user__username")
    )
    members = [
        {"user": m.user, "role": role_of(m.user), "joined_at": m.joined_at} for m in memberships
    ]
    result = data.build(data.Filters.from_query(request.GET), team_scope=team)
    if as_json or wants_json(request):
        return json_twin(_as_json(team, members, result))
    return render(
        request,
        "web/team.html",
        {
            "team": team,
            "members": members,
            "portfolio": result,
            "filters": result.filters,
        },
    )


def _as_json(team: Team, members: list[dict[str, Any]], result: data.Portfolio) -> dict[str, Any]:
    return {
        "slug": team.slug,
        "name": team.name,
        "name_ja": team.name_ja,
        "topology_type": team.topology_type,
        "sre_engagement": team.sre_engagement,
        "description": team.description,
        "members": [
            {
                "username": m["user"].get_username(),
                "name": m["user"].get_full_name(),
                "role": m["role"],
            }
            for m in members
        ],
        "portfolio": result.as_json(),
    }
