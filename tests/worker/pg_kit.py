"""Workers as separate processes on a throwaway PostgreSQL database, on a fast clock.

The database comes from ``EKKYO_TEST_DATABASE_URL`` (a role that may create databases, as
``.ci/start-postgres`` makes): each test gets its own database, dropped afterwards.  Every
process runs a *simulated* clock, ``T_START + (wall - WALL0) * SPEED`` seconds, so a minute
of worker time passes in a few real seconds; leases, delays and schedules all follow it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import in_ci

ROOT = Path(__file__).resolve().parents[2]


def require_postgres() -> str:
    """The server URL of ``EKKYO_TEST_DATABASE_URL``; fail in CI, skip elsewhere, without."""
    url = os.environ.get("EKKYO_TEST_DATABASE_URL", "")
    if url:
        return url
    message = "EKKYO_TEST_DATABASE_URL is not set (a PostgreSQL server: see .ci/start-postgres)"
    if in_ci():
        pytest.fail(f"{message}; CI must set it (see .ci/run)")
    pytest.skip(message)


@contextlib.contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``; its URL. Dropped on exit."""
    import psycopg

    name = f"ekkyo_worker_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def env_for(db_url: str, data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": db_url, "EKKYO_DATA_DIR": str(data_dir)}
    env["DJANGO_SETTINGS_MODULE"] = "ekkyo.server.settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env["EKKYO_LOG_LEVEL"] = "WARNING"
    return env


CLOCK = """
import datetime as dt, time
def clock():
    return dt.datetime.fromtimestamp(T_START + (time.time() - WALL0) * SPEED, dt.UTC)
"""


def _prelude(t_start: int, wall0: float, speed: float) -> str:
    return (
        "import django, json, sys, time\ndjango.setup()\n"
        f"T_START, WALL0, SPEED = {t_start}, {wall0!r}, {speed!r}\n" + CLOCK
    )


def run_django(db_url: str, data_dir: Path, code: str, timeout: float = 180) -> object:
    """Run ``code`` (which sets ``result``) with Django set up; the JSON of ``result``."""
    script = "import django, json\ndjango.setup()\nresult = None\n" + textwrap.dedent(code)
    script += "\nprint('RESULT ' + json.dumps(result))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env_for(db_url, data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{done.stdout}\n{done.stderr}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


class Process:
    """A child process whose stdout lines are collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                if self.popen.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no {prefix!r} line in time; stderr:\n{self.stderr_tail()}")

    def drain(self) -> list[str]:
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return self.seen

    def stderr_tail(self) -> str:
        if self.popen.poll() is None:
            return "(still running)"
        assert self.popen.stderr is not None
        return self.popen.stderr.read()[-3000:]

    def stop(self, sig: int | None, timeout: float = 60) -> int:
        """Send ``sig`` (None: none, it is ending by itself) and wait for the exit code."""
        if sig is not None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(sig)
        code = self.popen.wait(timeout=timeout)
        self._reader.join(timeout=5)
        self.drain()
        return code


WORKER = """
from ekkyo.worker import snapshots, tick
from ekkyo.worker.tick import Settings, Worker

real_save = snapshots.save

def save(owner, outcome, due, **kw):
    # Announce the save and dawdle, so a test can kill this worker mid-tick.
    print("SAVING " + json.dumps({"at": outcome.at}), flush=True)
    time.sleep(PAUSE)
    saved = real_save(owner, outcome, due, **kw)
    print("EVAL " + json.dumps({"at": outcome.at, "stored": saved.stored}), flush=True)
    return saved

tick.snapshots.save = save
w = Worker(
    Settings(name=NAME, delay_s=DELAY, lease_ttl_s=TTL, idle_s=0.05), clock=clock
)
w.install_signal_handlers()
print("READY", flush=True)
w.run()
print("STOPPED", flush=True)
"""

PUSHER = """
from ekkyo.engine import Buckets
from ekkyo.series import store

ids = IDS
minute = FIRST
while True:
    now = clock().timestamp()
    if minute + 60 > now:
        time.sleep(0.05)
        try:
            open(STOP_FILE).close()
            break
        except FileNotFoundError:
            continue
    rows = [(i, "", Buckets.counts([minute], [good(i, minute)], [total(i, minute)])) for i in ids]
    store.append_columns(store.columns_from_series(rows), idempotency_key=f"m{minute}")
    print("PUSHED " + json.dumps({"minute": minute}), flush=True)
    minute += 60
"""

#: The counts every process agrees on: SLO ``i`` in minute ``t``.
COUNTS = """
def total(i, t):
    return 10 + (t // 60) % 7

def good(i, t):
    return total(i, t) - (i + t // 60) % 3
"""


def start_worker(
    db_url: str,
    data_dir: Path,
    name: str,
    *,
    t_start: int,
    wall0: float,
    speed: float,
    ttl: int,
    delay: int,
    pause: float,
) -> Process:
    script = _prelude(t_start, wall0, speed)
    script += f"NAME, TTL, DELAY, PAUSE = {name!r}, {ttl}, {delay}, {pause}\n" + WORKER
    return Process([sys.executable, "-c", script], env_for(db_url, data_dir))


def start_pusher(
    db_url: str,
    data_dir: Path,
    ids: list[int],
    first_minute: int,
    stop_file: Path,
    *,
    t_start: int,
    wall0: float,
    speed: float,
) -> Process:
    script = _prelude(t_start, wall0, speed) + COUNTS
    script += f"IDS, FIRST, STOP_FILE = {ids!r}, {first_minute}, {str(stop_file)!r}\n" + PUSHER
    return Process([sys.executable, "-c", script], env_for(db_url, data_dir))
