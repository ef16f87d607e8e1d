"""NerdGraphClient against a real local HTTP server standing in for NerdGraph."""

from __future__ import annotations

import json
import logging
import socket

import httpx
import pytest

from ekkyo.sources.errors import (
    SourceConfigError,
    SourceError,
    SourceResponseError,
    SourceUnavailable,
)
from ekkyo.sources.newrelic_client import NerdGraphClient
from tests.sources.fake_nerdgraph import (
    FakeNerdGraph,
    graphql_errors,
    malformed,
    minute_rows,
    results,
    slow,
    status,
)

KEY = "NRAK-TESTKEY0123456789ABCDEFGHIJ"
ACCOUNT = 1234567
T0 = 1_700_000_040
NRQL = (
    "SELECT count(*) FROM Transaction SINCE 1700000040000 UNTIL 1700000160000 TIMESERIES 1 minute"
)


@pytest.fixture
def fake():
    with FakeNerdGraph(api_key=KEY, account_id=ACCOUNT) as server:
        yield server
        server.verify()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(fake, sleeps):
    with NerdGraphClient(KEY, ACCOUNT, endpoint=fake.url, timeout=2.0, sleep=sleeps.append) as c:
        yield c


def test_it_returns_the_result_rows(fake, client):
    rows = minute_rows(T0, [3, 5])
    fake.expect(NRQL, results(rows))
    assert client.nrql(NRQL) == rows


def test_it_raises_a_response_error_with_nerdgraphs_message(fake, client):
    fake.expect(NRQL, graphql_errors("NRQL Syntax Error: Error at line 1 position 8"))
    with pytest.raises(SourceResponseError, match="NRQL Syntax Error: Error at line 1"):
        client.nrql(NRQL)


def test_it_does_not_retry_graphql_errors(fake, client, sleeps):
    fake.expect(NRQL, graphql_errors("no"))
    with pytest.raises(SourceResponseError):
        client.nrql(NRQL)
    assert (len(fake.requests), sleeps) == (1, [])


def test_it_raises_a_response_error_on_malformed_json(fake, client):
    fake.expect(NRQL, malformed())
    with pytest.raises(SourceResponseError, match="malformed JSON"):
        client.nrql(NRQL)


def test_it_raises_a_response_error_when_results_are_missing(fake, client):
    fake.expect(NRQL, malformed(json.dumps({"data": {"actor": {"account": None}}})))
    with pytest.raises(SourceResponseError, match="missing 'account'"):
        client.nrql(NRQL)


def test_it_waits_what_retry_after_asks_after_a_429(fake, client, sleeps):
    fake.expect(NRQL, status(429, retry_after="7"), results([]))
    assert client.nrql(NRQL) == []
    assert sleeps == [7.0]


def test_it_reads_retry_after_as_an_http_date(fake, sleeps):
    fake.expect(NRQL, status(503, retry_after="Tue, 14 Nov 2023 22:14:30 GMT"), results([]))
    with NerdGraphClient(
        KEY, ACCOUNT, endpoint=fake.url, sleep=sleeps.append, clock=lambda: 1_700_000_060.0
    ) as c:
        c.nrql(NRQL)
    assert sleeps == [10.0]


def test_it_backs_off_exponentially_through_a_5xx_storm(fake, client, sleeps):
    fake.expect(NRQL, status(500), status(503), status(502), status(504), results([]))
    assert client.nrql(NRQL) == []
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert fake.nrql_seen == [NRQL] * 5


def test_it_raises_unavailable_when_retries_are_exhausted(fake, sleeps):
    fake.expect(NRQL, *[status(503)] * 3)
    with (
        NerdGraphClient(KEY, ACCOUNT, endpoint=fake.url, max_retries=2, sleep=sleeps.append) as c,
        pytest.raises(SourceUnavailable, match=r"after 3 attempts \(last: HTTP 503\)"),
    ):
        c.nrql(NRQL)
    assert sleeps == [1.0, 2.0]


def test_it_does_not_wait_longer_than_its_bound(fake, client, sleeps):
    fake.expect(NRQL, status(429, retry_after="3600"))
    with pytest.raises(SourceUnavailable, match="retry after 3600 s"):
        client.nrql(NRQL)
    assert sleeps == []


def test_it_raises_unavailable_when_nerdgraph_does_not_answer_in_time(fake, sleeps):
    fake.expect(NRQL, slow(3.0), slow(3.0))
    with (
        NerdGraphClient(
            KEY, ACCOUNT, endpoint=fake.url, timeout=0.2, max_retries=1, sleep=sleeps.append
        ) as c,
        pytest.raises(SourceUnavailable, match="ReadTimeout"),
    ):
        c.nrql(NRQL)
    assert sleeps == [1.0]


def test_it_retries_after_a_timeout_and_succeeds(fake, sleeps):
    fake.expect(NRQL, slow(3.0), results(minute_rows(T0, [1])))
    with NerdGraphClient(KEY, ACCOUNT, endpoint=fake.url, timeout=0.2, sleep=sleeps.append) as c:
        assert c.nrql(NRQL) == minute_rows(T0, [1])


