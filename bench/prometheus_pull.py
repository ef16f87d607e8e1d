"""Benchmark: Prometheus counters -> per-minute buckets, and ekkyo vs slo-generator.

A real Prometheus holds per-minute ``good`` and ``total`` counters of many SLOs (30 days of
100 SLOs by default), backfilled with promtool from generated increments, so every
minute's true count is known.  Measured:

(a) **backfill**: all days of all SLOs into buckets (target <= 30 s), checked exact;
(b) **steady state**: one worker tick - pull the newest minutes of every SLO, then
    evaluate the seven burn-rate windows and the 30-day SLO window with the engine -
    against Google's slo-generator computing its reports (same eight windows) for the
    same SLOs from the same Prometheus.  Counts of both are compared with the truth.

slo-generator queries Prometheus at the server's "now" (it ignores ``-t``), so the data is
generated to reach a few minutes past the time the benchmark runs.  It is installed into
``bench/out/slogen-venv`` (``pip install slo-generator 'setuptools<81'``) when missing.

    .venv/bin/python bench/prometheus_pull.py [--quick] [--record]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.sources.promserver import RunningPrometheus, start_prometheus  # noqa: E402

from ekkyo.engine import ResultBlock  # noqa: E402
from ekkyo.engine.buckets import MINUTE, Buckets  # noqa: E402
from ekkyo.sources.prometheus import (  # noqa: E402
    PrometheusClient,
    RatioQueries,
    backfill,
    pull_ratios,
)

OUT = ROOT / "bench" / "out" / "prometheus_pull"
SLOGEN_VENV = ROOT / "bench" / "out" / "slogen-venv"
RESULTS = ROOT / "bench" / "RESULTS.md"
GOOD = "ekkyo_bench_good_total"
TOTAL = "ekkyo_bench_requests_total"
TARGET = 0.999
# The eight windows both tools evaluate: the seven burn-rate windows and the SLO window.
WINDOWS = {
    "5m": 300,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "6h": 21600,
    "1d": 86400,
    "3d": 259200,
    "30d": 2592000,
}
# Minutes of data generated past "now", so the runs that follow still find data at their
# current time (slo-generator always asks for "now").
LEAD_MINUTES = 30
# Minutes a steady-state tick re-pulls: the newest minute plus a few, so a late scrape is
# picked up on the next tick.
TICK_MINUTES = 5


@dataclass
class Dataset:
    start: int  # first minute of data
    minutes: int
    slos: list[str]
    good: np.ndarray  # (slos, minutes) true per-minute good events
    total: np.ndarray  # (slos, minutes) true per-minute events
    resets: np.ndarray  # (slos,) minute at which each SLO's process restarted

    @property
    def end(self) -> int:
        return self.start + MINUTE * self.minutes

    def window_counts(self, at: int, seconds: int) -> tuple[np.ndarray, np.ndarray]:
        """True (good, total) per SLO over ``[at - seconds, at)``."""
        lo = max(0, (at - seconds - self.start) // MINUTE)
        hi = (at - self.start) // MINUTE
        return self.good[:, lo:hi].sum(axis=1), self.total[:, lo:hi].sum(axis=1)


def generate(n_slos: int, minutes: int, end: int, seed: int = 7) -> Dataset:
    """Per-minute traffic with a daily cycle, background errors and a few incidents."""
    rng = np.random.default_rng(seed)
    start = end - MINUTE * minutes
    t = np.arange(minutes)
    daily = 1.0 + 0.6 * np.sin(2 * np.pi * (t / 1440.0))
    rates = rng.uniform(20, 400, size=(n_slos, 1))
    total = rng.poisson(rates * daily[None, :]).astype(np.int64)
    p_bad = np.broadcast_to(rng.uniform(1e-4, 2e-3, size=(n_slos, 1)), total.shape).copy()
    for i in range(n_slos):
        for _ in range(rng.integers(0, 4)):
            at = int(rng.integers(0, minutes))
            p_bad[i, at : at + int(rng.integers(5, 240))] = rng.uniform(0.01, 0.3)
    bad = rng.binomial(total, p_bad)
    resets = rng.integers(1, minutes, size=n_slos)
    slos = [f"s{i:03d}" for i in range(n_slos)]
    return Dataset(start, minutes, slos, total - bad, total, resets)


def _counter_values(increments: np.ndarray, reset_at: int, initial: int) -> np.ndarray:
    """Counter readings at the end of each minute; the process restarts at ``reset_at``."""
    values = np.cumsum(increments) + initial
    values[reset_at:] = np.cumsum(increments[reset_at:])
    return values


def write_openmetrics(ds: Dataset, path: Path) -> Path:
    """One sample per minute, 30 s into it; a baseline sample 30 s before the first."""
    stamps = [str(ds.start - 30), *map(str, range(ds.start + 30, ds.end, MINUTE))]
    with path.open("w", encoding="utf-8") as f:
        for family, counts in (("ekkyo_bench_good", ds.good), ("ekkyo_bench_requests", ds.total)):
            f.write(f"# TYPE {family} counter\n")
            for i, slo in enumerate(ds.slos):
                initial = 1_000_000 + 1000 * i  # history before the data: never counted
                values = [initial, *_counter_values(counts[i], int(ds.resets[i]), initial).tolist()]
                head = f'{family}_total{{slo="{slo}"}} '
                f.write("".join(f"{head}{v} {s}\n" for v, s in zip(values, stamps, strict=True)))
        f.write("# EOF\n")
    return path


def serve(ds: Dataset, workdir: Path) -> RunningPrometheus:
    workdir.mkdir(parents=True, exist_ok=True)
    om = write_openmetrics(ds, workdir / "input.om")
    # Blocks of up to 31 days: promtool re-reads its input once per block, so the default
    # 2-hour blocks would make it read 30 days of input 360 times.
    return start_prometheus(workdir / "prom", openmetrics_file=om, max_block_duration="744h")


class CountingTransport(httpx.HTTPTransport):
    count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return super().handle_request(request)


REQUESTS = CountingTransport()


def queries(slo: str) -> tuple[str, str]:
    return f'{GOOD}{{slo="{slo}"}}', f'{TOTAL}{{slo="{slo}"}}'


def slis(ds: Dataset) -> list[RatioQueries]:
    return [RatioQueries(good=g, total=t) for g, t in map(queries, ds.slos)]


def dense(b: Buckets, start: int, minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-minute (good, total) over ``[start, start + 60 minutes)``; NaN where absent."""
    good, total = np.full(minutes, np.nan), np.full(minutes, np.nan)
    idx = (b.t - start) // MINUTE
    keep = (idx >= 0) & (idx < minutes)
    good[idx[keep]], total[idx[keep]] = b.good[keep], b.total[keep]
    return good, total


