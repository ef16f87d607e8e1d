"""The state rule and the column-wise result objects (pure, no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.engine import ALERT_RULES, BURN_WINDOWS, ResultBlock
from ekkyo.worker.status import classify, fastest_burn_rate, result_dicts, worst

PAGE = {"severity": "page", "long_window": "1h", "short_window": "5m", "factor": 14.4}


@pytest.mark.parametrize(
    ("sli", "remaining", "alerts", "state"),
    [
        (None, None, [], "no_data"),
        (0.5, -0.2, [], "exhausted"),
        (0.5, 0.0, [PAGE], "exhausted"),
        (0.999, 0.9, [PAGE], "at_risk"),
        (0.999, 0.2499, [], "at_risk"),
        (0.999, 0.25, [], "healthy"),
        (1.0, 1.0, [], "healthy"),
    ],
)
def test_it_classifies_by_the_documented_rule(sli, remaining, alerts, state):
    assert classify(sli, remaining, alerts).state == state


def test_it_reports_a_failing_source_as_no_data_rather_than_healthy():
    since = dt.datetime(2026, 3, 2, 11, 58, tzinfo=dt.UTC)

    found = classify(0.9999, 0.99, [], source_failing_since=since, source_error="timed out")

    assert found.state == "no_data"
    assert found.reason == "source unreachable since 2026-03-02T11:58:00Z: timed out"


def test_it_names_the_firing_alerts_in_the_reason():
    assert "page 1h/5m" in classify(0.9, 0.8, [PAGE]).reason


def test_it_takes_the_worst_state_of_the_objectives():
    assert worst(["healthy", "no_data", "at_risk"]) == "at_risk"
    assert worst(["healthy", "exhausted", "at_risk"]) == "exhausted"
    assert worst([]) == "no_data"


def test_it_takes_the_highest_burn_rate_as_the_fastest():
    rates = dict.fromkeys(BURN_WINDOWS, None) | {"5m": 2.0, "1d": 7.5}
    assert fastest_burn_rate({"burn_rates": rates}) == 7.5
    assert fastest_burn_rate({"burn_rates": dict.fromkeys(BURN_WINDOWS)}) is None


@st.composite
def blocks(draw: st.DrawFn) -> ResultBlock:
    """Random columns with NaN (null), negative, integral and fractional numbers."""
    n = draw(st.integers(0, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def floats(*shape: int) -> np.ndarray:
        x = rng.choice([-1.5, 0.0, 0.25, 1.0, 7.0, 14.4, 1e6], size=(n, *shape))
        x = x * rng.choice([1.0, 1.0, 1.0 / 3.0], size=x.shape)
        x[rng.random(x.shape) < 0.3] = np.nan
        return x

    def counts() -> np.ndarray:
        return rng.choice([0.0, 1.0, 12.0, 2.0**40, 0.5, 3.75], size=n)

    def seconds() -> np.ndarray:
        return rng.integers(0, 2**31, size=n, dtype=np.int64) * 60

    return ResultBlock(
        target=floats(),
        window_start=seconds(),
        window_end=seconds(),
        length_s=seconds(),
        sli=floats(),
        good=counts(),
        total=counts(),
        allowed_bad=floats(),
        consumed_ratio=floats(),
        remaining_ratio=floats(),
        burn_rates=floats(len(BURN_WINDOWS)),
        factors=floats(len(ALERT_RULES)),
        firing=rng.random((n, len(ALERT_RULES))) < 0.3,
        time_to_exhaustion_s=floats(),
    )


@settings(max_examples=100, deadline=None)
@given(block=blocks())
def test_it_builds_the_same_result_objects_as_the_engine_row_by_row(block):
    names = [f"slo-{i}" for i in range(len(block))]
    objectives = [str(i) for i in range(len(block))]

    got = result_dicts(block, names, objectives)

    expected = [
        {"slo": names[i], "objective": objectives[i], **block.row(i).as_dict()}
        for i in range(len(block))
    ]
    # NaN never equals itself: compare through repr, which also tells 1 from 1.0.
    assert repr(got) == repr(expected)
