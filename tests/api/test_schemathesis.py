"""The API against its own OpenAPI document, fuzzed by schemathesis as each role.

Every operation of ``/api/v1/openapi.json`` is called in-process through the WSGI app with
a token of a viewer, a member of one team and an SRE admin, over a catalog with teams,
SLOs (ratio and threshold indicators, several lifecycles), per-minute data and statuses
the worker computed.  No call may answer 5xx, and every documented response must match its
schema and content type.  Path, query and body values are steered half of the time to
names that exist, so the fuzzing reaches past the 404s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from ekkyo.accounts.models import ApiToken
from ekkyo.api.main import api
from ekkyo.catalog.models import SLO, Service
from ekkyo.catalog.services import create_slo, transition
from ekkyo.engine import Buckets
from ekkyo.series import store
from ekkyo.worker.tick import Settings, Worker
from tests.factories import make_team, make_user
from tests.web.conftest import openslo

pytestmark = [pytest.mark.slow]

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
DAYS_OF_DATA = 2
# Names the fuzzer is steered to: SLOs that exist, and one that does not.
KNOWN = ["pay", "search-latency", "cart", "catalog-sync", "no-such-slo"]
ROLES = ["viewer", "member", "admin"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))


def _steer(value: Any) -> st.SearchStrategy[Any]:
    """The generated value, or (as often) an existing SLO's name."""
    return st.one_of(st.just(value), st.sampled_from(KNOWN))


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    if not isinstance(path_parameters, dict) or "name" not in path_parameters:
        return st.just(path_parameters)
    return _steer(path_parameters["name"]).map(lambda n: {**path_parameters, "name": n})


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> Any:
    if not isinstance(query, dict) or "slo" not in query:
        return st.just(query)
    return _steer(query["slo"]).map(lambda n: {**query, "slo": n})


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    if isinstance(body, dict) and isinstance(body.get("slo"), str):
        return _steer(body["slo"]).map(lambda n: {**body, "slo": n})
    items = body.get("buckets") if isinstance(body, dict) else None
    if isinstance(items, list) and items and all(isinstance(i, dict) for i in items):
        return _steer(items[0].get("slo")).map(
            lambda n: {**body, "buckets": [{**i, "slo": n} for i in items]}
        )
    return st.just(body)


def threshold_doc(name: str, service: str) -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name, "displayName": "Search latency"},
        "spec": {
            "service": service,
            "indicator": {
                "metadata": {"name": f"{name}-sli"},
                "spec": {"thresholdMetric": {"metricSource": {"type": "push", "spec": {}}}},
            },
            "timeWindow": [{"duration": "7d", "isRolling": True}],
            "budgetingMethod": "Timeslices",
            "objectives": [
                {
                    "displayName": "p95 under 300 ms",
                    "op": "lt",
                    "value": 300,
                    "target": 0.95,
                    "timeSliceTarget": 0.9,
                    "timeSliceWindow": "5m",
                },
            ],
        },
    }


def _slo(name: str, team: Any, product: str, document: dict[str, Any], lifecycle: str) -> Any:
    service, _ = Service.objects.get_or_create(name=product, defaults={"team": team})
    return create_slo(document, service, lifecycle=lifecycle)


