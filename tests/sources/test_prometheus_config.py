"""DataSource connectionDetails and metricSource specs -> client settings."""

from __future__ import annotations

import httpx
import pytest

from ekkyo.sources.errors import SourceConfigError
from ekkyo.sources.prometheus_config import (
    RatioQueries,
    ThresholdQuery,
    client_from_connection_details,
    client_from_data_source,
    metric_source_query,
    read_indicator,
)

T0 = 1_699_999_980
EMPTY = {"status": "success", "data": {"resultType": "matrix", "result": []}}


def _seen_headers(details, env=None) -> httpx.Headers:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json=EMPTY)

    with client_from_connection_details(
        details, env=env or {}, transport=httpx.MockTransport(handler)
    ) as client:
        client.query_range("up", T0, T0, 60)
    return seen[0]


def test_it_reads_the_bearer_token_from_the_named_environment_variable():
    headers = _seen_headers(
        {"url": "http://p:9090", "bearerTokenEnv": "PROM_TOKEN"}, env={"PROM_TOKEN": "tok"}
    )
    assert headers["Authorization"] == "Bearer tok"


def test_it_reads_the_bearer_token_from_a_file(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("file-token\n")
    headers = _seen_headers({"url": "http://p:9090", "bearerTokenFile": str(token_file)})
    assert headers["Authorization"] == "Bearer file-token"


def test_it_reads_the_basic_auth_password_from_the_environment():
    headers = _seen_headers(
        {"url": "http://p:9090", "basicAuth": {"username": "u", "passwordEnv": "PW"}},
        env={"PW": "pw"},
    )
    assert headers["Authorization"] == httpx.BasicAuth("u", "pw")._auth_header


def test_it_sends_configured_headers():
    headers = _seen_headers({"url": "http://p:9090", "headers": {"X-Scope-OrgID": "t1"}})
    assert headers["X-Scope-OrgID"] == "t1"


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({"url": "http://p", "bearerToken": "abc"}, "connectionDetails.bearerToken: secrets"),
        (
            {"url": "http://p", "basicAuth": {"username": "u", "password": "abc"}},
            "connectionDetails.basicAuth.password: secrets",
        ),
        ({"bearerTokenEnv": "X"}, "connectionDetails.url"),
        ({"url": "http://p", "bearerTokenEnv": "MISSING"}, "MISSING is not set"),
        ({"url": "http://p", "bearertoken_env": "X"}, "unknown field"),
        ({"url": "http://p", "timeout": "soon"}, "connectionDetails.timeout"),
        ({"url": "http://p", "timeout": 0}, "connectionDetails.timeout"),
        ({"url": "http://p", "insecureSkipVerify": "yes"}, "insecureSkipVerify"),
        ({"url": "http://p", "basicAuth": {"username": "u"}}, "passwordEnv or passwordFile"),
        ({"url": "ftp://p"}, "http:// or https://"),
        (None, "needs connectionDetails"),
    ],
)
def test_it_refuses_bad_connection_details_naming_the_field(details, message):
    with pytest.raises(SourceConfigError, match=message) as info:
        client_from_connection_details(details, env={})
    assert "abc" not in str(info.value)


@pytest.mark.parametrize(
    ("value", "seconds"), [("10s", 10.0), ("500ms", 0.5), ("2m", 120.0), (3, 3.0)]
)
def test_it_reads_the_timeout_as_a_duration(value, seconds):
    client = client_from_connection_details({"url": "http://p", "timeout": value}, env={})
    assert client._http.timeout.read == seconds
    client.close()


def test_it_always_sets_a_timeout():
    client = client_from_connection_details({"url": "http://p"}, env={})
    assert client._http.timeout.read == 10.0
    assert client._http.timeout.connect == 10.0
    client.close()


def test_it_reads_the_query_of_a_metric_source():
    assert metric_source_query({"query": "sum(up)"}) == "sum(up)"


@pytest.mark.parametrize("spec", [None, {}, {"query": "  "}, {"promql": "up"}])
def test_it_refuses_a_metric_source_without_a_query(spec):
    with pytest.raises(SourceConfigError, match="query"):
        metric_source_query(spec)


def _ms(query: str, ref: str | None = "prom") -> dict[str, object]:
    source: dict[str, object] = {"type": "prometheus", "spec": {"query": query}}
    if ref is not None:
        source["metricSourceRef"] = ref
    return {"metricSource": source}


def test_it_reads_the_queries_of_a_ratio_indicator():
    got = read_indicator(
        {"ratioMetric": {"counter": True, "bad": _ms("errors_total"), "total": _ms("all_total")}}
    )
    assert got == RatioQueries(
        total="all_total", bad="errors_total", counter=True, data_source_ref="prom"
    )


def test_it_reads_counter_false():
    got = read_indicator(
        {"ratioMetric": {"counter": False, "good": _ms("ok"), "total": _ms("all")}}
    )
    assert isinstance(got, RatioQueries)
    assert got.counter is False


def test_it_reads_the_query_of_a_threshold_indicator():
    got = read_indicator({"thresholdMetric": _ms("p95_seconds", ref=None)})
    assert got == ThresholdQuery("p95_seconds", None)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({}, "spec: exactly one of ratioMetric or thresholdMetric"),
        ({"ratioMetric": {"total": _ms("a")}}, "spec.ratioMetric: give exactly one of good"),
        ({"ratioMetric": {"good": _ms("a")}}, "spec.ratioMetric.total: required"),
        (
            {"ratioMetric": {"counter": "yes", "good": _ms("a"), "total": _ms("b")}},
            "spec.ratioMetric.counter",
        ),
        (
            {"ratioMetric": {"good": _ms("a", "x"), "total": _ms("b", "y")}},
            "same metricSourceRef",
        ),
        (
            {"ratioMetric": {"good": _ms(" "), "total": _ms("b")}},
            "spec.ratioMetric.good.metricSource.spec.query",
        ),
        (
            {
                "ratioMetric": {
                    "good": {"metricSource": {"type": "NewRelic", "spec": {"nrql": "x"}}},
                    "total": _ms("b"),
                }
            },
            "spec.ratioMetric.good.metricSource.type: expected Prometheus",
        ),
        ({"ratioMetric": {"raw": _ms("r")}}, "spec.ratioMetric.raw"),
    ],
)
def test_it_refuses_bad_indicators_naming_the_field(spec, message):
    with pytest.raises(SourceConfigError, match=message):
        read_indicator(spec)


def test_it_builds_a_client_from_a_data_source_document():
    document = {
        "apiVersion": "openslo/v1",
        "kind": "DataSource",
        "metadata": {"name": "prom"},
        "spec": {"type": "Prometheus", "connectionDetails": {"url": "http://p:9090"}},
    }
    with client_from_data_source(document, env={}) as client:
        assert client.url == "http://p:9090/"


def test_it_names_the_document_field_of_bad_connection_details():
    document = {"kind": "DataSource", "spec": {"type": "Prometheus", "connectionDetails": {}}}
    with pytest.raises(SourceConfigError, match=r"spec\.connectionDetails\.url"):
        client_from_data_source(document, env={})


def test_it_refuses_a_data_source_of_another_type():
    with pytest.raises(SourceConfigError, match=r"spec\.type: expected Prometheus"):
        client_from_data_source({"spec": {"type": "NewRelic"}}, env={})
