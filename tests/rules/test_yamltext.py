"""The YAML writer: what it writes reads back as the data it was given."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ekkyo.rules import yamltext

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(),
    st.sampled_from(["5m", "30d", "yes", "no", "1e3", "0x1f", "a: b", "- x", "#c", "~", "a\nb\n"]),
)
data = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), data, max_size=5))
def test_it_reads_back_as_the_same_data(value):
    assert YAML(typ="safe").load(yamltext.dump(value)) == value


def test_it_writes_multi_line_promql_as_literal_blocks():
    text = yamltext.dump({"expr": "a\n/\nb\n"})
    assert text == "expr: |\n  a\n  /\n  b\n"


def test_it_writes_durations_and_names_plain():
    assert yamltext.dump({"sloth_window": "30d", "record": "slo:x:y"}) == (
        "sloth_window: 30d\nrecord: slo:x:y\n"
    )
