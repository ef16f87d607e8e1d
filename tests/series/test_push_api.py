from __future__ import annotations

import json

import pytest

from ekkyo.catalog.models import SLO
from ekkyo.series import store
from ekkyo.series.models import IngestBatch
from ekkyo.series.push import MAX_BUCKETS
from tests.factories import make_slo, make_team
from tests.series.helpers import auth_for, ratio_doc, ratio_slo, threshold_slo

pytestmark = pytest.mark.django_db

T0 = 1_714_521_600  # 2024-05-01T00:00:00Z
URL = "/api/v1/buckets"


def _post(client, body, headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data, content_type="application/json", headers=headers)


@pytest.fixture
def member(db):
    ratio_slo("checkout-availability")
    threshold_slo("checkout-latency")
    return auth_for("mia", "member", ("checkout",))


def _ok(slo="checkout-availability", t=T0, **fields):
    """A valid item, changed by ``fields``; a field set to None is left out."""
    item = {"slo": slo, "t": t}
    if "value" not in fields:
        item |= {"good": 9, "total": 10}
    return {k: v for k, v in (item | fields).items() if v is not None}


def test_it_accepts_a_batch_and_answers_how_many_buckets(client, member):
    body = {"buckets": [_ok(t=T0), _ok(t=T0 + 60), _ok("checkout-latency", value=120.5)]}

    response = _post(client, body, member)

    assert response.status_code == 200
    assert response.json() == {"accepted": 3}


def test_it_shows_pushed_buckets_to_a_read_right_after_the_push(client, member):
    _post(client, {"buckets": [_ok(good=7, total=8)]}, member)
    slo_id = SLO.objects.get(name="checkout-availability").id

    found = store.read_series(slo_id, "", T0, T0 + 60)

    assert (found.good.tolist(), found.total.tolist()) == ([7.0], [8.0])


@pytest.mark.parametrize(
    "t", [T0, float(T0), str(T0), "2024-05-01T00:00:00Z", "2024-05-01T09:00:00+09:00"]
)
def test_it_takes_iso_times_with_any_zone_and_unix_seconds(client, member, t):
    response = _post(client, {"buckets": [_ok(t=t)]}, member)
    batch = IngestBatch.objects.get()

    assert response.status_code == 200
    assert (batch.t_min, batch.t_max) == (T0, T0)


def test_it_stores_nothing_when_one_item_is_bad(client, member):
    body = {"buckets": [_ok(t=T0), _ok(t=T0 + 60, good=5, total=4), _ok(t=T0 + 120)]}

    response = _post(client, body, member)

    assert response.status_code == 422
    assert IngestBatch.objects.count() == 0


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        (_ok(good=5, total=4), "good", "good (5) is greater than total (4)"),
        (_ok(good=-1, total=4), "good", "good (-1) cannot be negative"),
        (_ok(good=1, total=-4), "total", "total (-4) cannot be negative"),
        (_ok(good=1.5, total=4), "good", "good (1.5) must be a whole number of events"),
        (_ok(good="1", total=4), "good", "must be a whole number of events, not the string"),
        (_ok(good=True, total=4), "good", "not a boolean"),
        (_ok(good=1, total=None), "total", "missing: total comes together with good"),
        (_ok(good=1, total=2**53), "total", "is too large"),
        ({"t": T0, "good": 1, "total": 1}, "slo", "missing: the SLO's metadata.name"),
        (_ok(slo=7), "slo", "must be the SLO's name, not 7"),
        (_ok(slo="checkout-availabilty"), "slo", "did you mean 'checkout-availability'?"),
        (_ok(slo="nope"), "slo", "unknown SLO 'nope'"),
        (_ok(objective="fast"), "objective", "unknown objective 'fast' (objectives: 'main'"),
        (_ok(objective=3), "objective", "unknown objective 3"),
        (_ok(value=1.0, good=1, total=1), "value", "give either good and total, or value"),
        (_ok(value=1.0), "value", "has a ratio indicator"),
        (_ok("checkout-latency"), "good", "has a threshold indicator: send value"),
        (_ok("checkout-latency", value="fast"), "value", "must be a finite number"),
        (_ok("checkout-latency", value=10**400), "value", "must be a finite number"),
        (_ok(t=T0 + 30), "t", "not on a minute boundary"),
        (_ok(t=T0 + 0.5), "t", "not on a minute boundary"),
        (_ok(t="2024-05-01T00:00:00"), "t", "has no time zone"),
        (_ok(t="yesterday"), "t", "is not an ISO-8601 time"),
        (_ok(t=T0 * 1000), "t", "milliseconds instead of seconds"),
        (_ok(t=None), "t", "missing: the bucket's start"),
        (_ok(t=[T0]), "t", "not a list"),
        ({**_ok(), "colour": "red"}, "colour", "unknown field"),
        (_ok(good=None, total=None), "good", "a bucket needs good and total"),
        ("bucket", "", "must be an object, not the string 'bucket'"),
    ],
)
def test_it_names_the_index_field_and_reason_of_a_bad_item(client, member, item, field, message):

    response = _post(client, {"buckets": [_ok(), item]}, member)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert [(d["index"], d["field"]) for d in error["details"]] == [(1, field)]
    assert message in error["details"][0]["message"]


