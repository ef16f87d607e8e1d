"""Checking a push body (``POST /api/v1/buckets``) and turning it into store columns.

No Django here: the caller looks SLO names up and passes :class:`SloTarget` objects in.
Every problem is reported, each naming the item's index and field, and nothing is
accepted unless every item is valid (API.md: all-or-nothing).

This is the hot path of ingest (≥ 100,000 buckets/s over HTTP): a uniform push (all
counts or all values, times of one form) is checked whole with a few C-speed passes and
numpy; any other push goes through a loop with a fast path for the common valid item.
Both may only accept what :func:`ekkyo.series.push_items.check_item`, the definition of a
valid item, accepts; property tests hold them to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ekkyo.series.codec import MAX_COUNT, Columns
from ekkyo.series.objectives import SeriesLayout
from ekkyo.series.push_items import (
    ITEM_FIELD_SET,
    Series,
    Times,
    check_item,
    problem,
)

MAX_BUCKETS = 10_000
MAX_KEY_LENGTH = 255
_TOP_FIELDS = frozenset({"idempotency_key", "buckets"})


@dataclass(eq=False)
class SloTarget:
    id: int
    name: str
    team_id: int
    layout: SeriesLayout
    # (series key, kind) of a bucket that names no objective; None when that is ambiguous.
    default: tuple[str, str] | None = field(init=False)
    # (slo id, series key) of such a bucket.
    default_series: tuple[int, str] | None = field(init=False)

    def __post_init__(self) -> None:
        key = self.layout.default_key
        self.default = None if key is None else (key, self.layout.kind(key))
        self.default_series = None if key is None else (self.id, key)


class PushInvalid(Exception):
    """The body breaks the rules; ``details`` name each problem (index, field, message)."""

    def __init__(self, message: str, details: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class PushTooLarge(Exception):
    pass


def check_envelope(body: Any) -> tuple[str | None, list[Any]]:
    """The idempotency key and the item list, or :class:`PushInvalid`/:class:`PushTooLarge`."""
    details: list[dict[str, Any]] = []
    if not isinstance(body, dict):
        raise PushInvalid(
            "The body must be a JSON object with a 'buckets' list.",
            [{"field": "", "message": "expected a JSON object"}],
        )
    for name in sorted(set(body) - _TOP_FIELDS):
        problem(details, None, name, "unknown field (allowed: idempotency_key, buckets)")
    key = body.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH):
        problem(
            details,
            None,
            "idempotency_key",
            f"must be a string of 1 to {MAX_KEY_LENGTH} characters",
        )
    items = body.get("buckets")
    if items is None:
        problem(details, None, "buckets", "missing: a list of buckets")
    elif not isinstance(items, list):
        problem(details, None, "buckets", "must be a list of buckets")
    elif not items:
        problem(details, None, "buckets", "is empty: send at least one bucket")
    elif len(items) > MAX_BUCKETS:
        raise PushTooLarge(
            f"A push holds at most {MAX_BUCKETS:,} buckets; this one has {len(items):,}. "
            "Split it into several pushes."
        )
    if details:
        raise PushInvalid("The request is not valid.", details)
    assert isinstance(items, list)
    return key, items


def slo_names(items: list[Any]) -> set[str]:
    return {s for item in items if type(item) is dict and type(s := item.get("slo")) is str}


@dataclass
class _Out:
    index: list[int]
    t: list[int]
    good: list[float]
    total: list[float]
    value: list[float]


_NONE = type(None)
_COLUMNS = ("slo", "objective", "t", "good", "total", "value")


def _columnar(items: list[Any], series: Series, times: Times) -> Columns | None:
    """The whole push at once, when it is uniform and clearly valid; None otherwise.

    Handles pushes whose items all carry counts or all carry a value, with times all
    integers or all strings: a few C-speed passes over the items and numpy checks instead
    of a Python loop per item.  Anything else, or anything doubtful, is left to the loop.
    """
    if set(map(type, items)) != {dict}:
        return None
    n = len(items)
    slos, objectives, ts, goods, totals, values = (
        [item.get(name) for item in items] for name in _COLUMNS
    )
    # An unknown field or an explicit null makes an item longer than its non-null fields.
    present = sum(n - col.count(None) for col in (slos, objectives, ts, goods, totals, values))
    if sum(map(len, items)) != present or set(map(type, slos)) != {str}:
        return None
    objective_types = set(map(type, objectives))
    if not objective_types <= {_NONE, str, int}:  # not bool: True == 1 would share a key
        return None
    if objective_types == {_NONE}:
        # The usual push: no objectives, so each SLO's default series.
        unique = list(dict.fromkeys(slos))
        chosen = list(map(series.targets.get, unique))
        if any(target is None or target.default is None for target in chosen):
            return None
        numbers = series.numbers
        number_of = {
            slo: numbers.setdefault(target.default_series, len(numbers))
            for slo, target in zip(unique, chosen, strict=True)
        }
        kinds = {target.default[1] for target in chosen}
        index = np.fromiter(map(number_of.__getitem__, slos), np.uint32, n)
    else:
        keys = list(zip(slos, objectives, strict=True))
        found = {pair: series.entry(*pair) for pair in dict.fromkeys(keys)}
        entries = {key: entry for key, entry in found.items() if entry is not None}
        if len(entries) != len(found):
            return None
        kinds = {kind for _, kind in entries.values()}
        index = np.fromiter((entries[key][0] for key in keys), np.uint32, n)
    t_types = set(map(type, ts))
    try:
        if t_types == {int}:
            t = np.array(ts, np.int64)
        elif t_types == {str}:
            parsed = {raw: times.parse(raw) for raw in dict.fromkeys(ts)}
            if any(type(seconds) is not int for seconds in parsed.values()):
                return None
            t = np.fromiter((parsed[raw] for raw in ts), np.int64, n)
        else:
            return None
        if bool(((t % 60 != 0) | (t < 0) | (t > times.limit)).any()):
            return None
        nan = np.full(n, np.nan)
        if set(map(type, values)) == {_NONE}:
            if set(map(type, goods)) != {int} or set(map(type, totals)) != {int}:
                return None
            g, tot = np.array(goods, np.int64), np.array(totals, np.int64)
            if "value" in kinds or bool(((g < 0) | (g > tot) | (tot >= MAX_COUNT)).any()):
                return None
            good, total, value = g.astype(np.float64), tot.astype(np.float64), nan
        elif set(map(type, goods)) == {_NONE} and set(map(type, totals)) == {_NONE}:
            if not set(map(type, values)) <= {int, float} or "counts" in kinds:
                return None
            value = np.array(values, np.float64)
            if not bool(np.isfinite(value).all()):
                return None
            good, total = nan, nan.copy()
        else:
            return None
    except OverflowError:  # integers beyond 64 bits or beyond a float
        return None
    return Columns(list(series.numbers), index, t, good, total, value)


def build_columns(
    items: list[Any],
    targets: dict[str, SloTarget],
    *,
    now_s: float,
    suggest: Callable[[str], str | None] = lambda name: None,
) -> Columns:
    """Store columns for ``items``, or :class:`PushInvalid` naming every bad item.

    The loop takes a fast path for the common, valid item (integers or cached strings,
    series already resolved) and hands everything else to :func:`check_item`, which
    does every check; the fast path only ever accepts what ``check_item`` would.
    """
    details: list[dict[str, Any]] = []
    times = Times(now_s)
    columns = _columnar(items, Series(targets), times)
    if columns is not None:
        return columns
    series = Series(targets)
    out = _Out([], [], [], [], [])
    add_index, add_t, add_good = out.index.append, out.t.append, out.good.append
    add_total, add_value = out.total.append, out.value.append
    fields, limit, t_cache, nan, isfinite = (
        ITEM_FIELD_SET,
        times.limit,
        times.cache,
        math.nan,
        math.isfinite,
    )
    numbers = series.numbers
    # slo -> and (slo, objective) -> (series number, kind), None when it does not resolve.
    by_slo: dict[str, tuple[int, str] | None] = {}
    fast: dict[tuple[str, Any], tuple[int, str] | None] = {}
    for i, item in enumerate(items):
        if type(item) is dict and item.keys() <= fields:
            get = item.get
            slo, objective = get("slo"), get("objective")
            entry = None
            if type(slo) is str:
                if objective is None:
                    entry = by_slo.get(slo)
                    if entry is None:
                        target = targets.get(slo)
                        if target is not None and target.default is not None:
                            key, kind = target.default
                            number = numbers.setdefault((target.id, key), len(numbers))
                            entry = by_slo[slo] = (number, kind)
                # Only str/int objectives may use the cache: True == 1 and 1.0 == 1.
                elif type(objective) is str or type(objective) is int:
                    entry = fast.get((slo, objective))
                    if entry is None:
                        entry = fast[(slo, objective)] = series.entry(slo, objective)
            t = get("t")
            if type(t) is str:
                t = t_cache.get(t)
            if entry is not None and type(t) is int and t % 60 == 0 and 0 <= t <= limit:
                g, tot, v = get("good"), get("total"), get("value")
                if (
                    v is None
                    and type(g) is int
                    and type(tot) is int
                    and 0 <= g <= tot < MAX_COUNT
                    and entry[1] != "value"
                ):
                    add_index(entry[0])
                    add_t(t)
                    add_good(float(g))
                    add_total(float(tot))
                    add_value(nan)
                    continue
                if (
                    g is None
                    and tot is None
                    and (
                        (type(v) is float and isfinite(v))
                        or (type(v) is int and -MAX_COUNT < v < MAX_COUNT)
                    )
                    and entry[1] != "counts"
                ):
                    add_index(entry[0])
                    add_t(t)
                    add_good(nan)
                    add_total(nan)
                    add_value(float(v))
                    continue
        row = check_item(i, item, series, times, suggest, details)
        if row is not None and not details:
            add_index(row[0])
            add_t(row[1])
            add_good(row[2])
            add_total(row[3])
            add_value(row[4])
    if details:
        noun = "bucket is" if len({d.get("index") for d in details}) == 1 else "buckets are"
        raise PushInvalid(f"Nothing was stored: {noun} not valid.", details)
    return Columns(
        series=list(series.numbers),
        index=np.array(out.index, np.uint32),
        t=np.array(out.t, np.int64),
        good=np.array(out.good, np.float64),
        total=np.array(out.total, np.float64),
        value=np.array(out.value, np.float64),
    )
