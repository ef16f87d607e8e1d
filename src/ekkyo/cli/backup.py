"""`ekkyo backup PATH` and `ekkyo restore PATH`: the SQLite database, online and checked.

The work is done by :mod:`ekkyo.ops` on the database file; this module finds the file
(or explains the PostgreSQL path), draws progress and runs the migrations an older
backup needs.  See docs/operations.md.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import typer

from ekkyo.cli import app

PG_BACKUP = 'pg_dump --format=custom --no-owner --file=ekkyo.dump "$DATABASE_URL"'
PG_RESTORE = (
    'pg_restore --clean --if-exists --no-owner --exit-on-error --dbname="$DATABASE_URL" ekkyo.dump'
)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _sqlite_database(postgres_hint: str) -> Path:
    """The SQLite file Django is configured with; a clear exit for anything else."""
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from django.db import connection

    if connection.vendor == "postgresql":
        _fail(
            "the database is PostgreSQL (DATABASE_URL); 'ekkyo backup' and 'ekkyo restore' "
            f"handle the SQLite default only. Use PostgreSQL's tools:\n  {postgres_hint}\n"
            "(docs/operations.md has the whole procedure)"
        )
    if connection.vendor != "sqlite":
        _fail(f"the database is {connection.vendor}: back it up with that database's own tools")
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name.startswith(":") or "mode=memory" in name:
        _fail(f"the database {name!r} is in memory: there is no file to back up or restore")
    return Path(name)


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    # A squashed migration stands for those it replaces: a backup may have either applied.
    for migration in loader.disk_migrations.values():
        known.update(tuple(r) for r in (migration.replaces or ()))
    return known


def _progress(label: str) -> tuple[AbstractContextManager[Any], Any]:
    """A transient progress bar on stderr, and the ``(done, total)`` callback that feeds it."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        return nullcontext(), None
    bar = Progress(
        TextColumn(label), BarColumn(), TaskProgressColumn(), console=console, transient=True
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


@app.command()
def backup(
    path: Path = typer.Argument(
        ..., help="The backup file to write, or a directory to write a time-stamped one in."
    ),
    force: bool = typer.Option(False, "--force", help="Replace PATH if it exists."),
) -> None:
    """Back up the SQLite database while the web app and worker run: one checked file.

    The copy is one consistent snapshot, checked with PRAGMA integrity_check and written
    atomically, with a manifest (ekkyo version, migrations, row counts). For PostgreSQL,
    use pg_dump (the command says how).
    """
    import datetime as dt

    from ekkyo import __version__
    from ekkyo.ops import OpsError
    from ekkyo.ops.backup import backup_destination, backup_sqlite
    from ekkyo.ops.files import human_size

    source = _sqlite_database(PG_BACKUP)
    now = dt.datetime.now(dt.UTC)
    dest = backup_destination(path, now)
    typer.echo(f"Backing up {source} ({human_size(_size(source))}) to {dest} …", err=True)
    bar, update = _progress("Copying pages")
    try:
        with bar:
            manifest = backup_sqlite(
                source, dest, ekkyo_version=__version__, now=now, overwrite=force, progress=update
            )
    except OpsError as exc:
        _fail(str(exc))
        return
    typer.echo(f"backup written: {dest} ({human_size(manifest.size_bytes)}, integrity ok)")
    typer.echo(f"  {manifest.summary()}")
    key_file = _generated_key_file()
    if key_file is not None:
        typer.echo(
            f"note: stored credentials are encrypted with {key_file}, which is not in the "
            "backup: keep a copy of it apart from the backups (docs/operations.md)",
            err=True,
        )


def _generated_key_file() -> Path | None:
    """The encryption key file in the data directory, when the key comes from there."""
    from django.conf import settings

    keys = getattr(settings, "EKKYO_ENCRYPTION_KEYS", None)
    if keys is None or not getattr(keys, "generated", False):
        return None
    return Path(settings.DATA_DIR) / "encryption_key"


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


@app.command()
def restore(
    path: Path = typer.Argument(..., help="A backup file written by 'ekkyo backup'."),
    force: bool = typer.Option(
        False, "--force", help="Replace the database even if the worker or web app has it open."
    ),
    check: bool = typer.Option(
        False, "--check", help="Only check the backup (integrity, manifest, migrations)."
    ),
    no_migrate: bool = typer.Option(
        False, "--no-migrate", help="Do not migrate an older backup after restoring it."
    ),
) -> None:
    """Restore the SQLite database from a backup; the replaced one is kept as *.before-restore.

    Refuses a damaged backup, one from a newer ekkyo, and a database in use (unless
    --force). An older backup is migrated after the restore. For PostgreSQL, use
    pg_restore (the command says how).
    """
    import datetime as dt

    from ekkyo import __version__
    from ekkyo.ops import OpsError
    from ekkyo.ops.restore import inspect_backup, restore_sqlite

    target = _sqlite_database(PG_RESTORE)
    try:
        info = inspect_backup(path, _known_migrations(), __version__)
    except OpsError as exc:
        _fail(str(exc))
        return
    manifest = info.manifest
    typer.echo(
        f"backup of {manifest.source} made {manifest.created_at:%Y-%m-%d %H:%M:%S %Z}: "
        f"{manifest.summary()}"
    )
    pending = info.migrations.pending
    if pending:
        typer.echo(
            f"the backup is from an older ekkyo: {len(pending)} migration(s) to apply after "
            f"restoring ({', '.join(pending[:5])}{' …' if len(pending) > 5 else ''})"
        )
    if check:
        typer.echo(f"ok: {path} passes its checks and can be restored")
        return
    bar, update = _progress("Copying")
    try:
        with bar:
            result = restore_sqlite(
                info, target, now=dt.datetime.now(dt.UTC), force=force, progress=update
            )
    except OpsError as exc:
        _fail(str(exc))
        return
    typer.echo(f"restored {path} into {result.target}")
    if result.previous is not None:
        typer.echo(f"the previous database is kept as {result.previous}")
    key_file = _generated_key_file()
    if key_file is not None:
        typer.echo(
            f"note: stored credentials are read with {key_file}: it must be the key of the "
            "installation that made the backup (or set EKKYO_ENCRYPTION_KEY to that key)",
            err=True,
        )
    if result.was_open:
        typer.echo(
            "warning: the database was open in another process; it keeps writing to "
            f"{result.previous}: restart the web app and the worker now",
            err=True,
        )
    if pending and no_migrate:
        typer.echo("run 'ekkyo migrate' before starting ekkyo on it")
    elif pending:
        from django.core.management import call_command

        typer.echo("applying the migrations …")
        call_command("migrate", interactive=False, verbosity=0)
        typer.echo(f"migrated: {len(pending)} migration(s) applied")
