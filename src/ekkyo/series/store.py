"""The bucket store: the only way to write or read per-minute SLI data.

Writes are cheap and durable: :func:`append` stores a whole accepted batch as one
:class:`IngestBatch` row in one short transaction (acknowledged = committed).
:func:`compact` (run by the worker each tick) folds batches into day :class:`Chunk` rows,
serialised by a lock on the :class:`CompactionState` singleton, and stamps each batch with
the next ``compacted_seq``.  Reads fold chunks and the batches not compacted yet, so data
is visible the moment its push is acknowledged.  See ``docs/data.md``.

A worker that keeps series in memory loads them once with :func:`read_snapshot`, which
returns the sequence number the data reflects, and then applies only the
:func:`changes_since` that sequence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from ekkyo.engine.buckets import Buckets
from ekkyo.series import codec
from ekkyo.series.codec import MINUTES_PER_DAY, Columns
from ekkyo.series.compaction import CompactionResult, compact, drop_old_payloads
from ekkyo.series.fold import dense_to_buckets, fold_rows
from ekkyo.series.models import Chunk, CompactionState, IngestBatch

__all__ = [
    "AppendResult",
    "BatchChange",
    "Change",
    "ChangesExpired",
    "CompactionResult",
    "IdempotencyConflict",
    "SeriesRows",
    "Snapshot",
    "StoreError",
    "append",
    "append_columns",
    "batches_since",
    "changes_since",
    "columns_from_series",
    "compact",
    "drop_old_payloads",
    "last_seq",
    "read_series",
    "read_snapshot",
]

_EPOCH = dt.date(1970, 1, 1)


class StoreError(Exception):
    """A request the store refuses; the message is for people."""


class IdempotencyConflict(StoreError):
    """The idempotency key was used before for a different body."""

    def __init__(self, key: str) -> None:
        super().__init__(
            f"idempotency key {key!r} was already used for a different body; "
            "use a new key for new data"
        )
        self.key = key


class ChangesExpired(StoreError):
    """The batches after this sequence have had their payload dropped: reload snapshots."""


@dataclass(frozen=True)
class AppendResult:
    accepted: int
    duplicate: bool = False


class SeriesRows(NamedTuple):
    slo_id: int
    objective_key: str
    buckets: Buckets


class Change(NamedTuple):
    """The rows one compacted batch added to one series (repeated minutes possible)."""

    compacted_seq: int
    slo_id: int
    objective_key: str
    buckets: Buckets


@dataclass(frozen=True)
class Snapshot:
    """Compacted data of one series and the ``compacted_seq`` it reflects.

    Every batch with ``compacted_seq <= seq`` that touched the range is in ``buckets``;
    none after it is.
    """

    buckets: Buckets
    seq: int


# --- writing -----------------------------------------------------------------------------


def columns_from_series(
    series_rows: Iterable[tuple[int, str, Buckets]] | Mapping[tuple[int, str], Buckets],
) -> Columns:
    """Columnar form of ``[(slo_id, objective_key, Buckets), …]`` (or a mapping of them)."""
    items: Iterable[tuple[int, str, Buckets]]
    if isinstance(series_rows, Mapping):
        items = [(slo, key, b) for (slo, key), b in series_rows.items()]
    else:
        items = series_rows
    series: dict[tuple[int, str], int] = {}
    parts: list[tuple[int, Buckets]] = []
    for slo_id, key, buckets in items:
        if len(buckets):
            parts.append((series.setdefault((int(slo_id), str(key)), len(series)), buckets))
    if not parts:
        empty = Buckets.empty()
        return Columns([], np.empty(0, np.uint32), empty.t, empty.good, empty.total, empty.value)
    return Columns(
        series=list(series),
        index=np.concatenate([np.full(len(b), i, np.uint32) for i, b in parts]),
        t=np.concatenate([np.asarray(b.t, np.int64) for _, b in parts]),
        good=np.concatenate([np.asarray(b.good, np.float64) for _, b in parts]),
        total=np.concatenate([np.asarray(b.total, np.float64) for _, b in parts]),
        value=np.concatenate([np.asarray(b.value, np.float64) for _, b in parts]),
    )


def check_columns(cols: Columns) -> None:
    """Refuse rows that break the bucket rules (the API explains them better, item by item)."""
    n = len(cols)
    if not (len(cols.index) == len(cols.good) == len(cols.total) == len(cols.value) == n):
        raise StoreError("columns must have equal lengths")
    if n == 0:
        return
    if int(cols.index.max()) >= len(cols.series):
        raise StoreError("a row points past the series table")
    problems = [
        (cols.t % 60 != 0, "t is not on a minute boundary"),
        ((cols.t < 0) | (cols.t >= 2**31 * 60), "t is out of range"),
    ]
    g, tot, v = cols.good, cols.total, cols.value
    counted = ~np.isnan(tot)
    problems += [
        (np.isnan(g) != np.isnan(tot), "good and total come together"),
        (~counted & np.isnan(v), "a bucket needs good and total, or a value"),
        (np.isinf(v), "value is not finite"),
    ]
    with np.errstate(invalid="ignore"):
        problems += [
            (counted & ((g < 0) | (tot < 0)), "counts cannot be negative"),
            (counted & ((g != np.rint(g)) | (tot != np.rint(tot))), "counts are whole numbers"),
            (counted & (tot >= codec.MAX_COUNT), "a count is too large"),
            (counted & (g > tot), "good is greater than total"),
        ]
    for bad, message in problems:
        hits = np.flatnonzero(bad)
        if len(hits):
            raise StoreError(f"row {int(hits[0])}: {message}")


def _actor_name(actor: Any) -> str:
    if actor is None:
        return ""
    if hasattr(actor, "get_username"):
        return str(actor.get_username())
    return str(actor)[:150]


def append(
    series_rows: Iterable[tuple[int, str, Buckets]] | Mapping[tuple[int, str], Buckets],
    *,
    idempotency_key: str | None = None,
    body_hash: str,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> AppendResult:
    """Store one batch of buckets: ``[(slo_id, objective_key, Buckets), …]``.

    With an ``idempotency_key`` seen before: the same ``body_hash`` answers
    ``duplicate=True`` and writes nothing; another hash raises :class:`IdempotencyConflict`.
    """
    return append_columns(
        columns_from_series(series_rows),
        idempotency_key=idempotency_key,
        body_hash=body_hash,
        actor=actor,
        now=now,
    )


def _previous(key: str, body_hash: str) -> AppendResult | None:
    row = IngestBatch.objects.filter(idempotency_key=key).values_list("body_hash", "n_buckets")
    found = row.first()
    if found is None:
        return None
    if found[0] != body_hash:
        raise IdempotencyConflict(key)
    return AppendResult(accepted=found[1], duplicate=True)


def append_columns(
    cols: Columns,
    *,
    idempotency_key: str | None = None,
    body_hash: str | None = None,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> AppendResult:
    """:func:`append` for rows already in columns (the push API's fast path).

    ``body_hash`` defaults to the hash of the rows themselves.
    """
    check_columns(cols)
    raw = codec.encode_columns(cols)
    body_hash = body_hash or codec.payload_hash(raw)
    if len(cols) == 0:
        if idempotency_key is not None:
            return _previous(idempotency_key, body_hash) or AppendResult(accepted=0)
        return AppendResult(accepted=0)
    # Insert first and look the key up only when it is taken: a repeat is the rare case.
    # A lone INSERT is atomic by itself; inside a caller's transaction, a savepoint lets a
    # taken key fail without spoiling that transaction.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            IngestBatch.objects.create(
                idempotency_key=idempotency_key,
                body_hash=body_hash,
                actor=_actor_name(actor),
                n_buckets=len(cols),
                t_min=int(cols.t.min()),
                t_max=int(cols.t.max()),
                payload=codec.compress_payload(raw),
                received_at=now or timezone.now(),
            )
    except IntegrityError:
        # The key was used before (or by a concurrent push that won the race).
        if idempotency_key is None:
            raise
        previous = _previous(idempotency_key, body_hash)
        if previous is None:
            raise
        return previous
    return AppendResult(accepted=len(cols))


# --- reading -----------------------------------------------------------------------------


def _seconds(value: dt.datetime | float | int) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise StoreError("times must be timezone-aware (UTC)")
        return value.timestamp()
    return float(value)


def _minute_range(start: dt.datetime | float | int, end: dt.datetime | float | int) -> range:
    # Buckets with start <= t < end; t is a minute start, so round both bounds up.
    first = int(np.ceil(_seconds(start) / 60))
    stop = int(np.ceil(_seconds(end) / 60))
    return range(first, max(first, stop))


def _day(index: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=index)


@dataclass
class _Dense:
    minutes: range
    day0: int
    total: np.ndarray
    bad: np.ndarray
    value: np.ndarray
    seq: int = 0

    @classmethod
    def covering(cls, minutes: range) -> _Dense:
        day0 = minutes.start // MINUTES_PER_DAY
        days = (minutes.stop - 1) // MINUTES_PER_DAY - day0 + 1 if len(minutes) else 0
        size = days * MINUTES_PER_DAY
        return cls(
            minutes,
            day0,
            np.zeros(size, np.int64),
            np.zeros(size, np.int64),
            np.full(size, np.nan),
        )

    def buckets(self) -> Buckets:
        lo = self.minutes.start - self.day0 * MINUTES_PER_DAY
        hi = lo + len(self.minutes)
        return dense_to_buckets(
            self.total[lo:hi], self.bad[lo:hi], self.value[lo:hi], self.minutes.start * 60
        )


def _load_chunks(slo_id: int, objective_key: str, minutes: range) -> _Dense:
    dense = _Dense.covering(minutes)
    if not len(minutes):
        return dense
    days = len(dense.total) // MINUTES_PER_DAY
    rows = Chunk.objects.filter(
        slo_id=slo_id,
        objective_key=objective_key,
        day__gte=_day(dense.day0),
        day__lte=_day(dense.day0 + days - 1),
    ).values_list("day", "data", "last_seq")
    for day, data, seq in rows:
        arrays = codec.decode_chunk(data)
        at = ((day - _EPOCH).days - dense.day0) * MINUTES_PER_DAY
        dense.total[at : at + MINUTES_PER_DAY] = arrays.total
        dense.bad[at : at + MINUTES_PER_DAY] = arrays.bad
        dense.value[at : at + MINUTES_PER_DAY] = arrays.value
        dense.seq = max(dense.seq, seq)
    return dense


def last_seq() -> int:
    """The ``compacted_seq`` of the last batch compacted (0 before the first)."""
    found = CompactionState.objects.filter(pk=1).values_list("last_seq", flat=True).first()
    if found is not None:
        return int(found)
    # The singleton is created lazily (and flushed by some tests): fall back to the batches.
    top = IngestBatch.objects.aggregate(top=Max("compacted_seq"))["top"]
    return int(top or 0)


def read_snapshot(
    slo_id: int,
    objective_key: str,
    start: dt.datetime | float | int,
    end: dt.datetime | float | int,
) -> Snapshot:
    """Compacted buckets of one series with ``start <= t < end`` and the sequence they reflect.

    One SELECT reads every chunk of the range, so it sees one consistent state; since
    compactions commit in sequence order, that state holds exactly the compactions up to
    the highest ``last_seq`` among those chunks (or the global one read just before).
    """
    minutes = _minute_range(start, end)
    floor = last_seq()
    dense = _load_chunks(slo_id, objective_key, minutes)
    dense.seq = max(dense.seq, floor)
    return Snapshot(dense.buckets(), dense.seq)


def read_series(
    slo_id: int,
    objective_key: str,
    start: dt.datetime | float | int,
    end: dt.datetime | float | int,
) -> Buckets:
    """Every bucket of one series with ``start <= t < end``, one row per minute with data.

    Folds compacted chunks with the batches not reflected in them (not compacted yet, or
    compacted after the chunks were read), so a read right after an acknowledged push
    sees it.  Sorted by ``t``.
    """
    minutes = _minute_range(start, end)
    floor = last_seq()
    dense = _load_chunks(slo_id, objective_key, minutes)
    if not len(minutes):
        return dense.buckets()
    seen = max(dense.seq, floor)
    t_lo, t_hi = minutes.start * 60, minutes.stop * 60
    batches = list(
        IngestBatch.objects.filter(
            Q(compacted_seq__isnull=True) | Q(compacted_seq__gt=seen),
            t_max__gte=t_lo,
            t_min__lt=t_hi,
        ).values_list("id", "compacted_seq", "payload")
    )
    # Fold order = compaction order: compacted batches by sequence, then pending by id.
    batches.sort(key=lambda b: (b[1] is None, b[1] or 0, b[0]))
    base = dense.day0 * MINUTES_PER_DAY
    for _id, _seq, payload in batches:
        if payload is None:
            continue
        cols = codec.decode_payload(payload)
        try:
            which = cols.series.index((slo_id, objective_key))
        except ValueError:
            continue
        mask = (cols.index == which) & (cols.t >= t_lo) & (cols.t < t_hi)
        if mask.any():
            pos = cols.t[mask] // 60 - base
            fold_rows(
                dense.total,
                dense.bad,
                dense.value,
                pos,
                cols.good[mask],
                cols.total[mask],
                cols.value[mask],
            )
    return dense.buckets()


def changes_since(seq: int, limit: int = 100) -> list[Change]:
    """What the next ``limit`` compacted batches after ``seq`` added, per series, in order.

    Raises :class:`ChangesExpired` when a batch's payload was already dropped (the caller
    fell further behind than the retention period: reload with :func:`read_snapshot`).
    """
    rows = (
        IngestBatch.objects.filter(compacted_seq__gt=seq)
        .order_by("compacted_seq")
        .values_list("compacted_seq", "payload")[:limit]
    )
    changes: list[Change] = []
    for batch_seq, payload in rows:
        if payload is None:
            raise ChangesExpired(
                f"the data of compacted batch {batch_seq} was dropped after its retention "
                f"period; reload the series with read_snapshot()"
            )
        cols = codec.decode_payload(payload)
        # One stable sort groups the rows by series in acceptance order; a mask per series
        # would cost series x rows (10,000 x 10,000 for one minute of every SLO).
        order = np.argsort(cols.index, kind="stable")
        cuts = np.searchsorted(cols.index[order], np.arange(len(cols.series) + 1))
        for i, (slo_id, key) in enumerate(cols.series):
            sel = order[cuts[i] : cuts[i + 1]]
            changes.append(
                Change(
                    int(batch_seq),
                    slo_id,
                    key,
                    Buckets(cols.t[sel], cols.good[sel], cols.total[sel], cols.value[sel]),
                )
            )
    return changes


class BatchChange(NamedTuple):
    """The rows one compacted batch added, as its columns (every series at once)."""

    compacted_seq: int
    columns: Columns


def batches_since(seq: int, limit: int = 100) -> list[BatchChange]:
    """:func:`changes_since` without splitting batches per series, for callers that work
    on columns: row ``i`` of a batch belongs to ``columns.series[columns.index[i]]``."""
    rows = (
        IngestBatch.objects.filter(compacted_seq__gt=seq)
        .order_by("compacted_seq")
        .values_list("compacted_seq", "payload")[:limit]
    )
    out: list[BatchChange] = []
    for batch_seq, payload in rows:
        if payload is None:
            raise ChangesExpired(
                f"the data of compacted batch {batch_seq} was dropped after its retention "
                f"period; reload the series with read_snapshot()"
            )
        out.append(BatchChange(int(batch_seq), codec.decode_payload(payload)))
    return out
