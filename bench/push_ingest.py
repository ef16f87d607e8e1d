"""Push-API ingest over HTTP, compaction, and 30-day reads of the bucket store.

Starts gunicorn on loopback against a fresh database, creates SLOs and a member's token,
then several client processes (each with a few threads) push batches of 1,000 buckets
for ``--seconds``.  Every batch is all SLOs at one minute, the shape a collector that
pushes each minute produces.  Afterwards it compacts everything and checks that what the
server acknowledged is exactly what the chunks hold (count in = count stored), then times
reads of 30 days of one SLO.

    .venv/bin/python bench/push_ingest.py [--seconds 60] [--record]
    .venv/bin/python bench/push_ingest.py --database-url postgres://ekkyo:ekkyo@127.0.0.1/ekkyo_bench

``--record`` appends a dated section to ``bench/RESULTS.md``.  With ``--database-url``
the database is emptied first (flush): point it at a database kept for benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import multiprocessing as mp
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
VENV_BIN = ROOT / ".venv" / "bin"
BASE_T = 1_704_067_200  # 2024-01-01T00:00:00Z
TOTAL = 1000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _good(slo_index: int) -> int:
    return TOTAL - slo_index % 3


def _template(n_slos: int) -> str:
    items = [
        f'{{"slo":"bench-{i:05d}","t":"@T@","good":{_good(i)},"total":{TOTAL}}}'
        for i in range(n_slos)
    ]
    return '{"idempotency_key":"@K@","buckets":[' + ",".join(items) + "]}"


WARM_UP_MINUTE = 500_000  # warm-up pushes use minutes far from the measured ones


def _push(port: int, token: str, template: str, minute: int) -> bool:
    """Push one batch (every SLO at ``minute``); True when acknowledged."""
    t = dt.datetime.fromtimestamp(BASE_T + 60 * minute, dt.UTC).isoformat()
    body = template.replace("@T@", t).replace("@K@", f"bench-{minute}").encode()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request(
            "POST",
            "/api/v1/buckets",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        conn.close()
    except OSError:
        return False
    return response.status == 200


def _warm_up(port: int, token: str, n_slos: int, workers: int) -> int:
    """Push until every worker has served pushes (imports, caches); returns acknowledged."""
    template = _template(n_slos)
    acked = []

    def run(first: int) -> None:
        for minute in range(first, first + 4):
            acked.append(_push(port, token, template, WARM_UP_MINUTE + minute))

    pool = [threading.Thread(target=run, args=(4 * i,)) for i in range(2 * workers)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return sum(acked)


def _client(args: tuple[int, int, int, str, int, float, int, mp.Queue]) -> None:
    proc, n_procs, threads, token, port, seconds, n_slos, out = args
    template = _template(n_slos)
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    tally = {"batches": 0, "errors": 0, "latencies": []}
    lanes = n_procs * threads

    def run(thread: int) -> None:
        lane = proc * threads + thread
        k = 0
        while time.monotonic() < stop_at:
            minute = lane + k * lanes
            k += 1
            began = time.perf_counter()
            ok = _push(port, token, template, minute)
            with lock:
                if ok:
                    tally["batches"] += 1
                    tally["latencies"].append(time.perf_counter() - began)
                else:
                    tally["errors"] += 1

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    tally["cpu_s"] = time.process_time()
    out.put(tally)


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ekkyo.server.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _ratio_doc(name: str) -> dict[str, object]:
    push_source = {"metricSource": {"type": "push"}}
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name},
        "spec": {
            "service": "bench",
            "budgetingMethod": "Occurrences",
            "indicator": {
                "metadata": {"name": name},
                "spec": {"ratioMetric": {"good": push_source, "total": push_source}},
            },
            "objectives": [{"displayName": "availability", "target": 0.999}],
        },
    }


def _setup(n_slos: int) -> str:
    from django.core.management import call_command

    from ekkyo.accounts.models import ApiToken
    from ekkyo.accounts.services import upsert_user
    from ekkyo.catalog.models import SLO, Service
    from ekkyo.teams.models import Team

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    team = Team.objects.create(slug="bench", name="Bench")
    service = Service.objects.create(name="bench", team=team)
    SLO.objects.bulk_create(
        SLO(
            name=f"bench-{i:05d}", service=service, spec=_ratio_doc(f"bench-{i:05d}"), spec_hash="x"
        )
        for i in range(n_slos)
    )
    user, _ = upsert_user("bench", role="member", teams=["bench"])
    return ApiToken.issue(user)[1]


def _serve(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "ekkyo.server.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *(
                ["--access-logfile", os.environ["BENCH_ACCESS_LOG"], "--access-logformat", "%(M)s"]
                if os.environ.get("BENCH_ACCESS_LOG")
                else []
            ),
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("gunicorn did not start")


class _Compactor(threading.Thread):
    """Compacts every ``every`` seconds during the pushes, as the worker's tick does."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.done = threading.Event()
        self.batches = 0
        self.held: list[float] = []

    def run(self) -> None:
        from django.db import connections

        from ekkyo.series import store

        if self.every <= 0:
            return
        while not self.done.wait(self.every):
            while True:
                began = time.perf_counter()
                result = store.compact(max_batches=100)
                self.held.append(time.perf_counter() - began)
                self.batches += result.batches
                if not result.more or self.done.is_set():
                    break
        connections.close_all()

    def stop(self) -> None:
        self.done.set()
        self.join()


