"""`ekkyo backup` and `ekkyo restore` as a person runs them: messages, exit codes, files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.helpers import execute

ROOT = Path(__file__).resolve().parents[2]


def ekkyo(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "EKKYO_DATA_DIR"}
    }
    return subprocess.run(
        [sys.executable, "-m", "ekkyo.cli.main", *args],
        cwd=ROOT,
        env=clean | {"EKKYO_DATA_DIR": str(data_dir)} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_backs_up_and_sums_up_what_the_backup_holds(live_db, tmp_path):
    backup = tmp_path / "nightly.sqlite3"

    done = ekkyo("backup", str(backup), data_dir=live_db.parent)

    assert done.returncode == 0, done.stderr
    assert f"Backing up {live_db}" in done.stderr
    assert f"backup written: {backup}" in done.stdout
    assert "integrity ok" in done.stdout
    assert "3 SLOs" in done.stdout
    assert "2 teams" in done.stdout
    assert execute(backup, "PRAGMA integrity_check") == [("ok",)]


def test_it_reminds_that_a_generated_encryption_key_is_not_in_the_backup(live_db, tmp_path):
    done = ekkyo("backup", str(tmp_path / "b.sqlite3"), data_dir=live_db.parent)

    assert done.returncode == 0, done.stderr
    assert f"{live_db.parent / 'encryption_key'}, which is not in the backup" in done.stderr


def test_it_says_nothing_of_keys_set_in_the_environment(live_db, tmp_path):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    done = ekkyo(
        "backup", str(tmp_path / "b.sqlite3"), data_dir=live_db.parent, EKKYO_ENCRYPTION_KEY=key
    )

    assert done.returncode == 0, done.stderr
    assert "encryption_key" not in done.stderr


def test_it_refuses_to_overwrite_a_backup_with_a_clear_error(live_db, tmp_path):
    backup = tmp_path / "nightly.sqlite3"
    backup.write_text("keep me")

    done = ekkyo("backup", str(backup), data_dir=live_db.parent)

    assert done.returncode == 1
    assert "error:" in done.stderr and "pass --force" in done.stderr
    assert backup.read_text() == "keep me"


def test_it_restores_and_names_the_file_it_kept(live_db, make_backup):
    backup = make_backup(live_db)
    execute(live_db, "DELETE FROM catalog_sloversion")

    done = ekkyo("restore", str(backup), data_dir=live_db.parent)

    assert done.returncode == 0, done.stderr
    assert f"restored {backup} into {live_db}" in done.stdout
    assert f"kept as {live_db}.before-restore" in done.stdout
    assert execute(live_db, "SELECT count(*) FROM catalog_sloversion") != [(0,)]


def test_it_checks_a_backup_and_changes_nothing(live_db, make_backup):
    backup = make_backup(live_db)
    execute(live_db, "DELETE FROM catalog_sloversion")

    done = ekkyo("restore", "--check", str(backup), data_dir=live_db.parent)

    assert done.returncode == 0, done.stderr
    assert "passes its checks and can be restored" in done.stdout
    assert execute(live_db, "SELECT count(*) FROM catalog_sloversion") == [(0,)]
    assert not Path(f"{live_db}.before-restore").exists()


def test_it_explains_a_backup_from_a_newer_ekkyo(live_db, tmp_path, make_backup):
    execute(
        live_db,
        "INSERT INTO django_migrations (app, name, applied)"
        " VALUES ('series', '0042_x', '2030-01-01')",
    )
    backup = make_backup(live_db)

    done = ekkyo("restore", str(backup), data_dir=tmp_path / "elsewhere")

    assert done.returncode == 1
    assert "comes from a newer ekkyo" in done.stderr and "series.0042_x" in done.stderr
    assert not (tmp_path / "elsewhere" / "ekkyo.sqlite3").exists()


@pytest.mark.parametrize(
    ("command", "tool"),
    [("backup", "pg_dump --format=custom"), ("restore", "pg_restore --clean --if-exists")],
)
def test_it_points_postgresql_installations_to_their_tools(tmp_path, command, tool):
    done = ekkyo(
        command,
        str(tmp_path / "x.dump"),
        data_dir=tmp_path,
        DATABASE_URL="postgres://ekkyo:secret@db.example:5432/ekkyo",
    )

    assert done.returncode == 1
    assert "the database is PostgreSQL" in done.stderr
    assert tool in done.stderr
    assert "docs/operations.md" in done.stderr
    assert "secret" not in done.stderr


@pytest.mark.slow
def test_it_migrates_an_older_backup_after_restoring_it(initial_db, tmp_path, make_backup):
    backup = make_backup(initial_db)
    data = tmp_path / "fresh"

    done = ekkyo("restore", str(backup), data_dir=data)

    assert done.returncode == 0, done.stderr
    assert "the backup is from an older ekkyo" in done.stdout
    assert "migrated:" in done.stdout
    applied = {
        tuple(r) for r in execute(data / "ekkyo.sqlite3", "SELECT app, name FROM django_migrations")
    }
    assert ("worker", "0002_status_reason_state_changes_heartbeats") in applied


@pytest.mark.slow
def test_it_leaves_migrating_to_the_user_when_asked(initial_db, tmp_path, make_backup):
    backup = make_backup(initial_db)
    data = tmp_path / "fresh"

    done = ekkyo("restore", "--no-migrate", str(backup), data_dir=data)

    assert done.returncode == 0, done.stderr
    assert "run 'ekkyo migrate'" in done.stdout
    applied = execute(
        data / "ekkyo.sqlite3", "SELECT name FROM django_migrations WHERE app = 'worker'"
    )
    assert applied == [("0001_initial",)]
