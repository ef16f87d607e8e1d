"""Whatever the input, loading returns problems and never raises (and does so quickly)."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ekkyo.specs import LoadResult, load_text
from ekkyo.specs.model import KINDS
from tests.specs.helpers import SLO, with_service

FUZZ = settings(max_examples=100, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

# Keys the specs know, so that random documents get past the first checks.
WORDS = sorted(
    {
        "apiVersion",
        "kind",
        "metadata",
        "name",
        "spec",
        "service",
        "indicator",
        "indicatorRef",
        "ratioMetric",
        "thresholdMetric",
        "good",
        "bad",
        "total",
        "raw",
        "rawType",
        "metricSource",
        "metricSourceRef",
        "type",
        "timeWindow",
        "duration",
        "isRolling",
        "calendar",
        "timeZone",
        "startTime",
        "budgetingMethod",
        "objectives",
        "target",
        "targetPercent",
        "timeSliceWindow",
        "alertPolicies",
        "alertPolicyRef",
        "conditions",
        "conditionRef",
        "notificationTargets",
        "targetRef",
        "version",
        "slos",
        "sli",
        "events",
        "error_query",
        "total_query",
        "objective",
        *KINDS,
    }
)
VALUES = st.sampled_from(
    [
        "openslo/v1",
        "prometheus/v1",
        "sloth.slok.dev/v1",
        "PrometheusServiceLevel",
        "28d",
        "1M",
        "Occurrences",
        "Timeslices",
        "x",
        "UTC",
    ]
)
leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | VALUES
trees = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(WORDS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=25,
)


def _dump(data: object) -> str:
    out = io.StringIO()
    YAML(typ="rt").dump(data, out)
    return out.getvalue()


def _check(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    assert result.ok == (not result.problems)
    assert all(p.line >= 1 and p.col >= 1 and p.message for p in result.problems)


@FUZZ
@given(st.text(max_size=300))
def test_it_never_raises_on_arbitrary_text(text: str):
    _check(load_text(text, "fuzz.yaml"))


@FUZZ
@given(trees)
def test_it_never_raises_on_arbitrary_yaml(data: object):
    _check(load_text(_dump(data), "fuzz.yaml"))


@FUZZ
@given(trees)
def test_it_never_raises_on_arbitrary_openslo_documents(spec: object):
    data = {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "x"}, "spec": spec}
    _check(load_text(_dump(data), "fuzz.yaml"))


@FUZZ
@given(st.data())
def test_it_never_raises_on_a_valid_spec_with_one_line_changed(data: st.DataObject):
    lines = with_service(SLO).splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(max_size=40) | st.sampled_from(WORDS).map(lambda w: w + ":"))
    _check(load_text("\n".join(lines), "fuzz.yaml"))


def test_it_refuses_an_alias_bomb_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    result = load_text("\n".join(lines) + "\n", "bomb.yaml")
    assert result.problems[0].message.startswith("document too large")


def test_it_reports_an_alias_that_contains_itself():
    result = load_text("a: &a [1, *a]\n", "loop.yaml")
    assert not result.ok


def test_it_reports_deep_nesting_as_a_problem():
    result = load_text("[" * 5000 + "]" * 5000, "deep.yaml")
    assert [p.message for p in result.problems] == ["YAML is nested more than 100 levels deep"]


def test_it_reads_nesting_that_the_parser_can_take():
    result = load_text("a: " + "[" * 90 + "]" * 90 + "\n", "deep.yaml")
    assert [p.message for p in result.problems] == [
        "missing 'apiVersion' (OpenSLO: 'openslo/v1') or 'version' (Sloth)"
    ]
