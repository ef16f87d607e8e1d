"""The demo's promise: evaluated by the real spec parser and engine, the portfolio has one
exhausted budget, SLOs at risk, one without recent data, and the rest healthy."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest

from ekkyo.demo import generate, spec_paths
from ekkyo.engine import Result
from ekkyo.specs import load_paths
from tests.demo.engine_glue import evaluate_all

Statuses = dict[str, tuple[str, list[Result]]]


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
    y, m, d, h = request.param
    now = int(dt.datetime(y, m, d, h, 7, tzinfo=dt.timezone(dt.timedelta(hours=9))).timestamp())
    loaded = load_paths(spec_paths())
    assert loaded.problems == ()
    results: dict[str, list[Result]] = defaultdict(list)
    for e in evaluate_all(loaded.slos, generate(now), now - now % 60):
        results[e.slo].append(e.result)
    return {slo: (_status(rs), rs) for slo, rs in results.items()}


def _with(statuses: Statuses, status: str) -> list[str]:
    return sorted(slo for slo, (s, _) in statuses.items() if s == status)


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
