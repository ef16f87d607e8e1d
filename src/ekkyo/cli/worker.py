"""`ekkyo worker [--once]`: pulls, compaction and evaluation, leased in the database."""

from __future__ import annotations

import typer

from ekkyo.cli import app


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _check_migrated() -> None:
    """Stop with a hint, not a traceback, when the database is missing or not migrated."""
    from pathlib import Path

    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor
    from django.db.utils import DatabaseError

    connection = connections[DEFAULT_DB_ALIAS]
    name = str(connection.settings_dict.get("NAME") or "")
    plain = connection.vendor == "sqlite" and name and not name.startswith((":", "file:"))
    if plain and not Path(name).exists():
        _fail(f"no database at {name}: run 'ekkyo migrate' first")
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        _fail(f"cannot reach the database: {exc}".strip())
        return
    if pending:
        _fail(
            f"the database is not migrated ({len(pending)} migrations pending): "
            "run 'ekkyo migrate' first"
        )


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Run one tick and exit."),
    name: str = typer.Option(
        "", "--name", help="This worker's name in leases (default: host:pid); unique per worker."
    ),
    delay: int = typer.Option(
        60, "--delay", min=0, help="Seconds a minute is given to arrive before it is evaluated."
    ),
    lease: int = typer.Option(
        120,
        "--lease",
        min=10,
        help="Seconds a lease lasts without renewal (a dead worker's SLOs move after it).",
    ),
    max_slos: int = typer.Option(
        0, "--max-slos", min=0, help="Hold at most this many SLOs (0: a fair share of all)."
    ),
) -> None:
    """Keep every SLO's status current: compact pushed data, pull sources, evaluate each minute.

    Runs until SIGTERM or SIGINT (then finishes the current step and hands its SLOs back).
    Several workers share the SLOs through leases in the database.
    """
    import logging

    from ekkyo.server.bootstrap import setup_django

    setup_django()
    _check_migrated()
    from ekkyo.worker.tick import Settings, Worker, default_name

    try:
        settings = Settings(
            name=name or default_name(),
            delay_s=delay,
            lease_ttl_s=lease,
            max_slos=max_slos or None,
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    import httpx

    from ekkyo.security.ssrf import guarded_client
    from ekkyo.worker.extras import default_steps

    logging.getLogger("ekkyo").setLevel(logging.INFO)
    # One client for every notification: building one loads the CA bundle (~0.2 s).  It is
    # guarded: configured URLs must not reach private addresses (docs/security.md).
    with guarded_client(timeout=httpx.Timeout(10.0, connect=5.0)) as client:
        runner = Worker(settings, extra_steps=default_steps(client))
        runner.install_signal_handlers()
        runner.run(once=once)
