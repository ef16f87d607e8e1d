"""The team page: type, SRE engagement, members, products and SLOs, and its JSON twin."""

from __future__ import annotations

import re

from ekkyo.catalog.models import Service
from tests.web.conftest import add_slo, add_status, sign_in


def test_it_shows_the_teams_type_and_sre_engagement(client, org):
    org["search"].sre_engagement = "embedded"
    org["search"].save()
    sign_in(client, org["viewer"])
    html = client.get("/teams/search").content.decode()
    assert 'data-testid="topology">Platform<' in html
    assert 'data-testid="engagement">Embedded SRE<' in html


def test_it_lists_the_members_with_their_roles(client, org):
    sign_in(client, org["viewer"])
    html = client.get("/teams/checkout").content.decode()
    assert re.findall(r'data-member="([^"]+)"', html) == ["dev"]
    assert "<td>Member</td>" in html


def test_it_shows_only_the_teams_products_and_slos(client, org):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    add_slo("find", org["search"], product="search")
    Service.objects.create(name="ledger", team=org["checkout"])
    sign_in(client, org["viewer"])
    html = client.get("/teams/checkout").content.decode()
    assert re.findall(r'data-slo="([^"]+)"', html) == ["pay"]
    assert 'data-product="ledger"' in html and 'data-product="search"' not in html


def test_it_links_the_summary_to_the_portfolio_filtered_to_the_team(client, org):
    add_status(add_slo("pay", org["checkout"]), "healthy")
    sign_in(client, org["viewer"])
    html = client.get("/teams/checkout").content.decode()
    assert 'href="/?status=healthy&amp;team=checkout"' in html


def test_its_json_twin_holds_what_the_page_shows(client, org):
    add_status(add_slo("pay", org["checkout"]), "exhausted", remaining=-0.1)
    sign_in(client, org["viewer"])
    html = client.get("/teams/checkout").content.decode()
    data = client.get("/teams/checkout.json").json()
    assert data["slug"] == "checkout" and data["name_ja"] == "決済"
    assert [m["username"] for m in data["members"]] == re.findall(r'data-member="([^"]+)"', html)
    assert data["members"][0]["role"] == "member"
    assert [r["slo"] for r in data["portfolio"]["rows"]] == re.findall(r'data-slo="([^"]+)"', html)
    assert data["portfolio"]["rows"][0]["remaining_ratio"] == -0.1 and "-10.0%" in html
    assert client.get("/teams/checkout?format=json").json() == data


def test_it_says_what_to_do_for_a_team_without_products_or_members(client, org):
    sign_in(client, org["viewer"])
    html = client.get("/teams/search").content.decode()
    assert "This team owns no products yet" in html
    assert "No members yet" not in html  # oli is a member of search
    html = client.get("/teams/checkout").content.decode()
    assert "ekkyo import" in html


def test_it_lists_a_team_without_members_with_how_to_add_them(client, org):
    from tests.factories import make_team

    make_team("ghosts")
    sign_in(client, org["viewer"])
    assert "ekkyo user add NAME --team SLUG" in client.get("/teams/ghosts").content.decode()