# -- (a) backfill ---------------------------------------------------------------------


@dataclass
class BackfillRun:
    seconds: float
    end: int
    good: np.ndarray  # (slos, minutes) from ds.start to end
    total: np.ndarray
    exact_slos: int
    requests: int


def run_backfill(client: PrometheusClient, ds: Dataset, end: int) -> BackfillRun:
    minutes = (end - ds.start) // MINUTE
    good = np.empty((len(ds.slos), minutes))
    total = np.empty((len(ds.slos), minutes))
    before = REQUESTS.count
    t0 = time.perf_counter()
    for i, sli in enumerate(slis(ds)):
        b = backfill(client, good=sli.good, total=sli.total, start=ds.start, end=end)
        good[i], total[i] = dense(b, ds.start, minutes)
    seconds = time.perf_counter() - t0
    exact = np.all(good == ds.good[:, :minutes], axis=1) & np.all(
        total == ds.total[:, :minutes], axis=1
    )
    return BackfillRun(seconds, end, good, total, int(exact.sum()), REQUESTS.count - before)


# -- (b) steady state -----------------------------------------------------------------


@dataclass
class TickRun:
    at: int
    seconds: list[float]  # one per repetition
    pull_seconds: list[float]
    good: np.ndarray  # (slos, minutes) from ds.start to ``at``: history + the last tick
    total: np.ndarray
    results: ResultBlock  # the engine's results of the last repetition