def test_it_raises_unavailable_when_nothing_listens(sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/graphql"
    with (
        NerdGraphClient(KEY, ACCOUNT, endpoint=url, max_retries=1, sleep=sleeps.append) as c,
        pytest.raises(SourceUnavailable, match="ConnectError"),
    ):
        c.nrql(NRQL)
    assert sleeps == [1.0]


def test_it_reports_a_refused_key_as_a_config_error_without_retrying(fake, client, sleeps):
    fake.expect(NRQL, status(401, body="Invalid API key"))
    with pytest.raises(SourceConfigError, match="refused the API key"):
        client.nrql(NRQL)
    assert sleeps == []


def test_it_reports_other_client_errors_as_response_errors(fake, client):
    fake.expect(NRQL, status(400, body="bad request"))
    with pytest.raises(SourceResponseError, match="HTTP 400: bad request"):
        client.nrql(NRQL)


# --------------------------------------------------------------------------- the key


def _chain(exc: BaseException):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def test_it_never_shows_the_key_in_errors_or_logs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    # NerdGraph echoing the key back must not leak it either.
    fake.expect(NRQL, graphql_errors(f"API key {KEY} lacks access"))
    fake.expect(NRQL, status(400, body=f"bad key {KEY}"))
    fake.expect(NRQL, status(401))
    fake.expect(NRQL, malformed(f"<html>{KEY}</html>"))
    fake.expect(NRQL, status(503), status(503))
    fake.expect(NRQL, slow(3.0), slow(3.0))
    errors: list[SourceError] = []
    with NerdGraphClient(
        KEY, ACCOUNT, endpoint=fake.url, timeout=0.3, max_retries=1, sleep=lambda s: None
    ) as c:
        for _ in range(6):
            with pytest.raises(SourceError) as info:
                c.nrql(NRQL)
            errors.append(info.value)
        shown = [repr(c), str(c)]
    assert [type(e) for e in errors] == [
        SourceResponseError,
        SourceResponseError,
        SourceConfigError,
        SourceResponseError,
        SourceUnavailable,
        SourceUnavailable,
    ]
    for exc in errors:
        shown += [text for e in _chain(exc) for text in (str(e), repr(e), repr(e.args))]
    shown += [record.getMessage() for record in caplog.records]
    assert "lacks access" in shown[2]  # the message itself still comes through
    assert [text for text in shown if KEY in text] == []


def test_it_refuses_a_key_with_a_newline_without_echoing_it():
    with pytest.raises(SourceConfigError) as info:
        NerdGraphClient(KEY + "\nX-Evil: 1", ACCOUNT)
    assert KEY not in str(info.value)


# --------------------------------------------------------------------------- settings


def _capture(requests):
    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json={"data": {"actor": {"account": {"nrql": {"results": []}}}}})

    return httpx.MockTransport(handler)


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("US", "https://api.newrelic.com/graphql"),
        ("EU", "https://api.eu.newrelic.com/graphql"),
        ("eu", "https://api.eu.newrelic.com/graphql"),
    ],
)
def test_it_sends_queries_to_the_regions_endpoint(region, url):
    sent: list[httpx.Request] = []
    with NerdGraphClient(KEY, ACCOUNT, region=region, transport=_capture(sent)) as c:
        c.nrql(NRQL)
    assert [str(r.url) for r in sent] == [url]
    assert sent[0].headers["API-Key"] == KEY


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": ""}, "API key is empty"),
        ({"account_id": 0}, "account id"),
        ({"account_id": "123"}, "account id"),
        ({"region": "AP"}, "region must be US or EU"),
        ({"endpoint": "ftp://x"}, "http"),
        ({"timeout": 0}, "timeouts must be positive"),
    ],
)
def test_it_rejects_bad_settings(kwargs, message):
    args = {"api_key": KEY, "account_id": ACCOUNT, **kwargs}
    with pytest.raises(SourceConfigError, match=message):
        NerdGraphClient(args.pop("api_key"), args.pop("account_id"), **args)


# --------------------------------------------------------------------------- the fake


@pytest.mark.parametrize(
    ("key", "account", "sent", "problem"),
    [
        ("NRAK-OTHER", ACCOUNT, NRQL, "API-Key header"),
        (KEY, ACCOUNT + 1, NRQL, "variables"),
        (KEY, ACCOUNT, NRQL.replace("1700000160000", "1700000220000"), "variables"),
    ],
)
def test_the_fake_flags_a_request_that_differs_from_its_script(key, account, sent, problem):
    with FakeNerdGraph(api_key=KEY, account_id=ACCOUNT) as server:
        server.expect(NRQL, results([]))
        with (
            NerdGraphClient(key, account, endpoint=server.url) as c,
            pytest.raises(SourceResponseError, match="HTTP 400"),
        ):
            c.nrql(sent)
        assert len(server.problems) == 1 and problem in server.problems[0]
        with pytest.raises(AssertionError, match="bad requests"):
            server.verify()


def test_the_fake_flags_expected_requests_that_never_came():
    with FakeNerdGraph(api_key=KEY, account_id=ACCOUNT) as server:
        server.expect(NRQL, results([]))
        with pytest.raises(AssertionError, match="expected 1 more request"):
            server.verify()
