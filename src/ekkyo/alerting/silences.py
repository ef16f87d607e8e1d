"""Which silences and maintenance windows apply to an SLO, now or over a range.

A silence of an SLO, of its service or of its team applies to the SLO.  Muting is read by
:func:`ekkyo.alerting.state.process` each tick; :func:`budget_mask` is what the worker
applies to an SLO's minutes before evaluating, when maintenance windows are excluded
from the budget (docs/alerting.md, "Maintenance and the error budget").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from ekkyo.alerting.models import Silence, SilenceKind
from ekkyo.alerting.windows import BoolArray, WindowError, WindowSpec, minute_mask, occurrences
from ekkyo.catalog.models import SLO

log = logging.getLogger(__name__)


def _aware(value: datetime | int) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(int(value), UTC)


def applying_to(slo: SLO, start: datetime | int, end: datetime | int) -> QuerySet[Silence]:
    """Silences of ``slo`` (or its service or team) that may have occurrences in the range."""
    team_id = slo.service.team_id
    return Silence.objects.filter(
        Q(slo_id=slo.pk) | Q(service_id=slo.service_id) | Q(team_id=team_id),
        starts_at__lt=_aware(end),
    ).filter(Q(rrule="", ends_at__gt=_aware(start)) | ~Q(rrule=""))


def windows(
    silences: Iterable[Silence], start: int, end: int, *, budget_only: bool = False
) -> list[tuple[int, int, Silence]]:
    """Occurrences ``(start, end, silence)`` overlapping ``[start, end)``, in time order."""
    out: list[tuple[int, int, Silence]] = []
    for silence in silences:
        if budget_only and not (
            silence.kind == SilenceKind.MAINTENANCE and silence.exclude_from_budget
        ):
            continue
        try:
            found = occurrences(silence.window(), start, end)
        except WindowError as exc:
            # Saved before validation existed, or edited in the database: skip, say so.
            log.warning("alerting: silence %s is unusable: %s", silence.pk, exc)
            continue
        out.extend((s, e, silence) for s, e in found)
    return sorted(out, key=lambda w: (w[0], w[1], w[2].pk))


def is_muted(slo: SLO, now: datetime | int) -> bool:
    """Whether a silence or maintenance window covers ``now`` for ``slo``."""
    at = int(_aware(now).timestamp())
    return bool(windows(applying_to(slo, at, at + 1), at, at + 1))


def budget_windows(slo: SLO, start: int, end: int) -> list[tuple[int, int]]:
    """Maintenance windows excluded from the budget, overlapping ``[start, end)``."""
    found = windows(applying_to(slo, start, end), start, end, budget_only=True)
    return [(s, e) for s, e, _ in found]


def budget_mask(slo: SLO, start: int, n: int) -> BoolArray:
    """Per-minute mask of ``n`` minutes from ``start``: True where maintenance excludes data.

    The worker applies it with :func:`ekkyo.alerting.windows.apply_mask` before evaluating.
    """
    return minute_mask(budget_windows(slo, start, start + 60 * n), start, n)


def budget_specs(slo_ids: Sequence[int]) -> dict[int, tuple[WindowSpec, ...]]:
    """Maintenance windows excluded from the budget, per SLO of ``slo_ids`` (the worker's
    view, for every held SLO each tick).

    One query when there are none (the usual case); otherwise one more to find the SLOs
    of services and teams the windows name.  The specs are hashable, so a change of any
    window (added, edited, deleted) changes an SLO's tuple and the worker reloads it.
    """
    rows = list(
        Silence.objects.filter(kind=SilenceKind.MAINTENANCE, exclude_from_budget=True).order_by(
            "pk"
        )
    )
    if not rows or not len(slo_ids):
        return {}
    wanted = set(slo_ids)
    services = {s.service_id for s in rows if s.service_id is not None}
    teams = {s.team_id for s in rows if s.team_id is not None}
    scope: dict[int, tuple[int | None, int | None]] = {}
    if services or teams:
        found = SLO.objects.filter(
            Q(service_id__in=services) | Q(service__team_id__in=teams)
        ).values_list("id", "service_id", "service__team_id")
        for slo_id, service_id, team_id in found:
            if slo_id in wanted:
                scope[slo_id] = (service_id, team_id)
    out: dict[int, list[WindowSpec]] = {}
    for silence in rows:
        try:
            spec = silence.window()
        except WindowError as exc:
            log.warning("alerting: silence %s is unusable: %s", silence.pk, exc)
            continue
        if silence.slo_id is not None:
            targets = [silence.slo_id] if silence.slo_id in wanted else []
        else:
            targets = [
                i
                for i, (service_id, team_id) in scope.items()
                if (silence.service_id is not None and service_id == silence.service_id)
                or (silence.team_id is not None and team_id == silence.team_id)
            ]
        for slo_id in targets:
            out.setdefault(slo_id, []).append(spec)
    return {i: tuple(specs) for i, specs in out.items()}
