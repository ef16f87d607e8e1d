"""Several PromQL expressions over one short range in as few requests as possible.

A worker tick pulls the newest minutes of every SLO; one HTTP round trip per query would
dominate its time.  Expressions are therefore sent together as one union::

    (label_replace(<e0>, "ekkyo_query", "0", "", "")
      or label_replace(<e1>, "ekkyo_query", "1", "", ""))

The added label keeps the series of different expressions apart (``or`` only drops
right-hand series whose label set equals a left-hand one) and says which expression each
series came from; it is removed again before counting.  The ``or`` operations form a
balanced tree: a chain ``a or b or c ...`` costs Prometheus time quadratic in its length.

Unions only pay for short ranges: ``label_replace`` costs Prometheus work at every step,
so over long ranges (backfills) separate requests are faster, and each expression goes
alone.  When a union fails (a scalar expression, a syntax error in one expression, too
many samples), each expression is retried alone, so one bad query fails only its own SLO.
"""

from __future__ import annotations

from collections.abc import Sequence

from ekkyo.sources.errors import (
    SourceConfigError,
    SourceError,
    SourceResponseError,
    SourceUnavailable,
)
from ekkyo.sources.prometheus_client import PrometheusClient, Series, TimeLike, unix_seconds

TAG = "ekkyo_query"
# PromQL per request: POST bodies this size pass every proxy we know of.
MAX_BATCH_CHARS = 64_000
# Measured on Prometheus 2.42: unions of 25-50 expressions over 15 steps answer fastest;
# longer ones grow slower per expression.
MAX_BATCH_EXPRS = 32
# Above this many steps a union is slower than separate requests.
MAX_BATCH_POINTS = 120

Result = list[Series] | SourceError


def fetch_many(
    client: PrometheusClient,
    exprs: Sequence[str],
    start: TimeLike,
    end: TimeLike,
    step: float,
    *,
    max_chars: int = MAX_BATCH_CHARS,
) -> dict[str, Result]:
    """Each distinct expression's series (or the error that stopped it), by expression."""
    unique = list(dict.fromkeys(exprs))
    out: dict[str, Result] = {}
    points = (unix_seconds(end) - unix_seconds(start)) // step + 1
    if points > MAX_BATCH_POINTS:
        return {expr: _alone(client, expr, start, end, step) for expr in unique}
    for batch in _batches(unique, max_chars):
        if len(batch) == 1:
            out[batch[0]] = _alone(client, batch[0], start, end, step)
            continue
        union = _balanced_or(
            [f'label_replace({expr}, "{TAG}", "{i}", "", "")' for i, expr in enumerate(batch)]
        )
        try:
            parts = _split(client.query_range(union, start, end, step), len(batch))
        except (SourceUnavailable, SourceConfigError) as exc:
            # Retried already, or settings that no expression can fix: asking again
            # expression by expression would only take longer.
            out.update(dict.fromkeys(batch, exc))
            continue
        except SourceResponseError:
            for expr in batch:
                out[expr] = _alone(client, expr, start, end, step)
            continue
        out.update(zip(batch, parts, strict=True))
    return out


def _split(series: list[Series], n: int) -> list[list[Series]]:
    parts: list[list[Series]] = [[] for _ in range(n)]
    for s in series:
        labels = dict(s.labels)
        tag = labels.pop(TAG, "")
        if not tag.isdigit() or int(tag) >= n:
            raise SourceResponseError(f"a series of a batched query lost its {TAG} label")
        parts[int(tag)].append(Series(labels, s.t, s.v))
    return parts


def _balanced_or(terms: list[str]) -> str:
    if len(terms) == 1:
        return terms[0]
    half = len(terms) // 2
    return f"({_balanced_or(terms[:half])} or {_balanced_or(terms[half:])})"


def _alone(
    client: PrometheusClient, expr: str, start: TimeLike, end: TimeLike, step: float
) -> Result:
    try:
        return client.query_range(expr, start, end, step)
    except SourceError as exc:
        return exc


def _batches(exprs: list[str], max_chars: int) -> list[list[str]]:
    batches: list[list[str]] = []
    current: list[str] = []
    size = 0
    for expr in exprs:
        cost = len(expr) + 48  # the label_replace wrapper and " or "
        if current and (size + cost > max_chars or len(current) >= MAX_BATCH_EXPRS):
            batches.append(current)
            current, size = [], 0
        current.append(expr)
        size += cost
    if current:
        batches.append(current)
    return batches
