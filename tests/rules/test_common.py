"""Durations as Prometheus prints them, and label names made valid."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ekkyo.rules.common import prom_duration, prom_label_name

UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}


def test_it_prints_windows_as_sloth_names_them():
    assert [prom_duration(s) for s in (300, 1800, 3600, 86400, 259200, 2592000, 2419200)] == [
        "5m",
        "30m",
        "1h",
        "1d",
        "3d",
        "30d",
        "4w",
    ]


@given(st.integers(min_value=1, max_value=10 * 365 * 86400))
def test_it_prints_durations_that_add_up_to_the_seconds(seconds):
    text = prom_duration(seconds)
    parts = re.findall(r"(\d+)([ywdhms])", text)
    assert "".join(c + u for c, u in parts) == text
    assert sum(int(c) * UNITS[u] for c, u in parts) == seconds
    units = [u for _, u in parts]
    assert units == sorted(units, key=list(UNITS).index)  # largest first, each once
    assert len(set(units)) == len(units)


@given(st.text(min_size=1))
def test_it_makes_label_names_prometheus_accepts(name):
    label = prom_label_name(name)
    assert label is None or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", label)
    assert label is None or not label.startswith("__")
