"""The team map's data: teams and current interactions, laid out, with each team's
products, SLOs, sessions and action items."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse

from ekkyo.catalog.models import SLO, Lifecycle, Service
from ekkyo.teams.graph import Edge, Layout, Node, layout
from ekkyo.teams.models import Interaction, Team

#: The period "sessions held" counts over.
SESSION_DAYS = 90


def current_interactions(today: Any) -> list[Interaction]:
    return list(
        Interaction.objects.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        .filter(starts_on__lte=today)
        .select_related("from_team", "to_team")
        .order_by("id")
    )


def team_layout(teams: list[Team], interactions: list[Interaction]) -> Layout:
    nodes = [Node(t.slug, t.name, t.topology_type) for t in teams]
    edges = [
        Edge(i.pk, i.from_team.slug, i.to_team.slug, i.mode, i.embedded_sre) for i in interactions
    ]
    return layout(nodes, edges)


def _summaries(teams: list[Team], now: datetime) -> dict[int, dict[str, Any]]:
    from ekkyo.reviews.models import OPEN_STATUSES, ActionItem, ReviewSession, SessionStatus
    from ekkyo.worker.models import SLOStatus

    out: dict[int, dict[str, Any]] = {
        t.pk: {
            "products": [],
            "slos": 0,
            "states": Counter(),
            "sessions_held": 0,
            "open_items": 0,
            "overdue_items": 0,
        }
        for t in teams
    }
    for s in Service.objects.filter(team__in=teams).order_by("name"):
        out[s.team_id]["products"].append(s.name)
    live = SLO.objects.filter(service__team__in=teams).exclude(lifecycle=Lifecycle.RETIRED)
    for team_id, n in live.values_list("service__team_id").annotate(n=Count("id")):
        out[team_id]["slos"] = n
    for team_id, state in SLOStatus.objects.filter(slo__in=live).values_list(
        "slo__service__team_id", "state"
    ):
        out[team_id]["states"][state] += 1
    since = now - timedelta(days=SESSION_DAYS)
    held = ReviewSession.objects.filter(status=SessionStatus.HELD, starts_at__gte=since)
    for team_id, n in (
        held.values_list("series__teams").annotate(n=Count("id", distinct=True)).order_by()
    ):
        if team_id in out:
            out[team_id]["sessions_held"] = n
    items = ActionItem.objects.filter(team__in=teams, status__in=OPEN_STATUSES)
    for team_id, n in items.values_list("team_id").annotate(n=Count("id")).order_by():
        out[team_id]["open_items"] = n
    overdue = items.filter(due_on__lt=now.date())
    for team_id, n in overdue.values_list("team_id").annotate(n=Count("id")).order_by():
        out[team_id]["overdue_items"] = n
    return out


def team_map(now: datetime, today: Any) -> dict[str, Any]:
    teams = list(Team.objects.order_by("name"))
    interactions = current_interactions(today)
    placed = team_layout(teams, interactions)
    summaries = _summaries(teams, now)
    by_slug = {t.slug: t for t in teams}
    return {
        "layout": placed,
        "teams": [
            {
                "team": t,
                "slug": t.slug,
                "name": t.name,
                "name_ja": t.name_ja,
                "topology_type": t.topology_type,
                "sre_engagement": t.sre_engagement,
                "products": summaries[t.pk]["products"],
                "slos": summaries[t.pk]["slos"],
                "states": dict(summaries[t.pk]["states"]),
                "sessions_held": summaries[t.pk]["sessions_held"],
                "open_items": summaries[t.pk]["open_items"],
                "overdue_items": summaries[t.pk]["overdue_items"],
                "url": reverse("teams:team-api", args=[t.slug]),
            }
            for t in teams
        ],
        "interactions": [
            {
                "id": i.pk,
                "from": i.from_team.slug,
                "to": i.to_team.slug,
                "from_team": by_slug.get(i.from_team.slug),
                "to_team": by_slug.get(i.to_team.slug),
                "mode": i.mode,
                "mode_label": i.get_mode_display(),
                "purpose": i.purpose,
                "starts_on": i.starts_on.isoformat(),
                "expected_end_on": i.expected_end_on.isoformat() if i.expected_end_on else None,
                "embedded_sre": i.embedded_sre,
                "goal": i.goal,
            }
            for i in interactions
        ],
    }


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    skip = {"team", "from_team", "to_team"}
    return {
        "layout": data["layout"].as_dict(),
        "teams": [{k: v for k, v in t.items() if k not in skip} for t in data["teams"]],
        "interactions": [
            {k: v for k, v in i.items() if k not in skip} for i in data["interactions"]
        ],
    }