def build_catalog() -> dict[str, str]:
    """Three teams, four SLOs with data and statuses, and a token per role."""
    checkout, search = make_team("checkout", name_ja="決済"), make_team("search")
    make_team("platform", topology_type="platform")
    pay = _slo(
        "pay",
        checkout,
        "shop",
        openslo(
            "pay",
            "shop",
            objectives=[
                {"displayName": "availability", "target": 0.999},
                {"displayName": "relaxed", "target": 0.99},
            ],
        ),
        "active",
    )
    latency = _slo(
        "search-latency", search, "search", threshold_doc("search-latency", "search"), "trial"
    )
    cart = _slo("cart", checkout, "shop", openslo("cart", "shop", target=0.995), "active")
    _slo("catalog-sync", search, "search", openslo("catalog-sync", "search"), "draft")
    admin = make_user("sre", "admin")
    transition(cart, "retired", actor=admin, reason="replaced by pay")

    minutes = DAYS_OF_DATA * 1440
    start = int(NOW.timestamp()) - minutes * 60
    t = start + 60 * np.arange(minutes, dtype=np.int64)
    rng = np.random.default_rng(7)
    total = rng.integers(50, 150, minutes).astype(float)
    good = total - (rng.random(minutes) < 0.02) * rng.integers(1, 20, minutes)
    store.append([(pay.pk, "", Buckets.counts(t, good, total))], body_hash="st-pay")
    store.append(
        [(latency.pk, "", Buckets.values(t, rng.gamma(4.0, 50.0, minutes)))],
        body_hash="st-latency",
    )
    # The test's clock is in the past of the rows' creation: make every SLO due now.
    SLO.objects.update(next_evaluation_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    Worker(Settings(name="st", delay_s=0), clock=lambda: NOW).tick(NOW)

    users = {
        "viewer": make_user("bea", "viewer"),
        "member": make_user("dev", "member", ("checkout",)),
        "admin": admin,
    }
    return {role: ApiToken.issue(user, label="schemathesis")[1] for role, user in users.items()}


@pytest.fixture(scope="module")
def catalog(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The catalog once for the module: built in a transaction that is rolled back at the end.

    Each test still runs in its own savepoint (the ``db`` fixture), so what one test writes
    (pushes, annotations) is gone before the next.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_catalog()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def app() -> Any:
    """The WSGI app, called as Django's test client calls it.

    Django closes "old" connections when a request starts and finishes; inside the test's
    transaction that would close the connection holding it (PostgreSQL), so the signal is
    unhooked for the module, exactly as ``django.test.Client`` does around each request.
    """
    from ekkyo.server.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_it_has_statuses_from_the_worker_to_fuzz_against(catalog, db, client):
    body = client.get(
        "/api/v1/slos/pay/status", headers={"Authorization": f"Bearer {catalog['viewer']}"}
    ).json()
    assert [r["objective"] for r in body["results"]] == ["availability", "relaxed"]
    assert body["results"][0]["total"] > 0


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_it_answers_every_operation_within_its_schema(case, role, catalog, db, app):
    response = case.call(app=app, headers={"Authorization": f"Bearer {catalog[role]}"})
    case.validate_response(response, checks=CHECKS)


MINUTE = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
# Calls that must succeed (or be refused) exactly so, checked with the same schema checks:
# (operation, parameters, expected status for viewer, member of checkout, admin).
KNOWN_CALLS = [
    ("GET /api/v1/slos", {}, (200, 200, 200)),
    ("GET /api/v1/slos", {"query": {"team": "checkout", "lifecycle": "active"}}, (200, 200, 200)),
    ("GET /api/v1/slos/{name}/status", {"path_parameters": {"name": "pay"}}, (200, 200, 200)),
    (
        "GET /api/v1/slos/{name}/status",
        {"path_parameters": {"name": "search-latency"}},
        (200, 200, 200),
    ),
    ("GET /api/v1/slos/{name}/status", {"path_parameters": {"name": "cart"}}, (200, 200, 200)),
    (
        "GET /api/v1/slos/{name}/status",
        {"path_parameters": {"name": "no-such-slo"}},
        (404, 404, 404),
    ),
    (
        "POST /api/v1/buckets",
        {"body": {"buckets": [{"slo": "pay", "t": MINUTE, "good": 99, "total": 100}]}},
        (403, 200, 200),
    ),
    (
        "POST /api/v1/buckets",
        {"body": {"buckets": [{"slo": "search-latency", "t": MINUTE, "value": 250.0}]}},
        (403, 403, 200),
    ),
    (
        "POST /api/v1/annotations",
        {"body": {"slo": "pay", "kind": "deploy", "text": "v1.2.3", "link": "https://x.test/1"}},
        (403, 201, 201),
    ),
    ("GET /api/v1/annotations", {"query": {"slo": "cart"}}, (200, 200, 200)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("operation", "parts", "expected"), KNOWN_CALLS)
def test_it_answers_known_calls_as_each_role_within_its_schema(
    operation, parts, expected, role, catalog, db, app
):
    method, path = operation.split(" ")
    case = schema[path][method].Case(**parts)
    response = case.call(app=app, headers={"Authorization": f"Bearer {catalog[role]}"})
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == expected[ROLES.index(role)], response.text


def test_it_renders_the_api_docs_without_a_cdn(client, db):
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in html
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html


def test_it_serves_the_openapi_document_it_was_fuzzed_with(client, db):
    served = client.get("/api/v1/openapi.json").json()
    assert set(served["paths"]) == set(schema.raw_schema["paths"])
