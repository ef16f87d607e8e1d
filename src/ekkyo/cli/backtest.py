"""`ekkyo backtest`: which burn-rate alerts would have fired over a past period, and when."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ekkyo.cli import app

MAX_SHOWN_PROBLEMS = 20


@app.command()
def backtest(
    spec: list[Path] = typer.Option(
        ..., "--spec", help="OpenSLO/Sloth file or directory; repeat for several."
    ),
    data: Path = typer.Option(..., "--data", help="Bucket CSV (see docs/data.md)."),
    start: str = typer.Option(
        ..., "--from", help="First evaluation: ISO-8601 with a zone or Unix seconds."
    ),
    end: str = typer.Option(
        ..., "--to", help="Last evaluation: ISO-8601 with a zone or Unix seconds."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (see docs/alerting.md)."),
    strict: bool = typer.Option(
        False, "--strict", help="Fail on any bad CSV row instead of skipping it."
    ),
) -> None:
    """Replay the four burn-rate rules minute by minute: when each would have fired.

    Applies each SLO's ekkyo.dev/alert-for, ekkyo.dev/min-events and AlertCondition
    alertAfter as the worker does.
    """
    from ekkyo import toolkit
    from ekkyo.sources.csvfile import CsvError

    try:
        loaded = toolkit.load_specs(spec)
    except toolkit.SpecsInvalid as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"error: {len(exc.problems)} problem(s) in the specs", err=True)
        raise typer.Exit(1) from None
    times = []
    for flag, text in (("--from", start), ("--to", end)):
        try:
            times.append(toolkit.parse_time(text))
        except ValueError as exc:
            typer.echo(f"error: {flag}: {exc}", err=True)
            raise typer.Exit(2) from None
    t_from, t_to = times
    if t_to < t_from:
        typer.echo("error: --to is before --from", err=True)
        raise typer.Exit(2)
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

    report = run(loaded, csv.by_slo, t_from, t_to)
    for problem in report["problems"]:
        typer.echo(f"warning: {problem}", err=True)
    if as_json:
        report = {k: v for k, v in report.items() if k != "problems"}
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print_table(report)


def run(loaded: Any, buckets_by_slo: Any, t_from: int, t_to: int) -> dict[str, Any]:
    """The backtest of every SLO objective in spec order, as the JSON the CLI prints."""
    from ekkyo import specs, toolkit
    from ekkyo.alerting.config import alerting_config
    from ekkyo.engine.backtest import backtest as run_backtest
    from ekkyo.engine.result import iso_utc

    table = {}
    for obj in loaded.objects:
        document = specs.to_document(obj)
        table[(document["kind"], obj.metadata.name)] = document
    results = []
    problems: list[str] = []
    for slo in loaded.slos:
        config = alerting_config(specs.to_document(slo), lambda kind, name: table.get((kind, name)))
        problems += [f"{slo.name}: {p}" for p in config.problems]
        series = toolkit.series_for(buckets_by_slo.get(slo.name), t_to)
        for named in toolkit.objectives_of(slo):
            found = run_backtest(series, named.objective, t_from, t_to, config.settings)
            results.append({"slo": slo.name, "objective": named.name, **found.as_dict()})
    return {"from": iso_utc(t_from), "to": iso_utc(t_to), "results": results, "problems": problems}


def print_table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from ekkyo.cli import format as fmt

    table = Table(
        title=f"Alerts that would have fired from {report['from']} to {report['to']} (UTC)",
        title_justify="left",
    )
    table.add_column("SLO")
    table.add_column("objective")
    table.add_column("rule", no_wrap=True)
    table.add_column("fired", no_wrap=True)
    table.add_column("resolved", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("peak burn", justify="right", no_wrap=True)
    for r in report["results"]:
        rows = 0
        for rule in r["rules"]:
            for i in rule["intervals"]:
                peaks = i["peak_burn_rates"]
                table.add_row(
                    r["slo"],
                    r["objective"],
                    f"{rule['severity']} {rule['long_window']}/{rule['short_window']} "
                    f"> {i['factor']:g}",
                    _clock(i["start"]),
                    "still firing" if i["end"] is None else _clock(i["end"]),
                    fmt.duration(i["duration_s"]),
                    f"{peaks[rule['long_window']]:.1f}× / {peaks[rule['short_window']]:.1f}×",
                    style="red" if rule["severity"] == "page" else None,
                )
                rows += 1
        if not rows:
            table.add_row(r["slo"], r["objective"], "none would have fired")
    Console(width=max(120, Console().width)).print(table)


def _clock(iso: str) -> str:
    """``2026-01-01 03:18`` from ISO-8601 UTC: minutes are what the rules work in."""
    return iso[:16].replace("T", " ")
