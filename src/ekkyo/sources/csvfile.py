"""The bucket CSV reader: ``timestamp,slo,good,total[,value]`` files into :class:`Buckets`.

The format is in ``docs/data.md``.  Speed comes from never looping over rows in Python:
the file is cut into blocks at line ends, pyarrow splits each block into string columns
(quoting switched off, so that one physical line is always one record and line numbers
stay exact), and every check is a vectorised pyarrow/numpy operation.  Python only
formats the few rows that have problems.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ekkyo.engine.buckets import Buckets
from ekkyo.sources import _csvcells as cells

__all__ = ["CsvBuckets", "CsvError", "RowProblem", "parse_bucket_csv_bytes", "read_bucket_csv"]

BLOCK_SIZE = 16 << 20
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
            size = os.fstat(f.fileno()).st_size

            def blocks() -> Iterator[bytes]:
                while block := f.read(BLOCK_SIZE):
                    yield block

            return _Parser(name, known_slos, max_problems).run(blocks(), progress, size)
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
    view = memoryview(data)
    blocks = (bytes(view[i : i + BLOCK_SIZE]) for i in range(0, len(data), BLOCK_SIZE))
    return _Parser(path, known_slos, max_problems).run(blocks, None, len(data))


def _chunks(blocks: Iterable[bytes]) -> Iterator[tuple[bytes, int]]:
    """Regroup blocks into chunks that end at a line end; yields (chunk, bytes read)."""
    pending: list[bytes | memoryview] = []  # a line begun in earlier blocks
    done = 0
    for block in blocks:
        done += len(block)
        # A `\r` that ends a block may be half of a `\r\n`, so it cannot end a chunk.
        cut = block.rfind(b"\n") + 1 or block.rfind(b"\r", 0, len(block) - 1) + 1
        if not cut:
            pending.append(block)
            continue
        view = memoryview(block)
        yield b"".join([*pending, view[:cut]]), done
        pending = [view[cut:]] if cut < len(block) else []
    if pending:
        yield b"".join(pending), done


def _count_lines(data: bytes) -> int:
    """Line ends in ``data``: `\\n`, `\\r\\n` and a lone `\\r`, as pyarrow counts them."""
    n = data.count(b"\n")
    # `in` is a memchr; the three counts are only needed for files with `\r`.
    return n + data.count(b"\r") - data.count(b"\r\n") if b"\r" in data else n


@dataclass(frozen=True)
class _Lines:
    """Where each non-empty line of a chunk is: 1-based numbers and field counts."""

    number: np.ndarray
    fields: np.ndarray


def _lines(data: bytes, first_line: int) -> _Lines:
    a = np.frombuffer(data, np.uint8)
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


class _Parser:
    def __init__(self, path: str, known_slos: Collection[str] | None, max_problems: int):
        self.path = path
        self.known = None if known_slos is None else frozenset(known_slos)
        self.max_problems = max_problems
        self.names: list[str] | None = None
        self.line = 1  # number of the first line of the next chunk
        self.slo_ids: dict[str, int] = {}
        self.parts: list[list[tuple[np.ndarray, ...]]] = []  # per SLO id, in file order
        self.rows_read = 0
        self.rows_skipped = 0
        self.problems: list[RowProblem] = []

    def run(
        self,
        blocks: Iterable[bytes],
        progress: Callable[[int, int], None] | None,
        size: int,
    ) -> CsvBuckets:
        first = True
        for chunk, done in _chunks(blocks):
            if first and chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
            first = False
            self._chunk(chunk)
            if progress is not None:
                progress(done, size)
        if self.names is None:
            raise CsvError(f"{self.path}: the file is empty; expected a header: {EXPECTED_HEADER}")
        return CsvBuckets(
            by_slo=self._buckets(),
            rows_read=self.rows_read,
            rows_skipped=self.rows_skipped,
            problems=self.problems,
        )

    def _chunk(self, data: bytes) -> None:
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as e:
                line = self.line + _count_lines(data[: e.start])
                raise CsvError(
                    f"{self.path}:{line}: not UTF-8 text (byte 0x{data[e.start]:02x})"
                ) from None
        if self.names is None:
            data = self._header(data)
            if self.names is None or not data:
                return
        table, skipped = _read_table(data, self.names)
        rows = table.num_rows + skipped
        self.rows_read += rows
        cols = cells.Columns.parse(table, cells.Hints.of(data), self.known)
        bad = np.flatnonzero(cols.code)
        if skipped or len(bad):
            self._problems(data, table, cols, bad, skipped)
        self._keep(cols)
        self.line += _count_lines(data)

    def _header(self, data: bytes) -> bytes:
        body = data.lstrip(b"\r\n")
        self.line += _count_lines(data[: len(data) - len(body)])
        if not body:
            return b""
        end = min((i for i in (body.find(b"\n"), body.find(b"\r")) if i >= 0), default=len(body))
        self.names = _parse_header(body[:end], self.path, self.line)
        rest = body[end:]
        if rest.startswith(b"\r\n"):
            rest = rest[2:]
        elif rest:
            rest = rest[1:]
        self.line += 1
        return rest

    def _problems(
        self, data: bytes, table: pa.Table, cols: cells.Columns, bad: np.ndarray, skipped: int
    ) -> None:
        assert self.names is not None
        lines = _lines(data, self.line)
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
        """Group the chunk's good rows by SLO, keeping file order within each SLO."""
        ok = cols.code == 0
        all_ok = bool(ok.all())
        if not all_ok and not ok.any():
            return
        for name in cols.slo_names:
            if name not in self.slo_ids:
                self.slo_ids[name] = len(self.slo_ids)
                self.parts.append([])
        ids = np.array([self.slo_ids[n] for n in cols.slo_names], np.int64)
        gid = ids[cols.slo_index]
        rows = None if all_ok else np.flatnonzero(ok)
        if rows is not None:
            gid = gid[rows]
        # A stable sort keeps file order; 16-bit keys get numpy's (linear) radix sort.
        key = gid.astype(np.uint16) if len(self.slo_ids) <= 1 << 16 else gid
        order = np.argsort(key, kind="stable")
        sel = order if rows is None else rows[order]
        columns = [c[sel] for c in (cols.t, cols.good, cols.total, cols.value)]
        bounds = np.cumsum(np.bincount(gid, minlength=len(self.slo_ids)))
        start = 0
        for slo, stop in enumerate(bounds.tolist()):
            if stop > start:
                self.parts[slo].append(tuple(c[start:stop] for c in columns))
            start = stop

    def _buckets(self) -> dict[str, Buckets]:
        out: dict[str, Buckets] = {}
        for name, slo in self.slo_ids.items():
            parts = self.parts[slo]
            if parts:
                t, good, total, value = (
                    c[0] if len(parts) == 1 else np.concatenate(c) for c in zip(*parts, strict=True)
                )
                out[name] = Buckets(t=t, good=good, total=total, value=value)
        return out


def _read_table(data: bytes, names: list[str]) -> tuple[pa.Table, int]:
    """Split ``data`` into string columns; returns the table and how many rows had the
    wrong number of fields (pyarrow drops those; :func:`_lines` finds them again)."""
    skipped = 0

    def skip(_row: object) -> str:
        nonlocal skipped
        skipped += 1
        return "skip"

    # pyarrow drops a byte order mark that starts its input; one that starts a later
    # chunk is data (a bad cell), so an empty line in front keeps it from pyarrow's view.
    buffer = pa.py_buffer(b"\n" + data if data.startswith(_BOM) else data)

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
        table = read(1 << 22)
    except pa.ArrowInvalid as e:
        if "straddle" not in str(e):
            raise
        # One line longer than a parse block: parse the chunk as a single block.
        skipped = 0
        table = read(len(data) + 1)
    return table, skipped
