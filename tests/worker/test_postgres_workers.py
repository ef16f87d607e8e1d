"""Two worker processes on PostgreSQL: each SLO evaluated exactly once per minute, and a
SIGKILLed worker's SLOs taken over after its leases expire, with nothing lost or counted
twice.

The workers run the real loop on a clock 15 times faster than the wall clock (a minute
passes in 4 s), with a 30 s lease and a 20 s delay; a pusher process pushes every SLO's
minute as it ends.  Worker "a" announces each save and waits 0.3 s before it, so the test
can kill it in the middle of a tick.
"""

from __future__ import annotations

import json
import signal
import time
from collections import Counter

import pytest

from tests.worker import pg_kit
from tests.worker.helpers import T0

pytestmark = [pytest.mark.real, pytest.mark.slow]

N = 12
SPEED = 15.0
TTL = 30
DELAY = 20
HISTORY_START = T0 - 2 * 3600
FIRST_PUSH = T0 - 60

SETUP = (
    pg_kit.COUNTS
    + f"""
import datetime as dt
from django.core.management import call_command
from ekkyo.catalog.models import SLO, Service
from ekkyo.catalog.services import create_slo
from ekkyo.engine import Buckets
from ekkyo.series import store
from ekkyo.teams.models import Team
from tests.worker.helpers import slo_doc

call_command("migrate", interactive=False, verbosity=0)
service = Service.objects.create(name="shop", team=Team.objects.create(slug="t", name="T"))
ids = [
    create_slo(slo_doc(f"slo-{{i:02d}}", window="1h"), service, lifecycle="active").id
    for i in range({N})
]
SLO.objects.update(next_evaluation_at=dt.datetime.fromtimestamp(0, dt.UTC))
minutes = list(range({HISTORY_START}, {FIRST_PUSH}, 60))
rows = [
    (i, "", Buckets.counts(minutes, [good(i, m) for m in minutes], [total(i, m) for m in minutes]))
    for i in ids
]
store.append_columns(store.columns_from_series(rows))
while store.compact().more:
    pass
result = ids
"""
)

VERIFY = (
    pg_kit.COUNTS
    + """
import datetime as dt
from ekkyo.catalog.models import SLO
from ekkyo.worker.models import SLOStatus

def seconds(text):
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())

result = {"statuses": [], "leased": SLO.objects.exclude(lease_owner="").count()}
for s in SLOStatus.objects.all():
    r = s.result
    start, end = seconds(r["window"]["start"]), seconds(r["window"]["end"])
    minutes = range(max(start, HISTORY_START), min(end, LAST_PUSHED + 60), 60)
    expected = [sum(good(s.slo_id, m) for m in minutes), sum(total(s.slo_id, m) for m in minutes)]
    result["statuses"].append([s.slo_id, end, [r["good"], r["total"]], expected])
"""
)


def _evals(process: pg_kit.Process, name: str) -> list[tuple[str, int, list[int]]]:
    out = []
    for line in process.drain():
        if line.startswith("EVAL "):
            body = json.loads(line[5:])
            out.append((name, body["at"], body["stored"]))
    return out


def _wait_for_full_minute(b: pg_kit.Process, ids: set[int], after: int, timeout: float) -> int:
    """The first minute after ``after`` at which ``b`` alone stored every SLO."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = b.wait_for("EVAL ", timeout=deadline - time.monotonic())
        body = json.loads(line[5:])
        stored = {
            i
            for seen in b.seen
            if seen.startswith("EVAL ") and json.loads(seen[5:])["at"] == body["at"]
            for i in json.loads(seen[5:])["stored"]
        }
        if body["at"] > after and stored == ids:
            return int(body["at"])
    raise AssertionError("the surviving worker did not take every SLO over in time")


def test_it_shares_slos_once_per_minute_and_takes_over_after_a_sigkill(tmp_path):
    server = pg_kit.require_postgres()
    with pg_kit.throwaway_database(server) as db:
        ids = set(pg_kit.run_django(db, tmp_path, SETUP))
        wall0 = time.time()
        clock = dict(t_start=T0, wall0=wall0, speed=SPEED)
        stop_file = tmp_path / "stop-pushing"
        pusher = pg_kit.start_pusher(db, tmp_path, sorted(ids), FIRST_PUSH, stop_file, **clock)
        a = pg_kit.start_worker(db, tmp_path, "a", ttl=TTL, delay=DELAY, pause=0.3, **clock)
        b = None
        try:
            a.wait_for("EVAL ", timeout=60)
            b = pg_kit.start_worker(db, tmp_path, "b", ttl=TTL, delay=DELAY, pause=0.0, **clock)
            b.wait_for("EVAL ", timeout=60)
            time.sleep(4 * 60 / SPEED)  # four minutes of sharing
            a.drain()  # only a save announced from now on counts
            killed_at = json.loads(a.wait_for("SAVING ", timeout=30)[7:])["at"]
            a.stop(signal.SIGKILL)

            taken_over = _wait_for_full_minute(b, ids, killed_at, timeout=90)
            stop_file.touch()
            assert pusher.stop(None) == 0  # it ends at the stop file
            last_pushed = max(
                json.loads(x[7:])["minute"] for x in pusher.seen if x.startswith("PUSHED ")
            )
            final = _wait_for_full_minute(b, ids, last_pushed + 60, timeout=90)
            assert b.stop(signal.SIGTERM) == 0
            assert "STOPPED" in b.seen
        finally:
            for p in (pusher, a, b):
                if p is not None and p.popen.poll() is None:
                    p.stop(signal.SIGKILL)

        evals = _evals(a, "a") + _evals(b, "b")
        verify = pg_kit.run_django(
            db,
            tmp_path,
            f"HISTORY_START, LAST_PUSHED = {HISTORY_START}, {last_pushed}\n" + VERIFY,
        )

    # Never twice: no SLO is stored twice for one minute, by one worker or both.
    counts = Counter((slo, at) for _, at, stored in evals for slo in stored)
    assert max(counts.values()) == 1

    by_minute: dict[int, set[int]] = {}
    by_worker: dict[str, set[int]] = {"a": set(), "b": set()}
    for name, at, stored in evals:
        by_minute.setdefault(at, set()).update(stored)
        by_worker[name].update(stored)
    # They shared the work: each held some SLOs before the kill.
    first_b = min(at for name, at, stored in evals if name == "b" and stored)
    assert by_worker["a"] and by_worker["b"]
    # Exactly once while both ran, and again once the survivor took everything over; in
    # between only the dead worker's SLOs may skip minutes.
    minutes = sorted(m for m in by_minute if m > first_b)
    for minute in minutes:
        if minute < killed_at or minute >= taken_over:
            assert by_minute[minute] == ids, minute
    assert taken_over - killed_at <= 60  # lease (30 s) + a renewal period + a tick

    # Nothing lost or double counted: every final status holds exactly the pushed counts.
    assert verify["leased"] == 0  # the stopped worker handed its leases back
    assert len(verify["statuses"]) == N
    for slo, end, got, expected in verify["statuses"]:
        assert end >= last_pushed + 60, slo
        assert got == expected, slo
    assert final >= taken_over
