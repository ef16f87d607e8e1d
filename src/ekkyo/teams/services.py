"""Scorecards and the organisation overview as pages and JSON show them.

One function builds each page's data, and the page, its JSON twin and tests read it, so
they cannot disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse

from ekkyo.catalog.services import audit
from ekkyo.teams.facts import team_facts, thresholds
from ekkyo.teams.models import (
    MaturityAssessment,
    MaturityItem,
    MaturityLevel,
    MaturityRating,
    ScorecardSettings,
    ScorecardSnapshot,
    Team,
    TopologyType,
)
from ekkyo.teams.scorecard import LEVELS, Scorecard, scorecard, week_start
from ekkyo.teams.wording import LEVELS as LEVEL_LABELS
from ekkyo.teams.wording import describe

#: Weeks of history the pages show.
TREND_WEEKS = 26


def team_scorecard(team: Team, now: datetime, row: ScorecardSettings | None = None) -> Scorecard:
    return scorecard(team_facts(team, now, thresholds(row)), thresholds(row))


def trend(team: Team, weeks: int = TREND_WEEKS) -> list[dict[str, Any]]:
    rows = list(ScorecardSnapshot.objects.filter(team=team).order_by("-week_start")[:weeks])[::-1]
    return [
        {
            "week": r.week_start.isoformat(),
            "score": r.score,
            "level": r.level,
            "passed": r.passed,
            "applicable": r.applicable,
        }
        for r in rows
    ]


def scorecard_data(team: Team, now: datetime) -> dict[str, Any]:
    """The scorecard page's JSON twin: the live scorecard, its words, the weekly trend."""
    row = ScorecardSettings.current()
    card = team_scorecard(team, now, row)
    return {
        "team": team.slug,
        "name": team.name,
        "topology_type": team.topology_type,
        "computed_at": now.isoformat(),
        "score": card.score,
        "level": card.level,
        "level_label": str(LEVEL_LABELS[card.level]),
        "passed": card.passed,
        "applicable": card.applicable,
        "checks": [describe(c, team.slug) for c in card.checks],
        "thresholds": settings_dict(row),
        "trend": trend(team),
        "maturity": latest_maturity(team),
    }


def settings_dict(row: ScorecardSettings) -> dict[str, Any]:
    t = thresholds(row)
    return {
        "coverage_min": t.coverage_min,
        "agreed_min": t.agreed_min,
        "active_min": t.active_min,
        "cadence_min": t.cadence_min,
        "self_led_min": t.self_led_min,
        "items_on_time_min": t.items_on_time_min,
        "lookback_days": t.lookback_days,
        "practising_min": t.practising_min,
        "self_sufficient_min": t.self_sufficient_min,
    }


def overview(now: datetime) -> dict[str, Any]:
    """Every stream-aligned team's level, score and checks, with counts per level."""
    row = ScorecardSettings.current()
    teams = list(Team.objects.filter(topology_type=TopologyType.STREAM_ALIGNED).order_by("name"))
    rows = []
    for team in teams:
        card = team_scorecard(team, now, row)
        rows.append(
            {
                "team": team.slug,
                "name": team.name,
                "name_ja": team.name_ja,
                "sre_engagement": team.sre_engagement,
                "score": card.score,
                "level": card.level,
                "level_label": str(LEVEL_LABELS[card.level]),
                "passed": card.passed,
                "applicable": card.applicable,
                "checks": {c.key: c.status for c in card.checks},
                "trend": trend(team),
                "url": reverse("teams:scorecard", args=[team.slug]),
            }
        )
    levels = {level: sum(1 for r in rows if r["level"] == level) for level in LEVELS}
    return {
        "computed_at": now.isoformat(),
        "week": week_start(now.date()).isoformat(),
        "levels": levels,
        "teams": rows,
        "thresholds": settings_dict(row),
    }


@transaction.atomic
def save_thresholds(row: ScorecardSettings, actor: Any, now: datetime) -> None:
    before = settings_dict(ScorecardSettings.current()) if row.pk else {}
    row.updated_at = now
    row.updated_by = actor
    row.save()
    audit(
        "scorecard.thresholds",
        "ScorecardSettings",
        "scorecard",
        actor=actor,
        detail={"before": before, "after": settings_dict(row)},
    )


def maturity_scale() -> tuple[list[MaturityItem], list[MaturityLevel]]:
    return list(MaturityItem.objects.filter(active=True)), list(MaturityLevel.objects.all())


def latest_maturity(team: Team) -> dict[str, Any] | None:
    latest = (
        MaturityAssessment.objects.filter(team=team)
        .select_related("assessed_by")
        .prefetch_related("ratings__item")
        .first()
    )
    if latest is None:
        return None
    ratings = list(latest.ratings.all())
    return {
        "assessed_on": latest.assessed_on.isoformat(),
        "assessed_by": latest.assessed_by.get_username() if latest.assessed_by else "",
        "notes": latest.notes,
        "mean_level": sum(r.level for r in ratings) / len(ratings) if ratings else None,
        "ratings": [
            {
                "item": r.item.key,
                "title": r.item.title,
                "title_ja": r.item.title_ja,
                "level": r.level,
            }
            for r in ratings
        ],
    }


@transaction.atomic
def record_maturity(
    team: Team,
    *,
    assessed_on: Any,
    notes: str,
    ratings: list[tuple[MaturityItem, int]],
    actor: Any,
) -> MaturityAssessment:
    assessment = MaturityAssessment.objects.create(
        team=team, assessed_on=assessed_on, assessed_by=actor, notes=notes
    )
    MaturityRating.objects.bulk_create(
        MaturityRating(assessment=assessment, item=item, level=level) for item, level in ratings
    )
    audit(
        "team.maturity",
        "Team",
        team.slug,
        actor=actor,
        team=team,
        detail={"assessed_on": str(assessed_on), "ratings": {i.key: lv for i, lv in ratings}},
    )
    return assessment
