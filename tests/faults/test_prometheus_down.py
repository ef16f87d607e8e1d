"""A real Prometheus that hangs, then goes down, then comes back.

The worker ticks once a simulated minute (in this process, the clock passed to each tick)
and pulls a counter SLI from a real Prometheus (``tests.sources.promserver``):

1. it backfills and the SLO is healthy;
2. Prometheus is frozen (SIGSTOP: connections open, no answers): the pull times out, and
   the tick is not held up longer than two short timeouts;
3. Prometheus is stopped: every status says "no data: source unreachable since …" (never
   healthy), nothing pages, and after ten minutes one ticket tells the team its SLI data
   is missing — once, however many ticks follow;
4. Prometheus starts again on the same port and data: the next pull fills the gap with
   exactly the source's counts, the SLO is evaluated on them, and the team is told the data
   is back.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time

import httpx
import pytest

from ekkyo.alerting.models import AlertState, Notification
from ekkyo.series import store
from ekkyo.worker.models import PullState, SLOStatus
from tests.faults.helpers import targets, worker_with_alerts
from tests.notify.fake_receivers import WEBHOOK_OK, pagerduty_accepted, receiver_factory
from tests.sources.promserver import PromSeries, counter_samples, prometheus_factory
from tests.worker.helpers import T0, add_data_source, add_slo, at

__all__ = ["prometheus_factory", "receiver_factory"]  # fixtures

pytestmark = [pytest.mark.real, pytest.mark.slow, pytest.mark.django_db]

START = T0 - 30 * 60
MINUTES = 60  # samples up to T0 + 30 min
OK = [(7 * j) % 11 + 20 for j in range(MINUTES)]
ERRORS = [1 if j % 9 == 0 else 0 for j in range(MINUTES)]


def _restart(process: subprocess.Popen[bytes], log_path) -> subprocess.Popen[bytes]:
    """The same Prometheus (port, TSDB) again, ready to answer."""
    with log_path.open("ab") as log:
        again = subprocess.Popen(process.args, stdout=log, stderr=subprocess.STDOUT)
    return again


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError("prometheus did not come back")


def test_it_shows_no_data_tells_the_team_and_backfills_when_prometheus_returns(
    prometheus_factory,
    receiver_factory,
):
    prom = prometheus_factory(
        [
            PromSeries("shop_requests_total", {"code": "200"}, counter_samples(START, OK)),
            PromSeries("shop_requests_total", {"code": "500"}, counter_samples(START, ERRORS)),
        ]
    )
    add_data_source(
        "prom", {"type": "Prometheus", "connectionDetails": {"url": prom.url, "timeout": "1s"}}
    )
    # 99 % over 30 days: the rare errors below burn far too slowly to alert.
    slo = add_slo("shop-availability", kind="Prometheus", ref="prom", window="30d")
    tickets, pages = receiver_factory(WEBHOOK_OK), receiver_factory(pagerduty_accepted)
    targets(tickets, pages)
    again = None
    with httpx.Client(timeout=5) as client:
        w = worker_with_alerts(client)
        try:
            w.tick(at(T0))
            assert SLOStatus.objects.get(slo=slo).state == "healthy"

            prom.process.send_signal(signal.SIGSTOP)  # hangs: connects, never answers
            began = time.monotonic()
            hung = w.tick(at(T0 + 60))
            held_up = time.monotonic() - began
            prom.process.send_signal(signal.SIGCONT)
            prom.stop()  # down: connections refused

            states = []
            for minute in range(2, 12):
                w.tick(at(T0 + 60 * minute))
                row = SLOStatus.objects.get(slo=slo)
                states.append((row.state, row.reason))
            told = [r.json() for r in tickets.requests]

            again = _restart(prom.process, prom.log_path)
            _wait_ready(prom.url)
            recovered_at = PullState.objects.get(slo=slo).next_pull_at
            for minute in range(12, 17):
                w.tick(at(T0 + 60 * minute))
        finally:
            if again is not None:
                again.terminate()
                again.wait(timeout=10)

    assert hung.pull.failed == 1 and "timed out" in hung.pull.errors[slo.id]
    assert held_up < 5.0  # two tries of 1 s, not four with growing waits
    # Down: never healthy, always the reason, and no page.
    since = "source unreachable since 2026-03-02T12:01:00Z"
    assert all(state == "no_data" and reason.startswith(since) for state, reason in states)
    assert pages.requests == []
    assert not AlertState.objects.filter(status__in=["pending", "firing"]).exists()
    # One ticket after ten minutes (failing since T0 + 60), not one per tick.
    assert [(m["type"], m["state"], m["missing_since"]) for m in told] == [
        ("slo.data_missing", "firing", "2026-03-02T12:01:00Z")
    ]
    assert told[0]["occurred_at"] == "2026-03-02T12:11:00Z"
    assert told[0]["source_error"].endswith("connection failed (after 2 attempts)")

    # Back: the gap is filled with exactly the source's counts, and the team is told.
    assert recovered_at <= at(T0 + 16 * 60)
    state = PullState.objects.get(slo=slo)
    assert state.failing_since is None and state.pulled_until == at(T0 + 16 * 60)
    stored = store.read_series(slo.id, "", START, T0 + 16 * 60)
    busy = [j for j in range(46) if OK[j] + ERRORS[j]]
    assert list(stored.t) == [START + 60 * j for j in busy]
    assert list(stored.good) == [OK[j] for j in busy]
    assert list(stored.total) == [OK[j] + ERRORS[j] for j in busy]
    row = SLOStatus.objects.get(slo=slo)
    assert row.state == "healthy"
    assert (row.result["good"], row.result["total"]) == (
        sum(OK[:46]),
        sum(OK[:46]) + sum(ERRORS[:46]),
    )
    back = [r.json() for r in tickets.requests][len(told) :]
    assert [(m["type"], m["state"]) for m in back] == [("slo.data_missing", "resolved")]
    assert back[0]["dedup_key"] == told[0]["dedup_key"]
    assert Notification.objects.filter(status="sent").count() == 2
