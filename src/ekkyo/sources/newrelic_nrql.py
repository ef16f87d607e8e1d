"""NRQL for per-minute SLI buckets: checking a spec's query, chunking a range, parsing results.

Pure functions (no I/O) used by :mod:`ekkyo.sources.newrelic`.

A spec holds only the ``SELECT … FROM … WHERE …`` part of a query; ekkyo appends
``SINCE <epoch ms> UNTIL <epoch ms> TIMESERIES 1 minute`` itself, one chunk of the range
at a time, because NRQL returns at most 366 TIMESERIES buckets per query (New Relic, "NRQL
reference", TIMESERIES clause, "Use MAX interval": "The maximum number of TIMESERIES
buckets that will be returned is 366";
https://docs.newrelic.com/docs/nrql/nrql-syntax-clauses-functions/#sel-timeseries).
With 1-minute buckets a chunk therefore spans at most 366 minutes (6 h 6 min).

``SINCE`` is inclusive and ``UNTIL`` exclusive (same page, SINCE and UNTIL clauses), which
matches a bucket ``[t, t + 60 s)``; with both on minute boundaries New Relic has nothing to
snap ("Set a query's time range", TIMESERIES query snapping), so bucket *k* of a chunk
starting at ``s`` is exactly ``[s + 60 k, s + 60 (k + 1))``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ekkyo.engine.buckets import MINUTE
from ekkyo.sources.errors import SourceConfigError, SourceResponseError

#: The most TIMESERIES buckets one NRQL query returns (see the module docstring).
MAX_TIMESERIES_BUCKETS = 366

#: Top-level clauses a spec's query must not carry: ekkyo adds the time range and the
#: bucketing itself, and the others change the shape of the results (several series per
#: minute, a comparison series, overlapping windows) so they cannot become one bucket.
FORBIDDEN_CLAUSES: tuple[tuple[str, str], ...] = (
    ("SINCE", "SINCE"),
    ("UNTIL", "UNTIL"),
    ("TIMESERIES", "TIMESERIES"),
    ("LIMIT", "LIMIT"),
    ("FACET", "FACET"),
    ("COMPARE", "COMPARE WITH"),
    ("SLIDE", "SLIDE BY"),
)

#: Keys of a TIMESERIES result row that describe the bucket rather than the aggregate.
_BUCKET_KEYS = frozenset({"beginTimeSeconds", "endTimeSeconds", "inspectedCount"})


@dataclass(frozen=True)
class Chunk:
    """A half-open range ``[start, end)`` of whole minutes, in Unix seconds."""

    start: int
    end: int

    @property
    def minutes(self) -> int:
        return (self.end - self.start) // MINUTE


# --------------------------------------------------------------------------- queries


def normalize_query(nrql: object, *, field: str = "nrql") -> str:
    """Check a spec's NRQL and return it ready for a time range to be appended.

    Comments are removed and runs of whitespace outside string literals collapse to one
    space, so a multi-line YAML block becomes one line and a trailing ``-- comment``
    cannot swallow the clauses ekkyo appends.  Raises :class:`SourceConfigError` naming
    ``field`` for an empty query, one without SELECT and FROM, or one carrying any of
    :data:`FORBIDDEN_CLAUSES` outside parentheses (a subquery may use them).
    """
    if not isinstance(nrql, str) or not nrql.strip():
        raise SourceConfigError(f"{field}: an NRQL query is required (SELECT … FROM …)")
    text, words = _scan(nrql, field)
    upper = [w.upper() for w in words]
    for keyword, clause in FORBIDDEN_CLAUSES:
        if keyword in upper:
            raise SourceConfigError(
                f"{field}: remove the {clause} clause; ekkyo adds "
                "SINCE/UNTIL/TIMESERIES itself and needs one value per minute"
            )
    if "SELECT" not in upper or "FROM" not in upper:
        raise SourceConfigError(f"{field}: an NRQL query needs SELECT and FROM")
    return text


def _scan(nrql: str, field: str) -> tuple[str, list[str]]:
    """Return (query without comments, whitespace collapsed; top-level words)."""
    out: list[str] = []
    words: list[str] = []
    depth = 0
    i, n = 0, len(nrql)

    def space() -> None:
        if out and out[-1] != " ":
            out.append(" ")

    while i < n:
        c = nrql[i]
        if c in "'\"`":
            j = i + 1
            while j < n and nrql[j] != c:
                j += 2 if nrql[j] == "\\" else 1
            if j >= n:
                raise SourceConfigError(f"{field}: unterminated {c}…{c} in the NRQL query")
            out.append(nrql[i : j + 1])
            i = j + 1
        elif nrql.startswith("--", i) or nrql.startswith("//", i):
            j = nrql.find("\n", i)
            i = n if j < 0 else j
            space()
        elif nrql.startswith("/*", i):
            j = nrql.find("*/", i + 2)
            if j < 0:
                raise SourceConfigError(f"{field}: unterminated /* comment in the NRQL query")
            i = j + 2
            space()
        elif c.isspace():
            space()
            i += 1
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (nrql[j].isalnum() or nrql[j] in "_."):
                j += 1
            if depth == 0:
                words.append(nrql[i:j])
            out.append(nrql[i:j])
            i = j
        else:
            if c == "(":
                depth += 1
            elif c == ")":
                depth = max(0, depth - 1)
            out.append(c)
            i += 1
    return "".join(out).strip(), words


def timeseries_query(base: str, chunk: Chunk) -> str:
    """The full NRQL for one chunk: ``base`` is the output of :func:`normalize_query`."""
    return f"{base} SINCE {chunk.start * 1000} UNTIL {chunk.end * 1000} TIMESERIES 1 minute"


# --------------------------------------------------------------------------- chunks


def whole_minutes(start: int, end: int) -> Chunk | None:
    """The whole minutes inside ``[start, end)``, or None when there are none.

    ``start`` rounds up and ``end`` down: a pull never asks for a partial minute, since
    buckets of the same minute are *added* (SLO_MATH.md) and a partial one pulled again
    later would be counted twice.
    """
    first = -(-start // MINUTE) * MINUTE
    last = end // MINUTE * MINUTE
    return Chunk(first, last) if last > first else None


def chunks(start: int, end: int, max_minutes: int = MAX_TIMESERIES_BUCKETS) -> Iterator[Chunk]:
    """Split ``[start, end)`` (minute boundaries) into consecutive chunks of at most
    ``max_minutes`` minutes each, in time order."""
    if not 1 <= max_minutes <= MAX_TIMESERIES_BUCKETS:
        raise SourceConfigError(
            f"chunk size must be 1 to {MAX_TIMESERIES_BUCKETS} minutes, not {max_minutes}"
        )
    if start % MINUTE or end % MINUTE:
        raise SourceConfigError("chunk bounds must be on minute boundaries")
    step = max_minutes * MINUTE
    for s in range(start, end, step):
        yield Chunk(s, min(s + step, end))


# --------------------------------------------------------------------------- results


def parse_timeseries(results: object, chunk: Chunk, *, query: str) -> dict[int, float | None]:
    """Map each bucket start of a TIMESERIES answer to its aggregate (None: no value).

    Rows look like ``{"beginTimeSeconds": 1700000000, "endTimeSeconds": 1700000060,
    "count": 12}``; the aggregate's key depends on the function (``count``,
    ``average.duration``, ``percentile.duration`` whose value is ``{"95": 0.31}``,
    ``result`` for arithmetic, or an ``AS`` name).  Anything else (a bucket outside the
    chunk or not one minute long, several aggregates, text) raises
    :class:`SourceResponseError` naming ``query``.
    """

    def bad(message: str) -> SourceResponseError:
        return SourceResponseError(f"New Relic answered unexpectedly to {query!r}: {message}")

    if not isinstance(results, list):
        raise bad("results is not a list")
    series: dict[int, float | None] = {}
    for row in results:
        if not isinstance(row, dict):
            raise bad("a result row is not an object")
        begin = _whole_seconds(row.get("beginTimeSeconds"))
        end = _whole_seconds(row.get("endTimeSeconds"))
        if begin is None or end is None:
            raise bad("a row lacks beginTimeSeconds/endTimeSeconds (is it a TIMESERIES?)")
        if end - begin != MINUTE or begin % MINUTE:
            raise bad(f"expected 1-minute buckets on minute boundaries, got [{begin}, {end})")
        if not chunk.start <= begin < chunk.end:
            raise bad(f"bucket {begin} is outside the range asked for [{chunk.start}, {chunk.end})")
        if begin in series:
            raise bad(f"bucket {begin} appears twice (does the query use FACET?)")
        series[begin] = _aggregate(row, bad)
    return series


def _whole_seconds(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def _aggregate(row: Mapping[str, Any], bad: Any) -> float | None:
    keys = sorted(k for k in row if k not in _BUCKET_KEYS)
    if len(keys) != 1:
        raise bad(f"expected exactly one aggregate per bucket, got keys {keys}")
    value = row[keys[0]]
    if isinstance(value, dict):
        # percentile(x, 95) answers {"95": 0.31}: one entry is one value; several
        # percentiles in one query cannot be one bucket value.
        if len(value) != 1:
            raise bad(f"{keys[0]!r} holds {len(value)} values; select a single percentile")
        value = next(iter(value.values()))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise bad(f"{keys[0]!r} is not a number: {value!r}")
    return float(value)


# --------------------------------------------------------------------------- ratios


def combine_ratio(
    numerator: Mapping[int, float | None],
    total: Mapping[int, float | None],
    *,
    numerator_is_good: bool,
) -> tuple[list[int], list[float], list[float]]:
    """Per-minute ``(t, good, total)`` from a good (or bad) series and a total series.

    Every minute either series answered becomes a row: a minute with no events is
    ``good = total = 0`` (New Relic's ``count`` answers 0 there; ``null`` from ``sum``
    and friends means the same: no events), and a minute one series lacks counts 0 in
    it.  The two queries run one after the other, so events arriving in between can make
    a numerator exceed its total; ``good`` is clamped to ``[0, total]`` to keep
    ``good <= total`` (SLO_MATH.md).  Negative counts are a bad answer.
    """
    ts = sorted(set(numerator) | set(total))
    goods: list[float] = []
    totals: list[float] = []
    for t in ts:
        n = numerator.get(t) or 0.0
        tot = total.get(t) or 0.0
        if n < 0 or tot < 0:
            raise SourceResponseError(f"New Relic answered a negative count for minute {t}")
        good = n if numerator_is_good else tot - n
        goods.append(min(max(good, 0.0), tot))
        totals.append(tot)
    return ts, goods, totals


def values_of(series: Mapping[int, float | None]) -> tuple[list[int], list[float]]:
    """Minutes with a value, in time order: a ``null`` aggregate is *no data* (the
    engine leaves such minutes out of threshold SLIs), never a value of 0."""
    present = sorted((t, v) for t, v in series.items() if v is not None)
    return [t for t, _ in present], [v for _, v in present]


def chunk_list(start: int, end: int, max_minutes: int) -> Sequence[Chunk]:
    """All chunks of the whole minutes in ``[start, end)`` (empty when there are none)."""
    whole = whole_minutes(start, end)
    return [] if whole is None else list(chunks(whole.start, whole.end, max_minutes))
