"""Compiled rules in a real Prometheus, on backfilled counters, against ekkyo's engine.

Seven days of two counters (`code="200"` and `code="500"`) with traffic and error ratios
that change by the hour are backfilled with promtool; the compiled SLI expressions are
evaluated at the end of the data and compared with the engine's burn rates (times the
error budget) on the same per-minute counts.  For the event-weighted period SLI the 5-minute
event rates are first backfilled with ``promtool tsdb create-blocks-from rules`` (as a
Prometheus evaluating the rules for a week would have recorded them), then the period rule
is evaluated on a second server holding both.

Tolerance.  Scrapes come every 15 s at 5 s past; minute ``j``'s events are spread over its
four scrapes.  ``rate()`` over ``(T - w, T]`` sees the increase between the first and last
samples in the window, scaled to the window; the scale is the same for both counters (same
sample times, large initial values so that no extrapolation is cut at zero) and cancels in
the ratio.  What it misses is the share of the first minute's events in the window's first
scrape (≤ ``E_b`` bad, ``E_t`` total).  With ``B``, ``T_w`` the window's exact counts and
``r = B / T_w``, Prometheus's ratio is ``(B - b0) / (T_w - t0)``, so
``|r' - r| <= (E_b + r E_t) / (T_w - E_t)``.  For the period, the 5-minute samples at each
end of the period also cover up to 5 minutes outside or leave them out: the same bound with
5 minutes of events in place of one scrape's.
"""

from __future__ import annotations

import shutil
import subprocess

import httpx
import numpy as np
import pytest

from ekkyo import engine, toolkit
from ekkyo.rules import Options, compile_prometheus, render
from tests.conftest import require_binary
from tests.rules.helpers import load, openslo
from tests.sources.promserver import PromSeries, counter_samples, start_prometheus

pytestmark = [pytest.mark.real, pytest.mark.slow]

T0 = 1_700_000_040  # a UTC minute boundary
MINUTES = 7 * 24 * 60 + 30
END = T0 + 60 * MINUTES
TARGET = 0.99


def _traffic() -> tuple[np.ndarray, np.ndarray]:
    minute = np.arange(MINUTES)
    hour = minute // 60
    total = 400 + 40 * (hour % 24) + 8 * (minute % 7)  # busier in the afternoon
    ratio = np.where(hour % 24 == 3, 0.08, 0.004)  # a bad hour every night
    ratio[-90:] = 0.05  # and a bad end: the short windows differ from the long ones
    bad = np.floor(total * ratio).astype(np.int64)
    return bad, total.astype(np.int64)


def _engine_error_ratios(bad, total, period_s):
    loaded = load(openslo(window=f"{period_s // 86400}d", target=TARGET))
    buckets = engine.Buckets(
        T0 + 60 * np.arange(MINUTES),
        (total - bad).astype(float),
        total.astype(float),
        np.full(MINUTES, np.nan),
    )
    objective = toolkit.objectives_of(loaded.slos[0])[0].objective
    result = engine.evaluate(toolkit.series_for(buckets, END), objective, at=END)
    ratios = {w: b * (1 - TARGET) for w, b in result.burn_rates.items()}
    ratios["period"] = 1 - result.sli
    return ratios, loaded


def _bound(bad, total, minutes: int, edge_bad: float, edge_total: float) -> float:
    b, t = float(bad[-minutes:].sum()), float(total[-minutes:].sum())
    return (edge_bad + (b / t) * edge_total) / (t - edge_total)


def _query(url: str, expr: str) -> float:
    answer = httpx.get(f"{url}/api/v1/query", params={"query": expr, "time": END}, timeout=30)
    answer.raise_for_status()
    result = answer.json()["data"]["result"]
    assert len(result) == 1, (expr, result)
    return float(result[0]["value"][1])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    prometheus = require_binary("prometheus", "apt install prometheus")
    promtool = require_binary("promtool", "apt install prometheus")
    bad, total = _traffic()
    series = [
        PromSeries(
            "req_total",
            {"job": "api", "code": "200"},
            counter_samples(T0, list(total - bad), initial=1e6),
        ),
        PromSeries(
            "req_total", {"job": "api", "code": "500"}, counter_samples(T0, list(bad), initial=1e6)
        ),
    ]
    workdir = tmp_path_factory.mktemp("rules-prom")
    server = start_prometheus(workdir / "a", series, prometheus=prometheus, promtool=promtool)
    yield bad, total, series, server, workdir, prometheus, promtool
    server.stop()


