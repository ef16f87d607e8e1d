"""SIGKILL mid-evaluation: nothing acknowledged is lost, no alert is lost or sent twice.

A real ``ekkyo serve`` takes pushes and a real ``ekkyo worker`` evaluates, alerts and
delivers to a webhook receiver (a fake on loopback that records every request).  The
worker runs on a clock 25 times faster than the wall clock, so 17 minutes of SLO time
pass in 40 seconds.  Six SLOs (99.9 %, 30 days, three days of clean history) get
bursts of errors of different lengths, so every one pages and resolves, some page on the
slow rule and some open tickets.

The faults:

1. the worker is stopped inside the transaction that stores its fourth evaluation, and
   it and the web server are killed with SIGKILL at that moment; both start again, and
   the pusher sends again what was not acknowledged (same idempotency keys);
2. the new worker is killed with SIGKILL in the middle of its alert step, right after
   one objective's alert state and outbox rows were committed, and started again.

Then: every pushed minute is stored exactly once; every SLO is evaluated at the last
minute with exactly the pushed counts; the receiver got each notification exactly once,
and per alert the same firing/resolved sequence the engine's backtest finds on the same
data (at most three minutes apart: a restarted worker may evaluate a minute late).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from ekkyo import engine, toolkit
from ekkyo.engine.backtest import backtest
from tests.alerting.helpers import slo_document
from tests.faults import kit
from tests.notify.fake_receivers import WEBHOOK_OK, FakeReceiver

pytestmark = pytest.mark.slow

N = 6
TOTAL = 1000
# (first bad minute after the first evaluated minute, number of bad minutes) per SLO.
BURSTS = [(1, 2), (2, 3), (3, 4), (4, 6), (5, 3), (6, 5)]
HISTORY_MIN = 3 * 1440
RUN_MIN = 17
SPEED = 25.0
DELAY = 20
LEASE = 60


def good(i: int, j: int) -> int:
    """Good events of SLO ``i`` in minute ``j`` (counted from the first evaluated one)."""
    first, length = BURSTS[i]
    return 0 if first <= j < first + length else TOTAL


SETUP = """
import datetime as dt
from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.services import upsert_user
from ekkyo.alerting.models import NotificationTarget
from ekkyo.catalog.models import SLO, Service
from ekkyo.catalog.services import create_slo
from ekkyo.engine import Buckets
from ekkyo.series import store
from ekkyo.teams.models import Team

team = Team.objects.create(slug="shop", name="Shop")
service = Service.objects.create(name="shop", team=team)
ids = [create_slo(doc, service, lifecycle="active").id for doc in DOCS]
SLO.objects.update(next_evaluation_at=dt.datetime.fromtimestamp(0, dt.UTC))
NotificationTarget.objects.create(
    name="shop-hook", team=team, kind="webhook", severities=["page", "ticket"],
    url=HOOK_URL, hmac_secret="hook-secret",
)
minutes = list(range(M0 - 60 * HISTORY_MIN, M0, 60))
store.append_columns(store.columns_from_series(
    [(i, "", Buckets.counts(minutes, [TOTAL] * len(minutes), [TOTAL] * len(minutes))) for i in ids]
))
while store.compact().more:
    pass
user, _ = upsert_user("pusher", role="member", teams=["shop"])
result = {"ids": ids, "token": ApiToken.issue(user)[1]}
"""

VERIFY = """
import datetime as dt
from ekkyo.alerting.models import Notification
from ekkyo.catalog.models import SLO
from ekkyo.series import store
from ekkyo.series.models import IngestBatch
from ekkyo.worker.models import SLOStatus

while store.compact().more:
    pass
slos = dict(SLO.objects.values_list("id", "name"))
result = {"series": {}, "statuses": [], "notifications": [], "keys": []}
for slo_id, name in slos.items():
    b = store.read_series(slo_id, "", M0, END)
    result["series"][name] = [b.t.tolist(), b.good.tolist(), b.total.tolist()]
for s in SLOStatus.objects.all():
    result["statuses"].append([slos[s.slo_id], s.result["window"]["end"], s.result["good"],
                               s.result["total"], s.state])
for n in Notification.objects.all():
    result["notifications"].append([n.event.get("slo"), n.state, n.status, n.attempts,
                                    n.dedup_key, n.event.get("occurred_at")])
