"""The bucket CSV reader on hand-written files: every problem with its line, every error."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from ekkyo.sources import csvfile
from ekkyo.sources.csvfile import (
    CsvError,
    RowProblem,
    parse_bucket_csv_bytes,
    read_bucket_csv,
)

MAY_1 = 1714521600  # 2024-05-01T00:00:00Z


def parse(text: str, **kwargs: object) -> csvfile.CsvBuckets:
    return parse_bucket_csv_bytes(text.encode(), "b.csv", **kwargs)  # type: ignore[arg-type]


def only_problem(text: str, **kwargs: object) -> RowProblem:
    result = parse(text, **kwargs)
    assert len(result.problems) == 1, result.problems
    return result.problems[0]


RATIO = "timestamp,slo,good,total\n"


def test_it_reads_ratio_rows_into_buckets_per_slo() -> None:
    result = parse(RATIO + "2024-05-01T00:00:00Z,checkout,9,10\n2024-05-01T00:01:00Z,search,5,5\n")
    checkout = result.by_slo["checkout"]
    assert checkout.t.tolist() == [MAY_1]
    assert checkout.good.tolist() == [9.0]
    assert checkout.total.tolist() == [10.0]
    assert np.isnan(checkout.value).all()
    assert result.by_slo["search"].t.tolist() == [MAY_1 + 60]
    assert (result.rows_read, result.rows_skipped, result.problems) == (2, 0, [])


def test_it_reads_threshold_rows_as_values_without_counts() -> None:
    result = parse("timestamp,slo,value\n2024-05-01T00:00:00Z,latency,250.5\n")
    latency = result.by_slo["latency"]
    assert latency.value.tolist() == [250.5]
    assert np.isnan(latency.good).all() and np.isnan(latency.total).all()


def test_it_reads_a_mixed_file_with_empty_cells() -> None:
    text = (
        "timestamp,slo,good,total,value\n"
        "2024-05-01T00:00:00Z,checkout,9,10,\n"
        "2024-05-01T00:00:00Z,latency,,,180\n"
    )
    result = parse(text)
    assert result.by_slo["checkout"].total.tolist() == [10.0]
    assert np.isnan(result.by_slo["checkout"].value).all()
    assert result.by_slo["latency"].value.tolist() == [180.0]


def test_it_takes_a_row_with_both_counts_and_a_value() -> None:
    result = parse("timestamp,slo,good,total,value\n2024-05-01T00:00:00Z,x,1,2,3\n")
    x = result.by_slo["x"]
    assert (x.good[0], x.total[0], x.value[0]) == (1.0, 2.0, 3.0)


def test_it_accepts_columns_in_any_order_and_any_case() -> None:
    result = parse("Total,SLO,Timestamp,Good\n10,checkout,2024-05-01T00:00:00Z,9\n")
    assert result.by_slo["checkout"].good.tolist() == [9.0]
    assert result.by_slo["checkout"].total.tolist() == [10.0]


@pytest.mark.parametrize(
    "cell",
    [
        "2024-05-01T00:00:00Z",
        "2024-05-01T09:00:00+09:00",
        "2024-05-01T09:00:00+0900",
        "2024-05-01T09:00+09",
        "2024-04-30T19:00:00-05:00",
        "2024-05-01 00:00:00Z",
        "2024-05-01T00:00Z",
        "2024-05-01T00:00:00.000Z",
        "2024-05-01T09:00:00.000000+09:00",
        "1714521600",
        "1714521600.000",
    ],
)
def test_it_reads_every_timestamp_form_to_the_same_instant(cell: str) -> None:
    result = parse(RATIO + f"{cell},checkout,1,1\n")
    assert result.problems == []
    assert result.by_slo["checkout"].t.tolist() == [MAY_1]


def test_it_reads_iso_and_unix_timestamps_mixed_in_one_column() -> None:
    expected = [MAY_1 + 60 * k for k in range(4)]
    cells = [
        "2024-05-01T00:00:00Z",
        str(MAY_1 + 60),
        "2024-05-01T09:02:00+09:00",
        str(MAY_1 + 180),
    ]
    result = parse(RATIO + "".join(f"{c},a,1,1\n" for c in cells))
    assert result.by_slo["a"].t.tolist() == expected


def test_it_keeps_duplicate_rows_as_separate_buckets_in_file_order() -> None:
    text = RATIO + "2024-05-01T00:00:00Z,a,1,2\n2024-05-01T00:00:00Z,b,3,3\n1714521600,a,4,5\n"
    a = parse(text).by_slo["a"]
    assert a.t.tolist() == [MAY_1, MAY_1]
    assert a.good.tolist() == [1.0, 4.0]
    assert a.total.tolist() == [2.0, 5.0]


def test_it_keeps_unsorted_rows_in_file_order() -> None:
    text = RATIO + "".join(f"{MAY_1 + 60 * k},a,{k},9\n" for k in (5, 2, 7, 1))
    assert parse(text).by_slo["a"].t.tolist() == [MAY_1 + 60 * k for k in (5, 2, 7, 1)]


def test_it_trims_spaces_and_removes_quotes_around_cells() -> None:
    text = ' "timestamp" , slo ,"good",total\n "2024-05-01T00:00:00Z", "check""out" ,\t9 ,"10"\n'
    result = parse(text)
    assert result.problems == []
    assert result.by_slo['check"out'].good.tolist() == [9.0]


def test_it_ends_a_row_at_a_line_break_even_inside_quotes() -> None:
    result = parse(RATIO + '2024-05-01T00:00Z,"check\nout",1,1\n2024-05-01T00:01Z,a,1,1\n')
    assert [(p.line, p.code) for p in result.problems] == [(2, "field_count"), (3, "field_count")]
    assert result.problems[0].message == "expected 4 fields (timestamp,slo,good,total), found 2"
    assert result.by_slo["a"].t.tolist() == [MAY_1 + 60]


def test_it_splits_at_a_comma_even_inside_quotes() -> None:
    problem = only_problem(RATIO + '2024-05-01T00:00Z,"a,b",1,1\n')
    assert (problem.line, problem.message) == (
        2,
        "expected 4 fields (timestamp,slo,good,total), found 5",
    )


def test_it_accepts_whole_counts_written_as_decimals_or_exponents() -> None:
    result = parse(RATIO + "2024-05-01T00:00:00Z,a,9.0,1e3\n")
    assert result.by_slo["a"].total.tolist() == [1000.0]


def test_it_skips_a_utf8_byte_order_mark() -> None:
    data = b"\xef\xbb\xbf" + (RATIO + "2024-05-01T00:00:00Z,a,1,1\n").encode()
    assert parse_bucket_csv_bytes(data).by_slo["a"].t.tolist() == [MAY_1]


def test_it_reads_a_file_with_a_header_and_no_rows_as_empty() -> None:
    result = parse(RATIO)
    assert (result.by_slo, result.rows_read, result.rows_skipped) == ({}, 0, 0)


# --- problems, each with its line ------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "code", "message"),
    [
        (",a,1,1", "timestamp_missing", "timestamp is empty"),
        (
            "yesterday,a,1,1",
            "timestamp_invalid",
            "timestamp 'yesterday' is neither ISO-8601 with a zone "
            "(2024-05-01T09:00:00+09:00) nor Unix seconds",
        ),
        (
            "2024-05-01T00:00:00,a,1,1",
            "timestamp_invalid",
            "timestamp '2024-05-01T00:00:00' is neither ISO-8601 with a zone "
            "(2024-05-01T09:00:00+09:00) nor Unix seconds",
        ),
        (
            "2024-02-30T00:00:00Z,a,1,1",
            "timestamp_invalid",
            "timestamp '2024-02-30T00:00:00Z' is neither ISO-8601 with a zone "
            "(2024-05-01T09:00:00+09:00) nor Unix seconds",
        ),
        (
            "1969-12-31T23:59:00Z,a,1,1",
            "timestamp_out_of_range",
            "timestamp '1969-12-31T23:59:00Z' is outside 1970-01-01 to 9999-12-31",
        ),
        (
            "2024-05-01T00:00:30Z,a,1,1",
            "timestamp_not_minute",
            "timestamp '2024-05-01T00:00:30Z' is not on a UTC minute boundary "
            "(a bucket starts at second 0 of a minute)",
        ),
        (
            "2024-05-01T00:00:00.5Z,a,1,1",
            "timestamp_not_minute",
            "timestamp '2024-05-01T00:00:00.5Z' is not on a UTC minute boundary "
            "(a bucket starts at second 0 of a minute)",
        ),
        (
            "1714521601,a,1,1",
            "timestamp_not_minute",
            "timestamp '1714521601' is not on a UTC minute boundary "
            "(a bucket starts at second 0 of a minute)",
        ),
        ("2024-05-01T00:00Z,,1,1", "slo_missing", "slo is empty"),
        ("2024-05-01T00:00Z,a,,", "row_empty", "good and total are empty"),
        (
            "2024-05-01T00:00Z,a,,5",
            "count_missing",
            "good is empty but total is 5: give both counts",
        ),
        (
            "2024-05-01T00:00Z,a,5,",
            "count_missing",
            "total is empty but good is 5: give both counts",
        ),
        ("2024-05-01T00:00Z,a,many,5", "count_not_number", "good 'many' is not a number"),
        ("2024-05-01T00:00Z,a,1,nan", "count_not_number", "total 'nan' is not a number"),
        ("2024-05-01T00:00Z,a,1,1e999", "count_not_number", "total '1e999' is not a number"),
        ("2024-05-01T00:00Z,a,-1,5", "count_negative", "good -1 is negative"),
        ("2024-05-01T00:00Z,a,0,-5", "count_negative", "total -5 is negative"),
        ("2024-05-01T00:00Z,a,1.5,5", "count_not_integer", "good 1.5 is not a whole number"),
        ("2024-05-01T00:00Z,a,1,2.25", "count_not_integer", "total 2.25 is not a whole number"),
        ("2024-05-01T00:00Z,a,6,5", "good_above_total", "good 6 is greater than total 5"),
        (
            "2024-05-01T00:00Z,a,1",
            "field_count",
            "expected 4 fields (timestamp,slo,good,total), found 3",
        ),
        (
            "2024-05-01T00:00Z,a,1,1,1",
            "field_count",
            "expected 4 fields (timestamp,slo,good,total), found 5",
        ),
    ],
)
def test_it_reports_a_bad_ratio_row_with_its_line(row: str, code: str, message: str) -> None:
    text = RATIO + "2024-05-01T00:01:00Z,a,1,1\n" + row + "\n2024-05-01T00:02:00Z,a,1,1\n"
    result = parse(text)
    assert result.problems == [RowProblem("b.csv", 3, message, code)]
    assert (result.rows_read, result.rows_skipped) == (3, 1)
    assert result.by_slo["a"].t.tolist() == [MAY_1 + 60, MAY_1 + 120]


def test_it_formats_a_problem_as_path_line_message() -> None:
    problem = only_problem(RATIO + "x,a,1,1\n")
    assert str(problem).startswith("b.csv:2: timestamp 'x' is neither")


def test_it_reports_a_value_that_is_not_a_number() -> None:
    problem = only_problem("timestamp,slo,value\n2024-05-01T00:00Z,lat,fast\n")
    assert (problem.line, problem.code) == (2, "value_not_number")
    assert problem.message == "value 'fast' is not a number"


def test_it_reports_an_empty_value_in_a_threshold_file() -> None:
    problem = only_problem("timestamp,slo,value\n2024-05-01T00:00Z,lat,\n")
    assert (problem.line, problem.message) == (2, "value is empty")


def test_it_reports_a_mixed_row_with_neither_counts_nor_value() -> None:
    problem = only_problem("timestamp,slo,good,total,value\n2024-05-01T00:00Z,lat,,,\n")
    assert problem.message == "the row has neither counts (good, total) nor a value"


def test_it_reports_only_the_first_problem_of_a_row() -> None:
    problem = only_problem(RATIO + "nope,,x,-1\n")
    assert problem.code == "timestamp_invalid"


def test_it_shortens_a_long_cell_in_a_message() -> None:
    problem = only_problem(RATIO + "x" * 100 + ",a,1,1\n")
    assert "'" + "x" * 40 + "…'" in problem.message


def test_it_reports_an_unknown_slo_with_a_close_name() -> None:
    problem = only_problem(
        RATIO + "2024-05-01T00:00Z,chekout-availability,1,1\n",
        known_slos=["checkout-availability", "search-latency"],
    )
    assert problem.code == "slo_unknown"
    assert problem.message == (
        "unknown SLO 'chekout-availability' (did you mean 'checkout-availability'?)"
    )


def test_it_reports_an_unknown_slo_without_a_guess_when_nothing_is_close() -> None:
    problem = only_problem(RATIO + "2024-05-01T00:00Z,zzz,1,1\n", known_slos=["checkout"])
    assert problem.message == "unknown SLO 'zzz'"


def test_it_counts_blank_lines_and_crlf_in_line_numbers() -> None:
    text = (
        "\r\n"
        + RATIO.replace("\n", "\r\n")
        + "\r\n\r\n2024-05-01T00:00Z,a,1,1\r\n\r\nbad,a,1,1\r\n"
    )
    result = parse(text)
    assert [p.line for p in result.problems] == [7]
    assert result.rows_read == 2


def test_it_counts_lone_carriage_returns_as_line_ends() -> None:
    text = RATIO.replace("\n", "\r") + "2024-05-01T00:00Z,a,1,1\r\rbad,a,1,1\r"
    assert [p.line for p in parse(text).problems] == [4]


def test_it_reports_problems_in_line_order_across_kinds() -> None:
    text = RATIO + "bad,a,1,1\n2024-05-01T00:00Z,a\nx,a,1,1\n2024-05-01T00:00Z,a,1,1,1\n"
    result = parse(text)
    assert [(p.line, p.code) for p in result.problems] == [
        (2, "timestamp_invalid"),
        (3, "field_count"),
        (4, "timestamp_invalid"),
        (5, "field_count"),
    ]


def test_it_keeps_the_first_problems_and_counts_them_all() -> None:
    text = RATIO + "".join("x,a,1,1\n" for _ in range(30))
    result = parse(text, max_problems=5)
    assert [p.line for p in result.problems] == [2, 3, 4, 5, 6]
    assert (result.rows_read, result.rows_skipped) == (30, 30)


@pytest.mark.parametrize("source", ["bytes", "file"])
def test_it_finds_lines_right_across_many_small_blocks(source: str, tmp_path: Path) -> None:
    # Blocks of 50 bytes cut rows, `\r\n` pairs and the header in every possible place.
    lines, expected_lines = ["timestamp,slo,good,total"], []
    for k in range(400):
        bad = k % 37 == 5
        lines.append(f"{'oops' if bad else MAY_1 + 60 * k},slo-{k % 3},1,2")
        if bad:
            expected_lines.append(len(lines))
        if k % 11 == 0:
            lines.append("")
    data = ("\r\n".join(lines) + "\r\n").encode()
    path = tmp_path / "blocks.csv"
    path.write_bytes(data)
    with (
        mock.patch.object(csvfile, "BLOCK_SIZE", 50),
        mock.patch.object(csvfile, "PARSE_BLOCK", 70),
    ):
        result = parse_bucket_csv_bytes(data) if source == "bytes" else read_bucket_csv(path)
    assert [p.line for p in result.problems] == expected_lines
    assert sum(len(b) for b in result.by_slo.values()) == 400 - len(expected_lines)
    assert result.by_slo["slo-1"].t.tolist() == [
        MAY_1 + 60 * k for k in range(400) if k % 3 == 1 and k % 37 != 5
    ]


def test_it_reads_a_line_longer_than_a_parse_block() -> None:
    slo = "s" * (5 << 20)
    result = parse(RATIO + f"2024-05-01T00:00Z,{slo},1,1\n")
    assert len(result.by_slo[slo]) == 1


# --- files ------------------------------------------------------------------------------


def test_it_reads_a_file_and_reports_progress_up_to_its_size(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(RATIO + "".join(f"{MAY_1 + 60 * k},a,1,1\n" for k in range(1000)))
    calls: list[tuple[int, int]] = []
    with mock.patch.object(csvfile, "BLOCK_SIZE", 4096):
        result = read_bucket_csv(path, progress=lambda done, total: calls.append((done, total)))
    size = path.stat().st_size
    assert len(result.by_slo["a"]) == 1000
    assert len(calls) >= size // 4096
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})
    assert {total for _, total in calls} == {size}
    assert calls[-1] == (size, size)


def test_it_names_the_file_in_row_problems(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text(RATIO + "x,a,1,1\n")
    assert str(read_bucket_csv(path).problems[0]).startswith(f"{path}:2: ")


def test_it_raises_for_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match=r"^.*nope\.csv: no such file$"):
        read_bucket_csv(tmp_path / "nope.csv")


def test_it_raises_for_a_directory(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match="cannot read"):
        read_bucket_csv(tmp_path)


@pytest.mark.parametrize("data", [b"", b"\n\r\n\n"])
def test_it_raises_for_an_empty_file(data: bytes) -> None:
    with pytest.raises(CsvError) as caught:
        parse_bucket_csv_bytes(data, "e.csv")
    assert str(caught.value) == (
        "e.csv: the file is empty; expected a header: timestamp,slo,good,total or "
        "timestamp,slo,value or timestamp,slo,good,total,value"
    )


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("time,slo,good,total", "unknown column 'time'"),
        ("timestamp,slo,good,total,", "unknown column ''"),
        ("timestamp,good,total", "missing column 'slo'"),
        ("timestamp,slo,good", "column 'good' needs its partner ('good' and 'total' go together)"),
        ("timestamp,slo", "neither count columns (good,total) nor a value column"),
        ("timestamp,slo,value,value", "column 'value' appears twice"),
        (
            "2024-05-01T00:00Z,a,1,1",
            "unknown column '2024-05-01T00:00Z' (is the header line missing?)",
        ),
        ("Timestamp,Slo,Good,Total,Good", "column 'good' appears twice"),
    ],
)
def test_it_raises_for_a_bad_header_naming_found_and_expected(header: str, reason: str) -> None:
    with pytest.raises(CsvError) as caught:
        parse_bucket_csv_bytes(f"\n{header}\n".encode(), "h.csv")
    found = ",".join(c.strip() for c in header.split(","))
    assert str(caught.value) == (
        f"h.csv:2: bad header: {reason}; expected timestamp,slo,good,total or "
        f"timestamp,slo,value or timestamp,slo,good,total,value; found {found}"
    )


def test_it_raises_for_text_that_is_not_utf8_naming_the_line() -> None:
    data = (RATIO + "2024-05-01T00:00Z,a,1,1\n").encode() + b"2024-05-01T00:00Z,caf\xe9,1,1\n"
    with pytest.raises(CsvError) as caught:
        parse_bucket_csv_bytes(data, "l.csv")
    assert str(caught.value) == "l.csv:3: not UTF-8 text (byte 0xe9)"


def test_it_reads_utf8_names() -> None:
    result = parse(RATIO + "2024-05-01T00:00Z,決済,1,1\n")
    assert list(result.by_slo) == ["決済"]


def test_it_reads_a_generated_file_of_many_rows_with_a_few_bad_ones(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 100_000
    t = MAY_1 + 60 * rng.integers(0, 100_000, n)
    total = rng.integers(0, 1000, n)
    good = total - rng.integers(0, 3, n).clip(max=total)
    slo = rng.integers(0, 5, n)
    lines = [f"{t[i]},slo-{slo[i]},{good[i]},{total[i]}" for i in range(n)]
    bad_rows = sorted(rng.choice(n, 7, replace=False).tolist())
    for i in bad_rows:
        lines[i] = f"{t[i]},slo-{slo[i]},{total[i] + 1},{total[i]}"
    path = tmp_path / "many.csv"
    path.write_text(RATIO + "\n".join(lines) + "\n")
    with mock.patch.object(csvfile, "BLOCK_SIZE", 1 << 20):
        result = read_bucket_csv(path)
    assert [p.line for p in result.problems] == [i + 2 for i in bad_rows]
    assert {p.code for p in result.problems} == {"good_above_total"}
    keep = np.ones(n, bool)
    keep[bad_rows] = False
    for k in range(5):
        sel = keep & (slo == k)
        np.testing.assert_array_equal(result.by_slo[f"slo-{k}"].t, t[sel])
        np.testing.assert_array_equal(result.by_slo[f"slo-{k}"].good, good[sel])


def test_it_reads_iso_times_as_utc_seconds() -> None:
    when = dt.datetime(
        2031, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30))
    )
    result = parse(RATIO + f"{when.isoformat()},a,1,1\n")
    assert result.by_slo["a"].t.tolist() == [int(when.timestamp())]


# --- the benchmark ----------------------------------------------------------------------

BENCH = Path(__file__).parents[2] / "bench" / "csv_read.py"


def test_it_runs_the_benchmark_at_a_tiny_size_and_records_it(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\n## CSV reader\n\nolder entry\n\n## Engine\n\nkept\n")
    run = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "500", "--record", "--results", str(results)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "read  500 rows in" in run.stdout
    text = results.read_text()
    section, engine = text.split("## Engine")
    assert section.index("older entry") < section.index(": 500 rows\n- ")
    assert "rows/s" in section and "machine: " in section
    assert engine == "\n\nkept\n"
