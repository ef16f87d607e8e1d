"""A soak on loopback: the push API, the worker and 16 page readers, all at once.

    .venv/bin/python bench/soak.py                  # 10 minutes (the default)
    .venv/bin/python bench/soak.py --minutes 30
    .venv/bin/python bench/soak.py --quick          # a 40-second smoke run, fewer SLOs
    .venv/bin/python bench/soak.py --record         # also append a section to bench/RESULTS.md
    .venv/bin/python bench/soak.py --keep           # keep the data directory and the logs

Set-up: a fresh SQLite data directory (WAL), ``SLOS`` push SLOs in four teams (99.9 %,
30-day windows) with ``HISTORY_DAYS`` of minutes already stored, a member of every team
with a password (pages) and an API token (pushes).  Then, as deployed: ``ekkyo serve``
(gunicorn with its default number of processes, ``--web-workers`` to change it, and
``--web-threads`` 2) and one ``ekkyo worker`` (real clock, ``--delay 30``).

Load, for ``--minutes`` after a 30-second warm-up (``--quick``: 30 s after 10 s):

* a collector pushes every SLO's counts of the current minute every 10 s (one batch of
  ``SLOS`` buckets with its own idempotency key; the store adds the partial counts);
* 16 page readers (two processes of eight threads), each signed in with its own session,
  load a page, wait 0.5–1.5 s as a person would, and load the next: the portfolio, a team
  page, an SLO page, an SLO's chart JSON and its API status, at random.

Goals, checked at the end (the exit status is 1 when one is missed): **zero errors**
(every push acknowledged, every page a 200); **every pushed bucket stored** (after the
worker compacted, each SLO's good/total sums equal what was acknowledged); **p95 page
latency ≤ 300 ms**; **memory flat** (RSS of gunicorn's processes and of the worker at
the end within 20 % + 20 MiB of the start); and the worker kept up (every SLO evaluated
in the last 90 s of the load, every push compacted).  ``--quick`` reports latency and
memory without judging them: half a minute on a busy machine says little about either.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

# Imported after the path set-up, so that a checkout runs it as it is.
from tests.faults import kit  # noqa: E402

from ekkyo.cli.serve import default_workers  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
TEAMS = ["payments", "storefront", "logistics", "platform"]
READERS = 16
READER_PROCESSES = 2
PUSH_EVERY_S = 10.0
WARM_UP_S = 30.0
P95_GOAL_MS = 300.0
PASSWORD = "soak test password 42"

SETUP = """
import datetime as dt
import numpy as np
from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.services import upsert_user
from ekkyo.catalog.models import SLO, Service
from ekkyo.catalog.services import create_slo
from ekkyo.engine import Buckets
from ekkyo.series import store
from ekkyo.teams.models import Team
from django.core.management import call_command

call_command("migrate", interactive=False, verbosity=0)
ids = []
for k, slug in enumerate(TEAMS):
    team = Team.objects.create(slug=slug, name=slug.title())
    service = Service.objects.create(name=f"{slug}-api", team=team)
    for i in range(k, SLOS, len(TEAMS)):
        doc = {
            "apiVersion": "openslo/v1", "kind": "SLO", "metadata": {"name": f"slo-{i:03d}"},
            "spec": {
                "service": f"{slug}-api",
                "indicator": {"metadata": {"name": "sli"}, "spec": {"ratioMetric": {
                    "counter": True,
                    "good": {"metricSource": {"type": "push", "spec": {}}},
                    "total": {"metricSource": {"type": "push", "spec": {}}}}}},
                "timeWindow": [{"duration": "30d", "isRolling": True}],
                "budgetingMethod": "Occurrences",
                "objectives": [{"displayName": "availability", "target": 0.999}],
            },
        }
        ids.append(create_slo(doc, service, lifecycle="active").id)
