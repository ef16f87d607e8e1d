"""Benchmark of the SLO engine: full evaluation, peers, incremental ticks, memory.

    .venv/bin/python bench/engine.py            # full run (about 3 minutes, 10 GB of RAM)
    .venv/bin/python bench/engine.py --quick    # smoke run at tiny sizes
    .venv/bin/python bench/engine.py --record   # also append a dated entry to bench/RESULTS.md

Figures (best of 3 unless said otherwise, fixed seed):

- full evaluation of SLOS x DAYS of per-minute buckets (Occurrences, rolling 30d; then
  Timeslices and a calendar month as their own rows) against one plain ``numpy`` sum over
  the same arrays, the physical limit of reading them once;
- the same window sums with pandas (long format: filter by window, group by SLO) and DuckDB
  SQL (a ``SUM ... WHERE t >= start GROUP BY slo`` query per window, on a DuckDB table),
  on the same data, checked to agree with ekkyo (loading the data is not timed);
- one incremental tick for 10,000 SLOs (append one minute to all, evaluate all);
- peak memory of a full evaluation of 10,000 SLOs x 30 days, in a fresh process.

Counts are float64: integer sums stay exact (below 2**53) and numpy sums them at memory
speed; an integer dtype would halve memory but widening casts made reductions slower.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ekkyo.engine import (
    BURN_WINDOWS,
    Budgeting,
    CalendarWindow,
    IncrementalEvaluator,
    Objective,
    RollingWindow,
    Threshold,
    evaluate_block,
    slo_window,
)

START = int(datetime(2026, 4, 1, tzinfo=UTC).timestamp())  # April: a 30-day month
DAY = 86400
SEED = 20260401
RESULTS = Path(__file__).with_name("RESULTS.md")
T = TypeVar("T")

OCCURRENCES_30D = Objective(0.999, RollingWindow(30 * DAY))
TIMESLICES_30D = Objective(
    0.999, RollingWindow(30 * DAY), Budgeting.TIMESLICES, time_slice_target=0.99
)
TIMESLICES_5M_30D = Objective(
    0.999,
    RollingWindow(30 * DAY),
    Budgeting.TIMESLICES,
    time_slice_target=0.99,
    time_slice_window_s=300,
)
CALENDAR_MONTH = Objective(0.999, CalendarWindow("M"))


def make_counts(n_slos: int, n_minutes: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Realistic random per-minute (good, total): lognormal traffic per SLO, a daily cycle,
    noise, a per-SLO error rate and a few incidents.  Generated in row chunks into the final
    arrays so the peak stays close to the data itself."""
    rng = np.random.default_rng(seed)
    good = np.empty((n_slos, n_minutes))
    total = np.empty((n_slos, n_minutes))
    level = rng.lognormal(3.0, 1.5, n_slos)  # mean events per minute
    error_rate = rng.uniform(0.0, 0.004, n_slos)
    daily = 1.0 + 0.5 * np.sin(np.arange(n_minutes) * (2 * np.pi / 1440))
    step = max(1, (1 << 22) // max(1, n_minutes))
    for a in range(0, n_slos, step):
        b = min(n_slos, a + step)
        t = np.floor(level[a:b, None] * daily * rng.uniform(0.5, 1.5, (b - a, n_minutes)))
        rate = np.repeat(error_rate[a:b, None], n_minutes, axis=1)
        incident = rng.random((b - a, n_minutes)) < 0.0005
        rate[incident] = 0.3
        total[a:b] = t
        good[a:b] = t - np.floor(t * rate * rng.uniform(0.0, 2.0, (b - a, n_minutes)))
    return good, total


def best_of(fn: Callable[[], T], repeats: int = 3) -> tuple[float, T]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    assert out is not None
    return best, out


def window_starts(objective: Objective, at: int) -> list[int]:
    """The SLO window's start, then each burn window's."""
    return [slo_window(objective.window, at).start, *(at - w for w in BURN_WINDOWS.values())]


def scanned(n_slos: int, n_minutes: int, objective: Objective, at: int) -> int:
    """Buckets a full evaluation must read: from the earliest window start up to ``at``."""
    earliest = max(START, min(window_starts(objective, at)))
    return n_slos * min(n_minutes, (at - earliest) // 60)


def bench_full(
    good: np.ndarray, total: np.ndarray, objective: Objective, repeats: int = 3
) -> dict[str, Any]:
    at = START + 60 * good.shape[1]
    # The plain sum is timed in alternation with the evaluation, so both see the same
    # machine load (others share this machine) and the ratio stays meaningful.
    seconds = plain_seconds = float("inf")
    for _ in range(repeats):
        plain_seconds = min(plain_seconds, best_of(lambda: (good.sum(), total.sum()), 1)[0])
        took, block = best_of(lambda: evaluate_block(START, good, total, objective, at=at), 1)
        seconds = min(seconds, took)
    n = scanned(good.shape[0], good.shape[1], objective, at)
    # Memory the evaluation allocates on top of the data (numpy reports to tracemalloc),
    # measured on a separate, untimed run.
    tracemalloc.start()
    evaluate_block(START, good, total, objective, at=at)
    extra = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "buckets": n,
        "buckets_per_s": n / seconds,
        "of_plain_sum": (n / seconds) / (good.size / plain_seconds),
        "extra_bytes": extra,
        "block": block,
    }


def bench_plain_sum(good: np.ndarray, total: np.ndarray, repeats: int = 3) -> dict[str, Any]:
    seconds, _ = best_of(lambda: (good.sum(), total.sum()), repeats)
    return {"seconds": seconds, "buckets_per_s": good.size / seconds}


def to_long(good: np.ndarray, total: np.ndarray) -> Any:
    import pandas as pd

    n_slos, n_minutes = good.shape
    return pd.DataFrame(
        {
            "slo": np.repeat(np.arange(n_slos, dtype=np.int32), n_minutes),
            "t": np.tile(START + 60 * np.arange(n_minutes, dtype=np.int64), n_slos),
            "good": good.ravel(),
            "total": total.ravel(),
        }
    )


def pandas_sums(df: Any, starts: list[int], at: int) -> np.ndarray:
    """(n_windows, 2, n_slos): per window, filter the rows then group by SLO.

    The fastest of the pandas forms tried (a numpy mask on ``t``, unsorted groupby, then
    sorting the small result); a pandas boolean Series mask took twice as long.
    """
    t = df["t"].to_numpy()
    out = []
    for s in starts:
        part = df.loc[(t >= s) & (t < at), ["slo", "good", "total"]]
        sums = part.groupby("slo", sort=False).sum().sort_index()
        out.append(sums.to_numpy().T)
    return np.stack(out)


def duckdb_connect(df: Any) -> Any:
    import duckdb

    con = duckdb.connect()
    con.register("long_df", df)
    con.execute("CREATE TABLE buckets AS SELECT * FROM long_df")
    con.unregister("long_df")
    return con


def duckdb_sums(con: Any, starts: list[int], at: int) -> np.ndarray:
    """One ``SUM ... WHERE t >= start GROUP BY slo`` query per window, on a DuckDB table.

    The fastest SQL form tried: one query with ``SUM(...) FILTER (WHERE ...)`` or
    ``SUM(CASE ...)`` for all windows took 7x and 2x as long.
    """
    out = []
    for s in starts:
        rows = con.execute(
            "SELECT slo, SUM(good) AS g, SUM(total) AS t FROM buckets "
            f"WHERE t >= {s} AND t < {at} GROUP BY slo ORDER BY slo"
        ).fetchnumpy()
        out.append(np.stack([rows["g"].astype(float), rows["t"].astype(float)]))
    return np.stack(out)


def bench_peers(
    good: np.ndarray, total: np.ndarray, objective: Objective, repeats: int = 3
) -> dict[str, Any]:
    at = START + 60 * good.shape[1]
    starts = window_starts(objective, at)
    df = to_long(good, total)
    pd_s, pd_out = best_of(lambda: pandas_sums(df, starts, at), repeats)
    con = duckdb_connect(df)
    db_s, db_out = best_of(lambda: duckdb_sums(con, starts, at), repeats)
    con.close()
    # Both must agree with the engine on the SLO window's sums and on every burn window.
    block = evaluate_block(START, good, total, objective, at=at)
    for out in (pd_out, db_out):
        np.testing.assert_allclose(out[0, 0], block.good)
        np.testing.assert_allclose(out[0, 1], block.total)
        burn = np.where(
            out[1:, 1] > 0,
            (out[1:, 1] - out[1:, 0]) / np.where(out[1:, 1] > 0, out[1:, 1], 1),
            np.nan,
        )
        np.testing.assert_allclose(burn.T / (1 - objective.target), block.burn_rates, rtol=1e-9)
    return {"pandas_seconds": pd_s, "duckdb_seconds": db_s}


def incremental_objectives(n: int) -> list[Objective]:
    """A worker's mix: rolling 30d/28d/7d and calendar months, ratio and threshold SLIs,
    Occurrences, 1- and 5-minute Timeslices and RatioTimeslices."""
    kinds = [
        Objective(0.999, RollingWindow(30 * DAY)),
        Objective(0.999, RollingWindow(30 * DAY)),
        Objective(0.995, RollingWindow(28 * DAY)),
        Objective(0.99, RollingWindow(7 * DAY)),
        Objective(0.999, CalendarWindow("M")),
        Objective(0.999, CalendarWindow("M", time_zone="Asia/Tokyo")),
        Objective(0.99, RollingWindow(30 * DAY), threshold=Threshold("lt", 300.0)),
        Objective(0.99, RollingWindow(30 * DAY), Budgeting.TIMESLICES, time_slice_target=0.95),
        TIMESLICES_5M_30D,
        Objective(
            0.99, RollingWindow(28 * DAY), Budgeting.RATIO_TIMESLICES, time_slice_window_s=300
        ),
    ]
    return [kinds[i % len(kinds)] for i in range(n)]


def bench_incremental(n_slos: int, ticks: int, warmup: int = 30) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    evaluator = IncrementalEvaluator(incremental_objectives(n_slos), START)
    level = rng.lognormal(3.0, 1.5, n_slos)
    times = []
    for i in range(warmup + ticks):
        total = np.floor(level * rng.uniform(0.5, 1.5, n_slos))
        good = total - np.floor(total * rng.uniform(0.0, 0.004, n_slos))
        value = rng.gamma(2.0, 100.0, n_slos)
        t0 = time.perf_counter()
        evaluator.append(START + 60 * i, good, total, value)
        block = evaluator.evaluate()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    assert len(block) == n_slos
    times.sort()
    return {
        "median_ms": 1e3 * statistics.median(times),
        "p95_ms": 1e3 * times[int(0.95 * (len(times) - 1))],
        "max_ms": 1e3 * times[-1],
    }


def memory_child(n_slos: int, days: int) -> dict[str, Any]:
    """Runs in a fresh process: peak RSS of generating and fully evaluating the data."""
    good, total = make_counts(n_slos, days * 1440)
    raw = good.nbytes + total.nbytes
    after_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.perf_counter()
    evaluate_block(START, good, total, OCCURRENCES_30D, at=START + days * DAY)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "raw_bytes": raw,
        "peak_rss_bytes": peak,
        "rss_after_data_bytes": after_data,
        "seconds": seconds,
    }


