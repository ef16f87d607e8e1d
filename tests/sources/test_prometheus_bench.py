"""Smoke test of bench/prometheus_pull.py at a tiny size (no slo-generator)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from ekkyo.sources.prometheus import PrometheusClient
from tests.conftest import require_binary

BENCH = Path(__file__).resolve().parents[2] / "bench" / "prometheus_pull.py"
T0 = 1_699_999_980


def _bench():
    spec = importlib.util.spec_from_file_location("prometheus_pull_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.real
def test_it_runs_the_benchmark_functions_with_exact_counts(tmp_path: Path):
    require_binary("prometheus")
    require_binary("promtool")
    bench = _bench()
    end = T0 + 60 * 300
    ds = bench.generate(3, 300, end)
    prom = bench.serve(ds, tmp_path)
    try:
        with PrometheusClient(prom.url) as client:
            history = bench.run_backfill(client, ds, end - 60 * 20)
            # The tick starts after the backfill's end: the gap is pulled before it.
            tick = bench.run_tick(client, ds, history, end - 60 * 10, repeats=2)
    finally:
        prom.stop()
    rows = bench.compare(ds, tick, None)[2:]
    assert history.exact_slos == 3
    assert len(tick.seconds) == 2
    assert len(rows) == len(bench.WINDOWS)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2] == "exact", row  # events
        assert cells[6] == "exact", row  # bad events
