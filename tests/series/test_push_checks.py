"""The push checker's fast path never accepts what the full item check refuses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.series import push, push_items
from ekkyo.series.objectives import layout_of
from tests.series.helpers import ratio_doc, threshold_doc

T0 = 1_714_521_600
NOW = T0 + 3600
TARGETS = {
    "a": push.SloTarget(1, "a", 1, layout_of(ratio_doc("a"))),
    "b": push.SloTarget(2, "b", 1, layout_of(threshold_doc("b"))),
}
_MISSING = object()
_fields = {
    "slo": st.sampled_from(["a", "b", "c", 5, None, _MISSING]),
    "objective": st.sampled_from([_MISSING, None, "main", "fast", 0, 1, True, 1.0, "0", [0]]),
    "t": st.sampled_from(
        [T0, T0 + 60, T0 + 30, float(T0), "2024-05-01T00:00:00Z", "x", None, True, T0 * 1000]
    ),
    "good": st.sampled_from([_MISSING, None, 0, 5, 10, -1, 1.5, 2.0, True, "3", 2**53]),
    "total": st.sampled_from([_MISSING, None, 0, 5, 10, 1.5, False, 2**53]),
    "value": st.sampled_from([_MISSING, None, 1.0, 7, math.inf, math.nan, "x", True, 10**400]),
    "extra": st.sampled_from([_MISSING, 1]),
}


def _counts(times: list) -> st.SearchStrategy[dict]:
    return st.builds(
        lambda slo, t, g, extra, obj: {"slo": slo, "t": t, "good": g, "total": g + extra, **obj},
        st.sampled_from(["a"] * 7 + ["b"]),  # counts for the threshold SLO b are wrong
        st.sampled_from(times),
        st.integers(0, 100),
        st.integers(-3, 20),
        st.sampled_from([{}, {"objective": "main"}, {"objective": 0}, {"objective": None}]),
    )


def _values(times: list) -> st.SearchStrategy[dict]:
    return st.builds(
        lambda slo, t, v: {"slo": slo, "t": t, "value": v},
        st.sampled_from(["b"] * 7 + ["a"]),  # a value for the ratio SLO a is wrong
        st.sampled_from(times),
        st.one_of(st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False)),
    )


# The last two of each are wrong: off the minute, and ten days ahead of NOW.
_INT_TIMES = [T0, T0 + 60, T0 + 120, T0 + 180, T0 + 240, T0 + 30, T0 + 864_000]
_TEXT_TIMES = [
    "2024-05-01T00:00:00Z",
    "2024-05-01T09:01:00+09:00",
    "2024-05-01T00:02:00Z",
    "2024-05-01T00:00:30Z",
    "2024-05-11T00:00:00Z",
]
_likely_valid = st.one_of(_counts(_INT_TIMES + _TEXT_TIMES), _values([T0, _TEXT_TIMES[0]]))


def _perturb(item: dict, name: str, value: object) -> dict:
    """A valid item with one field changed (or removed)."""
    changed = dict(item)
    changed.pop(name, None)
    if value is not _MISSING:
        changed[name] = value
    return changed


def _one_off(valid: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return st.tuples(valid, st.sampled_from(sorted(_fields))).flatmap(
        lambda pair: _fields[pair[1]].map(lambda v: _perturb(pair[0], pair[1], v))
    )


_item = st.one_of(
    _likely_valid,
    _likely_valid,
    _one_off(_likely_valid),
    _one_off(_likely_valid),
    st.fixed_dictionaries(_fields).map(lambda d: {k: v for k, v in d.items() if v is not _MISSING}),
    st.sampled_from(["x", 3, None, []]),
)


def _slow(items):
    """Every item through the full check only: (rows, details)."""
    details: list = []
    series = push_items.Series(TARGETS)
    times = push_items.Times(NOW)
    rows = [
        push_items.check_item(i, item, series, times, lambda n: None, details)
        for i, item in enumerate(items)
    ]
    return rows, details


@settings(max_examples=300)
@given(items=st.lists(_item, min_size=1, max_size=8))
def test_it_accepts_exactly_what_the_full_check_accepts(items):
    rows, details = _slow(items)
    try:
        cols = push.build_columns(items, TARGETS, now_s=NOW)
    except push.PushInvalid as exc:
        assert exc.details == details
        return
    assert details == []
    np.testing.assert_array_equal(cols.t, [r[1] for r in rows])
    np.testing.assert_array_equal(cols.good, [r[2] for r in rows])
    np.testing.assert_array_equal(cols.total, [r[3] for r in rows])
    np.testing.assert_array_equal(cols.value, [r[4] for r in rows])
    assert [cols.series[i] for i in cols.index] == [(TARGETS[item["slo"]].id, "") for item in items]


def _uniform(valid: st.SearchStrategy[dict]) -> st.SearchStrategy[list]:
    """Pushes of one kind and one form of time, the ones taken whole by the fast path."""
    return st.lists(
        st.one_of(valid, valid, valid, valid, valid, _one_off(valid)), min_size=1, max_size=12
    )


@pytest.mark.parametrize(
    "valid",
    [_counts(_INT_TIMES), _counts(_TEXT_TIMES), _values(_INT_TIMES), _values(_TEXT_TIMES)],
    ids=["counts-unix", "counts-iso", "values-unix", "values-iso"],
)
@settings(max_examples=150)
@given(data=st.data())
def test_it_accepts_uniform_pushes_exactly_when_the_full_check_does(valid, data):
    items = data.draw(_uniform(valid))
    test_it_accepts_exactly_what_the_full_check_accepts.hypothesis.inner_test(items)
