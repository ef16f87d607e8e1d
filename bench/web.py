"""Web pages under load: the portfolio with 1,000 SLOs and an SLO's 90-day chart data.

Builds a fresh database (1,000 SLOs through the catalog service, with realistic OpenSLO
documents and the worker's status snapshots; one SLO with 90 days of per-minute data in
the bucket store), starts ``ekkyo serve`` (gunicorn) on loopback, signs a viewer in through
the sign-in form, then loads

- the portfolio ``/`` with 16 concurrent clients (target: p95 <= 300 ms), and
- ``/slos/<name>/chart.json?days=90`` (target: p95 <= 100 ms), one client at a time and
  with 16 concurrent clients,

with Debian's ``wrk`` (a Lua script sends the session cookie and reports percentiles) or,
without it or with ``--client python``, a Python client with 16 threads.  Every response
must be 200: errors are counted and fail the run.

    .venv/bin/python bench/web.py [--seconds 20] [--record]
    .venv/bin/python bench/web.py --quick          # a smoke run: 50 SLOs, 7 days, 2 s

``--record`` appends a dated section with the machine's facts to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
# The virtualenv this script runs in (`.venv/bin/python bench/web.py`) has `ekkyo`.
VENV_BIN = Path(sys.executable).parent
CHART_SLO = "checkout-api-availability"
PORTFOLIO_TARGET_MS = 300.0
CHART_TARGET_MS = 100.0
MINUTE = 60
DAY = 86_400

# --- the catalog ---------------------------------------------------------------------------

TEAMS = [
    ("checkout", "Checkout", "決済"),
    ("search", "Search", "検索"),
    ("catalog", "Catalog", "商品カタログ"),
    ("mobile", "Mobile app", "モバイルアプリ"),
    ("logistics", "Logistics", "物流"),
    ("payments", "Payments", "ペイメント"),
    ("identity", "Identity", "認証"),
    ("store-ops", "Store operations", "店舗運営"),
    ("data", "Data platform", "データ基盤"),
    ("platform", "Platform", "プラットフォーム"),
]
JOURNEYS = ["browse", "search", "cart", "checkout", "login", "orders", "stock", "delivery"]


def _source(kind: str, query: str) -> dict[str, Any]:
    if kind == "push":
        return {"metricSource": {"type": "push", "spec": {}}}
    if kind == "newrelic":
        return {"metricSource": {"type": "NewRelic", "spec": {"nrql": query}}}
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def slo_document(i: int, service: str, name: str) -> dict[str, Any]:
    """One of five realistic shapes, chosen by ``i``: what teams write in OpenSLO v1."""
    journey = JOURNEYS[i % len(JOURNEYS)]
    shape = i % 5
    kind = ("Prometheus", "newrelic", "push")[i % 3] if name != CHART_SLO else "push"
    metric = f'http_requests_total{{service="{service}",journey="{journey}"'
    if shape in (0, 1, 2):
        good_q = metric + ',code!~"5.."}'
        indicator = {
            "ratioMetric": {
                "counter": True,
                "good": _source(kind, good_q),
                "total": _source(kind, metric + "}"),
            }
        }
        window = [
            {"duration": "30d", "isRolling": True},
            {"duration": "28d", "isRolling": True},
            {
                "duration": "1M",
                "isRolling": False,
                "calendar": {"startTime": "2024-01-01 00:00:00", "timeZone": "Asia/Tokyo"},
            },
        ][shape]
        objectives = [{"displayName": "availability", "target": (0.999, 0.995, 0.99)[shape]}]
        if shape == 1:
            objectives.append({"displayName": "relaxed", "target": 0.98})
        budgeting = "Occurrences"
    else:
        latency_q = (
            f"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{"
            f'service="{service}",journey="{journey}"}}[1m])))'
        )
        indicator = {"thresholdMetric": _source(kind, latency_q)}
        window = {"duration": "7d" if shape == 3 else "30d", "isRolling": True}
        objectives = [
            {
                "displayName": "p95 under 300 ms",
                "op": "lt",
                "value": 0.3,
                "target": 0.95,
                "timeSliceTarget": 0.9,
                "timeSliceWindow": "5m",
            },
        ]
        budgeting = "Timeslices"
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {
            "name": name,
            "displayName": f"{service} {journey} {'availability' if shape < 3 else 'latency'}",
            "annotations": {"ekkyo.dev/owner": service, "ekkyo.dev/journey": journey},
        },
        "spec": {
            "description": f"Users can {journey} on {service} without errors or waiting.",
            "service": service,
            "indicator": {"metadata": {"name": f"{name}-sli"}, "spec": indicator},
            "timeWindow": [window],
            "budgetingMethod": budgeting,
            "objectives": objectives,
        },
    }


def _result(
    name: str, objective: str, target: float, at: dt.datetime, state: str, rng: Any
) -> dict[str, Any]:
    """A result object as the worker stores it (SLO_MATH.md), with plausible numbers."""
    remaining = {
        "healthy": rng.uniform(0.4, 1.0),
        "at_risk": rng.uniform(0.05, 0.4),
        "exhausted": rng.uniform(-0.8, 0.0),
    }[state]
    total = float(rng.integers(1_000_000, 50_000_000))
    allowed = total * (1 - target)
    bad = allowed * (1 - remaining)
    burn = {
        w: float(rng.uniform(0, 3 if state == "healthy" else 20))
        for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
    }
    return {
        "slo": name,
        "objective": objective,
        "target": target,
        "window": {
            "start": (at - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "length_s": 30 * DAY,
        },
        "sli": 1 - bad / total,
        "good": total - bad,
        "total": total,
        "error_budget": {
            "allowed_bad": allowed,
            "consumed_ratio": 1 - remaining,
            "remaining_ratio": remaining,
        },
        "burn_rates": burn,
        "alerts": [],
        "time_to_exhaustion_s": None if state == "healthy" else float(rng.uniform(3600, 9 * DAY)),
    }


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "ekkyo.server.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


@dataclass
class Built:
    slos: int
    objectives: int
    statuses: int
    minutes: int
    seconds: float
    states: dict[str, int] = field(default_factory=dict)


def build(n_slos: int, chart_days: int, now: dt.datetime, password: str) -> Built:
    """The catalog, the statuses and the chart SLO's data, in a fresh database."""
    import numpy as np
    from django.core.management import call_command

    from ekkyo.accounts.services import upsert_user
    from ekkyo.catalog.models import SLO, Service
    from ekkyo.catalog.services import create_slo
    from ekkyo.engine import Buckets, evaluate
    from ekkyo.series import store
    from ekkyo.teams.models import Team
    from ekkyo.web.charts import read_dense
    from ekkyo.web.objectives import objectives_of
    from ekkyo.worker.models import SLOStatus

    began = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rng = np.random.default_rng(7)
    teams = [
        Team.objects.create(slug=slug, name=name, name_ja=ja, topology_type="stream_aligned")
        for slug, name, ja in TEAMS
    ]
    services = [
        Service.objects.create(name=f"{team.slug}-{k}", team=team)
        for team in teams
        for k in ("web", "api", "batch", "app", "edge")
    ]
    lifecycles = ["active"] * 7 + ["trial", "draft", "retired"]
    statuses, states = [], dict.fromkeys(("healthy", "at_risk", "exhausted", "no_data"), 0)
    objectives = 0
    for i in range(n_slos):
        service = services[i % len(services)]
        name = CHART_SLO if i == 0 else f"{service.name}-{JOURNEYS[i % len(JOURNEYS)]}-{i:04d}"
        slo = create_slo(slo_document(i, service.name, name), service, lifecycle=lifecycles[i % 10])
        for spec in objectives_of(slo.spec):
            objectives += 1
            if i == 0:
                continue  # the chart SLO's status is evaluated from its data below
            draw = rng.random()
            state = (
                "healthy"
                if draw < 0.72
                else "at_risk"
                if draw < 0.87
                else "exhausted"
                if draw < 0.93
                else "no_data"
            )
            states[state] += 1
            if state == "no_data":
                continue  # never evaluated: no snapshot
            result = _result(slo.name, spec.name, spec.target or 0.99, now, state, rng)
            statuses.append(
                SLOStatus(
                    slo=slo,
                    objective_index=spec.index,
                    objective=spec.name,
                    computed_at=now,
                    state=state,
                    sli=result["sli"],
                    remaining_ratio=result["error_budget"]["remaining_ratio"],
                    fastest_burn_rate=max(result["burn_rates"].values()),
                    alerts_firing=0,
                    result=result,
                )
            )
    SLOStatus.objects.bulk_create(statuses, batch_size=500)

    # 90 days (and the window and the longest burn window before them) of per-minute
    # traffic with a daily rhythm and a few incidents, compacted into day chunks.
    chart = SLO.objects.get(name=CHART_SLO)
    end = int(now.timestamp()) // MINUTE * MINUTE
    start = end - (chart_days + 30 + 3) * DAY
    t = np.arange(start, end, MINUTE, dtype=np.int64)
    hour = (t // 3600 + 9) % 24
    total = np.round(200 + 800 * np.sin(np.pi * hour / 24) ** 2 + rng.normal(0, 30, t.size))
    total = np.clip(total, 1, None)
    bad = rng.binomial(total.astype(np.int64), 0.0004).astype(float)
    for _ in range(6):  # incidents: a few bad hours
        at = rng.integers(0, t.size - 120)
        bad[at : at + int(rng.integers(15, 120))] *= 40
    good = total - np.minimum(bad, total)
    for lo in range(0, t.size, 20 * 1440):
        sl = slice(lo, lo + 20 * 1440)
        store.append(
            [(chart.pk, "", Buckets.counts(t[sl], good[sl], total[sl]))],
            body_hash=f"bench-chart-{lo}",
        )
    while store.compact(max_batches=200).more:
        pass
    series = read_dense(chart.pk, "", start, end)
    spec = objectives_of(chart.spec)[0]
    result = evaluate(series, spec.objective, at=end).as_dict()
    remaining = result["error_budget"]["remaining_ratio"]
    state = "healthy" if remaining is None or remaining > 0.3 else "at_risk"
    SLOStatus.objects.create(
        slo=chart,
        objective_index=0,
        objective=spec.name,
        computed_at=now,
        state=state,
        sli=result["sli"],
        remaining_ratio=remaining,
        fastest_burn_rate=max(v for v in result["burn_rates"].values() if v is not None),
        alerts_firing=len(result["alerts"]),
        result=result,
    )
    states[state] += 1
    upsert_user("bench", role="viewer", password=password)
    return Built(
        slos=n_slos,
        objectives=objectives,
        statuses=len(statuses) + 1,
        minutes=t.size,
        seconds=time.perf_counter() - began,
        states=states,
    )


# --- the server and a signed-in session ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(port: int, env: dict[str, str], workers: int, threads: int) -> subprocess.Popen[bytes]:
    """``ekkyo serve`` on loopback (it collects static files, then runs gunicorn)."""
    log = open(Path(env["EKKYO_DATA_DIR"]) / "serve.log", "wb")  # noqa: SIM115 (the server's)
    server = subprocess.Popen(
        [
            str(VENV_BIN / "ekkyo"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        cwd=ROOT,
        # This checkout's code, whatever the virtualenv's editable install points at.
        env={**os.environ, **env, "PYTHONPATH": str(ROOT / "src")},
        stdout=subprocess.DEVNULL,  # gunicorn's access log
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            text = (Path(env["EKKYO_DATA_DIR"]) / "serve.log").read_text(errors="replace")
            raise SystemExit(f"ekkyo serve exited: {text[-2000:]}")
        try:
            status, _headers, _body = request(port, "GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit("ekkyo serve did not answer /healthz within 60 s")


def stop(server: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def request(
    port: int, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _cookies(headers: list[tuple[str, str]]) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(port: int, username: str, password: str) -> str:
    """A session cookie, through the sign-in form as a browser gets it (CSRF included)."""
    status, headers, body = request(port, "GET", "/login/")
    csrf = _cookies(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None:
        raise SystemExit(f"the sign-in page answered {status}")
    form = (
        f"username={username}&password={password}"
        f"&csrfmiddlewaretoken={token.group(1).decode()}&next=/"
    )
    status, headers, _ = request(
        port,
        "POST",
        "/login/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
    )
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"signing in failed: {status}")
    return f"sessionid={session}; django_language=en"


def server_cpu_s(server: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) used so far by every process of the server's group.

    The machine is shared: wall-clock latencies include other jobs' load, the server's own
    CPU time per request does not.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, ..., utime (12th), stime (13th).
        if int(fields[2]) == server.pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- load ----------------------------------------------------------------------------------


@dataclass
class Load:
    path: str
    clients: int
    seconds: float
    tool: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    bytes_per_response: int
    cpu_ms: float = 0.0  # the server's CPU time per request

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


WRK_SCRIPT = """
wrk.headers["Cookie"] = "@COOKIE@"
wrk.headers["Accept-Language"] = "en"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '@@RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
"""


def load_wrk(port: int, path: str, cookie: str, clients: int, seconds: float) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(WRK_SCRIPT.replace("@COOKIE@", cookie))
        script = fh.name
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{min(clients, 2)}",
                f"-c{clients}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                script,
                f"http://127.0.0.1:{port}{path}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("@@RESULT "))
    r = json.loads(line.removeprefix("@@RESULT "))
    errors = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return Load(
        path,
        clients,
        r["duration_us"] / 1e6,
        "wrk",
        r["requests"],
        errors,
        r["p50"] / 1e3,
        r["p95"] / 1e3,
        r["p99"] / 1e3,
        r["max"] / 1e3,
        r["bytes"] // max(1, r["requests"]),
    )


def load_python(port: int, path: str, cookie: str, clients: int, seconds: float) -> Load:
    """The same measurement without wrk: ``clients`` threads, one keep-alive connection each."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    tally = {"errors": 0, "bytes": 0}

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "en"})
                response = conn.getresponse()
                size = len(response.read())
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok, size = False, 0
            elapsed = time.perf_counter() - began
            with lock:
                if ok:
                    latencies.append(elapsed)
                    tally["bytes"] += size
                else:
                    tally["errors"] += 1
        conn.close()

    began = time.perf_counter()
    pool = [threading.Thread(target=run) for _ in range(clients)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    wall = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3 if latencies else 0.0
        )

    return Load(
        path,
        clients,
        wall,
        "python",
        len(latencies) + tally["errors"],
        tally["errors"],
        pct(0.50),
        pct(0.95),
        pct(0.99),
        latencies[-1] * 1e3 if latencies else 0.0,
        tally["bytes"] // max(1, len(latencies)),
    )


def measure(
    tool: str,
    server: subprocess.Popen[bytes],
    port: int,
    path: str,
    cookie: str,
    clients: int,
    seconds: float,
) -> Load:
    # A few requests first, so each gunicorn worker has its caches and imports warm.
    load_python(port, path, cookie, clients, min(1.0, seconds))
    runner = load_wrk if tool == "wrk" else load_python
    cpu = server_cpu_s(server)
    result = runner(port, path, cookie, clients, seconds)
    result.cpu_ms = (server_cpu_s(server) - cpu) * 1e3 / max(1, result.requests)
    return result


# --- report --------------------------------------------------------------------------------


def machine(database: str, tool: str) -> str:
    cpu = platform.processor() or "unknown CPU"
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
    if tool == "wrk":
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        tool = (version.splitlines() or ["wrk"])[0].split(" [")[0]
    else:
        tool = "Python http.client, one thread per client"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; {database}; load tool: {tool}; "
        f"load average at the end {load} (the machine is shared with other jobs)"
    )


def verdict(load: Load, target_ms: float) -> str:
    ok = load.p95_ms <= target_ms and load.errors == 0
    return f"{'meets' if ok else 'MISSES'} the target (p95 <= {target_ms:.0f} ms, 0 errors)"


def line(label: str, load: Load, target_ms: float | None = None) -> str:
    text = (
        f"- {label}: {load.clients} client{'s' if load.clients > 1 else ''} "
        f"× {load.seconds:.0f} s, "
        f"{load.requests:,} requests ({load.rate:,.0f}/s), {load.errors} errors, "
        f"{load.bytes_per_response / 1024:,.0f} KiB each; "
        f"p50 **{load.p50_ms:.1f} ms**, p95 **{load.p95_ms:.1f} ms**, p99 {load.p99_ms:.1f} ms, "
        f"max {load.max_ms:.1f} ms; server CPU {load.cpu_ms:.1f} ms per request"
    )
    return text + (f" — {verdict(load, target_ms)}" if target_ms is not None else "")


def record(lines: list[str], command: str, facts: str) -> None:
    """Append a dated section; earlier ones are never touched (other benches append too,
    so each section carries its own heading)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"\n## Web pages — {stamp}\n\n`{command}`\n\n"
        + "\n".join(lines)
        + f"\n\nMachine: {facts}\n"
    )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--days", type=int, default=90, help="chart span (and data) in days")
    parser.add_argument("--seconds", type=float, default=20, help="per measurement")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: ekkyo's)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
    parser.add_argument("--quick", action="store_true", help="smoke run: 50 SLOs, 7 days, 2 s")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.slos, args.days, args.seconds = min(args.slos, 50), min(args.days, 7), 2.0
    tool = args.client
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --client python")

    data_dir = tempfile.mkdtemp(prefix="ekkyo-bench-web-")
    env = {
        "EKKYO_DATA_DIR": data_dir,
        "DATABASE_URL": args.database_url,
        "EKKYO_LOG_LEVEL": "WARNING",
    }
    password = "bench-" + os.urandom(6).hex()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    server = None
    try:
        _django(env)
        built = build(args.slos, args.days, now, password)
        from django.db import connection, connections

        database = (
            f"SQLite {sqlite3.sqlite_version} (WAL)"
            if connection.vendor == "sqlite"
            else f"PostgreSQL {connection.pg_version // 10000}"
        )
        connections.close_all()
        print(
            f"built {built.slos:,} SLOs ({built.objectives:,} objectives, "
            f"{built.statuses:,} statuses; {built.states}) and {built.minutes:,} minutes "
            f"of data in {built.seconds:.1f} s"
        )
        port = _free_port()
        workers = args.workers or max(2, (os.cpu_count() or 1) + 1)
        server = serve(port, env, workers, args.threads)
        cookie = sign_in(port, "bench", password)
        chart_path = f"/slos/{CHART_SLO}/chart.json?days={args.days}"
        status, _h, body = request(port, "GET", "/", headers={"Cookie": cookie})
        rows = body.count(b"<tr data-slo=")
        status_chart, _h, chart = request(port, "GET", chart_path, headers={"Cookie": cookie})
        points = len(json.loads(chart)["objectives"][0]["sli"]["t"]) if status_chart == 200 else 0
        if status != 200 or status_chart != 200:
            raise SystemExit(f"pages answered {status} and {status_chart}")
        print(f"portfolio: {rows:,} rows, {len(body) / 1024:,.0f} KiB; chart: {points} points")

        portfolio = measure(tool, server, port, "/", cookie, args.clients, args.seconds)
        print(line("portfolio", portfolio, PORTFOLIO_TARGET_MS))
        chart_one = measure(tool, server, port, chart_path, cookie, 1, args.seconds)
        print(line("chart", chart_one, CHART_TARGET_MS))
        chart_many = measure(tool, server, port, chart_path, cookie, args.clients, args.seconds)
        print(line("chart", chart_many))
    finally:
        if server is not None:
            stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)

    facts = machine(database, tool)
    lines = [
        f"- data: {built.slos:,} SLOs in {len(TEAMS)} teams ({built.objectives:,} objectives; "
        f"statuses {', '.join(f'{k} {v}' for k, v in built.states.items())}); "
        f"the chart SLO has {built.minutes:,} minutes of per-minute data; {database}",
        f"- server: `ekkyo serve` (gunicorn) with {workers} workers × {args.threads} threads "
        f"on 127.0.0.1; a viewer signed in through the sign-in form",
        line(f"portfolio `/` ({rows:,} rows)", portfolio, PORTFOLIO_TARGET_MS),
        line(
            f"chart data `chart.json?days={args.days}` ({points} points per series)",
            chart_one,
            CHART_TARGET_MS,
        ),
        line("chart data under the same 16-client load", chart_many),
    ]
    if args.record:
        command = "bench/web.py " + " ".join(argv if argv is not None else sys.argv[1:])
        record(lines, command.strip(), facts)
        print(f"recorded in {RESULTS.relative_to(ROOT)}")
    failed = [x for x in (portfolio, chart_one, chart_many) if x.errors or x.requests == 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