def next_minute(slack: float = 1.0) -> int:
    """Sleep until just past the next minute boundary and return it."""
    now = time.time()
    boundary = int(now // MINUTE * MINUTE + MINUTE)
    time.sleep(max(0.0, boundary + slack - now))
    return boundary


def run_tick(
    client: PrometheusClient, ds: Dataset, history: BackfillRun, at: int, repeats: int
) -> TickRun:
    """A worker tick at ``at``: pull the newest minutes of every SLO, append, evaluate.

    The evaluator is warm-started (untimed) from the backfilled history up to the newest
    ``TICK_MINUTES`` minutes, as a running worker would be.
    """
    import copy

    from ekkyo.engine import IncrementalEvaluator, Objective, RollingWindow

    since = at - MINUTE * TICK_MINUTES
    upto = (since - ds.start) // MINUTE
    good_h, total_h = history.good, history.total
    if upto > good_h.shape[1]:  # the tick came late: fill the hole, untimed
        extra = pull_ratios(client, slis(ds), start=history.end, end=since)
        more = [dense(b, history.end, upto - good_h.shape[1]) for b in extra]  # type: ignore[arg-type]
        good_h = np.hstack([good_h, np.array([m[0] for m in more])])
        total_h = np.hstack([total_h, np.array([m[1] for m in more])])
    objectives = [Objective(target=TARGET, window=RollingWindow(WINDOWS["30d"]))] * len(ds.slos)
    warm = IncrementalEvaluator.from_history(
        objectives, ds.start, good_h[:, :upto], total_h[:, :upto]
    )
    seconds, pull_seconds = [], []
    block = None
    good = total = np.empty(0)
    for _ in range(repeats):
        ev = copy.deepcopy(warm)
        t0 = time.perf_counter()
        pulled = pull_ratios(client, slis(ds), start=since, end=at)
        t1 = time.perf_counter()
        cols = [dense(b, since, TICK_MINUTES) for b in pulled]  # type: ignore[arg-type]
        good = np.array([c[0] for c in cols])
        total = np.array([c[1] for c in cols])
        for m in range(TICK_MINUTES):
            ev.append(since + MINUTE * m, good[:, m], total[:, m])
        block = ev.evaluate()
        seconds.append(time.perf_counter() - t0)
        pull_seconds.append(t1 - t0)
    assert block is not None
    return TickRun(
        at,
        seconds,
        pull_seconds,
        np.hstack([good_h[:, :upto], good]),
        np.hstack([total_h[:, :upto], total]),
        block,
    )


# -- slo-generator ----------------------------------------------------------------------

SLOGEN_DRIVER = """
import json, logging, sys, time
import yaml
logging.disable(logging.WARNING)  # one INFO line per report otherwise
from slo_generator.compute import compute
config = yaml.safe_load(open(sys.argv[1]))
slos = json.load(open(sys.argv[2]))
started = time.time()
t0 = time.perf_counter()
reports = {s["metadata"]["name"]: compute(s, config) for s in slos}
seconds = time.perf_counter() - t0
out = {
    name: {str(r["window"]): [r["good_events_count"], r["bad_events_count"],
                               r["error_budget_burn_rate"]] for r in rs}
    for name, rs in reports.items()
}
from importlib.metadata import version
json.dump({"seconds": seconds, "started": started, "reports": out,
           "version": version("slo-generator")}, open(sys.argv[3], "w"))
"""


def slo_generator_python(install: bool = True) -> Path | None:
    python = SLOGEN_VENV / "bin" / "python"
    probe = [str(python), "-c", "import slo_generator, prometheus_http_client"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    if not install:
        return None
    print(f"installing slo-generator into {SLOGEN_VENV} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(SLOGEN_VENV)], check=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "slo-generator[prometheus]", "setuptools<81"],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        print(f"slo-generator could not be installed:\\n{done.stderr[-1000:]}", flush=True)
        return None
    return python


def run_slo_generator(python: Path, url: str, ds: Dataset, workdir: Path) -> dict[str, Any]:
    """slo-generator's reports for every SLO, with the eight windows as its policy steps."""
    steps = [
        {
            "name": name,
            "window": seconds,
            "burn_rate_threshold": 1.0,
            "alert": False,
            "message_alert": "burning",
            "message_ok": "fine",
        }
        for name, seconds in WINDOWS.items()
    ]
    config = {
        "backends": {"prometheus": {"url": url}},
        "exporters": {},
        "error_budget_policies": {"default": {"steps": steps}},
    }
    slo_configs = [
        {
            "apiVersion": "sre.google.com/v2",
            "kind": "ServiceLevelObjective",
            "metadata": {
                "name": slo,
                "labels": {"service_name": "bench", "feature_name": slo, "slo_name": "avail"},
            },
            "spec": {
                "description": f"bench SLO {slo}",
                "backend": "prometheus",
                "method": "good_bad_ratio",
                "exporters": [],
                "service_level_indicator": {"filter_good": good, "filter_valid": total},
                "goal": TARGET,
                "error_budget_policy": "default",
            },
        }
        for slo, (good, total) in zip(ds.slos, map(queries, ds.slos), strict=True)
    ]
    (workdir / "config.yaml").write_text(json.dumps(config))  # JSON is YAML
    (workdir / "slos.json").write_text(json.dumps(slo_configs))
    (workdir / "driver.py").write_text(SLOGEN_DRIVER)
    out = workdir / "slogen.json"
    subprocess.run(
        [
            str(python),
            str(workdir / "driver.py"),
            str(workdir / "config.yaml"),
            str(workdir / "slos.json"),
            str(out),
        ],
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return json.loads(out.read_text())


# -- comparison and report --------------------------------------------------------------


def compare(ds: Dataset, tick: TickRun, slogen: dict[str, Any] | None) -> list[str]:
    """Per window: true events and bad events, ekkyo's and slo-generator's, summed over SLOs."""
    at, good, total, block = tick.at, tick.good, tick.total, tick.results
    lines = [
        "| window | true events | ekkyo | slo-generator (diff) | slo-gen worst SLO "
        "| true bad | ekkyo bad | slo-gen bad (diff) | slo-gen burn rate worst SLO |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    burn_names = list(WINDOWS)[:-1]
    for name, seconds in WINDOWS.items():
        tg, tt = ds.window_counts(at, seconds)
        lo = max(0, good.shape[1] - seconds // MINUTE)
        eg, et = np.nansum(good[:, lo:], axis=1), np.nansum(total[:, lo:], axis=1)
        true_bad, e_bad = tt - tg, et - eg
        true_burn = (true_bad / tt) / (1 - TARGET)
        if name == "30d":
            assert np.array_equal(block.good, tg) and np.array_equal(block.total, tt)
        else:
            np.testing.assert_allclose(
                block.burn_rates[:, burn_names.index(name)], true_burn, rtol=1e-12
            )
        cells = [name, f"{tt.sum():,.0f}", _diff(et.sum(), tt.sum())]
        if slogen is not None:
            rep = slogen["reports"]
            sg = np.array([rep[s][str(seconds)][0] for s in ds.slos], dtype=float)
            sb = np.array([rep[s][str(seconds)][1] for s in ds.slos], dtype=float)
            sburn = np.array([rep[s][str(seconds)][2] for s in ds.slos], dtype=float)
            st = sg + sb
            worst = np.max(np.abs(st - tt) / tt)
            worst_burn = np.nanmax(np.abs(sburn - true_burn) / np.where(true_burn, true_burn, 1))
            cells += [
                _diff(st.sum(), tt.sum(), pct=True),
                f"{100 * worst:.2f} %",
                f"{true_bad.sum():,.0f}",
                _diff(e_bad.sum(), true_bad.sum()),
                _diff(sb.sum(), true_bad.sum(), pct=True),
                f"{100 * worst_burn:.1f} %",
            ]
        else:
            cells += ["-", "-", f"{true_bad.sum():,.0f}", _diff(e_bad.sum(), true_bad.sum())]
            cells += ["-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _diff(value: float, truth: float, pct: bool = False) -> str:
    if value == truth:
        return "exact"
    delta = value - truth
    if pct:
        return f"{value:,.0f} ({100 * delta / truth:+.2f} %)"
    return f"{value:,.0f} ({delta:+,.0f})"


def machine_facts() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = subprocess.run(
        ["prometheus", "--version"], capture_output=True, text=True
    ).stdout.splitlines()[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, load {load}; "
        f"Python {platform.python_version()}, httpx {httpx.__version__}; {version}"
    )


def run(n_slos: int, days: int, repeats: int, with_slogen: bool) -> list[str]:
    python = slo_generator_python() if with_slogen else None
    if OUT.exists():
        subprocess.run(["rm", "-rf", str(OUT)], check=True)
    OUT.mkdir(parents=True)
    t_gen = time.time()
    end = int(t_gen // MINUTE * MINUTE) + MINUTE * LEAD_MINUTES
    ds = generate(n_slos, days * 1440 + LEAD_MINUTES, end)
    ds_days_start = ds.start
    prom = serve(ds, OUT)
    setup = time.time() - t_gen
    lines = [
        f"- data: {n_slos} SLOs x 2 counters, {days} days of one sample per minute "
        f"({2 * n_slos * ds.minutes:,} samples), one process restart per SLO; "
        f"generated + promtool + start: {setup:.0f} s",
    ]
    try:
        with PrometheusClient(prom.url, transport=REQUESTS, timeout=30.0) as client:
            now_minute = int(time.time() // MINUTE * MINUTE)
            hist = run_backfill(client, ds, now_minute)
            minutes = (hist.end - ds_days_start) // MINUTE
            lines.append(
                f"- (a) backfill {minutes:,} minutes x {n_slos} SLOs: **{hist.seconds:.1f} s** "
                f"({hist.requests} requests; target <= 30 s); exact per minute: "
                f"{hist.exact_slos}/{n_slos} SLOs"
            )
            at = next_minute()
            before = REQUESTS.count
            tick = run_tick(client, ds, hist, at, repeats)
            tick_requests = (REQUESTS.count - before) // repeats
            slogen = run_slo_generator(python, prom.url, ds, OUT) if python else None
    finally:
        prom.stop()
    ekkyo_s = statistics.median(tick.seconds)
    lines.append(
        f"- (b) steady-state tick at {datetime.fromtimestamp(at, UTC):%H:%M} UTC, "
        f"{n_slos} SLOs: ekkyo pulls the newest {TICK_MINUTES} minutes "
        f"({tick_requests} request{'s' if tick_requests != 1 else ''}, "
        f"{1000 * statistics.median(tick.pull_seconds):.0f} ms) "
        f"and evaluates 7 burn-rate windows + 30d (IncrementalEvaluator): "
        f"**{1000 * ekkyo_s:.0f} ms** (median of {repeats})"
    )
    if slogen is not None:
        sg_s = float(slogen["seconds"])
        late = float(slogen["started"]) - at
        lines.append(
            f"- slo-generator {slogen['version']} (`compute` of {n_slos} SLOs x "
            f"{len(WINDOWS)} windows, {2 * n_slos * len(WINDOWS)} instant queries, started "
            f"{late:.1f} s after the tick's minute): **{sg_s:.2f} s** -> ekkyo is "
            f"**{sg_s / ekkyo_s:.0f}x** faster (target >= 10x)"
        )
    else:
        lines.append("- slo-generator: not run")
    lines += ["", "Counts at the tick, summed over SLOs (ekkyo: buckets from (a) + (b)):", ""]
    lines += compare(ds, tick, slogen)
    lines += ["", f"Machine: {machine_facts()}"]
    return lines


def record(lines: list[str], quick: bool) -> None:
    """Append a dated entry under the ``## Prometheus source`` section of bench/RESULTS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f"`.venv/bin/python bench/prometheus_pull.py{' --quick' if quick else ''} --record`"
    entry = "\n".join([f"### {stamp}{' (quick)' if quick else ''}", "", command, "", *lines, ""])
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    heading = "## Prometheus source"
    if heading not in text:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n"
    head, _, rest = text.partition(heading)
    cut = rest.find("\n## ")
    section, after = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    RESULTS.write_text(head + heading + section.rstrip("\n") + "\n\n" + entry + after)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 SLOs x 2 days, a smoke run")
    parser.add_argument("--slos", type=int, help="number of SLOs (default 100)")
    parser.add_argument("--days", type=int, help="days of data (default 30)")
    parser.add_argument("--repeats", type=int, default=5, help="steady-state ticks to time")
    parser.add_argument("--no-slo-generator", action="store_true", help="skip the comparison")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    n_slos = args.slos or (10 if args.quick else 100)
    days = args.days or (2 if args.quick else 30)
    lines = run(n_slos, days, args.repeats, not args.no_slo_generator)
    print("\n".join(lines))
    if args.record:
        record(lines, args.quick)


if __name__ == "__main__":
    main()
