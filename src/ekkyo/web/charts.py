"""The SLO page's chart data: the JSON twin that the charts draw and the tables list.

Numbers come from the engine (:mod:`ekkyo.engine.history` over the bucket store), evaluated
at the instant the worker last evaluated the SLO, so a chart ends exactly where the page's
status stands.  Series are downsampled on the server: at most ``max_points`` points per
chart whatever ``days`` asks for.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

import numpy as np

from ekkyo.engine import ALERT_RULES, BURN_WINDOW_NAMES, BURN_WINDOWS, Series, densify, evaluate
from ekkyo.engine import slo_window as engine_slo_window
from ekkyo.engine.history import (
    DEFAULT_MAX_POINTS,
    budget_burndown,
    burn_rates_over_time,
    chart_times,
    choose_step,
    sli_per_step,
)
from ekkyo.web.objectives import SpecObjective, objectives_of

DEFAULT_DAYS = 90
MAX_DAYS = 400
MINUTE = 60
_LONGEST_BURN_S = max(BURN_WINDOWS.values())


def parse_days(raw: str | None) -> int:
    """``?days=`` as an int in ``[1, MAX_DAYS]``; ValueError with a message otherwise."""
    if raw is None or raw == "":
        return DEFAULT_DAYS
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(f"days must be a whole number, got {raw!r}") from None
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}, got {days}")
    return days


def evaluation_time(result: dict[str, Any] | None, now_s: int) -> int:
    """When the worker last evaluated (its result's window end), else ``now`` to the minute."""
    end = ((result or {}).get("window") or {}).get("end")
    if isinstance(end, str):
        try:
            parsed = datetime.fromisoformat(end.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return int(parsed.timestamp()) // MINUTE * MINUTE
    return now_s // MINUTE * MINUTE


def _numbers(values: Sequence[float] | np.ndarray) -> list[float | None]:
    return [None if math.isnan(x) else float(x) for x in np.asarray(values, dtype=np.float64)]


def _times(times: np.ndarray, tz: tzinfo) -> list[str]:
    return [datetime.fromtimestamp(int(t), UTC).astimezone(tz).isoformat() for t in times]


def read_dense(slo_id: int, series_key: str, start: int, end: int) -> Series:
    """Per-minute data of one series over ``[start, end)`` from the bucket store."""
    from ekkyo.series.store import read_series

    return densify(read_series(slo_id, series_key, start, end), start=start, end=end)


def objective_chart(
    spec: SpecObjective,
    series: Series,
    at: int,
    days: int,
    tz: tzinfo,
    max_points: int = DEFAULT_MAX_POINTS,
) -> dict[str, Any]:
    """Chart data of one objective whose engine ``Objective`` is known."""
    objective = spec.objective
    assert objective is not None
    span = days * 86400
    step = choose_step(span, max_points)
    times = chart_times(at, span, step)
    sli = sli_per_step(series, objective, times, step)
    burn = burn_rates_over_time(series, objective, times)
    down = budget_burndown(series, objective, at, max_points)
    result = evaluate(series, objective, at=at)
    length = engine_slo_window(objective.window, at).length_s
    labels = _times(times, tz)  # the SLI and burn-rate charts share their times
    return {
        "index": spec.index,
        "name": spec.name,
        "target": objective.target,
        "problem": "",
        "evaluated_at": datetime.fromtimestamp(at, UTC).astimezone(tz).isoformat(),
        "result": result.as_dict(),
        "sli": {"step_s": step, "t": labels, "sli": _numbers(sli)},
        "burndown": {
            "window": {
                "start": datetime.fromtimestamp(down.window_start, UTC).astimezone(tz).isoformat(),
                "end": datetime.fromtimestamp(down.window_end, UTC).astimezone(tz).isoformat(),
                "length_s": down.length_s,
                # Where spending evenly would reach zero: the guide line of a burn-down.
                "planned_end": datetime.fromtimestamp(down.window_start + down.length_s, UTC)
                .astimezone(tz)
                .isoformat(),
            },
            "t": _times(down.t, tz),
            "remaining_ratio": _numbers(down.remaining_ratio),
        },
        "burn_rates": {
            "t": labels,
            "windows": {name: _numbers(burn[:, j]) for j, name in enumerate(BURN_WINDOW_NAMES)},
            "alert_rules": [
                {
                    "severity": rule.severity,
                    "long_window": rule.long_window,
                    "short_window": rule.short_window,
                    "factor": rule.factor(length),
                }
                for rule in ALERT_RULES
            ],
        },
    }


def chart_data(
    slo_id: int,
    slo_name: str,
    document: dict[str, Any],
    results: dict[int, dict[str, Any]],
    days: int,
    now_s: int,
    tz: tzinfo,
    max_points: int = DEFAULT_MAX_POINTS,
) -> dict[str, Any]:
    """The chart JSON of one SLO: one entry per objective, in spec order.

    ``results`` maps objective index → the worker's last result (it fixes the evaluation
    time).  Objectives that share a series read it from the store once.
    """
    cache: dict[tuple[str, int, int], Series] = {}
    charts = []
    for spec in objectives_of(document):
        if spec.objective is None:
            charts.append({"index": spec.index, "name": spec.name, "problem": spec.problem})
            continue
        at = evaluation_time(results.get(spec.index), now_s)
        window_start = engine_slo_window(spec.objective.window, at).start
        start = min(at - days * 86400, window_start) - _LONGEST_BURN_S
        key = (spec.series_key, start, at)
        if key not in cache:
            cache[key] = read_dense(slo_id, spec.series_key, start, at)
        charts.append(objective_chart(spec, cache[key], at, days, tz, max_points))
    return {"slo": slo_name, "days": days, "time_zone": str(tz), "objectives": charts}


def as_tables(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart JSON as rows for tables: the same numbers, one row per point."""
    tables = []
    for o in data["objectives"]:
        if o.get("problem"):
            tables.append({"index": o["index"], "name": o["name"], "problem": o["problem"]})
            continue
        windows = o["burn_rates"]["windows"]
        names = list(windows)
        tables.append(
            {
                "index": o["index"],
                "name": o["name"],
                "problem": "",
                "sli_rows": list(zip(o["sli"]["t"], o["sli"]["sli"], strict=True)),
                "burndown_rows": list(
                    zip(o["burndown"]["t"], o["burndown"]["remaining_ratio"], strict=True)
                ),
                "burn_windows": names,
                "burn_rows": [
                    (t, [windows[n][i] for n in names]) for i, t in enumerate(o["burn_rates"]["t"])
                ],
            }
        )
    return tables
