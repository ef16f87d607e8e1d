from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ekkyo import engine, toolkit
from ekkyo.cli import _register, app

_register()
runner = CliRunner()

SPEC = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: shop
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout
spec:
  service: shop
  indicator:
    metadata:
      name: checkout-ok
    spec:
      ratioMetric:
        counter: false
        good:
          metricSource:
            type: push
        total:
          metricSource:
            type: push
  timeWindow:
    - duration: 1d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: fast
      target: 0.99
    - target: 0.9
"""
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def _files(tmp_path, rows):
    spec = tmp_path / "slo.yaml"
    spec.write_text(SPEC)
    data = tmp_path / "b.csv"
    data.write_text("timestamp,slo,good,total\n" + "".join(f"{r}\n" for r in rows))
    return spec, data


def test_it_prints_the_json_of_slo_math_for_every_objective_in_spec_order(tmp_path):
    rows = [f"{T0 + 60 * i},checkout,{95 if i == 10 else 100},100" for i in range(120)]
    spec, data = _files(tmp_path, rows)
    result = runner.invoke(app, ["evaluate", "--spec", str(spec), "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["evaluated_at"] == "2026-01-01T02:00:00Z"
    assert [(r["slo"], r["objective"]) for r in out["results"]] == [
        ("checkout", "fast"),
        ("checkout", "1"),
    ]
    first = out["results"][0]
    assert (first["good"], first["total"]) == (11995, 12000)
    assert first["sli"] == pytest.approx(11995 / 12000)
    assert first["error_budget"]["allowed_bad"] == pytest.approx(0.01 * 12000)
    assert first["burn_rates"]["5m"] == 0.0
    assert first["burn_rates"]["3d"] == pytest.approx((5 / 12000) / 0.01)
    assert list(first) == [
        "slo", "objective", "target", "window", "sli", "good", "total",
        "error_budget", "burn_rates", "alerts", "time_to_exhaustion_s",
    ]  # fmt: skip


def test_it_matches_the_engine_called_directly(tmp_path):
    rng = np.random.default_rng(3)
    total = rng.integers(0, 50, 600)
    good = total - rng.integers(0, 3, 600).clip(max=total)
    rows = [
        f"{T0 + 60 * i},checkout,{g},{t}" for i, (g, t) in enumerate(zip(good, total, strict=True))
    ]
    spec, data = _files(tmp_path, rows)
    at = T0 + 60 * 500
    out = json.loads(
        runner.invoke(
            app, ["evaluate", "--spec", str(spec), "--data", str(data), "--json", "--at", str(at)]
        ).stdout
    )
    series = engine.Series(T0, good.astype(float), total.astype(float))
    direct = engine.evaluate(series, engine.Objective(0.99, engine.RollingWindow(86400)), at=at)
    assert out["results"][0]["sli"] == pytest.approx(direct.sli)
    assert out["results"][0]["burn_rates"] == pytest.approx(dict(direct.burn_rates))


def test_it_skips_bad_rows_with_their_line_numbers_and_warns(tmp_path):
    spec, data = _files(tmp_path, [f"{T0},checkout,5,10", f"{T0 + 60},checkout,11,10"])
    result = runner.invoke(app, ["evaluate", "--spec", str(spec), "--data", str(data), "--json"])
    assert result.exit_code == 0
    assert f"{data}:3: good 11 is greater than total 10" in result.stderr
    assert "skipped 1 bad row(s) of 2" in result.stderr
    assert json.loads(result.stdout)["results"][0]["total"] == 10


def test_it_fails_on_bad_rows_with_strict(tmp_path):
    spec, data = _files(tmp_path, [f"{T0},checkout,5,10", f"{T0 + 60},chekout,1,1"])
    result = runner.invoke(app, ["evaluate", "--spec", str(spec), "--data", str(data), "--strict"])
    assert result.exit_code == 1
    assert "unknown SLO 'chekout' (did you mean 'checkout'?)" in result.stderr
    assert result.stdout == ""


def test_it_reports_spec_problems_with_file_and_line(tmp_path):
    spec, data = _files(tmp_path, [f"{T0},checkout,5,10"])
    spec.write_text(SPEC.replace("target: 0.99", "target: 1.5"))
    result = runner.invoke(app, ["evaluate", "--spec", str(spec), "--data", str(data)])
    assert result.exit_code == 1
    assert f"{spec}:30:15: spec.objectives[0].target: must be between 0 and 1" in result.stderr


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2026-01-01T00:00:30Z", "not on a minute boundary"),
        ("2026-01-01T00:00:00", "has no time zone"),
        ("yesterday", "is not a time"),
    ],
)
def test_it_explains_a_bad_evaluation_time(tmp_path, at, message):
    spec, data = _files(tmp_path, [f"{T0},checkout,5,10"])
    result = runner.invoke(app, ["evaluate", "--spec", str(spec), "--data", str(data), "--at", at])
    assert result.exit_code == 2
    assert message in result.stderr


def test_it_names_a_missing_data_file(tmp_path):
    spec, _ = _files(tmp_path, [])
    result = runner.invoke(
        app, ["evaluate", "--spec", str(spec), "--data", str(tmp_path / "nope.csv")]
    )
    assert result.exit_code == 1
    assert "nope.csv: no such file" in result.stderr


def test_it_prints_a_table_by_default(tmp_path):
    spec, data = _files(tmp_path, [f"{T0 + 60 * i},checkout,100,100" for i in range(60)])
    result = runner.invoke(app, ["evaluate", "--spec", str(spec), "--data", str(data)])
    assert result.exit_code == 0
    assert "checkout" in result.stdout and "100.000%" in result.stdout


def test_it_gives_null_numbers_for_an_slo_without_data(tmp_path):
    spec, data = _files(tmp_path, [])
    out = json.loads(
        runner.invoke(
            app,
            ["evaluate", "--spec", str(spec), "--data", str(data), "--json", "--at", str(T0)],
        ).stdout
    )
    first = out["results"][0]
    assert first["sli"] is None and first["error_budget"]["remaining_ratio"] is None
    assert first["time_to_exhaustion_s"] is None


def test_it_maps_a_calendar_threshold_timeslice_objective_onto_the_engine():
    loaded = toolkit.specs.load_text(
        SPEC.replace(
            "ratioMetric:\n        counter: false\n        good:\n          metricSource:\n"
            "            type: push\n        total:\n          metricSource:\n"
            "            type: push\n",
            "thresholdMetric:\n        metricSource:\n          type: push\n",
        )
        .replace(
            "    - duration: 1d\n      isRolling: true\n",
            "    - duration: 1M\n      isRolling: false\n      calendar:\n"
            "        startTime: 2026-01-01 00:00:00\n        timeZone: Asia/Tokyo\n",
        )
        .replace("Occurrences", "Timeslices")
        .replace(
            "    - displayName: fast\n      target: 0.99\n    - target: 0.9\n",
            "    - op: lte\n      value: 250\n      target: 0.95\n"
            "      timeSliceTarget: 0.9\n      timeSliceWindow: 5m\n",
        )
    )
    assert loaded.ok, loaded.problems
    (named,) = toolkit.objectives_of(loaded.slos[0])
    objective = named.objective
    assert named.name == "0"
    assert objective.window == engine.CalendarWindow(
        "M", 1, "Asia/Tokyo", loaded.slos[0].spec.time_window[0].calendar.start_time
    )
    assert objective.threshold == engine.Threshold("lte", 250.0)
    assert objective.budgeting is engine.Budgeting.TIMESLICES
    assert objective.time_slice_window_s == 300


def test_it_builds_the_same_objectives_from_a_stored_document():
    loaded = toolkit.specs.load_text(SPEC)
    document = toolkit.specs.to_document(loaded.slos[0])
    assert toolkit.objectives_of_document(document) == toolkit.objectives_of(loaded.slos[0])
