"""The ``ekkyo`` command.

Each command group lives in its own module and registers itself on :data:`app`; this
module only assembles them.  Pure commands (validate, convert, evaluate, compile) import
nothing from Django so they start fast and need no database.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ekkyo",
    help="ekkyo: SLOs that business, development and SRE teams share.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        from ekkyo import __version__

        typer.echo(f"ekkyo {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """ekkyo: SLOs that business, development and SRE teams share."""


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from ekkyo.cli import commands  # noqa: F401


def main() -> None:
    _register()
    app()
