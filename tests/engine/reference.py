"""A deliberately simple reference of SLO_MATH.md for the engine's tests.

Loops over sparse bucket rows, plain datetime arithmetic for calendars, no numpy: slow
and obviously right, so the vectorised engine can be held to it.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from ekkyo.engine import Budgeting, CalendarWindow, Objective

BURN = [
    ("5m", 300),
    ("30m", 1800),
    ("1h", 3600),
    ("2h", 7200),
    ("6h", 21600),
    ("1d", 86400),
    ("3d", 259200),
]
RULES = [
    ("page", "1h", "5m", 0.02),
    ("page", "6h", "30m", 0.05),
    ("ticket", "1d", "2h", 0.10),
    ("ticket", "3d", "6h", 0.10),
]

Row = tuple[int, float, float, float]  # (t, good, total, value), NaN where absent


def _utc(wall: datetime, zone: ZoneInfo) -> int:
    return int(wall.replace(tzinfo=zone).timestamp())


def ref_period(window: CalendarWindow, instant: int) -> tuple[int, int]:
    """(start, P) of the calendar period containing ``instant``."""
    zone = ZoneInfo(window.time_zone)
    local = datetime.fromtimestamp(instant, UTC).astimezone(zone)
    c = window.count
    if window.anchor is None:
        d = local.date()
        if window.unit in ("d", "w"):
            origin = date(1970, 1, 1) if window.unit == "d" else date(1970, 1, 5)
            days = c * (1 if window.unit == "d" else 7)
            first = origin + timedelta(days=(d - origin).days // days * days)
            after = first + timedelta(days=days)
        else:
            months = c * {"M": 1, "Q": 3, "Y": 12}[window.unit]
            index = (d.year - 1970) * 12 + d.month - 1
            i0 = index // months * months
            i1 = i0 + months
            first = date(1970 + i0 // 12, i0 % 12 + 1, 1)
            after = date(1970 + i1 // 12, i1 % 12 + 1, 1)
        start = _utc(datetime(first.year, first.month, first.day), zone)
        return start, (after - first).days * 86400
    anchor = window.anchor
    if anchor.tzinfo is not None:
        anchor = anchor.astimezone(zone).replace(tzinfo=None)
    if window.unit in ("d", "w"):
        step = relativedelta(days=c * (1 if window.unit == "d" else 7))
    else:
        step = relativedelta(months=c * {"M": 1, "Q": 3, "Y": 12}[window.unit])

    def boundary(k: int) -> datetime:
        return anchor + step * k

    k = 0
    while _utc(boundary(k), zone) > instant:
        k -= 1
    while _utc(boundary(k + 1), zone) <= instant:
        k += 1
    length = (boundary(k + 1) - boundary(k)).total_seconds()
    return _utc(boundary(k), zone), int(length)


def _satisfies(value: float, objective: Objective) -> bool:
    th = objective.threshold
    assert th is not None
    return {
        "lt": value < th.value,
        "lte": value <= th.value,
        "gt": value > th.value,
        "gte": value >= th.value,
    }[th.op]


def _minutes(rows: list[Row]) -> tuple[dict[int, list[float]], dict[int, float]]:
    counts: dict[int, list[float]] = {}
    values: dict[int, float] = {}
    for t, good, total, value in rows:
        c = counts.setdefault(t, [0.0, 0.0])
        if not math.isnan(total):
            c[0] += good
            c[1] += total
        if not math.isnan(value):
            values[t] = value  # a later row replaces an earlier one
    return counts, values


def _window_events(
    counts: dict[int, list[float]],
    values: dict[int, float],
    objective: Objective,
    lo: int,
    hi: int,
) -> tuple[float, float]:
    """(good, total) events of the window [lo, hi)."""
    inside = sorted(t for t in counts if lo <= t < hi)
    if objective.budgeting is Budgeting.OCCURRENCES:
        good = total = 0.0
        for t in inside:
            if objective.threshold is None:
                good += counts[t][0]
                total += counts[t][1]
            elif t in values:
                total += 1
                good += 1 if _satisfies(values[t], objective) else 0
        return good, total
    length = objective.time_slice_window_s
    slices: dict[int, list[int]] = {}
    for t in inside:
        slices.setdefault(t // length, []).append(t)
    good = total = 0.0
    for minutes in slices.values():
        if objective.threshold is None:
            g = sum(counts[t][0] for t in minutes)
            n = sum(counts[t][1] for t in minutes)
        else:
            vals = [values[t] for t in minutes if t in values]
            g = sum(1 for v in vals if _satisfies(v, objective))
            n = len(vals)
        if n == 0:
            continue  # a slice without data is excluded
        total += 1
        if objective.budgeting is Budgeting.RATIO_TIMESLICES:
            good += g / n
        elif objective.threshold is not None:
            good += 1 if g == n else 0
        else:
            assert objective.time_slice_target is not None
            good += 1 if g / n >= objective.time_slice_target else 0
    return good, total


def ref_evaluate(rows: list[Row], objective: Objective, at: int) -> dict[str, object]:
    counts, values = _minutes(rows)
    window = objective.window
    if isinstance(window, CalendarWindow):
        start, period = ref_period(window, at - 60)
    else:
        start, period = at - window.length_s, window.length_s
    good, total = _window_events(counts, values, objective, start, at)
    budget = 1 - objective.target
    out: dict[str, object] = {
        "window_start": start,
        "window_end": at,
        "length_s": period,
        "good": good,
        "total": total,
        "allowed_bad": budget * total,
    }
    if total == 0:
        out.update(sli=None, consumed_ratio=None, remaining_ratio=None)
    else:
        out["sli"] = good / total
        out["consumed_ratio"] = (total - good) / (budget * total)
        out["remaining_ratio"] = 1 - (total - good) / (budget * total)
    burn: dict[str, float | None] = {}
    for name, seconds in BURN:
        g, n = _window_events(counts, values, objective, at - seconds, at)
        burn[name] = None if n == 0 else ((n - g) / n) / budget
    out["burn_rates"] = burn
    alerts = []
    for severity, long_w, short_w, fraction in RULES:
        factor = fraction * period / dict(BURN)[long_w]
        lb, sb = burn[long_w], burn[short_w]
        if lb is not None and sb is not None and lb > factor and sb > factor:
            alerts.append((severity, long_w, short_w, factor))
    out["alerts"] = alerts
    r = out["remaining_ratio"]
    b = burn["1d"]
    if r is not None and r <= 0:  # type: ignore[operator]
        out["time_to_exhaustion_s"] = 0.0
    elif r is None or b is None or b == 0:
        out["time_to_exhaustion_s"] = None
    else:
        out["time_to_exhaustion_s"] = r * period / b  # type: ignore[operator]
    return out