def _spec():
    return openslo(
        bad='req_total{job="api",code="500"}',
        total='req_total{job="api"}',
        window="7d",
        target=TARGET,
    )


def test_it_records_window_ratios_that_match_the_engine(data):
    bad, total, _, server, *_ = data
    loaded = load(_spec())
    rules = compile_prometheus(loaded.slos, loaded.objects)
    expected, _ = _engine_error_ratios(bad, total, 7 * 86400)
    sli_rules = rules.groups[0]["rules"]
    # One scrape's share of a minute: counter_samples gives each scrape inc // 4, the last
    # one the rest, so the first scrape holds at most a quarter.
    edge_bad, edge_total = float(bad.max()) / 4, float(total.max()) / 4
    for rule, (window, seconds) in zip(sli_rules, engine.BURN_WINDOWS.items(), strict=False):
        got = _query(server.url, rule["expr"])
        tolerance = _bound(bad, total, seconds // 60, edge_bad, edge_total)
        assert got == pytest.approx(expected[window], abs=tolerance), window
    # The windows really differ, so a window mix-up would be caught.
    assert expected["5m"] > 5 * expected["3d"]


def test_it_records_an_event_weighted_period_that_matches_the_engine(data, tmp_path):
    bad, total, series, server, workdir, prometheus, promtool = data
    loaded = load(_spec())
    rules = compile_prometheus(loaded.slos, loaded.objects, Options(period_sli="events"))
    sli_rules = rules.groups[0]["rules"]
    events = {"groups": [{"name": "events", "rules": sli_rules[:2]}]}
    (tmp_path / "events.yaml").write_text(render_groups(events))
    blocks = tmp_path / "blocks"
    done = subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "rules",
            f"--start={END - 7 * 86400 - 600}",
            f"--end={END}",
            f"--url={server.url}",
            "--eval-interval=60s",
            f"--output-dir={blocks}",
            str(tmp_path / "events.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # A second server holding the counters and the backfilled 5-minute event rates, with
    # the whole compiled rule file loaded.
    second = workdir / "b"
    (second / "data").mkdir(parents=True)
    for block in blocks.iterdir():
        if block.is_dir():
            shutil.copytree(block, second / "data" / block.name)
    (second / "rules.yaml").write_text(render(rules))
    server_b = start_prometheus(
        second,
        series,
        prometheus=prometheus,
        promtool=promtool,
        config_extra=f"rule_files: [{second / 'rules.yaml'}]\n",
    )
    try:
        period_rule = next(r for r in sli_rules if r["record"].endswith("rate1w"))
        got = _query(server_b.url, period_rule["expr"])
        loaded_groups = httpx.get(f"{server_b.url}/api/v1/rules", timeout=10).json()
    finally:
        server_b.stop()
    expected, _ = _engine_error_ratios(bad, total, 7 * 86400)
    five_minutes_bad, five_minutes_total = 5 * float(bad.max()), 5 * float(total.max())
    tolerance = _bound(bad, total, 7 * 1440, 2 * five_minutes_bad, 2 * five_minutes_total)
    assert got == pytest.approx(expected["period"], abs=tolerance)
    # The period differs from the average of 5-minute ratios on this uneven traffic.
    assert tolerance < abs(expected["period"] - float(np.mean(bad / total)))
    names = [g["name"] for g in loaded_groups["data"]["groups"]]
    assert sorted(names) == sorted(g["name"] for g in rules.groups)


def render_groups(document) -> str:
    from ekkyo.rules import yamltext

    return yamltext.dump(document)
