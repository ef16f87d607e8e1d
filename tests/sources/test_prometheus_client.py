"""PrometheusClient against a faked HTTP seam (httpx.MockTransport)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from ekkyo.sources.errors import SourceConfigError, SourceResponseError, SourceUnavailable
from ekkyo.sources.prometheus_client import PrometheusClient, redact_url

T0 = 1_699_999_980


def _matrix(*series: tuple[dict[str, str], list[list[object]]]) -> dict[str, object]:
    return {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": m, "values": v} for m, v in series],
        },
    }


def _client(handler, **kwargs) -> PrometheusClient:
    kwargs.setdefault("sleep", lambda _: None)
    return PrometheusClient(
        kwargs.pop("url", "http://prom.example:9090"),
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def test_it_posts_the_query_range_form():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=_matrix())

    with _client(handler) as client:
        client.query_range('sum(x{a="b"})', T0, T0 + 600, 60)
    form = parse_qs(seen[0].content.decode())
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/api/v1/query_range"
    assert form == {
        "query": ['sum(x{a="b"})'],
        "start": [str(T0)],
        "end": [str(T0 + 600)],
        "step": ["60"],
    }


def test_it_keeps_a_path_prefix_of_the_url():
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=_matrix())

    with _client(handler, url="https://gw.example/prometheus") as client:
        client.query_range("up", T0, T0, 60)
    assert paths == ["/prometheus/api/v1/query_range"]


def test_it_parses_series_labels_times_and_values():
    body = _matrix(({"job": "a"}, [[T0, "1"], [T0 + 60, "NaN"], [T0 + 120.0, "+Inf"]]))
    with _client(lambda r: httpx.Response(200, json=body)) as client:
        (series,) = client.query_range("up", T0, T0 + 120, 60)
    assert dict(series.labels) == {"job": "a"}
    assert series.t.tolist() == [T0, T0 + 60, T0 + 120]
    assert series.v[0] == 1.0
    assert str(series.v[1]) == "nan"
    assert series.v[2] == float("inf")


def test_it_retries_5xx_and_429_then_succeeds():
    answers = [
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(200, json=_matrix()),
    ]
    waits: list[float] = []
    with _client(lambda r: answers.pop(0), backoff=0.1, sleep=waits.append) as client:
        assert client.query_range("up", T0, T0, 60) == []
    assert waits == [0.1, 2.0]


def test_it_gives_up_after_the_bounded_retries():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(502)

    with _client(handler, retries=2) as client, pytest.raises(SourceUnavailable, match="502"):
        client.query_range("up", T0, T0, 60)
    assert calls == 3


def test_it_caps_a_long_retry_after():
    answers = [
        httpx.Response(429, headers={"Retry-After": "3600"}),
        httpx.Response(200, json=_matrix()),
    ]
    waits: list[float] = []
    with _client(lambda r: answers.pop(0), sleep=waits.append) as client:
        client.query_range("up", T0, T0, 60)
    assert waits == [30.0]


def test_it_turns_connection_errors_into_source_unavailable():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with _client(handler, retries=1) as client, pytest.raises(SourceUnavailable, match="after 2"):
        client.query_range("up", T0, T0, 60)


def test_it_turns_timeouts_into_source_unavailable():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with _client(handler, retries=0) as client, pytest.raises(SourceUnavailable, match="timed out"):
        client.query_range("up", T0, T0, 60)


def test_it_really_times_out_against_a_silent_server():
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with (
            PrometheusClient(url, timeout=0.2, retries=0) as client,
            pytest.raises(SourceUnavailable, match="timed out"),
        ):
            client.query_range("up", T0, T0, 60)


def test_it_reports_prometheus_errors_with_their_message():
    body = {"status": "error", "errorType": "bad_data", "error": 'parse error: unexpected "}"'}
    with (
        _client(lambda r: httpx.Response(400, json=body)) as client,
        pytest.raises(SourceResponseError, match='bad_data: parse error: unexpected "}"'),
    ):
        client.query_range("up}", T0, T0, 60)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>proxy error</html>",
        json.dumps({"status": "success"}).encode(),
        json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode(),
        json.dumps(_matrix(({}, [[T0]]))).encode(),
        json.dumps(_matrix(({}, [[T0, "abc"]]))).encode(),
        json.dumps([1, 2]).encode(),
    ],
)
def test_it_reports_malformed_answers_as_response_errors(body: bytes):
    with (
        _client(lambda r: httpx.Response(200, content=body)) as client,
        pytest.raises(SourceResponseError),
    ):
        client.query_range("up", T0, T0, 60)


def test_it_refuses_ranges_beyond_prometheus_s_point_limit():
    with (
        _client(lambda r: httpx.Response(200, json=_matrix())) as client,
        pytest.raises(SourceConfigError, match="11000"),
    ):
        client.query_range("up", T0, T0 + 60 * 11_000, 60)


def test_it_refuses_credentials_in_the_url_without_repeating_them():
    with pytest.raises(SourceConfigError, match="contains credentials") as info:
        PrometheusClient("https://alice:hunter2@prom.example/")
    assert "hunter2" not in str(info.value)


def test_it_refuses_both_a_token_and_basic_auth():
    with pytest.raises(SourceConfigError, match="not both"):
        PrometheusClient("http://p:9090", bearer_token="t", basic_auth=("u", "p"))


def test_it_sends_basic_auth():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json=_matrix())

    with _client(handler, basic_auth=("alice", "pw")) as client:
        client.query_range("up", T0, T0, 60)
    assert seen == [httpx.BasicAuth("alice", "pw")._auth_header]


def test_it_sends_extra_headers():
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["X-Scope-OrgID"])
        return httpx.Response(200, json=_matrix())

    with _client(handler, headers={"X-Scope-OrgID": "team-a"}) as client:
        client.query_range("up", T0, T0, 60)
    assert seen == ["team-a"]


def test_it_does_not_show_the_token_in_its_repr():
    client = PrometheusClient("http://p:9090", bearer_token="tok-123")
    assert "tok-123" not in repr(client)
    client.close()


def test_it_redacts_user_info_query_and_fragment_from_urls():
    assert redact_url("https://u:p@h.example:8443/x/?token=1#f") == "https://h.example:8443/x/"


def test_it_refuses_a_missing_ca_file():
    with pytest.raises(SourceConfigError, match="cannot load caFile"):
        PrometheusClient("https://p:9090", ca_file="/nonexistent/ca.pem")
