"""`backup_sqlite`: an online, consistent, checked and atomic copy of the live database."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from ekkyo.ops import OpsError
from ekkyo.ops.backup import backup_destination, backup_sqlite
from ekkyo.ops.manifest import MANIFEST_TABLE, read_manifest
from ekkyo.ops.restore import inspect_backup, restore_sqlite
from tests.ops.helpers import NOW, Writer, execute
from tests.upgrade.tables import GROWS_ON_MIGRATE, differences, row_counts

WRITER_SLO = "checkout-availability"
WRITER_TABLES = frozenset({"catalog_sloversion", "series_ingestbatch"})


def _version(db, name=WRITER_SLO):
    return execute(db, "SELECT version FROM catalog_slo WHERE name = ?", (name,))[0][0]


def test_it_round_trips_every_row_while_a_writer_keeps_writing(live_db, tmp_path, known):
    pristine = tmp_path / "pristine.sqlite3"
    execute(live_db, f"VACUUM INTO '{pristine}'")
    start = _version(live_db)
    writer = Writer(live_db, WRITER_SLO)
    writer.start()
    writer.wait_for(5)
    steps = []

    def step(done, total):
        # Each step of the copy waits for another commit: writes land between the steps.
        steps.append(done)
        if len(steps) > 1000:
            raise AssertionError("the copy keeps starting over while the writer writes")
        writer.wait_for(writer.commits + 1)

    try:
        backup = tmp_path / "b.sqlite3"
        backup_sqlite(live_db, backup, ekkyo_version="t", now=NOW, progress=step, pages_per_step=8)
        writer.wait_for(writer.commits + 5)
    finally:
        writer.stop()
    restored = tmp_path / "fresh" / "ekkyo.sqlite3"
    restore_sqlite(inspect_backup(backup, known, "t"), restored, now=NOW)

    snapshot = _version(restored)
    assert len(steps) > 10
    assert start + 5 <= snapshot < _version(live_db)
    assert execute(restored, "PRAGMA integrity_check") == [("ok",)]
    assert execute(restored, "PRAGMA foreign_key_check") == []
    versions = execute(
        restored,
        "SELECT v.number, v.spec_hash = s.spec_hash FROM catalog_sloversion v "
        "JOIN catalog_slo s ON s.id = v.slo_id WHERE s.name = ? ORDER BY v.number",
        (WRITER_SLO,),
    )
    assert [n for n, _same in versions] == list(range(1, snapshot + 1))
    assert versions[-1][1] == 1
    keys = execute(
        restored, "SELECT idempotency_key FROM series_ingestbatch WHERE actor = 'writer'"
    )
    assert sorted(k for (k,) in keys) == sorted(f"w-{v}" for v in range(start + 1, snapshot + 1))
    unchanged = differences(pristine, restored, allow_new_rows=GROWS_ON_MIGRATE | WRITER_TABLES)
    assert [p for p in unchanged if not p.startswith("catalog_slo:")] == []
    others = "SELECT * FROM catalog_slo WHERE name != ? ORDER BY id"
    assert execute(restored, others, (WRITER_SLO,)) == execute(pristine, others, (WRITER_SLO,))


def test_it_writes_one_self_contained_file_that_passes_integrity_check(live_db, tmp_path):
    backup = tmp_path / "b.sqlite3"

    backup_sqlite(live_db, backup, ekkyo_version="t", now=NOW)

    conn = sqlite3.connect(f"{backup.as_uri()}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    finally:
        conn.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.sqlite3", "data"]
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_it_records_version_migrations_and_counts_in_the_manifest(live_db, tmp_path):
    backup = tmp_path / "b.sqlite3"

    backup_sqlite(live_db, backup, ekkyo_version="9.8.7", now=NOW)

    conn = sqlite3.connect(backup)
    try:
        manifest = read_manifest(conn)
    finally:
        conn.close()
    applied = execute(live_db, "SELECT app, name FROM django_migrations")
    counts = row_counts(live_db)
    assert manifest is not None
    assert (manifest.ekkyo_version, manifest.created_at) == ("9.8.7", NOW)
    assert manifest.applied() == set(applied)
    assert dict(manifest.counts) == counts
    assert manifest.counts["catalog_slo"] == 3
    assert MANIFEST_TABLE not in counts


def test_it_reports_progress_up_to_the_last_page(live_db, tmp_path):
    calls = []

    backup_sqlite(
        live_db,
        tmp_path / "b.sqlite3",
        ekkyo_version="t",
        now=NOW,
        progress=lambda done, total: calls.append((done, total)),
        pages_per_step=16,
    )

    pages = execute(live_db, "PRAGMA page_count")[0][0]
    assert len(calls) > 1
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
    assert calls[-1] == (pages, pages)


def test_it_refuses_to_replace_an_existing_file_without_force(live_db, tmp_path):
    backup = tmp_path / "b.sqlite3"
    backup.write_bytes(b"an earlier backup")

    with pytest.raises(OpsError, match="exists: choose a new path, or pass --force"):
        backup_sqlite(live_db, backup, ekkyo_version="t", now=NOW)

    assert backup.read_bytes() == b"an earlier backup"


def test_it_replaces_an_existing_file_with_force(live_db, tmp_path):
    backup = tmp_path / "b.sqlite3"
    backup.write_bytes(b"an earlier backup")

    backup_sqlite(live_db, backup, ekkyo_version="t", now=NOW, overwrite=True)

    assert execute(backup, "SELECT count(*) FROM catalog_slo") == [(3,)]


def test_it_leaves_nothing_behind_when_the_source_is_not_a_database(tmp_path):
    source = tmp_path / "ekkyo.sqlite3"
    source.write_bytes(b"not sqlite at all " * 500)
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(OpsError, match=r"cannot read .*ekkyo.sqlite3"):
        backup_sqlite(source, out / "b.sqlite3", ekkyo_version="t", now=NOW)

    assert os.listdir(out) == []


def test_it_refuses_a_database_that_ekkyo_never_migrated(tmp_path):
    source = tmp_path / "ekkyo.sqlite3"
    execute(source, "CREATE TABLE t (x)")

    with pytest.raises(OpsError, match=r"not an ekkyo database .*run 'ekkyo migrate'"):
        backup_sqlite(source, tmp_path / "b.sqlite3", ekkyo_version="t", now=NOW)

    assert not (tmp_path / "b.sqlite3").exists()


def test_it_says_when_there_is_no_database_yet(tmp_path):
    with pytest.raises(OpsError, match=r"no database at .*nothing to back up"):
        backup_sqlite(tmp_path / "none.sqlite3", tmp_path / "b", ekkyo_version="t", now=NOW)

    assert not (tmp_path / "none.sqlite3").exists()


def test_it_refuses_to_write_the_backup_over_the_database(live_db):
    with pytest.raises(OpsError, match="is the database itself"):
        backup_sqlite(live_db, live_db, ekkyo_version="t", now=NOW, overwrite=True)


def test_it_names_a_backup_in_a_directory_by_its_utc_time(tmp_path):
    assert backup_destination(tmp_path, NOW) == tmp_path / "ekkyo-20260303T120000Z.sqlite3"
    assert backup_destination(tmp_path / "x.db", NOW) == tmp_path / "x.db"
