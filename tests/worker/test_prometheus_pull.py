"""The pull step against a real Prometheus: backfill, then batched one-minute pulls."""

from __future__ import annotations

import pytest

from ekkyo.series import store
from ekkyo.worker.models import PullState, SLOStatus
from tests.sources.promserver import (
    PromSeries,
    counter_samples,
    prometheus_factory,  # noqa: F401  (fixture)
)
from tests.worker.helpers import DAY, T0, add_data_source, add_slo, at, worker

pytestmark = [pytest.mark.real, pytest.mark.slow, pytest.mark.django_db]

START = T0 - 30 * 60
OK = [5, 0, 7, 3, 12, 1, 0, 0, 9, 4] * 3 + [6, 2]  # 32 minutes: up to T0 + 120
ERRORS = [0, 1, 0, 0, 2, 0, 0, 0, 0, 3] * 3 + [1, 0]


def test_it_pulls_counters_from_prometheus_and_evaluates_them(prometheus_factory):  # noqa: F811
    prom = prometheus_factory(
        [
            PromSeries("shop_requests_total", {"code": "200"}, counter_samples(START, OK)),
            PromSeries("shop_requests_total", {"code": "500"}, counter_samples(START, ERRORS)),
        ]
    )
    add_data_source("prom", {"type": "Prometheus", "connectionDetails": {"url": prom.url}})
    first = add_slo("shop-availability", kind="Prometheus", ref="prom", window="1d")
    second = add_slo("shop-availability-strict", kind="Prometheus", ref="prom", window="1d")
    w = worker()

    backfill = w.tick(at(T0))
    minute = w.tick(at(T0 + 60))

    assert backfill.pull.failed == 0 and minute.pull.failed == 0
    assert backfill.pull.pulled == 6  # three days, a piece per day, for each SLO
    assert minute.pull.pulled == 2  # one batched request for both
    buckets = store.read_series(first.id, "", T0 - 3 * DAY, T0 + 60)
    busy = [j for j in range(31) if OK[j] + ERRORS[j]]  # the store keeps minutes with events
    assert list(buckets.t) == [START + 60 * j for j in busy]
    assert list(buckets.good) == [OK[j] for j in busy]
    assert list(buckets.total) == [OK[j] + ERRORS[j] for j in busy]
    for slo in (first, second):
        row = SLOStatus.objects.get(slo=slo)
        assert (row.result["good"], row.result["total"]) == (
            sum(OK[:31]),
            sum(OK[:31]) + sum(ERRORS[:31]),
        )
        assert PullState.objects.get(slo=slo).pulled_until == at(T0 + 60)
