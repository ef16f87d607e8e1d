"""Compaction: fold accepted batches into day chunks, exactly once, in acceptance order.

Writing is serialised by the lock on the :class:`CompactionState` singleton (``SELECT …
FOR UPDATE`` on PostgreSQL; SQLite's write lock, taken at BEGIN IMMEDIATE, does the same),
so compactions commit one at a time and in sequence order.  In one transaction a
compaction writes the new chunks, stamps each folded batch with the next
``compacted_seq`` and moves the sequence on: either all of that commits or none of it, so
no batch is ever folded twice or lost.

The work — decoding batches and chunks, folding, compressing — is done *before* taking the
lock, so pushes (which need SQLite's write lock too) wait only for the writes.  Under the
lock the plan is checked: its batches must still be pending and its chunks unchanged since
they were read.  If another compaction got there first, the plan is made again, under the
lock, where nothing can change it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from ekkyo.catalog.models import SLO
from ekkyo.series import codec
from ekkyo.series.codec import MINUTES_PER_DAY
from ekkyo.series.fold import fold_rows
from ekkyo.series.models import Chunk, CompactionState, IngestBatch

log = logging.getLogger(__name__)
_EPOCH = dt.date(1970, 1, 1)
# A compacted batch's rows stay this long for workers catching up (changes_since) and
# for forensics; its key and hash stay for ever, so repeats are still recognised.
PAYLOAD_RETENTION = dt.timedelta(days=7)
DEFAULT_MAX_BATCHES = 100
_IN_CLAUSE = 500

Ident = tuple[int, str, int]  # (slo id, objective key, day number since the epoch)


@dataclass(frozen=True)
class CompactionResult:
    batches: int
    buckets: int
    chunks_written: int
    last_seq: int
    payloads_dropped: int = 0
    # True when it stopped at max_batches with more waiting: call again.
    more: bool = False


@dataclass
class _Rows:
    """Rows of all batches of one compaction, with their series and batch offset."""

    series: list[tuple[int, str]]
    gidx: np.ndarray
    minute: np.ndarray
    good: np.ndarray
    total: np.ndarray
    value: np.ndarray
    offset: np.ndarray  # position of the row's batch in the compaction (0, 1, …)


@dataclass
class _Plan:
    """What one compaction will write; ``last_seq`` of chunks is a batch offset until then."""

    batch_ids: list[int]
    buckets: int
    more: bool
    chunks: list[Chunk] = field(default_factory=list)
    # Every chunk the plan read or would create, with the last_seq it had (None: absent).
    seen: dict[Ident, int | None] = field(default_factory=dict)
    slo_ids: set[int] = field(default_factory=set)


def _lock_state() -> CompactionState:
    CompactionState.objects.get_or_create(pk=1)
    return CompactionState.objects.select_for_update().get(pk=1)


def _gather(batches: list[tuple[int, bytes]]) -> _Rows:
    table: dict[tuple[int, str], int] = {}
    parts = []
    for offset, (_id, payload) in enumerate(batches):
        cols = codec.decode_payload(payload)
        local = np.array([table.setdefault(s, len(table)) for s in cols.series], np.int64)
        gidx = local[cols.index] if len(local) else np.empty(0, np.int64)
        parts.append((gidx, cols, offset))
    return _Rows(
        series=list(table),
        gidx=np.concatenate([p[0] for p in parts]),
        minute=np.concatenate([p[1].t // 60 for p in parts]),
        good=np.concatenate([p[1].good for p in parts]),
        total=np.concatenate([p[1].total for p in parts]),
        value=np.concatenate([p[1].value for p in parts]),
        offset=np.concatenate([np.full(len(p[1]), p[2], np.int64) for p in parts]),
    )


def _chunks_of(wanted: set[Ident], with_data: bool) -> dict[Ident, tuple[int, bytes | None]]:
    """(last_seq, data or None) of the chunks in ``wanted`` that exist."""
    days = [d for _, _, d in wanted]
    lo, hi = _EPOCH + dt.timedelta(days=min(days)), _EPOCH + dt.timedelta(days=max(days))
    slo_ids = sorted({s for s, _, _ in wanted})
    columns = ["slo_id", "objective_key", "day", "last_seq"] + (["data"] if with_data else [])
    found: dict[Ident, tuple[int, bytes | None]] = {}
    for i in range(0, len(slo_ids), _IN_CLAUSE):
        query = Chunk.objects.filter(
            slo_id__in=slo_ids[i : i + _IN_CLAUSE], day__gte=lo, day__lte=hi
        ).values_list(*columns)
        for row in query:
            ident = (row[0], row[1], (row[2] - _EPOCH).days)
            if ident in wanted:
                found[ident] = (row[3], row[4] if with_data else None)
    return found


def _alive(slo_ids: set[int]) -> set[int]:
    ids = sorted(slo_ids)
    alive: set[int] = set()
    for i in range(0, len(ids), _IN_CLAUSE):
        alive.update(
            SLO.objects.filter(id__in=ids[i : i + _IN_CLAUSE]).values_list("id", flat=True)
        )
    return alive


def _plan(max_batches: int, now: dt.datetime) -> _Plan | None:
    """Read up to ``max_batches`` pending batches and fold them into new chunk blobs."""
    batches = list(
        IngestBatch.objects.filter(compacted_seq__isnull=True)
        .order_by("id")
        .values_list("id", "payload")[: max_batches + 1]
    )
    if not batches:
        return None
    more = len(batches) > max_batches
    batches = batches[:max_batches]
    rows = _gather(batches)
    plan = _Plan([b[0] for b in batches], len(rows.minute), more)
    if len(rows.minute):
        _fold(rows, plan, now)
    return plan


def _fold(rows: _Rows, plan: _Plan, now: dt.datetime) -> None:
    day = rows.minute // MINUTES_PER_DAY
    d0 = int(day.min())
    span = int(day.max()) - d0 + 1
    group = rows.gidx * span + (day - d0)
    # A stable sort keeps acceptance order inside each chunk (later values win).
    order = np.argsort(group, kind="stable")
    group = group[order]
    cuts = np.flatnonzero(np.diff(group)) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [len(group)]])
    idents: list[Ident] = []
    for s in starts:
        g = int(group[s])
        slo_id, key = rows.series[g // span]
        idents.append((slo_id, key, d0 + g % span))
    existing = _chunks_of(set(idents), with_data=True)
    plan.slo_ids = _alive({ident[0] for ident in idents})
    for ident, s, e in zip(idents, starts, ends, strict=True):
        if ident[0] not in plan.slo_ids:
            # The SLO was deleted after the push was accepted: its data goes with it.
            log.info("dropping %d buckets of deleted SLO id %d", e - s, ident[0])
            continue
        sel = order[s:e]
        seq, blob = existing.get(ident, (None, None))
        plan.seen[ident] = seq
        arrays = codec.decode_chunk(blob) if blob is not None else codec.DayArrays.zeros()
        fold_rows(
            arrays.total,
            arrays.bad,
            arrays.value,
            rows.minute[sel] - ident[2] * MINUTES_PER_DAY,
            rows.good[sel],
            rows.total[sel],
            rows.value[sel],
        )
        plan.chunks.append(
            Chunk(
                slo_id=ident[0],
                objective_key=ident[1],
                day=_EPOCH + dt.timedelta(days=ident[2]),
                data=codec.encode_chunk(arrays),
                last_seq=int(rows.offset[sel].max()),  # made a sequence number on writing
                updated_at=now,
            )
        )


def _still_valid(plan: _Plan) -> bool:
    """Whether nothing the plan read has changed (call it holding the lock)."""
    ids = plan.batch_ids
    pending = 0
    for i in range(0, len(ids), _IN_CLAUSE):
        pending += IngestBatch.objects.filter(
            id__in=ids[i : i + _IN_CLAUSE], compacted_seq__isnull=True
        ).count()
    if pending != len(ids):
        return False
    if plan.seen:
        now_seen = _chunks_of(set(plan.seen), with_data=False)
        if any(now_seen.get(ident, (None,))[0] != seq for ident, seq in plan.seen.items()):
            return False
    return _alive(plan.slo_ids) == plan.slo_ids


def _write(plan: _Plan, state: CompactionState, now: dt.datetime) -> None:
    base = state.last_seq + 1
    for chunk in plan.chunks:
        chunk.last_seq += base
    Chunk.objects.bulk_create(
        plan.chunks,
        batch_size=200,
        update_conflicts=True,
        unique_fields=["slo", "objective_key", "day"],
        update_fields=["data", "last_seq", "updated_at"],
    )
    for offset, batch_id in enumerate(plan.batch_ids):
        stamped = IngestBatch.objects.filter(pk=batch_id, compacted_seq__isnull=True).update(
            compacted_seq=base + offset, compacted_at=now
        )
        if stamped != 1:  # cannot happen under the lock; never fold twice if it does
            raise RuntimeError(f"batch {batch_id} was compacted concurrently")
    state.last_seq += len(plan.batch_ids)
    state.updated_at = now
    state.save(update_fields=["last_seq", "updated_at"])


def compact(
    max_batches: int = DEFAULT_MAX_BATCHES,
    *,
    now: dt.datetime | None = None,
    retention: dt.timedelta = PAYLOAD_RETENTION,
) -> CompactionResult:
    """Fold up to ``max_batches`` pending batches (oldest first) into chunks, atomically.

    Also drops the payloads of batches compacted more than ``retention`` before ``now``.
    """
    now = now or timezone.now()
    plan = _plan(max_batches, now)
    if plan is None:
        seq = CompactionState.objects.filter(pk=1).values_list("last_seq", flat=True).first()
        result = CompactionResult(0, 0, 0, seq or 0)
    else:
        with transaction.atomic():
            state = _lock_state()
            if not _still_valid(plan):
                # Another compaction came first.  Under the lock (on PostgreSQL, READ
                # COMMITTED reads see every compaction committed before ours) this plan
                # cannot go stale.
                plan = _plan(max_batches, now)
            if plan is None:
                result = CompactionResult(0, 0, 0, state.last_seq)
            else:
                _write(plan, state, now)
                result = CompactionResult(
                    len(plan.batch_ids),
                    plan.buckets,
                    len(plan.chunks),
                    state.last_seq,
                    more=plan.more,
                )
    dropped = drop_old_payloads(now, retention)
    if dropped:
        result = CompactionResult(
            result.batches,
            result.buckets,
            result.chunks_written,
            result.last_seq,
            dropped,
            result.more,
        )
    return result


def drop_old_payloads(now: dt.datetime, retention: dt.timedelta = PAYLOAD_RETENTION) -> int:
    """Drop rows of batches compacted before ``now - retention``; keys and hashes stay."""
    return IngestBatch.objects.filter(
        compacted_at__lt=now - retention, payload__isnull=False
    ).update(payload=None)
