"""Compiled rule files pass `promtool check rules`; the generated unit tests pass and bite."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ekkyo.rules import Options, compile_prometheus, render, yamltext
from ekkyo.rules.promtests import unit_test_files
from tests.conftest import require_binary
from tests.rules.helpers import SLOTH, load, openslo

pytestmark = pytest.mark.real

POLICY = """
    alertPolicies:
      - kind: AlertPolicy
        apiVersion: openslo/v1
        metadata: {name: slow}
        spec:
          conditions:
            - kind: AlertCondition
              apiVersion: openslo/v1
              metadata: {name: slow-burn}
              spec:
                severity: ticket
                condition: {kind: burnrate, threshold: 1, lookbackWindow: 3d, alertAfter: 10m}
          notificationTargets: []
"""


def _specs():
    return load(
        SLOTH,
        openslo(window="28d", target=0.95, extra_spec=POLICY, labels="team: shop"),
        openslo(
            name="search-latency",
            service="search",
            bad=None,
            good='http_requests_total{job="search",code="200"}',
            total='http_requests_total{job="search"}',
            window="7d",
            target=0.9,
        ),
    )


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


def _write_tests(rules, where: Path) -> list[str]:
    names = []
    for test in unit_test_files(rules):
        (where / test.rules_path).parent.mkdir(parents=True, exist_ok=True)
        (where / test.rules_path).write_text(yamltext.dump({"groups": list(test.rules_groups)}))
        (where / test.path).write_text(yamltext.dump(test.document))
        names.append(test.path)
    return names


@pytest.mark.parametrize("period_sli", ["average", "events"])
def test_it_passes_promtool_check_rules(tmp_path, period_sli):
    promtool = require_binary("promtool", "apt install prometheus")
    loaded = _specs()
    rules = compile_prometheus(loaded.slos, loaded.objects, Options(period_sli=period_sli))
    (tmp_path / "rules.yaml").write_text(render(rules))
    done = _run(promtool, "check", "rules", "rules.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {sum(len(g['rules']) for g in rules.groups)} rules found" in done.stdout


@pytest.mark.parametrize("period_sli", ["average", "events"])
def test_it_writes_unit_tests_that_promtool_passes(tmp_path, period_sli):
    promtool = require_binary("promtool", "apt install prometheus")
    loaded = _specs()
    rules = compile_prometheus(loaded.slos, loaded.objects, Options(period_sli=period_sli))
    names = _write_tests(rules, tmp_path)
    assert len(names) == 3
    done = _run(promtool, "test", "rules", *names, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert done.stdout.count("SUCCESS") == 3


def test_it_writes_unit_tests_that_fail_when_a_threshold_is_off(tmp_path):
    promtool = require_binary("promtool", "apt install prometheus")
    loaded = load(SLOTH)
    rules = compile_prometheus(loaded.slos, loaded.objects)
    names = _write_tests(rules, tmp_path)
    rule_file = tmp_path / "rules" / "myservice-requests-availability.yaml"
    # A page threshold 2 % too high: the "1 % above fires" test must catch it.
    text = rule_file.read_text()
    assert "(14.4 * " in text
    rule_file.write_text(text.replace("(14.4 * ", "(14.688 * "))
    done = _run(promtool, "test", "rules", *names, cwd=tmp_path)
    assert done.returncode != 0
    # promtool names the failing check: an expected page alert that did not come.
    assert 'sloth_severity="page"' in done.stderr and "got:[]" in done.stderr


def test_it_writes_unit_tests_that_fail_when_a_window_is_swapped(tmp_path):
    promtool = require_binary("promtool", "apt install prometheus")
    loaded = load(SLOTH)
    rules = compile_prometheus(loaded.slos, loaded.objects)
    names = _write_tests(rules, tmp_path)
    rule_file = tmp_path / "rules" / "myservice-requests-availability.yaml"
    text = rule_file.read_text()
    # The page rule reading 30m where it should read 5m: "only the long window" must fail.
    first = text.index("(slo:sli_error:ratio_rate5m{")
    text = text[:first] + text[first:].replace("ratio_rate5m{", "ratio_rate30m{", 1)
    rule_file.write_text(text)
    done = _run(promtool, "test", "rules", *names, cwd=tmp_path)
    assert done.returncode != 0
