"""OpenSLO out: the emitter's shape, and OpenSLO → model → OpenSLO without loss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ekkyo.specs import SLO, SpecObject, emit_openslo, load_paths, load_text, to_document
from tests.specs.helpers import SLO as SLO_TEXT
from tests.specs.helpers import with_service
from tests.specs.strategies import worlds

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_it_emits_nothing_for_no_objects():
    assert emit_openslo([]) == ""


def test_it_writes_one_document_per_object_with_the_header_first():
    objects = load_text(with_service(SLO_TEXT)).objects
    text = emit_openslo(objects)
    documents = text.split("---\n")[1:]
    assert len(documents) == 2
    assert all(doc.startswith("apiVersion: openslo/v1\nkind: ") for doc in documents)


def test_it_writes_a_target_percent_as_given():
    text = with_service(SLO_TEXT.replace("target: 0.99", "targetPercent: 99.5"))
    emitted = emit_openslo(load_text(text).objects)
    assert "targetPercent: 99.5\n" in emitted
    assert "target: " not in emitted


def test_it_writes_the_window_as_a_list_of_one_item():
    emitted = emit_openslo(load_text(with_service(SLO_TEXT)).objects)
    assert "  timeWindow:\n    - duration: 28d\n      isRolling: true\n" in emitted


def test_it_writes_multi_line_queries_as_literal_blocks():
    text = with_service(
        SLO_TEXT.replace(
            "query: sum(rate(errors_total[1m]))",
            "query: |\n                  sum(\n                    rate(errors_total[1m])\n"
            "                  )",
        )
    )
    emitted = emit_openslo(load_text(text).objects)
    assert "query: |\n" in emitted


def test_it_writes_a_resolved_slo_as_a_standalone_spec():
    sli = (
        "apiVersion: openslo/v1\nkind: SLI\nmetadata:\n  name: errs\nspec:\n"
        "  thresholdMetric:\n    metricSource:\n      type: push\n"
    )
    slo = SLO_TEXT.replace(
        SLO_TEXT[SLO_TEXT.index("  indicator:") : SLO_TEXT.index("  timeWindow:")],
        "  indicatorRef: errs\n",
    ).replace("target: 0.99", "target: 0.99\n      op: lt\n      value: 1")
    result = load_text(with_service(slo) + "---\n" + sli)
    assert result.ok, [str(p) for p in result.problems]
    standalone = load_text(with_service(emit_openslo(result.slos)))
    assert standalone.ok, [str(p) for p in standalone.problems]
    assert standalone.slos == result.slos


@pytest.mark.parametrize(
    "path", sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*.yaml")), ids=str
)
def test_it_round_trips_the_example_files(path: Path):
    loaded = load_paths([EXAMPLES / path])
    if not loaded.ok:  # examples that refer to objects in other files
        loaded = load_paths([EXAMPLES])
        objects: tuple[SpecObject, ...] = loaded.objects
    else:
        objects = loaded.objects
    again = load_text(emit_openslo(objects))
    assert again.ok, [str(p) for p in again.problems]
    assert again.objects == objects


def test_it_emits_sloth_imports_as_openslo_that_reads_back_the_same():
    loaded = load_paths([EXAMPLES / "sloth"])
    assert loaded.ok
    again = load_text(emit_openslo(loaded.objects))
    assert again.ok
    assert again.objects == loaded.objects
    assert all(isinstance(obj, SLO) for obj in again.slos)


def _round_trips(objects: list[SpecObject]) -> None:
    text = emit_openslo(objects)
    result = load_text(text, "emitted.yaml")
    assert result.ok, [str(p) for p in result.problems] + [text]
    assert list(result.objects) == objects
    assert emit_openslo(result.objects) == text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(most=1))
def test_it_round_trips_any_small_valid_set_of_objects(objects: list[SpecObject]):
    _round_trips(objects)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(most=3))
def test_it_round_trips_any_valid_set_of_objects(objects: list[SpecObject]):
    _round_trips(objects)


def test_it_gives_the_document_of_an_object_as_plain_data():
    slo = load_text(with_service(SLO_TEXT)).slos[0]
    document = to_document(slo)
    assert list(document) == ["apiVersion", "kind", "metadata", "spec"]
    assert document["spec"]["timeWindow"] == [{"duration": "28d", "isRolling": True}]
    assert document["spec"]["objectives"] == [{"displayName": "availability", "target": 0.99}]
    assert json.loads(json.dumps(document)) == document
