"""The manifest a backup carries: which ekkyo made it, its migration state and row counts.

The manifest is a one-row table inside the backup file itself, so it cannot be separated
from the data it describes; its counts are taken from the copy, so they describe exactly
the snapshot.  A restore checks the file against it and drops the table again.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ekkyo.ops.errors import OpsError

FORMAT = 1
MANIFEST_TABLE = "ekkyo_backup_manifest"
MIGRATIONS_TABLE = "django_migrations"

# Tables whose counts a summary shows, with the words it uses (the rest are in the manifest).
SUMMARY_TABLES = (
    ("teams_team", "teams"),
    ("auth_user", "users"),
    ("catalog_slo", "SLOs"),
    ("catalog_sloversion", "SLO versions"),
    ("series_chunk", "day chunks"),
    ("series_ingestbatch", "ingest batches"),
    ("worker_slostatus", "statuses"),
    ("alerting_notification", "notifications"),
    ("workshops_workshop", "workshops"),
)


@dataclass(frozen=True)
class Manifest:
    ekkyo_version: str
    created_at: dt.datetime
    source: str
    # app label -> applied migration names, sorted.
    migrations: Mapping[str, tuple[str, ...]]
    # table -> rows, for every table of the snapshot.
    counts: Mapping[str, int]
    sqlite_version: str = sqlite3.sqlite_version
    format: int = FORMAT
    size_bytes: int = field(default=0, compare=False)

    def applied(self) -> set[tuple[str, str]]:
        return {(app, name) for app, names in self.migrations.items() for name in names}

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": self.format,
                "ekkyo_version": self.ekkyo_version,
                "created_at": self.created_at.isoformat(),
                "source": self.source,
                "sqlite_version": self.sqlite_version,
                "migrations": {app: list(names) for app, names in self.migrations.items()},
                "counts": dict(self.counts),
            },
            indent=2,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        try:
            data: Any = json.loads(text)
            manifest = cls(
                ekkyo_version=str(data["ekkyo_version"]),
                created_at=dt.datetime.fromisoformat(data["created_at"]),
                source=str(data["source"]),
                migrations={
                    str(app): tuple(str(n) for n in names)
                    for app, names in data["migrations"].items()
                },
                counts={str(table): int(n) for table, n in data["counts"].items()},
                sqlite_version=str(data.get("sqlite_version", "")),
                format=int(data["format"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise OpsError(f"the backup's manifest cannot be read ({exc!r})") from None
        return manifest

    def summary(self) -> str:
        """One line for people: the version, the migration heads and the main counts."""
        parts = [
            f"{self.counts[table]:,} {words}"
            for table, words in SUMMARY_TABLES
            if table in self.counts
        ]
        return (
            f"ekkyo {self.ekkyo_version}, {len(self.applied())} migrations applied "
            f"(latest: {', '.join(latest_migrations(self.migrations))}); " + ", ".join(parts)
        )


def latest_migrations(migrations: Mapping[str, Iterable[str]]) -> list[str]:
    """``app.name`` of the highest-numbered migration of each ekkyo app."""
    out = []
    for app, names in sorted(migrations.items()):
        ordered = sorted(names)
        if ordered and app not in _DJANGO_APPS:
            out.append(f"{app}.{ordered[-1]}")
    return out


_DJANGO_APPS = frozenset({"admin", "auth", "contenttypes", "sessions"})


def user_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows if r[0] != MANIFEST_TABLE]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0])
        for table in user_tables(conn)
    }


def applied_migrations(conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    """The migrations recorded in ``django_migrations``; OpsError when there is no table."""
    try:
        rows = conn.execute(f"SELECT app, name FROM {MIGRATIONS_TABLE}").fetchall()
    except sqlite3.DatabaseError:
        raise OpsError(
            "it is not an ekkyo database (it has no django_migrations table): "
            "run 'ekkyo migrate' to create one"
        ) from None
    out: dict[str, list[str]] = {}
    for app, name in rows:
        out.setdefault(str(app), []).append(str(name))
    return {app: tuple(sorted(names)) for app, names in sorted(out.items())}


def write_manifest(conn: sqlite3.Connection, manifest: Manifest) -> None:
    conn.execute(f"CREATE TABLE {MANIFEST_TABLE} (format INTEGER NOT NULL, manifest TEXT NOT NULL)")
    conn.execute(
        f"INSERT INTO {MANIFEST_TABLE} (format, manifest) VALUES (?, ?)",
        (manifest.format, manifest.to_json()),
    )


def read_manifest(conn: sqlite3.Connection) -> Manifest | None:
    """The manifest, or None when the file has none (it is not an ``ekkyo backup`` file)."""
    try:
        row = conn.execute(f"SELECT format, manifest FROM {MANIFEST_TABLE}").fetchone()
    except sqlite3.DatabaseError:
        return None
    if row is None:
        return None
    if int(row[0]) > FORMAT:
        raise OpsError(
            f"the backup's manifest has format {row[0]}; this ekkyo reads format {FORMAT} "
            "(the backup comes from a newer ekkyo: upgrade ekkyo to restore it)"
        )
    return Manifest.from_json(row[1])
