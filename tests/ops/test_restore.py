"""`inspect_backup` and `restore_sqlite`: what is refused, and what a restore leaves behind."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat

import pytest

from ekkyo.ops import OpsError
from ekkyo.ops.restore import compare_migrations, inspect_backup, restore_sqlite
from tests.ops.helpers import NOW, django_time, execute
from tests.upgrade.tables import differences


def _restore(backup, target, known, **kwargs):
    return restore_sqlite(inspect_backup(backup, known, "1.0"), target, now=NOW, **kwargs)


def _other_database(tmp_path, known, make_backup, live_db):
    """A second backup whose data differs from ``live_db`` (one SLO renamed)."""
    execute(live_db, "UPDATE catalog_slo SET name = 'renamed' WHERE name = 'checkout-latency'")
    backup = make_backup(live_db, "other.sqlite3")
    execute(live_db, "UPDATE catalog_slo SET name = 'checkout-latency' WHERE name = 'renamed'")
    return backup


def test_it_restores_the_snapshot_exactly_and_without_its_manifest(
    live_db, tmp_path, known, make_backup
):
    backup = make_backup(live_db)
    target = tmp_path / "fresh" / "ekkyo.sqlite3"

    result = _restore(backup, target, known)

    assert result.previous is None
    assert differences(live_db, target) == []
    assert differences(target, live_db) == []
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_it_keeps_the_replaced_database_as_before_restore(live_db, tmp_path, known, make_backup):
    other = _other_database(tmp_path, known, make_backup, live_db)

    result = _restore(other, live_db, known)

    previous = live_db.with_name("ekkyo.sqlite3.before-restore")
    assert result.previous == previous
    assert execute(
        previous, "SELECT count(*) FROM catalog_slo WHERE name = 'checkout-latency'"
    ) == [(1,)]
    assert execute(live_db, "SELECT count(*) FROM catalog_slo WHERE name = 'renamed'") == [(1,)]
    assert not any(p.name.endswith(("-wal", "-shm")) for p in live_db.parent.iterdir())


def test_it_numbers_a_second_before_restore_file(live_db, tmp_path, known, make_backup):
    backup = make_backup(live_db)
    _restore(backup, live_db, known)

    result = _restore(backup, live_db, known)

    assert result.previous == live_db.with_name("ekkyo.sqlite3.before-restore.2")
    assert live_db.with_name("ekkyo.sqlite3.before-restore").exists()


def test_it_refuses_a_database_another_process_has_open(live_db, tmp_path, known, make_backup):
    other = _other_database(tmp_path, known, make_backup, live_db)
    app = sqlite3.connect(live_db)
    app.execute("SELECT count(*) FROM catalog_slo").fetchone()
    try:
        with pytest.raises(OpsError, match=r"is open in another process .*--force"):
            _restore(other, live_db, known, lock_timeout_s=0.1)
    finally:
        app.close()

    assert execute(live_db, "SELECT count(*) FROM catalog_slo WHERE name = 'renamed'") == [(0,)]
    assert sorted(p.name for p in live_db.parent.iterdir()) == ["ekkyo.sqlite3"]


def test_it_replaces_an_open_database_with_force_and_says_so(live_db, tmp_path, known, make_backup):
    other = _other_database(tmp_path, known, make_backup, live_db)
    app = sqlite3.connect(live_db, isolation_level=None)
    app.execute("SELECT count(*) FROM catalog_slo").fetchone()
    try:
        result = _restore(other, live_db, known, force=True, lock_timeout_s=0.1)
        # The process that had it open goes on writing to the file moved aside.
        app.execute("UPDATE catalog_slo SET display_name = 'late write'")
    finally:
        app.close()

    assert result.was_open
    assert execute(
        result.previous, "SELECT count(*) FROM catalog_slo WHERE display_name = 'late write'"
    ) == [(3,)]
    assert execute(
        live_db, "SELECT count(*) FROM catalog_slo WHERE display_name = 'late write'"
    ) == [(0,)]
    assert execute(live_db, "PRAGMA integrity_check") == [("ok",)]


def test_it_refuses_while_a_worker_heartbeat_is_recent(live_db, tmp_path, known, make_backup):
    backup = make_backup(live_db)
    seen = NOW - dt.timedelta(seconds=40)
    execute(
        live_db,
        "INSERT INTO worker_workerheartbeat (name, started_at, seen_at, slos) VALUES (?, ?, ?, 3)",
        ("host-1:4242", django_time(seen), django_time(seen)),
    )

    with pytest.raises(OpsError, match=r"in use: worker host-1:4242 \(seen 40 s ago\)"):
        _restore(backup, live_db, known)


def test_it_restores_when_the_last_heartbeat_is_old(live_db, tmp_path, known, make_backup):
    execute(live_db, "DELETE FROM worker_workerheartbeat")
    backup = make_backup(live_db)
    seen = NOW - dt.timedelta(minutes=10)
    execute(
        live_db,
        "INSERT INTO worker_workerheartbeat (name, started_at, seen_at, slos) VALUES (?, ?, ?, 3)",
        ("host-1:4242", django_time(seen), django_time(seen)),
    )

    _restore(backup, live_db, known)

    assert execute(live_db, "SELECT count(*) FROM worker_workerheartbeat") == [(0,)]


def test_it_refuses_a_backup_from_a_newer_ekkyo(live_db, known, make_backup):
    execute(
        live_db,
        "INSERT INTO django_migrations (app, name, applied) VALUES ('catalog', '0099_future', ?)",
        (django_time(NOW),),
    )
    backup = make_backup(live_db)

    with pytest.raises(OpsError) as raised:
        inspect_backup(backup, known, "1.0")

    message = str(raised.value)
    assert "comes from a newer ekkyo (0.1.0.test; this is 1.0)" in message
    assert "catalog.0099_future" in message
    assert "Upgrade ekkyo" in message


def test_it_lists_the_migrations_an_older_backup_needs(live_db, known, make_backup):
    execute(
        live_db, "DELETE FROM django_migrations WHERE app = 'worker' AND name != '0001_initial'"
    )
    backup = make_backup(live_db)
    expected = sorted(f"worker.{n}" for a, n in known if a == "worker" and n != "0001_initial")

    info = inspect_backup(backup, known, "1.0")

    assert list(info.migrations.pending) == expected
    assert info.migrations.unknown == ()


def test_it_refuses_a_damaged_backup(live_db, tmp_path, known, make_backup):
    backup = make_backup(live_db)
    page = execute(backup, "PRAGMA page_size")[0][0]
    root = execute(backup, "SELECT rootpage FROM sqlite_master WHERE name = 'catalog_sloversion'")[
        0
    ][0]
    with backup.open("r+b") as f:
        f.seek((root - 1) * page + 8)
        f.write(b"\xff" * 64)

    with pytest.raises(OpsError, match=r"fails its integrity check .*use another backup"):
        inspect_backup(backup, known, "1.0")


def test_it_refuses_a_backup_changed_after_it_was_made(live_db, known, make_backup):
    backup = make_backup(live_db)
    execute(backup, "DELETE FROM catalog_sloversion WHERE number = 1")

    with pytest.raises(OpsError, match=r"row counts differ in catalog_sloversion\)"):
        inspect_backup(backup, known, "1.0")


def test_it_refuses_a_plain_copy_of_a_database(live_db, tmp_path, known):
    copy = tmp_path / "copy.sqlite3"
    execute(live_db, f"VACUUM INTO '{copy}'")

    with pytest.raises(OpsError, match=r"is not an ekkyo backup .*'ekkyo backup'"):
        inspect_backup(copy, known, "1.0")


def test_it_refuses_a_file_that_is_not_sqlite(tmp_path, known):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(os.urandom(8192))

    with pytest.raises(OpsError, match="not a SQLite database"):
        inspect_backup(junk, known, "1.0")


def test_it_checks_a_backup_without_writing_next_to_it(live_db, tmp_path, known, make_backup):
    backup = make_backup(live_db)
    before = sorted(p.name for p in backup.parent.iterdir())
    os.chmod(backup, 0o400)

    inspect_backup(backup, known, "1.0")

    assert sorted(p.name for p in backup.parent.iterdir()) == before


def test_it_compares_migrations_both_ways():
    check = compare_migrations(
        applied={("catalog", "0001_initial"), ("catalog", "0003_new")},
        known={("catalog", "0001_initial"), ("worker", "0001_initial")},
    )

    assert check.unknown == ("catalog.0003_new",)
    assert check.pending == ("worker.0001_initial",)
