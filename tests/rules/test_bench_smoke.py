"""The rules benchmark's pieces still run (tiny sizes, no timing assertions)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ekkyo.rules import compile_prometheus
from ekkyo.specs import load_texts
from tests.conftest import require_binary

BENCH = Path(__file__).resolve().parents[2] / "bench" / "compile_rules.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ekkyo_bench_compile_rules", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_it_generates_valid_sloth_specs(bench: ModuleType) -> None:
    loaded = load_texts([("bench.yaml", bench.sloth_specs(23))])
    assert loaded.ok, loaded.problems[:3]
    assert len(loaded.slos) == 23


@pytest.mark.real
def test_it_compiles_and_checks_with_promtool(bench: ModuleType, tmp_path: Path) -> None:
    promtool = require_binary("promtool", "apt install prometheus")
    result = bench.bench_compile(12, promtool, tmp_path)
    assert result["promtool_ok"], result["promtool"]
    assert result["rules"] == 12 * 17


def test_it_writes_the_period_ratio_as_sloth_does(bench: ModuleType) -> None:
    loaded = load_texts([("bench.yaml", bench.sloth_specs(1))])
    rules = compile_prometheus(loaded.slos, loaded.objects)
    shaped = bench.sloth_shaped({"groups": [dict(g) for g in rules.groups]})
    period = shaped["groups"][0]["rules"][-1]
    assert period["expr"].startswith("sum_over_time(slo:sli_error:ratio_rate5m{")
    assert (
        "/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m{" in period["expr"]
    )
    assert period["labels"] == {"sloth_window": "30d"}
    # Everything else is left as ekkyo compiled it.
    assert shaped["groups"][1:] == [dict(g) for g in rules.groups[1:]]
