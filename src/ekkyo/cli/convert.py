"""`ekkyo convert --to openslo PATH…`: Sloth (or OpenSLO) specs in, OpenSLO v1 YAML out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from ekkyo.cli import app
from ekkyo.cli.validate import exit_on_missing, plural


class Target(StrEnum):
    openslo = "openslo"


@app.command()
def convert(
    paths: list[Path] = typer.Argument(
        ..., help="Spec files or directories (searched for *.yaml and *.yml).", show_default=False
    ),
    to: Target = typer.Option(..., "--to", help="Output format."),
) -> None:
    """Convert Sloth prometheus/v1 (or OpenSLO) specs to OpenSLO v1 YAML on stdout.

    Invalid input prints its problems to stderr, exits 1 and writes nothing to stdout.
    """
    exit_on_missing(paths)
    from ekkyo.specs import emit_openslo, load_paths

    result = load_paths(paths)
    if not result.ok:
        for problem in result.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"{plural(len(result.problems), 'problem')}: nothing converted", err=True)
        raise typer.Exit(1)
    typer.echo(emit_openslo(result.objects), nl=False)
