"""The PostgreSQL path of docs/operations.md, run for real: pg_dump, pg_restore, migrate."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import require_binary
from tests.upgrade.build import run
from tests.worker.pg_kit import require_postgres, throwaway_database

pytestmark = [pytest.mark.real, pytest.mark.slow]


def _counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_it_restores_a_pg_dump_made_with_the_documented_commands(tmp_path):
    server = require_postgres()
    pg_dump, pg_restore = require_binary("pg_dump"), require_binary("pg_restore")
    dump = tmp_path / "ekkyo.dump"
    with throwaway_database(server) as source, throwaway_database(server) as target:
        made = run("current", tmp_path / "a" / "db", database_url=source)
        subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={dump}", source], check=True
        )
        subprocess.run([pg_restore, "--list", str(dump)], check=True, capture_output=True)
        subprocess.run(
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={target}",
                str(dump),
            ],
            check=True,
        )
        # The keys go with the data: the restored database is read with the same data dir.
        read = run("upgrade", tmp_path / "a" / "db", database_url=target)

        assert _counts(target) == _counts(source)
    assert read["series"] == made["series"]
    assert sorted(read["slos"]) == [
        "checkout-availability",
        "checkout-latency",
        "search-availability",
    ]
