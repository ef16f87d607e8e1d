"""Pure NRQL helpers: clause checks, chunking, TIMESERIES parsing, ratio combination."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ekkyo.sources.errors import SourceConfigError, SourceResponseError
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
    whole_minutes,
)

T0 = 1_700_000_040  # a minute boundary: 2023-11-14T22:14:00Z


# --------------------------------------------------------------------------- queries


@pytest.mark.parametrize(
    ("query", "clause"),
    [
        ("SELECT count(*) FROM Transaction SINCE 1 day ago", "SINCE"),
        ("SELECT count(*) FROM Transaction until 1 hour ago", "UNTIL"),
        ("SELECT count(*) FROM Transaction TIMESERIES 5 minutes", "TIMESERIES"),
        ("SELECT count(*) FROM Transaction LIMIT 10", "LIMIT"),
        ("SELECT count(*) FROM Transaction FACET appName", "FACET"),
        ("SELECT count(*) FROM Transaction COMPARE WITH 1 week ago", "COMPARE WITH"),
        ("SELECT count(*) FROM Transaction Since 1 day ago", "SINCE"),
    ],
)
def test_it_rejects_a_query_with_a_clause_ekkyo_adds_naming_the_clause(query, clause):
    with pytest.raises(SourceConfigError, match=rf"remove the {clause} clause"):
        normalize_query(query, field="good_nrql")


def test_it_names_the_field_of_a_rejected_query():
    with pytest.raises(SourceConfigError, match=r"^total_nrql: "):
        normalize_query("SELECT count(*) FROM Transaction SINCE 1 day ago", field="total_nrql")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) FROM Transaction WHERE name = 'since until limit'",
        "SELECT count(*) FROM Transaction WHERE `facet` = 'x'",
        "SELECT count(*) FROM Transaction WHERE name = 'it\\'s SINCE'",
        "SELECT count(*) FROM Transaction WHERE appName IN "
        "(FROM Deployment SELECT uniques(appName) SINCE 1 day ago LIMIT 5)",
        "SELECT count(*) FROM Transaction WHERE sinceStart > 3 AND limitReached IS FALSE",
    ],
)
def test_it_accepts_clause_words_inside_literals_identifiers_and_subqueries(query):
    assert normalize_query(query) == query


def test_it_removes_comments_and_collapses_whitespace_outside_literals():
    query = (
        "SELECT count(*) -- every request\n"
        "FROM   Transaction\n"
        "/* only checkout */ WHERE appName = 'shop  front' // trailing\n"
    )
    assert (
        normalize_query(query) == "SELECT count(*) FROM Transaction WHERE appName = 'shop  front'"
    )


def test_it_ignores_clause_words_inside_comments():
    query = "SELECT count(*) FROM Transaction -- was: SINCE 1 day ago"
    assert normalize_query(query) == "SELECT count(*) FROM Transaction"


@pytest.mark.parametrize("query", [None, "", "   ", 42])
def test_it_requires_a_query(query):
    with pytest.raises(SourceConfigError, match="an NRQL query is required"):
        normalize_query(query)


def test_it_requires_select_and_from():
    with pytest.raises(SourceConfigError, match="needs SELECT and FROM"):
        normalize_query("count(*) WHERE x = 1")


@pytest.mark.parametrize("query", ["SELECT count(*) FROM T WHERE a = 'open", "SELECT /* x FROM T"])
def test_it_rejects_unterminated_literals_and_comments(query):
    with pytest.raises(SourceConfigError, match="unterminated"):
        normalize_query(query)


def test_it_appends_the_range_in_epoch_milliseconds_and_minute_buckets():
    query = timeseries_query("SELECT count(*) FROM Transaction", Chunk(T0, T0 + 120))
    assert query == (
        "SELECT count(*) FROM Transaction "
        "SINCE 1700000040000 UNTIL 1700000160000 TIMESERIES 1 minute"
    )


# --------------------------------------------------------------------------- chunks


def test_it_keeps_only_whole_minutes_of_a_range():
    assert whole_minutes(T0 - 59, T0 + 179) == Chunk(T0, T0 + 120)


def test_it_finds_no_whole_minute_in_a_short_range():
    assert whole_minutes(T0 + 1, T0 + 61) is None


def test_it_splits_a_long_range_at_the_nrql_bucket_limit():
    parts = list(chunks(T0, T0 + 800 * 60))
    assert parts == [
        Chunk(1_700_000_040, 1_700_022_000),
        Chunk(1_700_022_000, 1_700_043_960),
        Chunk(1_700_043_960, 1_700_048_040),
    ]


@pytest.mark.parametrize("size", [0, 367, -1])
def test_it_refuses_a_chunk_size_outside_the_nrql_limit(size):
    with pytest.raises(SourceConfigError, match="chunk size"):
        list(chunks(T0, T0 + 600, size))


@given(
    start_minute=st.integers(min_value=0, max_value=40_000_000),
    length=st.integers(min_value=0, max_value=50_000),
    size=st.integers(min_value=1, max_value=MAX_TIMESERIES_BUCKETS),
)
def test_it_tiles_any_range_with_chunks_exactly(start_minute, length, size):
    start, end = start_minute * 60, (start_minute + length) * 60
    parts = list(chunks(start, end, size))
    covered = [m for c in parts for m in range(c.start, c.end, 60)]
    assert covered == list(range(start, end, 60))  # no gap, no overlap, in order
    assert all(0 < c.minutes <= size and c.start % 60 == 0 == c.end % 60 for c in parts)
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))


@given(
    start=st.integers(min_value=0, max_value=2_000_000_000),
    length=st.integers(min_value=0, max_value=3_000_000),
    size=st.integers(min_value=1, max_value=MAX_TIMESERIES_BUCKETS),
)
def test_it_chunks_exactly_the_whole_minutes_of_any_range(start, length, size):
    end = start + length
    covered = [m for c in chunk_list(start, end, size) for m in range(c.start, c.end, 60)]
    assert covered == [
        t for t in range(start - start % 60, end, 60) if t >= start and t + 60 <= end
    ]


# --------------------------------------------------------------------------- results


def _row(begin, **values):
    return {"beginTimeSeconds": begin, "endTimeSeconds": begin + 60, **values}


def test_it_reads_counts_per_bucket_start():
    rows = [_row(T0, count=3), _row(T0 + 60, count=0, inspectedCount=0)]
    assert parse_timeseries(rows, Chunk(T0, T0 + 120), query="q") == {T0: 3.0, T0 + 60: 0.0}


def test_it_reads_a_nested_percentile_and_a_null_one():
    rows = [
        _row(T0, **{"percentile.duration": {"95": 0.25}}),
        _row(T0 + 60, **{"percentile.duration": {"95": None}}),
    ]
    assert parse_timeseries(rows, Chunk(T0, T0 + 120), query="q") == {T0: 0.25, T0 + 60: None}


def test_it_reads_an_arithmetic_result_and_a_named_aggregate():
    rows = [_row(T0, result=7.5), _row(T0 + 60, **{"p95 latency": 12})]
    assert parse_timeseries(rows, Chunk(T0, T0 + 120), query="q") == {T0: 7.5, T0 + 60: 12.0}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"count": 1}, "not a list"),
        ([_row(T0 - 60, count=1)], "outside the range"),
        ([_row(T0 + 120, count=1)], "outside the range"),
        ([{"beginTimeSeconds": T0, "endTimeSeconds": T0 + 300, "count": 1}], "1-minute"),
        ([{"count": 1}], "lacks beginTimeSeconds"),
        ([_row(T0, count=1), _row(T0, count=2)], "appears twice"),
        ([_row(T0, count=1, average=2)], "exactly one aggregate"),
        ([_row(T0)], "exactly one aggregate"),
        ([_row(T0, count="12")], "not a number"),
        ([_row(T0, count=True)], "not a number"),
        ([_row(T0, **{"percentile.duration": {"95": 1, "99": 2}})], "single percentile"),
        (["row"], "not an object"),
    ],
)
def test_it_rejects_results_that_are_not_one_value_per_minute(rows, message):
    with pytest.raises(SourceResponseError, match=message):
        parse_timeseries(rows, Chunk(T0, T0 + 120), query="SELECT x FROM y")


def test_it_names_the_query_in_a_result_error():
    with pytest.raises(SourceResponseError, match="SELECT x FROM y SINCE 1"):
        parse_timeseries("nope", Chunk(T0, T0 + 60), query="SELECT x FROM y SINCE 1")


def test_it_keeps_values_and_drops_minutes_without_one():
    assert values_of({T0 + 60: 2.0, T0: None, T0 + 120: 0.0}) == ([T0 + 60, T0 + 120], [2.0, 0.0])


# --------------------------------------------------------------------------- ratios

_counts = st.one_of(st.none(), st.integers(min_value=0, max_value=10_000).map(float))
_series = st.dictionaries(
    st.integers(min_value=0, max_value=50).map(lambda m: T0 + 60 * m), _counts
)


@given(numerator=_series, total=_series, is_good=st.booleans())
def test_it_combines_ratio_series_like_a_simple_reference(numerator, total, is_good):
    t, good, tot = combine_ratio(numerator, total, numerator_is_good=is_good)
    expected = []
    for minute in sorted(set(numerator) | set(total)):
        n = numerator.get(minute) or 0.0
        all_events = total.get(minute) or 0.0
        g = n if is_good else all_events - n
        expected.append((minute, min(max(g, 0.0), all_events), all_events))
    assert list(zip(t, good, tot, strict=True)) == expected
    assert all(0 <= g <= x for g, x in zip(good, tot, strict=True))


def test_it_derives_good_from_bad_and_total():
    t, good, total = combine_ratio({T0: 2.0}, {T0: 10.0}, numerator_is_good=False)
    assert (t, good, total) == ([T0], [8.0], [10.0])


def test_it_clamps_good_above_total_from_late_events():
    _, good, total = combine_ratio({T0: 11.0}, {T0: 10.0}, numerator_is_good=True)
    assert (good, total) == ([10.0], [10.0])


def test_it_rejects_negative_counts():
    with pytest.raises(SourceResponseError, match="negative"):
        combine_ratio({T0: -1.0}, {T0: 3.0}, numerator_is_good=True)
