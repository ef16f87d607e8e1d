"""The outage benchmark still runs end to end (simulated clock, tiny sizes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "notify_outage.py"


@pytest.mark.slow
def test_it_delivers_every_message_once_across_a_short_simulated_outage():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--fake-clock", "--minutes", "0.5", "--slos", "3"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: every message once, none lost" in done.stdout
