"""Prometheus source: an SLO's PromQL queries -> per-minute :class:`Buckets`.

Every query is evaluated at each UTC minute boundary with a 60 s step; how the points
become counts is explained in :mod:`ekkyo.sources.prometheus_counts` and in
``docs/sources.md``.  In short:

- ``counter=True`` (OpenSLO ``counter: true``): the query returns counters; a minute's count
  is what each series gained from the samples in that minute, summed over series, with
  resets, gaps and new series handled per series.
- ``counter=False``: the query's value at the end of a minute *is* that minute's count
  (for example a recording rule ``sum(increase(x[1m]))``).
- A query with Sloth's ``{{.window}}`` placeholder is a rate: ``1m`` is substituted and the
  per-second value times 60 is the minute's count (approximate: ``rate`` extrapolates).

A bucket ``[b, b + 60)`` gets the points at ``b + 60``; ``start`` is floored and ``end`` is
floored to a minute, so only whole minutes in ``[start, end)`` come back.  Minutes without
any series in the ``total`` query are absent (no data is not zero).  Long ranges are split
into chunks below Prometheus's 11,000-points-per-series limit; counters carry their last
values across chunks, so chunking never changes a count.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ekkyo.engine.buckets import MINUTE, Buckets
from ekkyo.sources.errors import SourceConfigError, SourceError
from ekkyo.sources.prometheus_batch import Result, fetch_many
from ekkyo.sources.prometheus_client import (
    MAX_POINTS_PER_SERIES,
    PrometheusClient,
    Series,
    TimeLike,
    unix_seconds,
)
from ekkyo.sources.prometheus_config import (
    RatioQueries,
    ThresholdQuery,
    client_from_connection_details,
    client_from_data_source,
    metric_source_query,
    read_indicator,
)
from ekkyo.sources.prometheus_counts import (
    CounterIncreases,
    DataStart,
    MinuteCounts,
    gauge_counts,
    single_values,
)

__all__ = [
    "DEFAULT_BASELINE_S",
    "DEFAULT_CHUNK_MINUTES",
    "PrometheusClient",
    "RatioQueries",
    "Series",
    "ThresholdQuery",
    "backfill",
    "client_from_connection_details",
    "client_from_data_source",
    "iter_backfill",
    "metric_source_query",
    "pull_ratio",
    "pull_ratios",
    "pull_values",
    "read_indicator",
]

# How far before ``start`` counters are read to learn each series' value at ``start``.
# Prometheus already looks back 5 minutes for every point; this also bridges a scrape
# gap of up to ten more minutes that straddles ``start``.
DEFAULT_BASELINE_S = 600
# One week per request: well below the 11,000-point limit, and a useful progress step.
DEFAULT_CHUNK_MINUTES = 7 * 24 * 60

_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")

Progress = Callable[[int, int], None]


@dataclass
class _Query:
    """One PromQL expression and how its points become per-minute counts."""

    expr: str
    mode: str  # "counter" | "gauge" | "rate"
    increases: CounterIncreases = field(default_factory=CounterIncreases)

    @classmethod
    def of(cls, expr: str, counter: bool, data_start: DataStart, field_name: str) -> _Query:
        if not isinstance(expr, str) or not expr.strip():
            raise SourceConfigError(f"the {field_name} query is empty")
        if _WINDOW.search(expr):
            return cls(_WINDOW.sub("1m", expr), "rate", CounterIncreases(data_start))
        return cls(expr, "counter" if counter else "gauge", CounterIncreases(data_start))

    def feed(self, series: list[Series], out: MinuteCounts) -> None:
        if self.mode == "counter":
            self.increases.feed(series, out)
        else:
            gauge_counts(series, out, scale=float(MINUTE) if self.mode == "rate" else 1.0)


@dataclass(frozen=True)
class _Chunk:
    start: int  # first bucket
    end: int  # end of the last bucket (exclusive)
    query_from: int  # first point to ask for (earlier points only set baselines)

    @property
    def minutes(self) -> int:
        return (self.end - self.start) // MINUTE


def _snap(start: TimeLike, end: TimeLike) -> tuple[int, int]:
    s = int(unix_seconds(start) // MINUTE * MINUTE)
    e = int(unix_seconds(end) // MINUTE * MINUTE)
    if e < s:
        raise SourceConfigError("end must not be before start")
    return s, e


def _plan(start: int, end: int, chunk_minutes: int, baseline_s: int) -> list[_Chunk]:
    if chunk_minutes < 1:
        raise SourceConfigError("chunk_minutes must be at least 1")
    if baseline_s < 0:
        raise SourceConfigError("baseline_s must not be negative")
    baseline_s = baseline_s // MINUTE * MINUTE
    # The first request also carries the baseline points and the point at its start.
    room = MAX_POINTS_PER_SERIES - 1 - baseline_s // MINUTE
    if room < 1:
        raise SourceConfigError("baseline_s leaves no room for data in a request")
    size = min(chunk_minutes, room) * MINUTE
    chunks: list[_Chunk] = []
    c0 = start
    while c0 < end:
        c1 = min(c0 + size, end)
        # Later chunks start after the previous chunk's last point: counters carry it.
        first = c0 - baseline_s if not chunks else c0 + MINUTE
        chunks.append(_Chunk(c0, c1, first))
        c0 = c1
    return chunks


class _RatioPull:
    """One ratio SLI being pulled: its queries and their counter state across chunks."""

    def __init__(self, sli: RatioQueries) -> None:
        # The total query says when the data began (see prometheus_counts).
        self.data_start = DataStart()
        self.total = _Query.of(sli.total, sli.counter, self.data_start, "total")
        self.part_is_bad = sli.bad is not None
        part = sli.bad if sli.bad is not None else sli.good
        assert part is not None
        self.part = _Query.of(
            part, sli.counter, self.data_start, "bad" if self.part_is_bad else "good"
        )
        self.error: SourceError | None = None

    def exprs(self) -> tuple[str, str]:
        return self.total.expr, self.part.expr

    def step(self, chunk: _Chunk, results: dict[str, Result]) -> Buckets | SourceError:
        total_series, part_series = results[self.total.expr], results[self.part.expr]
        for got in (total_series, part_series):
            if isinstance(got, SourceError):
                self.error = got
                return got
        assert not isinstance(total_series, SourceError)
        assert not isinstance(part_series, SourceError)
        self.data_start.observe(total_series)
        total = MinuteCounts.zeros(chunk.start, chunk.minutes)
        part = MinuteCounts.zeros(chunk.start, chunk.minutes)
        self.total.feed(total_series, total)
        self.part.feed(part_series, part)
        return _ratio_buckets(total, part, self.part_is_bad)


def _ratio_buckets(total: MinuteCounts, part: MinuteCounts, part_is_bad: bool) -> Buckets:
    idx = np.flatnonzero(total.present)
    tot = np.maximum(total.sums[idx], 0.0)
    p = part.sums[idx]
    good = tot - p if part_is_bad else p
    # good <= total is an invariant of buckets; a rate or a mismatched query can break
    # it, and a bucket with more good than total events has no meaning.
    good = np.clip(good, 0.0, tot)
    return Buckets.counts(total.start + MINUTE * idx, good, tot)


def _iter_ratios(
    client: PrometheusClient,
    slis: Sequence[RatioQueries],
    start: TimeLike,
    end: TimeLike,
    chunk_minutes: int,
    baseline_s: int,
) -> Iterator[tuple[list[Buckets | SourceError], int]]:
    s, e = _snap(start, end)
    pulls = [_RatioPull(sli) for sli in slis]
    for chunk in _plan(s, e, chunk_minutes, baseline_s):
        live = [p for p in pulls if p.error is None]
        results = fetch_many(
            client, [x for p in live for x in p.exprs()], chunk.query_from, chunk.end, MINUTE
        )
        # An SLI that failed once stays failed: its counters lost their baseline.
        yield [p.step(chunk, results) if p.error is None else p.error for p in pulls], chunk.minutes


def _single(parts: list[Buckets | SourceError]) -> Buckets:
    (got,) = parts
    if isinstance(got, SourceError):
        raise got
    return got


def _iter_values(
    client: PrometheusClient, query: str, start: TimeLike, end: TimeLike, chunk_minutes: int
) -> Iterator[tuple[Buckets, int]]:
    if not isinstance(query, str) or not query.strip():
        raise SourceConfigError("the threshold query is empty")
    expr = _WINDOW.sub("1m", query)
    s, e = _snap(start, end)
    for chunk in _plan(s, e, chunk_minutes, 0):
        series = client.query_range(expr, chunk.query_from, chunk.end, MINUTE)
        out = MinuteCounts.zeros(chunk.start, chunk.minutes)
        doubled = single_values(series, out)
        if doubled:
            raise SourceConfigError(
                f"the threshold query returned {len(series)} series with values for the same "
                f"minute (first at t={doubled[0]}); aggregate it to one series, "
                f"e.g. max(...): {query}"
            )
        idx = np.flatnonzero(out.present)
        yield Buckets.values(chunk.start + MINUTE * idx, out.sums[idx]), chunk.minutes


def pull_ratio(
    client: PrometheusClient,
    *,
    good: str | None = None,
    bad: str | None = None,
    total: str,
    counter: bool = True,
    start: TimeLike,
    end: TimeLike,
    baseline_s: int = DEFAULT_BASELINE_S,
) -> Buckets:
    """Per-minute ``(good, total)`` buckets for the minutes in ``[start, end)``.

    Give exactly one of ``good`` and ``bad``; with ``bad``, good = total - bad.
    """
    sli = RatioQueries(total=total, good=good, bad=bad, counter=counter)
    parts = _iter_ratios(client, [sli], start, end, MAX_POINTS_PER_SERIES, baseline_s)
    return Buckets.concat([_single(p) for p, _ in parts])


def pull_ratios(
    client: PrometheusClient,
    slis: Sequence[RatioQueries],
    *,
    start: TimeLike,
    end: TimeLike,
    baseline_s: int = DEFAULT_BASELINE_S,
) -> list[Buckets | SourceError]:
    """:func:`pull_ratio` for many SLIs at once, in as few requests as possible.

    The worker's tick: the queries of all SLIs go to Prometheus together (see
    :mod:`ekkyo.sources.prometheus_batch`).  Returns one item per SLI, in order: its
    buckets, or the error that stopped it, so one broken query never fails the others.
    """
    chunks = list(_iter_ratios(client, slis, start, end, MAX_POINTS_PER_SERIES, baseline_s))
    out: list[Buckets | SourceError] = []
    for i in range(len(slis)):
        got = [parts[i] for parts, _ in chunks]
        error = next((g for g in got if isinstance(g, SourceError)), None)
        out.append(error or Buckets.concat([g for g in got if isinstance(g, Buckets)]))
    return out


def pull_values(client: PrometheusClient, query: str, start: TimeLike, end: TimeLike) -> Buckets:
    """Per-minute values of a threshold SLI: the query's value at the end of each minute.

    The query must give at most one series at any time (aggregate it, e.g. with ``max``).
    """
    return Buckets.concat(
        [b for b, _ in _iter_values(client, query, start, end, MAX_POINTS_PER_SERIES)]
    )


def iter_backfill(
    client: PrometheusClient,
    *,
    good: str | None = None,
    bad: str | None = None,
    total: str | None = None,
    query: str | None = None,
    counter: bool = True,
    start: TimeLike,
    end: TimeLike,
    chunk_minutes: int = DEFAULT_CHUNK_MINUTES,
    progress: Progress | None = None,
    baseline_s: int = DEFAULT_BASELINE_S,
) -> Iterator[Buckets]:
    """Yield the buckets of ``[start, end)`` chunk by chunk, oldest first.

    Either a ratio SLI (``total`` and one of ``good``/``bad``) or a threshold SLI
    (``query``).  ``progress(done_minutes, total_minutes)`` is called before the first
    request and after each chunk, so a caller can drive a progress bar.
    """
    s, e = _snap(start, end)
    minutes_total = (e - s) // MINUTE
    parts: Iterator[tuple[Buckets, int]]
    if query is not None:
        if good is not None or bad is not None or total is not None:
            raise SourceConfigError("give either a threshold query or ratio queries, not both")
        parts = _iter_values(client, query, s, e, chunk_minutes)
    elif total is None:
        raise SourceConfigError("give a total query (ratio SLI) or a query (threshold SLI)")
    else:
        sli = RatioQueries(total=total, good=good, bad=bad, counter=counter)
        parts = (
            (_single(p), minutes)
            for p, minutes in _iter_ratios(client, [sli], s, e, chunk_minutes, baseline_s)
        )
    done = 0
    if progress is not None:
        progress(done, minutes_total)
    for buckets, minutes in parts:
        done += minutes
        yield buckets
        if progress is not None:
            progress(done, minutes_total)


def backfill(
    client: PrometheusClient,
    *,
    good: str | None = None,
    bad: str | None = None,
    total: str | None = None,
    query: str | None = None,
    counter: bool = True,
    start: TimeLike,
    end: TimeLike,
    chunk_minutes: int = DEFAULT_CHUNK_MINUTES,
    progress: Progress | None = None,
    baseline_s: int = DEFAULT_BASELINE_S,
) -> Buckets:
    """All buckets of ``[start, end)``, pulled in chunks (see :func:`iter_backfill`)."""
    return Buckets.concat(
        list(
            iter_backfill(
                client,
                good=good,
                bad=bad,
                total=total,
                query=query,
                counter=counter,
                start=start,
                end=end,
                chunk_minutes=chunk_minutes,
                progress=progress,
                baseline_s=baseline_s,
            )
        )
    )
