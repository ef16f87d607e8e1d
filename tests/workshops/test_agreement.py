"""The agreement rule: one side alone creates nothing; both sides create trial SLOs."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.catalog.models import SLO, AuditEvent, LifecycleTransition, SLOVersion, SpecObject
from ekkyo.workshops import services
from ekkyo.workshops.models import SignOff
from tests.workshops.conftest import add_sli, add_slo, ready_workshop, sign_in

TODAY = dt.date(2026, 3, 2)


def _sign(workshop, participant, actor, comment=""):
    return services.sign(workshop, participant, comment=comment, actor=actor, today=TODAY)


def test_it_creates_nothing_when_only_the_business_side_has_signed(org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    result = _sign(workshop, people["business"], org["member"])
    assert result.created == ()
    assert not SLO.objects.exists()
    assert services.sides_signed(workshop) == {"business": True, "engineering": False}


def test_it_creates_nothing_when_only_engineers_have_signed(org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    _sign(workshop, people["dev"], org["member"])
    _sign(workshop, people["sre"], org["member"])
    assert not SLO.objects.exists()
    workshop.refresh_from_db()
    assert workshop.agreed_at is None


def test_it_creates_the_slo_in_trial_once_both_sides_have_signed(org):
    workshop, sli, people = ready_workshop(org["checkout"])
    _sign(workshop, people["business"], org["member"], "OK for the shop")
    result = _sign(workshop, people["sre"], org["member"])
    slo = SLO.objects.get()
    assert result.created == (slo,)
    assert (slo.name, slo.lifecycle, slo.version) == ("shop-pay-availability", "trial", 1)
    assert slo.trial_ends_on == TODAY + dt.timedelta(days=workshop.trial_days)
    assert slo.service == workshop.service
    spec = slo.spec["spec"]
    assert spec["objectives"][0]["target"] == 0.999
    assert spec["timeWindow"] == [{"duration": "28d", "isRolling": True}]
    assert spec["description"] == sli.specification
    assert slo.spec["metadata"]["annotations"]["ekkyo.dev/workshop"] == str(workshop.pk)
    sli.refresh_from_db()
    assert sli.slo == slo


def test_it_records_version_transition_and_audit_rows_for_the_new_slo(org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    _sign(workshop, people["business"], org["member"])
    _sign(workshop, people["dev"], org["member"])
    slo = SLO.objects.get()
    version = SLOVersion.objects.get(slo=slo)
    transition = LifecycleTransition.objects.get(slo=slo)
    assert version.number == 1 and version.created_by == org["member"]
    assert (transition.from_state, transition.to_state) == ("", "trial")
    assert "Hanako Sato (Business)" in transition.reason
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"workshop.signed", "slo.created", "slo.trial_ends_on", "workshop.agreed"} <= actions


def test_it_refuses_to_sign_an_agreement_without_a_revisit_date(org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    workshop.revisit_on = None
    workshop.save()
    with pytest.raises(services.AgreementError, match="revisit"):
        _sign(workshop, people["business"], org["member"])
    assert not SignOff.objects.exists()


def test_it_refuses_an_slo_name_the_catalog_already_has(org):
    add_slo("shop-pay-availability", org["checkout"])
    workshop, _sli, people = ready_workshop(org["checkout"])
    with pytest.raises(services.AgreementError, match="already exists"):
        _sign(workshop, people["business"], org["member"])


def test_it_reports_a_spec_problem_naming_the_field(org):
    workshop, sli, people = ready_workshop(org["checkout"])
    sli.source, sli.good_query, sli.total_query = "prometheus", "up", "up"
    sli.data_source_ref = "missing-prom"
    sli.save()
    with pytest.raises(services.AgreementError) as raised:
        _sign(workshop, people["business"], org["member"])
    assert any("metricSourceRef" in p and "missing-prom" in p for p in raised.value.problems)


def test_it_validates_a_prometheus_sli_against_the_data_source_it_names(org):
    SpecObject.objects.create(
        kind="DataSource",
        name="prom",
        spec={
            "apiVersion": "openslo/v1",
            "kind": "DataSource",
            "metadata": {"name": "prom"},
            "spec": {"type": "Prometheus", "connectionDetails": {"url": "http://p:9090"}},
        },
        spec_hash="x",
    )
    workshop, sli, people = ready_workshop(org["checkout"])
    sli.source, sli.data_source_ref = "prometheus", "prom"
    sli.good_query, sli.total_query = "sum(ok_total)", "sum(all_total)"
    sli.save()
    _sign(workshop, people["business"], org["member"])
    _sign(workshop, people["dev"], org["member"])
    good = SLO.objects.get().spec["spec"]["indicator"]["spec"]["ratioMetric"]["good"]
    assert good["metricSource"] == {
        "metricSourceRef": "prom",
        "type": "Prometheus",
        "spec": {"query": "sum(ok_total)"},
    }
    assert SLO.objects.get().source_type == "prometheus"


def test_it_creates_a_threshold_slo_with_op_and_value(org):
    workshop, sli, people = ready_workshop(org["checkout"])
    sli.kind, sli.op, sli.value, sli.sli_type = "threshold", "lt", 3600.0, "freshness"
    sli.save()
    _sign(workshop, people["business"], org["member"])
    _sign(workshop, people["dev"], org["member"])
    objective = SLO.objects.get().spec["spec"]["objectives"][0]
    assert (objective["op"], objective["value"], objective["displayName"]) == (
        "lt",
        3600.0,
        "freshness",
    )


def test_it_creates_nothing_when_one_of_two_slos_cannot_be_made(org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    add_sli(workshop, slo_name="shop-search", target=None)
    with pytest.raises(services.AgreementError, match="choose a target"):
        _sign(workshop, people["business"], org["member"])
    assert not SLO.objects.exists() and not SignOff.objects.exists()


def test_it_refuses_a_second_signature_from_the_same_person(org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    _sign(workshop, people["business"], org["member"])
    with pytest.raises(services.AgreementError, match="already signed"):
        _sign(workshop, people["business"], org["member"])


# --- through the pages ---------------------------------------------------------------------


def test_it_signs_through_the_page_and_shows_the_trial_slo(client, org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    sign_in(client, org["member"])
    url = f"/workshops/{workshop.pk}/sign"
    first = client.post(url, {"participant": people["business"].pk, "comment": "よろしく"})
    assert first.status_code == 302 and not SLO.objects.exists()
    client.post(url, {"participant": people["sre"].pk})
    html = client.get(f"/workshops/{workshop.pk}/agreement").content.decode()
    assert 'data-testid="agreed"' in html and "shop-pay-availability" in html
    assert "よろしく" in html
    assert SLO.objects.get().lifecycle == "trial"


def test_it_answers_409_with_the_problems_when_the_agreement_is_not_ready(client, org):
    workshop, sli, people = ready_workshop(org["checkout"])
    sli.in_agreement = False
    sli.save()
    sign_in(client, org["member"])
    response = client.post(f"/workshops/{workshop.pk}/sign", {"participant": people["business"].pk})
    assert response.status_code == 409
    assert "choose at least one SLI" in response.content.decode()
    assert not SignOff.objects.exists()


def test_it_withdraws_signatures_when_the_agreement_changes(client, org):
    workshop, sli, people = ready_workshop(org["checkout"])
    _sign(workshop, people["business"], org["member"])
    sign_in(client, org["member"])
    data = {
        "revisit_on": "2026-07-01",
        "trial_days": "28",
        "agreement_notes": "",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": sli.pk,
        "form-0-in_agreement": "on",
        "form-0-slo_name": "shop-pay-availability",
        "form-0-reasoning": "changed",
    }
    response = client.post(f"/workshops/{workshop.pk}/agreement", data)
    assert response.status_code == 302
    assert not SignOff.objects.exists()
    sli.refresh_from_db()
    assert sli.reasoning == "changed"


def test_it_links_the_slo_page_back_to_the_workshop(client, org):
    workshop, sli, people = ready_workshop(org["checkout"])
    _sign(workshop, people["business"], org["member"])
    _sign(workshop, people["dev"], org["member"])
    sign_in(client, org["viewer"])
    html = client.get("/slos/shop-pay-availability").content.decode()
    assert 'data-testid="workshop-origin"' in html
    assert f"/workshops/{workshop.pk}/" in html and sli.specification in html
    assert sli.reasoning in html
