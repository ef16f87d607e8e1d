"""The pull step against the NerdGraph fake: backfill, steady pulls, failures, secrets."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.catalog.models import SLO
from ekkyo.series import store
from ekkyo.series.models import IngestBatch
from ekkyo.worker.models import PullState, SLOStatus
from ekkyo.worker.pulls import Puller, retry_after_s, source_of
from tests.sources.fake_nerdgraph import FakeNerdGraph, graphql_errors, minute_rows, results, status
from tests.worker.helpers import DAY, T0, add_data_source, add_slo, at, push, slo_doc, worker

pytestmark = pytest.mark.django_db

KEY = "NRAK-WORKERKEY0123456789ABCDEFGH"
ACCOUNT = 4242
GOOD = "SELECT count(*) FROM Transaction WHERE error IS FALSE"
TOTAL = "SELECT count(*) FROM Transaction"
ENV = {"NR_KEY": KEY}


@pytest.fixture
def fake():
    with FakeNerdGraph(api_key=KEY, account_id=ACCOUNT) as server:
        yield server
        server.verify()


def _newrelic(fake, name="app-availability"):
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
    return add_slo(name, kind="NewRelic", ref="nr", window="1d")


def _expect(fake, start, end, good, total):
    """The NRQL the worker must send for [start, end): per day, chunks of 366 minutes."""
    for piece in range(start, end, DAY):
        c = piece
        while c < min(piece + DAY, end):
            ce = min(c + 366 * 60, piece + DAY, end)
            n = (ce - c) // 60
            offset = (c - start) // 60
            for base, values in ((GOOD, good), (TOTAL, total)):
                nrql = f"{base} SINCE {c * 1000} UNTIL {ce * 1000} TIMESERIES 1 minute"
                fake.expect(nrql, results(minute_rows(c, values[offset : offset + n])))
            c = ce


def _tick(w, now):
    return w.tick(at(now))


def test_it_backfills_the_windows_on_the_first_pull_and_evaluates_it(fake):
    slo = _newrelic(fake)
    start = T0 - 3 * DAY  # the 3-day burn-rate window is the longest look back
    minutes = 3 * 1440
    total = [0] * minutes
    good = [0] * minutes
    total[-1], good[-1] = 10, 9  # the last minute before T0
    total[-1441], good[-1441] = 5, 5  # just outside the 1d window
    _expect(fake, start, T0, good, total)

    report = worker(env=ENV).tick(at(T0))

    assert report.pull.pulled == 3  # one stored piece per day
    state = PullState.objects.get(slo=slo)
    assert (state.pulled_until, state.last_success_at, state.failing_since) == (
        at(T0),
        at(T0),
        None,
    )
    assert state.next_pull_at == at(T0 + 60)
    status_row = SLOStatus.objects.get(slo=slo)
    assert (status_row.result["good"], status_row.result["total"]) == (9, 10)
    assert sum(store.read_series(slo.id, "", start, T0).total) == 15


def test_it_pulls_only_the_new_minutes_afterwards(fake):
    slo = _newrelic(fake)
    PullState.objects.create(slo=slo, pulled_until=at(T0 - 60))
    _expect(fake, T0 - 60, T0, [3], [4])
    w = worker(env=ENV)
    w.tick(at(T0))
    _expect(fake, T0, T0 + 60, [1], [2])

    w.tick(at(T0 + 60))

    row = SLOStatus.objects.get(slo=slo)
    assert (row.result["good"], row.result["total"]) == (4, 6)
    assert PullState.objects.get(slo=slo).pulled_until == at(T0 + 60)


def test_it_records_a_failing_pull_and_evaluates_the_other_slos(fake):
    failing = _newrelic(fake)
    PullState.objects.create(slo=failing, pulled_until=at(T0 - 60))
    healthy = add_slo("pushed", window="1d")
    push(healthy, [T0 - 60], [1], [1])
    fake.expect(
        f"{GOOD} SINCE {(T0 - 60) * 1000} UNTIL {T0 * 1000} TIMESERIES 1 minute",
        graphql_errors("NRQL Syntax error"),
    )

    report = worker(env=ENV).tick(at(T0))

    state = PullState.objects.get(slo=failing)
    assert state.failing_since == at(T0)
    assert state.consecutive_failures == 1
    assert "NRQL Syntax error" in state.last_error
    assert state.next_pull_at == at(T0 + 60)
    assert state.pulled_until == at(T0 - 60)  # nothing half-stored
    assert sorted(report.evaluated) == sorted([failing.id, healthy.id])
    assert SLOStatus.objects.get(slo=healthy).state == "healthy"
    failing_row = SLOStatus.objects.get(slo=failing)
    assert failing_row.state == "no_data"
    assert failing_row.reason.startswith("source unreachable since 2026-03-02T12:00:00Z")


def test_it_waits_twice_as_long_after_each_failure_in_a_row():
    assert [retry_after_s(n) for n in (1, 2, 3, 6, 20)] == [60, 120, 240, 1800, 1800]


def test_it_keeps_the_first_failure_time_and_counts_the_failures(fake):
    slo = _newrelic(fake)
    since = at(T0 - 600)
    PullState.objects.create(
        slo=slo, pulled_until=at(T0 - 60), failing_since=since, consecutive_failures=2
    )
    fake.expect(
        f"{GOOD} SINCE {(T0 - 60) * 1000} UNTIL {T0 * 1000} TIMESERIES 1 minute", status(401)
    )

    worker(env=ENV).tick(at(T0))

    state = PullState.objects.get(slo=slo)
    assert (state.failing_since, state.consecutive_failures) == (since, 3)
    assert state.next_pull_at == at(T0 + 240)


def test_it_never_keeps_the_api_key_in_the_error(fake):
    slo = _newrelic(fake)
    PullState.objects.create(slo=slo, pulled_until=at(T0 - 60))
    fake.expect(
        f"{GOOD} SINCE {(T0 - 60) * 1000} UNTIL {T0 * 1000} TIMESERIES 1 minute",
        status(403, body=f"key {KEY} is not allowed"),
    )

    worker(env=ENV).tick(at(T0))

    state = PullState.objects.get(slo=slo)
    assert state.last_error
    assert KEY not in state.last_error


def test_it_names_the_missing_environment_variable(fake):
    slo = _newrelic(fake)

    worker(env={}).tick(at(T0))

    assert "NR_KEY" in PullState.objects.get(slo=slo).last_error


def test_it_names_a_data_source_missing_from_the_catalog():
    slo = add_slo("orphan", kind="Prometheus", ref="nowhere")

    worker().tick(at(T0))

    assert "no DataSource named 'nowhere'" in PullState.objects.get(slo=slo).last_error


def test_it_does_not_pull_push_or_demo_fed_slos(fake):
    add_slo("pushed")
    add_slo("demo", kind="NewRelic", ref="nr", annotations={"ekkyo.dev/demo-data": "generated"})

    report = worker(env=ENV).tick(at(T0))

    assert not PullState.objects.exists()
    assert report.found["pull"] is False
    assert fake.requests == []


def test_it_reads_the_queries_and_the_data_source_of_a_spec():
    found = source_of(slo_doc("x", kind="Prometheus", ref="prom"))

    assert (found.kind, found.data_source, found.batchable) == ("prometheus", "prom", True)
    assert found.queries.total == "shop_requests_total"


def test_it_stores_nothing_when_another_pull_moved_the_cursor_first():
    slo = add_slo("x", kind="Prometheus", ref="prom")
    SLO.objects.filter(pk=slo.pk).update(lease_owner="me")
    state = PullState.objects.create(slo=slo, pulled_until=at(T0 - 60))
    puller = Puller("me", delay_s=0)
    from ekkyo.engine import Buckets
    from ekkyo.worker.pulls import PullReport, _Due

    stale = _Due(slo.id, "x", source_of(slo.spec), T0 - 120, state.pk, at(T0 - 120))
    report = PullReport()

    stored = puller._save(
        stale, T0 - 120, T0, T0, Buckets.counts([T0 - 60], [1], [1]), at(T0), report
    )

    assert stored is False
    assert not IngestBatch.objects.exists()
    assert PullState.objects.get(pk=state.pk).pulled_until == at(T0 - 60)


def test_it_stores_nothing_for_an_slo_whose_lease_it_lost():
    slo = add_slo("x", kind="Prometheus", ref="prom")
    SLO.objects.filter(pk=slo.pk).update(lease_owner="someone-else")
    state = PullState.objects.create(slo=slo, pulled_until=at(T0 - 60))
    from ekkyo.engine import Buckets
    from ekkyo.worker.pulls import PullReport, _Due

    due = _Due(slo.id, "x", source_of(slo.spec), T0 - 60, state.pk, at(T0 - 60))

    stored = Puller("me", delay_s=0)._save(
        due, T0 - 60, T0, T0, Buckets.counts([T0 - 60], [1], [1]), at(T0), PullReport()
    )

    assert stored is False
    assert not IngestBatch.objects.exists()


def test_it_schedules_the_next_pull_after_the_delay(fake):
    slo = _newrelic(fake)
    PullState.objects.create(slo=slo, pulled_until=at(T0 - 60))
    _expect(fake, T0 - 60, T0, [1], [1])

    worker(env=ENV, delay_s=90).tick(at(T0 + 90))

    assert PullState.objects.get(slo=slo).next_pull_at == at(T0 + 150)
    assert PullState.objects.get(slo=slo).last_success_at == at(T0 + 90)
    assert dt.timedelta(seconds=90) == at(T0 + 90) - at(T0)
