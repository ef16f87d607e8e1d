"""The status API, the status field and filter of GET /slos, and /metrics."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import require_binary
from tests.factories import make_user, token_for
from tests.worker.helpers import T0, add_slo, at, push, worker

pytestmark = pytest.mark.django_db


def _auth(role="viewer", name="bea"):
    return {"Authorization": f"Bearer {token_for(make_user(name, role))}"}


@pytest.fixture
def evaluated():
    """Two SLOs the worker evaluated at T0: one healthy, one out of budget."""
    good = add_slo("checkout-availability", window="1d")
    bad = add_slo(
        "search-latency",
        window="1d",
        objectives=[{"displayName": "p99", "target": 0.99}, {"target": 0.5}],
    )
    push(good, [T0 - 60], [100], [100])
    push(bad, [T0 - 60], [10], [100])
    worker().tick(at(T0))
    return good, bad


@pytest.mark.usefixtures("evaluated")
def test_it_returns_the_result_objects_with_state_and_time(client):
    response = client.get("/api/v1/slos/search-latency/status", headers=_auth())

    assert response.status_code == 200
    body = response.json()
    assert body["slo"] == "search-latency"
    assert body["state"] == "exhausted"
    assert body["computed_at"] == "2026-03-02T12:00:00Z"
    first, second = body["results"]
    assert (first["objective"], first["state"], first["good"], first["total"]) == (
        "p99",
        "exhausted",
        10,
        100,
    )
    assert second["objective"] == "1"
    assert first["window"] == {
        "start": "2026-03-01T12:00:00Z",
        "end": "2026-03-02T12:00:00Z",
        "length_s": 86400,
    }
    assert set(first["burn_rates"]) == {"5m", "30m", "1h", "2h", "6h", "1d", "3d"}
    assert first["error_budget"]["remaining_ratio"] < 0


def test_it_lets_every_role_read_a_status(client, evaluated):
    for role in ("viewer", "member", "admin"):
        response = client.get(
            "/api/v1/slos/checkout-availability/status", headers=_auth(role, f"u-{role}")
        )
        assert response.status_code == 200, role


def test_it_answers_404_in_the_error_format_for_an_unknown_slo(client, db):
    response = client.get("/api/v1/slos/nope/status", headers=_auth())

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_401_without_a_token(client, evaluated):
    assert client.get("/api/v1/slos/checkout-availability/status").status_code == 401


def test_it_answers_no_results_before_the_worker_ran(client, db):
    add_slo("fresh")

    body = client.get("/api/v1/slos/fresh/status", headers=_auth()).json()

    assert body == {"slo": "fresh", "state": "no_data", "computed_at": None, "results": []}


def test_it_lists_slos_with_their_status_and_filters_on_it(client, evaluated):
    auth = _auth()

    everything = client.get("/api/v1/slos", headers=auth).json()["slos"]
    exhausted = client.get("/api/v1/slos?status=exhausted", headers=auth).json()["slos"]

    assert {s["name"]: s["status"] for s in everything} == {
        "checkout-availability": "healthy",
        "search-latency": "exhausted",
    }
    assert [s["name"] for s in exhausted] == ["search-latency"]
    assert client.get("/api/v1/slos?status=bogus", headers=auth).status_code == 422


def test_it_exposes_every_objective_as_prometheus_metrics(client, evaluated):
    response = client.get("/metrics", headers=_auth())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    labels = 'slo="checkout-availability",objective="availability",service="shop",team="checkout"'
    assert f'ekkyo_slo_sli{{{labels},window="1d"}} 1.0\n' in text
    assert f'ekkyo_slo_error_budget_remaining_ratio{{{labels},window="1d"}} 1.0\n' in text
    assert f'ekkyo_slo_burn_rate{{{labels},window="5m"}} 0.0\n' in text
    assert 'ekkyo_slo_sli{slo="search-latency",objective="p99"' in text
    assert "# TYPE ekkyo_slo_burn_rate gauge" in text


def test_it_refuses_metrics_without_a_token(client, evaluated):
    response = client.get("/metrics")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_it_escapes_label_values_in_metrics(client, db):
    slo = add_slo(
        "checkout", window="1d", objectives=[{"displayName": 'say "hi"\\now', "target": 0.9}]
    )
    push(slo, [T0 - 60], [1], [1])
    worker().tick(at(T0))

    text = client.get("/metrics", headers=_auth()).content.decode()

    assert 'objective="say \\"hi\\"\\\\now"' in text


@pytest.mark.real
def test_it_writes_metrics_that_promtool_accepts(client, evaluated, tmp_path):
    promtool = require_binary("promtool", "apt install prometheus")
    text = client.get("/metrics", headers=_auth()).content

    done = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, check=False
    )

    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
    assert text.count(b"ekkyo_slo_burn_rate{") == 7 * 3


def test_it_skips_a_malformed_stored_result_and_serves_the_others(client, evaluated):
    from ekkyo.worker.models import SLOStatus

    _good, bad = evaluated
    row = SLOStatus.objects.get(slo=bad, objective_index=0)
    row.result = {k: v for k, v in row.result.items() if k != "error_budget"}
    row.save()

    response = client.get("/metrics", headers=_auth())

    assert response.status_code == 200
    assert 'ekkyo_slo_sli{slo="checkout-availability"' in response.content.decode()
