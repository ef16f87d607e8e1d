"""Store an evaluation pass: one :class:`SLOStatus` per objective, in one transaction.

Inside the transaction the worker first re-checks (and on PostgreSQL locks) which SLOs
it still holds and that are still due (:func:`ekkyo.worker.leases.owned`): results for
anything else are dropped, so an SLO is stored at most once per evaluation minute even
when a lease changed hands mid-tick.  Each objective whose state changed also gets a
:class:`StateChange` row: the seam an alert step reads.  Then the stored SLOs are
scheduled for the next minute, and the ones that failed are pushed back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction

from ekkyo.catalog.models import SLO
from ekkyo.worker import leases
from ekkyo.worker.evaluation import Outcome
from ekkyo.worker.models import SLOStatus, StateChange
from ekkyo.worker.status import classify, fastest_burn_rate

_CHUNK = 2000
_UPDATE_FIELDS = [
    "objective",
    "computed_at",
    "state",
    "reason",
    "sli",
    "remaining_ratio",
    "fastest_burn_rate",
    "alerts_firing",
    "result",
]


@dataclass(frozen=True)
class SourceFailure:
    since: dt.datetime
    error: str


@dataclass
class Saved:
    """What one save stored: SLO ids, and the state changes it recorded."""

    stored: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    pushed_back: list[int] = field(default_factory=list)
    changes: list[StateChange] = field(default_factory=list)


def _utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def save(
    owner: str,
    outcome: Outcome,
    due: Iterable[int],
    *,
    now: dt.datetime,
    next_at: dt.datetime,
    retry_at: dt.datetime,
    failing: Mapping[int, SourceFailure] | None = None,
) -> Saved:
    """Store ``outcome``'s results of the ``due`` SLOs that ``owner`` still holds."""
    failing = failing or {}
    due_ids = set(due)
    saved = Saved()
    at = _utc(outcome.at)
    with transaction.atomic():
        mine = leases.owned(owner, due_ids, now)
        saved.dropped = sorted(due_ids - mine)
        ids = sorted(i for i in mine if i in outcome.results)
        previous = _previous_states(ids)
        rows: list[SLOStatus] = []
        for slo_id in ids:
            failure = failing.get(slo_id)
            for obj in outcome.results[slo_id]:
                r = obj.result
                c = classify(
                    r["sli"],
                    r["error_budget"]["remaining_ratio"],
                    r["alerts"],
                    source_failing_since=failure.since if failure else None,
                    source_error=failure.error if failure else "",
                )
                rows.append(
                    SLOStatus(
                        slo_id=slo_id,
                        objective_index=obj.index,
                        objective=obj.name,
                        computed_at=now,
                        state=c.state,
                        reason=c.reason,
                        sli=r["sli"],
                        remaining_ratio=r["error_budget"]["remaining_ratio"],
                        fastest_burn_rate=fastest_burn_rate(r),
                        alerts_firing=len(r["alerts"]),
                        result=r,
                    )
                )
                before = previous.get((slo_id, obj.index), "")
                if before != c.state:
                    saved.changes.append(
                        StateChange(
                            slo_id=slo_id,
                            objective_index=obj.index,
                            objective=obj.name,
                            at=at,
                            from_state=before,
                            to_state=c.state,
                            reason=c.reason,
                        )
                    )
        SLOStatus.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["slo", "objective_index"],
            update_fields=_UPDATE_FIELDS,
        )
        _drop_removed_objectives(ids, outcome)
        StateChange.objects.bulk_create(saved.changes, batch_size=500)
        for part in _chunks(ids):
            SLO.objects.filter(id__in=part).update(next_evaluation_at=next_at)
        saved.stored = ids
        failed = sorted(i for i in mine if i not in outcome.results)
        for part in _chunks(failed):
            SLO.objects.filter(id__in=part).update(next_evaluation_at=retry_at)
        saved.pushed_back = failed
    return saved


def _previous_states(ids: list[int]) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    for part in _chunks(ids):
        rows = SLOStatus.objects.filter(slo_id__in=part).values_list(
            "slo_id", "objective_index", "state"
        )
        out.update(((slo_id, index), state) for slo_id, index, state in rows)
    return out


def _drop_removed_objectives(ids: list[int], outcome: Outcome) -> None:
    """Statuses of objectives a spec change removed (only SLOs reloaded in this pass)."""
    reloaded = [i for i in ids if i in outcome.reloaded]
    stale: list[int] = []
    for part in _chunks(reloaded):
        rows = SLOStatus.objects.filter(slo_id__in=part).values_list(
            "id", "slo_id", "objective_index"
        )
        for pk, slo_id, index in rows:
            if index not in {o.index for o in outcome.results[slo_id]}:
                stale.append(pk)
    for part in _chunks(stale):
        SLOStatus.objects.filter(id__in=part).delete()