def bench_memory(n_slos: int, days: int) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n_slos), str(days)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def machine_facts() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "machine": platform.machine(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def run(quick: bool) -> list[str]:
    """Run every benchmark and return the report's lines."""
    import duckdb
    import pandas as pd

    n_slos, days = (50, 2) if quick else (1000, 30)
    inc_slos, ticks = (200, 20) if quick else (10_000, 200)
    mem_slos, mem_days = (200, 2) if quick else (10_000, 30)
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    facts = machine_facts()
    versions = f"numpy {facts['numpy']}, pandas {pd.__version__}, duckdb {duckdb.__version__}"
    say(f"- machine: `{facts['machine']}`, {facts['cpu']}, {facts['cores']} cores")
    say(f"- software: Python {facts['python']}, {versions}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    say(f"- load average at start: {load} (the machine is shared: figures vary with it)")
    good, total = make_counts(n_slos, days * 1440)
    millions = good.size / 1e6
    say(f"- data: {n_slos:,} SLOs x {days} days = {millions:.1f} M per-minute buckets, float64")
    say(f"- raw bucket data: {(good.nbytes + total.nbytes) / 2**20:,.0f} MiB (good and total)")
    plain = bench_plain_sum(good, total)
    say(
        f"- plain numpy sum of good and total: {plain['seconds'] * 1e3:.1f} ms, "
        f"{plain['buckets_per_s'] / 1e6:,.0f} M buckets/s"
    )
    say("")
    say(
        "| evaluation | wall (best of 3) | M buckets/s | of plain sum (timed alternately) "
        "| peak extra memory |"
    )
    say("|---|---|---|---|---|")
    occ = None
    for name, objective in [
        ("Occurrences, rolling 30d", OCCURRENCES_30D),
        ("Timeslices 1m, rolling 30d", TIMESLICES_30D),
        ("Timeslices 5m, rolling 30d", TIMESLICES_5M_30D),
        ("Occurrences, calendar month (UTC)", CALENDAR_MONTH),
    ]:
        r = bench_full(good, total, objective)
        occ = occ or r
        rate = r["buckets_per_s"]
        say(
            f"| {name} | {r['seconds'] * 1e3:.1f} ms | {rate / 1e6:,.0f} | "
            f"{r['of_plain_sum']:.0%} | {r['extra_bytes'] / 2**20:,.1f} MiB |"
        )
    assert occ is not None
    say("")
    peers = bench_peers(good, total, OCCURRENCES_30D)
    del good, total
    pd_s, db_s = peers["pandas_seconds"], peers["duckdb_seconds"]
    say("| peer (same data, 8 window sums per SLO) | wall (best of 3) | ekkyo is faster by |")
    say("|---|---|---|")
    say(
        f"| pandas (long format, filter + groupby per window) | {pd_s * 1e3:,.0f} ms "
        f"| {pd_s / occ['seconds']:.1f}x |"
    )
    say(
        f"| DuckDB SQL (a SUM ... GROUP BY slo query per window; {duckdb_threads()} threads) "
        f"| {db_s * 1e3:,.0f} ms | {db_s / occ['seconds']:.1f}x |"
    )
    say("")
    inc = bench_incremental(inc_slos, ticks)
    say(
        f"- incremental tick, {inc_slos:,} SLOs (append one minute + evaluate all, {ticks} "
        f"ticks): median {inc['median_ms']:.2f} ms, p95 {inc['p95_ms']:.2f} ms, "
        f"max {inc['max_ms']:.2f} ms"
    )
    mem = bench_memory(mem_slos, mem_days)
    raw, peak = mem["raw_bytes"], mem["peak_rss_bytes"]
    say(
        f"- memory, {mem_slos:,} SLOs x {mem_days} days full evaluation ({mem['seconds']:.2f} s): "
        f"raw buckets {raw / 2**30:.2f} GiB, peak RSS {peak / 2**30:.2f} GiB = {peak / raw:.2f}x "
        "raw (the whole process: interpreter, generating the data, evaluating)"
    )
    return lines


def duckdb_threads() -> str:
    import duckdb

    con = duckdb.connect()
    try:
        return str(con.execute("SELECT current_setting('threads')").fetchone()[0])
    finally:
        con.close()


def record(lines: list[str], quick: bool) -> None:
    """Append a dated entry under the ``## Engine`` section of bench/RESULTS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    entry = "\n".join(
        [
            f"### {stamp}{' (quick)' if quick else ''}",
            "",
            "`.venv/bin/python bench/engine.py --record`",
            "",
            *lines,
            "",
        ]
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    heading = "## Engine"
    if heading not in text:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n"
    head, _, rest = text.partition(heading)
    # Insert at the end of the engine section, before the next `## ` heading.
    cut = rest.find("\n## ")
    section, after = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
    text = head + heading + section.rstrip("\n") + "\n\n" + entry + after
    RESULTS.write_text(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument(
        "--record", action="store_true", help="append the figures to bench/RESULTS.md"
    )
    parser.add_argument(
        "--memory-child", nargs=2, type=int, metavar=("SLOS", "DAYS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(*args.memory_child)))
        return
    lines = run(args.quick)
    if args.record:
        record(lines, args.quick)


if __name__ == "__main__":
    main()
