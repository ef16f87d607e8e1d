"""The target exploration page, its htmx partial and its JSON twin, on pushed history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ekkyo.catalog.models import SLO
from tests.workshops.conftest import add_sli, add_slo, make_workshop, push_days, sign_in


@pytest.fixture
def explored(org):
    """A workshop SLI whose stand-in has 40 days of data with a 2-hour incident 3 days ago."""
    stand_in = add_slo("cart", org["checkout"])
    end = timezone.now().replace(second=0, microsecond=0)
    push_days(stand_in, end, 40, incident=(3 * 1440, 120, 0.5))
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop, stand_in=stand_in, target=None)
    return workshop, sli


def test_it_says_when_an_sli_has_no_history_yet(client, org):
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop)
    sign_in(client, org["viewer"])
    html = client.get(f"/workshops/{workshop.pk}/slis/{sli.pk}/explore").content.decode()
    assert 'data-testid="no-history"' in html


def test_it_shows_attainment_budget_alerts_and_business_terms(client, org, explored):
    workshop, sli = explored
    sign_in(client, org["viewer"])
    url = f"/workshops/{workshop.pk}/slis/{sli.pk}/explore?target=99.9&window_days=28&days=30"
    html = client.get(url).content.decode()
    body = client.get(url.replace("/explore?", "/explore.json?")).json()["exploration"]
    assert body["target"] == 0.999 and body["days"] == 30
    assert body["alerts"]["pages"] >= 1  # half the requests failing for 2 hours pages
    assert f"{body['span']['sli'] * 100:.3f}%" in html
    assert "full outage of 40 minutes" in html  # 0.1% of 28 days is 40.32 minutes
    assert "failed requests a month" in html
    assert 'data-testid="compare"' in html and "<svg" in html
    assert 'data-testid="choose-target"' not in html  # viewers do not choose


def test_it_answers_htmx_with_the_results_only(client, org, explored):
    workshop, sli = explored
    sign_in(client, org["member"])
    response = client.get(
        f"/workshops/{workshop.pk}/slis/{sli.pk}/explore?target=99&window_days=7&days=14",
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="explore-results"' in html
    assert 'data-target="0.99"' in html and 'data-testid="choose-target"' in html


def test_it_loosens_the_budget_as_the_candidate_target_drops(client, org, explored):
    workshop, sli = explored
    sign_in(client, org["viewer"])
    base = f"/workshops/{workshop.pk}/slis/{sli.pk}/explore.json?window_days=28&days=30&target="
    strict = client.get(base + "99.99").json()["exploration"]
    loose = client.get(base + "99").json()["exploration"]
    assert loose["window"]["remaining_ratio"] > strict["window"]["remaining_ratio"]
    assert loose["alerts"]["pages"] <= strict["alerts"]["pages"]


def test_it_answers_400_for_a_candidate_out_of_range(client, org, explored):
    workshop, sli = explored
    sign_in(client, org["viewer"])
    url = f"/workshops/{workshop.pk}/slis/{sli.pk}/explore.json?target=100&window_days=28&days=30"
    response = client.get(url)
    assert response.status_code == 400
    assert "target" in response.json()["error"]["fields"]


def test_it_keeps_the_chosen_target_with_its_evidence(client, org, explored):
    workshop, sli = explored
    sign_in(client, org["member"])
    response = client.post(
        f"/workshops/{workshop.pk}/slis/{sli.pk}/target",
        {"target": "99.5", "window_days": "30", "days": "30"},
    )
    sli.refresh_from_db()
    assert response.status_code == 302
    assert (sli.target, sli.window_days) == (0.995, 30)
    assert sli.evidence["source"] == "cart" and sli.evidence["days"] == 30
    assert sli.evidence["business"]["allowed_bad_minutes"] == pytest.approx(216.0)
    assert "daily" not in sli.evidence


def test_it_uses_the_slos_own_history_once_it_exists(client, org):
    own = add_slo("shop-pay", org["checkout"], lifecycle="trial")
    end = timezone.now().replace(second=0, microsecond=0)
    push_days(own, end, 10, bad_ratio=0.0)
    workshop = make_workshop(org["checkout"])
    sli = add_sli(workshop, slo=SLO.objects.get(name="shop-pay"))
    sign_in(client, org["viewer"])
    url = f"/workshops/{workshop.pk}/slis/{sli.pk}/explore.json?target=99.9&window_days=7&days=7"
    body = client.get(url).json()
    assert body["source"] == "shop-pay"
    assert body["exploration"]["span"]["sli"] == 1.0
    assert dt.datetime.fromisoformat(body["exploration"]["at"]) <= timezone.now()