SLO.objects.update(next_evaluation_at=dt.datetime.fromtimestamp(0, dt.UTC))
rng = np.random.default_rng(7)
minutes = np.arange(START - 60 * 1440 * HISTORY_DAYS, START, 60)
for part in range(0, len(ids), 20):
    rows = []
    for slo_id in ids[part:part + 20]:
        total = rng.integers(50, 150, len(minutes)).astype(float)
        bad = rng.binomial(total.astype(int), 0.0004).astype(float)
        rows.append((slo_id, "", Buckets.counts(minutes, total - bad, total)))
    store.append_columns(store.columns_from_series(rows))
    while store.compact().more:
        pass
user, _ = upsert_user("reader", role="member", teams=TEAMS, password=PASSWORD)
result = {"token": ApiToken.issue(user)[1]}
"""

COUNT = """
from ekkyo.catalog.models import SLO
from ekkyo.series import store
from ekkyo.series.models import IngestBatch
from ekkyo.worker.models import SLOStatus

result = {
    "uncompacted": IngestBatch.objects.filter(compacted_seq__isnull=True).count(),
    "oldest_status": min(s.computed_at for s in SLOStatus.objects.all()).timestamp(),
    "statuses": SLOStatus.objects.count(),
}
if CHECK:
    names = dict(SLO.objects.values_list("id", "name"))
    sums = {}
    for slo_id, name in names.items():
        b = store.read_series(slo_id, "", FROM, TO)
        sums[name] = [float(b.good.sum()), float(b.total.sum())]
    result["sums"] = sums
"""


# --------------------------------------------------------------------------- processes


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children (gunicorn's master and workers)."""
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.append(int(entry.name))
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# --------------------------------------------------------------------------- load


def _reader_process(args: tuple[int, int, int, float, list[str], float, str, mp.Queue]) -> None:
    port, threads, slos, stop_at, pages, think, token, out = args
    latencies: list[tuple[float, str, float, int | None]] = []
    lock = threading.Lock()

    def read(seed: int) -> None:
        rng = random.Random(seed)
        # A browser's session for pages, the API token for the status (API) calls.
        client = kit.Client(port, token=token, cookies=kit.sign_in(port, "reader", PASSWORD))
        while time.time() < stop_at:
            kind = rng.choice(pages)
            name = f"slo-{rng.randrange(slos):03d}"
            path = {
                "portfolio": "/",
                "team": f"/teams/{rng.choice(TEAMS)}",
                "slo": f"/slos/{name}",
                "chart": f"/slos/{name}/chart.json",
                "status": f"/api/v1/slos/{name}/status",
            }[kind]
            began = time.time()
            answer = client.get(path)
            with lock:
                latencies.append((began, kind, answer.elapsed_s * 1000, answer.status))
            time.sleep(rng.uniform(think * 0.5, think * 1.5))

    pool = [threading.Thread(target=read, args=(os.getpid() * 100 + i,)) for i in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    out.put(latencies)


class Collector(threading.Thread):
    """Pushes every SLO's counts of the current minute every ``PUSH_EVERY_S`` seconds."""

    def __init__(self, client: kit.Client, slos: int, stop_at: float, measure_from: float):
        super().__init__(daemon=True)
        self.client = client
        self.slos = slos
        self.stop_at = stop_at
        self.measure_from = measure_from
        self.pushes = 0
        self.errors: list[str] = []
        self.sums = {f"slo-{i:03d}": [0.0, 0.0] for i in range(slos)}
        self.first_minute: int | None = None
        self.latencies: list[float] = []

    def run(self) -> None:
        rng = random.Random(11)
        n = 0
        while time.time() < self.stop_at:
            began = time.time()
            minute = int(began) - int(began) % 60
            if self.first_minute is None:
                self.first_minute = minute
            items = []
            for i in range(self.slos):
                total = rng.randint(10, 30)
                good = total - (1 if rng.random() < 0.01 else 0)
                items.append({"slo": f"slo-{i:03d}", "t": minute, "good": good, "total": total})
            answer = self.client.push(f"soak-{n}", items)
            n += 1
            if began >= self.measure_from:
                self.latencies.append(answer.elapsed_s * 1000)
            if answer.status == 200:
                self.pushes += 1
                for item in items:
                    sums = self.sums[item["slo"]]
                    sums[0] += item["good"]
                    sums[1] += item["total"]
            else:
                self.errors.append(f"push {n}: HTTP {answer.status}")
            time.sleep(max(0.0, PUSH_EVERY_S - (time.time() - began)))


# --------------------------------------------------------------------------- the run


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import sqlite3

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version} (WAL); {platform.system()} {platform.release()}; "
        f"load average at the end {load} (the machine is shared with other jobs)"
    )


