"""store.batches_since: the same rows as changes_since, a batch's columns at once."""

from __future__ import annotations

import pytest

from ekkyo.engine.buckets import Buckets
from ekkyo.series import store
from tests.series.helpers import ratio_slo, threshold_slo

pytestmark = pytest.mark.django_db

T0 = 1_714_521_600


def test_it_returns_each_compacted_batch_as_the_rows_changes_since_splits():
    a, b = ratio_slo("a"), threshold_slo("b")
    store.append(
        [(a.id, "", Buckets.counts([T0, T0 + 60, T0], [1, 2, 3], [4, 5, 6]))], body_hash="1"
    )
    store.append(
        [(b.id, "", Buckets.values([T0], [9.5])), (a.id, "", Buckets.counts([T0], [7], [7]))],
        body_hash="2",
    )
    store.compact()

    batches = store.batches_since(0)
    changes = store.changes_since(0)

    assert [x.compacted_seq for x in batches] == [1, 2]
    regrouped = []
    for batch in batches:
        cols = batch.columns
        for i, (slo_id, key) in enumerate(cols.series):
            rows = [j for j in range(len(cols)) if cols.index[j] == i]
            regrouped.append(
                (
                    batch.compacted_seq,
                    slo_id,
                    key,
                    [int(cols.t[j]) for j in rows],
                    [float(cols.total[j]) for j in rows],
                )
            )
    # repr: NaN (no count on a value row) never equals itself.
    assert repr(regrouped) == repr(
        [
            (
                c.compacted_seq,
                c.slo_id,
                c.objective_key,
                c.buckets.t.tolist(),
                c.buckets.total.tolist(),
            )
            for c in changes
        ]
    )
    assert store.batches_since(2) == []
