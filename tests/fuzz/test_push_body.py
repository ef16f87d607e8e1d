"""Hostile bodies for ``POST /api/v1/buckets``: always a 4xx in the error format, never a 5xx.

Three kinds of body: JSON texts no serializer would write (nesting thousands deep, huge
and non-finite numbers, lone surrogates, invalid UTF-8, NUL characters), valid pushes
with one field replaced by a hostile value, and arbitrary JSON trees.  Each answer must
be 200 with ``accepted`` or a 4xx whose body is ``{"error": {"code", "message",
"details"}}`` (API.md); an exception in the view fails the test (the test client
re-raises it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ekkyo.series.api import forget_cached_slos
from tests.fuzz.hostile import deep, hostile_values
from tests.series.helpers import auth_for, ratio_slo, threshold_slo

pytestmark = pytest.mark.django_db

URL = "/api/v1/buckets"
T0 = 1_714_521_600  # 2024-05-01T00:00:00Z
OK_STATUSES = {200, 400, 403, 409, 413, 422}
FUZZ = settings(
    max_examples=120,
    deadline=3000,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

TEXTS = [
    "",
    "null",
    "[]",
    '"buckets"',
    "[" * 100_000 + "]" * 100_000,
    '{"buckets":' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"buckets":[{"slo":"checkout-availability","t":NaN,"good":Infinity,"total":-Infinity}]}',
    '{"buckets":[{"slo":"checkout-availability","t":1e400,"good":1,"total":1}]}',
    '{"buckets":[{"slo":"checkout-availability","t":' + "9" * 5000 + ',"good":1,"total":1}]}',
    '{"buckets":[{"slo":"checkout-availability","t":1714521600,"good":1e308,"total":1e308}]}',
    '{"buckets":[{"slo":"\\ud800","t":1714521600,"good":1,"total":2}]}',
    '{"idempotency_key":"\\udfff","buckets":[{"slo":"checkout-availability",'
    '"t":1714521600,"good":1,"total":2}]}',
    '{"idempotency_key":"k\\u0000","buckets":[{"slo":"checkout-availability",'
    '"t":1714521600,"good":1,"total":2}]}',
    '{"buckets":[{"slo":"checkout\\u0000availability","t":1714521600,"good":1,"total":2}]}',
    '{"buckets":[{"slo":"checkout-availability","objective":"\\u202e","t":1714521600,'
    '"good":1,"total":2}]}',
    '{"buckets": {"0": {}}, "buckets": []}',
    '{"buckets":[' + ",".join(['{"slo":"x","t":0}'] * 10_001) + "]}",
]
RAW_BYTES = [
    b"\xff\xfe\x00",
    b'{"buckets":[{"slo":"\xc3\x28"}]}',
    b"\x00" * 100,
    # UTF-16, which json.loads also reads, with a lone surrogate escape in it.
    '{"buckets":[{"slo":"\\ud800","t":0}]}'.encode("utf-16"),
]


@pytest.fixture
def member(db):
    forget_cached_slos()
    ratio_slo("checkout-availability")
    threshold_slo("checkout-latency")
    yield auth_for("mia", "member", ("checkout",))
    forget_cached_slos()


def _post(client: Any, data: str | bytes, headers: dict[str, str]) -> Any:
    return client.post(URL, data, content_type="application/json", headers=headers)


def _assert_answer(response: Any) -> None:
    assert response.status_code in OK_STATUSES, (response.status_code, response.content[:300])
    body = response.json()
    if response.status_code == 200:
        assert isinstance(body["accepted"], int)
        return
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], list)


def _valid_item() -> dict[str, Any]:
    return {"slo": "checkout-availability", "t": T0, "good": 9, "total": 10}


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_it_answers_hostile_json_texts_with_an_error_body(client, member, text):
    _assert_answer(_post(client, text, member))


@pytest.mark.parametrize("raw", RAW_BYTES, ids=range(len(RAW_BYTES)))
def test_it_answers_bytes_that_are_not_utf8_with_an_error_body(client, member, raw):
    response = _post(client, raw, member)

    _assert_answer(response)
    assert response.status_code in {400, 422}


@pytest.mark.parametrize("where", ["slo", "idempotency_key"])
def test_it_refuses_a_lone_surrogate_escape_as_invalid_json(client, member, where):
    item = '{"slo":"checkout-availability","t":1714521600,"good":1,"total":2}'
    if where == "slo":
        item = item.replace("checkout-availability", "\\ud800")
    key = "\\udfff" if where == "idempotency_key" else "k"
    text = '{"idempotency_key":"' + key + '","buckets":[' + item + "]}"

    response = _post(client, text, member)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_it_still_accepts_a_surrogate_pair_escape(client, member):
    text = (
        '{"idempotency_key":"\\ud83d\\ude00","buckets":'
        '[{"slo":"checkout-availability","t":1714521600,"good":1,"total":2}]}'
    )

    response = _post(client, text, member)

    assert response.json() == {"accepted": 1}


@FUZZ
@given(
    field=st.sampled_from(["slo", "objective", "t", "good", "total", "value", "<item>"]),
    where=st.sampled_from(["item", "key", "buckets"]),
    value=hostile_values(),
)
def test_it_answers_a_push_with_one_hostile_field(client, member, field, where, value):
    item = _valid_item()
    body: dict[str, Any] = {"buckets": [item, _valid_item() | {"t": T0 + 60}]}
    if where == "key":
        body["idempotency_key"] = value
    elif where == "buckets":
        body["buckets"] = value
    elif field == "<item>":
        body["buckets"][0] = value
    else:
        item[field] = value

    _assert_answer(_post(client, json.dumps(body, allow_nan=True), member))


json_trees = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["checkout-availability", "buckets", "slo", "t", "good", "total"]),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(["buckets", "idempotency_key", "slo", "t", "good", "total", "value"])
            | st.text(max_size=5),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@FUZZ
@given(json_trees)
def test_it_answers_arbitrary_json_with_200_or_an_error_body(client, member, tree):
    _assert_answer(_post(client, json.dumps(tree, allow_nan=True), member))


def test_it_still_reads_deep_nesting_inside_an_item_as_a_bad_field(client, member):
    body = {"buckets": [_valid_item() | {"good": deep(500)}]}

    response = _post(client, json.dumps(body), member)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["index"] == 0
