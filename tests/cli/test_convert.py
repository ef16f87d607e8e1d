from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ekkyo.cli import _register, app
from ekkyo.specs import SLO, Service, load_text
from tests.specs.helpers import SERVICE, with_service
from tests.specs.helpers import SLO as SLO_TEXT

_register()

SLOTH = """\
version: prometheus/v1
service: myservice
slos:
  - name: requests-availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_it_converts_sloth_to_openslo_on_stdout(runner: CliRunner, tmp_path: Path):
    spec = tmp_path / "sloth.yaml"
    spec.write_text(SLOTH)
    result = runner.invoke(app, ["convert", "--to", "openslo", str(spec)])
    assert result.exit_code == 0, result.output
    converted = load_text(result.stdout)
    assert converted.ok, [str(p) for p in converted.problems]
    assert [type(obj) for obj in converted.objects] == [Service, SLO]
    slo = converted.slos[0]
    assert slo.name == "myservice-requests-availability"
    assert slo.objectives[0].target == 0.999
    assert "[{{.window}}]" in result.stdout


def test_it_passes_openslo_through(runner: CliRunner, tmp_path: Path):
    spec = tmp_path / "slo.yaml"
    spec.write_text(with_service(SLO_TEXT))
    result = runner.invoke(app, ["convert", "--to", "openslo", str(spec)])
    assert result.exit_code == 0, result.output
    assert load_text(result.stdout).objects == load_text(with_service(SLO_TEXT)).objects


def test_it_writes_nothing_on_stdout_for_invalid_input(runner: CliRunner, tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text(SERVICE)
    bad = tmp_path / "bad.yaml"
    bad.write_text(SLOTH.replace("objective: 99.9", "objective: 100"))
    result = runner.invoke(app, ["convert", "--to", "openslo", str(good), str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"{bad}:5:16: slos[0].objective: must be between 0 and 100 (both excluded), got 100.0\n"
    )
    assert result.stderr.endswith("1 problem: nothing converted\n")


def test_it_exits_two_for_a_missing_path(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(app, ["convert", "--to", "openslo", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stdout == ""


def test_it_exits_two_for_an_unknown_target_format(runner: CliRunner, tmp_path: Path):
    spec = tmp_path / "sloth.yaml"
    spec.write_text(SLOTH)
    result = runner.invoke(app, ["convert", "--to", "sloth", str(spec)])
    assert result.exit_code == 2
    assert result.stdout == ""
