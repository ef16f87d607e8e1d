from __future__ import annotations

import pytest

from ekkyo.series.objectives import ObjectiveError, layout_of, resolve_objective
from tests.series.helpers import ratio_doc, threshold_doc


def _own(name: str, kind: str) -> dict:
    metric = {"metricSource": {"type": "push"}}
    spec = {"ratioMetric": {"good": metric, "total": metric}} if kind == "ratio" else {}
    if kind == "threshold":
        spec = {"thresholdMetric": metric}
    return {"metadata": {"name": name}, "spec": spec}


def test_it_sends_every_objective_of_a_shared_indicator_to_the_empty_key():
    doc = ratio_doc("a", [{"displayName": "fast", "target": 0.9}, {"target": 0.99}])

    keys = {resolve_objective(doc, o) for o in (None, "fast", 0, 1, "1")}

    assert keys == {""}


def test_it_names_the_objectives_when_one_is_unknown():
    doc = ratio_doc("a", [{"displayName": "fast", "target": 0.9}, {"target": 0.99}])

    with pytest.raises(ObjectiveError) as caught:
        resolve_objective(doc, "slow")

    assert "unknown objective 'slow'" in str(caught.value)
    assert "'fast', '1'" in str(caught.value)


@pytest.mark.parametrize("objective", [2, -1, "7", True, 1.0, ["fast"]])
def test_it_refuses_an_index_out_of_range_or_a_wrong_type(objective):
    doc = ratio_doc("a", [{"displayName": "fast", "target": 0.9}, {"target": 0.99}])

    with pytest.raises(ObjectiveError):
        resolve_objective(doc, objective)


def test_it_keys_an_objective_with_its_own_indicator_by_its_name_or_index():
    doc = ratio_doc(
        "a",
        [
            {"displayName": "shared", "target": 0.9},
            {"displayName": "latency", "target": 0.9, "indicator": _own("l", "threshold")},
            {"target": 0.9, "indicator": _own("x", "ratio")},
        ],
    )
    layout = layout_of(doc)

    assert [layout.resolve(o) for o in ("shared", "latency", 1, 2, None)] == [
        "",
        "latency",
        "latency",
        "2",
        "",
    ]
    assert (layout.kind(""), layout.kind("latency"), layout.kind("2")) == (
        "counts",
        "value",
        "counts",
    )


def test_it_requires_an_objective_when_each_has_its_own_indicator_and_there_are_several():
    doc = {
        "spec": {
            "objectives": [
                {"displayName": "a", "target": 0.9, "indicator": _own("a", "ratio")},
                {"displayName": "b", "target": 0.9, "indicator": _own("b", "ratio")},
            ]
        }
    }

    with pytest.raises(ObjectiveError, match="objective is required"):
        resolve_objective(doc, None)
    assert resolve_objective(doc, "b") == "b"


def test_it_takes_the_lone_objective_with_its_own_indicator_by_default():
    doc = {"spec": {"objectives": [{"target": 0.9, "indicator": _own("a", "ratio")}]}}

    assert resolve_objective(doc, None) == "0"


def test_it_tells_ratio_from_threshold_indicators():
    assert layout_of(ratio_doc("a")).kind("") == "counts"
    assert layout_of(threshold_doc("b")).kind("") == "value"
    assert layout_of({"spec": {}}).kind("") == "any"
