"""Run ekkyo code in separate processes against a throwaway SQLite data directory.

Used by the tests that need more than one process or a database file (the in-memory test
database of pytest-django cannot be shared between processes, nor locked between
threads the way a file can): compaction from two threads, and killing a real gunicorn.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def env_for(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "EKKYO_DATA_DIR": str(data_dir), "DATABASE_URL": ""}
    env["DJANGO_SETTINGS_MODULE"] = "ekkyo.server.settings"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def run_django(data_dir: Path, code: str, timeout: float = 120) -> dict:
    """Run ``code`` (which sets ``result``) in a fresh process with Django set up."""
    script = "import django, json\ndjango.setup()\nresult = None\n" + textwrap.dedent(code)
    script += "\nprint('RESULT ' + json.dumps(result))\n"
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env_for(data_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{done.stdout}\n{done.stderr}")
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


SETUP = """
from django.core.management import call_command
from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.services import upsert_user
from ekkyo.catalog.models import SLO, Service
from ekkyo.teams.models import Team
from tests.series.helpers import ratio_doc

call_command("migrate", interactive=False, verbosity=0)
team = Team.objects.create(slug="t", name="T")
service = Service.objects.create(name="s", team=team)
for i in range(N_SLOS):
    SLO.objects.create(name=f"slo-{i}", service=service, spec=ratio_doc(f"slo-{i}"), spec_hash="x")
user, _ = upsert_user("pusher", role="member", teams=["t"])
result = {"token": ApiToken.issue(user)[1], "ids": list(SLO.objects.values_list("id", flat=True))}
"""


def prepare(data_dir: Path, n_slos: int) -> dict:
    """Migrate a new database, create ``n_slos`` SLOs and a member's token."""
    return run_django(data_dir, f"N_SLOS = {n_slos}\n" + SETUP)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(data_dir: Path, port: int, workers: int = 2) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "ekkyo.server.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env_for(data_dir),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so one signal reaches every worker
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.1)
    kill(server)
    raise AssertionError("gunicorn did not start")


def kill(server: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, sig)
    server.wait(timeout=30)
