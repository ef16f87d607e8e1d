from __future__ import annotations

import pytest

from ekkyo.catalog.models import AuditEvent, LifecycleTransition, Service
from ekkyo.catalog.services import (
    CatalogError,
    create_slo,
    diff_versions,
    source_type_of,
    transition,
    update_spec,
)
from tests.factories import make_team, make_user

pytestmark = pytest.mark.django_db


def _doc(name: str, target: float = 0.99, source: str = "Prometheus") -> dict:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name, "displayName": name.title()},
        "spec": {
            "service": "shop",
            "indicator": {
                "metadata": {"name": f"{name}-sli"},
                "spec": {
                    "ratioMetric": {
                        "counter": True,
                        "good": {"metricSource": {"type": source, "spec": {"query": "a"}}},
                        "total": {"metricSource": {"type": source, "spec": {"query": "b"}}},
                    }
                },
            },
            "objectives": [{"target": target}],
        },
    }


def _service() -> Service:
    return Service.objects.create(name="shop", team=make_team("shop-team"))


def test_it_records_version_transition_and_audit_when_creating():
    user = make_user("sre", "admin")
    slo = create_slo(_doc("checkout"), _service(), actor=user, reason="first")
    assert slo.version == 1 and slo.lifecycle == "draft" and slo.source_type == "prometheus"
    assert [v.number for v in slo.versions.all()] == [1]
    assert LifecycleTransition.objects.get(slo=slo).to_state == "draft"
    event = AuditEvent.objects.get(object_name="checkout")
    assert (event.action, event.actor, event.reason) == ("slo.created", user, "first")


def test_it_makes_a_new_version_only_when_the_spec_changes():
    slo = create_slo(_doc("checkout"), _service())
    assert update_spec(slo, _doc("checkout"), reason="same") is False
    assert update_spec(slo, _doc("checkout", target=0.999), reason="tighter") is True
    slo.refresh_from_db()
    assert slo.version == 2
    assert slo.spec["spec"]["objectives"] == [{"target": 0.999}]
    assert list(slo.versions.values_list("number", "reason")) == [(1, ""), (2, "tighter")]


def test_it_shows_the_changed_target_in_a_version_diff():
    slo = create_slo(_doc("checkout"), _service())
    update_spec(slo, _doc("checkout", target=0.999))
    v1, v2 = slo.versions.order_by("number")
    diff = diff_versions(v1, v2)
    assert "-  - target: 0.99\n" in diff
    assert "+  - target: 0.999\n" in diff


def test_it_moves_through_the_lifecycle_with_reasons():
    slo = create_slo(_doc("checkout"), _service())
    transition(slo, "trial", reason="agreed in workshop")
    transition(slo, "active", reason="trial went well")
    moves = list(
        LifecycleTransition.objects.filter(slo=slo)
        .order_by("id")
        .values_list("from_state", "to_state", "reason")
    )
    assert moves == [
        ("", "draft", ""),
        ("draft", "trial", "agreed in workshop"),
        ("trial", "active", "trial went well"),
    ]


def test_it_refuses_a_move_the_lifecycle_does_not_allow():
    slo = create_slo(_doc("checkout"), _service(), lifecycle="retired")
    with pytest.raises(CatalogError, match="retired; it can move to draft, not active"):
        transition(slo, "active")


def test_it_reads_the_source_type_without_regard_to_case():
    assert source_type_of(_doc("x", source="NewRelic")) == "newrelic"
    assert source_type_of({"spec": {}}) == ""


def test_it_writes_yaml_in_openslo_key_order_whatever_order_the_database_kept():
    from ekkyo.catalog.services import to_yaml

    scrambled = dict(reversed(list(_doc("checkout").items())))  # as jsonb may return it
    lines = to_yaml(scrambled).splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["apiVersion", "kind", "metadata"]