def _verify(acked_batches: int, n_slos: int) -> dict[str, float]:
    import numpy as np

    from ekkyo.series import codec, store
    from ekkyo.series.models import Chunk, IngestBatch

    began = time.perf_counter()
    folded = 0
    while True:
        result = store.compact(max_batches=200)
        folded += result.batches
        if not result.more:
            break
    compaction_s = time.perf_counter() - began
    minutes = total = good = 0
    for data in Chunk.objects.values_list("data", flat=True).iterator(chunk_size=500):
        day = codec.decode_chunk(data)
        minutes += int(np.count_nonzero(day.total))
        total += int(day.total.sum())
        good += int((day.total - day.bad).sum())
    stored_batches = IngestBatch.objects.count()
    expected_good = sum(_good(i) for i in range(n_slos)) * acked_batches
    return {
        "compaction_s": compaction_s,
        "batches_folded": folded,
        "stored_batches": stored_batches,
        "stored_buckets": minutes,
        "good_ok": good == expected_good and total == TOTAL * n_slos * acked_batches,
    }


def _reads(n_reads: int) -> dict[str, float]:
    """Time reads of 30 days of one SLO that has 31 days of data (compacted, plus pending)."""
    import numpy as np

    from ekkyo.catalog.models import SLO
    from ekkyo.engine.buckets import Buckets
    from ekkyo.series import store

    slo = SLO.objects.get(name="bench-00000")
    start = BASE_T - 31 * 86400
    t = start + 60 * np.arange(31 * 1440)
    store.append([(slo.id, "", Buckets.counts(t, t % 7, t % 7 + 3))], body_hash="read-bench")
    while store.compact(max_batches=200).more:
        pass
    end = BASE_T
    samples = []
    for _ in range(n_reads):
        began = time.perf_counter()
        buckets = store.read_series(slo.id, "", end - 30 * 86400, end)
        samples.append(time.perf_counter() - began)
    assert len(buckets) == 30 * 1440, len(buckets)
    samples.sort()
    return {
        "read_median_ms": statistics.median(samples) * 1e3,
        "read_p95_ms": samples[int(0.95 * len(samples))] * 1e3,
    }


