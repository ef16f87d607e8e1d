"""Benchmark: the bucket CSV reader on a generated file.

    python bench/csv_read.py            # 10 M rows (about 500 MB in a temporary directory)
    python bench/csv_read.py --quick    # 200 k rows
    python bench/csv_read.py --record   # also add a dated entry to bench/RESULTS.md

The file has the ratio layout (`timestamp,slo,good,total`), ISO-8601 UTC timestamps over
90 days in random order, 25 SLOs and a fixed seed, so runs on one machine compare.  Only
the read is timed, not the writing of the file.  The target is 2 M rows/s or more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ekkyo.sources.csvfile import read_bucket_csv

HEADING = "## CSV reader"
START = 1714521600  # 2024-05-01T00:00:00Z
DAYS = 90


def write_file(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Format each distinct minute once and index into them: formatting per row would be
    # the slowest part of writing.
    minutes = (START + 60 * np.arange(DAYS * 1440)).astype("datetime64[s]")
    stamps = pc.binary_join_element_wise(
        pa.array(np.datetime_as_string(minutes, unit="s")), "Z", ""
    )
    names = pa.array([f"product-{k // 5}-slo-{k % 5}" for k in range(25)])
    total = rng.integers(0, 5000, rows)
    good = total - rng.binomial(total, 0.002)
    table = pa.table(
        {
            "timestamp": stamps.take(pa.array(rng.integers(0, DAYS * 1440, rows))),
            "slo": names.take(pa.array(rng.integers(0, 25, rows))),
            "good": good,
            "total": total,
        }
    )
    with open(path, "wb") as f:
        f.write(b"timestamp,slo,good,total\n")
        pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f", {mem_kib / 2**20:.0f} GiB"
    except (OSError, StopIteration):
        memory = ""
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, pyarrow {pa.__version__}"
    )


def record(results: Path, entry: str) -> None:
    """Add ``entry`` at the end of the CSV reader section, creating what is missing."""
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    if HEADING not in text.splitlines():
        text = text.rstrip("\n") + f"\n\n{HEADING}\n"
    start = text.index(f"{HEADING}\n") + len(HEADING) + 1
    end = text.find("\n## ", start)  # the next section, which stays untouched
    end = len(text) if end < 0 else end + 1
    earlier = text[start:end].strip("\n")
    section = "\n" + (earlier + "\n\n" if earlier else "") + entry.strip("\n") + "\n"
    rest = text[end:]
    results.write_text(text[:start] + section + ("\n" + rest if rest else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="200 k rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--record", action="store_true", help="append to the results file")
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = parser.parse_args(argv)
    rows = 200_000 if args.quick else args.rows

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "buckets.csv"
        began = time.perf_counter()
        write_file(path, rows, args.seed)
        written = time.perf_counter() - began
        size = path.stat().st_size
        began = time.perf_counter()
        result = read_bucket_csv(path)
        wall = time.perf_counter() - began
    if result.rows_read != rows or result.rows_skipped:
        print(f"unexpected: read {result.rows_read} rows, skipped {result.rows_skipped}")
        return 1
    rate = rows / wall
    print(f"wrote {rows:,} rows ({size / 1e6:.0f} MB) in {written:.2f} s")
    mb_per_s = size / wall / 1e6
    print(f"read  {rows:,} rows in {wall:.2f} s: {rate / 1e6:.2f} M rows/s, {mb_per_s:.0f} MB/s")
    if args.record:
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        entry = (
            f"### {when}: {rows:,} rows\n"
            f"- {rate / 1e6:.2f} M rows/s; wall time {wall:.2f} s; file {size / 1e6:.0f} MB "
            f"(ISO timestamps, 25 SLOs, seed {args.seed})\n"
            f"- machine: {machine()}\n"
        )
        record(args.results, entry)
        print(f"recorded in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
