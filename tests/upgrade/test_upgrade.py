"""Upgrading a database made by an earlier ekkyo keeps every SLO, version, bucket and row.

Two starting points: a database built now at the *initial* state (each ekkyo app at its
first migration, filled through the historical models of that state), and every fixture
committed under ``fixtures/`` (cut at a release with ``python -m tests.upgrade.build cut``,
see docs/operations.md).  Each is migrated by the current code in a process of its own,
then compared with its copy from before, table by table, and read back through the
current bucket store and spec parser.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db.migrations.loader import MigrationLoader

from tests.upgrade.build import FIXTURES, run
from tests.upgrade.fill import DAYS, T0, digest
from tests.upgrade.tables import differences, row_counts

pytestmark = pytest.mark.slow

READ_FROM, READ_TO = T0 - 86_400, T0 + (DAYS + 1) * 86_400


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def _applied(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(app, name) for app, names in report["migrations"].items() for name in names}


def _copy(db: Path, to: Path) -> Path:
    source, dest = sqlite3.connect(db), sqlite3.connect(to)
    try:
        source.backup(dest)
    finally:
        source.close()
        dest.close()
    return to


def _upgrade(db: Path) -> tuple[dict[str, Any], list[str]]:
    before = _copy(db, db.with_name("before.sqlite3"))
    read = run("upgrade", db, "--from", str(READ_FROM), "--to", str(READ_TO))
    # Seeding reference rows is a migration's right; losing or changing one is not.
    return read, differences(before, db, any_new_rows=True)


def _assert_slos_intact(read: dict[str, Any]) -> None:
    assert read["slos"], "the database had no SLOs to check"
    for name, slo in read["slos"].items():
        assert slo["versions"] == list(range(1, slo["version"] + 1)), name
        assert slo["latest_matches"], f"{name}: latest version differs from the SLO's spec"
        assert slo["problems"] == [], name


def _load_fixture(sql: Path, db: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        conn.executescript(sql.read_text(encoding="utf-8"))
    finally:
        conn.close()
    return dict(json.loads(sql.with_suffix(".json").read_text(encoding="utf-8")))


def test_it_upgrades_a_database_filled_at_the_initial_state(tmp_path):
    db = tmp_path / "ekkyo.sqlite3"
    made = run("initial", db)
    assert _known_migrations() - _applied(made), "the initial state should be behind the code"

    read, lost = _upgrade(db)

    assert lost == []
    assert read["series"] == made["series"]
    assert _applied(read) >= _known_migrations()
    _assert_slos_intact(read)


FIXTURE_FILES = sorted(FIXTURES.glob("*.sql"))


@pytest.mark.parametrize("sql", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_it_upgrades_each_committed_fixture(tmp_path, sql):
    db = tmp_path / "ekkyo.sqlite3"
    made = _load_fixture(sql, db)

    read, lost = _upgrade(db)

    assert lost == []
    assert digest(read["series"]) == made["series"]
    assert _applied(read) >= _known_migrations()
    _assert_slos_intact(read)


@pytest.mark.parametrize("sql", FIXTURE_FILES, ids=[p.stem for p in FIXTURE_FILES])
def test_it_has_rows_in_every_ekkyo_table_of_each_fixture(tmp_path, sql):
    db = tmp_path / "ekkyo.sqlite3"
    _load_fixture(sql, db)
    from django.apps import apps

    ours = tuple(f"{c.label}_" for c in apps.get_app_configs() if c.name.startswith("ekkyo."))

    empty = [t for t, n in row_counts(db).items() if t.startswith(ours) and n == 0]

    assert empty == [], "a table without rows is not checked by the upgrade test"


def test_it_keeps_at_least_one_committed_fixture():
    assert FIXTURE_FILES, f"no upgrade fixture in {FIXTURES}"
    assert all(p.with_suffix(".json").exists() for p in FIXTURE_FILES)


def test_it_reports_a_row_that_a_migration_changed(tmp_path):
    before, after = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    for path, target in ((before, 0.99), (after, 0.5)):
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE catalog_slo (id INTEGER PRIMARY KEY, target REAL)")
        conn.execute("INSERT INTO catalog_slo VALUES (1, ?)", (target,))
        conn.commit()
        conn.close()

    problems = differences(before, after)

    assert [p.split(":")[0] for p in problems] == ["catalog_slo", "catalog_slo"]
    assert "lost or changed" in problems[0] and "appeared" in problems[1]


def test_it_ignores_a_column_a_migration_added(tmp_path):
    before, after = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    for path, extra in ((before, ""), (after, ", reason TEXT DEFAULT ''")):
        conn = sqlite3.connect(path)
        conn.execute(f"CREATE TABLE worker_slostatus (id INTEGER PRIMARY KEY, sli REAL{extra})")
        conn.execute("INSERT INTO worker_slostatus (id, sli) VALUES (1, 0.5)")
        conn.commit()
        conn.close()

    assert differences(before, after) == []
