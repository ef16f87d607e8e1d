"""New Relic source: NRQL over NerdGraph turned into per-minute SLI buckets.

- :class:`NerdGraphClient` talks to NerdGraph (``newrelic_client``);
- :func:`pull_ratio` / :func:`pull_values` fetch ``[start, end)`` as :class:`Buckets`,
  one NRQL query per chunk of at most 366 minutes (``newrelic_nrql``);
- :func:`iter_pull` yields chunk by chunk so a caller can store each one as it arrives,
  and :func:`backfill` pulls a long history with a progress callback;
- :func:`client_for` builds a client from a ``DataSource`` read by ``newrelic_settings``.

Times are Unix seconds; only whole minutes inside ``[start, end)`` are pulled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, Protocol

from ekkyo.engine.buckets import Buckets
from ekkyo.sources.errors import SourceConfigError
from ekkyo.sources.newrelic_client import ENDPOINTS, NRQL_GRAPHQL, NerdGraphClient
from ekkyo.sources.newrelic_nrql import (
    MAX_TIMESERIES_BUCKETS,
    Chunk,
    chunk_list,
    chunks,
    combine_ratio,
    normalize_query,
    parse_timeseries,
    timeseries_query,
    values_of,
)
from ekkyo.sources.newrelic_settings import (
    NewRelicConnection,
    RatioQueries,
    ThresholdQuery,
    read_data_source,
    read_indicator,
    read_metric_source,
    resolve_api_key,
)

__all__ = [
    "ENDPOINTS",
    "MAX_TIMESERIES_BUCKETS",
    "NRQL_GRAPHQL",
    "Chunk",
    "NerdGraphClient",
    "NewRelicConnection",
    "NrqlRunner",
    "RatioQueries",
    "ThresholdQuery",
    "backfill",
    "chunks",
    "client_for",
    "iter_pull",
    "pull_ratio",
    "pull_values",
    "read_data_source",
    "read_indicator",
    "read_metric_source",
    "resolve_api_key",
]

Time = int | datetime
#: ``progress(done_minutes, total_minutes)`` after each chunk.
Progress = Callable[[int, int], None]


class NrqlRunner(Protocol):
    """Anything that runs one NRQL query and returns its result rows."""

    def nrql(self, query: str) -> list[dict[str, Any]]: ...


def pull_ratio(
    client: NrqlRunner,
    *,
    good_nrql: str | None = None,
    bad_nrql: str | None = None,
    total_nrql: str,
    start: Time,
    end: Time,
    chunk_minutes: int = MAX_TIMESERIES_BUCKETS,
    progress: Progress | None = None,
) -> Buckets:
    """Per-minute ``(t, good, total)`` for a ratio SLI: ``total_nrql`` with exactly one of
    ``good_nrql``/``bad_nrql`` (each ``SELECT … FROM … [WHERE …]``, one aggregate).

    Every minute New Relic answers becomes a row, zero counts included; see
    :func:`ekkyo.sources.newrelic_nrql.combine_ratio` for the rules.
    """
    queries = _ratio_queries(good_nrql, bad_nrql, total_nrql)
    return _collect(iter_pull(client, queries, start, end, chunk_minutes=chunk_minutes), progress)


def pull_values(
    client: NrqlRunner,
    nrql: str,
    start: Time,
    end: Time,
    *,
    chunk_minutes: int = MAX_TIMESERIES_BUCKETS,
    progress: Progress | None = None,
) -> Buckets:
    """Per-minute ``(t, value)`` for a threshold SLI, e.g.
    ``SELECT percentile(duration, 95) FROM Transaction WHERE appName = 'shop'``.

    A minute whose aggregate is ``null`` (no events) has no row: no data, not 0.
    """
    query = ThresholdQuery(nrql=normalize_query(nrql, field="nrql"))
    return _collect(iter_pull(client, query, start, end, chunk_minutes=chunk_minutes), progress)


def backfill(
    client: NrqlRunner,
    queries: RatioQueries | ThresholdQuery,
    start: Time,
    end: Time,
    *,
    progress: Progress | None = None,
    chunk_minutes: int = MAX_TIMESERIES_BUCKETS,
) -> Buckets:
    """Pull a long history chunk by chunk, calling ``progress`` after each chunk.

    ``queries`` comes from :func:`read_indicator` (or is built inline).  Callers that
    store as they go, so an interrupted backfill keeps what it fetched, use
    :func:`iter_pull` instead.
    """
    return _collect(iter_pull(client, queries, start, end, chunk_minutes=chunk_minutes), progress)


def iter_pull(
    client: NrqlRunner,
    queries: RatioQueries | ThresholdQuery,
    start: Time,
    end: Time,
    *,
    chunk_minutes: int = MAX_TIMESERIES_BUCKETS,
) -> Iterator[tuple[Chunk, int, Buckets]]:
    """Yield ``(chunk, total_minutes, buckets)`` for each chunk of ``[start, end)``, in
    time order.  Ratio chunks query good (or bad) first, then total, so events arriving
    in between land in total rather than pushing good above it."""
    if isinstance(queries, RatioQueries):
        queries = _ratio_queries(queries.good, queries.bad, queries.total)
    else:
        queries = ThresholdQuery(nrql=normalize_query(queries.nrql, field="nrql"))
    parts = chunk_list(_seconds(start, "start"), _seconds(end, "end"), chunk_minutes)
    total_minutes = sum(c.minutes for c in parts)
    for chunk in parts:
        if isinstance(queries, ThresholdQuery):
            series = _run(client, queries.nrql, chunk)
            ts, values = values_of(series)
            yield chunk, total_minutes, Buckets.values(ts, values)
        else:
            numerator = queries.good if queries.good is not None else queries.bad
            assert numerator is not None  # _ratio_queries guarantees one of them
            num = _run(client, numerator, chunk)
            tot = _run(client, queries.total, chunk)
            t, good, total = combine_ratio(num, tot, numerator_is_good=queries.good is not None)
            yield chunk, total_minutes, Buckets.counts(t, good, total)


def client_for(
    connection: NewRelicConnection, env: Mapping[str, str], **options: Any
) -> NerdGraphClient:
    """A client for a ``DataSource`` (see :func:`read_data_source`); ``env`` is usually
    ``os.environ``.  ``options`` go to :class:`NerdGraphClient` (timeouts, retries)."""
    return NerdGraphClient(
        resolve_api_key(connection, env),
        connection.account_id,
        region=connection.region,
        endpoint=connection.endpoint,
        **options,
    )


def _run(client: NrqlRunner, base: str, chunk: Chunk) -> dict[int, float | None]:
    query = timeseries_query(base, chunk)
    return parse_timeseries(client.nrql(query), chunk, query=query)


def _collect(steps: Iterator[tuple[Chunk, int, Buckets]], progress: Progress | None) -> Buckets:
    parts: list[Buckets] = []
    done = 0
    for chunk, total_minutes, buckets in steps:
        parts.append(buckets)
        done += chunk.minutes
        if progress is not None:
            progress(done, total_minutes)
    return Buckets.concat(parts)


def _ratio_queries(good: str | None, bad: str | None, total: str | None) -> RatioQueries:
    if (good is None) == (bad is None):
        raise SourceConfigError("a ratio SLI needs exactly one of good_nrql or bad_nrql")
    return RatioQueries(
        total=normalize_query(total, field="total_nrql"),
        good=None if good is None else normalize_query(good, field="good_nrql"),
        bad=None if bad is None else normalize_query(bad, field="bad_nrql"),
    )


def _seconds(value: Time, name: str) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise SourceConfigError(f"{name} must be a time-zone-aware datetime")
        return int(value.timestamp() // 1)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SourceConfigError(f"{name} must be Unix seconds (int) or an aware datetime")
    return value
