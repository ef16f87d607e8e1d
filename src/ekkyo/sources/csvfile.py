"""The bucket CSV reader: ``timestamp,slo,good,total[,value]`` files into :class:`Buckets`.

The format is in ``docs/data.md``.  Speed comes from never looping over rows in Python:
the file is memory-mapped and cut into blocks at line ends, pyarrow splits each block into
string columns (quoting switched off, so that one physical line is always one record and
line numbers stay exact), and every check is a vectorised pyarrow/numpy operation.  Python
only formats the few rows that have problems.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ekkyo.engine.buckets import Buckets
from ekkyo.sources import _csvcells as cells

__all__ = ["CsvBuckets", "CsvError", "RowProblem", "parse_bucket_csv_bytes", "read_bucket_csv"]

BLOCK_SIZE = 16 << 20  # bytes per chunk: the unit of work and of progress reports
PARSE_BLOCK = 4 << 20  # bytes per pyarrow parse block: blocks are parsed in parallel
MAX_PROBLEMS = 1000
_BOM = b"\xef\xbb\xbf"
_LAYOUTS = ("timestamp,slo,good,total", "timestamp,slo,value", "timestamp,slo,good,total,value")
EXPECTED_HEADER = " or ".join(_LAYOUTS)


class CsvError(Exception):
    """The file as a whole cannot be read; the message names the file (and line)."""


@dataclass(frozen=True)
class RowProblem:
    """One skipped row.  ``code`` is a stable machine name (see ``docs/data.md``)."""

    path: str
    line: int
    message: str
    code: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class CsvBuckets:
    """What a file held: buckets per SLO name (in file order) and the rows left out.

    ``rows_read`` counts data rows (not the header, not blank lines); ``rows_skipped``
    counts every row with a problem, while ``problems`` keeps only the first
    ``max_problems`` of them, in line order.
    """

    by_slo: dict[str, Buckets]
    rows_read: int
    rows_skipped: int
    problems: list[RowProblem]


def read_bucket_csv(
    path: str | os.PathLike[str],
    *,
    known_slos: Collection[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_problems: int = MAX_PROBLEMS,
) -> CsvBuckets:
    """Read a bucket CSV file.  ``progress(bytes_done, bytes_total)`` follows each block."""
    name = os.fspath(path)
    try:
        f = open(name, "rb")  # noqa: SIM115 - closed by the `with` below
    except FileNotFoundError:
        raise CsvError(f"{name}: no such file") from None
    except OSError as e:
        raise CsvError(f"{name}: cannot read: {e.strerror or e}") from None
    with f:
        try:
            info = os.fstat(f.fileno())
            data: Any
            if stat.S_ISREG(info.st_mode) and info.st_size > 0:
                # The page cache, mapped: no copy of the file is made, however large.
                data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            else:
                data = f.read()  # a pipe or other special file: read it whole
            try:
                return _Parser(name, known_slos, max_problems).run(data, progress)
            finally:
                if isinstance(data, mmap.mmap):
                    # While an error's traceback still holds views of the map, the map
                    # cannot close yet; it closes when they are gone.
                    with contextlib.suppress(BufferError):
                        data.close()
        except OSError as e:
            raise CsvError(f"{name}: cannot read: {e.strerror or e}") from None


def parse_bucket_csv_bytes(
    data: bytes,
    path: str = "<bytes>",
    *,
    known_slos: Collection[str] | None = None,
    max_problems: int = MAX_PROBLEMS,
) -> CsvBuckets:
    """Parse a bucket CSV already in memory (an upload); ``path`` names it in messages."""
    return _Parser(path, known_slos, max_problems).run(bytes(data), None)


def _next_cut(buf: Any, pos: int, size: int) -> int:
    """Where the chunk that starts at ``pos`` ends: at a line end about a block later."""
    end = pos + BLOCK_SIZE
    if end >= size:
        return size
    cut = buf.rfind(b"\n", pos, end) + 1
    if cut <= pos:
        # Old Mac line ends.  A `\r` that ends the block may be half of a `\r\n`, so
        # the search stops one byte short.
        cut = buf.rfind(b"\r", pos, end - 1) + 1
    if cut > pos:
        return int(cut)
    # A line longer than a block: the chunk runs to its end.
    found = [i for i in (buf.find(b"\n", end), buf.find(b"\r", end)) if i >= 0]
    if not found:
        return size
    i = min(found)
    return i + 2 if buf[i : i + 2] == b"\r\n" else i + 1


def _count(a: np.ndarray, byte: int) -> int:
    # In slices, so that the comparison's temporary stays in the cache: twice as fast.
    step = 1 << 18
    return sum(int(np.count_nonzero(a[i : i + step] == byte)) for i in range(0, len(a), step))


def _count_lines(a: np.ndarray, any_cr: bool = True) -> int:
    """Line ends in bytes ``a``: `\\n`, `\\r\\n` and a lone `\\r`, as pyarrow counts them.

    ``any_cr=False`` says that ``a`` holds no `\\r` (most files), which saves a pass.
    """
    n = _count(a, 10)
    cr = _count(a, 13) if any_cr else 0
    if cr:
        n += cr - int(np.count_nonzero((a[:-1] == 13) & (a[1:] == 10)))
    return n


@dataclass(frozen=True)
class _Lines:
    """Where each non-empty line of a chunk is: 1-based numbers and field counts."""

    number: np.ndarray
    fields: np.ndarray


def _lines(a: np.ndarray, first_line: int) -> _Lines:
    nl = a == 10
    cr = a == 13
    next_nl = np.zeros_like(nl)
    next_nl[:-1] = nl[1:]
    last = np.flatnonzero(nl | (cr & ~next_nl))  # the last byte of each line end
    prev_cr = np.zeros_like(cr)
    prev_cr[1:] = cr[:-1]
    # Segment k runs from the end of line end k-1 to the start of line end k; the last
    # one, after the last line end, is empty unless the data ends without a line end.
    stops = np.append(last - (nl[last] & prev_cr[last]), len(a))
    starts = np.concatenate(([0], last + 1))
    commas = np.concatenate(([0], np.cumsum(a == 44, dtype=np.int64)))
    keep = stops > starts
    return _Lines(
        number=np.flatnonzero(keep) + first_line,
        fields=(commas[stops] - commas[starts])[keep] + 1,
    )


def _parse_header(line: bytes, path: str, number: int) -> list[str]:
    where = f"{path}:{number}"
    # The chunk holding the header was checked for UTF-8 already.
    found = [cells.clean_text(c) for c in line.decode("utf-8").split(",")]
    names = [c.lower() for c in found]
    reason = None
    counts = {"good", "total"} & set(names)
    if unknown := [c for c, n in zip(found, names, strict=True) if n not in cells.COLUMNS]:
        reason = f"unknown column {unknown[0]!r}"
        if any(c[:1].isdigit() for c in found):
            reason += " (is the header line missing?)"
    elif dup := sorted({n for n in names if names.count(n) > 1}):
        reason = f"column {dup[0]!r} appears twice"
    elif missing := [n for n in ("timestamp", "slo") if n not in names]:
        reason = f"missing column {missing[0]!r}"
    elif len(counts) == 1:
        reason = f"column {counts.pop()!r} needs its partner ('good' and 'total' go together)"
    elif not counts and "value" not in names:
        reason = "neither count columns (good,total) nor a value column"
    if reason:
        raise CsvError(
            f"{where}: bad header: {reason}; expected {EXPECTED_HEADER}; found {','.join(found)}"
        )
    return names


@dataclass(frozen=True)
class _Kept:
    """A chunk's good rows: its columns (None: not in the file), the row order that groups
    them by SLO (stable, so file order holds within an SLO) and the rows per SLO id."""

    columns: tuple[np.ndarray | None, ...]  # t, good, total, value
    order: np.ndarray
    counts: np.ndarray


class _Parser:
    def __init__(self, path: str, known_slos: Collection[str] | None, max_problems: int):
        self.path = path
        self.known = None if known_slos is None else frozenset(known_slos)
        self.max_problems = max_problems
        self.names: list[str] | None = None
        self.line = 1  # number of the first line of the next chunk
        self.slo_ids: dict[str, int] = {}
        self.kept: list[_Kept] = []
        self.rows_read = 0
        self.rows_skipped = 0
        self.problems: list[RowProblem] = []

    def run(self, buf: Any, progress: Callable[[int, int], None] | None) -> CsvBuckets:
        """Parse ``buf`` (bytes or an mmap: anything with ranged find/rfind)."""
        size = len(buf)
        pos = len(_BOM) if buf[: len(_BOM)] == _BOM else 0
        while pos < size:
            cut = _next_cut(buf, pos, size)
            self._chunk(buf, pos, cut)
            pos = cut
            if progress is not None:
                progress(pos, size)
        if self.names is None:
            raise CsvError(f"{self.path}: the file is empty; expected a header: {EXPECTED_HEADER}")
        return CsvBuckets(
            by_slo=self._buckets(),
            rows_read=self.rows_read,
            rows_skipped=self.rows_skipped,
            problems=self.problems,
        )

    def _chunk(self, buf: Any, start: int, stop: int) -> None:
        a = np.frombuffer(buf, np.uint8, count=stop - start, offset=start)
        if a.max() >= 0x80:
            try:
                str(memoryview(buf)[start:stop], "utf-8")
            except UnicodeDecodeError as e:
                line = self.line + _count_lines(a[: e.start])
                raise CsvError(
                    f"{self.path}:{line}: not UTF-8 text (byte 0x{a[e.start]:02x})"
                ) from None
        if self.names is None:
            start = self._header(buf, start, stop)
            if self.names is None or start == stop:
                return
            a = a[len(a) - (stop - start) :]
        table, skipped = _read_table(memoryview(buf)[start:stop], a, self.names)
        self.rows_read += table.num_rows + skipped
        hints = cells.Hints(
            spaces=buf.find(b" ", start, stop) >= 0 or buf.find(b"\t", start, stop) >= 0,
            quotes=buf.find(b'"', start, stop) >= 0,
        )
        cols = cells.Columns.parse(table, hints, self.known)
        bad = np.flatnonzero(cols.code)
        if skipped or len(bad):
            self._problems(a, table, cols, bad, skipped)
        self._keep(cols)
        self.line += _count_lines(a, any_cr=buf.find(b"\r", start, stop) >= 0)

    def _header(self, buf: Any, start: int, stop: int) -> int:
        """Read the header (after any blank lines); returns where the data begins."""
        a = np.frombuffer(buf, np.uint8, count=stop - start, offset=start)
        # Leading blank lines are few; look at a growing prefix only.
        prefix = 1 << 12
        while True:
            text = np.flatnonzero((a[:prefix] != 10) & (a[:prefix] != 13))
            if len(text) or prefix >= len(a):
                break
            prefix *= 8
        if not len(text):
            self.line += _count_lines(a)
            return stop
        first = start + int(text[0])
        self.line += _count_lines(a[: first - start])
        ends = [i for i in (buf.find(b"\n", first, stop), buf.find(b"\r", first, stop)) if i >= 0]
        end = min(ends, default=stop)
        self.names = _parse_header(bytes(buf[first:end]), self.path, self.line)
        self.line += 1
        if end < stop:
            end += 2 if buf[end : end + 2] == b"\r\n" else 1
        return end

    def _problems(
        self, a: np.ndarray, table: pa.Table, cols: cells.Columns, bad: np.ndarray, skipped: int
    ) -> None:
        assert self.names is not None
        lines = _lines(a, self.line)
        wrong = lines.fields != len(self.names)
        if int(wrong.sum()) != skipped or int((~wrong).sum()) != table.num_rows:
            raise AssertionError("pyarrow and the line splitter disagree on rows")
        # Rows with the wrong number of fields never reached the table: merge both kinds
        # of problem by line so that the list is in file order.  A negative `row` stands
        # for such a line (-1 - its index among the chunk's non-empty lines).
        wrong_at = np.flatnonzero(wrong)
        line_of = np.concatenate([lines.number[wrong], lines.number[~wrong][bad]])
        row_of = np.concatenate([-1 - wrong_at, bad])
        order = np.argsort(line_of, kind="stable")
        self.rows_skipped += len(order)
        room = max(0, self.max_problems - len(self.problems))
        for i in order[:room]:
            line, row = int(line_of[i]), int(row_of[i])
            if row < 0:
                found = int(lines.fields[-1 - row])
                code = "field_count"
                message = (
                    f"expected {len(self.names)} fields ({','.join(self.names)}), found {found}"
                )
            else:
                code, message = cols.describe(row)
            self.problems.append(RowProblem(self.path, line, message, code))

    def _keep(self, cols: cells.Columns) -> None:
        ok = cols.code == 0
        all_ok = bool(ok.all())
        if not all_ok and not ok.any():
            return
        for name in cols.slo_names:
            self.slo_ids.setdefault(name, len(self.slo_ids))
        ids = np.array([self.slo_ids[n] for n in cols.slo_names], np.int64)
        gid = ids[cols.slo_index]
        rows = None if all_ok else np.flatnonzero(ok)
        if rows is not None:
            gid = gid[rows]
        # 16-bit keys get numpy's (linear) radix sort.
        key = gid.astype(np.uint16) if len(self.slo_ids) <= 1 << 16 else gid
        order = np.argsort(key, kind="stable")
        assert self.names is not None
        has_counts, has_value = "good" in self.names, "value" in self.names
        self.kept.append(
            _Kept(
                columns=(
                    cols.t,
                    cols.good if has_counts else None,
                    cols.total if has_counts else None,
                    cols.value if has_value else None,
                ),
                order=order if rows is None else rows[order],
                counts=np.bincount(gid, minlength=len(self.slo_ids)),
            )
        )

    def _buckets(self) -> dict[str, Buckets]:
        """Copy each chunk's rows into one array per SLO and column (one copy in all)."""
        n_slos = len(self.slo_ids)
        sizes = np.zeros(n_slos, np.int64)
        for kept in self.kept:
            sizes[: len(kept.counts)] += kept.counts
        dtypes = (np.int64, np.float64, np.float64, np.float64)
        present = [c is not None for c in self.kept[0].columns] if self.kept else [True] * 4
        out: list[list[np.ndarray] | None] = [
            [np.empty(int(n), d) for n in sizes] if p else None
            for d, p in zip(dtypes, present, strict=True)
        ]
        filled = np.zeros(n_slos, np.int64)
        for kept in self.kept:
            bounds = np.concatenate(([0], np.cumsum(kept.counts)))
            for column, target in zip(kept.columns, out, strict=True):
                if column is None or target is None:
                    continue
                grouped = column[kept.order]
                for slo in np.flatnonzero(kept.counts):
                    at = int(filled[slo])
                    target[slo][at : at + int(kept.counts[slo])] = grouped[
                        bounds[slo] : bounds[slo + 1]
                    ]
            filled[: len(kept.counts)] += kept.counts
        self.kept.clear()
        by_slo: dict[str, Buckets] = {}
        for name, slo in self.slo_ids.items():
            if sizes[slo] == 0:
                continue
            t, good, total, value = (
                c[slo] if c is not None else np.full(int(sizes[slo]), np.nan) for c in out
            )
            by_slo[name] = Buckets(t=t, good=good, total=total, value=value)
        return by_slo


