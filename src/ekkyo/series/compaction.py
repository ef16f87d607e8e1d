"""Compaction: fold accepted batches into day chunks, exactly once, in acceptance order.

Each call takes the lock on the :class:`CompactionState` singleton (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite's write lock, taken at BEGIN IMMEDIATE, does the same),
so compactions run one at a time and commit in sequence order.  Inside that one
transaction it folds up to ``max_batches`` pending batches (oldest first) into their
chunks, stamps each batch with the next ``compacted_seq`` and moves the sequence on: either
all of that commits or none of it, so no batch is ever folded twice or lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CompactionResult:
    batches: int
    buckets: int
    chunks_written: int
    last_seq: int
    payloads_dropped: int = 0
    # True when it stopped at max_batches with more waiting: call again.
    more: bool = False


def _lock_state() -> CompactionState:
    CompactionState.objects.get_or_create(pk=1)
    return CompactionState.objects.select_for_update().get(pk=1)


@dataclass
class _Rows:
    """Rows of all batches of one compaction, with their series and batch sequence."""

    series: list[tuple[int, str]]
    gidx: np.ndarray
    minute: np.ndarray
    good: np.ndarray
    total: np.ndarray
    value: np.ndarray
    seq: np.ndarray


def _gather(batches: list[tuple[int, bytes]], first_seq: int) -> _Rows:
    table: dict[tuple[int, str], int] = {}
    parts = []
    for offset, (_id, payload) in enumerate(batches):
        cols = codec.decode_payload(payload)
        local = np.array([table.setdefault(s, len(table)) for s in cols.series], np.int64)
        gidx = local[cols.index] if len(local) else np.empty(0, np.int64)
        parts.append((gidx, cols, first_seq + offset))
    return _Rows(
        series=list(table),
        gidx=np.concatenate([p[0] for p in parts]),
        minute=np.concatenate([p[1].t // 60 for p in parts]),
        good=np.concatenate([p[1].good for p in parts]),
        total=np.concatenate([p[1].total for p in parts]),
        value=np.concatenate([p[1].value for p in parts]),
        seq=np.concatenate([np.full(len(p[1]), p[2], np.int64) for p in parts]),
    )


def _existing(rows: _Rows, wanted: set[tuple[int, str, int]]) -> dict[tuple[int, str, int], bytes]:
    days = [d for _, _, d in wanted]
    lo, hi = _EPOCH + dt.timedelta(days=min(days)), _EPOCH + dt.timedelta(days=max(days))
    slo_ids = sorted({s for s, _, _ in wanted})
    found: dict[tuple[int, str, int], bytes] = {}
    for i in range(0, len(slo_ids), _IN_CLAUSE):
        query = Chunk.objects.filter(
            slo_id__in=slo_ids[i : i + _IN_CLAUSE], day__gte=lo, day__lte=hi
        ).values_list("slo_id", "objective_key", "day", "data")
        for slo_id, key, day, data in query:
            ident = (slo_id, key, (day - _EPOCH).days)
            if ident in wanted:
                found[ident] = data
    return found


def _alive(slo_ids: set[int]) -> set[int]:
    ids = sorted(slo_ids)
    alive: set[int] = set()
    for i in range(0, len(ids), _IN_CLAUSE):
        alive.update(
            SLO.objects.filter(id__in=ids[i : i + _IN_CLAUSE]).values_list("id", flat=True)
        )
    return alive


def _fold_into_chunks(rows: _Rows, now: dt.datetime) -> list[Chunk]:
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
    idents = []
    for s in starts:
        g = int(group[s])
        slo_id, key = rows.series[g // span]
        idents.append((slo_id, key, d0 + g % span))
    existing = _existing(rows, set(idents))
    alive = _alive({ident[0] for ident in idents})
    chunks = []
    for ident, s, e in zip(idents, starts, ends, strict=True):
        if ident[0] not in alive:
            # The SLO was deleted after the push was accepted: its data goes with it.
            log.info("dropping %d buckets of deleted SLO id %d", e - s, ident[0])
            continue
        sel = order[s:e]
        blob = existing.get(ident)
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
        chunks.append(
            Chunk(
                slo_id=ident[0],
                objective_key=ident[1],
                day=_EPOCH + dt.timedelta(days=ident[2]),
                data=codec.encode_chunk(arrays),
                last_seq=int(rows.seq[sel].max()),
                updated_at=now,
            )
        )
    return chunks


def compact(
    max_batches: int = DEFAULT_MAX_BATCHES,
    *,
    now: dt.datetime | None = None,
    retention: dt.timedelta = PAYLOAD_RETENTION,
) -> CompactionResult:
    """Fold up to ``max_batches`` pending batches into chunks, in one transaction.

    Also drops the payloads of batches compacted more than ``retention`` before ``now``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        state = _lock_state()
        # Read after taking the lock: on PostgreSQL (READ COMMITTED) this statement sees
        # every compaction committed before ours, so none of these is folded already.
        batches = list(
            IngestBatch.objects.filter(compacted_seq__isnull=True)
            .order_by("id")
            .values_list("id", "payload")[: max_batches + 1]
        )
        more = len(batches) > max_batches
        batches = batches[:max_batches]
        if not batches:
            result = CompactionResult(0, 0, 0, state.last_seq)
        else:
            rows = _gather(batches, state.last_seq + 1)
            chunks = _fold_into_chunks(rows, now) if len(rows.minute) else []
            Chunk.objects.bulk_create(
                chunks,
                batch_size=200,
                update_conflicts=True,
                unique_fields=["slo", "objective_key", "day"],
                update_fields=["data", "last_seq", "updated_at"],
            )
            for offset, (batch_id, _payload) in enumerate(batches):
                stamped = IngestBatch.objects.filter(
                    pk=batch_id, compacted_seq__isnull=True
                ).update(compacted_seq=state.last_seq + 1 + offset, compacted_at=now)
                if stamped != 1:  # cannot happen under the lock; never fold twice if it does
                    raise RuntimeError(f"batch {batch_id} was compacted concurrently")
            state.last_seq += len(batches)
            state.updated_at = now
            state.save(update_fields=["last_seq", "updated_at"])
            result = CompactionResult(
                len(batches), len(rows.minute), len(chunks), state.last_seq, more=more
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
