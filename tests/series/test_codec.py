from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ekkyo.series.codec import (
    MINUTES_PER_DAY,
    CodecError,
    Columns,
    DayArrays,
    compress_payload,
    decode_chunk,
    decode_payload,
    encode_chunk,
    encode_columns,
)

_counts = hnp.arrays(np.int64, MINUTES_PER_DAY, elements=st.integers(0, 2**53 - 1))
_values = hnp.arrays(
    np.float64,
    MINUTES_PER_DAY,
    elements=st.one_of(st.just(np.nan), st.floats(allow_nan=False, allow_infinity=False)),
)


@settings(max_examples=40)
@given(total=_counts, bad_share=st.floats(0, 1), value=_values, use_counts=st.booleans())
def test_it_round_trips_a_day_chunk(total, bad_share, value, use_counts):
    if not use_counts:
        total = np.zeros(MINUTES_PER_DAY, np.int64)
    bad = np.floor(total * bad_share).astype(np.int64)
    day = DayArrays(total=total.copy(), bad=bad.copy(), value=value.copy())

    back = decode_chunk(encode_chunk(day))

    np.testing.assert_array_equal(back.total, total)
    np.testing.assert_array_equal(back.bad, bad)
    np.testing.assert_array_equal(back.value, value)


@pytest.mark.parametrize("top", [255, 256, 65_535, 65_536, 2**32, 2**53 - 1])
def test_it_keeps_counts_exact_at_every_integer_width(top):
    day = DayArrays.zeros()
    day.total[7] = top
    day.bad[7] = top - 1

    back = decode_chunk(encode_chunk(day))

    assert (int(back.total[7]), int(back.bad[7])) == (top, top - 1)


def test_it_stores_an_idle_day_in_a_few_bytes():
    assert len(encode_chunk(DayArrays.zeros())) < 16


def test_it_stores_a_busy_healthy_day_far_below_its_raw_size():
    rng = np.random.default_rng(7)
    day = DayArrays.zeros()
    day.total = rng.poisson(1000, MINUTES_PER_DAY).astype(np.int64)
    day.bad = rng.binomial(day.total, 0.001).astype(np.int64)

    # Raw: two int64 arrays of 1,440 minutes = 23,040 bytes.
    assert len(encode_chunk(day)) < 23_040 / 6


@settings(max_examples=40)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.integers(0, 10**6),
            st.one_of(st.just(np.nan), st.integers(0, 10**9).map(float)),
            st.floats(allow_nan=True, allow_infinity=False),
        ),
        max_size=50,
    )
)
def test_it_round_trips_batch_columns(rows):
    series = [(1, ""), (2, ""), (2, "fast")]
    cols = Columns(
        series=series,
        index=np.array([r[0] for r in rows], np.uint32),
        t=np.array([r[1] * 60 for r in rows], np.int64),
        good=np.array([r[2] for r in rows], np.float64),
        total=np.array([r[2] for r in rows], np.float64),
        value=np.array([r[3] for r in rows], np.float64),
    )

    back = decode_payload(compress_payload(encode_columns(cols)))

    assert back.series == series
    for name in ("index", "t", "good", "total", "value"):
        np.testing.assert_array_equal(getattr(back, name), getattr(cols, name))


def test_it_refuses_bytes_it_did_not_write():
    with pytest.raises(CodecError):
        decode_chunk(b"\x07\x00\x00junk")
    with pytest.raises(CodecError):
        decode_payload(b"not zlib")
