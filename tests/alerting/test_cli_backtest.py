"""`ekkyo backtest` on files: JSON, the table, settings from the spec, and errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ekkyo import engine, toolkit
from ekkyo.cli import _register, app

_register()
runner = CliRunner()
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z

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
  annotations:
    ekkyo.dev/alert-for: "{alert_for}"
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
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: availability
      target: 0.99
"""


def files(tmp_path, alert_for="0m"):
    """Three quiet hours, 20 minutes at 50 % errors from minute 180, then quiet again."""
    spec = tmp_path / "slo.yaml"
    spec.write_text(SPEC.format(alert_for=alert_for))
    data = tmp_path / "b.csv"
    rows = [f"{T0 + 60 * i},checkout,{50 if 180 <= i < 200 else 100},100" for i in range(300)]
    data.write_text("timestamp,slo,good,total\n" + "\n".join(rows) + "\n")
    return spec, data


def invoke(spec, data, *extra, start=T0 + 3600, end=T0 + 300 * 60):
    args = ["backtest", "--spec", str(spec), "--data", str(data)]
    return runner.invoke(app, [*args, "--from", str(start), "--to", str(end), *extra])


def intervals(output):
    (result,) = json.loads(output)["results"]
    return {
        (r["long_window"], r["short_window"]): [(i["start"], i["end"]) for i in r["intervals"]]
        for r in result["rules"]
    }


def test_it_prints_when_each_rule_would_have_fired_as_json(tmp_path):
    spec, data = files(tmp_path)

    out = invoke(spec, data, "--json")

    assert out.exit_code == 0, out.output
    found = intervals(out.output)
    ((start, end),) = found[("1h", "5m")]
    # Held to the engine: the rule fires at `start` and not a minute before.
    loaded = toolkit.load_specs([spec])
    csv = toolkit.load_buckets(data, loaded)
    series = toolkit.series_for(csv.by_slo["checkout"], T0 + 300 * 60)
    objective = toolkit.objectives_of(loaded.slos[0])[0].objective
    at = toolkit.parse_time(start)
    fired = [a.long_window for a in engine.evaluate(series, objective, at=at).alerts]
    before = [a.long_window for a in engine.evaluate(series, objective, at=at - 60).alerts]
    assert "1h" in fired and "1h" not in before
    assert end is not None


def test_it_applies_the_slos_alert_for_annotation(tmp_path):
    plain = intervals(invoke(*files(tmp_path), "--json").output)[("1h", "5m")]
    held_dir = tmp_path / "held"
    held_dir.mkdir()

    held = intervals(invoke(*files(held_dir, "3m"), "--json").output)[("1h", "5m")]

    assert toolkit.parse_time(held[0][0]) == toolkit.parse_time(plain[0][0]) + 180


def test_it_prints_a_readable_table_by_default(tmp_path):
    out = invoke(*files(tmp_path))

    assert out.exit_code == 0
    assert "page 1h/5m > 14.4" in out.output and "2026-01-01 03:18" in out.output


def test_it_says_so_when_no_alert_would_have_fired(tmp_path):
    spec, data = files(tmp_path)

    out = invoke(spec, data, start=T0 + 3600, end=T0 + 7200)

    assert "none would have fired" in out.output


def test_it_rejects_a_time_that_is_not_one(tmp_path):
    spec, data = files(tmp_path)

    out = invoke(spec, data, start="yesterday")

    assert out.exit_code == 2 and "--from" in out.stderr


def test_it_rejects_a_period_that_ends_before_it_starts(tmp_path):
    spec, data = files(tmp_path)

    out = invoke(spec, data, start=T0 + 7200, end=T0)

    assert out.exit_code == 2 and "--to is before --from" in out.stderr


def test_it_names_the_file_and_line_of_a_bad_spec(tmp_path):
    spec, data = files(tmp_path)
    spec.write_text(spec.read_text().replace("target: 0.99", "target: 1.5"))

    out = invoke(spec, data)

    assert out.exit_code == 1 and f"{spec}:" in out.stderr
