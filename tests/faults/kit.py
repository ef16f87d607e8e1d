"""Real processes for the fault tests: ``ekkyo serve``, ``ekkyo worker``, HTTP clients.

Each test gets its own data directory (and database); the processes run the real
commands with ``DJANGO_SETTINGS_MODULE=ekkyo.server.settings``, exactly as deployed.  The
worker can run on a simulated clock and stop at a chosen point (see
:mod:`tests.faults.worker_main`).  Every process is started in its own session, so one
signal reaches gunicorn's master and all its workers.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def env_for(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {**os.environ, "EKKYO_DATA_DIR": str(data_dir), "DATABASE_URL": database_url}
    env["DJANGO_SETTINGS_MODULE"] = "ekkyo.server.settings"
    paths = [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env["EKKYO_LOG_LEVEL"] = "INFO"
    # The fake receivers listen on loopback, which the outbound guard refuses by default.
    env["EKKYO_ALLOWED_PRIVATE_NETWORKS"] = "127.0.0.0/8,::1/128"
    for name in ("FAULTS_CLOCK", "FAULTS_PAUSE"):
        env.pop(name, None)
    env.update(extra)
    return env


def copy_data_dir(template: Path, dest: Path, *, database: bool = True) -> Path:
    """A data directory like ``template`` (see ``conftest.data_template``): its database
    copied (unless ``database`` is False), its collected static files shared."""
    dest.mkdir(parents=True)
    for path in template.iterdir():
        if path.name == "static":
            (dest / "static").symlink_to(path)
        elif path.name.startswith("ekkyo.sqlite3"):
            if database:
                shutil.copy2(path, dest / path.name)
        elif path.is_file():
            shutil.copy2(path, dest / path.name)
    return dest


def run_django(env: dict[str, str], code: str, timeout: float = 180) -> Any:
    """Run ``code`` (which sets ``result``) with Django set up; the JSON of ``result``."""
    script = "import django, json\ndjango.setup()\nresult = None\n" + textwrap.dedent(code)
    script += "\nprint('RESULT ' + json.dumps(result))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """A child process in its own session; stdout lines are collected as they come and
    stderr goes to a log file (shown when something fails)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.popen = subprocess.Popen(
            args,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def wait_for(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                if not self.alive and self.lines.empty():
                    break
                continue
            if line.startswith(prefix):
                return line
        raise AssertionError(f"no {prefix!r} line in time; log:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        self._log_file.flush()
        return self.log.read_text(errors="replace")[-chars:]

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30) -> int:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        try:
            code = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            code = self.popen.wait(timeout=10)
        self._reader.join(timeout=5)
        self._log_file.close()
        return code


def start_server(
    env: dict[str, str], port: int, log: Path, workers: int = 2, threads: int = 2
) -> Process:
    """``ekkyo serve`` on loopback, once ``/healthz`` answers."""
    args = [str(BIN / "ekkyo"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--workers", str(workers), "--threads", str(threads)]
    server = Process(args, env, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if not server.alive:
            break
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        time.sleep(0.1)
    server.kill()
    raise AssertionError(f"ekkyo serve did not start:\n{server.tail()}")


def start_worker(
    env: dict[str, str],
    log: Path,
    *args: str,
    clock: tuple[int, float, float] | None = None,
    pause: str = "",
) -> Process:
    """The real ``ekkyo worker`` with ``args``, on a simulated clock and with a pause point
    if given (see :mod:`tests.faults.worker_main`)."""
    extra = dict(env)
    if clock is not None:
        extra["FAULTS_CLOCK"] = ",".join(repr(x) for x in clock)
    if pause:
        extra["FAULTS_PAUSE"] = pause
    command = [sys.executable, "-m", "tests.faults.worker_main", "worker", *args]
    worker = Process(command, extra, log)
    worker.wait_for("STARTING", timeout=60)
    return worker


@dataclass(frozen=True)
class Answer:
    """An HTTP answer; ``status`` None when no answer came (refused, reset, timed out)."""

    status: int | None
    body: bytes = b""
    content_type: str = ""
    elapsed_s: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """Plain ``http.client`` requests with a bearer token or a session cookie."""

    def __init__(self, port: int, token: str = "", cookies: str = "", timeout: float = 30):
        self.port = port
        self.token = token
        self.cookies = cookies
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            sent["Cookie"] = self.cookies
        began = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            conn.request(method, path, body, sent)
            response = conn.getresponse()
            data = response.read()
            conn.close()
        except (OSError, http.client.HTTPException):
            return Answer(None, elapsed_s=time.perf_counter() - began)
        kind = response.getheader("Content-Type") or ""
        return Answer(response.status, data, kind, time.perf_counter() - began)

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def push(self, key: str, buckets: list[dict[str, Any]]) -> Answer:
        body = json.dumps({"idempotency_key": key, "buckets": buckets}).encode()
        return self.request("POST", "/api/v1/buckets", body, {"Content-Type": "application/json"})


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the login page; the ``Cookie`` header value of the session."""
    jar: dict[str, str] = {}

    def remember(response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    page = response.read().decode()
    remember(response)
    marker = 'name="csrfmiddlewaretoken" value="'
    csrf = page[page.index(marker) + len(marker) :].split('"', 1)[0]
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
    )
    conn.request(
        "POST",
        "/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    remember(response)
    conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise AssertionError(f"sign-in failed with HTTP {response.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def csrf_token(cookies: str) -> str:
    for part in cookies.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "csrftoken":
            return value
    raise AssertionError("no csrftoken cookie")


class SimClock:
    """The simulated clock shared with a worker: ``t_start + (wall - wall0) * speed``."""

    def __init__(self, t_start: int, speed: float) -> None:
        self.t_start = t_start
        self.speed = speed
        self.wall0 = time.time()

    @property
    def spec(self) -> tuple[int, float, float]:
        return (self.t_start, self.wall0, self.speed)

    def now(self) -> float:
        return self.t_start + (time.time() - self.wall0) * self.speed

    def sleep_until(self, t: float) -> None:
        left = (t - self.now()) / self.speed
        if left > 0:
            time.sleep(left)
