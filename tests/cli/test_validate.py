from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ekkyo.cli import _register, app
from tests.specs.helpers import SERVICE, SLO, at, with_service

_register()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_it_exits_zero_and_prints_nothing_on_stdout_for_valid_specs(
    runner: CliRunner, tmp_path: Path
):
    spec = _write(tmp_path / "slo.yaml", with_service(SLO))
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "1 file valid: 2 objects, 1 SLO\n"


def test_it_prints_each_problem_as_path_line_col_message(runner: CliRunner, tmp_path: Path):
    text = with_service(SLO.replace("target: 0.99", "target: 1.5"))
    spec = _write(tmp_path / "slo.yaml", text)
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1
    line, col = at(text, "1.5")
    assert result.stdout == (
        f"{spec}:{line}:{col}: spec.objectives[0].target: must be between 0 and 1 "
        "(both excluded), got 1.5\n"
    )
    assert result.stderr == "1 problem in 1 of 1 file\n"


def test_it_validates_directories_and_files_together(runner: CliRunner, tmp_path: Path):
    (tmp_path / "specs").mkdir()
    _write(tmp_path / "specs" / "slo.yaml", SLO)
    service = _write(tmp_path / "service.yaml", SERVICE)
    result = runner.invoke(app, ["validate", str(tmp_path / "specs"), str(service)])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("2 files valid")


def test_it_fails_when_any_file_is_invalid(runner: CliRunner, tmp_path: Path):
    good = _write(tmp_path / "good.yaml", SERVICE)
    bad = _write(tmp_path / "bad.yaml", "apiVersion: openslo/v1\nkind: Service\n")
    result = runner.invoke(app, ["validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert result.stdout == f"{bad}:1:1: missing required field 'metadata'\n"
    assert result.stderr == "1 problem in 1 of 2 files\n"


def test_it_prints_json_when_asked(runner: CliRunner, tmp_path: Path):
    bad = _write(tmp_path / "bad.yaml", "apiVersion: openslo/v1\nkind: Service\n")
    result = runner.invoke(app, ["validate", "--format", "json", str(bad)])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "valid": False,
        "files": 1,
        "problems": [
            {"path": str(bad), "line": 1, "col": 1, "message": "missing required field 'metadata'"}
        ],
    }


def test_it_prints_json_for_valid_specs_too(runner: CliRunner, tmp_path: Path):
    spec = _write(tmp_path / "service.yaml", SERVICE)
    result = runner.invoke(app, ["validate", "--format", "json", str(spec)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"valid": True, "files": 1, "problems": []}


def test_it_exits_two_for_a_missing_path(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no such file or directory" in result.stderr


def test_it_exits_two_without_paths(runner: CliRunner):
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_it_exits_two_for_an_unknown_format(runner: CliRunner, tmp_path: Path):
    spec = _write(tmp_path / "service.yaml", SERVICE)
    assert runner.invoke(app, ["validate", "--format", "xml", str(spec)]).exit_code == 2


def test_it_validates_the_examples(runner: CliRunner):
    examples = Path(__file__).resolve().parents[2] / "examples"
    result = runner.invoke(app, ["validate", str(examples)])
    assert result.exit_code == 0, result.output
