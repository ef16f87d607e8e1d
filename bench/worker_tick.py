"""Benchmark of the worker's tick: 10,000 SLOs with 30-day windows, one new minute a tick.

    .venv/bin/python bench/worker_tick.py                  # SQLite, and PostgreSQL if set up
    .venv/bin/python bench/worker_tick.py --quick          # smoke run: 200 SLOs, 4 days
    .venv/bin/python bench/worker_tick.py --record         # also append to bench/RESULTS.md
    .venv/bin/python bench/worker_tick.py --database postgres \\
        --database-url postgres://ekkyo:ekkyo@127.0.0.1:5432/ekkyo

PostgreSQL runs when ``--database-url`` or ``EKKYO_TEST_DATABASE_URL`` names a server; a
throwaway database is created on it and dropped afterwards.  Each database runs in a child
process with a fresh database:

1. setup (not timed as a tick): N SLOs (Occurrences, 30d rolling, pushed data, target
   99.9 %) and D days of per-minute history up to the first tick, written as day chunks
   with the store's codec (lognormal traffic per SLO, a per-SLO error rate);
2. **cold start**: the first tick of a worker that holds nothing: lease every SLO, load its
   history from the store into incremental evaluators, evaluate, store N statuses;
3. **ticks**: before each, one new minute for every SLO goes through the store as a push
   would (``store.append_columns``, one batch of N buckets, not timed); then a worker tick
   with a pinned clock.  Reported: the evaluate step — read the new data
   (``changes_since``), evaluate, store N snapshots; target **<= 1 s** — and the whole
   tick with lease renewal and compaction of that batch into N day chunks;
4. check: the statuses of 20 SLOs equal a full evaluation (``engine.evaluate`` on
   ``store.read_series``).

``--record`` appends a dated section to ``bench/RESULTS.md`` (it never rewrites it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
START = int(dt.datetime(2026, 4, 1, tzinfo=dt.UTC).timestamp())  # the first tick
SEED = 20260401
TARGET_S = 1.0


# --- the child: one database ----------------------------------------------------------


def _setup(n_slos: int, days: int) -> dict[str, float]:
    import numpy as np
    from django.core.management import call_command

    from ekkyo.catalog.models import SLO, Lifecycle, Service
    from ekkyo.catalog.services import spec_hash
    from ekkyo.series import codec
    from ekkyo.series.models import Chunk
    from ekkyo.teams.models import Team

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    service = Service.objects.create(name="shop", team=Team.objects.create(slug="t", name="T"))
    slos = []
    for i in range(n_slos):
        name = f"bench-{i:05d}"
        doc = {
            "apiVersion": "openslo/v1",
            "kind": "SLO",
            "metadata": {"name": name},
            "spec": {
                "service": "shop",
                "indicator": {
                    "metadata": {"name": f"{name}-sli"},
                    "spec": {
                        "ratioMetric": {
                            "counter": False,
                            "good": {"metricSource": {"type": "push"}},
                            "total": {"metricSource": {"type": "push"}},
                        }
                    },
                },
                "timeWindow": [{"duration": "30d", "isRolling": True}],
                "budgetingMethod": "Occurrences",
                "objectives": [{"displayName": "availability", "target": 0.999}],
            },
        }
        slos.append(
            SLO(
                name=name,
                service=service,
                spec=doc,
                spec_hash=spec_hash(doc),
                source_type="push",
                lifecycle=Lifecycle.ACTIVE,
                next_evaluation_at=dt.datetime.fromtimestamp(0, dt.UTC),
            )
        )
    SLO.objects.bulk_create(slos, batch_size=1000)
    ids = np.array(sorted(SLO.objects.values_list("id", flat=True)))
    migrate_and_slos = time.perf_counter() - t0

    t1 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    level = rng.lognormal(3.0, 1.2, n_slos)  # events per minute
    error_rate = rng.uniform(0.0, 0.002, n_slos)
    first_day = START // 86400 - days
    for d in range(days):
        total = rng.poisson(level[:, None], (n_slos, 1440)).astype(np.int64)
        bad = rng.binomial(total, error_rate[:, None]).astype(np.int64)
        day = dt.date(1970, 1, 1) + dt.timedelta(days=first_day + d)
        nan = np.full(1440, np.nan)
        Chunk.objects.bulk_create(
            [
                Chunk(
                    slo_id=int(ids[i]),
                    objective_key="",
                    day=day,
                    data=codec.encode_chunk(codec.DayArrays(total[i], bad[i], nan)),
                    last_seq=0,
                )
                for i in range(n_slos)
            ],
            batch_size=1000,
        )
    return {
        "migrate_and_slos_s": migrate_and_slos,
        "history_s": time.perf_counter() - t1,
        "level_mean": float(level.mean()),
    }


def _push_minute(ids: list[int], minute: int, rng: Any) -> None:
    import numpy as np

    from ekkyo.series import store
    from ekkyo.series.codec import Columns

    n = len(ids)
    total = rng.poisson(20.0, n).astype(np.float64)
    good = total - rng.binomial(total.astype(np.int64), 0.001)
    cols = Columns(
        series=[(i, "") for i in ids],
        index=np.arange(n, dtype=np.uint32),
        t=np.full(n, minute, dtype=np.int64),
        good=good,
        total=total,
        value=np.full(n, np.nan),
    )
    store.append_columns(cols, idempotency_key=f"bench-{minute}")


def _check(sample: list[int], at: int) -> int:
    """How many of ``sample`` have statuses equal to a full evaluation."""
    from ekkyo import engine, toolkit
    from ekkyo.catalog.models import SLO
    from ekkyo.series import store
    from ekkyo.worker.models import SLOStatus

    same = 0
    for slo in SLO.objects.filter(id__in=sample):
        (named,) = toolkit.objectives_of_document(slo.spec)
        buckets = store.read_series(slo.id, "", at - 31 * 86400, at)
        result = engine.evaluate(toolkit.series_for(buckets, at), named.objective, at=at)
        stored = SLOStatus.objects.get(slo=slo).result
        expected = {"slo": slo.name, "objective": named.name, **result.as_dict()}
        same += stored == expected
    return same


def child(n_slos: int, days: int, ticks: int) -> dict[str, Any]:
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from ekkyo.worker.models import SLOStatus
    from ekkyo.worker.tick import Settings, Worker

    out: dict[str, Any] = {"vendor": connection.vendor, "slos": n_slos, "days": days}
    out |= _setup(n_slos, days)
    from ekkyo.catalog.models import SLO

    ids = sorted(SLO.objects.values_list("id", flat=True))
    rng = np.random.default_rng(SEED + 1)

    def at(seconds: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)

    worker = Worker(Settings(name="bench", delay_s=0), clock=lambda: at(START))
    _push_minute(ids, START - 60, rng)
    t0 = time.perf_counter()
    cold = worker.tick(at(START))
    out["cold_start_s"] = time.perf_counter() - t0
    assert cold.outcome is not None
    out["cold_load_s"] = cold.outcome.durations["load"]
    out["cold_save_s"] = cold.outcome.durations["save"]
    out["cold_evaluated"] = len(cold.evaluated)

    # The evaluate step's CPU time in this process: what the worker costs, as opposed to
    # waiting for the database server (on a busy shared machine both swell).
    cpu: list[float] = []
    step = worker.evaluate_step

    def timed_step(report: Any) -> bool:
        c0 = time.process_time()
        try:
            return step(report)
        finally:
            cpu.append(time.process_time() - c0)

    worker.evaluate_step = timed_step  # type: ignore[method-assign]
    rows = []
    for k in range(1, ticks + 1):
        now = START + 60 * k
        _push_minute(ids, now - 60, rng)
        t0 = time.perf_counter()
        report = worker.tick(at(now))
        wall = time.perf_counter() - t0
        assert report.outcome is not None and len(report.evaluated) == n_slos, "not all stored"
        d = report.outcome.durations
        rows.append(
            {
                "tick_s": wall,
                "evaluate_step_s": report.durations["evaluate"],
                "evaluate_cpu_s": cpu[-1],
                "compact_s": report.durations["compact"],
                "lease_s": report.durations["lease"],
                "read_s": d["read"],
                "feed_s": d["feed"],
                "evaluate_s": d["evaluate"],
                "save_s": d["save"],
                "late": report.outcome.late,
                "reloaded": len(report.outcome.reloaded),
            }
        )
    out["ticks"] = rows
    sample = ids[:: max(1, len(ids) // 20)][:20]
    out["checked"] = len(sample)
    out["equal_to_full"] = _check(sample, START + 60 * ticks)
    out["statuses"] = SLOStatus.objects.count()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# --- the parent ---------------------------------------------------------------------------


@contextlib.contextmanager
def _postgres(server_url: str) -> Iterator[str]:
    import psycopg

    name = f"ekkyo_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _run_child(database_url: str, n_slos: int, days: int, ticks: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ekkyo-bench-worker-") as data_dir:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ekkyo.server.settings",
            "EKKYO_DATA_DIR": data_dir,
            "DATABASE_URL": database_url,
            "EKKYO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        args = [sys.executable, __file__, "--child", str(n_slos), str(days), str(ticks)]
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"benchmark child failed:\n{done.stdout}\n{done.stderr[-4000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def machine_facts() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    import sqlite3

    import numpy as np

    return (
        f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, {mem}, load {load}; "
        f"Linux {platform.release()}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, SQLite {sqlite3.sqlite_version}"
    )


def _report(result: dict[str, Any]) -> list[str]:
    ticks = result["ticks"]

    def med(key: str) -> float:
        return statistics.median(t[key] for t in ticks)

    worst = max(t["evaluate_step_s"] for t in ticks)
    verdict = "meets" if med("evaluate_step_s") <= TARGET_S else "MISSES"
    each = ", ".join(f"{t['evaluate_step_s'] * 1000:.0f}" for t in ticks)
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["vendor"]]
    return [
        f"- **{name}**, {result['slos']:,} SLOs, {result['days']} days of history "
        f"(setup: migrate + SLOs {result['migrate_and_slos_s']:.1f} s, history chunks "
        f"{result['history_s']:.0f} s)",
        f"  - tick, evaluate step (read new data, evaluate, store {result['slos']:,} "
        f"snapshots): **{med('evaluate_step_s') * 1000:.0f} ms** median — {verdict} the "
        f"{TARGET_S:.0f} s target (ticks: {each} ms; worst {worst * 1000:.0f} ms); "
        f"read {med('read_s') * 1000:.0f} ms, feed {med('feed_s') * 1000:.0f} ms, "
        f"evaluate {med('evaluate_s') * 1000:.0f} ms, store {med('save_s') * 1000:.0f} ms; "
        f"the worker's own CPU {med('evaluate_cpu_s') * 1000:.0f} ms",
        f"  - whole tick with lease renewal ({med('lease_s') * 1000:.0f} ms) and compaction "
        f"of the pushed minute into {result['slos']:,} day chunks "
        f"({med('compact_s') * 1000:.0f} ms): {med('tick_s') * 1000:.0f} ms median",
        f"  - cold start (lease all, load {result['days']} days each from the store, "
        f"evaluate, store): "
        f"**{result['cold_start_s']:.1f} s**, of which loading {result['cold_load_s']:.1f} s"
        f" and storing {result['cold_save_s']:.1f} s",
        f"  - statuses equal to a full evaluation: {result['equal_to_full']}/"
        f"{result['checked']} checked; peak RSS {result['peak_rss_mb']:,.0f} MB",
    ]


def record(lines: list[str], quick: bool, command: str) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    entry = [
        "",
        f"## Worker tick: {stamp}{' (quick)' if quick else ''}",
        "",
        f"`{command}`",
        "",
        *lines,
        "",
    ]
    with RESULTS.open("a", encoding="utf-8") as f:  # append only, never rewrite
        f.write("\n".join(entry))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--slos", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--ticks", type=int, default=5)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EKKYO_TEST_DATABASE_URL", ""),
        help="a PostgreSQL server URL (default: EKKYO_TEST_DATABASE_URL)",
    )
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    n_slos, days, ticks = (200, 4, 3) if args.quick else (args.slos, args.days, args.ticks)
    lines: list[str] = []
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="ekkyo-bench-sqlite-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            result = _run_child(url, n_slos, days, ticks)
        lines += _report(result)
        print("\n".join(lines[-5:]), flush=True)
    if args.database in ("postgres", "both"):
        if not args.database_url:
            print("PostgreSQL skipped: give --database-url or set EKKYO_TEST_DATABASE_URL")
        else:
            with _postgres(args.database_url) as url:
                result = _run_child(url, n_slos, days, ticks)
            lines += _report(result)
            print("\n".join(lines[-5:]), flush=True)
    lines.append(f"- machine: {machine_facts()}")
    print(lines[-1])
    if args.record:
        command = "python bench/worker_tick.py" + (" --quick" if args.quick else "")
        record(lines, args.quick, command)


if __name__ == "__main__":
    main()
