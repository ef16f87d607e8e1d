"""What the session pages show: the agenda as steps, live action items, the JSON twin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from ekkyo.reviews.models import (
    OPEN_STATUSES,
    TOPIC_KINDS,
    ActionItem,
    Entry,
    ReviewSession,
)
from ekkyo.reviews.templatetags.reviews_tags import section_titles

# Sections whose SLOs get charts in session mode, and how many at most per step.
CHART_SECTIONS = ("burned", "at_risk")
MAX_CHARTS = 4


@dataclass
class Step:
    key: str
    title: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)


def session_items(session: ReviewSession) -> QuerySet[ActionItem]:
    """Items a session triages: the open ones of its teams, and those it closed."""
    teams = session.series.teams.all()
    return (
        ActionItem.objects.filter(
            Q(team__in=teams, status__in=OPEN_STATUSES) | Q(closed_in=session)
        )
        .select_related("team", "owner", "slo", "session")
        .order_by("due_on", "created_at", "id")
        .distinct()
    )


def steps_of(session: ReviewSession) -> list[Step]:
    """Opening, the agenda's sections, topics to share, wrap-up: one step each."""
    titles = section_titles()
    steps = [Step("opening", titles["opening"])]
    for section in session.agenda.get("sections") or []:
        kind = str(section.get("kind"))
        entries = list(section.get("entries") or [])
        step = Step(kind, titles.get(kind, kind), entries)
        if kind in CHART_SECTIONS:
            seen = set()
            for e in entries:
                key = (e.get("slo"), e.get("objective_index", 0))
                if key not in seen and len(seen) < MAX_CHARTS:
                    seen.add(key)
                    step.charts.append({"slo": key[0], "objective": key[1]})
        steps.append(step)
    steps.append(Step("topics", titles["topics"]))
    steps.append(Step("wrap_up", titles["wrap_up"]))
    return steps


def notes_by_topic(entries: list[Entry]) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.kind not in TOPIC_KINDS:
            out.setdefault(entry.topic or "", []).append(entry)
    return out


def item_json(item: ActionItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "title": item.title,
        "team": item.team.slug,
        "owner": item.owner.get_username() if item.owner else None,
        "status": item.status,
        "due_on": item.due_on.isoformat() if item.due_on else None,
        "slo": item.slo.name if item.slo else None,
        "alert_ref": item.alert_ref or None,
        "session": item.session_id,
        "external_url": item.external_url or None,
        "created_at": item.created_at.isoformat(),
        "closed_at": item.closed_at.isoformat() if item.closed_at else None,
        "closed_in": item.closed_in_id,
    }


def session_json(session: ReviewSession) -> dict[str, Any]:
    entries = list(session.entries.select_related("slo").order_by("created_at", "id"))
    return {
        "id": session.pk,
        "series": session.series.slug,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "time_zone": session.series.time_zone,
        "status": session.status,
        "language": session.language,
        "facilitator": session.facilitator.get_username() if session.facilitator else None,
        "ice_break": session.ice_break,
        "agenda": session.agenda,
        "attendance": [
            {"username": a.user.get_username(), "team": a.team.slug if a.team else None}
            for a in session.attendance.select_related("user", "team")
        ],
        "entries": [
            {
                "kind": e.kind,
                "topic": e.topic,
                "slo": e.slo.name if e.slo else None,
                "text": e.text,
                "author": e.author_name,
                "created_at": e.created_at.isoformat(),
            }
            for e in entries
        ],
        "raised_items": [
            item_json(i) for i in session.raised_items.select_related("team", "owner", "slo")
        ],
        "closed_items": [
            item_json(i) for i in session.closed_items.select_related("team", "owner", "slo")
        ],
    }
