"""Vectorised checks of the bucket CSV's cells (the columns of one parsed block).

Each row gets a problem code (0 = fine); the first problem in column order wins, so a
row is reported once.  Casts take the fast path (one pyarrow cast over the column) and
only when that fails fall back to a regular expression plus bisection to find the bad
cells, so clean files never pay for the checks a dirty file needs.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ("timestamp", "slo", "good", "total", "value")

# The grammar pyarrow's ISO-8601 cast accepts (checked by fuzzing it against this
# pattern); it is only used to find the bad cells once the fast cast has failed.
_ZONE = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_ISO = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ][0-9]{{2}}(?::[0-9]{{2}}(?::[0-9]{{2}})?)?{_ZONE}$"
_UNIX = r"^[0-9]+$"
# Fractional seconds: `1714521600.0`, `2024-05-01T00:00:00.000Z` (JavaScript's toISOString).
_FRACTION = (
    r"^(?P<head>[0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2})"
    rf"\.(?P<frac>[0-9]+)(?P<zone>{_ZONE}?)$"
)
_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_UTC_SECONDS = pa.timestamp("s", tz="UTC")
MAX_T = 253402300799  # 9999-12-31T23:59:59Z: later instants are not ISO-8601 any more

# Problem codes, in the order they are checked.
(
    TS_EMPTY,
    TS_INVALID,
    TS_RANGE,
    TS_NOT_MINUTE,
    SLO_EMPTY,
    SLO_UNKNOWN,
    ROW_EMPTY,
    GOOD_EMPTY,
    TOTAL_EMPTY,
    GOOD_NAN,
    TOTAL_NAN,
    GOOD_NEGATIVE,
    TOTAL_NEGATIVE,
    GOOD_FRACTION,
    TOTAL_FRACTION,
    GOOD_ABOVE_TOTAL,
    VALUE_NAN,
) = range(1, 18)


def clean_text(cell: str) -> str:
    """One cell as the reader sees it: spaces/tabs around it and around a quoted text
    dropped (no cell of this format has meaningful ones), quotes removed."""
    cell = cell.strip(" \t")
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        cell = cell[1:-1].replace('""', '"').strip(" \t")
    return cell


@dataclass(frozen=True)
class Hints:
    """Which characters a block holds at all (a fast memchr each), to skip passes."""

    spaces: bool
    quotes: bool


def _clean(col: pa.Array, hints: Hints) -> pa.Array:
    if hints.spaces:
        col = pc.utf8_trim(col, " \t")
    if hints.quotes:
        quoted = pc.and_(
            pc.greater_equal(pc.binary_length(col), 2),
            pc.and_(pc.starts_with(col, '"'), pc.ends_with(col, '"')),
        )
        inner = pc.replace_substring(pc.utf8_slice_codeunits(col, 1, -1), '""', '"')
        col = pc.if_else(quoted, inner, col)
        if hints.spaces:
            col = pc.utf8_trim(col, " \t")
    return col


# Columns stay pyarrow ChunkedArrays (one chunk per parse block): every compute function
# takes them, and combining the chunks would copy every string.
Strings = pa.ChunkedArray | pa.Array


def _np(arr: Strings) -> np.ndarray:
    """A numpy array of a null-free numeric or boolean pyarrow array."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 1:
            return _np(arr.chunk(0))
        if arr.num_chunks == 0:
            return _np(pa.array([], type=arr.type))
        return np.concatenate([_np(c) for c in arr.chunks])
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.int64())
    return arr.to_numpy(zero_copy_only=False)


def _dtype(typ: pa.DataType) -> type[np.generic]:
    return np.float64 if pa.types.is_floating(typ) else np.int64


def _bisect(arr: pa.Array, typ: pa.DataType) -> tuple[np.ndarray, np.ndarray]:
    """Cast what casts; halve the array around failures (few after the regex filter)."""
    try:
        return _np(arr.cast(typ)), np.ones(len(arr), bool)
    except pa.ArrowInvalid:
        if len(arr) == 1:
            return np.zeros(1, _dtype(typ)), np.zeros(1, bool)
        mid = len(arr) // 2
        (a, ok_a), (b, ok_b) = _bisect(arr[:mid], typ), _bisect(arr[mid:], typ)
        return np.concatenate([a, b]), np.concatenate([ok_a, ok_b])


def _convert(
    arr: pa.Array, mask: np.ndarray, typ: pa.DataType, pattern: str
) -> tuple[np.ndarray, np.ndarray]:
    """Cast the cells under ``mask``; returns their values and which ones parsed."""
    sub = arr if mask.all() else arr.filter(pa.array(mask))
    try:
        return _np(sub.cast(typ)), np.ones(len(sub), bool)
    except pa.ArrowInvalid:
        pass
    ok = _np(pc.match_substring_regex(sub, pattern)).copy()
    idx = np.flatnonzero(ok)
    values = np.zeros(len(sub), _dtype(typ))
    if len(idx):
        values[idx], ok[idx] = _bisect(sub.take(pa.array(idx)), typ)
    return values, ok


