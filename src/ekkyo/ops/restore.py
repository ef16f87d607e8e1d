"""Restoring a backup made by ``ekkyo backup`` over the SQLite database.

Everything about the backup is checked before the live database is touched: the file's
integrity, its manifest against its contents, and its migrations against this code's
(a backup from a newer ekkyo is refused; an older one is restored and then migrated).
The copy is prepared next to the database; the database is then locked, moved aside as
``<name>.before-restore`` and the copy renamed into its place.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ekkyo.ops.errors import OpsError
from ekkyo.ops.files import (
    SIDE_SUFFIXES,
    Progress,
    copy_with_progress,
    describe_problems,
    free_name,
    fsync_dir,
    fsync_file,
    integrity_problems,
    open_read_only,
    remove_quietly,
    temp_path_for,
)
from ekkyo.ops.manifest import (
    MANIFEST_TABLE,
    Manifest,
    applied_migrations,
    read_manifest,
    table_counts,
)

# A worker renews its heartbeat every lease_ttl/4 (30 s by default); one seen within this
# long is taken to be running.
WORKER_SEEN_WITHIN = dt.timedelta(minutes=3)
_SHOWN = 8


@dataclass(frozen=True)
class MigrationCheck:
    # Applied in the backup but unknown to this code: the backup is from a newer ekkyo.
    unknown: tuple[str, ...]
    # Known to this code but not applied in the backup: ``ekkyo migrate`` brings it up.
    pending: tuple[str, ...]


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    manifest: Manifest
    migrations: MigrationCheck


@dataclass(frozen=True)
class RestoreResult:
    target: Path
    # Where the database that was replaced went (None when there was none).
    previous: Path | None
    pending: tuple[str, ...]
    # The database was open in another process and --force replaced it anyway.
    was_open: bool


def compare_migrations(
    applied: Iterable[tuple[str, str]], known: Iterable[tuple[str, str]]
) -> MigrationCheck:
    applied_set, known_set = set(applied), set(known)
    return MigrationCheck(
        unknown=tuple(f"{a}.{n}" for a, n in sorted(applied_set - known_set)),
        pending=tuple(f"{a}.{n}" for a, n in sorted(known_set - applied_set)),
    )


def _listed(names: Iterable[str]) -> str:
    items = list(names)
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


def inspect_backup(path: Path, known: Iterable[tuple[str, str]], ekkyo_version: str) -> BackupInfo:
    """Check a backup file without changing anything; :class:`OpsError` when it is unusable."""
    conn = open_read_only(path)
    try:
        problems = integrity_problems(conn)
        if problems:
            raise OpsError(
                f"{path} fails its integrity check ({describe_problems(problems)}): "
                "it cannot be restored; use another backup"
            )
        manifest = read_manifest(conn)
        if manifest is None:
            raise OpsError(
                f"{path} is not an ekkyo backup (it has no {MANIFEST_TABLE} table): "
                "restore only files written by 'ekkyo backup'"
            )
        try:
            migrations = applied_migrations(conn)
        except OpsError as exc:
            raise OpsError(f"{path}: {exc}") from None
        counts = table_counts(conn)
    finally:
        conn.close()
    if counts != dict(manifest.counts) or migrations != {
        app: tuple(names) for app, names in manifest.migrations.items()
    }:
        differ = sorted(
            t for t in set(counts) | set(manifest.counts) if counts.get(t) != manifest.counts.get(t)
        )
        raise OpsError(
            f"{path} does not hold what its manifest says"
            + (f" (row counts differ in {_listed(differ)})" if differ else " (migrations differ)")
            + ": the file was changed after the backup; use another backup"
        )
    check = compare_migrations(manifest.applied(), known)
    if check.unknown:
        raise OpsError(
            f"{path} comes from a newer ekkyo ({manifest.ekkyo_version}; this is "
            f"{ekkyo_version}): it has migrations this ekkyo does not know "
            f"({_listed(check.unknown)}). Upgrade ekkyo to that version or later, then restore"
        )
    return BackupInfo(path=path, manifest=manifest, migrations=check)


def recent_workers(database: Path, now: dt.datetime) -> list[str]:
    """Workers whose heartbeat in ``database`` is recent: "name (seen 12 s ago)"."""
    try:
        conn = sqlite3.connect(
            f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=2, isolation_level=None
        )
    except sqlite3.DatabaseError:
        return []
    try:
        rows = conn.execute("SELECT name, seen_at FROM worker_workerheartbeat").fetchall()
    except sqlite3.DatabaseError:
        # An older schema, or not an ekkyo database: nothing to tell.
        return []
    finally:
        conn.close()
    found = []
    for name, seen_at in rows:
        try:
            seen = dt.datetime.fromisoformat(str(seen_at))
        except ValueError:
            continue
        # Django stores aware datetimes on SQLite as naive UTC text.
        seen = seen if seen.tzinfo else seen.replace(tzinfo=dt.UTC)
        age = now - seen
        if age <= WORKER_SEEN_WITHIN:
            found.append(f"{name} (seen {max(0, int(age.total_seconds()))} s ago)")
    return found


def _lock_exclusive(database: Path, timeout_s: float) -> sqlite3.Connection | None:
    """A connection holding the database exclusively, or None when another process has it open.

    Leaving WAL mode needs every other connection closed, checkpoints the log into the
    file and removes the -wal and -shm files, so what is moved aside afterwards is one
    complete file; the exclusive transaction then keeps newcomers out until the swap.
    """
    conn = sqlite3.connect(database, timeout=timeout_s, isolation_level=None)
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            conn.close()
            return None
        conn.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError:
        conn.close()
        return None
    except sqlite3.DatabaseError:
        # Not a SQLite database at all: nobody can be using it as one; it is moved aside.
        conn.close()
        return sqlite3.connect(":memory:")
    return conn


def _prepare_copy(info: BackupInfo, temp: Path, progress: Progress | None) -> None:
    copy_with_progress(info.path, temp, progress)
    os.chmod(temp, 0o600)
    conn = sqlite3.connect(temp, isolation_level=None)
    try:
        # The restored database is the snapshot as it was: without the backup's manifest.
        conn.execute(f"DROP TABLE {MANIFEST_TABLE}")
        problems = integrity_problems(conn)
    finally:
        conn.close()
    if problems:
        raise OpsError(
            f"the copy of {info.path} fails its integrity check: {describe_problems(problems)}"
        )
    fsync_file(temp)


def _move_aside(target: Path) -> Path:
    previous = free_name(Path(f"{target}.before-restore"))
    os.replace(target, previous)
    for suffix in SIDE_SUFFIXES:
        side = Path(f"{target}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{previous}{suffix}"))
    return previous


def restore_sqlite(
    info: BackupInfo,
    target: Path,
    *,
    now: dt.datetime,
    force: bool = False,
    progress: Progress | None = None,
    lock_timeout_s: float = 1.0,
) -> RestoreResult:
    """Replace the database ``target`` with the backup ``info`` describes (see module doc)."""
    if target.exists() and target.resolve() == info.path.resolve():
        raise OpsError(f"{info.path} is the database itself: restore from a backup file")
    exists = target.exists()
    if exists and not force:
        workers = recent_workers(target, now)
        if workers:
            raise OpsError(
                f"{target} is in use: worker {_listed(workers)}. Stop the worker and the web "
                "app first (or pass --force to replace it anyway)"
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(target)
    remove_quietly(temp)
    lock: sqlite3.Connection | None = None
    was_open = False
    try:
        _prepare_copy(info, temp, progress)
        previous = None
        if exists:
            lock = _lock_exclusive(target, lock_timeout_s)
            if lock is None and not force:
                raise OpsError(
                    f"{target} is open in another process (the web app or the worker?): "
                    "stop them first (or pass --force to replace it anyway)"
                )
            was_open = lock is None
            previous = _move_aside(target)
        os.replace(temp, target)
        fsync_dir(target.parent)
    finally:
        if lock is not None:
            lock.close()
        remove_quietly(temp)
    return RestoreResult(
        target=target, previous=previous, pending=info.migrations.pending, was_open=was_open
    )
