"""Credentials and TLS: basic auth and TLS against a real Prometheus (``--web.config.file``),
the bearer token against a tiny local HTTP server that checks the header exactly."""

from __future__ import annotations

import json
import logging
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ekkyo.sources.errors import SourceConfigError, SourceUnavailable
from ekkyo.sources.prometheus import PrometheusClient, pull_ratio
from tests.conftest import require_binary
from tests.sources.promserver import (
    PromSeries,
    RunningPrometheus,
    StartPrometheus,
    counter_samples,
    prometheus_factory,  # noqa: F401  (fixture)
)

T0 = 1_699_999_980
USER = "ekkyo"
PASSWORD = "correct horse battery staple"
# bcrypt (cost 4, so each request stays fast) of PASSWORD, made with
# crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)).
PASSWORD_BCRYPT = "$2b$04$9/Ah9wqCnsMPZigmjdvg1uRaF5QUW6fDGsfqm3ahLOaRvy2yuTgha"
TOKEN = "s3cr3t-t0ken-for-tests"


def _data() -> list[PromSeries]:
    return [PromSeries("auth_total", {}, counter_samples(T0, [1, 2, 3]))]


def _pull(client: PrometheusClient) -> list[float]:
    b = pull_ratio(client, good="auth_total", total="auth_total", start=T0, end=T0 + 180)
    return b.total.tolist()


@pytest.fixture(scope="module")
def basic_prom(prometheus_factory: StartPrometheus) -> RunningPrometheus:  # noqa: F811
    return prometheus_factory(
        _data(),
        web_config={"basic_auth_users": {USER: PASSWORD_BCRYPT}},
        ready_auth=(USER, PASSWORD),
    )


@pytest.fixture(scope="module")
def tls_prom(
    prometheus_factory: StartPrometheus,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[RunningPrometheus, Path]:
    openssl = require_binary("openssl", "apt install openssl")
    certs = tmp_path_factory.mktemp("tls")
    cert, key = certs / "cert.pem", certs / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    prom = prometheus_factory(
        _data(),
        web_config={"tls_server_config": {"cert_file": str(cert), "key_file": str(key)}},
        scheme="https",
    )
    return prom, cert


@pytest.mark.real
def test_it_pulls_with_basic_auth(basic_prom: RunningPrometheus):
    with PrometheusClient(basic_prom.url, basic_auth=(USER, PASSWORD)) as client:
        assert _pull(client) == [1.0, 2.0, 3.0]


@pytest.mark.real
def test_it_reports_refused_basic_auth_without_the_password(basic_prom: RunningPrometheus):
    wrong = "not-the-password-4711"
    with (
        PrometheusClient(basic_prom.url, basic_auth=(USER, wrong)) as client,
        pytest.raises(SourceConfigError, match="refused the credentials") as info,
    ):
        _pull(client)
    assert wrong not in str(info.value)


@pytest.mark.real
def test_it_pulls_over_tls_trusting_the_given_ca_file(tls_prom):
    prom, cert = tls_prom
    with PrometheusClient(prom.url, ca_file=str(cert)) as client:
        assert _pull(client) == [1.0, 2.0, 3.0]


@pytest.mark.real
def test_it_refuses_an_untrusted_certificate_as_a_config_error(tls_prom):
    prom, _ = tls_prom
    with (
        PrometheusClient(prom.url) as client,
        pytest.raises(SourceConfigError, match="TLS certificate verification failed"),
    ):
        _pull(client)


@pytest.mark.real
def test_it_skips_verification_only_when_asked(tls_prom):
    prom, _ = tls_prom
    with PrometheusClient(prom.url, insecure_skip_verify=True) as client:
        assert _pull(client) == [1.0, 2.0, 3.0]


_MATRIX = {
    "status": "success",
    "data": {
        "resultType": "matrix",
        "result": [{"metric": {}, "values": [[T0, "10"], [T0 + 60, "17"]]}],
    },
}


class _BearerHandler(BaseHTTPRequestHandler):
    status_when_authorised = 200

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        authorised = self.headers.get_all("Authorization") == [f"Bearer {TOKEN}"]
        status = self.status_when_authorised if authorised else 401
        body = json.dumps(_MATRIX if status == 200 else {"status": "error"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bearer_url() -> Iterator[str]:
    yield from _serve(_BearerHandler)


@pytest.fixture
def failing_bearer_url() -> Iterator[str]:
    class Failing(_BearerHandler):
        status_when_authorised = 503

    yield from _serve(Failing)


def test_it_sends_the_bearer_token_exactly(bearer_url: str):
    with PrometheusClient(bearer_url, bearer_token=TOKEN) as client:
        series = client.query_range("up", T0, T0 + 60, 60)
    assert series[0].v.tolist() == [10.0, 17.0]


def test_it_reports_a_refused_bearer_token_without_the_token(bearer_url: str):
    wrong = TOKEN + "-wrong"
    with (
        PrometheusClient(bearer_url, bearer_token=wrong) as client,
        pytest.raises(SourceConfigError) as info,
    ):
        client.query_range("up", T0, T0 + 60, 60)
    assert wrong not in str(info.value)


def test_it_never_logs_or_reports_the_token_when_retries_run_out(
    failing_bearer_url: str, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    with (
        PrometheusClient(
            failing_bearer_url, bearer_token=TOKEN, retries=2, sleep=lambda _: None
        ) as client,
        pytest.raises(SourceUnavailable, match="after 3 attempts") as info,
    ):
        client.query_range("up", T0, T0 + 60, 60)
    assert TOKEN not in str(info.value)
    assert TOKEN not in caplog.text
    assert "retrying" in caplog.text
