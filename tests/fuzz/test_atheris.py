"""A short coverage-guided run of each atheris target (see atheris_targets.py).

Bounded by runs and time so that it fits the slow suite; longer runs are for people
(docs/operations.md, "Fuzz tests").  Skipped when atheris is not installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RUNS = 5000
SECONDS = 20


@pytest.mark.parametrize("target", ["specs", "csv", "push"])
def test_it_survives_a_short_coverage_guided_run(tmp_path, target):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fuzz.atheris_targets",
            target,
            f"-runs={RUNS}",
            f"-max_total_time={SECONDS}",
            f"-artifact_prefix={tmp_path}/",
            "-print_final_stats=1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SECONDS * 6,
    )

    crashes = sorted(p.name for p in tmp_path.glob("crash-*"))
    assert done.returncode == 0 and not crashes, (crashes, done.stderr[-3000:])
    assert "Done" in done.stderr
