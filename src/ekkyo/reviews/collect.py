"""Plain inputs for :mod:`ekkyo.reviews.agenda`, read from the database.

The agenda itself is pure; this module is the adapter.  Alerts and maintenance windows
come from :mod:`ekkyo.alerting` when that app is installed, through the two functions
:func:`alert_inputs` and :func:`window_inputs` — the only places that know its models.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ekkyo.catalog.models import SLO
from ekkyo.reviews import agenda as pure
from ekkyo.reviews.cadence import CadenceError, next_after, zone
from ekkyo.reviews.models import (
    OPEN_STATUSES,
    ActionItem,
    ReviewSeries,
    ReviewSession,
    SessionStatus,
)
from ekkyo.web.objectives import names_and_targets
from ekkyo.worker.models import SLOStatus, State

log = logging.getLogger(__name__)

#: How far back the first session of a series looks.
FIRST_LOOKBACK = timedelta(days=14)
#: How far ahead maintenance is listed when the series has no next session.
DEFAULT_AHEAD = timedelta(days=14)


def series_slos(series: ReviewSeries) -> QuerySet[SLO]:
    """The SLOs the series looks at: those chosen, else every SLO of its teams."""
    chosen = series.slos.all()
    query = chosen if chosen.exists() else SLO.objects.filter(service__team__in=series.teams.all())
    return (
        query.exclude(lifecycle="retired")
        .select_related("service__team")
        .prefetch_related(Prefetch("statuses", queryset=SLOStatus.objects.defer("result")))
        .order_by("name")
    )


def slo_inputs(slos: Iterable[SLO]) -> list[pure.SloInput]:
    """One input per objective, as the portfolio lists them."""
    out = []
    for slo in slos:
        statuses = {s.objective_index: s for s in slo.statuses.all()}
        names = {i: name for i, name, _target in names_and_targets(slo.spec)}
        for i in sorted(set(names) | set(statuses)) or [0]:
            status = statuses.get(i)
            out.append(
                pure.SloInput(
                    slo=slo.name,
                    objective_index=i,
                    objective=names.get(i) or (status.objective if status else ""),
                    display_name=slo.display_name or slo.name,
                    team=slo.service.team.slug,
                    lifecycle=slo.lifecycle,
                    state=status.state if status else State.NO_DATA,
                    remaining_ratio=status.remaining_ratio if status else None,
                    fastest_burn_rate=status.fastest_burn_rate if status else None,
                    trial_ends_on=slo.trial_ends_on,
                )
            )
    return out


def alert_inputs(slos: Sequence[SLO], since: datetime, now: datetime) -> list[pure.AlertInput]:
    """Alerts of ``slos`` that fired since ``since`` or still fire (from ekkyo.alerting)."""
    if not apps.is_installed("ekkyo.alerting") or not slos:
        return []
    from ekkyo.alerting.models import AlertState, AlertTransition, Status, TransitionKind

    fired = list(
        AlertTransition.objects.filter(
            slo__in=slos, kind=TransitionKind.FIRING, at__gte=since, at__lt=now
        ).select_related("slo")
    )
    seen = {(t.state_id, t.episode) for t in fired}
    # Alerts that started firing before `since` and have not resolved are news too.
    for state in AlertState.objects.filter(
        slo__in=slos, status=Status.FIRING, firing_at__lt=since
    ).select_related("slo"):
        if (state.pk, state.episode) in seen:
            continue
        earlier = (
            AlertTransition.objects.filter(
                state=state, episode=state.episode, kind=TransitionKind.FIRING
            )
            .select_related("slo")
            .first()
        )
        if earlier is not None:
            fired.append(earlier)
    episodes = {(t.state_id, t.episode) for t in fired}
    resolved = {
        (r.state_id, r.episode): r.at
        for r in AlertTransition.objects.filter(
            state_id__in={s for s, _e in episodes}, kind=TransitionKind.RESOLVED, at__lt=now
        )
        if (r.state_id, r.episode) in episodes
    }
    out = []
    for t in fired:
        peak = t.burn_rates.get(t.long_window) if isinstance(t.burn_rates, dict) else None
        out.append(
            pure.AlertInput(
                slo=t.slo.name,
                objective=t.objective,
                severity=t.effective_severity or t.severity,
                fired_at=t.at,
                resolved_at=resolved.get((t.state_id, t.episode)),
                peak_burn_rate=float(peak) if isinstance(peak, int | float) else None,
                ref=f"{t.slo.name} {t.long_window}/{t.short_window} {t.severity} "
                f"{t.at.astimezone(UTC):%Y-%m-%d %H:%M}Z",
            )
        )
    return out


def window_inputs(slos: Sequence[SLO], since: datetime, until: datetime) -> list[pure.WindowInput]:
    """Maintenance windows of ``slos`` (their own, their service's or their team's)."""
    if not apps.is_installed("ekkyo.alerting") or not slos or until <= since:
        return []
    from django.db.models import Q

    from ekkyo.alerting import silences
    from ekkyo.alerting.models import Silence, SilenceKind

    rows = (
        Silence.objects.filter(kind=SilenceKind.MAINTENANCE, starts_at__lt=until)
        .filter(
            Q(slo__in=slos)
            | Q(service_id__in={s.service_id for s in slos})
            | Q(team_id__in={s.service.team_id for s in slos})
        )
        .filter(Q(rrule="", ends_at__gt=since) | ~Q(rrule=""))
        .select_related("slo", "service", "team")
    )
    start, end = int(since.timestamp()), int(until.timestamp())
    out = []
    for s, e, row in silences.windows(rows, start, end):
        scope = row.slo or row.service or row.team
        out.append(
            pure.WindowInput(
                scope=getattr(scope, "name", "") or str(scope),
                starts_at=datetime.fromtimestamp(s, UTC),
                ends_at=datetime.fromtimestamp(e, UTC),
                reason=row.reason,
            )
        )
    return out


def item_inputs(team_ids: Iterable[int]) -> list[pure.ItemInput]:
    rows = (
        ActionItem.objects.filter(team_id__in=list(team_ids), status__in=OPEN_STATUSES)
        .select_related("team", "owner")
        .order_by("created_at", "id")
    )
    return [
        pure.ItemInput(
            id=i.pk,
            title=i.title,
            team=i.team.slug,
            status=i.status,
            created_at=i.created_at,
            owner=i.owner.get_username() if i.owner else "",
            due_on=i.due_on,
        )
        for i in rows
    ]


def previous_session(session: ReviewSession) -> ReviewSession | None:
    return (
        ReviewSession.objects.filter(series=session.series_id, starts_at__lt=session.starts_at)
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(pk=session.pk)
        .order_by("-starts_at", "-id")
        .first()
    )


def next_start(session: ReviewSession) -> datetime:
    """When the session after this one starts: the next cadence slot, else two weeks on."""
    try:
        found = next_after(session.series.cadence(), session.starts_at)
    except CadenceError:
        found = None
    return found or session.starts_at + DEFAULT_AHEAD


def build(session: ReviewSession, now: datetime | None = None) -> pure.Agenda:
    """The agenda of ``session`` as of ``now``, from the database (nothing is saved)."""
    now = now or timezone.now()
    series = session.series
    previous = previous_session(session)
    since = previous.starts_at if previous else session.starts_at - FIRST_LOOKBACK
    until = next_start(session)
    slos = list(series_slos(series))
    tz = zone(series.time_zone)
    return pure.build_agenda(
        now=now,
        since=since,
        starts_at=session.starts_at,
        until=until,
        today=session.starts_at.astimezone(tz).date(),
        slos=slo_inputs(slos),
        baseline=pure.baseline_from_dict(previous.agenda) if previous else None,
        alerts=alert_inputs(slos, since, now),
        windows=window_inputs(slos, since, until),
        items=item_inputs(t.pk for t in series.teams.all()),
    )
