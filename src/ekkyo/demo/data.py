"""Per-minute data for every demo SLO: deterministic, realistic, vectorised.

Traffic follows Japanese daily and weekly rhythms (quiet nights, lunch and evening peaks in
Tokyo time, busier weekends for shops, quiet ones for offices, pay day on the 25th), with
day-to-day and minute-to-minute noise; errors and latencies add incidents and a slow
degradation as :mod:`ekkyo.demo.profiles` describes.  Everything is a function of
``(now, days, seed)``: each SLO draws from its own random stream, seeded by the seed and
its name, so the data never depends on the order of the profiles.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ekkyo.demo.profiles import PROFILES, Incident, Profile
from ekkyo.engine.buckets import Buckets

MINUTE = 60
HOUR = 3600
DAY = 86400
TOKYO = 9 * HOUR  # Japan has no daylight saving time: a fixed offset is exact

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Shape:
    """Relative traffic by Tokyo hour (0-23, interpolated per minute) and weekday (Mon-Sun)."""

    hourly: tuple[float, ...]
    weekly: tuple[float, ...]
    payday: float = 1.0  # the 25th, when salaries are paid


# Hourly shapes, 00:00 to 23:00 in Tokyo, twelve values a line.
# fmt: off
_EC_HOURS = (
    0.30, 0.18, 0.10, 0.07, 0.06, 0.08, 0.15, 0.28, 0.40, 0.50, 0.58, 0.62,
    0.78, 0.70, 0.62, 0.60, 0.62, 0.68, 0.78, 0.90, 1.00, 1.00, 0.88, 0.55,
)
_MOBILE_HOURS = (
    0.30, 0.15, 0.08, 0.05, 0.05, 0.10, 0.30, 0.65, 0.70, 0.50, 0.45, 0.50,
    0.75, 0.60, 0.50, 0.50, 0.55, 0.70, 0.85, 0.80, 0.90, 1.00, 0.85, 0.55,
)
# Coupon pushes go out before lunch and in the evening, on top of order notifications.
_CAMPAIGN_HOURS = (
    0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.15, 0.20, 0.20, 0.25, 0.90,
    1.00, 0.30, 0.20, 0.20, 0.20, 0.25, 0.80, 1.00, 0.60, 0.30, 0.15, 0.10,
)
# Stores open at 10:00 and close at 21:00; registers start a little before.
_STORE_HOURS = (
    0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.05, 0.60, 0.80,
    0.95, 0.90, 0.80, 0.75, 0.80, 0.90, 1.00, 0.95, 0.80, 0.50, 0.05, 0.00,
)
_LOGISTICS_HOURS = (
    0.10, 0.05, 0.05, 0.05, 0.10, 0.30, 0.60, 0.80, 0.90, 1.00, 1.00, 0.95,
    0.85, 0.90, 0.95, 0.95, 0.90, 0.80, 0.60, 0.45, 0.35, 0.30, 0.20, 0.15,
)
_OFFICE_HOURS = (
    0.20, 0.20, 0.20, 0.20, 0.20, 0.20, 0.20, 0.40, 0.70, 1.00, 1.00, 1.00,
    0.80, 1.00, 1.00, 1.00, 1.00, 0.90, 0.70, 0.50, 0.40, 0.30, 0.25, 0.20,
)
# fmt: on
_SHOPPING_WEEK = (0.95, 0.92, 0.95, 0.97, 1.05, 1.20, 1.20)
_OFFICE_WEEK = (1.0, 1.0, 1.0, 1.0, 1.0, 0.15, 0.10)
_EVERY_DAY = (1.0,) * 7

SHAPES: dict[str, Shape] = {
    "ec": Shape(_EC_HOURS, _SHOPPING_WEEK, payday=1.15),
    "mobile": Shape(_MOBILE_HOURS, _SHOPPING_WEEK, payday=1.1),
    "campaign": Shape(_CAMPAIGN_HOURS, _SHOPPING_WEEK),
    "store": Shape(_STORE_HOURS, (0.90, 0.90, 0.90, 0.95, 1.05, 1.30, 1.25)),
    # Stock updates: what the stores sell, plus deliveries and stock takes around the clock.
    "sync": Shape(tuple(0.25 + 0.75 * h for h in _STORE_HOURS), _EVERY_DAY),
    "logistics": Shape(_LOGISTICS_HOURS, (1.05, 1.05, 1.05, 1.05, 1.05, 0.80, 0.60)),
    "office": Shape(_OFFICE_HOURS, _OFFICE_WEEK),
    # Cluster services: controllers and nodes around the clock, people in office hours.
    "cluster": Shape(tuple(0.6 + 0.4 * h for h in _OFFICE_HOURS), (1.0,) * 5 + (0.9, 0.9)),
}


@dataclass(frozen=True)
class _Clock:
    """Tokyo calendar facts for each minute of the data."""

    hour: Array  # fractional hour of the day
    weekday: npt.NDArray[np.int64]  # Monday 0
    day: npt.NDArray[np.int64]  # days since the first day of the data
    payday: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, t: npt.NDArray[np.int64]) -> _Clock:
        local = t + TOKYO
        days = local // DAY
        dates = days.astype("datetime64[D]")
        day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        return cls(
            hour=(local % DAY) / HOUR,
            weekday=(days + 3) % 7,  # 1970-01-01 was a Thursday
            day=days - days[0],
            payday=day_of_month == 25,
        )


def _traffic_shape(shape: Shape, clock: _Clock) -> Array:
    hourly = np.array([*shape.hourly, shape.hourly[0]])
    daily = np.interp(clock.hour, np.arange(25), hourly)
    weekly = np.asarray(shape.weekly)[clock.weekday]
    out: Array = daily * weekly * np.where(clock.payday, shape.payday, 1.0)
    return out


def _incident_span(incident: Incident, end: int) -> tuple[int, int]:
    if incident.days_ago == 0:
        return end - incident.minutes * MINUTE, end
    last_day = (end - MINUTE + TOKYO) // DAY * DAY - TOKYO  # Tokyo midnight of the last day
    start = last_day - incident.days_ago * DAY + round(incident.hour * 60) * MINUTE
    return start, start + incident.minutes * MINUTE


def _lognormal(rng: np.random.Generator, sigma: float, size: int) -> Array:
    """Multiplicative noise with mean 1."""
    noise: Array = np.exp(rng.normal(-sigma * sigma / 2, sigma, size))
    return noise


def _profile_buckets(
    profile: Profile, t: npt.NDArray[np.int64], clock: _Clock, end: int, seed: int
) -> Buckets:
    rng = np.random.default_rng([seed, zlib.crc32(profile.slo.encode())])
    n = len(t)
    shape = _traffic_shape(SHAPES[profile.shape], clock)
    day_noise = _lognormal(rng, 0.06, int(clock.day[-1]) + 1)[clock.day]
    rate = profile.traffic * shape * day_noise * _lognormal(rng, 0.08, n)
    keep = t < end - round(profile.silent_days * DAY)

    if profile.kind == "ratio":
        bad_fraction = profile.error_rate * _lognormal(rng, 0.6, n)
        for incident in profile.incidents:
            lo, hi = _incident_span(incident, end)
            bad_fraction[(t >= lo) & (t < hi)] += incident.error_rate
        total = rng.poisson(rate).astype(np.float64)
        bad = rng.binomial(total.astype(np.int64), np.clip(bad_fraction, 0.0, 1.0))
        keep &= total > 0
        return Buckets.counts(t[keep], (total - bad)[keep], total[keep])

    value = profile.value * (1 + profile.load * shape) * _lognormal(rng, profile.noise, n)
    for incident in profile.incidents:
        lo, hi = _incident_span(incident, end)
        value[(t >= lo) & (t < hi)] *= incident.slowdown
    if profile.degrade_days:
        span = profile.degrade_days * DAY
        progress = np.clip((t - (end - span)) / span, 0.0, 1.0)
        value *= 1 + (profile.degrade_to - 1) * progress
        # Spikes come at any hour, so the degradation burns budget at a steady pace.
        value *= np.where(rng.random(n) < profile.spikes_to * progress, profile.spike, 1.0)
    # A percentile needs requests: the quietest minutes have no value.
    keep &= rate >= 0.02 * profile.traffic
    return Buckets.values(t[keep], np.round(value[keep], 2))


def generate(now: int, days: int = 90, seed: int = 7) -> dict[str, Buckets]:
    """Buckets for every demo SLO over the ``days`` before ``now`` (rounded down to a minute).

    Deterministic in ``(now, days, seed)``; keys in the order of ``PROFILES``.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    end = int(now) - int(now) % MINUTE
    t = np.arange(end - days * DAY, end, MINUTE, dtype=np.int64)
    clock = _Clock.of(t)
    return {p.slo: _profile_buckets(p, t, clock, end, seed) for p in PROFILES}