def _tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process and its children (Linux /proc)."""
    total = 0.0
    pids = [pid]
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(k) for k in kids]
        for p in pids:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return total


def _machine(database: str) -> str:
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
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}; "
        f"{database}; {platform.system()} {platform.release()}; load average at the end "
        f"{load} (the machine is shared with other jobs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--slos", type=int, default=1000, help="SLOs = buckets per batch")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=3, help="threads per client process")
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument(
        "--compact-every",
        type=float,
        default=5,
        help="seconds between compactions during the pushes (0: only afterwards)",
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="ekkyo-bench-push-")
    env = {"EKKYO_DATA_DIR": data_dir, "DATABASE_URL": args.database_url}
    _django(env)
    token = _setup(args.slos)
    from django.db import connection, connections

    database = (
        f"SQLite {sqlite3.sqlite_version} (WAL)"
        if connection.vendor == "sqlite"
        else f"PostgreSQL {connection.pg_version // 10000}"
    )
    connections.close_all()

    port = _free_port()
    server = _serve(port, args.workers, env)
    queue: mp.Queue = mp.get_context("spawn").Queue()
    procs = [
        mp.get_context("spawn").Process(
            target=_client,
            args=((p, args.procs, args.threads, token, port, args.seconds, args.slos, queue),),
        )
        for p in range(args.procs)
    ]
    warm = _warm_up(port, token, args.slos, args.workers)
    server_cpu = _tree_cpu(server.pid)
    compactor = _Compactor(args.compact_every)
    began = time.perf_counter()
    for p in procs:
        p.start()
    compactor.start()
    tallies = [queue.get() for _ in procs]
    elapsed = time.perf_counter() - began
    compactor.stop()
    for p in procs:
        p.join()
    server_cpu = _tree_cpu(server.pid) - server_cpu
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)

    batches = sum(t["batches"] for t in tallies)
    errors = sum(t["errors"] for t in tallies)
    latencies = sorted(x for t in tallies for x in t["latencies"])
    rate = batches * args.slos / elapsed
    check = _verify(batches + warm, args.slos)
    reads = _reads(args.reads)
    lost = (batches + warm) * args.slos - check["stored_buckets"]
    lines = [
        f"- database: {database}; gunicorn {args.workers} sync workers; "
        f"{args.procs} client processes × {args.threads} threads, one connection per push",
        f"- pushed {batches:,} batches of {args.slos:,} buckets in {elapsed:.1f} s: "
        f"**{rate:,.0f} buckets/s** ({batches / elapsed:.0f} pushes/s), {errors} failed pushes",
        f"- push latency: median {statistics.median(latencies) * 1e3:.1f} ms, "
        f"p95 {latencies[int(0.95 * len(latencies))] * 1e3:.1f} ms; CPU per push: server "
        f"{server_cpu / max(batches, 1) * 1e3:.1f} ms, client "
        f"{sum(t['cpu_s'] for t in tallies) / max(batches, 1) * 1e3:.1f} ms",
        f"- compaction during the pushes (every {args.compact_every:g} s, up to 100 batches "
        f"a call): {compactor.batches:,} batches, longest call (planning and writing) "
        f"{max(compactor.held, default=0) * 1e3:.0f} ms",
        f"- compaction afterwards: {check['batches_folded']:,} batches "
        f"({check['batches_folded'] * args.slos:,} buckets) in {check['compaction_s']:.1f} s "
        f"= {check['batches_folded'] * args.slos / check['compaction_s']:,.0f} buckets/s",
        f"- stored after compaction (with {warm} warm-up pushes before the clock started): "
        f"{check['stored_buckets']:,} buckets, lost: **{lost}**, "
        f"sums of good/total match: {check['good_ok']}",
        f"- read 30 days of one SLO (31 chunks): median {reads['read_median_ms']:.2f} ms, "
        f"p95 {reads['read_p95_ms']:.2f} ms",
    ]
    print("\n".join(lines))
    if args.record:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        section = (
            f"\n## push_ingest — {stamp}\n\n"
            f"`bench/push_ingest.py --seconds {args.seconds:g}` on {_machine(database)}\n\n"
            + "\n".join(lines)
            + "\n"
        )
        with RESULTS.open("a", encoding="utf-8") as fh:
            fh.write(section)
    shutil.rmtree(data_dir, ignore_errors=True)
    if lost or not check["good_ok"]:
        raise SystemExit("buckets were lost or counted twice")


if __name__ == "__main__":
    main()
