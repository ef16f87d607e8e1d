"""Build, upgrade and read test databases, each in a process of its own.

Django reads its settings once per process, and these databases are files of their own
(not pytest's test database), so the tests run this module as a subprocess with
``DATABASE_URL`` pointing at the file (:func:`run`)::

    python -m tests.upgrade.build initial DB     # first migration of each ekkyo app, filled
    python -m tests.upgrade.build current DB     # the current code's migrations, filled
    python -m tests.upgrade.build upgrade DB     # `ekkyo migrate` DB, then read it back
    python -m tests.upgrade.build cut NAME [--state current|initial]
                                                 # write tests/upgrade/fixtures/NAME.{sql,json}

``initial`` and ``current`` print (as JSON) what the bucket store must give back;
``upgrade`` prints what the current code reads.  ``cut`` is how a release fixture is made
(docs/operations.md, "Upgrade fixtures").
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run(
    command: str, db: Path, *args: str, database_url: str = "", timeout: float = 120
) -> dict[str, Any]:
    """Run one command of this module on database file ``db``; its JSON output.

    With ``database_url`` (PostgreSQL) the command runs on that database instead, and
    ``db`` only names where the data directory (the keys) goes.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "EKKYO_DATA_DIR", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DATABASE_URL": database_url or f"sqlite:///{db.resolve()}",
        # Keys (secret, encryption) are generated next to the database, as in production.
        "EKKYO_DATA_DIR": str(db.resolve().parent),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.upgrade.build", command, str(db), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(f"build {command} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _setup() -> None:
    import django

    django.setup()


def initial_targets(loader: Any) -> list[tuple[str, str]]:
    """Each ekkyo app at its first migration; every other app (Django's) at its last.

    A first migration may need a later one of another app (a new app's ``0001`` that
    needs ``teams.0002``): then that app starts there, so the state is the earliest one
    in which every app exists.
    """
    from django.apps import apps

    graph = loader.graph
    starts = []
    for config in apps.get_app_configs():
        own = config.name.startswith("ekkyo.")
        starts += graph.root_nodes(config.label) if own else graph.leaf_nodes(config.label)
    needed = {node for start in starts for node in graph.forwards_plan(start)}
    latest: dict[str, tuple[str, str]] = {}
    for node in needed:
        # Within one app the migrations form a chain: the latest needs all the others.
        best = latest.get(node[0])
        if best is None or len(graph.forwards_plan(node)) > len(graph.forwards_plan(best)):
            latest[node[0]] = node
    return sorted(latest.values())


def _applied_state() -> Any:
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    return loader.project_state(nodes=sorted(loader.applied_migrations), at_end=True)


def _fill_and_report() -> dict[str, Any]:
    from django.db import transaction

    from tests.upgrade.fill import fill

    with transaction.atomic():
        expected = fill(_applied_state().apps)
    return expected | {"migrations": applied()}


def applied() -> dict[str, list[str]]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    out: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        out.setdefault(app, []).append(name)
    return out


def cmd_initial() -> dict[str, Any]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(initial_targets(executor.loader))
    return _fill_and_report()


def cmd_current() -> dict[str, Any]:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return _fill_and_report()


def cmd_upgrade(t_from: int, t_to: int) -> dict[str, Any]:
    """Migrate with the current code, then read every series, SLO and version back."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from ekkyo.catalog.models import SLO, SLOVersion
    from ekkyo.series import store
    from ekkyo.series.models import Chunk, IngestBatch
    from ekkyo.series.objectives import layout_of
    from ekkyo.specs import load_texts

    series: dict[str, Any] = {}
    names = dict(SLO.objects.values_list("id", "name"))
    keys = set(Chunk.objects.values_list("slo_id", "objective_key"))
    for batch in IngestBatch.objects.exclude(payload=None).values_list("payload", flat=True):
        from ekkyo.series.codec import decode_payload

        keys.update(decode_payload(batch).series)
    for slo_id, key in sorted(keys):
        found = store.read_series(slo_id, key, t_from, t_to)
        rows = {}
        for i, t in enumerate(found.t.tolist()):
            rows[str(int(t))] = [_num(found.good[i]), _num(found.total[i]), _num(found.value[i])]
        series[f"{names[slo_id]}/{key}"] = rows
    slos = {}
    for slo in SLO.objects.select_related("service").order_by("name"):
        versions = list(SLOVersion.objects.filter(slo=slo).order_by("number"))
        # The spec parser checks references, so the SLO is read with its Service.
        service = {
            "apiVersion": "openslo/v1",
            "kind": "Service",
            "metadata": {"name": slo.service.name},
            "spec": {},
        }
        text = json.dumps(slo.spec) + "\n---\n" + json.dumps(service)
        problems = load_texts([(f"{slo.name}.yaml", text)]).problems
        slos[slo.name] = {
            "version": slo.version,
            "versions": [v.number for v in versions],
            "latest_matches": bool(versions) and versions[-1].spec_hash == slo.spec_hash,
            "problems": [str(p) for p in problems],
            "series": [key for _name, key in layout_of(slo.spec).objectives],
        }
    return {"series": series, "slos": slos, "migrations": applied()}


def _num(x: float) -> float | None:
    return None if x != x else float(x)  # NaN -> None


def cmd_cut(name: str, state: str, commit: str) -> dict[str, Any]:
    """Fill a new database at ``state`` and write it as fixture ``name`` (SQL and JSON)."""
    from ekkyo import __version__
    from tests.upgrade.fill import digest

    with tempfile.TemporaryDirectory(prefix="ekkyo-fixture-") as tmp:
        db = Path(tmp) / "ekkyo.sqlite3"
        report = run(state, db)
        conn = sqlite3.connect(db)
        try:
            sql = "\n".join(conn.iterdump()) + "\n"
        finally:
            conn.close()
    commit = commit or _git_head()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    (FIXTURES / f"{name}.sql").write_text(sql, encoding="utf-8")
    meta = {
        "name": name,
        "state": state,
        "ekkyo_version": __version__,
        "commit": commit,
        "t0": report["t0"],
        "days": report["days"],
        "migrations": report["migrations"],
        "generated": report["generated"],
        # The full rows are in the SQL; their digest is what the upgrade must read back.
        "series": digest(report["series"]),
    }
    (FIXTURES / f"{name}.json").write_text(
        json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return {"written": [f"{name}.sql", f"{name}.json"], "bytes": len(sql)}


def _git_head() -> str:
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.upgrade.build")
    parser.add_argument("command", choices=["initial", "current", "upgrade", "cut"])
    parser.add_argument("target", help="database file, or the fixture name for 'cut'")
    parser.add_argument("--state", choices=["initial", "current"], default="current")
    parser.add_argument("--from", dest="t_from", type=int, default=0)
    parser.add_argument("--to", dest="t_to", type=int, default=2**31)
    parser.add_argument("--commit", default="", help="the commit a fixture is cut from")
    args = parser.parse_args(argv)
    if args.command == "cut":
        out = cmd_cut(args.target, args.state, args.commit)
    else:
        _setup()
        if args.command == "initial":
            out = cmd_initial()
        elif args.command == "current":
            out = cmd_current()
        else:
            out = cmd_upgrade(args.t_from, args.t_to)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
