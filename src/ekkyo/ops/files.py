"""Small file-system steps shared by backup and restore: temp names, fsync, atomic moves."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ekkyo.ops.errors import OpsError

# The files SQLite keeps next to a database (write-ahead log, its index, rollback journal).
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")

Progress = Callable[[int, int], None]


def temp_path_for(final: Path) -> Path:
    """A hidden name in the same directory, so the final rename stays on one file system."""
    return final.with_name(f".{final.name}.{os.getpid()}.partial")


def remove_quietly(path: Path) -> None:
    for candidate in (path, *(Path(f"{path}{s}") for s in SIDE_SUFFIXES)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; some file systems refuse to open a directory.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def copy_with_progress(
    source: Path, dest: Path, progress: Progress | None = None, block: int = 1 << 20
) -> None:
    total = source.stat().st_size
    done = 0
    with source.open("rb") as src, dest.open("wb") as out:
        while chunk := src.read(block):
            out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        out.flush()
        os.fsync(out.fileno())


def integrity_problems(conn: sqlite3.Connection, limit: int = 10) -> list[str]:
    """What ``PRAGMA integrity_check`` finds (empty when the file is sound)."""
    try:
        rows = conn.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    # A row may hold several lines ("*** in database main ***" and what follows).
    messages = [line.strip() for r in rows for line in str(r[0]).splitlines() if line.strip()]
    return [] if messages == ["ok"] else messages


def describe_problems(problems: list[str], shown: int = 3) -> str:
    listed = [p for p in problems if not p.startswith("***")] or problems
    more = f" … and {len(listed) - shown} more" if len(listed) > shown else ""
    return "; ".join(listed[:shown]) + more


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file, nor leave -wal/-shm files next to it."""
    if not path.is_file():
        raise OpsError(f"{path}: no such file")
    try:
        # immutable=1: the backup is a closed, rollback-journal file nobody else writes;
        # SQLite then takes no locks and creates no side files (the backup may sit on a
        # read-only medium).
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise OpsError(f"{path}: not a SQLite database ({exc})") from None
    return conn


def free_name(base: Path) -> Path:
    """``base``, or ``base.2``, ``base.3`` … whichever does not exist yet."""
    if not base.exists():
        return base
    n = 2
    while Path(f"{base}.{n}").exists():
        n += 1
    return Path(f"{base}.{n}")


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover
