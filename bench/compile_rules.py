"""Benchmark of `ekkyo compile prometheus`: compile speed, and rule-evaluation cost in Prometheus.

    .venv/bin/python bench/compile_rules.py            # full run (about 10 minutes)
    .venv/bin/python bench/compile_rules.py --quick    # smoke run at tiny sizes
    .venv/bin/python bench/compile_rules.py --record   # also append to bench/RESULTS.md

(a) Compile 1,000 Sloth-style SLOs (best of 3; spec loading timed apart) and check the
    output with ``promtool check rules``.  Target: compile + render <= 2 s.
(b) Evaluation cost in a real Prometheus: 100 SLOs, counters for the last 3 days (the
    longest raw window) scraped every minute, and 30 days of the 5-minute SLI series
    (what a month of rule evaluations records; the period SLI reads it).  The same data
    directory is served twice per round, once with ekkyo's rules and once with a
    Sloth-shaped rule set for the same SLOs (Sloth's documented output: the same groups,
    with the period ratio as ``sum_over_time(..[30d]) / ignoring (sloth_window)
    count_over_time(..[30d])``), alternating A B A B.  For each, Prometheus evaluates every
    ``EVAL_S`` seconds; the sum over groups of ``prometheus_rule_group_last_duration_seconds``
    is sampled after each evaluation and the median reported.  Target: ekkyo not slower.
    (The ``sloth`` binary itself is not in any package registry this project uses; the
    Sloth shape is generated from its documented output.)
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.sources.promserver import create_blocks, start_prometheus

from ekkyo.rules import compile_prometheus, render, yamltext
from ekkyo.rules.prometheus import ERROR_RATIO
from ekkyo.specs import load_texts

RESULTS = Path(__file__).with_name("RESULTS.md")
DAY = 86400
EVAL_S = 10
_DURATION = re.compile(
    r'^prometheus_rule_group_last_duration_seconds\{rule_group="([^"]*)"\} (\S+)$', re.M
)


def sloth_specs(count: int) -> str:
    """``count`` SLOs as Sloth specs (10 SLOs per service), each on its own counters."""
    docs = []
    for service in range(0, count, 10):
        slos = []
        for i in range(service, min(service + 10, count)):
            sel = f'req_total{{slo="s{i:04d}"'
            slos.append(
                f"""  - name: "slo-{i:04d}"
    objective: {99 + (i % 10) / 10:g}
    sli:
      events:
        error_query: sum(rate({sel},code="500"}}[{{{{.window}}}}]))
        total_query: sum(rate({sel}}}[{{{{.window}}}}]))
    alerting:
      name: "Slo{i:04d}"
      page_alert: {{labels: {{severity: page}}}}
      ticket_alert: {{labels: {{severity: ticket}}}}
"""
            )
        docs.append(
            f'version: "prometheus/v1"\nservice: "svc-{service // 10:03d}"\n'
            f'labels: {{owner: "team-{service % 7}"}}\nslos:\n' + "".join(slos)
        )
    return "---\n".join(docs)


def bench_compile(count: int, promtool: str, workdir: Path) -> dict[str, Any]:
    text = sloth_specs(count)
    t0 = time.perf_counter()
    loaded = load_texts([("bench.yaml", text)])
    load_s = time.perf_counter() - t0
    assert loaded.ok, loaded.problems[:3]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        rules = compile_prometheus(loaded.slos, loaded.objects)
        out = render(rules)
        times.append(time.perf_counter() - t0)
    path = workdir / "compiled.yaml"
    path.write_text(out)
    check = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    return {
        "slos": count,
        "load_s": load_s,
        "compile_s": min(times),
        "rules": sum(len(g["rules"]) for g in rules.groups),
        "bytes": len(out),
        "promtool_ok": check.returncode == 0,
        "promtool": (check.stdout + check.stderr).strip().splitlines()[-1],
    }


def sloth_shaped(rules_doc: dict[str, Any]) -> dict[str, Any]:
    """ekkyo's groups with the period ratio written the way Sloth writes it."""
    groups = []
    for group in rules_doc["groups"]:
        out = []
        for rule in group["rules"]:
            expr = rule.get("expr", "")
            if rule.get("record", "").startswith(ERROR_RATIO) and expr.startswith("avg_over_time("):
                inner = expr[len("avg_over_time(") : expr.rindex(")")]
                rule = {
                    "record": rule["record"],
                    "expr": f"sum_over_time({inner})\n/ ignoring (sloth_window)\n"
                    f"count_over_time({inner})\n",
                    "labels": {"sloth_window": rule["labels"]["sloth_window"]},
                }
            out.append(rule)
        groups.append({"name": group["name"], "rules": out})
    return {"groups": groups}