def run(args: argparse.Namespace) -> tuple[str, bool]:
    slos = 20 if args.quick else args.slos
    history_days = 2 if args.quick else args.history_days
    seconds = 30.0 if args.quick else args.minutes * 60
    warm_up = 10.0 if args.quick else WARM_UP_S
    workdir = Path(tempfile.mkdtemp(prefix="ekkyo-soak-"))
    if args.keep:
        print(f"data directory and logs: {workdir}")
    env = kit.env_for(workdir / "data")
    env["EKKYO_LOG_LEVEL"] = "WARNING"
    started = time.time()
    setup = kit.run_django(
        env,
        f"TEAMS, SLOS, HISTORY_DAYS, START, PASSWORD = {TEAMS!r}, {slos}, {history_days}, "
        f"{int(started) - int(started) % 60}, {PASSWORD!r}\n" + SETUP,
        timeout=1800,
    )
    print(
        f"set-up: {slos} SLOs with {history_days} days of history in {time.time() - started:.0f} s"
    )
    port = kit.free_port()
    server = kit.start_server(
        env, port, workdir / "serve.log", workers=args.web_workers, threads=args.web_threads
    )
    worker = kit.Process(
        [str(kit.BIN / "ekkyo"), "worker", "--delay", "30"], env, workdir / "worker.log"
    )
    pages = ["portfolio", "team", "slo", "chart", "status"]
    out: mp.Queue = mp.Queue()
    stop_at = time.time() + warm_up + seconds
    measure_from = time.time() + warm_up
    collector = Collector(kit.Client(port, token=setup["token"]), slos, stop_at, measure_from)
    collector.start()
    per_process = READERS // READER_PROCESSES
    readers = [
        mp.Process(
            target=_reader_process,
            args=((port, per_process, slos, stop_at, pages, args.think, setup["token"], out),),
        )
        for _ in range(READER_PROCESSES)
    ]
    for p in readers:
        p.start()
    memory: list[tuple[float, float, float]] = []
    ok = True
    try:
        while time.time() < stop_at:
            time.sleep(min(15.0, max(0.0, stop_at - time.time())))
            if time.time() >= measure_from - 1:
                memory.append((time.time(), rss_mib(server.popen.pid), rss_mib(worker.popen.pid)))
            if not (server.alive and worker.alive):
                break
        samples: list[tuple[float, str, float, int | None]] = []
        for _ in readers:
            samples += out.get(timeout=120)
        for p in readers:
            p.join(timeout=60)
        collector.join(timeout=120)
        alive = server.alive and worker.alive
        # Let the worker compact the last pushes and evaluate once more.
        deadline = time.time() + 180
        while True:
            state = kit.run_django(env, "CHECK = False\nFROM = TO = 0\n" + COUNT)
            if state["uncompacted"] == 0 and state["oldest_status"] > stop_at - 90:
                break
            if time.time() > deadline:
                break
            time.sleep(2)
        first = collector.first_minute or 0
        final = kit.run_django(
            env, f"CHECK = True\nFROM, TO = {first}, {int(time.time()) + 120}\n" + COUNT
        )
    finally:
        worker.kill(sig=15)
        server.kill(sig=15)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    # Every answer counts for errors; latencies are those after the warm-up (imports,
    # caches and the worker's first loads happen in it).
    errors = [s for _t, _k, _ms, s in samples if s != 200] + collector.errors
    measured = [(k, ms, s) for t, k, ms, s in samples if t >= measure_from]
    latencies = [ms for _k, ms, _s in measured]
    p95 = _pct(latencies, 0.95)
    stored_ok = final["sums"] == collector.sums
    # Every SLO evaluated in the last 90 s of the load (the worker evaluates each minute).
    kept_up = final["uncompacted"] == 0 and final["statuses"] == slos
    kept_up = kept_up and final["oldest_status"] > stop_at - 90
    web0, web1 = (memory[0][1], memory[-1][1]) if memory else (0, 0)
    wk0, wk1 = (memory[0][2], memory[-1][2]) if memory else (0, 0)
    flat = all(end <= start * 1.2 + 20 for start, end in ((web0, web1), (wk0, wk1)))
    goals = {
        "zero errors": not errors and alive,
        "every pushed bucket stored": stored_ok,
        "worker kept up": kept_up,
    }
    if not args.quick:
        goals["p95 page latency ≤ 300 ms"] = p95 <= P95_GOAL_MS
        goals["memory flat"] = flat
    ok = all(goals.values())
    by_kind = {kind: _pct([ms for k, ms, _s in measured if k == kind], 0.95) for kind in pages}
    buckets = collector.pushes * slos
    duration = seconds / 60
    lines = [
        f"- set-up: SQLite (WAL); {slos} push SLOs in {len(TEAMS)} teams (99.9 %, 30-day "
        f"windows, {history_days} days of history stored); `ekkyo serve --workers "
        f"{args.web_workers} --threads {args.web_threads}`; one `ekkyo worker --delay 30`",
        f"- load for {duration:g} min after a {warm_up:.0f} s warm-up: a push of every "
        f"SLO's current minute every {PUSH_EVERY_S:.0f} s ({collector.pushes} pushes, "
        f"{buckets:,} buckets, push p95 {_pct(collector.latencies, 0.95):.0f} ms); "
        f"{READERS} page readers ({READER_PROCESSES} processes × {per_process} threads, "
        f"{args.think * 0.5:g}–{args.think * 1.5:g} s between pages): {len(measured):,} "
        f"requests measured, {len(measured) / seconds:.1f}/s",
        f"- errors: **{len(errors)}** ({', '.join(map(str, errors[:5])) or 'none'})",
        f"- stored: {'**every pushed bucket**' if stored_ok else '**NOT every bucket**'} "
        f"(good/total sums of all {slos} SLOs equal the acknowledged pushes)",
        f"- page latency: median {statistics.median(latencies):.0f} ms, "
        f"**p95 {p95:.0f} ms** (goal ≤ {P95_GOAL_MS:.0f} ms), p99 {_pct(latencies, 0.99):.0f} ms, "
        f"max {max(latencies):.0f} ms; p95 by page: "
        + ", ".join(f"{k} {v:.0f} ms" for k, v in by_kind.items()),
        f"- memory (RSS, after the warm-up → at the end): web (gunicorn, all processes) "
        f"{web0:.0f} → {web1:.0f} MiB, worker {wk0:.0f} → {wk1:.0f} MiB "
        f"({len(memory)} samples)",
        f"- worker: every SLO evaluated within the last minutes and every push compacted: "
        f"{'yes' if kept_up else 'NO'}",
        "- goals: " + ", ".join(f"{name} {'✓' if met else '✗'}" for name, met in goals.items()),
    ]
    return "\n".join(lines), ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="measured minutes")
    parser.add_argument("--quick", action="store_true", help="a 40-second smoke run")
    parser.add_argument("--slos", type=int, default=100)
    parser.add_argument("--history-days", type=int, default=30)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between pages")
    parser.add_argument(
        "--web-workers", type=int, default=default_workers(), help="gunicorn processes"
    )
    parser.add_argument("--web-threads", type=int, default=2, help="threads per process")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and logs")
    args = parser.parse_args()
    report, ok = run(args)
    command = "bench/soak.py " + ("--quick" if args.quick else f"--minutes {args.minutes:g}")
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"\n## soak — {when}\n\n`{command}` on {_machine()}\n\n{report}\n"
    print(section)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(section)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
