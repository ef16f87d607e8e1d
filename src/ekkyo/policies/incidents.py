"""Incidents from the alert history, and the share of the error budget each one used.

An incident is a maximal run of time in which any burn-rate alert of one SLO objective
was firing (``ekkyo.alerting``'s ``AlertTransition`` rows: from a ``firing`` change to the
``resolved`` one of the same episode, or up to the end of the range while it still
fires).  Its budget share is the bad events inside it over the events the budget allows
in the SLO window (SLO_MATH.md's ``allowed_bad``), counted by the engine
(:func:`ekkyo.engine.history.window_counts`), so it adds up with ``consumed_ratio``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from ekkyo.engine import Objective, Series
from ekkyo.engine.history import window_counts
from ekkyo.policies.evaluate import Incident, Interval, merge

#: How far before a range an alert may have started firing and still matter.
LOOK_BEHIND = timedelta(days=35)


def _s(value: datetime) -> int:
    return int(value.timestamp())


def alert_intervals(
    slo_ids: Sequence[int], start: int, end: int
) -> dict[tuple[int, int], list[Interval]]:
    """Merged firing intervals per ``(slo id, objective index)``, clipped to the range."""
    from ekkyo.alerting.models import AlertTransition, TransitionKind

    rows = (
        AlertTransition.objects.filter(
            slo_id__in=list(slo_ids),
            kind__in=[TransitionKind.FIRING, TransitionKind.RESOLVED],
            at__lt=datetime.fromtimestamp(end, UTC),
            at__gte=datetime.fromtimestamp(start, UTC) - LOOK_BEHIND,
        )
        .order_by("at", "id")
        .values_list("slo_id", "state__objective_index", "state_id", "episode", "kind", "at")
    )
    episodes: dict[tuple[int, int, int, int], list[int | None]] = {}
    for slo_id, index, state_id, episode, kind, at in rows:
        key = (slo_id, index, state_id, episode)
        if kind == TransitionKind.FIRING:
            episodes.setdefault(key, [_s(at), None])
        elif key in episodes:
            episodes[key][1] = _s(at)
    grouped: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for (slo_id, index, _state, _episode), (first, last) in episodes.items():
        assert first is not None
        s, e = max(first, start), min(last if last is not None else end, end)
        if e > s:
            grouped.setdefault((slo_id, index), []).append((s, e))
    return {key: merge(spans) for key, spans in grouped.items()}


def budget_shares(
    series: Series, objective: Objective, intervals: Iterable[Interval], allowed_bad: float
) -> list[Incident]:
    """Each interval as an :class:`Incident` with the share of ``allowed_bad`` it used."""
    spans = list(intervals)
    if not spans or not allowed_bad > 0:
        return []
    starts = np.array([(i.start // 60) * 60 for i in spans], dtype=np.int64)
    # An interval's end is an evaluation time, on a minute boundary; round up to be safe.
    ends = np.array([-(-i.end // 60) * 60 for i in spans], dtype=np.int64)
    good, total = window_counts(series, objective, starts, ends)
    bad = total - good
    return [
        Incident(i.start, i.end, float(b) / allowed_bad) for i, b in zip(spans, bad, strict=True)
    ]
