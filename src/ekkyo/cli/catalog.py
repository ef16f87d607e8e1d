"""`ekkyo import` and `ekkyo export`: the catalog in and out as OpenSLO files."""

from __future__ import annotations

from pathlib import Path

import typer

from ekkyo.cli import app


@app.command("import")
def import_(
    paths: list[Path] = typer.Argument(..., help="OpenSLO or Sloth files and directories."),
    team: str | None = typer.Option(
        None, "--team", help="Team owning services that carry no 'team' label."
    ),
    reason: str = typer.Option("", "--reason", help="Why: recorded with every change."),
) -> None:
    """Load specs into the catalog in one transaction (idempotent: same files, no change)."""
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from ekkyo.catalog.importer import import_paths

    report = import_paths(paths, actor_name="cli", reason=reason, default_team=team)
    if not report.ok:
        for problem in report.problems:
            typer.echo(problem, err=True)
        typer.echo(f"error: {len(report.problems)} problem(s); nothing was imported", err=True)
        raise typer.Exit(1)
    for label, names in (("created", report.created), ("updated", report.updated)):
        for name in names:
            typer.echo(f"{label:9} {name}")
    for slug in report.teams_created:
        typer.echo(f"created   Team {slug} (stream-aligned; edit its type in the admin)")
    typer.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged"
    )


@app.command("export")
def export(directory: Path = typer.Argument(..., help="Directory to write the files to.")) -> None:
    """Write the catalog as OpenSLO files, one per service, lifecycle annotated."""
    from ekkyo.server.bootstrap import setup_django

    setup_django()
    from ekkyo.catalog.importer import export_catalog

    if directory.exists() and not directory.is_dir():
        typer.echo(f"error: {directory} exists and is not a directory", err=True)
        raise typer.Exit(2)
    for path in export_catalog(directory):
        typer.echo(str(path))
