"""`ekkyo worker --once`, and its message when the database is not ready."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ekkyo.catalog.models import SLO
from ekkyo.cli import _register, app
from ekkyo.worker.models import SLOStatus
from tests.worker.helpers import add_slo

_register()
runner = CliRunner()


@pytest.fixture
def restore_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True)
def test_it_runs_one_tick_with_once_and_hands_its_leases_back(restore_signals):
    slo = add_slo("checkout")

    result = runner.invoke(app, ["worker", "--once", "--name", "cli-test", "--delay", "0"])

    assert result.exit_code == 0, result.output
    (status,) = SLOStatus.objects.filter(slo=slo)
    assert status.state == "no_data"
    assert SLO.objects.get(pk=slo.pk).lease_owner == ""


def test_it_refuses_a_lease_shorter_than_ten_seconds():
    result = runner.invoke(app, ["worker", "--once", "--lease", "5"])

    assert result.exit_code == 2


def _ekkyo(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EKKYO_DATA_DIR": str(data_dir), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "ekkyo"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_it_tells_to_run_migrate_when_the_database_is_not_migrated(tmp_path):
    (tmp_path / "ekkyo.sqlite3").touch()  # a database without any table

    done = _ekkyo("worker", "--once", data_dir=tmp_path)

    assert done.returncode == 1
    assert "the database is not migrated" in done.stderr
    assert "run 'ekkyo migrate' first" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_it_tells_to_run_migrate_when_there_is_no_database(tmp_path):
    done = _ekkyo("worker", "--once", data_dir=tmp_path / "empty")

    assert done.returncode == 1
    assert "run 'ekkyo migrate' first" in done.stderr
