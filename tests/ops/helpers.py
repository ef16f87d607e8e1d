"""Helpers for the backup and restore tests: copies, raw SQL, and a writer like the worker."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

NOW = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)


def copy_database(source: Path, dest: Path, *, wal: bool = True) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    src, out = sqlite3.connect(source), sqlite3.connect(dest)
    try:
        src.backup(out)
        # The app runs in WAL mode; so does a test's live database.
        out.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
    finally:
        src.close()
        out.close()
    return dest


def execute(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def django_time(at: dt.datetime) -> str:
    """How Django stores an aware datetime in SQLite: naive UTC text."""
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


class Writer(threading.Thread):
    """Keeps committing, as the worker and the push API do, until stopped.

    Each transaction adds version ``v + 1`` of one SLO (the version row and the SLO's
    ``version``/``spec_hash`` together) and an ingest batch keyed ``w-<v + 1>``: a
    consistent snapshot has the SLO at its highest version row and exactly the batches
    up to it.
    """

    def __init__(self, db: Path, slo_name: str) -> None:
        super().__init__(daemon=True)
        self.db, self.slo_name = db, slo_name
        self.commits = 0
        self.error: BaseException | None = None
        self._halt = threading.Event()
        self._changed = threading.Condition()

    def run(self) -> None:
        try:
            conn = sqlite3.connect(self.db, timeout=20, isolation_level=None)
            try:
                (slo_id,) = conn.execute(
                    "SELECT id FROM catalog_slo WHERE name = ?", (self.slo_name,)
                ).fetchone()
                while not self._halt.is_set():
                    self._commit(conn, slo_id)
                    with self._changed:
                        self.commits += 1
                        self._changed.notify_all()
            finally:
                conn.close()
        except BaseException as exc:  # reported by the test through .error
            self.error = exc

    def _commit(self, conn: sqlite3.Connection, slo_id: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        (version,) = conn.execute(
            "SELECT version FROM catalog_slo WHERE id = ?", (slo_id,)
        ).fetchone()
        v = version + 1
        spec = json.dumps({"metadata": {"name": self.slo_name}, "written": v})
        digest = hashlib.sha256(spec.encode()).hexdigest()
        conn.execute(
            "INSERT INTO catalog_sloversion (slo_id, number, spec, spec_hash, created_at, reason)"
            " VALUES (?, ?, ?, ?, ?, '')",
            (slo_id, v, spec, digest, django_time(NOW)),
        )
        conn.execute(
            "UPDATE catalog_slo SET version = ?, spec = ?, spec_hash = ? WHERE id = ?",
            (v, spec, digest, slo_id),
        )
        conn.execute(
            "INSERT INTO series_ingestbatch (idempotency_key, body_hash, actor, n_buckets,"
            " t_min, t_max, payload, received_at) VALUES (?, ?, 'writer', 1, 0, 0, ?, ?)",
            (f"w-{v}", digest, b"x" * 3000, django_time(NOW)),
        )
        conn.execute("COMMIT")

    def wait_for(self, commits: int, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(
                lambda: self.commits >= commits or self.error is not None, timeout
            ):
                raise TimeoutError(f"the writer made {self.commits} commits, not {commits}")
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)
        if self.error is not None:
            raise self.error
