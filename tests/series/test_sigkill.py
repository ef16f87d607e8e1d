"""Acknowledged means stored: kill gunicorn with SIGKILL mid-ingest and count again.

Several threads push batches (each one minute of every SLO, with its own idempotency
key) to a real gunicorn on a SQLite file.  The server is killed with SIGKILL while they
push and started again; the batches that were not acknowledged are sent again with
their keys.  Every batch must then be stored exactly once: acknowledged ones were not
lost, and ones that were stored but not acknowledged are not counted twice.
"""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from tests.series import server_kit

N_SLOS = 20
T0 = 1_714_521_600


def _body(minute: int) -> bytes:
    # The total of every bucket is the minute number + 1, so a batch counted twice or
    # stored under another minute shows in the sums.
    items = [
        {"slo": f"slo-{i}", "t": T0 + 60 * minute, "good": 1, "total": minute + 1}
        for i in range(N_SLOS)
    ]
    return json.dumps({"idempotency_key": f"batch-{minute}", "buckets": items}).encode()


def _push(port: int, token: str, minute: int) -> int | None:
    """The HTTP status, or None when no answer came (the push is not acknowledged)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "POST",
            "/api/v1/buckets",
            _body(minute),
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except (OSError, http.client.HTTPException):
        return None


@pytest.mark.slow
def test_it_keeps_every_acknowledged_batch_exactly_once_across_a_sigkill(tmp_path):
    setup = server_kit.prepare(tmp_path, N_SLOS)
    token = setup["token"]
    port = server_kit.free_port()
    server = server_kit.start_gunicorn(tmp_path, port, workers=2)
    acked: set[int] = set()
    tried: set[int] = set()
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(10**6))

    def pusher() -> None:
        while not stop.is_set():
            with lock:
                minute = next(counter)
                tried.add(minute)
            if _push(port, token, minute) == 200:
                with lock:
                    acked.add(minute)

    threads = [threading.Thread(target=pusher) for _ in range(4)]
    try:
        for th in threads:
            th.start()
        deadline = time.monotonic() + 60
        while len(acked) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        server_kit.kill(server)  # SIGKILL to the master and every worker, mid-push
        stop.set()
        for th in threads:
            th.join()
        assert len(acked) >= 40, "too few pushes were acknowledged before the kill"

        server = server_kit.start_gunicorn(tmp_path, port, workers=2)
        unacked = sorted(tried - acked)
        resent = {minute: _push(port, token, minute) for minute in unacked}
        # A few acknowledged ones again: they must answer duplicate and change nothing.
        repeats = {minute: _push(port, token, minute) for minute in sorted(acked)[:3]}
    finally:
        server_kit.kill(server)

    assert set(resent.values()) <= {200}
    assert set(repeats.values()) == {200}
    stored = server_kit.run_django(
        tmp_path,
        f"""
        from ekkyo.series import store
        from ekkyo.series.models import IngestBatch
        while store.compact(max_batches=100).more:
            pass
        keys = list(IngestBatch.objects.values_list("idempotency_key", flat=True))
        found = store.read_series({setup["ids"][0]}, "", {T0}, {T0} + 60 * {len(tried) + 1})
        result = {{"keys": keys, "t": found.t.tolist(), "total": found.total.tolist()}}
        """,
    )
    assert sorted(stored["keys"]) == sorted(f"batch-{m}" for m in tried)
    assert stored["t"] == [T0 + 60 * m for m in sorted(tried)]
    assert stored["total"] == [float(m + 1) for m in sorted(tried)]
