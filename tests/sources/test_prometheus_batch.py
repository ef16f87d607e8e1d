"""Batched range queries (one union per request) against a faked HTTP seam."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from ekkyo.sources.errors import SourceResponseError, SourceUnavailable
from ekkyo.sources.prometheus_batch import MAX_BATCH_EXPRS, TAG, fetch_many
from ekkyo.sources.prometheus_client import PrometheusClient

T0 = 1_699_999_980


def _answer(result: list[dict[str, object]]) -> httpx.Response:
    return httpx.Response(
        200, json={"status": "success", "data": {"resultType": "matrix", "result": result}}
    )


def _client(handler) -> PrometheusClient:
    return PrometheusClient(
        "http://p:9090", transport=httpx.MockTransport(handler), sleep=lambda _: None
    )


def _query(request: httpx.Request) -> str:
    return parse_qs(request.content.decode())["query"][0]


def test_it_sends_several_expressions_as_one_tagged_union_and_splits_the_answer():
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(_query(request))
        return _answer(
            [
                {"metric": {"job": "a", TAG: "1"}, "values": [[T0, "7"]]},
                {"metric": {"job": "a", TAG: "0"}, "values": [[T0, "3"]]},
            ]
        )

    with _client(handler) as client:
        got = fetch_many(client, ["good_total", "all_total", "good_total"], T0, T0, 60)
    assert queries == [
        '(label_replace(good_total, "ekkyo_query", "0", "", "")'
        ' or label_replace(all_total, "ekkyo_query", "1", "", ""))'
    ]
    assert [dict(s.labels) for s in got["good_total"]] == [{"job": "a"}]
    assert [s.v.tolist() for s in got["good_total"]] == [[3.0]]
    assert [s.v.tolist() for s in got["all_total"]] == [[7.0]]


def test_it_nests_the_union_as_a_balanced_tree():
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(_query(request))
        return _answer([])

    with _client(handler) as client:
        fetch_many(client, [f"m{i}" for i in range(8)], T0, T0, 60)
    # Eight terms: three levels of parentheses, never a chain of seven `or`s.
    depth = max_depth = 0
    for char in queries[0].replace("label_replace(", ""):
        depth += {"(": 1, ")": -1}.get(char, 0)
        max_depth = max(max_depth, depth)
    assert max_depth == 3


def test_it_caps_the_number_of_expressions_per_request():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return _answer([])

    with _client(handler) as client:
        got = fetch_many(client, [f"m{i}" for i in range(MAX_BATCH_EXPRS + 1)], T0, T0, 60)
    assert calls == 2
    assert len(got) == MAX_BATCH_EXPRS + 1


def test_it_asks_each_expression_alone_when_the_union_fails():
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        query = _query(request)
        queries.append(query)
        if query.startswith("(") or query == "scalar(x)":
            return httpx.Response(
                400, json={"status": "error", "errorType": "bad_data", "error": "scalar"}
            )
        return _answer([{"metric": {}, "values": [[T0, "1"]]}])

    with _client(handler) as client:
        got = fetch_many(client, ["up", "scalar(x)"], T0, T0, 60)
    assert queries[1:] == ["up", "scalar(x)"]
    assert [s.v.tolist() for s in got["up"]] == [[1.0]]  # type: ignore[union-attr]
    assert isinstance(got["scalar(x)"], SourceResponseError)


def test_it_gives_every_expression_the_error_when_prometheus_is_down():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503)

    client = PrometheusClient(
        "http://p:9090", transport=httpx.MockTransport(handler), retries=1, sleep=lambda _: None
    )
    with client:
        got = fetch_many(client, ["a", "b", "c"], T0, T0, 60)
    assert calls == 2  # the union and its retry; no expression-by-expression retries
    assert all(isinstance(g, SourceUnavailable) for g in got.values())


def test_it_sends_each_expression_alone_over_long_ranges():
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(_query(request))
        return _answer([])

    with _client(handler) as client:
        fetch_many(client, ["a", "b"], T0, T0 + 86400, 60)
    assert queries == ["a", "b"]


@pytest.mark.parametrize("tag", ["", "x", "7"])
def test_it_falls_back_when_a_series_lost_its_tag(tag: str):
    queries: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(_query(request))
        labels = {TAG: tag} if tag else {}
        return _answer([{"metric": labels, "values": [[T0, "1"]]}])

    with _client(handler) as client:
        fetch_many(client, ["a", "b"], T0, T0, 60)
    assert queries[1:] == ["a", "b"]
