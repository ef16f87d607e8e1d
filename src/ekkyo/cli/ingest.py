"""`ekkyo ingest CSV…`: bucket CSV files into the store, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import typer

from ekkyo.cli import app

_SHOWN_PROBLEMS = 50


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _check_database() -> None:
    """Fail with a hint instead of a traceback when the database is not set up."""
    from django.db import connection
    from django.db.utils import DatabaseError

    name = str(connection.settings_dict.get("NAME") or "")
    # A plain path (not ":memory:" or a "file:" URI) that is not there: say so before
    # SQLite creates an empty file by connecting.
    plain = connection.vendor == "sqlite" and name and not name.startswith((":", "file:"))
    if plain and not Path(name).exists():
        _fail(f"no database at {name}: run 'ekkyo migrate' first")
    try:
        tables = connection.introspection.table_names()
    except DatabaseError as exc:
        _fail(f"cannot reach the database: {exc}".strip())
        return
    if "series_ingestbatch" not in tables or "catalog_slo" not in tables:
        _fail("the database is not set up (or is out of date): run 'ekkyo migrate' first")


@app.command()
def ingest(
    files: list[Path] = typer.Argument(
        ..., help="Bucket CSV files (timestamp,slo,good,total[,value])."
    ),
    skip_bad: bool = typer.Option(
        False, "--skip-bad", help="Skip rows with problems (and count them) instead of stopping."
    ),
) -> None:
    """Load bucket CSV files into the store. Each file counts once, however often it is loaded."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from ekkyo.server.bootstrap import setup_django

    for path in files:
        if not path.is_file():
            _fail(f"{path}: no such file")
    setup_django()
    _check_database()
    from ekkyo.series import store
    from ekkyo.series.files import plan_file, write_plans
    from ekkyo.sources.csvfile import CsvError

    err = Console(stderr=True)
    plans = []
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as progress:
        for path in files:
            task = progress.add_task(f"reading {path.name}", total=path.stat().st_size or 1)

            def advance(done: int, total: int, task: int = task) -> None:
                progress.update(task, completed=done, total=total or 1)

            try:
                plans.append(plan_file(str(path), progress=advance))
            except CsvError as exc:
                _fail(str(exc))

    problems = [p for plan in plans for p in plan.problems]
    if problems and not skip_bad:
        for line in problems[:_SHOWN_PROBLEMS]:
            typer.echo(line, err=True)
        if len(problems) > _SHOWN_PROBLEMS:
            typer.echo(f"… {len(problems) - _SHOWN_PROBLEMS} more problems not shown", err=True)
        skipped = sum(plan.rows_skipped for plan in plans)
        _fail(
            f"{skipped} bad rows; nothing was written. Fix them, or use --skip-bad to "
            "load the good rows and skip these."
        )
    results = write_plans(plans)
    while store.compact().more:
        pass
    for plan, result in zip(plans, results, strict=True):
        if result.duplicate:
            when = f" on {plan.duplicate_of}" if plan.duplicate_of else ""
            typer.echo(
                f"{plan.path}: already ingested{when} (same content): counted once, nothing changed"
            )
            continue
        slos = len(plan.series)
        line = f"{plan.path}: {result.accepted} buckets for {slos} SLO{'s' if slos != 1 else ''}"
        if plan.rows_skipped:
            line += f", {plan.rows_skipped} bad rows skipped"
        typer.echo(line)
