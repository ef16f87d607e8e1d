from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ekkyo.engine.buckets import Buckets
from ekkyo.series import compaction, store
from ekkyo.series.models import Chunk, IngestBatch
from tests.series.helpers import ratio_slo, threshold_slo

pytestmark = pytest.mark.django_db

DAY = 86_400
T0 = 1_714_521_600  # 2024-05-01T00:00:00Z, a UTC midnight


def _rows(buckets: Buckets) -> list[tuple]:
    """Buckets as comparable tuples (NaN shown as None)."""

    def f(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    return [
        (int(t), f(g), f(tot), f(v))
        for t, g, tot, v in zip(buckets.t, buckets.good, buckets.total, buckets.value, strict=True)
    ]


def _push(
    slo_id: int, buckets: Buckets, key: str | None = None, body: str = ""
) -> store.AppendResult:
    return store.append([(slo_id, "", buckets)], idempotency_key=key, body_hash=body or f"h-{key}")


def _compact_all() -> None:
    while store.compact(max_batches=3).more:
        pass


def test_it_reads_back_what_was_appended_before_compaction():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0 + 120, T0], [9, 5], [10, 5]))

    found = store.read_series(slo.id, "", T0, T0 + DAY)

    assert _rows(found) == [(T0, 5.0, 5.0, None), (T0 + 120, 9.0, 10.0, None)]


def test_it_adds_counts_of_the_same_minute_from_several_batches():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0, T0], [1, 2], [3, 4]))
    _compact_all()
    _push(slo.id, Buckets.counts([T0], [10], [10]))

    found = store.read_series(slo.id, "", T0, T0 + 60)

    assert _rows(found) == [(T0, 13.0, 17.0, None)]


def test_it_keeps_the_last_accepted_value_of_a_minute():
    slo = threshold_slo()
    _push(slo.id, Buckets.values([T0, T0], [100.0, 200.0]))
    _compact_all()
    _push(slo.id, Buckets.values([T0], [300.0]))
    _push(slo.id, Buckets.values([T0], [250.0]))

    before = store.read_series(slo.id, "", T0, T0 + 60)
    _compact_all()
    after = store.read_series(slo.id, "", T0, T0 + 60)

    assert _rows(before) == _rows(after) == [(T0, None, None, 250.0)]


def test_it_reads_across_a_day_boundary_and_keeps_the_range_half_open():
    slo = ratio_slo()
    minutes = [T0 - 120, T0 - 60, T0, T0 + 60]
    _push(slo.id, Buckets.counts(minutes, [1, 2, 3, 4], [5, 5, 5, 5]))
    _compact_all()

    found = store.read_series(slo.id, "", T0 - 60, T0 + 60)

    assert [r[0] for r in _rows(found)] == [T0 - 60, T0]
    assert Chunk.objects.filter(slo=slo).count() == 2


def test_it_reads_compacted_and_pending_data_together():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0, T0 + DAY], [1, 1], [2, 2]))
    _compact_all()
    _push(slo.id, Buckets.counts([T0 + DAY, T0 + 2 * DAY], [3, 3], [3, 3]))

    found = store.read_series(slo.id, "", T0, T0 + 3 * DAY)

    assert _rows(found) == [
        (T0, 1.0, 2.0, None),
        (T0 + DAY, 4.0, 5.0, None),
        (T0 + 2 * DAY, 3.0, 3.0, None),
    ]


def test_it_accepts_datetimes_for_the_range():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0], [1], [1]))
    start = dt.datetime.fromtimestamp(T0, dt.UTC)

    found = store.read_series(slo.id, "", start, start + dt.timedelta(minutes=1))

    assert len(found) == 1


def test_it_keeps_series_of_different_slos_and_objectives_apart():
    a, b = ratio_slo("a"), ratio_slo("b")
    store.append(
        [
            (a.id, "", Buckets.counts([T0], [1], [1])),
            (a.id, "other", Buckets.counts([T0], [2], [2])),
            (b.id, "", Buckets.counts([T0], [3], [3])),
        ],
        body_hash="x",
    )

    totals = [
        store.read_series(slo, key, T0, T0 + 60).total.tolist()
        for slo, key in ((a.id, ""), (a.id, "other"), (b.id, ""))
    ]

    assert totals == [[1.0], [2.0], [3.0]]


def test_it_counts_a_repeated_idempotency_key_once():
    slo = ratio_slo()
    first = _push(slo.id, Buckets.counts([T0], [1], [2]), key="k", body="same")
    _compact_all()
    again = _push(slo.id, Buckets.counts([T0], [1], [2]), key="k", body="same")

    assert (first.accepted, first.duplicate) == (1, False)
    assert (again.accepted, again.duplicate) == (1, True)
    assert store.read_series(slo.id, "", T0, T0 + 60).total.tolist() == [2.0]
    assert IngestBatch.objects.count() == 1


