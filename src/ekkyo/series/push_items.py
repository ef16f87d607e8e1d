"""The full check of one pushed item: every rule, every message (see ``push.py``).

:func:`check_item` is the definition of a valid item; the fast paths in
:mod:`ekkyo.series.push` may only ever accept what it accepts (a property test holds them
to it).  Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ekkyo.series.codec import MAX_COUNT
from ekkyo.series.objectives import ObjectiveError

if TYPE_CHECKING:
    from ekkyo.series.push import SloTarget

# Buckets far in the future are almost always a unit mistake (milliseconds for seconds).
FUTURE_SLACK_S = 86_400
ITEM_FIELDS = ("slo", "objective", "t", "good", "total", "value")
ITEM_FIELD_SET = frozenset(ITEM_FIELDS)
MAX_T = 2**31 * 60  # the store keeps minutes as 32-bit integers


def problem(details: list[dict[str, Any]], index: int | None, field: str, message: str) -> None:
    entry: dict[str, Any] = {"field": field, "message": message}
    if index is not None:
        entry = {"index": index, **entry}
    details.append(entry)


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


class Times:
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
        if seconds < 0 or seconds >= MAX_T:
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


class Series:
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


def check_item(
    i: int,
    item: Any,
    series: Series,
    times: Times,
    suggest: Callable[[str], str | None],
    details: list[dict[str, Any]],
) -> tuple[int, int, float, float, float] | None:
    """Every check of one item: its row ``(series, t, good, total, value)``, or None."""
    if type(item) is not dict:
        problem(details, i, "", f"must be an object, not {_describe(item)}")
        return None
    before = len(details)
    for name in sorted(item.keys() - ITEM_FIELD_SET):
        problem(details, i, name, f"unknown field (allowed: {', '.join(ITEM_FIELDS)})")
    # --- which series
    slo = item.get("slo")
    target = series.targets.get(slo) if type(slo) is str else None
    key: str | None = None
    if target is not None:
        found = series.resolve(target, item.get("objective"))
        if isinstance(found, ObjectiveError):
            problem(details, i, "objective", str(found))
        else:
            key = found
    elif slo is None:
        problem(details, i, "slo", "missing: the SLO's metadata.name")
    elif type(slo) is not str:
        problem(details, i, "slo", f"must be the SLO's name, not {_describe(slo)}")
    else:
        hint = suggest(slo)
        more = f" (did you mean {hint!r}?)" if hint else ""
        problem(details, i, "slo", f"unknown SLO {slo!r}{more}")
    # --- when
    t = times.parse(item.get("t"))
    if type(t) is str:
        problem(details, i, "t", t)
    # --- what
    kind = target.layout.kind(key) if target is not None and key is not None else "any"
    raw_value, raw_good, raw_total = item.get("value"), item.get("good"), item.get("total")
    good = total = value = math.nan
    if raw_value is not None:
        if raw_good is not None or raw_total is not None:
            problem(details, i, "value", "give either good and total, or value, not both")
        elif (number := _finite(raw_value)) is None:
            problem(details, i, "value", f"must be a finite number, not {_describe(raw_value)}")
        elif kind == "counts":
            problem(details, i, "value", f"SLO {slo!r} has a ratio indicator: send good and total")
        else:
            value = number
    elif raw_good is not None or raw_total is not None:
        g, tot = _count(raw_good, "good"), _count(raw_total, "total")
        if type(g) is str:
            problem(details, i, "good", g)
        if type(tot) is str:
            problem(details, i, "total", tot)
        if type(g) is float and type(tot) is float:
            if g > tot:
                problem(details, i, "good", f"good ({int(g)}) is greater than total ({int(tot)})")
            elif kind == "value":
                problem(
                    details,
                    i,
                    "good",
                    f"SLO {slo!r} has a threshold indicator: send value, not good and total",
                )
            else:
                good, total = g, tot
    else:
        problem(
            details,
            i,
            "good",
            "missing: a bucket needs good and total (ratio SLI) or value (threshold SLI)",
        )
    if len(details) != before or target is None or key is None or type(t) is not int:
        return None
    number = series.numbers.setdefault((target.id, key), len(series.numbers))
    return number, t, good, total, value
