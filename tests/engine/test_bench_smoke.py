"""The engine benchmark's functions still run (tiny sizes, no timing assertions)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "engine.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ekkyo_bench_engine", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_it_generates_valid_counts(bench: ModuleType) -> None:
    good, total = bench.make_counts(4, 300)

    assert good.shape == total.shape == (4, 300)
    assert np.all((good >= 0) & (good <= total))
    assert np.array_equal(total, np.floor(total))


def test_it_measures_full_evaluations_and_the_plain_sum(bench: ModuleType) -> None:
    good, total = bench.make_counts(3, 2 * 1440)

    for objective in (bench.OCCURRENCES_30D, bench.TIMESLICES_5M_30D, bench.CALENDAR_MONTH):
        result = bench.bench_full(good, total, objective, repeats=1)
        assert result["buckets"] > 0
        assert len(result["block"]) == 3
    assert bench.bench_plain_sum(good, total, repeats=1)["buckets_per_s"] > 0


def test_it_checks_that_the_peers_compute_the_same_sums(bench: ModuleType) -> None:
    good, total = bench.make_counts(3, 2 * 1440)

    result = bench.bench_peers(good, total, bench.OCCURRENCES_30D, repeats=1)

    assert set(result) == {"pandas_seconds", "duckdb_seconds"}


def test_it_times_incremental_ticks(bench: ModuleType) -> None:
    result = bench.bench_incremental(16, ticks=2, warmup=1)

    assert result["max_ms"] >= result["median_ms"]


def test_it_measures_memory_of_a_full_evaluation(bench: ModuleType) -> None:
    result = bench.memory_child(4, 1)

    assert result["raw_bytes"] == 2 * 4 * 1440 * 8
    assert result["peak_rss_bytes"] > 0


def test_it_records_under_the_engine_section(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Engine\n\nold entry\n\n## CSV\n\ncsv entry\n")
    monkeypatch.setattr(bench, "RESULTS", results)

    bench.record(["- a figure"], quick=True)

    text = results.read_text()
    assert text.index("old entry") < text.index("- a figure") < text.index("## CSV")
    assert "csv entry" in text
