"""A local HTTP server that stands in for New Relic's NerdGraph in tests.

New Relic cannot be reached from CI, so tests talk to this real HTTP server on loopback.
It answers a *script*: each :meth:`FakeNerdGraph.expect` call queues the NRQL the next
request must carry and how to answer it.  Every request is checked exactly (method, path,
``API-Key``, content type, the GraphQL document, and the variables: account id, the full
NRQL with SINCE/UNTIL/TIMESERIES, and the NRQL timeout); a mismatch is recorded in
:attr:`FakeNerdGraph.problems` and answered with HTTP 400.  Call :meth:`verify` at the end
of a test: it fails on any problem or on expectations left unused.

Answers follow New Relic's documented shapes: ``{"data": {"actor": {"account": {"nrql":
{"results": [...]}}}}}`` with TIMESERIES rows ``{"beginTimeSeconds": …,
"endTimeSeconds": …, "count": …}``, and GraphQL errors as ``{"errors": [{"message": …}]}``.

Usage::

    with FakeNerdGraph(api_key=KEY, account_id=1234) as fake:
        fake.expect(nrql, results(minute_rows(t0, [3, 4])))
        fake.expect(nrql2, status(503, retry_after="2"), results([...]))
        ...
        fake.verify()
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The GraphQL document ekkyo must send, written out independently of the client so a
#: change on either side shows up.  Compared with runs of whitespace collapsed.
EXPECTED_GRAPHQL = """
query EkkyoNrql($accountId: Int!, $nrql: Nrql!, $timeout: Seconds) {
  actor {
    account(id: $accountId) {
      nrql(query: $nrql, timeout: $timeout) {
        results
      }
    }
  }
}
"""


def _squash(text: str) -> str:
    """Collapse whitespace and drop it next to GraphQL punctuation."""
    out = " ".join(text.split())
    for p in "{}():,!$":
        out = out.replace(f" {p}", p).replace(f"{p} ", p)
    return out


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Reply:
    """How the fake answers one request."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    delay_s: float = 0.0


def results(rows: Sequence[dict[str, Any]]) -> Reply:
    """A successful NRQL answer with these result rows."""
    doc = {"data": {"actor": {"account": {"nrql": {"results": list(rows)}}}}}
    return Reply(body=json.dumps(doc).encode())


def graphql_errors(*messages: str) -> Reply:
    """HTTP 200 with GraphQL ``errors``, as NerdGraph answers an invalid NRQL query."""
    doc = {
        "data": {"actor": {"account": {"nrql": None}}},
        "errors": [
            {
                "message": m,
                "path": ["actor", "account", "nrql"],
                "extensions": {"errorClass": "INVALID_INPUT"},
            }
            for m in messages
        ],
    }
    return Reply(body=json.dumps(doc).encode())


def status(code: int, *, retry_after: str | None = None, body: str = "") -> Reply:
    """An HTTP error (429, 500, 503, 401 …), optionally with ``Retry-After``."""
    headers: list[tuple[str, str]] = [("Content-Type", "text/plain")]
    if retry_after is not None:
        headers.append(("Retry-After", retry_after))
    return Reply(status=code, body=body.encode(), headers=tuple(headers))


def malformed(body: str = '{"data": {"actor": ') -> Reply:
    """HTTP 200 whose body is not JSON."""
    return Reply(body=body.encode())


def slow(seconds: float, then: Reply | None = None) -> Reply:
    """Wait ``seconds`` before answering (longer than the client's timeout, usually)."""
    base = then or results([])
    return Reply(status=base.status, body=base.body, headers=base.headers, delay_s=seconds)


def minute_rows(
    start: int, values: Sequence[float | None], *, key: str = "count", nested: str | None = None
) -> list[dict[str, Any]]:
    """TIMESERIES rows for consecutive minutes from ``start`` (Unix seconds).

    ``nested="95"`` gives percentile rows: ``{"percentile.duration": {"95": v}}``.
    """
    rows = []
    for i, v in enumerate(values):
        begin = start + 60 * i
        value: Any = {nested: v} if nested is not None else v
        rows.append({"beginTimeSeconds": begin, "endTimeSeconds": begin + 60, key: value})
    return rows


# --------------------------------------------------------------------------- server


@dataclass
class Recorded:
    """One request as the fake saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    nrql: str | None = None


@dataclass
class _Expectation:
    nrql: str
    reply: Reply


@dataclass
class FakeNerdGraph:
    api_key: str
    account_id: int
    nrql_timeout: int = 30
    path: str = "/graphql"
    requests: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._script: deque[_Expectation] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeNerdGraph:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # cut short any handler that is sleeping to force a timeout
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    # ------------------------------------------------------------------ script

    def expect(self, nrql: str, *replies: Reply) -> None:
        """The next ``len(replies)`` requests must carry ``nrql``; answer them in turn."""
        if not replies:
            raise ValueError("expect() needs at least one reply")
        with self._lock:
            self._script.extend(_Expectation(nrql, r) for r in replies)

    def verify(self) -> None:
        with self._lock:
            left = [e.nrql for e in self._script]
            problems = list(self.problems)
        assert not problems, "NerdGraph fake saw bad requests:\n" + "\n".join(problems)
        assert not left, f"NerdGraph fake expected {len(left)} more request(s): {left}"

    @property
    def nrql_seen(self) -> list[str | None]:
        with self._lock:
            return [r.nrql for r in self.requests]

    # ------------------------------------------------------------------ checks

    def _handle(self, rec: Recorded) -> Reply:
        with self._lock:
            self.requests.append(rec)
            expectation = self._script.popleft() if self._script else None
        problems = self._check(rec, expectation)
        if problems:
            with self._lock:
                self.problems.extend(problems)
            return Reply(status=400, body="\n".join(problems).encode(), headers=())
        assert expectation is not None
        return expectation.reply

    def _check(self, rec: Recorded, expectation: _Expectation | None) -> list[str]:
        n = len(self.requests)
        bad: list[str] = []
        if expectation is None:
            return [f"request {n}: not expected (script exhausted)"]
        if rec.method != "POST":
            bad.append(f"request {n}: method {rec.method}, expected POST")
        if rec.path != self.path:
            bad.append(f"request {n}: path {rec.path!r}, expected {self.path!r}")
        if rec.headers.get("api-key") != self.api_key:
            bad.append(f"request {n}: API-Key header missing or wrong")
        if rec.headers.get("content-type") != "application/json":
            bad.append(f"request {n}: content type {rec.headers.get('content-type')!r}")
        try:
            doc = json.loads(rec.body)
        except ValueError:
            return [*bad, f"request {n}: body is not JSON"]
        if not isinstance(doc, dict) or set(doc) != {"query", "variables"}:
            keys = sorted(doc) if isinstance(doc, dict) else doc
            return [*bad, f"request {n}: body keys {keys}, expected query and variables"]
        if _squash(str(doc["query"])) != _squash(EXPECTED_GRAPHQL):
            bad.append(f"request {n}: GraphQL document differs: {doc['query']!r}")
        variables = doc["variables"]
        rec.nrql = variables.get("nrql") if isinstance(variables, dict) else None
        want = {
            "accountId": self.account_id,
            "nrql": expectation.nrql,
            "timeout": self.nrql_timeout,
        }
        if variables != want:
            bad.append(f"request {n}: variables {variables!r}, expected {want!r}")
        return bad


class _Handler(BaseHTTPRequestHandler):
    owner: FakeNerdGraph
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        rec = Recorded(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        reply = self.owner._handle(rec)
        if reply.delay_s and self.owner._stopping.wait(reply.delay_s):
            return
        try:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
