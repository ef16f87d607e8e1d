"""Store an evaluation pass: one :class:`SLOStatus` per objective, in one transaction.

Statuses are written with ``INSERT … ON CONFLICT DO UPDATE`` (run for every row on SQLite;
on PostgreSQL once, over rows COPYed into a temporary table): through the ORM, building
and preparing 10,000 model instances would take most of a tick.

Inside the transaction the worker first moves the SLOs it still holds and that are still
due to their next minute (the failed ones back by the retry delay) with one conditional
``UPDATE … RETURNING`` (:func:`ekkyo.worker.leases.take_due`), which also extends their
leases: results of anything it did not return are dropped, so an SLO is stored at most
once per evaluation minute even when a lease changed hands mid-tick.  Each objective whose
state changed also gets a :class:`StateChange` row: the seam an alert step reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection, transaction

from ekkyo.worker import leases
from ekkyo.worker.evaluation import Outcome
from ekkyo.worker.models import SLOStatus, StateChange
from ekkyo.worker.status import classify, fastest_burn_rate

_CHUNK = 2000
_COLUMNS = (
    "slo_id",
    "objective_index",
    "objective",
    "computed_at",
    "state",
    "reason",
    "sli",
    "remaining_ratio",
    "fastest_burn_rate",
    "alerts_firing",
    "result",
)


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
    lease_until: dt.datetime,
    failing: Mapping[int, SourceFailure] | None = None,
    states: dict[tuple[int, int], str] | None = None,
) -> Saved:
    """Store ``outcome``'s results of the ``due`` SLOs that ``owner`` still holds.

    ``states`` caches each objective's last stored state across calls (the caller keeps
    it); SLOs loaded in this pass, or missing from it, are read from the database.
    """
    failing = failing or {}
    cache: dict[tuple[int, int], str] = {} if states is None else states
    due_ids = set(due)
    saved = Saved()
    at = _utc(outcome.at)
    new_states: dict[tuple[int, int], str] = {}
    with transaction.atomic():
        evaluated = [i for i in due_ids if i in outcome.results]
        failed = [i for i in due_ids if i not in outcome.results]
        ids = sorted(leases.take_due(owner, evaluated, now, next_at, lease_until))
        saved.pushed_back = sorted(leases.take_due(owner, failed, now, retry_at, lease_until))
        saved.dropped = sorted(due_ids - set(ids) - set(saved.pushed_back))
        unknown = {i for i in ids if i in outcome.reloaded or (i, 0) not in cache}
        from_db = _previous_states(sorted(unknown)) if unknown else {}
        computed_at = connection.ops.adapt_datetimefield_value(now)
        rows: list[tuple[object, ...]] = []
        for slo_id in ids:
            failure = failing.get(slo_id)
            for obj in outcome.results[slo_id]:
                r = obj.result
                remaining = r["error_budget"]["remaining_ratio"]
                c = classify(
                    r["sli"],
                    remaining,
                    r["alerts"],
                    source_failing_since=failure.since if failure else None,
                    source_error=failure.error if failure else "",
                    burn_rates=r["burn_rates"],
                )
                rows.append(
                    (
                        slo_id,
                        obj.index,
                        obj.name,
                        computed_at,
                        c.state,
                        c.reason,
                        r["sli"],
                        remaining,
                        fastest_burn_rate(r),
                        len(r["alerts"]),
                        json.dumps(r),
                    )
                )
                new_states[(slo_id, obj.index)] = c.state
                previous = from_db if slo_id in unknown else cache
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
        _upsert(rows)
        _drop_removed_objectives(ids, outcome)
        StateChange.objects.bulk_create(saved.changes, batch_size=500)
        saved.stored = ids
    if states is not None:
        states.update(new_states)
    return saved


def _upsert(rows: list[tuple[object, ...]]) -> None:
    """Insert or update the status rows (the result as JSON text)."""
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(SLOStatus._meta.db_table)
    columns = ", ".join(q(c) for c in _COLUMNS)
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in _COLUMNS[2:])
    conflict = f"ON CONFLICT ({q('slo_id')}, {q('objective_index')}) DO UPDATE SET {updates}"
    if connection.vendor == "postgresql":
        _upsert_postgresql(rows, table, columns, conflict)
        return
    marks = ", ".join(["%s"] * len(_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks}) {conflict}", rows)


# Rows are copied here first, then upserted with one statement; ON COMMIT DELETE ROWS
# empties it with each transaction.
_STAGE = "worker_slostatus_stage"
_STAGE_COLUMNS = (
    "slo_id bigint, objective_index integer, objective varchar(253), "
    "computed_at timestamptz, state varchar(16), reason varchar(500), "
    "sli double precision, remaining_ratio double precision, "
    "fastest_burn_rate double precision, alerts_firing smallint, result jsonb"
)


def _upsert_postgresql(
    rows: list[tuple[object, ...]], table: str, columns: str, conflict: str
) -> None:
    """COPY into a temporary table, then one ``INSERT … SELECT … ON CONFLICT``.

    Row by row (even pipelined) PostgreSQL plans and runs 10,000 statements a tick; COPY
    streams the rows and one statement applies them, several times faster.
    """
    import psycopg

    connection.ensure_connection()
    # Django's own cursor cannot COPY; psycopg's shares the connection and transaction.
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} ({_STAGE_COLUMNS}) "
            "ON COMMIT DELETE ROWS"
        )
        # Empty it here too: a caller's outer transaction may hold several saves.
        cursor.execute(f"TRUNCATE {_STAGE}")
        with cursor.copy(f"COPY {_STAGE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_STAGE} {conflict}")


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