def write_data(path: Path, rules, now: int, raw_days: float, period_days: int) -> int:
    """OpenMetrics: two counters per SLO for the last ``raw_days`` (plus 15 minutes ahead, so
    windows at "now" stay full while we measure), and ``period_days`` of the 5-minute ratio
    each SLO's rules record, one sample a minute."""
    rng = np.random.default_rng(7)
    samples = 0
    start = now - int(raw_days * DAY)
    ts = np.arange(start, now + 900, 60)
    with path.open("w", encoding="utf-8") as f:
        f.write("# TYPE req counter\n")
        for i in range(len(rules.compiled)):
            rate = rng.integers(50, 500)
            total = 1e6 + rate * np.arange(len(ts))
            bad = 1e4 + np.floor(rate * 0.002 * np.arange(len(ts)))
            for code, values in (("200", total - bad), ("500", bad)):
                head = f'req_total{{code="{code}",slo="s{i:04d}"}} '
                f.write("".join(f"{head}{v:.0f} {t}\n" for v, t in zip(values, ts, strict=True)))
                samples += len(ts)
        f.write("# TYPE slo:sli_error:ratio_rate5m gauge\n")
        pts = np.arange(now - period_days * DAY, now, 60)
        for one in rules.compiled:
            labels = {
                **one.target.labels,
                **one.target.identity.labels(),
                "sloth_window": "5m",
            }
            head = (
                "slo:sli_error:ratio_rate5m{"
                + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                + "} "
            )
            values = 0.002 + 0.001 * rng.random(len(pts))
            f.write("".join(f"{head}{v:.6f} {t}\n" for v, t in zip(values, pts, strict=True)))
            samples += len(pts)
        f.write("# EOF\n")
    return samples


def measure(
    data_dir: Path, rules_text: str, workdir: Path, seconds: int, prometheus: str, promtool: str
) -> list[float]:
    """Medians need samples: the summed last duration of all groups after each evaluation."""
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "data").mkdir(parents=True)
    for block in data_dir.iterdir():
        if block.is_dir() and re.fullmatch(r"[0-9A-Z]{26}", block.name):
            shutil.copytree(block, workdir / "data" / block.name, copy_function=os.link)
    (workdir / "rules.yaml").write_text(rules_text)
    empty = workdir / "empty.om"
    empty.write_text("# EOF\n")
    server = start_prometheus(
        workdir,
        openmetrics_file=empty,
        config_extra=f"rule_files: [{workdir / 'rules.yaml'}]\n",
        extra_args=[],
        prometheus=prometheus,
        promtool=promtool,
    )
    try:
        # The config's global interval is 1h (see promserver); groups take EVAL_S here.
        time.sleep(EVAL_S * 1.5)
        totals, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = httpx.get(f"{server.url}/metrics", timeout=10).text
            values = [float(v) for _, v in _DURATION.findall(text)]
            if values and all(v > 0 for v in values):
                totals.append(sum(values))
            time.sleep(EVAL_S)
        return totals
    finally:
        server.stop()


def with_interval(rules_doc: dict[str, Any]) -> str:
    groups = [
        {"name": g["name"], "interval": f"{EVAL_S}s", "rules": g["rules"]}
        for g in rules_doc["groups"]
    ]
    return yamltext.dump({"groups": groups})


