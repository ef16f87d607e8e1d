"""The fake receivers other tests rely on: scripts, recording, stop and start."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.notify.fake_receivers import FakeReceiver, reply, slow

Factory = Callable[..., FakeReceiver]


def test_it_answers_the_script_in_order_then_the_default(receiver_factory: Factory) -> None:
    receiver = receiver_factory(reply(200, "ok"))
    receiver.fail_next(2, reply(503, "busy"))
    receiver.script(reply(418, "teapot"))
    with httpx.Client(timeout=5) as client:
        answers = [client.post(receiver.url + "/x", content=b"{}") for _ in range(5)]
    assert [(a.status_code, a.text) for a in answers] == [
        (503, "busy"),
        (503, "busy"),
        (418, "teapot"),
        (200, "ok"),
        (200, "ok"),
    ]


def test_it_records_method_path_headers_and_exact_body(receiver_factory: Factory) -> None:
    receiver = receiver_factory()
    httpx.put(receiver.url + "/a/b?c=d", content=b"\x00\xffraw", headers={"X-Thing": "1"})
    (request,) = receiver.requests
    assert (request.method, request.path, request.body) == ("PUT", "/a/b?c=d", b"\x00\xffraw")
    assert request.header("x-thing") == "1"


def test_it_refuses_connections_while_stopped_and_returns_on_the_same_port() -> None:
    receiver = FakeReceiver().start()
    try:
        port = receiver.port
        receiver.stop()
        with pytest.raises(httpx.ConnectError):
            httpx.post(receiver.url + "/x", timeout=5)
        receiver.start()
        assert receiver.port == port
        assert httpx.post(receiver.url + "/x", timeout=5).status_code == 200
    finally:
        receiver.stop()


def test_it_stops_at_once_while_a_delayed_reply_waits(receiver_factory: Factory) -> None:
    receiver = receiver_factory(slow(30.0))
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(receiver.url + "/x", timeout=0.2)
    started = time.monotonic()
    receiver.stop()
    assert time.monotonic() - started < 2.0
