"""An online, consistent backup of the SQLite database while the app and worker run.

SQLite's online backup API copies the database page by page.  A backup that reads in
steps is normally restarted whenever another connection writes in between, which a busy
worker does all the time; so the copy runs inside one read transaction on the source
connection: in WAL mode that pins a snapshot (writers go on appending to the WAL and are
never blocked), and every step copies pages of that same snapshot.  The result is the
database exactly as it was at one commit.

The copy is written to a temporary file next to the destination, switched to a plain
rollback journal (one self-contained file), given its manifest, checked with
``PRAGMA integrity_check``, synced, and only then renamed into place: a destination path
either holds a complete, checked backup or nothing new.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from ekkyo.ops.errors import OpsError
from ekkyo.ops.files import (
    Progress,
    describe_problems,
    fsync_dir,
    fsync_file,
    integrity_problems,
    remove_quietly,
    temp_path_for,
)
from ekkyo.ops.manifest import Manifest, applied_migrations, table_counts, write_manifest

# Pages per backup step: small enough for a live progress bar, large enough to be fast.
PAGES_PER_STEP = 1024


def backup_destination(path: Path, now: dt.datetime) -> Path:
    """``path`` itself, or a time-stamped file name inside it when it is a directory."""
    if path.is_dir():
        return path / f"ekkyo-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.sqlite3"
    return path


def backup_sqlite(
    source: Path,
    dest: Path,
    *,
    ekkyo_version: str,
    now: dt.datetime,
    overwrite: bool = False,
    progress: Progress | None = None,
    timeout_s: float = 20.0,
    pages_per_step: int = PAGES_PER_STEP,
) -> Manifest:
    """Copy the live database ``source`` to ``dest`` (a file); the manifest written into it.

    ``progress(done_pages, total_pages)`` is called after each step.  Raises
    :class:`OpsError` (and leaves nothing at ``dest``) when anything goes wrong.
    """
    if not source.is_file():
        raise OpsError(f"no database at {source}: nothing to back up (run 'ekkyo migrate' first?)")
    if dest.resolve() == source.resolve():
        raise OpsError(f"{dest} is the database itself: choose another path for the backup")
    if dest.exists() and not overwrite:
        raise OpsError(f"{dest} exists: choose a new path, or pass --force to replace it")
    if not dest.parent.is_dir():
        raise OpsError(f"{dest.parent}: no such directory")
    temp = temp_path_for(dest)
    remove_quietly(temp)
    try:
        manifest = _copy(source, temp, ekkyo_version, now, progress, timeout_s, pages_per_step)
        fsync_file(temp)
        os.replace(temp, dest)
        fsync_dir(dest.parent)
    except BaseException:
        remove_quietly(temp)
        raise
    return Manifest(
        ekkyo_version=manifest.ekkyo_version,
        created_at=manifest.created_at,
        source=manifest.source,
        migrations=manifest.migrations,
        counts=manifest.counts,
        size_bytes=dest.stat().st_size,
    )


def _copy(
    source: Path,
    temp: Path,
    ekkyo_version: str,
    now: dt.datetime,
    progress: Progress | None,
    timeout_s: float,
    pages_per_step: int,
) -> Manifest:
    # The backup may hold passwords' hashes and notification credentials: owner only.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    src = sqlite3.connect(source, timeout=timeout_s, isolation_level=None)
    dst = sqlite3.connect(temp, isolation_level=None)
    try:
        try:
            # The read transaction that pins the snapshot (see the module docstring).
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()

            def step(_status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)

            src.backup(dst, pages=pages_per_step, progress=step)
            src.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise OpsError(f"cannot read {source}: {exc}") from None
        # The copied header still says WAL; a backup is one file, so use a rollback journal.
        dst.execute("PRAGMA journal_mode=DELETE").fetchone()
        problems = integrity_problems(dst)
        if problems:
            raise OpsError(
                f"the copy of {source} fails its integrity check ({describe_problems(problems)}): "
                "the database itself is damaged; keep it and any earlier backup, and see "
                "docs/operations.md"
            )
        try:
            migrations = applied_migrations(dst)
        except OpsError as exc:
            raise OpsError(f"{source}: {exc}") from None
        manifest = Manifest(
            ekkyo_version=ekkyo_version,
            created_at=now,
            source=str(source.resolve()),
            migrations=migrations,
            counts=table_counts(dst),
        )
        write_manifest(dst, manifest)
    finally:
        dst.close()
        src.close()
    return manifest
