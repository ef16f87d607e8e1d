"""Leases: which worker evaluates and pulls which SLO, kept in the database.

A worker owns an SLO while ``SLO.lease_owner`` is its name and ``lease_expires_at`` is in
the future.  It renews its leases every tick; when it dies they expire and another worker
claims them.  Claiming is a single race-free statement pair:

- PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` picks claimable rows no other worker is
  claiming right now, then an ``UPDATE`` takes them, in one transaction;
- SQLite (one writer at a time): a conditional ``UPDATE … WHERE id IN (…) AND (the lease
  is free, expired or mine)``; when its row count is short, another worker took some, and
  the rows actually won are read back.

Every write of results re-checks ownership inside its transaction (:func:`take_due`), so
a worker whose lease expired while it was busy cannot overwrite its successor's work.

Workers also keep a :class:`~ekkyo.worker.models.WorkerHeartbeat`: each claims at most a
fair share (the SLOs over the live workers) and hands back what it holds beyond it, so a
worker that joins gets work without waiting for another to die.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from ekkyo.catalog.models import SLO, Lifecycle
from ekkyo.worker.models import WorkerHeartbeat

# Large IN lists are split: SQLite limits the number of parameters per statement.
_IN_CHUNK = 2000
# Heartbeats of workers gone for this long are deleted.
_FORGET_AFTER = dt.timedelta(days=1)


@dataclass(slots=True)
class Held:
    """An SLO this worker holds, with what a tick needs to know about it (the worker moves
    ``next_evaluation_at`` along as it stores results)."""

    id: int
    name: str
    spec_hash: str
    source_type: str
    next_evaluation_at: dt.datetime


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _IN_CHUNK):
        yield ids[i : i + _IN_CHUNK]


def _claimable(owner: str, now: dt.datetime) -> Q:
    return (
        Q(lease_owner="")
        | Q(lease_owner=owner)
        | Q(lease_expires_at__isnull=True)
        | Q(lease_expires_at__lt=now)
    )


def _active() -> Q:
    return ~Q(lifecycle=Lifecycle.RETIRED)


def claim(owner: str, now: dt.datetime, ttl: dt.timedelta, limit: int) -> list[int]:
    """Lease up to ``limit`` SLOs that nobody holds (or whose lease expired); their ids."""
    if limit <= 0:
        return []
    free = _active() & (
        Q(lease_owner="") | Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    )
    order = ("next_evaluation_at", "id")
    expires = now + ttl
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(
                SLO.objects.select_for_update(skip_locked=True)
                .filter(free)
                .order_by(*order)
                .values_list("id", flat=True)[:limit]
            )
            for part in _chunks(ids):
                SLO.objects.filter(id__in=part).update(lease_owner=owner, lease_expires_at=expires)
        return ids
    candidates = list(
        SLO.objects.filter(free).order_by(*order).values_list("id", flat=True)[:limit]
    )
    if not candidates:
        return []
    with transaction.atomic():
        taken = sum(
            SLO.objects.filter(_claimable(owner, now), id__in=part).update(
                lease_owner=owner, lease_expires_at=expires
            )
            for part in _chunks(candidates)
        )
    if taken == len(candidates):
        return candidates
    # Another worker won some of them between our SELECT and UPDATE: read back ours.
    return [
        i
        for part in _chunks(candidates)
        for i in SLO.objects.filter(id__in=part, lease_owner=owner).values_list("id", flat=True)
    ]


def renew(owner: str, now: dt.datetime, ttl: dt.timedelta) -> int:
    """Extend ``owner``'s leases that end within half a lease; hand back retired SLOs.

    Storing results extends the leases of the SLOs stored (:func:`take_due`), so this
    only touches the others: rewriting every SLO row twice a minute is not free.
    Returns how many leases it extended.
    """
    with transaction.atomic():
        SLO.objects.filter(lease_owner=owner, lifecycle=Lifecycle.RETIRED).update(
            lease_owner="", lease_expires_at=None
        )
        return SLO.objects.filter(lease_owner=owner, lease_expires_at__lt=now + ttl / 2).update(
            lease_expires_at=now + ttl
        )


def held(owner: str, known: Mapping[int, dt.datetime] | None = None) -> list[Held]:
    """The non-retired SLOs ``owner`` holds, by id.

    ``known`` gives the ``next_evaluation_at`` of SLOs the caller already holds (it wrote
    them itself); only the others are read, as parsing thousands of datetimes is slow.
    """
    known = known or {}
    rows = list(
        SLO.objects.filter(_active(), lease_owner=owner)
        .order_by("id")
        .values_list("id", "name", "spec_hash", "source_type")
    )
    missing = [row[0] for row in rows if row[0] not in known]
    due = dict(known)
    for part in _chunks(missing):
        due.update(SLO.objects.filter(id__in=part).values_list("id", "next_evaluation_at"))
    return [Held(*row, due[row[0]]) for row in rows if row[0] in due]


def id_list(ids: Iterable[int]) -> tuple[str, list[Any]]:
    """SQL ``id`` in ``ids`` with a single parameter, however many ids there are.

    A Django ``id__in`` list prepares every value one by one and SQLite caps the number of
    parameters; an array (PostgreSQL) or a JSON list (SQLite's ``json_each``) is one value.
    """
    values = [int(i) for i in ids]
    if connection.vendor == "postgresql":
        return "id = ANY(%s)", [values]
    return "id IN (SELECT value FROM json_each(%s))", [json.dumps(values)]


def take_due(
    owner: str,
    ids: Iterable[int],
    now: dt.datetime,
    when: dt.datetime,
    lease_until: dt.datetime,
) -> set[int]:
    """Move the SLOs of ``ids`` that ``owner`` still holds and that are due at ``now`` to
    ``when``, extend their leases to ``lease_until``; return exactly those.

    One conditional ``UPDATE … RETURNING``: it locks the rows it changes until the
    transaction ends (a claimer's ``SKIP LOCKED`` passes them by) and re-checks the
    conditions on the row it locks, so the ids returned are the SLOs this transaction may
    store, each at most once per evaluation minute.
    """
    where, params = id_list(ids)
    if params[0] in ([], "[]"):
        return set()
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"UPDATE {connection.ops.quote_name(SLO._meta.db_table)} "
        "SET next_evaluation_at = %s, lease_expires_at = %s "
        f"WHERE {where} AND lease_owner = %s AND next_evaluation_at <= %s "
        "AND lifecycle <> %s RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [adapt(when), adapt(lease_until), *params, owner, adapt(now), Lifecycle.RETIRED.value],
        )
        return {row[0] for row in cursor.fetchall()}


def release(owner: str, ids: Iterable[int] | None = None) -> int:
    """Give up ``owner``'s leases on ``ids`` (all of them when None)."""
    query = SLO.objects.filter(lease_owner=owner)
    if ids is None:
        return query.update(lease_owner="", lease_expires_at=None)
    return sum(
        query.filter(id__in=part).update(lease_owner="", lease_expires_at=None)
        for part in _chunks(sorted(ids))
    )


def heartbeat(
    owner: str, now: dt.datetime, started_at: dt.datetime, slos: int, ttl: dt.timedelta
) -> int:
    """Record that ``owner`` is alive; the number of live workers, itself included."""
    WorkerHeartbeat.objects.update_or_create(
        name=owner,
        defaults={"seen_at": now, "slos": slos},
        create_defaults={"started_at": started_at, "seen_at": now, "slos": slos},
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - _FORGET_AFTER).delete()
    return max(1, WorkerHeartbeat.objects.filter(seen_at__gte=now - ttl).count())


def forget(owner: str) -> None:
    WorkerHeartbeat.objects.filter(name=owner).delete()


def fair_share(workers: int) -> int:
    """How many SLOs one of ``workers`` live workers should hold (rounded up)."""
    active = SLO.objects.filter(_active()).count()
    return math.ceil(active / max(1, workers))