def _read_table(data: memoryview, a: np.ndarray, names: list[str]) -> tuple[pa.Table, int]:
    """Split ``data`` into string columns; returns the table and how many rows had the
    wrong number of fields (pyarrow drops those; :func:`_lines` finds them again)."""
    skipped = 0

    def skip(_row: object) -> str:
        nonlocal skipped
        skipped += 1
        return "skip"

    # pyarrow drops a byte order mark that starts its input; one that starts a later
    # chunk is data (a bad cell), so an empty line in front keeps it from pyarrow's view.
    starts_with_bom = len(a) >= len(_BOM) and bytes(a[: len(_BOM)]) == _BOM
    buffer = pa.py_buffer(b"\n" + bytes(data) if starts_with_bom else data)

    def read(block_size: int) -> pa.Table:
        return pacsv.read_csv(
            buffer,
            read_options=pacsv.ReadOptions(column_names=names, block_size=block_size),
            parse_options=pacsv.ParseOptions(quote_char=False, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                check_utf8=False,  # checked once per chunk before
            ),
        )

    try:
        table = read(PARSE_BLOCK)
    except pa.ArrowInvalid as e:
        if "straddle" not in str(e):
            raise
        # One line longer than a parse block: parse the chunk as a single block.
        skipped = 0
        table = read(len(data) + 1)
    return table, skipped
