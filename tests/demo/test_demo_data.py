"""The demo's generated data: deterministic, well-formed buckets with daily life in them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from ekkyo.demo import generate, write_csv
from ekkyo.demo.profiles import PROFILES
from ekkyo.engine import Buckets
from ekkyo.sources.csvfile import read_bucket_csv

TOKYO = dt.timezone(dt.timedelta(hours=9))
# A Monday evening in Tokyo, 30 seconds past a minute (the data ends at the minute).
NOW = int(dt.datetime(2024, 5, 20, 21, 7, 30, tzinfo=TOKYO).timestamp())
END = NOW - 30
DAY = 86400


@pytest.fixture(scope="module")
def data() -> dict[str, Buckets]:
    return generate(NOW, days=30)


def _tokyo_hour(t: np.ndarray) -> np.ndarray:
    return (t + 9 * 3600) % DAY // 3600


def test_it_generates_buckets_for_every_profiled_slo(data: dict[str, Buckets]) -> None:
    assert list(data) == [p.slo for p in PROFILES]
    assert all(len(b) > 1000 for b in data.values())


def test_it_is_deterministic_in_its_arguments() -> None:
    a, b = generate(NOW, days=2, seed=3), generate(NOW, days=2, seed=3)
    for name in a:
        for column in ("t", "good", "total", "value"):
            np.testing.assert_array_equal(getattr(a[name], column), getattr(b[name], column))


def test_it_draws_other_data_from_another_seed() -> None:
    a, b = generate(NOW, days=2, seed=3), generate(NOW, days=2, seed=4)
    assert not np.array_equal(
        a["storefront-availability"].total, b["storefront-availability"].total
    )


def test_it_puts_buckets_on_minutes_inside_the_days_before_now(data: dict[str, Buckets]) -> None:
    for name, b in data.items():
        assert np.all(b.t % 60 == 0), name
        assert b.t.min() >= END - 30 * DAY and b.t.max() < END, name
        assert len(np.unique(b.t)) == len(b.t), name


def test_it_gives_ratio_slis_whole_counts_and_threshold_slis_values(
    data: dict[str, Buckets],
) -> None:
    for profile in PROFILES:
        b = data[profile.slo]
        if profile.kind == "ratio":
            assert np.isnan(b.value).all()
            assert np.all((b.good >= 0) & (b.good <= b.total) & (b.total > 0))
            assert np.all(b.total == np.floor(b.total)) and np.all(b.good == np.floor(b.good))
        else:
            assert np.isnan(b.good).all() and np.isnan(b.total).all()
            assert np.all(np.isfinite(b.value) & (b.value > 0))


def test_it_follows_a_tokyo_day_with_evening_peaks(data: dict[str, Buckets]) -> None:
    b = data["storefront-availability"]
    hour = _tokyo_hour(b.t)
    evening = b.total[(hour >= 20) & (hour < 22)].mean()
    night = b.total[(hour >= 3) & (hour < 5)].mean()
    lunch = b.total[hour == 12].mean()
    assert evening > 5 * night
    assert evening > lunch > night


def test_it_makes_weekends_busier_for_shops_and_quieter_for_offices(
    data: dict[str, Buckets],
) -> None:
    def weekend_ratio(name: str) -> float:
        b = data[name]
        weekday = ((b.t + 9 * 3600) // DAY + 3) % 7
        per_minute = np.bincount(weekday, weights=b.total, minlength=7) / np.bincount(
            weekday, minlength=7
        )
        return float(per_minute[5:].mean() / per_minute[:5].mean())

    assert weekend_ratio("storefront-availability") > 1.1
    assert weekend_ratio("ci-pipeline-success") < 0.5


def test_it_closes_the_stores_at_night(data: dict[str, Buckets]) -> None:
    hours = set(_tokyo_hour(data["pos-transaction-success"].t).tolist())
    assert not hours & {23, 0, 1, 2, 3, 4, 5, 6, 7}


def test_it_shows_the_payment_incident_six_days_ago(data: dict[str, Buckets]) -> None:
    b = data["payment-authorization"]
    start = int(dt.datetime(2024, 5, 14, 20, 30, tzinfo=TOKYO).timestamp())
    during = (b.t >= start) & (b.t < start + 150 * 60)
    bad_during = 1 - b.good[during].sum() / b.total[during].sum()
    bad_before = 1 - b.good[b.t < start].sum() / b.total[b.t < start].sum()
    assert bad_during > 0.04
    assert bad_before < 0.001


def test_it_shows_the_ongoing_stock_sync_incident(data: dict[str, Buckets]) -> None:
    b = data["inventory-sync-freshness"]
    last = b.t >= END - 60 * 60
    assert 1 - b.good[last].sum() / b.total[last].sum() > 0.3


def test_it_slows_the_storefront_down_over_the_last_days(data: dict[str, Buckets]) -> None:
    b = data["storefront-latency"]
    slow = (b.value > 800).astype(float)
    last_day = slow[b.t >= END - DAY].mean()
    week_before = slow[(b.t >= END - 10 * DAY) & (b.t < END - 3 * DAY)].mean()
    assert last_day > 0.05
    assert week_before < 0.005


def test_it_stops_the_parcel_tracking_feed_days_before_now(data: dict[str, Buckets]) -> None:
    t = data["shipment-tracking-freshness"].t
    assert t.max() < END - 2 * DAY
    assert t.max() >= END - 3 * DAY


def test_it_writes_a_bucket_csv_that_reads_back_the_same(tmp_path: Path) -> None:
    buckets = generate(NOW, days=4)
    path = tmp_path / "demo.csv"
    rows = write_csv(path, buckets)
    result = read_bucket_csv(path)
    assert result.problems == []
    assert rows == result.rows_read == sum(len(b) for b in buckets.values())
    assert path.read_text().startswith("timestamp,slo,good,total,value\n20")
    for name, b in buckets.items():
        got = result.by_slo[name]
        order = np.argsort(b.t, kind="stable")
        np.testing.assert_array_equal(got.t, b.t[order])
        np.testing.assert_array_equal(got.good, b.good[order])
        np.testing.assert_array_equal(got.total, b.total[order])
        np.testing.assert_array_equal(got.value, b.value[order])


def test_it_refuses_fewer_than_one_day() -> None:
    with pytest.raises(ValueError, match="days must be at least 1"):
        generate(NOW, days=0)
