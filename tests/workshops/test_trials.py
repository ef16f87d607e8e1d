"""Trial operation: the trials-ending list and the review decisions."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.catalog.models import SLO, AuditEvent, LifecycleTransition
from ekkyo.workshops import services
from ekkyo.workshops.models import TrialReview
from tests.workshops.conftest import add_slo, ready_workshop, sign_in

TODAY = dt.date(2026, 3, 2)


def _trial(org, ends=dt.date(2026, 3, 30)):
    slo = add_slo("pay", org["checkout"], lifecycle="trial", target=0.999)
    SLO.objects.filter(pk=slo.pk).update(trial_ends_on=ends)
    return SLO.objects.get(pk=slo.pk)


def test_it_promotes_a_trial_to_active_with_who_and_why(org):
    slo = _trial(org)
    review = services.review_trial(
        slo, "promote", reason="Held for 4 weeks", actor=org["member"], today=TODAY
    )
    slo.refresh_from_db()
    assert slo.lifecycle == "active"
    row = LifecycleTransition.objects.filter(slo=slo).latest("at")
    assert (row.from_state, row.to_state, row.actor, row.reason) == (
        "trial",
        "active",
        org["member"],
        "Held for 4 weeks",
    )
    assert (review.decision, review.actor) == ("promote", org["member"])
    assert AuditEvent.objects.filter(action="slo.trial_review", object_name="pay").exists()


def test_it_retires_a_trial(org):
    slo = _trial(org)
    services.review_trial(
        slo, "retire", reason="Nobody looks at it", actor=org["admin"], today=TODAY
    )
    slo.refresh_from_db()
    assert slo.lifecycle == "retired"


def test_it_adjusts_the_target_as_a_new_version_and_stays_in_trial(org):
    slo = _trial(org)
    review = services.review_trial(
        slo, "adjust", reason="Too strict", actor=org["member"], today=TODAY, new_target=0.995
    )
    slo.refresh_from_db()
    assert (slo.lifecycle, slo.version) == ("trial", 2)
    assert slo.spec["spec"]["objectives"][0]["target"] == 0.995
    assert slo.versions.get(number=2).reason == "Too strict"
    assert (review.old_target, review.new_target) == (0.999, 0.995)


def test_it_extends_the_trial_to_a_new_end_date(org):
    slo = _trial(org)
    review = services.review_trial(
        slo,
        "extend",
        reason="Quiet month",
        actor=org["member"],
        today=TODAY,
        new_end_on=dt.date(2026, 4, 30),
    )
    slo.refresh_from_db()
    assert slo.trial_ends_on == dt.date(2026, 4, 30) and slo.lifecycle == "trial"
    assert (review.old_end_on, review.new_end_on) == (dt.date(2026, 3, 30), dt.date(2026, 4, 30))
    event = AuditEvent.objects.get(action="slo.trial_ends_on")
    assert event.detail == {"from": "2026-03-30", "to": "2026-04-30"}


def test_it_refuses_an_end_date_in_the_past(org):
    slo = _trial(org)
    with pytest.raises(services.AgreementError, match="future"):
        services.review_trial(
            slo,
            "extend",
            reason="x",
            actor=org["member"],
            today=TODAY,
            new_end_on=dt.date(2026, 3, 1),
        )
    slo.refresh_from_db()
    assert slo.trial_ends_on == dt.date(2026, 3, 30)


def test_it_reviews_only_slos_in_trial(org):
    slo = add_slo("pay", org["checkout"], lifecycle="active")
    with pytest.raises(services.AgreementError, match="not in trial"):
        services.review_trial(slo, "promote", reason="x", actor=org["member"], today=TODAY)


def test_it_lists_trials_first_to_end_first_with_their_workshop(client, org):
    workshop, _sli, people = ready_workshop(org["checkout"])
    services.sign(workshop, people["business"], comment="", actor=org["member"], today=TODAY)
    services.sign(workshop, people["dev"], comment="", actor=org["member"], today=TODAY)
    _trial(org, ends=dt.date(2020, 1, 1))
    sign_in(client, org["viewer"])
    body = client.get("/workshops/trials?format=json").json()
    assert [t["slo"] for t in body["trials"]] == ["pay", "shop-pay-availability"]
    assert body["trials"][0]["state"] == "overdue"
    assert body["trials"][1]["workshop"] == workshop.pk
    html = client.get("/workshops/trials").content.decode()
    assert "review overdue" in html and "page no one" in html


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_it_refuses_a_review_outside_the_team(client, org, persona):
    _trial(org)
    sign_in(client, org[persona])
    response = client.post("/workshops/trials/pay", {"decision": "promote", "reason": "x"})
    assert response.status_code == 403
    assert SLO.objects.get(name="pay").lifecycle == "trial"
    assert not TrialReview.objects.exists()


def test_it_records_a_review_through_the_page(client, org):
    _trial(org)
    sign_in(client, org["member"])
    response = client.post(
        "/workshops/trials/pay",
        {"decision": "adjust", "reason": "Too strict", "new_target": "99.5"},
    )
    assert response.status_code == 302 and response.url == "/slos/pay"
    assert SLO.objects.get(name="pay").spec["spec"]["objectives"][0]["target"] == 0.995


def test_it_asks_for_a_reason(client, org):
    _trial(org)
    sign_in(client, org["member"])
    response = client.post("/workshops/trials/pay", {"decision": "promote", "reason": ""})
    assert response.status_code == 400
    assert SLO.objects.get(name="pay").lifecycle == "trial"