def test_it_refuses_a_key_reused_with_another_body():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0], [1], [2]), key="k", body="one")

    with pytest.raises(store.IdempotencyConflict, match="'k'"):
        _push(slo.id, Buckets.counts([T0], [2], [2]), key="k", body="two")
    assert store.read_series(slo.id, "", T0, T0 + 60).good.tolist() == [1.0]


@pytest.mark.parametrize(
    ("buckets", "message"),
    [
        (Buckets.counts([T0 + 30], [1], [1]), "minute boundary"),
        (Buckets.counts([T0], [3], [2]), "good is greater than total"),
        (Buckets.counts([T0], [-1], [2]), "negative"),
        (Buckets.counts([T0], [0.5], [2]), "whole numbers"),
        (Buckets.values([T0], [np.inf]), "not finite"),
        (Buckets.values([T0], [np.nan]), "needs good and total, or a value"),
    ],
)
def test_it_refuses_rows_that_break_the_bucket_rules(buckets, message):
    slo = ratio_slo()

    with pytest.raises(store.StoreError, match=message):
        _push(slo.id, buckets)
    assert IngestBatch.objects.count() == 0


def test_it_compacts_each_batch_once_even_when_called_again():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0], [1], [2]))
    _push(slo.id, Buckets.counts([T0], [1], [2]))

    first = store.compact()
    second = store.compact()

    assert (first.batches, first.last_seq) == (2, 2)
    assert (second.batches, second.last_seq) == (0, 2)
    assert store.read_series(slo.id, "", T0, T0 + 60).total.tolist() == [4.0]


def test_it_says_when_it_stopped_with_batches_left():
    slo = ratio_slo()
    for i in range(3):
        _push(slo.id, Buckets.counts([T0 + 60 * i], [1], [1]))

    partial = store.compact(max_batches=2)
    rest = store.compact(max_batches=2)

    assert (partial.batches, partial.more) == (2, True)
    assert (rest.batches, rest.more) == (1, False)


def test_it_lists_changes_since_a_sequence_in_order_and_per_series():
    a, b = ratio_slo("a"), ratio_slo("b")
    _push(a.id, Buckets.counts([T0], [1], [1]))
    store.append(
        [(a.id, "", Buckets.counts([T0], [2], [2])), (b.id, "", Buckets.counts([T0], [3], [3]))],
        body_hash="x",
    )
    _compact_all()

    everything = store.changes_since(0)
    newer = store.changes_since(1)

    assert [(c.compacted_seq, c.slo_id, c.buckets.total.tolist()) for c in everything] == [
        (1, a.id, [1.0]),
        (2, a.id, [2.0]),
        (2, b.id, [3.0]),
    ]
    assert [c.compacted_seq for c in newer] == [2, 2]
    assert store.changes_since(2) == []


def test_a_snapshot_plus_the_changes_after_it_equals_the_full_read():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0, T0 + 60], [1, 1], [2, 2]))
    _compact_all()
    snapshot = store.read_snapshot(slo.id, "", T0, T0 + DAY)
    _push(slo.id, Buckets.counts([T0 + 60, T0 + 120], [5, 5], [5, 5]))
    _compact_all()

    applied = snapshot.buckets.total.sum() + sum(
        c.buckets.total.sum() for c in store.changes_since(snapshot.seq) if c.slo_id == slo.id
    )

    assert snapshot.seq == 1
    assert applied == store.read_series(slo.id, "", T0, T0 + DAY).total.sum() == 14


def test_it_drops_payloads_after_retention_but_still_knows_the_key():
    slo = ratio_slo()
    now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    _push(slo.id, Buckets.counts([T0], [1], [1]), key="k", body="b")
    store.compact(now=now)

    kept = store.compact(now=now + dt.timedelta(days=1), retention=dt.timedelta(days=2))
    dropped = store.compact(now=now + dt.timedelta(days=3), retention=dt.timedelta(days=2))
    again = _push(slo.id, Buckets.counts([T0], [1], [1]), key="k", body="b")

    assert (kept.payloads_dropped, dropped.payloads_dropped) == (0, 1)
    assert again.duplicate
    assert store.read_series(slo.id, "", T0, T0 + 60).total.tolist() == [1.0]
    with pytest.raises(store.ChangesExpired):
        store.changes_since(0)


def test_it_drops_rows_of_an_slo_deleted_before_compaction():
    gone, kept = ratio_slo("gone"), ratio_slo("kept")
    store.append(
        [
            (gone.id, "", Buckets.counts([T0], [1], [1])),
            (kept.id, "", Buckets.counts([T0], [2], [2])),
        ],
        body_hash="x",
    )
    gone.delete()

    result = store.compact()

    assert result.batches == 1
    assert list(Chunk.objects.values_list("slo__name", flat=True)) == ["kept"]


# --- the store against a dict of minutes ------------------------------------------------

