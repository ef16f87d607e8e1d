"""Compaction run from two threads at once (while pushes go on) folds each batch once.

On SQLite this runs in a separate process against a database file, because the shared
in-memory test database cannot be locked between threads the way a file is.  On
PostgreSQL it runs in the test process against the test database.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.series import server_kit
from tests.series.helpers import ratio_slo

SCENARIO = """
import threading
from django.db import connections
from ekkyo.engine.buckets import Buckets
from ekkyo.series import store
from ekkyo.series.models import IngestBatch

T0 = 1_714_521_600
N = 40


def push(i):
    # Batch i adds i + 1 events to one of five minutes: a double fold changes the sums.
    store.append([(SLO_ID, "", Buckets.counts([T0 + 60 * (i % 5)], [i + 1], [i + 1]))],
                 body_hash=f"b{i}")


for i in range(N):
    push(i)
errors = []
start = threading.Barrier(3)


def compactor():
    try:
        start.wait()
        for _ in range(200):
            store.compact(max_batches=3)
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()


def pusher():
    try:
        start.wait()
        for i in range(N, 2 * N):
            push(i)
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()


threads = [threading.Thread(target=compactor) for _ in range(2)]
threads.append(threading.Thread(target=pusher))
for th in threads:
    th.start()
for th in threads:
    th.join()
while store.compact(max_batches=50).more:
    pass
found = store.read_series(SLO_ID, "", T0, T0 + 300)
result = {
    "errors": errors,
    "totals": found.total.tolist(),
    "seqs": sorted(IngestBatch.objects.values_list("compacted_seq", flat=True)),
    "last_seq": store.last_seq(),
}
"""


def _expected_totals(n: int) -> list[float]:
    return [float(sum(i + 1 for i in range(n) if i % 5 == m)) for m in range(5)]


def _check(result: dict) -> None:
    assert result["errors"] == []
    assert result["totals"] == _expected_totals(80)
    assert result["seqs"] == list(range(1, 81))
    assert result["last_seq"] == 80


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_folds_each_batch_once_with_two_compactors_and_a_pusher_at_once(tmp_path):
    if connection.vendor == "postgresql":
        slo = ratio_slo()
        scope: dict = {"SLO_ID": slo.id}
        exec(compile(SCENARIO, "scenario", "exec"), scope)
        _check(scope["result"])
        return
    ids = server_kit.prepare(tmp_path, n_slos=1)["ids"]
    _check(server_kit.run_django(tmp_path, f"SLO_ID = {ids[0]}\n" + SCENARIO))
