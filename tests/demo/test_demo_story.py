"""The demo's promise: evaluated by the real spec parser and engine (through
``ekkyo.toolkit``, as ``ekkyo evaluate`` does), the portfolio has one exhausted budget, SLOs
at risk, one without recent data, and the rest healthy."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from ekkyo import toolkit
from ekkyo.demo import generate, spec_paths, write_csv
from ekkyo.engine import Result

Statuses = dict[str, tuple[str, list[Result]]]
TOKYO = dt.timezone(dt.timedelta(hours=9))


def _at(y: int, m: int, d: int, h: int) -> int:
    return int(dt.datetime(y, m, d, h, 7, tzinfo=TOKYO).timestamp()) // 60 * 60


def _status(results: list[Result]) -> str:
    if results[0].burn_rates["1d"] is None:
        return "no recent data"
    if any(r.remaining_ratio is not None and r.remaining_ratio <= 0 for r in results):
        return "exhausted"
    if any(r.alerts for r in results):
        return "at risk"
    return "healthy"


@pytest.fixture(
    scope="module",
    params=[(2024, 5, 20, 21), (2024, 6, 1, 9)],
    ids=["monday-evening", "first-of-month-morning"],
)
def statuses(request: pytest.FixtureRequest) -> Statuses:
    at = _at(*request.param)
    report = toolkit.evaluate(toolkit.load_specs(spec_paths()), generate(at), at)
    results: dict[str, list[Result]] = defaultdict(list)
    for e in report.evaluations:
        results[e.slo].append(e.result)
    return {slo: (_status(rs), rs) for slo, rs in results.items()}


def _with(statuses: Statuses, status: str) -> list[str]:
    return sorted(slo for slo, (s, _) in statuses.items() if s == status)


def test_it_evaluates_every_objective_of_the_25_slos(statuses: Statuses) -> None:
    assert len(statuses) == 25
    assert sum(len(rs) for _, rs in statuses.values()) == 28


def test_it_has_exactly_one_exhausted_budget(statuses: Statuses) -> None:
    assert _with(statuses, "exhausted") == ["payment-authorization"]


def test_it_has_slos_at_risk_that_still_have_budget(statuses: Statuses) -> None:
    at_risk = _with(statuses, "at risk")
    assert at_risk == ["inventory-sync-freshness", "storefront-latency"]
    for slo in at_risk:
        assert all(
            r.remaining_ratio is not None and r.remaining_ratio > 0 for r in statuses[slo][1]
        )


def test_it_pages_for_the_stock_sync_burning_now(statuses: Statuses) -> None:
    (result,) = statuses["inventory-sync-freshness"][1]
    assert any(a.severity == "page" and a.long_window == "1h" for a in result.alerts)


def test_it_has_one_slo_without_recent_data(statuses: Statuses) -> None:
    assert _with(statuses, "no recent data") == ["shipment-tracking-freshness"]


def test_it_keeps_most_slos_healthy_with_budget_to_spare(statuses: Statuses) -> None:
    healthy = _with(statuses, "healthy")
    assert len(healthy) == 21
    for slo in healthy:
        for r in statuses[slo][1]:
            assert r.remaining_ratio is None or r.remaining_ratio > 0.2, slo


@pytest.mark.slow
def test_it_evaluates_the_same_from_the_csv_of_the_cli_tour(tmp_path: Path) -> None:
    at = _at(2024, 5, 20, 21)
    loaded = toolkit.load_specs(spec_paths())
    buckets = generate(at, days=31)  # enough for every window at `at`
    write_csv(tmp_path / "demo.csv", buckets)
    csv = toolkit.load_buckets(tmp_path / "demo.csv", loaded)
    assert csv.problems == []
    from_csv = toolkit.evaluate(loaded, csv.by_slo, at).as_dict()
    assert from_csv == toolkit.evaluate(loaded, buckets, at).as_dict()