def _whole_seconds(ts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Unix seconds or ISO-8601 with a zone, without fractions; (seconds, parsed)."""
    t = np.zeros(len(ts), np.int64)
    ok = np.zeros(len(ts), bool)
    unix = _np(pc.ascii_is_decimal(ts))
    for mask, typ, pattern in ((unix, pa.int64(), _UNIX), (~unix, _UTC_SECONDS, _ISO)):
        if mask.any():
            t[mask], ok[mask] = _convert(ts, mask, typ, pattern)
    return t, ok


def _timestamps(ts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and a problem code (0 or one of the TS_* codes) per cell."""
    code = np.zeros(len(ts), np.uint8)
    try:
        # The common case, a column of whole-second ISO-8601 times, in one pass.
        t = _np(ts.cast(_UTC_SECONDS))
    except pa.ArrowInvalid:
        pass
    else:
        code[(t < 0) | (t > MAX_T)] = TS_RANGE
        code[(code == 0) & (t % 60 != 0)] = TS_NOT_MINUTE
        return t, code
    empty = _np(pc.equal(pc.binary_length(ts), 0))
    dotted = _np(pc.match_substring(ts, "."))
    plain = ~empty & ~dotted
    t = np.zeros(len(ts), np.int64)
    ok = np.zeros(len(ts), bool)
    fraction = np.zeros(len(ts), bool)
    if plain.any():
        sub = ts if plain.all() else ts.filter(pa.array(plain))
        t[plain], ok[plain] = _whole_seconds(sub)
    if dotted.any():
        idx = np.flatnonzero(dotted)
        parts = pc.extract_regex(ts.take(pa.array(idx)), _FRACTION)
        matched = _np(parts.is_valid())
        idx = idx[matched]
        parts = parts.filter(pa.array(matched))
        if len(idx):
            head, zone, frac = (pc.struct_field(parts, f) for f in ("head", "zone", "frac"))
            t[idx], ok[idx] = _whole_seconds(pc.binary_join_element_wise(head, zone, ""))
            fraction[idx] = _np(pc.match_substring_regex(frac, "[1-9]"))
    code[empty] = TS_EMPTY
    code[~empty & ~ok] = TS_INVALID
    code[ok & ((t < 0) | (t > MAX_T))] = TS_RANGE
    code[(code == 0) & ~empty & ((t % 60 != 0) | fraction)] = TS_NOT_MINUTE
    return t, code


def _numbers(col: pa.Array | None, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values (NaN when empty or bad), empty mask, not-a-number mask."""
    values = np.full(n, np.nan)
    if col is None:
        return values, np.ones(n, bool), np.zeros(n, bool)
    try:
        # The common cases: whole numbers (the cheapest cast), then any numbers.
        try:
            values = _np(col.cast(pa.int64()).cast(pa.float64()))
        except pa.ArrowInvalid:
            values = _np(col.cast(pa.float64()))
    except pa.ArrowInvalid:
        pass
    else:
        finite = np.isfinite(values)
        if finite.all():
            return values, np.zeros(n, bool), np.zeros(n, bool)
        values = np.full(n, np.nan)
    empty = _np(pc.equal(pc.binary_length(col), 0))
    bad = np.zeros(n, bool)
    present = ~empty
    if present.any():
        v, ok = _convert(col, present, pa.float64(), _NUMBER)
        ok &= np.isfinite(v)  # pyarrow reads "nan" and "inf", and overflows to inf
        values[np.flatnonzero(present)[ok]] = v[ok]
        bad[present] = ~ok
    return values, empty, bad


def _encode(names: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Each row's index into the list of distinct names."""
    chunks = pc.dictionary_encode(names).unify_dictionaries().chunks
    if not chunks:
        return np.empty(0, np.int64), []
    index = np.concatenate([_np(c.indices) for c in chunks]).astype(np.int64)
    return index, chunks[0].dictionary.to_pylist()


def _show(cell: str) -> str:
    return repr(cell if len(cell) <= 40 else cell[:40] + "…")


@dataclass
class Columns:
    """One block's rows: parsed values, a problem code per row, and the cleaned cells."""

    t: np.ndarray
    good: np.ndarray
    total: np.ndarray
    value: np.ndarray
    code: np.ndarray
    slo_index: np.ndarray
    slo_names: list[str]
    cells: dict[str, pa.Array]
    known: frozenset[str] | None

    @classmethod
    def parse(cls, table: pa.Table, hints: Hints, known: frozenset[str] | None) -> Columns:
        n = table.num_rows
        raw = {name: _clean(table[name], hints) for name in table.column_names}
        t, code = _timestamps(raw["timestamp"])
        slo_index, slo_names = _encode(raw["slo"])
        empty_name = np.array([s == "" for s in slo_names], bool)
        unknown = np.array(
            [s != "" and known is not None and s not in known for s in slo_names], bool
        )
        good, good_empty, good_nan = _numbers(raw.get("good"), n)
        total, total_empty, total_nan = _numbers(raw.get("total"), n)
        value, value_empty, value_nan = _numbers(raw.get("value"), n)
        if len(slo_names):
            _flag(code, empty_name[slo_index], SLO_EMPTY)
            _flag(code, unknown[slo_index], SLO_UNKNOWN)
        _flag(code, good_empty & total_empty & value_empty, ROW_EMPTY)
        _flag(code, good_empty & ~total_empty, GOOD_EMPTY)
        _flag(code, total_empty & ~good_empty, TOTAL_EMPTY)
        _flag(code, good_nan, GOOD_NAN)
        _flag(code, total_nan, TOTAL_NAN)
        _flag(code, good < 0, GOOD_NEGATIVE)
        _flag(code, total < 0, TOTAL_NEGATIVE)
        _flag(code, np.isfinite(good) & (good != np.floor(good)), GOOD_FRACTION)
        _flag(code, np.isfinite(total) & (total != np.floor(total)), TOTAL_FRACTION)
        _flag(code, good > total, GOOD_ABOVE_TOTAL)
        _flag(code, value_nan, VALUE_NAN)
        return cls(t, good, total, value, code, slo_index, slo_names, raw, known)

    def cell(self, name: str, row: int) -> str:
        return str(self.cells[name][row].as_py())

    def describe(self, row: int) -> tuple[str, str]:
        """The problem of ``row`` as (code name, message)."""
        code = int(self.code[row])
        name, message = _MESSAGES[code]
        return name, message(self, row)

    def _row_empty(self, _row: int) -> str:
        if "value" not in self.cells:
            return "good and total are empty"
        if "good" not in self.cells:
            return "value is empty"
        return "the row has neither counts (good, total) nor a value"

    def _unknown(self, row: int) -> str:
        slo = self.cell("slo", row)
        guess = difflib.get_close_matches(slo, sorted(self.known or ()), n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else ""
        return f"unknown SLO {_show(slo)}{hint}"


def _flag(code: np.ndarray, mask: np.ndarray, value: int) -> None:
    code[(code == 0) & mask] = value


def _cell_message(template: str, *names: str) -> Callable[[Columns, int], str]:
    def message(cols: Columns, row: int) -> str:
        cells: dict[str, Any] = {n: cols.cell(n, row) for n in names}
        shown = {f"{n}_shown": _show(v) for n, v in cells.items()}
        return template.format(**cells, **shown)

    return message


_MESSAGES: dict[int, tuple[str, Callable[[Columns, int], str]]] = {
    TS_EMPTY: ("timestamp_missing", lambda _c, _r: "timestamp is empty"),
    TS_INVALID: (
        "timestamp_invalid",
        _cell_message(
            "timestamp {timestamp_shown} is neither ISO-8601 with a zone "
            "(2024-05-01T09:00:00+09:00) nor Unix seconds",
            "timestamp",
        ),
    ),
    TS_RANGE: (
        "timestamp_out_of_range",
        _cell_message(
            "timestamp {timestamp_shown} is outside 1970-01-01 to 9999-12-31", "timestamp"
        ),
    ),
    TS_NOT_MINUTE: (
        "timestamp_not_minute",
        _cell_message(
            "timestamp {timestamp_shown} is not on a UTC minute boundary "
            "(a bucket starts at second 0 of a minute)",
            "timestamp",
        ),
    ),
    SLO_EMPTY: ("slo_missing", lambda _c, _r: "slo is empty"),
    SLO_UNKNOWN: ("slo_unknown", Columns._unknown),
    ROW_EMPTY: ("row_empty", Columns._row_empty),
    GOOD_EMPTY: (
        "count_missing",
        _cell_message("good is empty but total is {total}: give both counts", "total"),
    ),
    TOTAL_EMPTY: (
        "count_missing",
        _cell_message("total is empty but good is {good}: give both counts", "good"),
    ),
    GOOD_NAN: ("count_not_number", _cell_message("good {good_shown} is not a number", "good")),
    TOTAL_NAN: ("count_not_number", _cell_message("total {total_shown} is not a number", "total")),
    GOOD_NEGATIVE: ("count_negative", _cell_message("good {good} is negative", "good")),
    TOTAL_NEGATIVE: ("count_negative", _cell_message("total {total} is negative", "total")),
    GOOD_FRACTION: (
        "count_not_integer",
        _cell_message("good {good} is not a whole number", "good"),
    ),
    TOTAL_FRACTION: (
        "count_not_integer",
        _cell_message("total {total} is not a whole number", "total"),
    ),
    GOOD_ABOVE_TOTAL: (
        "good_above_total",
        _cell_message("good {good} is greater than total {total}", "good", "total"),
    ),
    VALUE_NAN: ("value_not_number", _cell_message("value {value_shown} is not a number", "value")),
}
