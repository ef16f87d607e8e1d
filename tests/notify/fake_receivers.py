"""Local HTTP receivers that stand in for Slack, PagerDuty and webhook endpoints in tests.

A :class:`FakeReceiver` is a real HTTP server on loopback.  It records every request
(method, path with query, headers, exact body bytes) and answers from a *script*: replies
queued with :meth:`~FakeReceiver.script` or :meth:`~FakeReceiver.fail_next` are used first,
in order, then the default reply.  It can be stopped (connections are then refused) and
started again on the same port, which is how a test plays "the receiver is down, then it
comes back".  Tests check the recorded requests themselves, exactly.

Reusable by any test that delivers notifications (the outbox's too)::

    from tests.notify.fake_receivers import FakeReceiver, reply, receiver_factory  # noqa: F401

    def test_it_retries(receiver_factory):
        slack = receiver_factory(SLACK_OK)
        slack.fail_next(2, reply(503, retry_after="7"))
        ...  # deliver to slack.url + "/services/T0/B0/x"
        assert [r.method for r in slack.requests] == ["POST", "POST", "POST"]

Defaults that answer like the real services: :data:`SLACK_OK` (``200 ok``),
:func:`pagerduty_accepted` (``202`` with PagerDuty's JSON, echoing the ``dedup_key``) and
:data:`WEBHOOK_OK` (``204``).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Reply:
    """How the receiver answers one request; ``delay_s`` waits before answering."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/plain"),)
    delay_s: float = 0.0


def reply(
    status: int,
    body: str = "",
    *,
    content_type: str = "text/plain",
    retry_after: str | None = None,
    location: str | None = None,
    delay_s: float = 0.0,
) -> Reply:
    """A reply with a text body, optionally ``Retry-After`` or ``Location``."""
    headers = [("Content-Type", content_type)]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    if location is not None:
        headers.append(("Location", location))
    return Reply(status, body.encode(), tuple(headers), delay_s)


def json_reply(status: int, doc: Any, *, delay_s: float = 0.0) -> Reply:
    return Reply(status, json.dumps(doc).encode(), (("Content-Type", "application/json"),), delay_s)


def slow(seconds: float, then: Reply | None = None) -> Reply:
    """Answer ``then`` (default 200) only after ``seconds``: longer than a client's timeout."""
    base = then or Reply()
    return Reply(base.status, base.body, base.headers, seconds)


#: Slack's incoming webhook answers a good message with ``200`` and the text ``ok``.
SLACK_OK = reply(200, "ok")
#: A generic webhook receiver that accepts with no body.
WEBHOOK_OK = Reply(204, b"", ())


def pagerduty_accepted(request: Recorded) -> Reply:
    """PagerDuty's answer to a valid event: 202 and the event's ``dedup_key``."""
    key = request.json().get("dedup_key")
    return json_reply(202, {"status": "success", "message": "Event processed", "dedup_key": key})


def pagerduty_invalid(*errors: str) -> Reply:
    """PagerDuty's answer to a malformed event: 400 with the reasons."""
    doc = {"status": "invalid event", "message": "Event object is invalid", "errors": list(errors)}
    return json_reply(400, doc)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Recorded:
    """One request as the receiver saw it.  ``headers`` keep the names as sent."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received_at: float

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case); None when absent."""
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header_names(self) -> set[str]:
        return {k.lower() for k, _ in self.headers}

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Reply | Callable[[Recorded], Reply]


# --------------------------------------------------------------------------- server


@dataclass
class FakeReceiver:
    """An HTTP receiver on ``127.0.0.1``; ``port=0`` picks a free port on first start."""

    default: Responder = field(default_factory=lambda: SLACK_OK)
    port: int = 0
    _script: deque[Responder] = field(default_factory=deque, init=False, repr=False)
    _requests: list[Recorded] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _arrived: threading.Condition = field(init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._arrived = threading.Condition(self._lock)

    # -- lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash); valid while stopped too."""
        if not self.port:
            raise RuntimeError("start the receiver once to choose its port")
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> FakeReceiver:
        if self._server is not None:
            return self
        self._stopping.clear()
        # HTTPServer sets SO_REUSEADDR, so a restart can bind the same port at once.
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        # A short poll interval: `shutdown` waits for one, and tests stop receivers often.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening: new connections are refused until :meth:`start`."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()  # cut short any delayed reply still waiting
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- script

    def script(self, *replies: Responder) -> None:
        """Answer the next requests with ``replies``, in order, then the default again."""
        with self._lock:
            self._script.extend(replies)

    def fail_next(self, n: int, failure: Responder | None = None) -> None:
        """The next ``n`` requests get ``failure`` (default: HTTP 500)."""
        self.script(*([failure or reply(500, "internal error")] * n))

    # -- what arrived

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Recorded]:
        """Block until ``count`` requests have arrived (replies may still be pending)."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self._requests)} requests arrived, not {count}")
                self._arrived.wait(left)
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- used by the handler

    def _record(self, request: Recorded) -> Reply:
        with self._arrived:
            self._requests.append(request)
            self._arrived.notify_all()
            responder = self._script.popleft() if self._script else self.default
        return responder(request) if callable(responder) else responder


def _handler_for(receiver: FakeReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so a stopped receiver holds no
        # keep-alive connection that would still answer.
        protocol_version = "HTTP/1.0"

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = Recorded(
                method=self.command,
                path=self.path,
                headers=tuple(self.headers.items()),
                body=body,
                received_at=time.time(),
            )
            answer = receiver._record(recorded)
            if answer.delay_s and receiver._stopping.wait(answer.delay_s):
                return  # stopped while waiting: drop the connection unanswered
            try:
                self.send_response(answer.status)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer

        do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = _any

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean; tests read `requests` instead

    return Handler


@pytest.fixture
def receiver_factory() -> Iterator[Callable[..., FakeReceiver]]:
    """``receiver_factory(default_reply)`` → a started receiver, stopped after the test."""
    started: list[FakeReceiver] = []

    def make(default: Responder = SLACK_OK, port: int = 0) -> FakeReceiver:
        receiver = FakeReceiver(default=default, port=port).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()
