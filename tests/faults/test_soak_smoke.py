"""``bench/soak.py --quick`` still runs end to end and meets its correctness goals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


@pytest.mark.slow
def test_it_runs_the_quick_soak_without_errors_or_lost_buckets(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "- errors: **0** (none)" in done.stdout
    assert "- stored: **every pushed bucket**" in done.stdout
    assert "16 page readers" in done.stdout
    assert "goals: zero errors ✓, every pushed bucket stored ✓, worker kept up ✓" in done.stdout
