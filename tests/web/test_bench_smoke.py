"""bench/web.py still runs end to end (a quick run, no timing assertions)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "web.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ekkyo_bench_web", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_it_serves_signs_in_and_loads_both_pages_without_errors(tmp_path):
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--client", "python", "--clients", "4"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [x for x in out.stdout.splitlines() if x.startswith("- ")]
    assert [x.split(":")[0] for x in lines] == ["- portfolio", "- chart", "- chart"]
    for line in lines:
        assert re.search(r"[1-9][\d,]* requests .*, 0 errors", line), line
    assert re.search(r"portfolio: 60 rows", out.stdout)


def test_it_appends_a_dated_section_and_leaves_the_rest_alone(bench, tmp_path, monkeypatch):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## Engine\n\nold entry\n")
    monkeypatch.setattr(bench, "RESULTS", results)

    bench.record(["- a figure"], "bench/web.py --record", "a machine")
    bench.record(["- another"], "bench/web.py --record", "a machine")

    text = results.read_text()
    assert text.startswith("# Benchmark results\n\n## Engine\n\nold entry\n")
    assert text.index("- a figure") < text.index("- another")
    assert len(re.findall(r"^## Web pages — \d{4}-\d\d-\d\d \d\d:\d\d UTC$", text, re.M)) == 2
    assert "Machine: a machine" in text


def test_it_reads_the_percentiles_wrk_reports(bench, monkeypatch):
    report = (
        'Running 1s test\n@@RESULT {"requests": 200, "duration_us": 2000000, '
        '"bytes": 2048000, "connect": 0, "read": 0, "write": 0, "status": 3, "timeout": 1, '
        '"p50": 12000, "p95": 95000, "p99": 150000, "max": 180000}\n'
    )

    def fake_run(*args, **kwargs):
        return subprocess.CompletedProcess(args, 0, stdout=report, stderr="")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    load = bench.load_wrk(1, "/", "sessionid=x", 16, 2)
    assert (load.requests, load.errors, load.seconds) == (200, 4, 2.0)
    assert (load.p50_ms, load.p95_ms, load.p99_ms, load.max_ms) == (12.0, 95.0, 150.0, 180.0)
    assert load.bytes_per_response == 10240
