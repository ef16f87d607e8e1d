"""`ekkyo validate PATH…`: check OpenSLO and Sloth specs, every problem with its position."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path

import typer

from ekkyo.cli import app


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def missing_paths(paths: list[Path]) -> list[Path]:
    """Paths that do not exist: a usage error (exit 2) rather than a spec problem."""
    return [path for path in paths if not os.path.exists(path)]


def exit_on_missing(paths: list[Path]) -> None:
    missing = missing_paths(paths)
    for path in missing:
        typer.echo(f"error: no such file or directory: {path}", err=True)
    if missing:
        raise typer.Exit(2)


@app.command()
def validate(
    paths: list[Path] = typer.Argument(
        ..., help="Spec files or directories (searched for *.yaml and *.yml).", show_default=False
    ),
    output: OutputFormat = typer.Option(
        OutputFormat.text, "--format", help="text: PATH:LINE:COL: message lines; json: one object."
    ),
) -> None:
    """Check OpenSLO v1 and Sloth specs; print every problem as PATH:LINE:COL: message.

    Exit status: 0 when every spec is valid, 1 when any is not, 2 for usage errors.
    """
    exit_on_missing(paths)
    from ekkyo.specs import load_paths

    result = load_paths(paths)
    if output is OutputFormat.json:
        document = {
            "valid": result.ok,
            "files": len(result.files),
            "problems": [problem.to_dict() for problem in result.problems],
        }
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for problem in result.problems:
            typer.echo(str(problem))
    files = len(result.files)
    if result.ok:
        typer.echo(
            f"{plural(files, 'file')} valid: {plural(len(result.objects), 'object')}, "
            f"{plural(len(result.slos), 'SLO')}",
            err=True,
        )
        return
    bad_files = len({problem.path for problem in result.problems})
    typer.echo(
        f"{plural(len(result.problems), 'problem')} in {bad_files} of "
        f"{plural(max(files, bad_files), 'file')}",
        err=True,
    )
    raise typer.Exit(1)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
