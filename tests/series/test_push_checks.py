"""The push checker's fast path never accepts what the full item check refuses."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.series import push
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
_likely_valid = st.one_of(
    st.builds(
        lambda t, g, extra, obj: {"slo": "a", "t": t, "good": g, "total": g + extra, **obj},
        st.sampled_from([T0, T0 + 60, "2024-05-01T00:00:00Z", "2024-05-01T09:01:00+09:00"]),
        st.integers(0, 100),
        st.integers(-2, 100),
        st.sampled_from([{}, {"objective": "main"}, {"objective": 0}, {"objective": None}]),
    ),
    st.builds(
        lambda t, v: {"slo": "b", "t": t, "value": v},
        st.sampled_from([T0, "2024-05-01T00:00:00Z"]),
        st.one_of(st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False)),
    ),
)


def _perturb(item: dict, name: str, value: object) -> dict:
    """A valid item with one field changed (or removed)."""
    changed = dict(item)
    changed.pop(name, None)
    if value is not _MISSING:
        changed[name] = value
    return changed


_one_off = st.tuples(_likely_valid, st.sampled_from(sorted(_fields))).flatmap(
    lambda pair: _fields[pair[1]].map(lambda v: _perturb(pair[0], pair[1], v))
)
_item = st.one_of(
    _likely_valid,
    _likely_valid,
    _one_off,
    _one_off,
    st.fixed_dictionaries(_fields).map(lambda d: {k: v for k, v in d.items() if v is not _MISSING}),
    st.sampled_from(["x", 3, None, []]),
)


def _slow(items):
    """Every item through the full check only: (rows, details)."""
    details: list = []
    series = push._Series(TARGETS)
    times = push._Times(NOW)
    rows = [
        push._check_item(i, item, series, times, lambda n: None, details)
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
