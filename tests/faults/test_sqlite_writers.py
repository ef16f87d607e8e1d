"""SQLite under concurrent writers: no "database is locked" reaches anyone.

One SQLite file, written at once by ``ekkyo serve`` (two gunicorn processes of two threads:
pushes from three clients, an SLO's lifecycle moved back and forth through its page's
form, API and page reads) and by ``ekkyo worker`` (compaction, leases, statuses and alert
states every few seconds, on a clock 30 times faster than the wall clock).

Checked: every answer is a success or a 4xx — never a 5xx (a lock error would be a 503
now, or a 500 before); the worker's ticks never fail (no "database unavailable" in its
log) and it is still running; the word "locked" appears in no log; every acknowledged
batch is stored exactly once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.alerting.helpers import slo_document
from tests.faults import kit

pytestmark = pytest.mark.slow

N = 20
RUN_S = 15.0
T_HISTORY = 1_767_225_600  # 2026-01-01: pushed minutes count up from here

SETUP = """
import datetime as dt
from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.services import upsert_user
from ekkyo.catalog.models import SLO, Service
from ekkyo.catalog.services import create_slo
from ekkyo.teams.models import Team

team = Team.objects.create(slug="shop", name="Shop")
service = Service.objects.create(name="shop", team=team)
ids = [create_slo(doc, service, lifecycle="active").id for doc in DOCS]
SLO.objects.update(next_evaluation_at=dt.datetime.fromtimestamp(0, dt.UTC))
user, _ = upsert_user("mia", role="member", teams=["shop"], password="a long password 42")
result = {"token": ApiToken.issue(user)[1], "first": ids[0]}
"""

VERIFY = """
from ekkyo.catalog.models import LifecycleTransition
from ekkyo.series import store
from ekkyo.series.models import IngestBatch

while store.compact().more:
    pass
b = store.read_series(SLO_ID, "", T0, T0 + 60 * 10_000_000)
result = {
    "keys": sorted(k for k in IngestBatch.objects.values_list("idempotency_key", flat=True) if k),
    "t": b.t.tolist(),
    "total": b.total.tolist(),
    "transitions": LifecycleTransition.objects.filter(reason="fault test").count(),
}
"""


def test_it_never_lets_a_lock_error_reach_a_user_or_the_worker(tmp_path, data_dir):
    logs = tmp_path / "logs"
    logs.mkdir()
    env = kit.env_for(data_dir())
    setup = kit.run_django(
        env, f"DOCS = {[slo_document(f'slo-{i}') for i in range(N)]!r}\n" + SETUP
    )
    port = kit.free_port()
    server = kit.start_server(env, port, logs / "serve.log")
    clock = kit.SimClock(int(time.time()) - 3600, 30.0)
    worker = kit.start_worker(
        env, logs / "worker.log", "--delay", "10", "--lease", "60", clock=clock.spec
    )
    api = kit.Client(port, token=setup["token"])
    cookies = kit.sign_in(port, "mia", "a long password 42")
    page = kit.Client(port, cookies=cookies)
    answers: Counter[tuple[str, int | None]] = Counter()
    acked: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(10**7))
    stop_at = time.monotonic() + RUN_S

    def count(kind: str, answer: kit.Answer) -> None:
        with lock:
            answers[(kind, answer.status)] += 1

    def pusher() -> None:
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter)
            minute = T_HISTORY + 60 * n
            items = [{"slo": f"slo-{i}", "t": minute, "good": 9, "total": 10} for i in range(N)]
            answer = api.push(f"batch-{n}", items)
            count("push", answer)
            if answer.status == 200:
                with lock:
                    acked[f"batch-{n}"] = minute

    def lifecycle() -> None:
        csrf = kit.csrf_token(cookies)
        states = ["trial", "active"]
        k = 0
        while time.monotonic() < stop_at:
            name = f"slo-{k % 5}"
            to_state = states[(k // 5) % 2]
            body = f"to_state={to_state}&reason=fault+test&csrfmiddlewaretoken={csrf}".encode()
            answer = page.request(
                "POST",
                f"/slos/{name}/lifecycle",
                body,
                {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf},
            )
            count("lifecycle", answer)
            k += 1

    def reader() -> None:
        while time.monotonic() < stop_at:
            count("api", api.get("/api/v1/slos?status=healthy"))
            count("page", page.get("/slos/slo-7"))

    threads = [threading.Thread(target=pusher) for _ in range(3)]
    threads += [threading.Thread(target=lifecycle), threading.Thread(target=reader)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=RUN_S + 60)
        time.sleep(2)  # a last tick or two under no load
        assert worker.alive, worker.tail()
    finally:
        worker.kill(sig=15)
        server.kill(sig=15)

    assert {status for (_kind, status) in answers} <= {200, 302}, answers
    assert answers[("lifecycle", 302)] >= 10 and answers[("push", 200)] >= 50, answers
    worker_log = (logs / "worker.log").read_text()
    assert "database unavailable" not in worker_log
    assert "Traceback" not in worker_log
    for log in (worker_log, (logs / "serve.log").read_text()):
        assert "locked" not in log
    found = kit.run_django(env, f"SLO_ID, T0 = {setup['first']}, {T_HISTORY}\n" + VERIFY)
    assert found["keys"] == sorted(acked)
    assert found["t"] == sorted(acked.values())
    assert found["total"] == [10.0] * len(acked)
    assert found["transitions"] == answers[("lifecycle", 302)]
