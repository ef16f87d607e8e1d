"""`ekkyo evaluate`: the engine on files, as a table or as SLO_MATH.md's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ekkyo.cli import app

MAX_SHOWN_PROBLEMS = 20


@app.command()
def evaluate(
    spec: list[Path] = typer.Option(
        ..., "--spec", help="OpenSLO/Sloth file or directory; repeat for several."
    ),
    data: Path = typer.Option(..., "--data", help="Bucket CSV (see docs/data.md)."),
    at: str | None = typer.Option(
        None,
        "--at",
        help="Evaluation time: ISO-8601 with a zone or Unix seconds, on a minute boundary. "
        "Default: the end of the last bucket in the data.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON of SLO_MATH.md."),
    strict: bool = typer.Option(
        False, "--strict", help="Fail on any bad CSV row instead of skipping it."
    ),
) -> None:
    """Evaluate SLOs on a bucket CSV: SLI, error budget, burn rates, alerts and forecast."""
    from ekkyo import toolkit
    from ekkyo.sources.csvfile import CsvError

    try:
        loaded = toolkit.load_specs(spec)
    except toolkit.SpecsInvalid as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"error: {len(exc.problems)} problem(s) in the specs", err=True)
        raise typer.Exit(1) from None
    try:
        when = toolkit.parse_time(at) if at is not None else None
    except ValueError as exc:
        typer.echo(f"error: --at: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        csv = toolkit.load_buckets(data, loaded)
    except CsvError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None

    if csv.rows_skipped:
        for problem in csv.problems[:MAX_SHOWN_PROBLEMS]:
            typer.echo(str(problem), err=True)
        hidden = csv.rows_skipped - min(len(csv.problems), MAX_SHOWN_PROBLEMS)
        if hidden > 0:
            typer.echo(f"… and {hidden} more bad row(s)", err=True)
        if strict:
            typer.echo(f"error: {csv.rows_skipped} bad row(s) in {data} (--strict)", err=True)
            raise typer.Exit(1)
        typer.echo(
            f"warning: skipped {csv.rows_skipped} bad row(s) of {csv.rows_read} in {data}",
            err=True,
        )

    report = toolkit.evaluate(loaded, csv.by_slo, at=when)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    print_table(report.as_dict())


def print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from ekkyo.cli import format as fmt

    table = Table(title=f"Evaluated at {report['evaluated_at']}", title_justify="left")
    for column in ("SLO", "objective", "target", "SLI", "budget left", "fastest burn"):
        table.add_column(column, justify="left" if column in {"SLO", "objective"} else "right")
    table.add_column("alerts")
    table.add_column("exhausted in", justify="right")
    for r in report["results"]:
        burn = fmt.fastest_burn(r)
        remaining = r["error_budget"]["remaining_ratio"]
        style = "red" if remaining is not None and remaining <= 0 else None
        table.add_row(
            r["slo"],
            r["objective"],
            fmt.percent(r["target"]),
            fmt.percent(r["sli"]),
            fmt.percent(remaining, 1),
            f"{burn[1]:.2f}× ({burn[0]})" if burn else "—",
            fmt.alerts(r),
            fmt.duration(r["time_to_exhaustion_s"]),
            style=style,
        )
    Console(width=max(120, Console().width)).print(table)
