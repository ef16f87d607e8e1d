"""`ekkyo demo`: what `make demo` runs — the web app on the demo organisation."""

from __future__ import annotations

import subprocess
import sys
import time

import typer

from ekkyo.cli import app


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    no_serve: bool = typer.Option(
        False, "--no-serve", help="Set up and evaluate the demo, print the table, and exit."
    ),
) -> None:
    """Migrate, load the demo organisation (90 days of data), start the worker and serve.

    Running it again reuses the data and tops it up to now.
    """
    from rich.console import Console
    from rich.progress import Progress

    from ekkyo.server.bootstrap import setup_django

    console = Console()
    setup_django()
    from django.core.management import call_command

    from ekkyo.demo import org
    from ekkyo.demo.loader import load_demo
    from ekkyo.server.staticfiles import collect_if_changed

    console.print("[bold]ekkyo demo[/]: preparing the database …")
    call_command("migrate", interactive=False, verbosity=0)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Loading 90 days of demo data", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = load_demo(int(time.time()), progress=advance)
    console.print(
        f"{report.teams} teams, {report.slos} SLOs, {report.buckets:,} new buckets "
        f"({'first load' if report.since is None else 'topped up'})"
    )
    console.print("Evaluating every SLO once …")
    worker = [sys.executable, "-m", "ekkyo.cli.main", "worker"]
    subprocess.run([*worker, "--once"], check=True)
    _print_status(console)
    if no_serve:
        return

    console.print("Preparing static files …")
    collect_if_changed()
    children = [
        subprocess.Popen(worker),
        subprocess.Popen([sys.executable, "-m", "ekkyo.demo.feed"]),
    ]
    console.print(f"\n[bold green]ekkyo is running on http://{host}:{port}[/]  (Ctrl-C stops it)")
    console.print("Sign in as:")
    for sign_in in org.SIGN_INS:
        console.print(
            f"  {sign_in.role:7} [bold]{sign_in.username}[/] / {sign_in.password}"
            f"  — {sign_in.purpose}"
        )
    try:
        from ekkyo.cli.serve import run_gunicorn

        run_gunicorn(host, port, workers=2, threads=2)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=15)


def _print_status(console: object) -> None:
    from ekkyo.cli.evaluate import print_table
    from ekkyo.worker.models import SLOStatus

    rows = SLOStatus.objects.select_related("slo").order_by("slo__name", "objective_index")
    results = [{"slo": s.slo.name, **s.result} for s in rows]
    if results:
        computed = max(s.computed_at for s in rows).strftime("%Y-%m-%dT%H:%M:%SZ")
        print_table({"evaluated_at": computed, "results": results})
