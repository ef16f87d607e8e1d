"""The bucket CSV reader against a plain `csv`-module reader, and on arbitrary bytes.

The reference below reads the file row by row with Python's `csv` module and checks each
cell with `re` and `datetime`, following docs/data.md; it shares no code with the reader.
"""

from __future__ import annotations

import calendar
import csv
import io
import math
import re
import time
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.sources import csvfile
from ekkyo.sources.csvfile import CsvError, parse_bucket_csv_bytes

LAYOUTS = (
    ("timestamp", "slo", "good", "total"),
    ("timestamp", "slo", "value"),
    ("timestamp", "slo", "good", "total", "value"),
)
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2})"
    r"(?::([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?)?"
    r"(?:Z|([+-])([0-9]{2})(?::?([0-9]{2}))?)"
)
UNIX = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
KNOWN = ("checkout", "search", "latency")


def ref_number(cell: str) -> float | None:
    if not NUMBER.fullmatch(cell):
        return None
    x = float(cell)
    return x if math.isfinite(x) else None


def ref_seconds(cell: str) -> tuple[int, bool] | None:
    """(Unix seconds, has a non-zero fraction), or None when unparseable."""
    if m := UNIX.fullmatch(cell):
        return int(m[1]), bool((m[2] or "").strip("0"))
    m = ISO.fullmatch(cell)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, sign, oh, om = m.groups()
    y, mo, d, h = int(y), int(mo), int(d), int(h)
    mi, s, oh, om = int(mi or 0), int(s or 0), int(oh or 0), int(om or 0)
    if not 1 <= mo <= 12 or h > 23 or mi > 59 or s > 59 or oh > 23 or om > 59:
        return None
    days_in_month = [31, 29 if calendar.isleap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if not 1 <= d <= days_in_month[mo - 1]:
        return None
    # Days from 1970-01-01 by counting whole years, so year 0 works too (it is out of range).
    days = sum(366 if calendar.isleap(k) else 365 for k in range(min(y, 1970), max(y, 1970)))
    days = days if y >= 1970 else -days
    days += sum(days_in_month[: mo - 1]) + d - 1
    offset = (oh * 3600 + om * 60) * (-1 if sign == "-" else 1)
    return days * 86400 + h * 3600 + mi * 60 + s - offset, bool((frac or "").strip("0"))


def ref_problem(cell: dict[str, str], known: tuple[str, ...] | None) -> str | None:
    ts = cell["timestamp"]
    if ts == "":
        return "timestamp_missing"
    parsed = ref_seconds(ts)
    if parsed is None:
        return "timestamp_invalid"
    t, fraction = parsed
    if not 0 <= t <= 253402300799:
        return "timestamp_out_of_range"
    if t % 60 or fraction:
        return "timestamp_not_minute"
    if cell["slo"] == "":
        return "slo_missing"
    if known is not None and cell["slo"] not in known:
        return "slo_unknown"
    good, total, value = (cell.get(k, "") for k in ("good", "total", "value"))
    if good == total == value == "":
        return "row_empty"
    if (good == "") != (total == ""):
        return "count_missing"
    if good != "":
        g, n = ref_number(good), ref_number(total)
        if g is None or n is None:
            return "count_not_number"
        if g < 0 or n < 0:
            return "count_negative"
        if g != int(g) or n != int(n):
            return "count_not_integer"
        if g > n:
            return "good_above_total"
    if value != "" and ref_number(value) is None:
        return "value_not_number"
    return None


def reference(data: bytes, known: tuple[str, ...] | None):  # type: ignore[no-untyped-def]
    text = data.decode("utf-8").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    problems: list[tuple[int, str]] = []
    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    read = 0
    for fields in reader:
        if not fields:
            continue
        fields = [f.strip(" \t") for f in fields]
        if header is None:
            header = [f.lower() for f in fields]
            continue
        read += 1
        if len(fields) != len(header):
            problems.append((reader.line_num, "field_count"))
            continue
        cell = dict(zip(header, fields, strict=True))
        if code := ref_problem(cell, known):
            problems.append((reader.line_num, code))
            continue
        t, _ = ref_seconds(cell["timestamp"])  # type: ignore[misc]
        nums = [ref_number(cell.get(k, "")) for k in ("good", "total", "value")]
        rows.setdefault(cell["slo"], []).append(
            (t, *(math.nan if x is None else x for x in nums))  # type: ignore[arg-type]
        )
    return rows, problems, read


# --- generated files ------------------------------------------------------------------

minutes = st.integers(0, 200 * 365 * 1440).map(lambda m: m * 60)  # 1970 .. 2170


@st.composite
def timestamps(draw: st.DrawFn) -> str:
    t = draw(minutes) + draw(st.sampled_from([0, 0, 0, 1, 30, 59]))
    kind = draw(st.sampled_from(["unix", "unix_frac", "iso", "iso", "junk", "empty"]))
    if kind == "unix":
        return str(t)
    if kind == "unix_frac":
        return f"{t}.{draw(st.sampled_from(['0', '000', '5', '001']))}"
    if kind == "junk":
        return draw(junk)
    if kind == "empty":
        return ""
    minutes_off = draw(st.sampled_from([0, 0, 540, -300, 330, -690, 1439]))
    lt = t + minutes_off * 60
    sign = "-" if minutes_off < 0 else "+"
    oh, om = divmod(abs(minutes_off), 60)
    zone = draw(
        st.sampled_from(
            ["Z", f"{sign}{oh:02d}:{om:02d}", f"{sign}{oh:02d}{om:02d}"]
            + ([f"{sign}{oh:02d}"] if om == 0 else [])
        )
    )
    y, mo, d, h, mi, s = time.gmtime(lt)[:6]
    sep = draw(st.sampled_from(["T", "T", " "]))
    body = f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}"
    seconds = draw(st.sampled_from(["", f":{s:02d}", f":{s:02d}.000", f":{s:02d}.25"]))
    if seconds == "" and s:
        seconds = f":{s:02d}"
    return body + seconds + zone