def write_csv(path: str | os.PathLike[str], buckets: dict[str, Buckets]) -> int:
    """Write ``buckets`` as one bucket CSV (``timestamp,slo,good,total,value``, rows in time
    order, ISO-8601 UTC times), as ``ekkyo.sources.csvfile`` reads it; returns the rows."""
    names = list(buckets)
    parts = list(buckets.values())
    t = np.concatenate([b.t for b in parts]) if parts else np.empty(0, np.int64)
    slo = np.repeat(np.arange(len(parts), dtype=np.int32), [len(b) for b in parts])
    good, total, value = (
        np.concatenate([getattr(b, c) for b in parts]) if parts else np.empty(0)
        for c in ("good", "total", "value")
    )
    order = np.lexsort((slo, t))
    table = pa.table(
        {
            "timestamp": _iso_minutes(t[order]),
            "slo": pa.DictionaryArray.from_arrays(pa.array(slo[order]), pa.array(names)),
            "good": _nullable(good[order]).cast(pa.int64()),
            "total": _nullable(total[order]).cast(pa.int64()),
            "value": _nullable(value[order]),
        }
    )
    with open(path, "wb") as f:
        f.write(b"timestamp,slo,good,total,value\n")
        options = pacsv.WriteOptions(include_header=False, quoting_style="none")
        pacsv.write_csv(table, f, options)
    return len(order)


def _iso_minutes(sorted_t: npt.NDArray[np.int64]) -> pa.Array:
    """``2024-05-01T00:00:00Z`` for each of the sorted times.  Each distinct minute is
    formatted once: formatting is the slow part, and minutes repeat once per SLO."""
    first = np.ones(len(sorted_t), bool)
    first[1:] = sorted_t[1:] != sorted_t[:-1]
    labels = np.datetime_as_string(sorted_t[first].astype("datetime64[s]"), unit="s")
    stamps = pc.binary_join_element_wise(pa.array(labels), "Z", "")
    return stamps.take(pa.array(np.cumsum(first) - 1))


def _nullable(x: Array) -> pa.Array:
    return pa.array(x, mask=np.isnan(x))
