"""The worker benchmark still runs end to end (a tiny SQLite run, no timing assertions)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "worker_tick.py"


@pytest.mark.slow
def test_it_runs_the_quick_benchmark_and_checks_its_statuses(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--database", "sqlite"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert "**SQLite**, 200 SLOs" in done.stdout
    assert "statuses equal to a full evaluation: 20/20 checked" in done.stdout
    assert "- machine: " in done.stdout
