"""The portfolio page, its filters, sort, summary, htmx partial and JSON twin."""

from __future__ import annotations

import re

import pytest

from ekkyo.catalog.models import SLO, Service
from ekkyo.worker.models import SLOStatus
from tests.web.conftest import EVALUATED_AT, add_slo, add_status, openslo, sign_in


def rows_of(html: str) -> list[tuple[str, int, str]]:
    """(slo, objective index, state) of every row the page shows, in order."""
    found = re.findall(r'data-slo="([^"]+)" data-objective="(\d+)" data-state="([^"]+)"', html)
    return [(slo, int(i), state) for slo, i, state in found]


@pytest.fixture
def shop(org):
    """Checkout owns 'shop' with three SLOs; Search owns 'search' with one."""
    pay = add_slo("pay", org["checkout"], lifecycle="trial")
    add_status(pay, "at_risk", remaining=0.2)
    cart = add_slo("cart", org["checkout"])
    add_status(cart, "healthy", remaining=0.9)
    add_slo("basket", org["checkout"])  # never evaluated: no data
    find = add_slo("find", org["search"], product="search")
    add_status(find, "exhausted", remaining=-0.4, alerts=2)
    return org


def test_it_groups_every_product_by_team(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/").content.decode()
    assert html.index('data-team="checkout"') < html.index('data-team="search"')
    assert rows_of(html) == [
        ("basket", 0, "no_data"),
        ("cart", 0, "healthy"),
        ("pay", 0, "at_risk"),
        ("find", 0, "exhausted"),
    ]


def test_it_counts_each_state_in_the_summary(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/").content.decode()
    for state, count in [("healthy", 1), ("at_risk", 1), ("exhausted", 1), ("no_data", 1)]:
        assert re.search(rf'data-testid="count-{state}">{count}<', html), state


def test_it_marks_each_status_with_an_icon_and_a_word_not_colour_alone(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/").content.decode()
    icon = '<span class="icon" aria-hidden="true">'
    assert f'state-exhausted">{icon}✕</span>Exhausted' in html
    assert f'state-at_risk">{icon}▲</span>At risk' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("team=search", ["find"]),
        ("product=shop", ["basket", "cart", "pay"]),
        ("lifecycle=trial", ["pay"]),
        ("status=healthy", ["cart"]),
        ("status=no_data", ["basket"]),
        ("team=checkout&status=exhausted", []),
    ],
)
def test_it_filters_by_team_product_lifecycle_and_status(client, shop, query, expected):
    sign_in(client, shop["viewer"])
    html = client.get("/?" + query).content.decode()
    assert [slo for slo, _, _ in rows_of(html)] == expected


def test_it_keeps_the_summary_over_the_other_filters_when_filtering_by_status(client, shop):
    sign_in(client, shop["viewer"])
    data = client.get("/portfolio.json?team=checkout&status=healthy").json()
    assert data["summary"] == {
        "healthy": 1,
        "at_risk": 1,
        "exhausted": 0,
        "no_data": 1,
        "total": 3,
    }
    assert [r["slo"] for r in data["rows"]] == ["cart"]


def test_it_ignores_unknown_filter_values(client, shop):
    sign_in(client, shop["viewer"])
    data = client.get("/portfolio.json?status=purple&lifecycle=zombie&sort=random").json()
    assert data["filters"] == {
        "team": "",
        "product": "",
        "lifecycle": "",
        "status": "",
        "sort": "team",
    }
    assert len(data["rows"]) == 4


def test_it_sorts_by_budget_remaining_with_missing_numbers_last(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/?sort=budget").content.decode()
    assert [slo for slo, _, _ in rows_of(html)] == ["find", "pay", "cart", "basket"]
    html = client.get("/?sort=-budget").content.decode()
    assert [slo for slo, _, _ in rows_of(html)] == ["cart", "pay", "find", "basket"]


def test_it_shows_the_budget_as_a_bar_and_a_number(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/?product=shop&status=at_risk").content.decode()
    assert 'style="width: 20.0%"' in html
    assert '<span class="num" data-remaining>20.0%</span>' in html


def test_it_draws_an_overspent_budget_as_an_empty_bar_with_a_negative_number(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/?team=search").content.decode()
    assert 'style="width: 0.0%"' in html and "-40.0%" in html


def test_it_shows_a_trial_badge(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/?lifecycle=trial").content.decode()
    assert '<span class="life life-trial">Trial</span>' in html


def test_its_json_twin_holds_what_the_page_shows(client, shop):
    sign_in(client, shop["viewer"])
    for query in ["", "?sort=budget", "?team=checkout", "?status=exhausted"]:
        html = client.get("/" + query).content.decode()
        data = client.get("/portfolio.json" + query).json()
        assert [(r["slo"], r["objective_index"], r["state"]) for r in data["rows"]] == rows_of(html)
        for row in data["rows"]:
            shown = "—" if row["remaining_ratio"] is None else f"{row['remaining_ratio']:.1%}"
            assert f'data-slo="{row["slo"]}"' in html and shown in html


def test_it_answers_format_json_like_the_json_url(client, shop):
    sign_in(client, shop["viewer"])
    assert (
        client.get("/?format=json&team=search").json()
        == client.get("/portfolio.json?team=search").json()
    )


def test_it_returns_only_the_results_region_to_htmx(client, shop):
    sign_in(client, shop["viewer"])
    response = client.get("/?status=healthy", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="portfolio">')
    assert "<html" not in html
    assert [slo for slo, _, _ in rows_of(html)] == ["cart"]


def test_it_lists_one_row_per_objective(client, org):
    objectives = [{"displayName": "fast", "target": 0.99}, {"displayName": "ok", "target": 0.999}]
    slo = add_slo("api", org["checkout"], objectives=objectives)
    add_status(slo, "healthy", index=0, objective="fast")
    add_status(slo, "exhausted", index=1, objective="ok", remaining=-1.0)
    sign_in(client, org["viewer"])
    data = client.get("/portfolio.json").json()
    assert [(r["objective"], r["state"], r["target"]) for r in data["rows"]] == [
        ("fast", "healthy", 0.99),
        ("ok", "exhausted", 0.999),
    ]


def test_it_shows_a_product_without_slos_with_what_to_do_next(client, org):
    Service.objects.create(name="ledger", team=org["checkout"])
    add_slo("pay", org["checkout"])
    sign_in(client, org["viewer"])
    html = client.get("/").content.decode()
    assert 'data-product="ledger"' in html
    assert "No SLOs for this product yet" in html


def test_it_tells_how_to_import_slos_when_the_catalog_is_empty(client, org):
    sign_in(client, org["viewer"])
    html = client.get("/").content.decode()
    assert 'data-testid="empty-catalog"' in html
    assert "<code>ekkyo import PATH</code>" in html


def test_it_says_when_filters_match_nothing(client, shop):
    sign_in(client, shop["viewer"])
    html = client.get("/?team=search&lifecycle=trial").content.decode()
    assert 'data-testid="empty-filter"' in html


def test_it_shows_times_in_the_readers_time_zone(client, shop):
    shop["viewer"].profile.time_zone = "America/New_York"
    shop["viewer"].profile.save()
    sign_in(client, shop["viewer"])
    html = client.get("/?team=search").content.decode()
    # 12:00 UTC on 2 March 2026 is 07:00 in New York (EST).
    assert "2026-03-02 07:00" in html


def bulk_catalog(org, n: int) -> None:
    """``n`` SLOs over 50 products with a status each, inserted in bulk."""
    services = Service.objects.bulk_create(
        [
            Service(name=f"product-{i}", team=org["checkout"] if i % 2 else org["search"])
            for i in range(50)
        ]
    )
    slos = SLO.objects.bulk_create(
        [
            SLO(
                name=f"slo-{i:04d}",
                service=services[i % 50],
                spec=openslo(f"slo-{i:04d}", services[i % 50].name),
                spec_hash=str(i),
                lifecycle="active",
            )
            for i in range(n)
        ]
    )
    states = ["healthy", "at_risk", "exhausted", "no_data"]
    SLOStatus.objects.bulk_create(
        [
            SLOStatus(
                slo=slo,
                objective_index=0,
                objective="availability",
                computed_at=EVALUATED_AT,
                state=states[i % 4],
                sli=0.999,
                remaining_ratio=(i % 100) / 100,
                fastest_burn_rate=1.0,
                result={"big": "x" * 2000},
            )
            for i, slo in enumerate(slos)
        ]
    )


def test_it_shows_a_thousand_slos_in_a_handful_of_queries(
    client, org, django_assert_max_num_queries
):
    bulk_catalog(org, 1000)
    sign_in(client, org["viewer"])
    with django_assert_max_num_queries(8):
        response = client.get("/?sort=budget")
    assert len(rows_of(response.content.decode())) == 1000
    with django_assert_max_num_queries(8):
        data = client.get("/portfolio.json?status=healthy").json()
    assert len(data["rows"]) == 250