def bench_eval(
    count: int, period_days: int, seconds: int, rounds: int, workdir: Path
) -> dict[str, Any]:
    prometheus = shutil.which("prometheus") or "prometheus"
    promtool = shutil.which("promtool") or "promtool"
    loaded = load_texts([("bench.yaml", sloth_specs(count))])
    rules = compile_prometheus(loaded.slos, loaded.objects)
    ekkyo_doc = {"groups": [dict(g) for g in rules.groups]}
    sloth_doc = sloth_shaped(ekkyo_doc)
    now = int(time.time()) // 60 * 60
    t0 = time.perf_counter()
    om = workdir / "data.om"
    samples = write_data(om, rules, now, raw_days=3.1, period_days=period_days)
    data_dir = workdir / "blocks"
    # Blocks of up to 31 days: promtool reads its whole input once per block it writes.
    create_blocks(om, data_dir, promtool, max_block_duration="744h")
    om.unlink()
    prep_s = time.perf_counter() - t0
    runs: dict[str, list[float]] = {"ekkyo": [], "sloth": []}
    for _ in range(rounds):
        for name, doc in (("ekkyo", ekkyo_doc), ("sloth", sloth_doc)):
            runs[name] += measure(
                data_dir, with_interval(doc), workdir / name, seconds, prometheus, promtool
            )
    return {
        "slos": count,
        "period_days": period_days,
        "samples": samples,
        "prep_s": prep_s,
        "groups": len(rules.groups),
        "ekkyo_ms": 1000 * statistics.median(runs["ekkyo"]),
        "sloth_ms": 1000 * statistics.median(runs["sloth"]),
        "n": (len(runs["ekkyo"]), len(runs["sloth"])),
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = subprocess.run(
        ["prometheus", "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[:1]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, load {load}; "
        f"Python {platform.python_version()}; {version[0] if version else 'prometheus ?'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a smoke run")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    count, slos, days, seconds, rounds = (50, 5, 2, 25, 1) if args.quick else (1000, 100, 30, 60, 2)
    promtool = shutil.which("promtool") or "promtool"
    with tempfile.TemporaryDirectory(prefix="ekkyo-bench-rules-") as tmp:
        work = Path(tmp)
        a = bench_compile(count, promtool, work)
        print(
            f"(a) {a['slos']} SLOs: compile + render {a['compile_s']:.2f} s "
            f"(loading the specs {a['load_s']:.2f} s), {a['rules']} rules, "
            f"{a['bytes'] / 1e6:.1f} MB; promtool check rules: {a['promtool']}"
        )
        b = bench_eval(slos, days, seconds, rounds, work)
        print(
            f"(b) {b['slos']} SLOs, {b['period_days']}d of 5m SLI series: ekkyo "
            f"{b['ekkyo_ms']:.1f} ms vs Sloth-shaped {b['sloth_ms']:.1f} ms per evaluation "
            f"(sum over {b['groups']} groups, median of {b['n'][0]} / {b['n'][1]})"
        )
    ok = a["promtool_ok"] and a["compile_s"] <= 2.0 and b["ekkyo_ms"] <= b["sloth_ms"]
    if args.record:
        record(a, b, args)
    if not args.quick and not ok:
        sys.exit(1)


def record(a: dict[str, Any], b: dict[str, Any], args: argparse.Namespace) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    flags = " --quick" if args.quick else ""
    speed = b["sloth_ms"] / b["ekkyo_ms"] if b["ekkyo_ms"] else float("nan")
    text = (
        f"\n## Prometheus rules compiler\n\n### {when}\n\n"
        f"`.venv/bin/python bench/compile_rules.py --record{flags}`\n\n"
        f"- (a) compile + render {a['slos']:,} Sloth-style SLOs ({a['rules']:,} rules, "
        f"{a['bytes'] / 1e6:.1f} MB of YAML): **{a['compile_s']:.2f} s** (target <= 2 s; "
        f"loading the specs: {a['load_s']:.2f} s); `promtool check rules`: {a['promtool']}\n"
        f"- (b) {b['slos']} SLOs in a real Prometheus, 3 days of counters (1/min) and "
        f"{b['period_days']} days of 5m SLI series ({b['samples']:,} samples; prepared in "
        f"{b['prep_s']:.0f} s): rule-group evaluation time, summed over {b['groups']} groups, "
        f"median of {b['n'][0]} / {b['n'][1]} evaluations: ekkyo **{b['ekkyo_ms']:.1f} ms**, "
        f"Sloth-shaped **{b['sloth_ms']:.1f} ms** ({speed:.2f}x; target: ekkyo not slower)\n\n"
        f"Machine: {machine()}\n"
    )
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
