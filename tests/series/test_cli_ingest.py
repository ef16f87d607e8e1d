from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ekkyo.cli import _register, app
from ekkyo.series import store
from ekkyo.series.models import IngestBatch
from tests.series.helpers import ratio_slo, threshold_slo

pytestmark = pytest.mark.django_db(transaction=True)
_register()
runner = CliRunner()

T0 = 1_714_521_600  # 2024-05-01T00:00:00Z


def _csv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _total(slo_id: int) -> float:
    return float(store.read_series(slo_id, "", T0, T0 + 86_400).total.sum())


def test_it_ingests_a_csv_and_shows_a_progress_bar(tmp_path):
    slo = ratio_slo("checkout-availability")
    path = _csv(
        tmp_path,
        "a.csv",
        [
            "timestamp,slo,good,total",
            "2024-05-01T00:00:00Z,checkout-availability,9,10",
            f"{T0 + 60},checkout-availability,5,5",
        ],
    )

    result = runner.invoke(app, ["ingest", str(path)])

    assert result.exit_code == 0, result.output
    assert f"{path}: 2 buckets for 1 SLO" in result.stdout
    assert "reading a.csv" in result.stderr
    assert _total(slo.id) == 15.0
    # Ingest compacts what it wrote, so the data is in chunks already.
    assert IngestBatch.objects.filter(compacted_seq__isnull=True).count() == 0


def test_it_counts_a_file_ingested_twice_once_and_says_so(tmp_path):
    slo = ratio_slo("checkout-availability")
    path = _csv(tmp_path, "a.csv", ["timestamp,slo,good,total", f"{T0},checkout-availability,1,2"])

    runner.invoke(app, ["ingest", str(path)])
    again = runner.invoke(app, ["ingest", str(path)])

    assert again.exit_code == 0, again.output
    assert "already ingested" in again.stdout
    assert "counted once" in again.stdout
    assert _total(slo.id) == 2.0


def test_it_lists_bad_rows_with_file_and_line_and_writes_nothing(tmp_path):
    ratio_slo("checkout-availability")
    path = _csv(
        tmp_path,
        "a.csv",
        [
            "timestamp,slo,good,total",
            f"{T0},checkout-availability,1,2",
            f"{T0 + 60},checkout-availability,3,2",
            f"{T0 + 120},checkout-availabilty,1,1",
        ],
    )

    result = runner.invoke(app, ["ingest", str(path)])

    assert result.exit_code == 1
    assert f"{path}:3:" in result.stderr
    assert f"{path}:4:" in result.stderr
    assert "did you mean 'checkout-availability'" in result.stderr
    assert "2 bad rows; nothing was written" in result.stderr
    assert IngestBatch.objects.count() == 0


def test_it_skips_bad_rows_with_skip_bad_and_counts_them(tmp_path):
    slo = ratio_slo("checkout-availability")
    path = _csv(
        tmp_path,
        "a.csv",
        [
            "timestamp,slo,good,total",
            f"{T0},checkout-availability,1,2",
            f"{T0 + 60},checkout-availability,3,2",
            f"{T0 + 120},nobody,1,1",
        ],
    )

    result = runner.invoke(app, ["ingest", "--skip-bad", str(path)])

    assert result.exit_code == 0, result.output
    assert "1 buckets for 1 SLO, 2 bad rows skipped" in result.stdout
    assert _total(slo.id) == 2.0


def test_it_refuses_values_for_a_ratio_slo_and_counts_for_a_threshold_slo(tmp_path):
    ratio_slo("checkout-availability")
    threshold_slo("checkout-latency")
    path = _csv(
        tmp_path,
        "a.csv",
        [
            "timestamp,slo,good,total,value",
            f"{T0},checkout-availability,,,3.5",
            f"{T0},checkout-latency,1,1,",
        ],
    )

    result = runner.invoke(app, ["ingest", str(path)])

    assert result.exit_code == 1
    assert "'checkout-availability' has a ratio indicator, but 1 rows carry a value" in (
        result.stderr
    )
    assert "'checkout-latency' has a threshold indicator" in result.stderr
    assert IngestBatch.objects.count() == 0


def test_it_writes_no_file_when_another_file_of_the_call_has_bad_rows(tmp_path):
    ratio_slo("checkout-availability")
    good = _csv(tmp_path, "a.csv", ["timestamp,slo,good,total", f"{T0},checkout-availability,1,1"])
    bad = _csv(tmp_path, "b.csv", ["timestamp,slo,good,total", f"{T0},checkout-availability,2,1"])

    result = runner.invoke(app, ["ingest", str(good), str(bad)])

    assert result.exit_code == 1
    assert IngestBatch.objects.count() == 0


def test_it_names_a_missing_file(tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.csv")])

    assert result.exit_code == 1
    assert "nope.csv: no such file" in result.stderr


@pytest.mark.slow
def test_it_tells_to_run_migrate_when_there_is_no_database(tmp_path):
    path = _csv(tmp_path, "a.csv", ["timestamp,slo,good,total", f"{T0},x,1,1"])
    env = {**os.environ, "EKKYO_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    done = subprocess.run(
        [str(Path(sys.executable).parent / "ekkyo"), "ingest", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert "run 'ekkyo migrate' first" in done.stderr
