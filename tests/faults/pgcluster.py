"""A throwaway PostgreSQL server that a test may stop and start at will.

The PostgreSQL of ``EKKYO_TEST_DATABASE_URL`` is shared by every test (and, on a
developer's machine, by everything else): restarting it would break them.  This starts
a private server instead — ``initdb`` in a temporary directory, ``pg_ctl`` on a free
loopback port, trust authentication for the role ``ekkyo`` — with the binaries of the
PostgreSQL that CI installs (Debian keeps them in ``/usr/lib/postgresql/<version>/bin``).
As root (CI), the server runs as the ``postgres`` user, since PostgreSQL refuses root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import in_ci
from tests.faults.kit import free_port


def find_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent  # Debian links it from /usr/local/bin
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


def require_bin() -> Path:
    """The directory of ``pg_ctl`` and ``initdb``; fail in CI, skip elsewhere, when absent."""
    found = find_bin()
    if found is not None and (found / "initdb").exists():
        return found
    message = "PostgreSQL's initdb and pg_ctl are not installed: apt install postgresql"
    if in_ci():
        pytest.fail(f"{message} (CI must install them: see .ci/run)")
    pytest.skip(message)


class Cluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_postgres = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="ekkyo-pg-"))
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgres://ekkyo@127.0.0.1:{self.port}/ekkyo"

    def _run(self, *args: str, timeout: float = 120) -> str:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise AssertionError(f"{args[0]} failed: {done.stdout}\n{done.stderr}\n{self.tail()}")
        return done.stdout

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-2000:]
        return ""

    def init(self) -> Cluster:
        self._run("initdb", "-D", str(self.data), "-U", "ekkyo", "-A", "trust", "--no-sync")
        self.start()
        import psycopg

        admin = f"postgres://ekkyo@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE ekkyo")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session at once, as a restart or a failover does."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError, OSError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def private_cluster():
    cluster = Cluster(require_bin())
    try:
        yield cluster.init()  # destroyed below even when init fails half-way
    finally:
        cluster.destroy()


def wait_until(predicate, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False
