"""`ekkyo compile prometheus|newrelic|grafana PATH…`: rules, definitions and dashboards.

Nothing is written unless everything compiled: outputs go to temporary files beside their
destinations and are renamed into place at the end (a rename is atomic on one file system).
"""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ekkyo.cli import app

if TYPE_CHECKING:
    from ekkyo.rules.common import CompileError
    from ekkyo.specs import LoadResult, Problem

compile_app = typer.Typer(
    name="compile",
    help="Compile SLO specs into Prometheus rules, New Relic definitions or a Grafana dashboard.",
    no_args_is_help=True,
)
app.add_typer(compile_app, name="compile")

PATHS = typer.Argument(
    ..., help="Spec files or directories (searched for *.yaml and *.yml).", show_default=False
)
OUTPUT = typer.Option(None, "-o", "--output", help="Write here (atomically) instead of stdout.")


class RuleFormat(StrEnum):
    rules = "rules"
    operator = "operator"


class PeriodSli(StrEnum):
    average = "average"
    events = "events"


@compile_app.command("prometheus")
def prometheus(
    paths: list[Path] = PATHS,
    output: Path | None = OUTPUT,
    tests: Path | None = typer.Option(
        None,
        "--tests",
        help="Also write `promtool test rules` files here (with each SLO's rule file).",
    ),
    fmt: RuleFormat = typer.Option(
        RuleFormat.rules,
        "--format",
        help="rules: a Prometheus rule file; operator: Prometheus Operator PrometheusRule objects.",
    ),
    period_sli: PeriodSli = typer.Option(
        PeriodSli.average,
        "--period-sli",
        help="average: Sloth's average of 5-minute ratios; events: errors over events.",
    ),
) -> None:
    """Recording and alerting rules (Sloth-compatible) for Prometheus-sourced SLOs."""
    from ekkyo import __version__
    from ekkyo.rules import yamltext
    from ekkyo.rules.prometheus import Options, compile_prometheus, render
    from ekkyo.rules.promtests import unit_test_files

    loaded = _load(paths)
    options = Options(
        period_sli=period_sli.value,  # type: ignore[arg-type]
        version=__version__,
        mode="cli-gen-k8s" if fmt is RuleFormat.operator else "cli-gen-prom",
    )
    rules = compile_prometheus(loaded.slos, loaded.objects, options)
    _report(loaded, rules.notes, rules.errors)
    outputs: dict[Path, str] = {}
    if tests is not None:
        for test in unit_test_files(rules):
            outputs[tests / test.path] = yamltext.dump(test.document)
            outputs[tests / test.rules_path] = yamltext.dump({"groups": list(test.rules_groups)})
    _emit(render(rules, fmt.value, options), output, outputs)  # type: ignore[arg-type]
    typer.echo(f"{len(rules.compiled)} SLO objective(s) compiled to Prometheus rules", err=True)


@compile_app.command("newrelic")
def newrelic(paths: list[Path] = PATHS, output: Path | None = OUTPUT) -> None:
    """NerdGraph service levels and burn-rate NRQL alert conditions for New Relic SLOs."""
    import json

    from ekkyo.rules.newrelic import compile_newrelic

    loaded = _load(paths)
    compiled = compile_newrelic(loaded.slos, loaded.objects)
    _report(loaded, compiled.notes, compiled.errors)
    _emit(json.dumps(compiled.document(), ensure_ascii=False, indent=2) + "\n", output, {})
    typer.echo(f"{len(compiled.service_levels)} New Relic service level(s) compiled", err=True)


@compile_app.command("grafana")
def grafana(
    paths: list[Path] = PATHS,
    output: Path | None = OUTPUT,
    datasource: str = typer.Option(
        "prometheus", "--datasource", help="UID of the Prometheus data source in Grafana."
    ),
) -> None:
    """A Grafana dashboard over the compiled recording rules, per service and SLO."""
    import json

    from ekkyo.rules.grafana import dashboard
    from ekkyo.rules.prometheus import compile_prometheus

    loaded = _load(paths)
    rules = compile_prometheus(loaded.slos, loaded.objects)
    _report(loaded, rules.notes, rules.errors)
    board = dashboard(rules, datasource_uid=datasource)
    _emit(json.dumps(board, ensure_ascii=False, indent=2) + "\n", output, {})


# --- shared steps ---------------------------------------------------------------------------


def _load(paths: list[Path]) -> LoadResult:
    from ekkyo.cli.validate import exit_on_missing
    from ekkyo.specs import load_paths

    exit_on_missing(paths)
    loaded = load_paths(paths)
    if not loaded.ok:
        for problem in loaded.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"error: {len(loaded.problems)} problem(s) in the specs", err=True)
        raise typer.Exit(1)
    return loaded


def _report(loaded: LoadResult, notes: Any, errors: Any) -> None:
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    if errors:
        for error in errors:
            typer.echo(str(locate(loaded, error)), err=True)
        typer.echo(f"error: {len(errors)} SLO(s) could not be compiled; nothing written", err=True)
        raise typer.Exit(1)


def _emit(text: str, output: Path | None, extra: dict[Path, str]) -> None:
    files = dict(extra)
    if output is not None:
        files[output] = text
    try:
        write_atomically(files)
    except OSError as exc:
        typer.echo(f"error: cannot write {exc.filename or ''}: {exc.strerror or exc}", err=True)
        raise typer.Exit(1) from None
    if output is None:
        typer.echo(text, nl=False)


def write_atomically(files: dict[Path, str]) -> None:
    """Write every file or none: all go to temporary files first, then are renamed."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            staged.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


# --- where a compile error is in the files ---------------------------------------------------


def locate(loaded: LoadResult, error: CompileError) -> Problem:
    """``PATH:LINE:COL`` of the field an error names, found by reading the files again."""
    from ekkyo.specs import Problem
    from ekkyo.specs.yaml import locate as locate_in
    from ekkyo.specs.yaml import parse_documents

    docs = []
    for path in loaded.files:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError:
            continue
        docs.extend((path, doc) for doc in parse_documents(text, path)[0])

    def find(kind: str, name: str) -> tuple[str, Any] | None:
        for path, doc in docs:
            data = doc.data
            if (
                isinstance(data, dict)
                and data.get("kind") == kind
                and isinstance(data.get("metadata"), dict)
                and data["metadata"].get("name") == name
            ):
                return path, doc
        return None

    found = find("SLO", error.slo)
    loc = error.loc
    if found is not None:
        path, doc = found
        spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
        ref = spec.get("indicatorRef") if isinstance(spec, dict) else None
        if loc[:3] == ("spec", "indicator", "spec") and isinstance(ref, str):
            sli = find("SLI", ref)
            if sli is not None:
                path, doc = sli
                loc = ("spec", *loc[3:])
        pos = locate_in(doc.node, doc.start, loc).value
        return Problem(path, pos.line, pos.col, f"{error.field}: {error.message}")
    first = loaded.files[0] if loaded.files else "<specs>"
    return Problem(first, 1, 1, f"SLO {error.slo}: {error.field}: {error.message}")
