"""Who may open what: every page and API endpoint x every role, from one table.

The table below has an entry for every URL pattern the resolver knows (outside the Django
admin, which is covered model by model) and for every operation of the OpenAPI document:
a new page or endpoint without an entry fails ``test_it_has_an_entry_for_every_route`` /
``test_it_has_an_entry_for_every_api_operation``.  Each entry says, per role, what must happen:

* ``ok``     — allowed: 2xx, a redirect that is not to sign-in, or a form/validation error;
* ``login``  — a redirect to the sign-in page (pages, for someone not signed in);
* ``401``    — the API's (and /metrics') answer without credentials;
* ``403``    — signed in but not allowed;
* ``404``    — hidden: someone else's object answers as if it did not exist.

Roles: anonymous, a business viewer, a member of the owning team (checkout), a member of
another team (search) and an SRE admin.  Every request runs in a savepoint that is rolled
back, so one role's successful write cannot change what the next role sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import token_for
from tests.security.world import NOW, build_world

ROLES = ("anonymous", "viewer", "member", "outsider", "admin")

# Per role, in the order of ROLES.
PUBLIC = ("ok", "ok", "ok", "ok", "ok")
READ = ("login", "ok", "ok", "ok", "ok")  # every signed-in user reads everything
TEAM = ("login", "403", "ok", "403", "ok")  # the owning team's members and admins
WRITER = ("login", "403", "ok", "ok", "ok")  # members of any team and admins
ADMIN = ("login", "403", "403", "403", "ok")  # SRE admins only
OWN = ("login", "404", "ok", "404", "404")  # the member's own API token
LOGGED_OUT = ("login", "login", "login", "login", "login")  # sign-out lands on sign-in
STAFF = ("login", "login", "login", "login", "ok")  # Django admin: SRE admins only
API_READ = ("401", "ok", "ok", "ok", "ok")
API_TEAM = ("401", "403", "ok", "403", "ok")
API_PUBLIC = PUBLIC


@dataclass(frozen=True)
class Entry:
    """How to call one route and what each role must get, per HTTP method."""

    url: Callable[[dict[str, Any]], str]
    expect: dict[str, tuple[str, ...]]
    data: Callable[[dict[str, Any]], dict[str, Any]] = field(default=lambda w: {})


def fixed(path: str) -> Callable[[dict[str, Any]], str]:
    return lambda w: path


def ws(suffix: str = "") -> Callable[[dict[str, Any]], str]:
    return lambda w: f"/workshops/{w['workshop'].pk}{suffix}"


def session(suffix: str = "") -> Callable[[dict[str, Any]], str]:
    return lambda w: f"/reviews/sessions/{w['session'].pk}{suffix}"


def policy(suffix: str = "") -> Callable[[dict[str, Any]], str]:
    return lambda w: f"/policies/{w['policy'].pk}{suffix}"


ROUTES: dict[str, Entry] = {
    # server
    "healthz": Entry(fixed("/healthz"), {"GET": PUBLIC}),
    "readyz": Entry(fixed("/readyz"), {"GET": PUBLIC}),
    "metrics": Entry(fixed("/metrics"), {"GET": API_READ}),
    # web
    "portfolio": Entry(fixed("/"), {"GET": READ}),
    "portfolio-json": Entry(fixed("/portfolio.json"), {"GET": READ}),
    "slo": Entry(fixed("/slos/pay"), {"GET": READ}),
    "slo-chart": Entry(fixed("/slos/pay/chart.json"), {"GET": READ}),
    "slo-chart-table": Entry(fixed("/slos/pay/chart-table"), {"GET": READ}),
    "slo-backtest": Entry(fixed("/slos/pay/backtest?days=7"), {"GET": READ}),
    "slo-lifecycle": Entry(
        fixed("/slos/pay/lifecycle"),
        {"POST": TEAM},
        lambda w: {"lifecycle": "retired", "reason": "matrix"},
    ),
    "team": Entry(fixed("/teams/checkout"), {"GET": READ}),
    "team-json": Entry(fixed("/teams/checkout.json"), {"GET": READ}),
    "account": Entry(fixed("/account/"), {"GET": READ}),
    "account-profile": Entry(fixed("/account/profile"), {"POST": READ}),
    "account-tokens": Entry(fixed("/account/tokens"), {"POST": READ}, lambda w: {"label": "x"}),
    "account-token-revoke": Entry(
        lambda w: f"/account/tokens/{w['token'].pk}/revoke", {"POST": OWN}
    ),
    "login": Entry(fixed("/login/"), {"GET": PUBLIC, "POST": PUBLIC}),
    "logout": Entry(fixed("/logout/"), {"POST": LOGGED_OUT}),
    "set_language": Entry(fixed("/i18n/setlang/"), {"POST": PUBLIC}, lambda w: {"language": "ja"}),
    # API (the pages ninja serves; the operations are checked against the OpenAPI below)
    "api-v1:openapi-json": Entry(fixed("/api/v1/openapi.json"), {"GET": API_PUBLIC}),
    "api-v1:openapi-view": Entry(fixed("/api/v1/docs"), {"GET": API_PUBLIC}),
    "api-v1:api-root": Entry(fixed("/api/v1/"), {"GET": ("404",) * 5}),
    # reviews
    "reviews:index": Entry(fixed("/reviews/"), {"GET": READ}),
    "reviews:index-json": Entry(fixed("/reviews/index.json"), {"GET": READ}),
    "reviews:series-new": Entry(fixed("/reviews/series/new"), {"GET": WRITER, "POST": WRITER}),
    "reviews:series": Entry(fixed("/reviews/series/checkout-review"), {"GET": READ}),
    "reviews:series-json": Entry(fixed("/reviews/series/checkout-review.json"), {"GET": READ}),
    "reviews:series-edit": Entry(
        fixed("/reviews/series/checkout-review/edit"), {"GET": TEAM, "POST": TEAM}
    ),
    "reviews:session-new": Entry(fixed("/reviews/series/checkout-review/sessions"), {"POST": TEAM}),
    "reviews:feed": Entry(fixed("/reviews/series/checkout-review/sessions.ics"), {"GET": READ}),
    "reviews:session": Entry(session(), {"GET": READ}),
    "reviews:session-json": Entry(session(".json"), {"GET": READ}),
    "reviews:present": Entry(session("/present"), {"GET": READ}),
    "reviews:agenda": Entry(session("/agenda"), {"POST": TEAM}),
    "reviews:capture": Entry(
        session("/capture"), {"POST": TEAM}, lambda w: {"kind": "note", "text": "seen"}
    ),
    "reviews:attendance": Entry(session("/attendance"), {"POST": TEAM}),
    "reviews:facilitator": Entry(session("/facilitator"), {"POST": TEAM}),
    "reviews:status": Entry(session("/status"), {"POST": TEAM}, lambda w: {"status": "held"}),
    "reviews:minutes": Entry(session("/minutes"), {"GET": READ}),
    "reviews:minutes-md": Entry(session("/minutes.md"), {"GET": READ}),
    "reviews:inventory": Entry(fixed("/reviews/items/"), {"GET": READ}),
    "reviews:inventory-json": Entry(fixed("/reviews/items.json"), {"GET": READ}),
    "reviews:triage": Entry(
        fixed("/reviews/items/triage"),
        {"POST": TEAM},
        lambda w: {"items": [w["item"].pk], "status": "done"},
    ),
    "reviews:item": Entry(
        lambda w: f"/reviews/items/{w['item'].pk}",
        {"GET": READ, "POST": TEAM},
        lambda w: {"title": "Fix retries", "status": "open"},
    ),
    "reviews:signals": Entry(fixed("/reviews/teams/checkout/signals.json"), {"GET": READ}),
    # workshops
    "workshops:list": Entry(fixed("/workshops/"), {"GET": READ}),
    "workshops:new": Entry(fixed("/workshops/new"), {"GET": WRITER, "POST": WRITER}),
    "workshops:trials": Entry(fixed("/workshops/trials"), {"GET": READ}),
    "workshops:review": Entry(fixed("/workshops/trials/pay-trial"), {"GET": READ, "POST": TEAM}),
    "workshops:record": Entry(ws("/"), {"GET": READ}),
    "workshops:record-json": Entry(ws(".json"), {"GET": READ}),
    "workshops:basics": Entry(ws("/edit"), {"GET": TEAM, "POST": TEAM}),
    "workshops:participants": Entry(ws("/participants"), {"GET": READ, "POST": TEAM}),
    "workshops:participant-delete": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/participants/{w['participant'].pk}/delete",
        {"POST": TEAM},
    ),
    "workshops:context": Entry(ws("/context"), {"GET": READ, "POST": TEAM}),
    "workshops:journeys": Entry(ws("/journeys"), {"GET": READ, "POST": TEAM}),
    "workshops:journey": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/journeys/{w['journey'].pk}",
        {"GET": TEAM, "POST": TEAM},
    ),
    "workshops:journey-delete": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/journeys/{w['journey'].pk}/delete",
        {"POST": TEAM},
    ),
    "workshops:sli-menu": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/journeys/{w['journey'].pk}/slis",
        {"GET": READ, "POST": TEAM},
    ),
    "workshops:slis": Entry(ws("/slis"), {"GET": READ}),
    "workshops:sli": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/slis/{w['sli'].pk}",
        {"GET": READ, "POST": TEAM},
    ),
    "workshops:sli-delete": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/slis/{w['sli'].pk}/delete", {"POST": TEAM}
    ),
    "workshops:explore": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/slis/{w['sli'].pk}/explore", {"GET": READ}
    ),
    "workshops:explore-json": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/slis/{w['sli'].pk}/explore.json",
        {"GET": READ},
    ),
    "workshops:target": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/slis/{w['sli'].pk}/target", {"POST": TEAM}
    ),
    "workshops:parking": Entry(ws("/parking"), {"GET": READ, "POST": TEAM}),
    "workshops:parking-toggle": Entry(
        lambda w: f"/workshops/{w['workshop'].pk}/parking/{w['parking'].pk}/toggle",
        {"POST": TEAM},
    ),
    "workshops:agreement": Entry(ws("/agreement"), {"GET": READ, "POST": TEAM}),
    "workshops:sign": Entry(ws("/sign"), {"POST": TEAM}),
    "workshops:export-md": Entry(ws("/export.md"), {"GET": READ}),
    "workshops:export-pdf": Entry(ws("/export.pdf"), {"GET": READ}),
    # policies
    "policies:list": Entry(fixed("/policies/"), {"GET": READ}),
    "policies:list-json": Entry(fixed("/policies/index.json"), {"GET": READ}),
    "policies:new": Entry(fixed("/policies/new"), {"GET": WRITER, "POST": WRITER}),
    "policies:detail": Entry(policy("/"), {"GET": READ}),
    "policies:detail-json": Entry(policy(".json"), {"GET": READ}),
    "policies:edit": Entry(policy("/edit"), {"GET": TEAM, "POST": TEAM}),
    "policies:signers": Entry(policy("/signers"), {"POST": TEAM}),
    "policies:sign": Entry(policy("/sign"), {"POST": TEAM}),
    "policies:exceptions": Entry(policy("/exceptions"), {"POST": TEAM}),
    "policies:retire": Entry(policy("/retire"), {"POST": TEAM}),
    # reports
    "reports:index": Entry(fixed("/reports/"), {"GET": READ}),
    "reports:health": Entry(fixed("/reports/health"), {"GET": READ}),
    "reports:health-json": Entry(fixed("/reports/health.json"), {"GET": READ}),
    "reports:health-csv": Entry(fixed("/reports/health.csv"), {"GET": READ}),
    "reports:report": Entry(fixed("/reports/monthly/2026-02/"), {"GET": READ}),
    "reports:report-json": Entry(fixed("/reports/monthly/2026-02.json"), {"GET": READ}),
    "reports:report-pdf": Entry(fixed("/reports/quarterly/2026-Q1.pdf"), {"GET": READ}),
    "reports:report-csv": Entry(fixed("/reports/monthly/2026-02.csv"), {"GET": READ}),
    # teams (the organisation under /org/)
    "teams:overview": Entry(fixed("/org/"), {"GET": READ}),
    "teams:overview-json": Entry(fixed("/org/overview.json"), {"GET": READ}),
    "teams:thresholds": Entry(fixed("/org/settings"), {"GET": READ, "POST": ADMIN}),
    "teams:map": Entry(fixed("/org/map"), {"GET": READ}),
    "teams:map-json": Entry(fixed("/org/map.json"), {"GET": READ}),
    "teams:team-api": Entry(fixed("/org/teams/checkout/"), {"GET": READ}),
    "teams:team-api-json": Entry(fixed("/org/teams/checkout.json"), {"GET": READ}),
    "teams:team-api-edit": Entry(fixed("/org/teams/checkout/edit"), {"GET": TEAM, "POST": TEAM}),
    "teams:interaction-new": Entry(
        fixed("/org/teams/checkout/interactions/new"), {"GET": TEAM, "POST": TEAM}
    ),
    "teams:interaction-edit": Entry(
        lambda w: f"/org/teams/checkout/interactions/{w['interaction'].pk}",
        {"GET": TEAM, "POST": TEAM},
    ),
    "teams:interaction-end": Entry(
        lambda w: f"/org/teams/checkout/interactions/{w['interaction'].pk}/end",
        {"POST": TEAM},
    ),
    "teams:scorecard": Entry(fixed("/org/teams/checkout/scorecard"), {"GET": READ}),
    "teams:scorecard-json": Entry(fixed("/org/teams/checkout/scorecard.json"), {"GET": READ}),
    "teams:maturity": Entry(fixed("/org/teams/checkout/maturity"), {"GET": READ, "POST": TEAM}),
}

# The API operations of the OpenAPI document: (method, path) -> entry.
API: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/slos"): Entry(fixed("/api/v1/slos"), {"GET": API_READ}),
    ("GET", "/api/v1/slos/{name}/status"): Entry(
        fixed("/api/v1/slos/pay/status"), {"GET": API_READ}
    ),
    ("POST", "/api/v1/buckets"): Entry(
        fixed("/api/v1/buckets"),
        {"POST": API_TEAM},
        lambda w: {"buckets": [{"slo": "pay", "t": int(NOW.timestamp()), "good": 1, "total": 1}]},
    ),
    ("POST", "/api/v1/annotations"): Entry(
        fixed("/api/v1/annotations"),
        {"POST": API_TEAM},
        lambda w: {"slo": "pay", "text": "deployed"},
    ),
    ("GET", "/api/v1/annotations"): Entry(
        lambda w: "/api/v1/annotations?slo=pay", {"GET": API_READ}
    ),
}


# --------------------------------------------------------------------------- the walk


def route_names() -> set[str]:
    """Names of every URL pattern outside the Django admin (namespaced).

    API operations are left out: the OpenAPI document lists them, with their methods.
    """
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern):
                if pattern.callback.__module__ == "ninja.operation":
                    continue
                if pattern.name is None:
                    names.add(f"{namespace}<unnamed {pattern.pattern}>")
                else:
                    names.add(namespace + pattern.name)

    walk(get_resolver(), "")
    return names


def api_operations() -> set[tuple[str, str]]:
    from ekkyo.api.main import api

    schema = api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_it_has_an_entry_for_every_route():
    missing = sorted(route_names() - set(ROUTES))
    assert not missing, f"routes without an authorisation entry: {missing}"


def test_it_has_an_entry_for_every_api_operation():
    missing = sorted(api_operations() - set(API))
    assert not missing, f"API operations without an authorisation entry: {missing}"


def test_it_names_no_route_that_does_not_exist():
    assert not set(ROUTES) - route_names()
    assert not set(API) - api_operations()


# --------------------------------------------------------------------------- the requests


def outcome(response: Any) -> str:
    status = response.status_code
    if status in (301, 302, 303) and "/login/" in response.get("Location", ""):
        return "login"
    if status in (401, 403, 404, 405):
        return str(status)
    if status >= 500:
        return f"error {status}"
    return "ok"


@pytest.fixture
def world(db, tmp_path):
    return build_world(tmp_path)


def request_as(
    client: Any, world: dict[str, Any], role: str, method: str, entry: Entry, *, api: bool
) -> Any:
    """One request in a savepoint that is rolled back afterwards."""
    client.logout()
    headers: dict[str, str] = {}
    if role != "anonymous":
        if api:
            headers["Authorization"] = f"Bearer {token_for(world[role])}"
        else:
            client.force_login(world[role])
    url = entry.url(world)
    data = entry.data(world)
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, headers=headers)
        elif api:
            response = client.post(url, data, content_type="application/json", headers=headers)
        else:
            response = client.post(url, data, headers=headers)
        transaction.set_rollback(True)
    return response


def check(client: Any, world: dict[str, Any], entry: Entry, *, api: bool) -> None:
    got: dict[str, dict[str, str]] = {}
    for method, expected in entry.expect.items():
        got[method] = {
            role: outcome(request_as(client, world, role, method, entry, api=api)) for role in ROLES
        }
        assert got[method] == dict(zip(ROLES, expected, strict=True)), (method, entry.url(world))


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_it_answers_each_role_on_each_page_as_the_table_says(client, world, name):
    check(client, world, ROUTES[name], api=name == "metrics")


@pytest.mark.parametrize("operation", sorted(API), ids=lambda op: f"{op[0]} {op[1]}")
def test_it_answers_each_role_on_each_api_operation_as_the_table_says(client, world, operation):
    check(client, world, API[operation], api=True)


def test_it_opens_the_django_admin_to_sre_admins_only(client, world):
    urls = ["/admin/"] + [
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    ]
    for url in urls:
        entry = Entry(fixed(url), {"GET": STAFF})
        check(client, world, entry, api=False)


def test_it_opens_a_calendar_feed_with_its_key_and_nothing_else(client, world):
    series = world["series"]
    base = "/reviews/series/checkout-review/sessions.ics"
    assert client.get(f"{base}?key={series.feed_key}").status_code == 200
    assert client.get(f"{base}?key=wrong-{series.feed_key}").status_code == 404
    assert outcome(client.get(f"/reviews/series/checkout-review?key={series.feed_key}")) == "login"