result["keys"] = list(IngestBatch.objects.values_list("idempotency_key", flat=True))
"""

DRAINED = """
from ekkyo.alerting.models import Notification
from ekkyo.worker.models import SLOStatus
ends = [s.result["window"]["end"] for s in SLOStatus.objects.all()]
result = {
    "ends": ends,
    "unfinished": Notification.objects.filter(status__in=["queued", "sending"]).count(),
}
"""


def _expected_alerts(m0: int, end: int) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """Per (SLO, rule): the (state, time) sequence the backtest finds on the same data."""
    expected: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for i in range(N):
        minutes = np.arange(m0 - 60 * HISTORY_MIN, end, 60)
        j = (minutes - m0) // 60
        goods = np.array([good(i, int(x)) if x >= 0 else TOTAL for x in j], dtype=float)
        series = engine.densify(
            engine.Buckets.counts(minutes, goods, np.full(len(minutes), TOTAL, dtype=float)),
            start=end - 30 * 86_400,
            end=end,
        )
        objective = toolkit.objectives_of_document(slo_document(f"slo-{i}"))[0].objective
        for rule in backtest(series, objective, m0, end).rules:
            states: list[tuple[str, int]] = []
            for interval in rule.intervals:
                states.append(("firing", interval.start))
                if interval.end is not None:
                    states.append(("resolved", interval.end))
            if states:
                expected[(f"slo-{i}", f"{rule.rule.long_window}/{rule.rule.short_window}")] = states
    return expected


def _seconds(text: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def test_it_loses_and_repeats_nothing_when_worker_and_server_are_killed(tmp_path, data_dir):
    receiver = FakeReceiver(default=WEBHOOK_OK).start()
    wall = int(time.time())
    m0 = wall - wall % 60 - 3600  # an hour ago: pushes are never "in the future"
    end = m0 + 60 * RUN_MIN
    env = kit.env_for(data_dir())
    docs = [slo_document(f"slo-{i}") for i in range(N)]
    setup = kit.run_django(
        env,
        f"DOCS, M0, HISTORY_MIN, TOTAL = {docs!r}, {m0}, {HISTORY_MIN}, {TOTAL}\n"
        f"HOOK_URL = {receiver.url + '/hook'!r}\n" + SETUP,
    )
    port = kit.free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    worker_args = ("--delay", str(DELAY), "--lease", str(LEASE))
    server = kit.start_server(env, port, logs / "serve.log")
    clock = kit.SimClock(m0 + 40, SPEED)  # the first tick evaluates m0 (delay 20 s)
    worker = kit.start_worker(
        env, logs / "worker-1.log", *worker_args, clock=clock.spec, pause="save:4"
    )
    client = kit.Client(port, token=setup["token"])
    acked: dict[int, int] = {}
    stop = threading.Event()

    def pusher() -> None:
        # Each minute once it has ended, again and again until acknowledged: a collector.
        for j in range(RUN_MIN):
            minute = m0 + 60 * j
            clock.sleep_until(minute + 61)
            items = [
                {"slo": f"slo-{i}", "t": minute, "good": good(i, j), "total": TOTAL}
                for i in range(N)
            ]
            while not stop.is_set():
                answer = client.push(f"minute-{j}", items)
                if answer.status == 200:
                    acked[j] = acked.get(j, 0) + 1
                    break
                time.sleep(0.2)

    thread = threading.Thread(target=pusher, daemon=True)
    thread.start()
    try:
        worker.wait_for("PAUSED save 4", timeout=120)
        worker.kill()  # SIGKILL, inside the transaction of an evaluation
        server.kill()  # SIGKILL to gunicorn's master and workers
        server = kit.start_server(env, port, logs / "serve.log")
        worker = kit.start_worker(
            env, logs / "worker-2.log", *worker_args, clock=clock.spec, pause="alerts:3"
        )
        worker.wait_for("PAUSED alerts 3", timeout=120)
        worker.kill()  # SIGKILL, between two objectives of an alert step
        worker = kit.start_worker(env, logs / "worker-3.log", *worker_args, clock=clock.spec)
        thread.join(timeout=(end - clock.now()) / SPEED + 120)
        assert not thread.is_alive(), "the pusher did not get every minute acknowledged"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = kit.run_django(env, DRAINED)
            # One evaluation past the end: the alert step of the last one has run too.
            ends = state["ends"]
            if ends and all(_seconds(e) > end for e in ends) and not state["unfinished"]:
                break
            time.sleep(1)
        assert worker.alive, worker.tail()
    finally:
        stop.set()
        worker.kill(sig=15)
        server.kill(sig=15)
        receiver.stop()

    assert sorted(acked) == list(range(RUN_MIN))
    found = kit.run_django(env, f"M0, END = {m0}, {end}\n" + VERIFY)

    # Every pushed minute is stored once: a lost batch or one counted twice shows here.
    assert sorted(k for k in found["keys"] if k and k.startswith("minute-")) == sorted(
        f"minute-{j}" for j in range(RUN_MIN)
    )
    for i in range(N):
        t, goods, totals = found["series"][f"slo-{i}"]
        assert t == [m0 + 60 * j for j in range(RUN_MIN)]
        assert goods == [float(good(i, j)) for j in range(RUN_MIN)]
        assert totals == [float(TOTAL)] * RUN_MIN

    # Every SLO is evaluated at the last minute, with exactly the counts pushed.
    statuses = {row[0]: row for row in found["statuses"]}
    assert sorted(statuses) == [f"slo-{i}" for i in range(N)]
    for i in range(N):
        _name, window_end, got_good, got_total, _state = statuses[f"slo-{i}"]
        assert _seconds(window_end) > end  # evaluated after the last pushed minute
        bad = sum(TOTAL - good(i, j) for j in range(RUN_MIN))
        assert got_total == TOTAL * (HISTORY_MIN + RUN_MIN)
        assert got_good == got_total - bad

    # Each notification was delivered by one attempt and reached the receiver once.
    rows = found["notifications"]
    assert rows, "no alert was raised at all"
    assert {(status, attempts) for _s, _st, status, attempts, _k, _t in rows} == {("sent", 1)}
    bodies = [r.json() for r in receiver.requests]
    assert Counter(b["id"] for b in bodies).most_common(1)[0][1] == 1
    assert len(bodies) == len(rows)

    # Per alert, the same sequence as the backtest, each change at most 3 minutes off.
    seen: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for b in sorted(bodies, key=lambda b: (b["occurred_at"], b["state"] == "firing")):
        if _seconds(b["occurred_at"]) > end:
            continue  # the backtest stops at the end; the worker went on a little
        rule = f"{b['rule']['long_window']}/{b['rule']['short_window']}"
        seen[(b["slo"]["name"], rule)].append((b["state"], _seconds(b["occurred_at"])))
    expected = _expected_alerts(m0, end)
    assert sorted(seen) == sorted(expected)
    for key, states in expected.items():
        got = seen[key]
        assert [s for s, _ in got] == [s for s, _ in states], key
        assert all(abs(a - b) <= 180 for (_, a), (_, b) in zip(got, states, strict=True)), (
            key,
            got,
            states,
        )
