"""PostgreSQL stopped and started under load: clear 503s meanwhile, reconnection after.

``ekkyo serve`` (gunicorn) and ``ekkyo worker`` run against a private PostgreSQL (see
:mod:`tests.faults.pgcluster`).  Two pushers send batches, readers fetch API lists, SLO
status, two pages and ``/readyz``; after a few seconds the server is stopped (``pg_ctl
stop -m fast``: every session ends, as in a restart or a failover), stays down for five
seconds and starts again.

Checked: every answer is a 200 or a 503 — never an HTML 500, a dropped connection or a
crashed process; API 503s carry ``{"error": {"code": "database_unavailable", …}}``;
both the web processes and the worker reconnect by themselves (every request succeeds
again, the worker stores new statuses and compacts the pushes made after the restart);
every acknowledged batch is stored exactly once.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest

from tests.alerting.helpers import slo_document
from tests.faults import kit
from tests.faults.pgcluster import private_cluster

pytestmark = [pytest.mark.real, pytest.mark.slow]

N = 4
SPEED = 10.0
DOWN_S = 5.0
HISTORY_T0 = 1_767_225_600  # 2026-01-01: the pushers fill minutes from here on

SETUP = """
import datetime as dt
from django.core.management import call_command
from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.services import upsert_user
from ekkyo.catalog.models import SLO, Service
from ekkyo.catalog.services import create_slo
from ekkyo.teams.models import Team

call_command("migrate", interactive=False, verbosity=0)
team = Team.objects.create(slug="shop", name="Shop")
service = Service.objects.create(name="shop", team=team)
ids = [create_slo(doc, service, lifecycle="active").id for doc in DOCS]
SLO.objects.update(next_evaluation_at=dt.datetime.fromtimestamp(0, dt.UTC))
user, _ = upsert_user("mia", role="member", teams=["shop"], password="a long password 42")
result = {"token": ApiToken.issue(user)[1], "first": ids[0]}
"""

VERIFY = """
import datetime as dt
from ekkyo.series import store
from ekkyo.series.models import IngestBatch
from ekkyo.worker.models import SLOStatus

keys = set(KEYS)
result = {
    "uncompacted": IngestBatch.objects.filter(
        idempotency_key__in=keys, compacted_seq__isnull=True
    ).count(),
    "latest": max(s.computed_at for s in SLOStatus.objects.all()).timestamp(),
    "states": sorted(set(SLOStatus.objects.values_list("state", flat=True))),
}
while store.compact().more:
    pass
result["keys"] = sorted(
    k for k in IngestBatch.objects.values_list("idempotency_key", flat=True) if k in keys
)
b = store.read_series(SLO_ID, "", T0, T0 + 60 * 100_000)
result["t"] = b.t.tolist()
result["total"] = b.total.tolist()
"""


def test_it_answers_503_while_postgres_is_down_and_reconnects_by_itself(tmp_path, data_dir):
    logs = tmp_path / "logs"
    logs.mkdir()
    with private_cluster() as pg:
        env = kit.env_for(data_dir(database=False), pg.url)
        docs = [slo_document(f"slo-{i}") for i in range(N)]
        setup = kit.run_django(env, f"DOCS = {docs!r}\n" + SETUP)
        port = kit.free_port()
        server = kit.start_server(env, port, logs / "serve.log")
        clock = kit.SimClock(int(time.time()) - 3600, SPEED)
        worker = kit.start_worker(
            env, logs / "worker.log", "--delay", "20", "--lease", "60", clock=clock.spec
        )
        api = kit.Client(port, token=setup["token"])
        cookies = kit.sign_in(port, "mia", "a long password 42")
        page = kit.Client(port, cookies=cookies)
        plain = kit.Client(port)
        answers: list[tuple[float, str, kit.Answer]] = []
        acked: dict[str, int] = {}  # key -> minute
        lock = threading.Lock()
        stop = threading.Event()
        counter = iter(range(10**6))

        def record(kind: str, answer: kit.Answer) -> None:
            with lock:
                answers.append((time.monotonic(), kind, answer))

        def pusher() -> None:
            while not stop.is_set():
                with lock:
                    n = next(counter)
                minute = HISTORY_T0 + 60 * n
                items = [{"slo": f"slo-{i}", "t": minute, "good": 1, "total": 1} for i in range(N)]
                while not stop.is_set():  # a collector sends again until acknowledged
                    answer = api.push(f"batch-{n}", items)
                    record("push", answer)
                    if answer.status == 200:
                        with lock:
                            acked[f"batch-{n}"] = minute
                        break
                    time.sleep(0.05)

        def reader(client: kit.Client, kind: str, paths: list[str]) -> None:
            while not stop.is_set():
                for path in paths:
                    record(kind, client.get(path))
                time.sleep(0.02)

        threads = [threading.Thread(target=pusher) for _ in range(2)]
        threads += [
            threading.Thread(
                target=reader, args=(api, "api", ["/api/v1/slos", "/api/v1/slos/slo-0/status"])
            ),
            threading.Thread(target=reader, args=(page, "page", ["/", "/slos/slo-1"])),
            threading.Thread(target=reader, args=(plain, "readyz", ["/readyz"])),
        ]
        try:
            for th in threads:
                th.start()
            time.sleep(5)
            down_at = time.monotonic()
            pg.stop("fast")
            time.sleep(DOWN_S)
            pg.start()
            up_at = time.monotonic()
            up_sim = clock.now()
            time.sleep(12)
            stop.set()
            for th in threads:
                th.join(timeout=60)
            assert worker.alive, f"the worker died:\n{worker.tail()}"
            assert server.alive, f"the web server died:\n{server.tail()}"
            # The worker compacts pushes made after the restart and evaluates again.
            deadline = time.monotonic() + 60
            while True:
                found = kit.run_django(
                    env,
                    f"KEYS, T0 = {sorted(acked)!r}, {HISTORY_T0}\n"
                    f"SLO_ID = {setup['first']}\n" + VERIFY,
                )
                if found["uncompacted"] == 0 and found["latest"] > up_sim + 60:
                    break
                assert time.monotonic() < deadline, (found["uncompacted"], worker.tail())
                time.sleep(1)
        finally:
            stop.set()
            worker.kill(sig=15)
            server.kill(sig=15)

    by_kind: dict[str, set[int | None]] = defaultdict(set)
    for _t, kind, answer in answers:
        by_kind[kind].add(answer.status)
    # Only successes and clear 503s: no 500, no dropped connection, no hang.
    assert set().union(*by_kind.values()) <= {200, 503}, dict(by_kind)
    for kind in ("push", "api", "page", "readyz"):
        assert 503 in by_kind[kind], f"no {kind} request met the outage: {dict(by_kind)}"
    for _t, kind, answer in answers:
        if answer.status == 503 and kind in ("push", "api"):
            error = answer.json()["error"]
            assert error["code"] == "database_unavailable"
            assert error["message"]
        if answer.status == 503 and kind == "page":
            assert answer.content_type.startswith("text/html")
            assert b"database" in answer.body.lower()
    # Reconnected by themselves: a couple of seconds after the start, everything works.
    late = [(kind, a.status) for t, kind, a in answers if t > up_at + 3]
    assert late and {s for _k, s in late} == {200}, late[:20]
    assert not [a for t, _k, a in answers if down_at + 1 < t < up_at - 0.5 and a.status == 200]

    # Every acknowledged batch is stored once.
    minutes = sorted(acked.values())
    assert found["keys"] == sorted(acked)
    assert found["t"] == minutes
    assert found["total"] == [1.0] * len(minutes)
