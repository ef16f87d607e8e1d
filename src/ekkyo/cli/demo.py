"""`ekkyo demo`: what `make demo` runs."""

from __future__ import annotations

import typer

from ekkyo.cli import app


@app.command()
def demo() -> None:
    """Run the demo: the example organisation's SLOs evaluated on its data."""
    typer.echo("ekkyo demo: not yet built")
