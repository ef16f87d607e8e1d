"""What the fuzz tests found, kept as plain examples so that it stays fixed."""

from __future__ import annotations

import json

from ekkyo.specs import load_text
from ekkyo.specs.problems import MAX_MESSAGE, readable

SERVICE = '{"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}}'


def _slo(**spec_changes: object) -> str:
    spec = {
        "service": "s",
        "indicator": {
            "metadata": {"name": "i"},
            "spec": {
                "ratioMetric": {
                    "counter": True,
                    "good": {"metricSource": {"type": "push"}},
                    "total": {"metricSource": {"type": "push"}},
                }
            },
        },
        "timeWindow": [{"duration": "28d", "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"target": 0.99}],
    } | spec_changes
    doc = {"apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": "x"}, "spec": spec}
    return json.dumps(doc) + "\n---\n" + SERVICE


def _sloth(**slo_changes: object) -> str:
    slo = {
        "name": "requests-availability",
        "objective": 99.9,
        "sli": {"events": {"error_query": "sum(a)", "total_query": "sum(b)"}},
    } | slo_changes
    return json.dumps({"version": "prometheus/v1", "service": "svc", "slos": [slo]})


def test_it_reports_a_kind_that_is_a_mapping_instead_of_raising():
    result = load_text('{"apiVersion": "openslo/v1", "kind": {"a": 1}, "metadata": {}}', "k.yaml")

    assert [p.message.split(" is not one of")[0] for p in result.problems] == ["kind: a mapping"]


def test_it_reports_a_sloth_description_too_long_for_openslo_instead_of_raising():
    result = load_text(_sloth(description="d" * 5000), "sloth.yaml")

    assert len(result.problems) == 1
    assert "at most 1050 characters" in result.problems[0].message


def test_it_refuses_a_percent_so_small_that_its_ratio_is_zero():
    sloth = load_text(_sloth(objective=5e-324), "sloth.yaml")
    openslo = load_text(_slo(objectives=[{"targetPercent": 5e-324}]), "slo.yaml")

    for result in (sloth, openslo):
        assert [p.message.split(": ")[-1] for p in result.problems] == [
            "must be between 0 and 100 (both excluded), got 5e-324"
        ]


def test_it_keeps_a_message_that_quotes_a_huge_value_short():
    calendar = {"timeZone": "z" * 60_000, "startTime": "2024-01-01T00:00:00Z"}
    result = load_text(_slo(timeWindow=[{"duration": "1M", "calendar": calendar}]), "slo.yaml")

    zone = [p.message for p in result.problems if "unknown time zone" in p.message]
    assert len(zone) == 1
    assert zone[0].startswith("spec.timeWindow[0].calendar.timeZone: unknown time zone 'zzz")
    assert len(zone[0]) <= MAX_MESSAGE


def test_it_keeps_a_message_that_quotes_control_characters_on_one_line():
    result = load_text(_slo(**{"\t\r\n\u202e": 1}), "slo.yaml")

    messages = [p.message for p in result.problems]
    assert any("\\t\\r\\n\\u202e" in m for m in messages), messages
    assert all(m.isprintable() for m in messages)


def test_it_leaves_a_plain_message_alone():
    message = "spec.objectives[0].target: must be between 0 and 1 (both excluded), got 1.5"

    assert readable(message) == message


def test_it_keeps_both_ends_of_a_long_message():
    message = "unknown field '" + "k" * 1000 + "' (did you mean 'kind'?)"

    shown = readable(message)

    assert len(shown) == MAX_MESSAGE
    assert shown.startswith("unknown field 'kkk")
    assert shown.endswith("(did you mean 'kind'?)")
