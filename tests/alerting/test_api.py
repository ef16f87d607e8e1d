"""``/api/v1/annotations``: who may post, what a read returns."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from ekkyo.alerting.models import Annotation, NotificationTarget, Silence
from ekkyo.catalog.models import LifecycleTransition
from ekkyo.catalog.services import transition
from tests.alerting.helpers import T0, add_slo, target
from tests.factories import make_team, make_user, token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/annotations"


@pytest.fixture
def org(db):
    team = make_team("payments", name="Payments")
    make_team("search")
    return {
        "team": team,
        "slo": add_slo("pay", team),
        "member": make_user("mia", "member", ("payments",)),
        "outsider": make_user("oli", "member", ("search",)),
        "viewer": make_user("bea", "viewer"),
        "admin": make_user("sre", "admin"),
    }


def auth(user):
    return {"Authorization": f"Bearer {token_for(user)}"}


def post(client, user, body):
    return client.post(URL, json.dumps(body), content_type="application/json", headers=auth(user))


def deploy(**fields):
    return {"slo": "pay", "kind": "deploy", "text": "v1.2.3", "at": "2026-03-02T09:00:00Z"} | fields


def test_it_lets_a_team_member_mark_a_deploy(client, org):
    response = post(client, org["member"], deploy(link="https://ci.example.com/run/7"))

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["text"], body["author"]) == ("deploy", "v1.2.3", "mia")
    assert Annotation.objects.get().at == T0


@pytest.mark.parametrize("persona", ["outsider", "viewer"])
def test_it_refuses_a_post_from_outside_the_team(client, org, persona):
    response = post(client, org[persona], deploy())

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert Annotation.objects.count() == 0


def test_it_lets_an_sre_admin_annotate_any_slo(client, org):
    assert post(client, org["admin"], deploy()).status_code == 201


def test_it_refuses_a_request_without_a_token(client, org):
    response = client.post(URL, json.dumps(deploy()), content_type="application/json")

    assert response.status_code == 401


def test_it_answers_404_for_an_unknown_slo(client, org):
    response = post(client, org["member"], deploy(slo="nope"))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "alert"}, "kind"),
        ({"text": "   "}, "text"),
        ({"at": "2026-03-02T09:00:00"}, "at"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"colour": "red"}, "colour"),
        ({"ends_at": "2026-03-02T08:00:00Z"}, "ends_at"),
    ],
)
def test_it_names_the_field_it_refuses(client, org, fields, field):
    response = post(client, org["member"], deploy(**fields))

    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]


def test_it_reads_notes_lifecycle_changes_and_maintenance_in_time_order(client, org):
    slo = org["slo"]
    Annotation.objects.create(slo=slo, kind="note", at=T0 + timedelta(hours=2), text="looked")
    Annotation.objects.create(slo=slo, kind="note", at=T0 - timedelta(days=40), text="too old")
    LifecycleTransition.objects.create(
        slo=slo, from_state="active", to_state="trial", at=T0 + timedelta(hours=1), reason="review"
    )
    Silence.objects.create(
        kind="maintenance",
        slo=slo,
        starts_at=T0 - timedelta(days=7),
        ends_at=T0 - timedelta(days=7) + timedelta(hours=1),
        rrule="FREQ=DAILY",
        reason="db vacuum",
    )
    Silence.objects.create(kind="silence", slo=slo, starts_at=T0, ends_at=T0 + timedelta(hours=1))

    response = client.get(
        URL,
        {"slo": "pay", "from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"},
        headers=auth(org["viewer"]),
    )

    assert response.status_code == 200
    found = [(a["kind"], a["text"], a["at"][11:16]) for a in response.json()["annotations"]]
    assert found == [
        ("maintenance", "db vacuum", "09:00"),
        ("lifecycle", "active → trial: review", "10:00"),
        ("note", "looked", "11:00"),
    ]


def test_it_reads_the_last_30_days_by_default(client, org):
    transition(org["slo"], "trial", actor=org["admin"], reason="workshop signed off")

    response = client.get(URL, {"slo": "pay"}, headers=auth(org["viewer"]))

    kinds = [(a["kind"], a["text"]) for a in response.json()["annotations"]]
    assert ("lifecycle", "active → trial: workshop signed off") in kinds


def test_it_refuses_a_range_that_is_too_long(client, org):
    response = client.get(
        URL,
        {"slo": "pay", "from": "2020-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        headers=auth(org["viewer"]),
    )

    assert response.status_code == 422


def test_it_never_shows_a_targets_secret_in_its_repr_or_str(org):
    hook = target("pay-hook", org["team"], "webhook", url="https://h.example.com/SECRETPATH")
    row = NotificationTarget.objects.get(pk=hook.pk)

    shown = repr(row) + str(row) + repr(row.url) + str(row.hmac_secret) + repr(vars(row))

    assert "SECRETPATH" not in shown and "TOPSECRET" not in shown
    assert row.url.reveal() == "https://h.example.com/SECRETPATH"