junk = st.text(
    st.characters(codec="utf-8", exclude_characters=',"\r\n', exclude_categories=("Cc", "Cs")),
    max_size=8,
)
counts = st.one_of(
    st.integers(-2, 50).map(str),
    st.sampled_from(["", "", "1.0", "2.5", "1e2", "nan", "inf", "-0", "+3", ".5", "1e999"]),
    junk,
)
values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["", "", "12", "nan", "-inf", "1e400"]),
    junk,
)
slos = st.one_of(st.sampled_from([*KNOWN, "chekout", ""]), junk)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    layout = list(draw(st.sampled_from(LAYOUTS)))
    layout = draw(st.permutations(layout))
    newline = draw(st.sampled_from(["\n", "\r\n"]))

    def decorate(cell: str) -> str:
        style = draw(st.sampled_from(["plain", "plain", "spaced", "quoted"]))
        if style == "spaced":
            return f" {cell}\t"
        if style == "quoted":
            return '"' + cell.replace('"', '""') + '"'
        return cell

    lines = [",".join(decorate(c) for c in layout)]
    strategies = {"timestamp": timestamps(), "slo": slos, "good": counts, "total": counts}
    strategies["value"] = values
    for _ in range(draw(st.integers(0, 20))):
        if draw(st.integers(0, 9)) == 0:
            lines.append("")
        row = [decorate(draw(strategies[c])) for c in layout]
        extra = draw(st.sampled_from([0, 0, 0, 0, 0, 0, 0, 0, 1, -1]))
        row = [*row, "x"] if extra > 0 else row[:-1] if extra < 0 else row
        lines.append(",".join(row))
    bom = "\ufeff" if draw(st.booleans()) else ""
    end = newline if draw(st.booleans()) else ""
    return (bom + newline.join(lines) + end).encode()


@settings(max_examples=150, deadline=None)
@given(
    csv_files(),
    st.booleans(),
    st.sampled_from([1 << 20, 1 << 20, 160]),
    st.sampled_from([1 << 22, 1 << 22, 100]),
)
def test_it_agrees_with_the_csv_module_reference(
    data: bytes, check_names: bool, block: int, parse_block: int
) -> None:
    known = KNOWN if check_names else None
    with (
        mock.patch.object(csvfile, "BLOCK_SIZE", block),
        mock.patch.object(csvfile, "PARSE_BLOCK", parse_block),
    ):
        result = parse_bucket_csv_bytes(data, known_slos=known)
    rows, problems, read = reference(data, known)
    assert [(p.line, p.code) for p in result.problems] == problems
    assert (result.rows_read, result.rows_skipped) == (read, len(problems))
    assert set(result.by_slo) == set(rows)
    for slo, expected in rows.items():
        got = result.by_slo[slo]
        columns = np.array(expected, dtype=np.float64).T
        np.testing.assert_array_equal(got.t, columns[0].astype(np.int64))
        np.testing.assert_array_equal(got.good, columns[1])
        np.testing.assert_array_equal(got.total, columns[2])
        np.testing.assert_array_equal(got.value, columns[3])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([1 << 20, 1 << 20, 5]))
def test_it_never_fails_on_arbitrary_bytes_but_with_a_csv_error(data: bytes, block: int) -> None:
    with mock.patch.object(csvfile, "BLOCK_SIZE", block):
        try:
            result = parse_bucket_csv_bytes(data)
        except CsvError:
            return
    kept = sum(len(b) for b in result.by_slo.values())
    assert kept == result.rows_read - result.rows_skipped
    assert len(result.problems) == result.rows_skipped


header_then_bytes = st.tuples(
    st.sampled_from(["timestamp,slo,good,total", "timestamp,slo,value"]),
    st.binary(max_size=200),
).map(lambda p: p[0].encode() + b"\n" + p[1])


@settings(max_examples=300, deadline=None)
@given(header_then_bytes, st.sampled_from([1 << 20, 1 << 20, 5]))
def test_it_never_fails_on_arbitrary_rows_but_with_a_csv_error(data: bytes, block: int) -> None:
    test_it_never_fails_on_arbitrary_bytes_but_with_a_csv_error.hypothesis.inner_test(data, block)  # type: ignore[attr-defined]
