"""Comparing two SQLite files table by table, row by row (plain sqlite3, no Django)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

# Written by Django itself on every `migrate`: new rows there are expected.
GROWS_ON_MIGRATE = frozenset({"django_migrations", "django_content_type", "auth_permission"})


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
        "ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({_quote(table)})")]


def rows(conn: sqlite3.Connection, table: str, cols: list[str]) -> Counter[tuple[object, ...]]:
    listed = ", ".join(_quote(c) for c in cols)
    return Counter(conn.execute(f"SELECT {listed} FROM {_quote(table)}"))


def differences(
    before: Path,
    after: Path,
    *,
    allow_new_rows: frozenset[str] = GROWS_ON_MIGRATE,
    any_new_rows: bool = False,
) -> list[str]:
    """Every row of ``before`` that ``after`` lacks, compared on the columns both have.

    A table may gain columns (they are not compared) and, if named in ``allow_new_rows``
    (or with ``any_new_rows``: a data migration may seed reference rows), rows; anything
    else is listed: a table gone, a row gone or changed, a row that appeared.
    """
    a = sqlite3.connect(f"{before.resolve().as_uri()}?mode=ro", uri=True)
    b = sqlite3.connect(f"{after.resolve().as_uri()}?mode=ro", uri=True)
    problems: list[str] = []
    try:
        later = set(tables(b))
        for table in tables(a):
            if table not in later:
                problems.append(f"{table}: table gone")
                continue
            shared = [c for c in columns(a, table) if c in set(columns(b, table))]
            old, new = rows(a, table, shared), rows(b, table, shared)
            lost = old - new
            if lost:
                example = f"{next(iter(lost))!r:.300}"
                problems.append(f"{table}: {lost.total()} row(s) lost or changed, e.g. {example}")
            gained = new - old
            if gained and not any_new_rows and table not in allow_new_rows:
                example = f"{next(iter(gained))!r:.300}"
                problems.append(f"{table}: {gained.total()} row(s) appeared, e.g. {example}")
    finally:
        a.close()
        b.close()
    return problems


def row_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {
            t: conn.execute(f"SELECT count(*) FROM {_quote(t)}").fetchone()[0] for t in tables(conn)
        }
    finally:
        conn.close()
