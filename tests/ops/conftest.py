"""A database of the current schema with rows in every table, built once per session.

It is built in a process of its own (``tests.upgrade.build current``), the way
``ekkyo migrate`` builds one, and each test works on a copy in its own directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db.migrations.loader import MigrationLoader

from ekkyo.ops.backup import backup_sqlite
from tests.ops.helpers import NOW, copy_database
from tests.upgrade.build import run


@pytest.fixture(scope="session")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    db = tmp_path_factory.mktemp("filled") / "ekkyo.sqlite3"
    return db, run("current", db)


@pytest.fixture
def live_db(filled: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    """A copy of the filled database, as the data directory of a running installation."""
    return copy_database(filled[0], tmp_path / "data" / "ekkyo.sqlite3")


@pytest.fixture(scope="session")
def known() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


@pytest.fixture
def make_backup(tmp_path: Path) -> Callable[..., Path]:
    def make(source: Path, name: str = "backup.sqlite3", **kwargs: Any) -> Path:
        dest = tmp_path / "backups" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        backup_sqlite(source, dest, ekkyo_version="0.1.0.test", now=NOW, **kwargs)
        return dest

    return make


@pytest.fixture(scope="session")
def initial_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled database at the initial state: what an older ekkyo left behind."""
    db = tmp_path_factory.mktemp("initial") / "ekkyo.sqlite3"
    run("initial", db)
    return db
