"""Every workshop step, for each persona: viewers read, other teams are refused, the
product's team members and admins edit."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.catalog.models import AuditEvent
from ekkyo.workshops.models import SLI, Feedback, Journey, ParkingItem, Participant, Workshop
from tests.workshops.conftest import add_sli, add_slo, make_workshop, sign_in

STEP_PAGES = [
    "/workshops/{w}/",
    "/workshops/{w}.json",
    "/workshops/{w}/participants",
    "/workshops/{w}/context",
    "/workshops/{w}/journeys",
    "/workshops/{w}/journeys/{j}/slis",
    "/workshops/{w}/slis",
    "/workshops/{w}/slis/{s}",
    "/workshops/{w}/slis/{s}/explore",
    "/workshops/{w}/parking",
    "/workshops/{w}/agreement",
]


def _urls(workshop, sli):
    ids = {"w": workshop.pk, "j": sli.journey_id, "s": sli.pk}
    return [u.format(**ids) for u in STEP_PAGES]


@pytest.mark.parametrize("persona", ["viewer", "outsider", "member", "admin"])
def test_it_lets_every_signed_in_persona_read_every_step(client, org, persona):
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop)
    sign_in(client, org[persona])
    for url in _urls(workshop, sli):
        assert client.get(url).status_code == 200, url


def test_it_sends_anonymous_readers_to_sign_in(client, org):
    workshop = make_workshop(org["checkout"])
    response = client.get(f"/workshops/{workshop.pk}/")
    assert response.status_code == 302 and response.url.startswith("/login/")


@pytest.mark.parametrize(
    ("persona", "edits"),
    [("viewer", False), ("outsider", False), ("member", True), ("admin", True)],
)
def test_it_shows_edit_forms_only_to_who_may_edit(client, org, persona, edits):
    workshop = make_workshop(org["checkout"])
    sign_in(client, org[persona])
    html = client.get(f"/workshops/{workshop.pk}/journeys").content.decode()
    assert ('data-testid="journey-form"' in html) is edits
    assert ('data-testid="read-only"' in html) is not edits


def test_it_lists_workshops_with_a_json_twin(client, org):
    make_workshop(org["checkout"], title="Payments workshop")
    sign_in(client, org["viewer"])
    assert "Payments workshop" in client.get("/workshops/").content.decode()
    body = client.get("/workshops/?format=json").json()
    assert [w["title"] for w in body["workshops"]] == ["Payments workshop"]
    assert body["workshops"][0]["team"] == "checkout"


def test_it_creates_a_workshop_for_a_product_of_the_members_team(client, org):
    add_slo("pay", org["checkout"])
    sign_in(client, org["member"])
    service = org["checkout"].services.get()
    response = client.post(
        "/workshops/new",
        {"service": service.pk, "title": "Pay SLOs", "held_on": "2026-03-02", "language": "ja"},
    )
    workshop = Workshop.objects.get()
    assert response.status_code == 302
    assert response.url == f"/workshops/{workshop.pk}/participants"
    assert (workshop.title, workshop.language, workshop.created_by) == (
        "Pay SLOs",
        "ja",
        org["member"],
    )
    assert AuditEvent.objects.filter(action="workshop.created").count() == 1


def test_it_refuses_another_teams_product_in_the_new_workshop_form(client, org):
    add_slo("find", org["search"], product="search")
    sign_in(client, org["member"])
    service = org["search"].services.get()
    response = client.post(
        "/workshops/new",
        {"service": service.pk, "title": "x", "held_on": "2026-03-02", "language": "en"},
    )
    assert response.status_code == 400
    assert not Workshop.objects.exists()


def test_it_refuses_viewers_a_new_workshop(client, org):
    sign_in(client, org["viewer"])
    assert client.get("/workshops/new").status_code == 403


# --- writes by step: refused outside the team, done inside it --------------------------------


def _post_cases(workshop, sli):
    w = workshop.pk
    return [
        (
            f"/workshops/{w}/participants",
            {"name": "Hanako", "side": "business", "role": "participant"},
        ),
        (f"/workshops/{w}/context", {"users": "Shoppers at lunch", "impact": "They leave"}),
        (f"/workshops/{w}/journeys", {"name": "Search", "steps": "type\nsee results"}),
        (
            f"/workshops/{w}/journeys/{sli.journey_id}/slis",
            {"pick_latency": "on", "spec_latency": "fast enough"},
        ),
        (
            f"/workshops/{w}/slis/{sli.pk}",
            {"specification": "s", "kind": "ratio", "source": "push"},
        ),
        (
            f"/workshops/{w}/slis/{sli.pk}/target",
            {"target": "99.5", "window_days": "28", "days": "30"},
        ),
        (f"/workshops/{w}/parking", {"question": "Who owns the CDN?"}),
        (f"/workshops/{w}/agreement", {"revisit_on": "2026-06-01", "trial_days": "28"}),
        (f"/workshops/{w}/sign", {"participant": "1"}),
    ]


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_it_refuses_every_write_outside_the_products_team(client, org, persona):
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop, target=None)
    sign_in(client, org[persona])
    for url, data in _post_cases(workshop, sli):
        assert client.post(url, data).status_code == 403, url
    assert Participant.objects.count() == 0 and ParkingItem.objects.count() == 0
    assert Journey.objects.count() == 1 and SLI.objects.count() == 1
    assert SLI.objects.get().target is None
    workshop.refresh_from_db()
    assert workshop.users == "" and workshop.revisit_on is None


def test_it_adds_a_name_only_participant_and_an_account(client, org):
    workshop = make_workshop(org["checkout"])
    sign_in(client, org["member"])
    client.post(
        f"/workshops/{workshop.pk}/participants",
        {"name": "Hanako Sato", "side": "business", "role": "participant"},
    )
    client.post(
        f"/workshops/{workshop.pk}/participants",
        {"user": org["member"].pk, "side": "development", "role": "facilitator"},
    )
    people = list(workshop.participants.order_by("id"))
    assert [(str(p), p.side, p.role) for p in people] == [
        ("Hanako Sato", "business", "participant"),
        ("dev", "development", "facilitator"),
    ]


def test_it_asks_for_an_account_or_a_name(client, org):
    workshop = make_workshop(org["checkout"])
    sign_in(client, org["member"])
    response = client.post(
        f"/workshops/{workshop.pk}/participants", {"side": "business", "role": "participant"}
    )
    assert response.status_code == 400
    assert not workshop.participants.exists()


def test_it_keeps_the_business_context_and_leaves_it_optional(client, org):
    workshop = make_workshop(org["checkout"])
    sign_in(client, org["admin"])
    response = client.post(f"/workshops/{workshop.pk}/context", {"worth": "¥2M an hour"})
    workshop.refresh_from_db()
    assert response.status_code == 302
    assert (workshop.worth, workshop.users) == ("¥2M an hour", "")


def test_it_adds_a_journey_with_its_steps_and_own_words(client, org):
    workshop = make_workshop(org["checkout"])
    sign_in(client, org["member"])
    client.post(
        f"/workshops/{workshop.pk}/journeys",
        {"name": "Pay", "steps": "open basket\n\n pay ", "words": "「すぐ払えること」"},
    )
    journey = workshop.journeys.get()
    assert journey.step_list == ["open basket", "pay"]
    assert journey.words == "「すぐ払えること」"


def test_it_adds_the_sli_types_picked_from_the_menu_with_their_specifications(client, org):
    workshop = make_workshop(org["checkout"])
    journey = Journey.objects.create(workshop=workshop, name="Pay")
    sign_in(client, org["member"])
    response = client.post(
        f"/workshops/{workshop.pk}/journeys/{journey.pk}/slis",
        {
            "pick_availability": "on",
            "spec_availability": "Payments succeed",
            "pick_freshness": "on",
            "spec_freshness": "Prices are recent",
            "spec_latency": "unused",
        },
    )
    assert response.status_code == 302
    slis = {s.sli_type: s for s in journey.slis.all()}
    assert set(slis) == {"availability", "freshness"}
    assert slis["availability"].specification == "Payments succeed"
    assert (slis["freshness"].kind, slis["freshness"].op) == ("threshold", "lt")
    assert slis["availability"].failure_modes  # the template's usual blind spots


def test_it_asks_for_at_least_one_sli_type(client, org):
    workshop = make_workshop(org["checkout"])
    journey = Journey.objects.create(workshop=workshop, name="Pay")
    sign_in(client, org["member"])
    response = client.post(f"/workshops/{workshop.pk}/journeys/{journey.pk}/slis", {})
    assert response.status_code == 400 and not journey.slis.exists()


def test_it_fills_the_implementation_from_a_template_for_the_source(client, org):
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop)
    sign_in(client, org["member"])
    html = client.get(f"/workshops/{workshop.pk}/slis/{sli.pk}?template=prometheus")
    text = html.content.decode()
    assert "http_requests_total{service=&quot;shop&quot;" in text


def test_it_requires_the_queries_of_a_prometheus_ratio(client, org):
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop)
    sign_in(client, org["member"])
    response = client.post(
        f"/workshops/{workshop.pk}/slis/{sli.pk}",
        {"specification": "s", "kind": "ratio", "source": "prometheus", "good_query": "up"},
    )
    assert response.status_code == 400
    assert SLI.objects.get().source == "push"


def test_it_saves_a_threshold_implementation(client, org):
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop)
    sign_in(client, org["member"])
    response = client.post(
        f"/workshops/{workshop.pk}/slis/{sli.pk}",
        {
            "specification": "fresh",
            "kind": "threshold",
            "source": "prometheus",
            "threshold_query": "time() - last_success",
            "op": "lt",
            "value": "3600",
            "failure_modes": "stale input",
        },
    )
    sli.refresh_from_db()
    assert response.status_code == 302
    assert (sli.kind, sli.op, sli.value, sli.implemented) == ("threshold", "lt", 3600.0, True)


def test_it_keeps_parking_lot_questions_and_feedback(client, org):
    workshop = make_workshop(org["checkout"])
    sign_in(client, org["member"])
    client.post(f"/workshops/{workshop.pk}/parking", {"question": "CDN?", "owner": "Sae"})
    client.post(f"/workshops/{workshop.pk}/parking", {"rating": "4", "text": "Useful"})
    item = ParkingItem.objects.get()
    client.post(f"/workshops/{workshop.pk}/parking/{item.pk}/toggle")
    item.refresh_from_db()
    assert (item.question, item.owner, item.resolved) == ("CDN?", "Sae", True)
    assert list(Feedback.objects.values_list("rating", "text")) == [(4, "Useful")]


def test_it_refuses_a_rating_outside_one_to_five(client, org):
    workshop = make_workshop(org["checkout"])
    sign_in(client, org["member"])
    response = client.post(f"/workshops/{workshop.pk}/parking", {"rating": "6", "text": "!"})
    assert response.status_code == 400 and not Feedback.objects.exists()


def test_it_escapes_what_people_typed(client, org):
    workshop = make_workshop(org["checkout"], users="<script>alert(1)</script>")
    add_sli(workshop, journey_name="<b>Pay</b>")
    sign_in(client, org["viewer"])
    html = client.get(f"/workshops/{workshop.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Pay</b>" not in html


def test_it_shows_the_record_as_json(client, org):
    workshop = make_workshop(org["checkout"], held_on=dt.date(2026, 3, 2))
    add_sli(workshop)
    sign_in(client, org["viewer"])
    body = client.get(f"/workshops/{workshop.pk}.json").json()
    assert body["held_on"] == "2026-03-02" and body["product"] == "shop"
    sli = body["journeys"][0]["slis"][0]
    assert (sli["type"], sli["target"], sli["slo"]) == ("availability", 0.999, None)
