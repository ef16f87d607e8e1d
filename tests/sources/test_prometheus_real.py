"""Exact per-minute counts from a real Prometheus holding known counter samples.

One server (started once for this module) holds every scenario under its own metric name.
Expected counts are written out by hand from how the samples were generated
(:func:`counter_samples`: minute ``j`` of the data gains ``increments[j]``).
"""

from __future__ import annotations

import numpy as np
import pytest

from ekkyo.engine.buckets import Buckets
from ekkyo.sources.errors import SourceConfigError, SourceResponseError
from ekkyo.sources.prometheus import (
    PrometheusClient,
    RatioQueries,
    backfill,
    iter_backfill,
    pull_ratio,
    pull_ratios,
    pull_values,
)
from tests.sources.promserver import (
    PromSeries,
    RunningPrometheus,
    StartPrometheus,
    counter_samples,
    prometheus_factory,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.real

T0 = 1_699_999_980  # a UTC minute boundary (2023-11-14T22:13:00Z)
N = 30  # minutes of data in most scenarios
STEADY = [5, 0, 7, 3, 12, 1, 0, 0, 9, 4] * 3
LONG_MINUTES = 8 * 24 * 60  # more than Prometheus's 11,000 points per series


def _series() -> list[PromSeries]:
    gap_skip = range(10, 20)
    return [
        PromSeries("steady_total", {"job": "api"}, counter_samples(T0, STEADY)),
        PromSeries(
            "slow_total",
            {"job": "api"},
            counter_samples(T0, STEADY, interval=60, offset=20),
        ),
        PromSeries(
            "restart_total", {"job": "api"}, counter_samples(T0, [10] * N, resets_at=[8, 20])
        ),
        PromSeries(
            "gappy_total", {"job": "api"}, counter_samples(T0, [4] * N, skip_minutes=gap_skip)
        ),
        PromSeries("pods_total", {"pod": "a"}, counter_samples(T0, [3] * N, initial=1000)),
        PromSeries("pods_total", {"pod": "b"}, counter_samples(T0, [2] * N, resets_at=[5])),
        # Pod c starts at minute 15: its first scrape already holds that minute's events.
        PromSeries("pods_total", {"pod": "c"}, counter_samples(T0, [0] * 15 + [6] * 15)[61:]),
        PromSeries("http_total", {"code": "200"}, counter_samples(T0, [20] * N, initial=500)),
        # The 500s counter is created by the first error, in minute 12.
        PromSeries(
            "http_total", {"code": "500"}, counter_samples(T0, [0] * 12 + [1, 0, 2] * 6)[49:]
        ),
        PromSeries(
            "latency_p95_seconds",
            {},
            [(T0 + 60 * j + 30.0, 0.1 + 0.01 * j) for j in range(N)],
            kind="gauge",
        ),
        PromSeries(
            "latency_split_seconds",
            {"region": "x"},
            [(T0 + 60 * j + 30.0, 0.2) for j in range(N)],
            kind="gauge",
        ),
        PromSeries(
            "latency_split_seconds",
            {"region": "y"},
            [(T0 + 60 * j + 30.0, 0.3) for j in range(N)],
            kind="gauge",
        ),
        PromSeries(
            "requests_per_minute",
            {},
            [(T0 + 60 * j + 30.0, float(STEADY[j])) for j in range(N)],
            kind="gauge",
        ),
        PromSeries("even_total", {}, counter_samples(T0, [4] * N)),
        PromSeries(
            "week_total",
            {},
            counter_samples(T0, [j % 3 for j in range(LONG_MINUTES)], interval=60, offset=60),
        ),
    ]


@pytest.fixture(scope="module")
def prom(prometheus_factory: StartPrometheus) -> RunningPrometheus:  # noqa: F811
    return prometheus_factory(_series())


@pytest.fixture
def client(prom: RunningPrometheus):
    with PrometheusClient(prom.url, timeout=10.0) as c:
        yield c


def _minutes(b: Buckets) -> list[int]:
    return [int(x) for x in (b.t - T0) // 60]


def _as_dict(b: Buckets, column: str = "total") -> dict[int, float]:
    return dict(zip(_minutes(b), getattr(b, column).tolist(), strict=True))


def test_it_counts_a_steady_counter_scraped_every_15_s_exactly(client):
    b = pull_ratio(client, good="steady_total", total="steady_total", start=T0, end=T0 + 60 * N)
    assert _minutes(b) == list(range(N))
    assert b.total.tolist() == STEADY
    assert b.good.tolist() == STEADY


def test_it_counts_a_counter_scraped_every_60_s_exactly(client):
    b = pull_ratio(client, good="slow_total", total="slow_total", start=T0, end=T0 + 60 * N)
    assert b.total.tolist() == STEADY


def test_it_returns_only_whole_minutes_between_snapped_start_and_end(client):
    b = pull_ratio(
        client, good="steady_total", total="steady_total", start=T0 + 130, end=T0 + 60 * 7 + 59
    )
    assert _minutes(b) == [2, 3, 4, 5, 6]
    assert b.total.tolist() == STEADY[2:7]


def test_it_takes_the_new_value_as_the_increase_after_a_counter_reset(client):
    b = pull_ratio(client, good="restart_total", total="restart_total", start=T0, end=T0 + 60 * N)
    assert b.total.tolist() == [10.0] * N


def test_it_gives_a_gap_s_increase_to_the_minute_the_series_comes_back(client):
    b = pull_ratio(client, good="gappy_total", total="gappy_total", start=T0, end=T0 + 60 * N)
    # The last scrape before the gap is at 9:50; Prometheus still sees it (5 min lookback)
    # at the ends of minutes 10-13, which therefore count 0; minutes 14-19 have no data;
    # minute 20 gains everything counted during the gap (11 minutes x 4).
    expected = {j: 4.0 for j in range(10)} | {j: 0.0 for j in range(10, 14)}
    expected |= {20: 44.0} | {j: 4.0 for j in range(21, N)}
    assert _as_dict(b) == expected
    assert b.total.sum() == 4 * N


def test_it_sums_series_with_their_own_resets_and_counts_a_new_series_from_zero(client):
    b = pull_ratio(client, good="pods_total", total="pods_total", start=T0, end=T0 + 60 * N)
    expected = [3.0 + 2.0] * 15 + [3.0 + 2.0 + 6.0] * 15
    assert b.total.tolist() == expected


def test_it_counts_bad_events_of_a_series_created_by_the_first_error(client):
    b = pull_ratio(
        client,
        bad='http_total{code="500"}',
        total="http_total",
        start=T0,
        end=T0 + 60 * N,
    )
    bad = [0] * 12 + [1, 0, 2] * 6
    assert b.total.tolist() == [20.0 + x for x in bad]
    assert b.good.tolist() == [20.0] * N


def test_it_gives_the_same_buckets_for_the_good_and_the_bad_forms(client):
    kwargs = {"total": "http_total", "start": T0, "end": T0 + 60 * N}
    with_bad = pull_ratio(client, bad='http_total{code="500"}', **kwargs)
    with_good = pull_ratio(client, good='http_total{code="200"}', **kwargs)
    assert with_good.t.tolist() == with_bad.t.tolist()
    assert with_good.good.tolist() == with_bad.good.tolist()
    assert with_good.total.tolist() == with_bad.total.tolist()


def test_it_takes_the_first_samples_as_baseline_when_a_pull_starts_before_the_data(client):
    b = pull_ratio(client, good="pods_total", total="pods_total", start=T0 - 3600, end=T0 + 60 * 3)
    # Pod a's counter stood at 1000 when the data began: that is history, not minute 0.
    assert _as_dict(b) == {0: 5.0, 1: 5.0, 2: 5.0}


def test_it_treats_a_decrease_of_an_aggregated_query_as_a_reset(client):
    b = pull_ratio(
        client, good="sum(pods_total)", total="sum(pods_total)", start=T0, end=T0 + 60 * 8
    )
    # Pod b restarts in minute 5: the sum drops from 1000+15+10 to 1000+15+3+2, and the
    # whole new sum counts as that minute's increase (documented over-count).
    assert b.total.tolist() == [5.0] * 5 + [1000.0 + 18 + 2] + [5.0] * 2


def test_it_takes_values_as_counts_when_the_query_is_not_a_counter(client):
    b = pull_ratio(
        client,
        good="requests_per_minute",
        total="requests_per_minute",
        counter=False,
        start=T0,
        end=T0 + 60 * N,
    )
    assert b.total.tolist() == [float(x) for x in STEADY]


def test_it_converts_a_sloth_window_rate_to_a_per_minute_count(client):
    b = pull_ratio(
        client,
        good="sum(rate(even_total[{{.window}}]))",
        total="sum(rate(even_total[{{ .window }}]))",
        start=T0,
        end=T0 + 60 * N,
    )
    # An even 1 event per 15 s scrape is exactly 4 per minute even through rate().
    np.testing.assert_allclose(b.total, 4.0)
    assert len(b) == N


def test_it_reads_one_threshold_value_per_minute(client):
    b = pull_values(client, "latency_p95_seconds", T0, T0 + 60 * N)
    assert _minutes(b) == list(range(N))
    np.testing.assert_allclose(b.value, [0.1 + 0.01 * j for j in range(N)])
    assert np.isnan(b.total).all()


def test_it_refuses_a_threshold_query_with_several_series(client):
    with pytest.raises(SourceConfigError, match="aggregate it"):
        pull_values(client, "latency_split_seconds", T0, T0 + 60 * N)


def test_it_backfills_in_chunks_with_the_same_counts_as_one_pull(client):
    calls: list[tuple[int, int]] = []
    parts = list(
        iter_backfill(
            client,
            bad='http_total{code="500"}',
            total="http_total",
            start=T0,
            end=T0 + 60 * N,
            chunk_minutes=7,
            progress=lambda done, total: calls.append((done, total)),
        )
    )
    whole = pull_ratio(
        client, bad='http_total{code="500"}', total="http_total", start=T0, end=T0 + 60 * N
    )
    joined = Buckets.concat(parts)
    assert len(parts) == 5
    assert calls == [(0, N), (7, N), (14, N), (21, N), (28, N), (30, N)]
    assert joined.t.tolist() == whole.t.tolist()
    assert joined.good.tolist() == whole.good.tolist()
    assert joined.total.tolist() == whole.total.tolist()


def test_it_splits_a_range_longer_than_prometheus_allows_in_one_request(client):
    b = pull_ratio(
        client, good="week_total", total="week_total", start=T0, end=T0 + 60 * LONG_MINUTES
    )
    assert len(b) == LONG_MINUTES
    assert b.total.tolist() == [float(j % 3) for j in range(LONG_MINUTES)]


def test_it_backfills_threshold_values_in_chunks(client):
    b = backfill(client, query="latency_p95_seconds", start=T0, end=T0 + 60 * N, chunk_minutes=4)
    np.testing.assert_allclose(b.value, [0.1 + 0.01 * j for j in range(N)])


def test_it_pulls_many_slis_together_with_the_same_counts_as_one_by_one(client):
    slis = [
        RatioQueries(total="http_total", bad='http_total{code="500"}'),
        RatioQueries(total="pods_total", good='pods_total{pod="a"}'),
        RatioQueries(total="gappy_total", good="gappy_total"),
    ]
    together = pull_ratios(client, slis, start=T0, end=T0 + 60 * N)
    for sli, got in zip(slis, together, strict=True):
        alone = pull_ratio(
            client, total=sli.total, good=sli.good, bad=sli.bad, start=T0, end=T0 + 60 * N
        )
        assert isinstance(got, Buckets)
        assert got.t.tolist() == alone.t.tolist()
        assert got.good.tolist() == alone.good.tolist()
        assert got.total.tolist() == alone.total.tolist()


def test_it_fails_only_the_sli_whose_query_is_broken(client):
    slis = [
        RatioQueries(total="steady_total", good="steady_total"),
        RatioQueries(total="sum(steady_total", good="steady_total"),
    ]
    ok, broken = pull_ratios(client, slis, start=T0, end=T0 + 60 * N)
    assert isinstance(ok, Buckets)
    assert ok.total.tolist() == STEADY
    assert isinstance(broken, SourceResponseError)
    assert "parse error" in str(broken)
