"""`ekkyo serve`: the web app and API under gunicorn, static files through whitenoise."""

from __future__ import annotations

import os

import typer

from ekkyo.cli import app


def default_workers() -> int:
    # Measured with bench/web.py on 2 cores: 4 processes × 2 threads gave a shorter latency
    # tail than 3 × 4 (pages are CPU-bound Python; threads mostly wait on the GIL).
    return max(2, 2 * (os.cpu_count() or 1))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        0, "--workers", min=0, help="gunicorn worker processes (0: 2 × cores)."
    ),
    threads: int = typer.Option(2, "--threads", min=1, help="Threads per worker process."),
) -> None:
    """Serve the web app and the API (gunicorn + whitenoise). Run 'ekkyo migrate' first."""
    from ekkyo.server.bootstrap import setup_django

    setup_django()

    from ekkyo.server.staticfiles import collect_if_changed

    collect_if_changed()  # hashed, gzipped static files for whitenoise
    run_gunicorn(host, port, workers or default_workers(), threads)


def run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from ekkyo.server.wsgi import application

    class _App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            # The access log must not print query strings that could carry secrets.
            self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms')
            self.cfg.set("graceful_timeout", 10)

        def load(self) -> object:
            return application

    _App().run()
