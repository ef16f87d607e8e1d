"""Checking a push body (``POST /api/v1/buckets``) and turning it into store columns.

No Django here: the caller looks SLO names up and passes :class:`SloTarget` objects in.
Every problem is reported, each naming the item's index and field, and nothing is
accepted unless every item is valid (API.md: all-or-nothing).

The item loop is the hot path of ingest (≥ 100,000 buckets/s over HTTP), so it is plain
Python over the parsed JSON with the common cases first, and builds the columns as it goes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ekkyo.series.codec import MAX_COUNT, Columns
from ekkyo.series.objectives import ObjectiveError, SeriesLayout

MAX_BUCKETS = 10_000
MAX_KEY_LENGTH = 255
# Buckets far in the future are almost always a unit mistake (milliseconds for seconds).
FUTURE_SLACK_S = 86_400
ITEM_FIELDS = ("slo", "objective", "t", "good", "total", "value")
_ITEM_FIELDS = frozenset(ITEM_FIELDS)
_TOP_FIELDS = frozenset({"idempotency_key", "buckets"})
_MAX_T = 2**31 * 60  # the store keeps minutes as 32-bit integers


@dataclass
class SloTarget:
    id: int
    name: str
    team_id: int
    layout: SeriesLayout
    # (series key, kind) of a bucket that names no objective; None when that is ambiguous.
    default: tuple[str, str] | None = field(init=False)

    def __post_init__(self) -> None:
        key = self.layout.default_key
        self.default = None if key is None else (key, self.layout.kind(key))


class PushInvalid(Exception):
    """The body breaks the rules; ``details`` name each problem (index, field, message)."""

    def __init__(self, message: str, details: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class PushTooLarge(Exception):
    pass


@dataclass(frozen=True)
class ParsedPush:
    idempotency_key: str | None
    columns: Columns
    targets: dict[str, SloTarget]


def _problem(details: list[dict[str, Any]], index: int | None, field: str, message: str) -> None:
    entry: dict[str, Any] = {"field": field, "message": message}
    if index is not None:
        entry = {"index": index, **entry}
    details.append(entry)


def check_envelope(body: Any) -> tuple[str | None, list[Any]]:
    """The idempotency key and the item list, or :class:`PushInvalid`/:class:`PushTooLarge`."""
    details: list[dict[str, Any]] = []
    if not isinstance(body, dict):
        raise PushInvalid(
            "The body must be a JSON object with a 'buckets' list.",
            [{"field": "", "message": "expected a JSON object"}],
        )
    for name in sorted(set(body) - _TOP_FIELDS):
        _problem(details, None, name, "unknown field (allowed: idempotency_key, buckets)")
    key = body.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH):
        _problem(
            details,
            None,
            "idempotency_key",
            f"must be a string of 1 to {MAX_KEY_LENGTH} characters",
        )
    items = body.get("buckets")
    if items is None:
        _problem(details, None, "buckets", "missing: a list of buckets")
    elif not isinstance(items, list):
        _problem(details, None, "buckets", "must be a list of buckets")
    elif not items:
        _problem(details, None, "buckets", "is empty: send at least one bucket")
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


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "an object"
    return repr(value)


class _Times:
    """Parses ``t`` values, remembering strings (a push often repeats one minute)."""

    def __init__(self, now_s: float) -> None:
        self.limit = now_s + FUTURE_SLACK_S
        self.cache: dict[str, int | str] = {}

    def parse(self, raw: Any) -> int | str:
        """Unix seconds, or a message for people."""
        kind = type(raw)
        if kind is int:
            return self._check(raw, str(raw))
        if kind is str:
            hit = self.cache.get(raw)
            if hit is None:
                hit = self.cache[raw] = self._parse_text(raw)
            return hit
        if kind is float:
            if not math.isfinite(raw) or not raw.is_integer():
                return f"t ({raw}) is not on a minute boundary (Unix seconds divisible by 60)"
            return self._check(int(raw), str(raw))
        if raw is None:
            return "missing: the bucket's start, ISO-8601 with a zone or Unix seconds"
        return f"must be ISO-8601 with a zone or Unix seconds, not {_describe(raw)}"

    def _parse_text(self, text: str) -> int | str:
        if text.isdigit():
            return self._check(int(text), text)
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return f"{text!r} is not an ISO-8601 time (e.g. 2024-05-01T12:34:00Z) or Unix seconds"
        if when.tzinfo is None:
            return f"{text!r} has no time zone: add one, e.g. 'Z' or '+09:00'"
        try:
            seconds = when.timestamp()
        except (OverflowError, ValueError, OSError):
            return f"{text!r} is out of range"
        if not seconds.is_integer():
            return f"t ({text}) is not on a minute boundary"
        return self._check(int(seconds), text)

    def _check(self, seconds: int, shown: str) -> int | str:
        if seconds % 60:
            return f"t ({shown}) is not on a minute boundary (a bucket starts at :00 seconds)"
        if seconds > self.limit:
            return f"t ({shown}) is more than a day ahead (milliseconds instead of seconds?)"
        if seconds < 0 or seconds >= _MAX_T:
            return f"t ({shown}) is out of range"
        return seconds


def _finite(raw: Any) -> float | None:
    """``raw`` as a finite float, or None (booleans, strings, huge integers, inf, NaN)."""
    if type(raw) is float:
        return raw if math.isfinite(raw) else None
    if type(raw) is int:
        try:
            return float(raw)
        except OverflowError:  # an integer literal of hundreds of digits
            return None
    return None


def _count(raw: Any, name: str) -> float | str:
    """A count as float, or a message for people."""
    kind = type(raw)
    if kind is int:
        if raw < 0:
            return f"{name} ({raw}) cannot be negative"
        if raw >= MAX_COUNT:
            return f"{name} ({raw}) is too large"
        return float(raw)
    if kind is float:
        if not math.isfinite(raw) or not raw.is_integer():
            return f"{name} ({raw}) must be a whole number of events"
        return _count(int(raw), name)
    if raw is None:
        return f"missing: {name} comes together with {'total' if name == 'good' else 'good'}"
    return f"{name} must be a whole number of events, not {_describe(raw)}"


class _Series:
    """Resolves ``(slo, objective)`` to a series and numbers the series of one push."""

    def __init__(self, targets: dict[str, SloTarget]) -> None:
        self.targets = targets
        self.keys: dict[tuple[str, Any], str | ObjectiveError] = {}
        self.numbers: dict[tuple[int, str], int] = {}

    def resolve(self, target: SloTarget, objective: Any) -> str | ObjectiveError:
        hashable = type(objective) in (str, int, type(None))
        found = self.keys.get((target.name, objective)) if hashable else None
        if found is None:
            try:
                found = target.layout.resolve(objective)
            except ObjectiveError as exc:
                found = exc
            if hashable:
                self.keys[(target.name, objective)] = found
        return found

    def entry(self, slo: str, objective: Any) -> tuple[int, str] | None:
        """(series number, kind) when ``slo`` is known and ``objective`` resolves."""
        target = self.targets.get(slo)
        if target is None:
            return None
        if objective is None and target.default is not None:
            key, kind = target.default
        else:
            found = self.resolve(target, objective)
            if isinstance(found, ObjectiveError):
                return None
            key, kind = found, target.layout.kind(found)
        return self.numbers.setdefault((target.id, key), len(self.numbers)), kind


@dataclass
class _Out:
    index: list[int]
    t: list[int]
    good: list[float]
    total: list[float]
    value: list[float]


def _check_item(
    i: int,
    item: Any,
    series: _Series,
    times: _Times,
    suggest: Callable[[str], str | None],
    details: list[dict[str, Any]],
) -> tuple[int, int, float, float, float] | None:
    """Every check of one item: its row ``(series, t, good, total, value)``, or None."""
    if type(item) is not dict:
        _problem(details, i, "", f"must be an object, not {_describe(item)}")
        return None
    before = len(details)
    for name in sorted(item.keys() - _ITEM_FIELDS):
        _problem(details, i, name, f"unknown field (allowed: {', '.join(ITEM_FIELDS)})")
    # --- which series
    slo = item.get("slo")
    target = series.targets.get(slo) if type(slo) is str else None
    key: str | None = None
    if target is not None:
        found = series.resolve(target, item.get("objective"))
        if isinstance(found, ObjectiveError):
            _problem(details, i, "objective", str(found))
        else:
            key = found
    elif slo is None:
        _problem(details, i, "slo", "missing: the SLO's metadata.name")
    elif type(slo) is not str:
        _problem(details, i, "slo", f"must be the SLO's name, not {_describe(slo)}")
    else:
        hint = suggest(slo)
        more = f" (did you mean {hint!r}?)" if hint else ""
        _problem(details, i, "slo", f"unknown SLO {slo!r}{more}")
    # --- when
    t = times.parse(item.get("t"))
    if type(t) is str:
        _problem(details, i, "t", t)
    # --- what
    kind = target.layout.kind(key) if target is not None and key is not None else "any"
    raw_value, raw_good, raw_total = item.get("value"), item.get("good"), item.get("total")
    good = total = value = math.nan
    if raw_value is not None:
        if raw_good is not None or raw_total is not None:
            _problem(details, i, "value", "give either good and total, or value, not both")
        elif (number := _finite(raw_value)) is None:
            _problem(details, i, "value", f"must be a finite number, not {_describe(raw_value)}")
        elif kind == "counts":
            _problem(details, i, "value", f"SLO {slo!r} has a ratio indicator: send good and total")
        else:
            value = number
    elif raw_good is not None or raw_total is not None:
        g, tot = _count(raw_good, "good"), _count(raw_total, "total")
        if type(g) is str:
            _problem(details, i, "good", g)
        if type(tot) is str:
            _problem(details, i, "total", tot)
        if type(g) is float and type(tot) is float:
            if g > tot:
                _problem(details, i, "good", f"good ({int(g)}) is greater than total ({int(tot)})")
            elif kind == "value":
                _problem(
                    details,
                    i,
                    "good",
                    f"SLO {slo!r} has a threshold indicator: send value, not good and total",
                )
            else:
                good, total = g, tot
    else:
        _problem(
            details,
            i,
            "good",
            "missing: a bucket needs good and total (ratio SLI) or value (threshold SLI)",
        )
    if len(details) != before or target is None or key is None or type(t) is not int:
        return None
    number = series.numbers.setdefault((target.id, key), len(series.numbers))
    return number, t, good, total, value


def build_columns(
    items: list[Any],
    targets: dict[str, SloTarget],
    *,
    now_s: float,
    suggest: Callable[[str], str | None] = lambda name: None,
) -> Columns:
    """Store columns for ``items``, or :class:`PushInvalid` naming every bad item.

    The loop takes a fast path for the common, valid item (integers or cached strings,
    series already resolved) and hands everything else to :func:`_check_item`, which
    does every check; the fast path only ever accepts what ``_check_item`` would.
    """
    details: list[dict[str, Any]] = []
    times = _Times(now_s)
    series = _Series(targets)
    out = _Out([], [], [], [], [])
    add_index, add_t, add_good = out.index.append, out.t.append, out.good.append
    add_total, add_value = out.total.append, out.value.append
    fields, limit, t_cache, nan, isfinite = (
        _ITEM_FIELDS,
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
        row = _check_item(i, item, series, times, suggest, details)
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