def test_it_names_every_bad_item_by_index(client, member):
    body = {"buckets": [_ok(good=5, total=4), _ok(), _ok(slo="x"), _ok(t=T0 + 1)]}

    details = _post(client, body, member).json()["error"]["details"]

    assert [(d["index"], d["field"]) for d in details] == [(0, "good"), (2, "slo"), (3, "t")]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "buckets", "missing"),
        ({"buckets": []}, "buckets", "is empty"),
        ({"buckets": {}}, "buckets", "must be a list"),
        ({"buckets": [_ok()], "idempotency_key": 5}, "idempotency_key", "must be a string"),
        ({"buckets": [_ok()], "extra": 1}, "extra", "unknown field"),
        ([], "", "expected a JSON object"),
    ],
)
def test_it_explains_a_bad_envelope_with_422(client, member, body, field, message):
    response = _post(client, body, member)

    assert response.status_code == 422
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == field
    assert message in detail["message"]


@pytest.mark.parametrize("body", ["{not json", b"\xff\xfe", "[" * 100_000 + "]" * 100_000])
def test_it_answers_400_to_a_body_that_is_not_json(client, member, body):
    response = _post(client, body, member)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_it_refuses_a_batch_over_the_size_limit_with_413(client, member):
    body = {"buckets": [_ok(t=T0 + 60 * i) for i in range(MAX_BUCKETS + 1)]}

    response = _post(client, body, member)

    assert response.status_code == 413
    assert f"at most {MAX_BUCKETS:,} buckets" in response.json()["error"]["message"]
    assert IngestBatch.objects.count() == 0


def test_it_answers_duplicate_for_a_repeated_key_and_body_and_changes_nothing(client, member):
    body = {"idempotency_key": "push-1", "buckets": [_ok(), _ok(t=T0 + 60)]}

    first = _post(client, body, member)
    again = _post(client, body, member)

    assert first.json() == {"accepted": 2}
    assert (again.status_code, again.json()) == (200, {"accepted": 2, "duplicate": True})
    assert IngestBatch.objects.count() == 1


def test_it_answers_409_for_a_repeated_key_with_another_body(client, member):
    _post(client, {"idempotency_key": "push-1", "buckets": [_ok()]}, member)

    response = _post(client, {"idempotency_key": "push-1", "buckets": [_ok(good=1)]}, member)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert IngestBatch.objects.count() == 1


def test_it_answers_401_without_a_valid_token(client, member):
    missing = _post(client, {"buckets": [_ok()]}, {})
    wrong = _post(client, {"buckets": [_ok()]}, {"Authorization": "Bearer ekk_nope"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.json()["error"]["code"] == "unauthenticated"


def test_it_answers_403_to_a_viewer(client, member):
    viewer = auth_for("vic", "viewer")

    response = _post(client, {"buckets": [_ok()]}, viewer)

    assert response.status_code == 403
    assert IngestBatch.objects.count() == 0


def test_it_answers_403_naming_the_slos_of_other_teams(client, member):
    make_slo(
        "search-latency", make_team("search"), service="search", spec=ratio_doc("search-latency")
    )
    body = {"buckets": [_ok(), _ok("search-latency")]}

    response = _post(client, body, member)

    assert response.status_code == 403
    error = response.json()["error"]
    assert "search-latency" in error["message"]
    assert "checkout-availability" not in error["message"]
    assert error["details"] == [{"slo": "search-latency"}]


def test_it_lets_an_admin_push_to_any_team(client, member):
    make_slo(
        "search-latency", make_team("search"), service="search", spec=ratio_doc("search-latency")
    )
    admin = auth_for("ada", "admin")

    response = _post(client, {"buckets": [_ok(), _ok("search-latency")]}, admin)

    assert response.status_code == 200


def test_it_sends_an_objective_by_name_or_index_to_the_shared_series(client, member):
    body = {
        "idempotency_key": "k",
        "buckets": [_ok(objective="main"), _ok(t=T0 + 60, objective=0), _ok(t=T0 + 120)],
    }

    response = _post(client, body, member)
    columns = IngestBatch.objects.get()

    assert response.status_code == 200
    assert columns.n_buckets == 3
    slo_id = SLO.objects.get(name="checkout-availability").id
    assert len(store.read_series(slo_id, "", T0, T0 + 180)) == 3


def test_it_describes_the_body_in_the_openapi_document(client, member):
    schema = client.get("/api/v1/openapi.json").json()

    post = schema["paths"]["/api/v1/buckets"]["post"]
    body = post["requestBody"]["content"]["application/json"]["schema"]

    assert body["properties"]["buckets"]["maxItems"] == MAX_BUCKETS
    assert set(body["properties"]["buckets"]["items"]["properties"]) == {
        "slo",
        "objective",
        "t",
        "good",
        "total",
        "value",
    }


def test_it_finds_an_slo_created_right_after_a_push_named_it(client, member):
    before = _post(client, {"buckets": [_ok("checkout-new")]}, member)
    ratio_slo("checkout-new")

    after = _post(client, {"buckets": [_ok("checkout-new")]}, member)

    assert (before.status_code, after.status_code) == (422, 200)
