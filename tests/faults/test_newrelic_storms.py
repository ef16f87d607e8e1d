"""New Relic answering 429 storms, 5xx storms and garbage, then recovering.

The NerdGraph fake (a real HTTP server on loopback, scripted request by request) answers
the worker's pulls with a rate limit asking to come back in 30 s, two 503s, then a body
that is not JSON.  Each failed pull costs at most two requests and a few seconds — the
worker retries on its own schedule, so a rate-limited source never holds up the tick.
The SLO shows "no data: source unreachable since …" all along, nothing pages, the team
gets one ticket after ten minutes, and when NerdGraph answers again the gap is filled
with exactly its counts and the team hears the data is back.
"""

from __future__ import annotations

import time

import httpx
import pytest

from ekkyo.alerting.models import AlertState
from ekkyo.series import store
from ekkyo.worker.models import PullState, SLOStatus
from tests.faults.helpers import targets, worker_with_alerts
from tests.notify.fake_receivers import WEBHOOK_OK, pagerduty_accepted, receiver_factory
from tests.sources.fake_nerdgraph import FakeNerdGraph, malformed, minute_rows, results, status
from tests.worker.helpers import DAY, T0, add_data_source, add_slo, at

__all__ = ["receiver_factory"]  # fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

KEY = "NRAK-FAULTSKEY0123456789ABCDEFGH"
ACCOUNT = 4242
GOOD = "SELECT count(*) FROM Transaction WHERE error IS FALSE"
TOTAL = "SELECT count(*) FROM Transaction"


def _nrql(base: str, start: int, end: int) -> str:
    return f"{base} SINCE {start * 1000} UNTIL {end * 1000} TIMESERIES 1 minute"


def _expect_backfill(fake: FakeNerdGraph, start: int, end: int, good, total) -> None:
    """The queries of a pull of [start, end): per day, chunks of 366 minutes, good first."""
    for piece in range(start, end, DAY):
        c = piece
        while c < min(piece + DAY, end):
            ce = min(c + 366 * 60, piece + DAY, end)
            n, offset = (ce - c) // 60, (c - start) // 60
            for base, values in ((GOOD, good), (TOTAL, total)):
                fake.expect(
                    _nrql(base, c, ce), results(minute_rows(c, values[offset : offset + n]))
                )
            c = ce


def test_it_rides_out_rate_limits_errors_and_garbage_then_backfills(receiver_factory):
    tickets, pages = receiver_factory(WEBHOOK_OK), receiver_factory(pagerduty_accepted)
    targets(tickets, pages)
    with FakeNerdGraph(api_key=KEY, account_id=ACCOUNT) as fake, httpx.Client() as client:
        add_data_source(
            "nr",
            {
                "type": "NewRelic",
                "connectionDetails": {
                    "accountId": ACCOUNT,
                    "apiKeyEnv": "NR_KEY",
                    "endpoint": fake.url,
                },
            },
        )
        slo = add_slo("app-availability", kind="NewRelic", ref="nr", window="30d")
        w = worker_with_alerts(client, env={"NR_KEY": KEY})
        history = 30 * 1440
        good, total = [0] * history, [0] * history
        good[-5:], total[-5:] = [50] * 5, [50] * 5
        _expect_backfill(fake, T0 - 30 * DAY, T0, good, total)
        w.tick(at(T0))
        assert SLOStatus.objects.get(slo=slo).state == "healthy"

        # A storm: a rate limit longer than the client waits, 503s, then garbage.
        fake.expect(_nrql(GOOD, T0, T0 + 60), status(429, retry_after="30"))
        fake.expect(_nrql(GOOD, T0, T0 + 120), status(503), status(503))
        fake.expect(_nrql(GOOD, T0, T0 + 240), malformed())
        fake.expect(_nrql(GOOD, T0, T0 + 480), status(502), status(500))
        durations, states = [], []
        for minute in range(1, 12):
            began = time.monotonic()
            w.tick(at(T0 + 60 * minute))
            durations.append(time.monotonic() - began)
            row = SLOStatus.objects.get(slo=slo)
            states.append((row.state, row.reason))
        told = [r.json() for r in tickets.requests]
        failures = PullState.objects.get(slo=slo).consecutive_failures

        # NerdGraph answers again: the next pull (16 minutes in) fills the gap.
        gap = 16
        counts = [40 + j % 5 for j in range(gap)]
        errors = [1 if j in (3, 9) else 0 for j in range(gap)]
        _expect_backfill(
            fake, T0, T0 + 60 * gap, [c - e for c, e in zip(counts, errors, strict=True)], counts
        )
        for minute in range(12, gap + 1):
            w.tick(at(T0 + 60 * minute))
        fake.verify()

    assert failures == 4
    assert max(durations) < 5.0  # one request, or two with a 1 s wait: never Retry-After's 30 s
    since = "source unreachable since 2026-03-02T12:01:00Z"
    assert all(state == "no_data" and reason.startswith(since) for state, reason in states)
    assert pages.requests == []
    assert not AlertState.objects.filter(status__in=["pending", "firing"]).exists()
    assert [(m["type"], m["state"], m["occurred_at"]) for m in told] == [
        ("slo.data_missing", "firing", "2026-03-02T12:11:00Z")
    ]
    assert "NerdGraph" in told[0]["source_error"]
    assert KEY not in str(told)

    state = PullState.objects.get(slo=slo)
    assert state.failing_since is None and state.pulled_until == at(T0 + 60 * gap)
    stored = store.read_series(slo.id, "", T0, T0 + 60 * gap)
    assert list(stored.t) == [T0 + 60 * j for j in range(gap)]
    assert list(stored.total) == counts
    assert list(stored.good) == [c - e for c, e in zip(counts, errors, strict=True)]
    row = SLOStatus.objects.get(slo=slo)
    assert row.state == "healthy"
    assert (row.result["good"], row.result["total"]) == (250 + sum(counts) - 2, 250 + sum(counts))
    back = [r.json() for r in tickets.requests][len(told) :]
    assert [(m["type"], m["state"]) for m in back] == [("slo.data_missing", "resolved")]
