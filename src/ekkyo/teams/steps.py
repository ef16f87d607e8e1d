"""The teams' periodic steps for the worker; each returns whether it found work.

* :func:`snapshot_step` — stores each stream-aligned team's scorecard once a week (the
  trend on the scorecard and overview pages);
* :func:`reminder_step` — reminds both teams of an interaction before its expected end,
  once per interaction, as an in-app :class:`~ekkyo.teams.models.Notice` that
  :func:`ekkyo.teams.notices.deliver_due` also sends to the teams' Slack and webhook
  targets.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ekkyo.teams import notices
from ekkyo.teams.facts import team_facts, thresholds
from ekkyo.teams.models import Interaction, ScorecardSnapshot, Team, TopologyType
from ekkyo.teams.scorecard import scorecard, week_start


def _today(now: datetime):  # type: ignore[no-untyped-def]
    return now.astimezone(timezone.get_default_timezone()).date()


def take_snapshot(team: Team, now: datetime) -> ScorecardSnapshot:
    """This week's snapshot of ``team`` (replaced if one exists: the latest numbers win)."""
    card = scorecard(team_facts(team, now), thresholds())
    data = card.as_dict()
    snapshot, _created = ScorecardSnapshot.objects.update_or_create(
        team=team,
        week_start=week_start(_today(now)),
        defaults={
            "taken_at": now,
            "score": card.score,
            "level": card.level,
            "passed": card.passed,
            "applicable": card.applicable,
            "checks": data["checks"],
        },
    )
    return snapshot


def snapshot_step(now: datetime) -> bool:
    """One snapshot per stream-aligned team and week; True when it stored any."""
    week = week_start(_today(now))
    done = set(ScorecardSnapshot.objects.filter(week_start=week).values_list("team_id", flat=True))
    teams = Team.objects.filter(topology_type=TopologyType.STREAM_ALIGNED).exclude(pk__in=done)
    stored = False
    for team in teams:
        card = scorecard(team_facts(team, now), thresholds())
        try:
            with transaction.atomic():
                ScorecardSnapshot.objects.create(
                    team=team,
                    week_start=week,
                    taken_at=now,
                    score=card.score,
                    level=card.level,
                    passed=card.passed,
                    applicable=card.applicable,
                    checks=card.as_dict()["checks"],
                )
        except IntegrityError:
            continue  # another worker stored this team's week first
        stored = True
    return stored


def reminders_due(now: datetime) -> list[Interaction]:
    today = _today(now)
    rows = (
        Interaction.objects.filter(
            ended_on__isnull=True, reminded_at__isnull=True, expected_end_on__isnull=False
        )
        .select_related("from_team", "to_team")
        .order_by("expected_end_on", "id")
    )
    return [
        i
        for i in rows
        if i.expected_end_on is not None
        and i.expected_end_on - timedelta(days=i.remind_days_before) <= today
    ]


def _reminder_text(interaction: Interaction, today) -> str:  # type: ignore[no-untyped-def]
    assert interaction.expected_end_on is not None
    days = (interaction.expected_end_on - today).days
    values = {
        "a": interaction.from_team.name,
        "b": interaction.to_team.name,
        "mode": interaction.get_mode_display(),
        "day": interaction.expected_end_on.isoformat(),
        "days": days,
        "purpose": interaction.purpose,
    }
    if interaction.embedded_sre:
        text = _(
            "The embedded SRE engagement of %(a)s with %(b)s is planned to end on %(day)s "
            "(in %(days)s days). Goal: %(goal)s. Agree on the hand-over, or extend it with "
            "a new end date."
        ) % {**values, "goal": interaction.goal}
    else:
        text = (
            _(
                "The %(mode)s of %(a)s with %(b)s is planned to end on %(day)s (in %(days)s "
                "days). Purpose: %(purpose)s. End it, or extend it with a new end date."
            )
            % values
        )
    if days < 0:
        text = _("Overdue: ") + text
    return text


def reminder_step(now: datetime) -> bool:
    """Write one reminder per interaction nearing its end; True when it wrote any.

    ``reminded_at`` is set by a conditional update first (so two workers never remind
    twice), in the same transaction as the notice.
    """
    today = _today(now)
    wrote = False
    for interaction in reminders_due(now):
        with transaction.atomic():
            claimed = Interaction.objects.filter(
                pk=interaction.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            notice = notices.post(
                f"interaction-ending:{interaction.pk}:{interaction.expected_end_on}",
                "interaction_ending",
                [interaction.from_team, interaction.to_team],
                lambda i=interaction: _reminder_text(i, today),
                now=now,
                link=reverse("teams:team-api", args=[interaction.from_team.slug]),
            )
        wrote = wrote or notice is not None
    return wrote