_SERIES = [(0, ""), (1, ""), (1, "own")]
_minute = st.integers(0, 3 * 1440 - 1)
_count_row = st.tuples(st.just("counts"), _minute, st.integers(0, 50), st.integers(0, 50))
_value_row = st.tuples(st.just("value"), _minute, st.floats(-1e6, 1e6), st.just(0))
_batch = st.lists(
    st.tuples(st.sampled_from(range(len(_SERIES))), st.one_of(_count_row, _value_row)),
    min_size=1,
    max_size=12,
)
_step = st.one_of(
    st.tuples(st.just("push"), _batch),
    st.tuples(st.just("compact"), st.integers(1, 3)),
    st.tuples(st.just("read"), st.tuples(_minute, _minute)),
)


def _reference(log: list[tuple[int, str, int, int, int, float]], series: int, lo: int, hi: int):
    """Fold the accepted rows in order: counts add, the last value wins."""
    minutes: dict[int, list] = {}
    for s, kind, m, a, b, v in log:
        if s != series or not lo <= m < hi:
            continue
        cell = minutes.setdefault(m, [0, 0, None])
        if kind == "counts":
            cell[0] += a
            cell[1] += b
        else:
            cell[2] = v
    return [
        (T0 + 60 * m, float(g) if tot else None, float(tot) if tot else None, v)
        for m, (g, tot, v) in sorted(minutes.items())
        if tot or v is not None
    ]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(_step, min_size=1, max_size=8))
def test_it_agrees_with_a_dict_of_minutes_whatever_the_pushes_compactions_and_reads(steps):
    with transaction.atomic():
        slos = [ratio_slo("p"), ratio_slo("q")]
        ids = [(slos[i].id, key) for i, key in _SERIES]
        log: list[tuple] = []
        for kind, arg in steps:
            if kind == "push":
                parts = []
                for s, (row_kind, m, a, b) in arg:
                    good, total = (min(a, b), max(a, b)) if row_kind == "counts" else (0, 0)
                    value = a if row_kind == "value" else None
                    t = T0 + 60 * m
                    part = (
                        Buckets.counts([t], [good], [total])
                        if row_kind == "counts"
                        else Buckets.values([t], [value])
                    )
                    parts.append((*ids[s], part))
                    log.append((s, row_kind, m, good, total, value))
                store.append(parts, body_hash="h")
            elif kind == "compact":
                store.compact(max_batches=arg)
            else:
                lo, hi = sorted(arg)
                for s, (slo_id, key) in enumerate(ids):
                    found = store.read_series(slo_id, key, T0 + 60 * lo, T0 + 60 * hi)
                    assert _rows(found) == _reference(log, s, lo, hi)
        _compact_all()
        for s, (slo_id, key) in enumerate(ids):
            found = store.read_series(slo_id, key, T0, T0 + 3 * DAY)
            assert _rows(found) == _reference(log, s, 0, 3 * 1440)
        transaction.set_rollback(True)


def test_it_reads_thirty_days_out_of_thirty_one_exactly():
    slo = ratio_slo()
    minutes = T0 + 60 * np.arange(31 * 1440)
    _push(slo.id, Buckets.counts(minutes, minutes % 7, minutes % 7 + 3))
    _compact_all()
    start = T0 + 12 * 3600  # not at a midnight: 31 chunks serve the 30 days

    found = store.read_series(slo.id, "", start, start + 30 * DAY)

    inside = minutes[(minutes >= start) & (minutes < start + 30 * DAY)]
    np.testing.assert_array_equal(found.t, inside)
    np.testing.assert_array_equal(found.total, inside % 7 + 3)
    np.testing.assert_array_equal(found.good, inside % 7)


def test_it_rounds_range_bounds_up_to_whole_minutes():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0, T0 + 60, T0 + 120], [1, 1, 1], [1, 1, 1]))

    found = store.read_series(slo.id, "", T0 + 1, T0 + 121)

    assert found.t.tolist() == [T0 + 60, T0 + 120]


def test_it_makes_its_plan_again_when_another_compaction_came_first(monkeypatch):
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0], [1], [2]))
    _push(slo.id, Buckets.counts([T0], [1], [2]))
    real_plan = compaction._plan

    def raced(max_batches, now):
        plan = real_plan(max_batches, now)
        # Between this plan and its lock, another compaction folds the same batches, and a
        # new push arrives.
        monkeypatch.setattr(compaction, "_plan", real_plan)
        store.compact()
        _push(slo.id, Buckets.counts([T0], [3], [3]))
        return plan

    monkeypatch.setattr(compaction, "_plan", raced)
    result = store.compact()

    assert (result.batches, result.last_seq) == (1, 3)
    assert store.read_series(slo.id, "", T0, T0 + 60).total.tolist() == [7.0]


def test_a_plan_goes_stale_when_a_chunk_it_read_changed():
    slo = ratio_slo()
    _push(slo.id, Buckets.counts([T0], [1], [2]))
    _compact_all()
    _push(slo.id, Buckets.counts([T0], [1], [2]))
    plan = compaction._plan(10, dt.datetime.now(dt.UTC))
    fresh = compaction._still_valid(plan)

    Chunk.objects.filter(slo=slo).update(last_seq=99)  # as another compaction would

    assert fresh
    assert not compaction._still_valid(plan)
