"""Per-minute buckets pulled from the NerdGraph fake: chunks, ratios, values, backfill."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from ekkyo.sources.errors import SourceConfigError, SourceResponseError
from ekkyo.sources.newrelic import (
    NerdGraphClient,
    RatioQueries,
    ThresholdQuery,
    backfill,
    iter_pull,
    pull_ratio,
    pull_values,
)
from tests.sources.fake_nerdgraph import FakeNerdGraph, minute_rows, results, status

KEY = "NRAK-PULLKEY0123456789ABCDEFGHIJ"
ACCOUNT = 7654321
T0 = 1_700_000_040  # 2023-11-14T22:14:00Z, a minute boundary
GOOD = "SELECT count(*) FROM Transaction WHERE appName = 'shop' AND error IS FALSE"
BAD = "SELECT count(*) FROM Transaction WHERE appName = 'shop' AND error IS TRUE"
TOTAL = "SELECT count(*) FROM Transaction WHERE appName = 'shop'"
P95 = "SELECT percentile(duration, 95) FROM Transaction WHERE appName = 'shop'"


@pytest.fixture
def fake():
    with FakeNerdGraph(api_key=KEY, account_id=ACCOUNT) as server:
        yield server
        server.verify()


@pytest.fixture
def client(fake):
    with NerdGraphClient(KEY, ACCOUNT, endpoint=fake.url, timeout=2.0, sleep=lambda s: None) as c:
        yield c


def _q(base: str, since_ms: int, until_ms: int) -> str:
    return f"{base} SINCE {since_ms} UNTIL {until_ms} TIMESERIES 1 minute"


def test_it_pulls_exact_counts_over_several_chunks(fake, client):
    # 800 minutes: chunks of 366, 366 and 68 minutes (NRQL's 366-bucket limit).
    minutes = list(range(800))
    total = [m % 7 + 3 for m in minutes]
    good = [t - (m % 3 == 0) for m, t in zip(minutes, total, strict=True)]
    bounds = [
        (1_700_000_040_000, 1_700_022_000_000, 0, 366),
        (1_700_022_000_000, 1_700_043_960_000, 366, 732),
        (1_700_043_960_000, 1_700_048_040_000, 732, 800),
    ]
    for since, until, lo, hi in bounds:
        start = since // 1000
        fake.expect(_q(GOOD, since, until), results(minute_rows(start, good[lo:hi])))
        fake.expect(_q(TOTAL, since, until), results(minute_rows(start, total[lo:hi])))

    got = pull_ratio(client, good_nrql=GOOD, total_nrql=TOTAL, start=T0, end=T0 + 800 * 60)

    np.testing.assert_array_equal(got.t, [T0 + 60 * m for m in minutes])
    np.testing.assert_array_equal(got.good, good)
    np.testing.assert_array_equal(got.total, total)
    assert np.isnan(got.value).all()


def test_it_asks_for_each_chunk_in_time_order_numerator_first(fake, client):
    for since in (1_700_000_040_000, 1_700_000_160_000):
        until = since + 120_000
        fake.expect(_q(BAD, since, until), results(minute_rows(since // 1000, [0, 0])))
        fake.expect(_q(TOTAL, since, until), results(minute_rows(since // 1000, [0, 0])))
    pull_ratio(client, bad_nrql=BAD, total_nrql=TOTAL, start=T0, end=T0 + 240, chunk_minutes=2)
    assert fake.nrql_seen == [
        _q(BAD, 1_700_000_040_000, 1_700_000_160_000),
        _q(TOTAL, 1_700_000_040_000, 1_700_000_160_000),
        _q(BAD, 1_700_000_160_000, 1_700_000_280_000),
        _q(TOTAL, 1_700_000_160_000, 1_700_000_280_000),
    ]


def test_it_turns_bad_and_total_into_good(fake, client):
    since, until = 1_700_000_040_000, 1_700_000_220_000
    fake.expect(_q(BAD, since, until), results(minute_rows(T0, [1, 0, 4])))
    fake.expect(_q(TOTAL, since, until), results(minute_rows(T0, [10, 0, 4])))
    got = pull_ratio(client, bad_nrql=BAD, total_nrql=TOTAL, start=T0, end=T0 + 180)
    assert got.t.tolist() == [T0, T0 + 60, T0 + 120]
    assert got.good.tolist() == [9.0, 0.0, 0.0]
    assert got.total.tolist() == [10.0, 0.0, 4.0]


def test_it_keeps_empty_minutes_as_zero_counts(fake, client):
    since, until = 1_700_000_040_000, 1_700_000_160_000
    fake.expect(_q(GOOD, since, until), results(minute_rows(T0, [None, 0])))
    fake.expect(_q(TOTAL, since, until), results(minute_rows(T0, [0, None])))
    got = pull_ratio(client, good_nrql=GOOD, total_nrql=TOTAL, start=T0, end=T0 + 120)
    assert (got.t.tolist(), got.good.tolist(), got.total.tolist()) == (
        [T0, T0 + 60],
        [0.0, 0.0],
        [0.0, 0.0],
    )


def test_it_pulls_threshold_values_and_skips_minutes_without_one(fake, client):
    since, until = 1_700_000_040_000, 1_700_000_280_000
    rows = minute_rows(T0, [0.21, None, 0.35, 1.5], key="percentile.duration", nested="95")
    fake.expect(_q(P95, since, until), results(rows))
    got = pull_values(client, P95, T0, T0 + 240)
    assert got.t.tolist() == [T0, T0 + 120, T0 + 180]
    assert got.value.tolist() == [0.21, 0.35, 1.5]
    assert np.isnan(got.good).all() and np.isnan(got.total).all()


def test_it_pulls_only_whole_minutes_of_the_range(fake, client):
    since, until = 1_700_000_100_000, 1_700_000_160_000  # T0+60 .. T0+120
    fake.expect(_q(P95, since, until), results(minute_rows(T0 + 60, [2.0])))
    got = pull_values(client, P95, T0 + 1, T0 + 179)
    assert got.t.tolist() == [T0 + 60]


def test_it_accepts_aware_datetimes(fake, client):
    fake.expect(_q(P95, 1_700_000_040_000, 1_700_000_100_000), results(minute_rows(T0, [3.0])))
    start = datetime(2023, 11, 14, 22, 14, tzinfo=UTC)
    end = datetime(2023, 11, 14, 22, 15, tzinfo=UTC)
    assert pull_values(client, P95, start, end).value.tolist() == [3.0]


def test_it_refuses_naive_datetimes(client):
    with pytest.raises(SourceConfigError, match="time-zone-aware"):
        pull_values(client, P95, datetime(2023, 11, 14), datetime(2023, 11, 15))


def test_it_sends_nothing_for_a_range_without_a_whole_minute(fake, client):
    got = pull_values(client, P95, T0 + 10, T0 + 50)
    assert len(got) == 0 and fake.requests == []


def test_it_rejects_a_query_with_a_since_clause_before_sending_anything(fake, client):
    with pytest.raises(SourceConfigError, match="good_nrql: remove the SINCE clause"):
        pull_ratio(
            client, good_nrql=GOOD + " SINCE 1 day ago", total_nrql=TOTAL, start=T0, end=T0 + 60
        )
    assert fake.requests == []


@pytest.mark.parametrize(("good", "bad"), [(None, None), (GOOD, BAD)])
def test_it_needs_exactly_one_of_good_or_bad(client, good, bad):
    with pytest.raises(SourceConfigError, match="exactly one of good_nrql or bad_nrql"):
        pull_ratio(client, good_nrql=good, bad_nrql=bad, total_nrql=TOTAL, start=T0, end=T0 + 60)


def test_it_rejects_buckets_outside_the_chunk(fake, client):
    since, until = 1_700_000_040_000, 1_700_000_100_000
    fake.expect(_q(P95, since, until), results(minute_rows(T0 - 60, [1.0, 2.0])))
    with pytest.raises(SourceResponseError, match="outside the range"):
        pull_values(client, P95, T0, T0 + 60)


def test_it_backfills_chunk_by_chunk_reporting_progress(fake, client):
    queries = ThresholdQuery(nrql=P95)
    for i, values in enumerate([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0]]):
        since = 1_700_000_040_000 + i * 180_000
        until = min(since + 180_000, 1_700_000_460_000)
        rows = minute_rows(since // 1000, values, key="percentile.duration", nested="95")
        fake.expect(_q(P95, since, until), status(503), results(rows))
    seen = []
    got = backfill(
        client, queries, T0, T0 + 7 * 60, chunk_minutes=3, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(3, 7), (6, 7), (7, 7)]
    assert got.value.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    assert got.t.tolist() == [T0 + 60 * m for m in range(7)]


def test_it_yields_each_chunk_as_it_arrives(fake, client):
    for since in (1_700_000_040_000, 1_700_000_100_000):
        fake.expect(_q(TOTAL, since, since + 60_000), results(minute_rows(since // 1000, [5])))
        fake.expect(_q(TOTAL, since, since + 60_000), results(minute_rows(since // 1000, [5])))
    steps = iter_pull(client, RatioQueries(good=TOTAL, total=TOTAL), T0, T0 + 120, chunk_minutes=1)
    first_chunk, total_minutes, first = next(steps)
    assert (first_chunk.start, first_chunk.end, total_minutes) == (T0, T0 + 60, 2)
    assert len(fake.requests) == 2  # the second chunk is not fetched yet
    assert first.good.tolist() == [5.0]
    assert [b.t.tolist() for _, _, b in steps] == [[T0 + 60]]
