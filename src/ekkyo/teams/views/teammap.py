"""``/org/map``: teams and their interactions as a graph, and what each team holds."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ekkyo.teams import mapdata
from ekkyo.teams.models import InteractionMode, TopologyType
from ekkyo.web.views.common import json_twin, page, wants_json


@page
def team_map(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    now = timezone.now()
    data = mapdata.team_map(now, timezone.localdate(now))
    if as_json or wants_json(request):
        return json_twin(mapdata.as_json(data))
    by_slug = {t["slug"]: t for t in data["teams"]}
    nodes = [(n, by_slug[n.slug]) for n in data["layout"].nodes]
    interactions = {i["id"]: i for i in data["interactions"]}
    edges = [(e, interactions[e.id]) for e in data["layout"].edges]
    return render(
        request,
        "teams/map.html",
        {
            "data": data,
            "layout": data["layout"],
            "nodes": nodes,
            "edges": edges,
            "topology_types": TopologyType.choices,
            "modes": InteractionMode.choices,
        },
    )
